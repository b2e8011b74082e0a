/**
 * The in-browser kernel under Node: load the assets `npm run v86:build` put in public/v86/ and
 * start a machine from the saved state (~0.2 s), for `netlink-lab run --kernel browser`, the
 * tests (tests/v86) and the benchmark. The browser's twin is src/runtime/v86/load.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { startMachine, type Machine, type V86Constructor } from './machine.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the build puts what the site serves. */
export const V86_ASSETS = join(ROOT, 'public', 'v86');

/** What the build recorded (public/v86/manifest.json). */
export interface V86Manifest {
  kernelRelease: string;
  memoryMB: number;
  modules: string[];
  programs: string[];
  bootMs: number;
  built: string;
}

export function v86Manifest(dir = V86_ASSETS): V86Manifest {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) {
    throw new Error(
      `netlink-lab: the in-browser kernel is not built (no ${p}). Build it with \`npm run v86:build\` (Debian's i386 kernel and packages; see sandboxes/v86/README.md).`,
    );
  }
  return JSON.parse(readFileSync(p, 'utf8')) as V86Manifest;
}

/**
 * The files the site serves for the in-browser kernel, in public/v86: v86's code gzipped (the
 * page decompresses it with DecompressionStream, whatever the host's compression), the state
 * zstd-compressed (v86 decompresses it). The BIOS is not among them: the state holds it.
 */
export const V86_FILES = ['libv86.mjs.gz', 'v86.wasm.gz', 'state.bin.zst'] as const;

/** A file of public/v86, `.gz` ones decompressed. */
export function readV86Asset(name: string, dir = V86_ASSETS): Buffer {
  const bytes = readFileSync(join(dir, name));
  return name.endsWith('.gz') ? gunzipSync(bytes) : bytes;
}

let ctor: Promise<V86Constructor> | null = null;
/** libv86's V86 class, from the copy the build put beside the state (the same the site serves). */
export function loadV86(dir = V86_ASSETS): Promise<V86Constructor> {
  // An ES module from bytes: a data: URL (libv86 imports only node: builtins).
  ctor ??= import(`data:text/javascript;base64,${readV86Asset('libv86.mjs.gz', dir).toString('base64')}`).then(
    (m: { V86: V86Constructor }) => m.V86,
  );
  return ctor;
}

/** A fresh machine from the saved state. */
export async function startSavedMachine(dir = V86_ASSETS): Promise<Machine> {
  const manifest = v86Manifest(dir);
  const V86 = await loadV86(dir);
  return startMachine(
    V86,
    {
      wasm: readV86Asset('v86.wasm.gz', dir),
      state: readV86Asset('state.bin.zst', dir),
    },
    { memoryMB: manifest.memoryMB },
  );
}
