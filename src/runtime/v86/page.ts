/**
 * "Linux in your browser" on the page: the in-browser kernel's machine (sandboxes/v86/machine.ts),
 * started once per page when the learner first picks it and then shared by every run, like the
 * relay's VM. Loaded only then (a dynamic import from the kernel switch): libv86 and v86.wasm
 * (gzipped) and the saved state come from the site's /v86/ folder (public/v86, built by
 * `npm run v86:build`), with a progress report, and are kept in the Cache API so the next visit —
 * offline too — reads them from disk.
 */
import type { Machine, V86Constructor } from '../../../sandboxes/v86/machine.ts';
import { startMachine } from '../../../sandboxes/v86/machine.ts';
import type { AgentLink } from '../vm/agent-link.ts';
import { machineLink } from './link.ts';

/** The Cache API cache the assets live in (a new build gets a new name: see `cacheName`). */
const CACHE_PREFIX = 'netlink-lab-v86-';

/** What public/v86/manifest.json says (the parts the page uses). */
interface Manifest {
  kernelRelease: string;
  memoryMB: number;
  built: string;
}

/** Progress of the download: bytes so far and in all (0 when not known yet). */
export type Progress = (loaded: number, total: number, phase: 'download' | 'start') => void;

/** The page's machine, once started. */
export interface PageMachine {
  machine: Machine;
  link: AgentLink;
  manifest: Manifest;
  fromCache: boolean;
  readyMs: number;
}

let shared: Promise<PageMachine> | null = null;

/** Start the page's machine (once; later calls share it). `base` is the site's base URL ('/'). */
export function startPageMachine(base: string, progress: Progress = () => {}): Promise<PageMachine> {
  shared ??= start(base, progress).catch((e) => {
    shared = null;
    throw e;
  });
  return shared;
}

async function cacheFor(manifest: Manifest): Promise<Cache | null> {
  if (typeof caches === 'undefined') return null;
  try {
    const name = `${CACHE_PREFIX}${manifest.built}`;
    // Drop the assets of older builds.
    for (const k of await caches.keys()) if (k.startsWith(CACHE_PREFIX) && k !== name) await caches.delete(k);
    return await caches.open(name);
  } catch {
    return null; // e.g. an opaque origin: go without a cache
  }
}

/** Fetch the files, from the cache when there, reporting bytes as they arrive. */
async function fetchAll(
  urls: string[],
  cache: Cache | null,
  progress: Progress,
): Promise<{ bytes: ArrayBuffer[]; fromCache: boolean }> {
  const responses = await Promise.all(
    urls.map(async (u) => {
      const hit = await cache?.match(u);
      if (hit) return { res: hit, cached: true };
      const res = await fetch(u);
      if (!res.ok)
        throw new Error(
          `Could not load ${u} (HTTP ${res.status}). Is the in-browser kernel built (npm run v86:build) and copied into the site?`,
        );
      return { res, cached: false };
    }),
  );
  const total = responses.reduce((s, r) => s + Number(r.res.headers.get('content-length') ?? 0), 0);
  let loaded = 0;
  const bytes = await Promise.all(
    responses.map(async ({ res, cached }, i) => {
      const reader = res.clone().body?.getReader();
      const parts: Uint8Array[] = [];
      if (reader) {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          loaded += value.byteLength;
          progress(loaded, total, 'download');
        }
      }
      const buf = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
      let off = 0;
      for (const p of parts) {
        buf.set(p, off);
        off += p.byteLength;
      }
      if (!cached && cache) await cache.put(urls[i]!, res).catch(() => undefined);
      return buf.buffer;
    }),
  );
  return { bytes, fromCache: responses.every((r) => r.cached) };
}

/**
 * A `.gz` asset's bytes. A host that serves .gz files with `Content-Encoding: gzip` has the
 * browser decompress them already: only bytes that start with gzip's magic are decompressed.
 */
async function gunzip(bytes: ArrayBuffer): Promise<ArrayBuffer> {
  const head = new Uint8Array(bytes, 0, Math.min(2, bytes.byteLength));
  if (head[0] !== 0x1f || head[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).arrayBuffer();
}

async function start(base: string, progress: Progress): Promise<PageMachine> {
  const t0 = performance.now();
  const dir = `${base.replace(/\/?$/, '/')}v86/`;
  const mres = await fetch(`${dir}manifest.json`, { cache: 'no-cache' }).catch(() => null);
  let manifest: Manifest;
  let cache: Cache | null;
  if (mres?.ok) {
    manifest = (await mres.json()) as Manifest;
    cache = await cacheFor(manifest);
    await cache?.put(`${dir}manifest.json`, new Response(JSON.stringify(manifest))).catch(() => undefined);
  } else {
    // Offline: the manifest of the last build this browser kept.
    const names = typeof caches === 'undefined' ? [] : (await caches.keys()).filter((k) => k.startsWith(CACHE_PREFIX));
    const hit = names.length ? await (await caches.open(names[0]!)).match(`${dir}manifest.json`) : undefined;
    if (!hit)
      throw new Error(
        'The in-browser kernel could not be loaded: its files are not on this site (build them with `npm run v86:build`) and none were kept from an earlier visit.',
      );
    manifest = (await hit.json()) as Manifest;
    cache = await caches.open(names[0]!);
  }
  // sandboxes/v86/node.ts's V86_FILES: v86's code gzipped, the state zstd (v86 decompresses it).
  const files = ['libv86.mjs.gz', 'v86.wasm.gz', 'state.bin.zst'].map((f) => `${dir}${f}`);
  const {
    bytes: [libGz, wasmGz, state],
    fromCache,
  } = await fetchAll(files, cache, progress);
  progress(1, 1, 'start');
  const [lib, wasm] = await Promise.all([gunzip(libGz!), gunzip(wasmGz!)]);
  // libv86 is an ES module: import it from the bytes we have (cached), not from the network.
  const url = URL.createObjectURL(new Blob([lib!], { type: 'text/javascript' }));
  let V86: V86Constructor;
  try {
    V86 = ((await import(/* @vite-ignore */ url)) as { V86: V86Constructor }).V86;
  } finally {
    URL.revokeObjectURL(url);
  }
  const machine = await startMachine(V86, { wasm, state: state! }, { memoryMB: manifest.memoryMB });
  const link = machineLink(machine, new Promise<string>(() => {}));
  return { machine, link, manifest, fromCache, readyMs: performance.now() - t0 };
}
