/**
 * Booted-VM snapshots: the state of a VM that has just reached its shell prompt, saved once with
 * QEMU's migration (`migrate exec:cat > FILE`) and restored by later VMs with `-incoming`. A
 * restore takes ~0.25 s where a TCG boot takes 2–9 s. One snapshot per QEMU command line (memory,
 * ports, kernel arguments, image), kept in build/vm/snapshots/.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';

/** A minimal QMP client over the monitor's byte stream: one command at a time. */
export class Qmp {
  private buf = '';
  private closed = false;
  private readonly waiting: ((m: { return?: unknown; error?: { desc: string } }) => void)[] = [];

  constructor(private readonly stream: Duplex) {
    stream.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w({ error: { desc: 'QEMU closed its monitor (it exited)' } });
    });
    stream.on('data', (d: Buffer) => {
      this.buf += d.toString();
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).trim();
        this.buf = this.buf.slice(i + 1);
        if (!line) continue;
        const m = JSON.parse(line);
        // The greeting and asynchronous events carry neither `return` nor `error`.
        if ('return' in m || 'error' in m) this.waiting.shift()?.(m);
      }
    });
  }

  /** Run a command; resolves with its `return`, rejects with QEMU's error text. */
  call<T = unknown>(execute: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP ${execute}: QEMU closed its monitor (it exited)`));
    return new Promise((res, rej) => {
      this.waiting.push((m) => (m.error ? rej(new Error(`QMP ${execute}: ${m.error.desc}`)) : res(m.return as T)));
      this.stream.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Where the snapshot for this command line lives (the -name and -incoming words left out). */
export function snapshotPath(dir: string, args: string[], imageBuilt: string, qemuVersion: string): string {
  const key = args.filter((a, i) => a !== '-name' && args[i - 1] !== '-name');
  const hash = createHash('sha256')
    .update(JSON.stringify([key, imageBuilt, qemuVersion]))
    .digest('hex')
    .slice(0, 24);
  return join(dir, 'snapshots', `${hash}.state`);
}

/** Whether a path can go into `exec:cat …` (run by /bin/sh) without quoting. */
export const shellSafe = (p: string): boolean => /^[\w./-]+$/.test(p);

/** Wait until a VM started with `-incoming` has loaded its state, and let it run. */
export async function resumeRestored(qmp: Qmp, timeoutMs: number): Promise<void> {
  await qmp.call('qmp_capabilities');
  const end = Date.now() + timeoutMs;
  for (;;) {
    const s = await qmp.call<{ status: string; running: boolean }>('query-status');
    if (s.running) return;
    // The snapshot was taken while paused: once loaded, it waits for `cont`.
    if (s.status === 'paused' || s.status === 'postmigrate') {
      await qmp.call('cont');
      return;
    }
    if (Date.now() > end) throw new Error(`the snapshot did not load within ${timeoutMs} ms (status ${s.status})`);
    await sleep(20);
  }
}

/**
 * Save the running VM into `path` (atomically: a temporary file renamed when complete), then let it
 * run on. Snapshots older than the image (`manifest`) are removed: they belong to an earlier build.
 */
export async function takeSnapshot(qmp: Qmp, path: string, manifest: string): Promise<void> {
  if (!shellSafe(path)) throw new Error(`snapshot path ${path} needs quoting; not taking a snapshot`);
  mkdirSync(join(path, '..'), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await qmp.call('qmp_capabilities');
  await qmp.call('stop');
  try {
    await qmp.call('migrate', { uri: `exec:cat > ${tmp}` });
    for (;;) {
      const s = await qmp.call<{ status: string; 'error-desc'?: string }>('query-migrate');
      if (s.status === 'completed') break;
      if (s.status === 'failed' || s.status === 'cancelled')
        throw new Error(`migration ${s.status}: ${s['error-desc'] ?? ''}`);
      await sleep(50);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    await qmp.call('cont');
  }
  const built = existsSync(manifest) ? statSync(manifest).mtimeMs : 0;
  const dir = join(path, '..');
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f.endsWith('.state') && statSync(p).mtimeMs < built) rmSync(p, { force: true });
  }
}

/**
 * Ask every agent port for HELLO and swallow the answers, so the snapshot is taken with each
 * agent up and blocked reading its port. Leaves the ports paused: whoever reads them next starts
 * clean. Rejects when an agent does not answer in time.
 */
export async function agentsListening(ports: Duplex[], timeoutMs: number): Promise<void> {
  await Promise.all(
    ports.map(
      (port, i) =>
        new Promise<void>((res, rej) => {
          let got = Buffer.alloc(0);
          const timer = setTimeout(() => {
            port.off('data', onData);
            port.pause();
            rej(new Error(`agent port ${i + 1} did not answer HELLO within ${timeoutMs} ms`));
          }, timeoutMs);
          const onData = (d: Buffer) => {
            got = Buffer.concat([got, d]);
            if (got.length >= 4 && got.length >= got.readUInt32LE(0)) {
              clearTimeout(timer);
              port.off('data', onData);
              port.pause();
              res();
            }
          };
          port.on('data', onData);
          const hello = Buffer.alloc(12);
          hello.writeUInt32LE(12, 0);
          hello.writeUInt32LE(0xfffffff0 + i, 4);
          hello.writeUInt16LE(1, 8);
          port.write(hello);
        }),
    ),
  );
}

/** Remove a snapshot that failed to restore. */
export function dropSnapshot(path: string): void {
  if (existsSync(path)) rmSync(path, { force: true });
}
