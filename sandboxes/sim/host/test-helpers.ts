/**
 * Shared by the simulator's tests: run a program on a fresh simulated kernel, check errnos, read
 * what is queued.
 */
import { expect } from 'vitest';
import { setBackend } from '../../../src/api/backend.ts';
import { ErrnoError } from '../../../src/api/errno.ts';
import { recvfrom } from '../../../src/api/user.ts';
import { MSG_DONTWAIT } from '../../../src/api/uapi.ts';
import { parseNlmsgs, type NlMsg } from '../../../src/api/nlmsg.ts';
import type { SpawnOptions } from '../../../src/api/types.ts';
import { bootKernel } from './testing.ts';
import type { SimKernel } from './kernel.ts';

/** Run `main` as the first process of a fresh kernel; rethrows what it threw. */
export async function sim(main: (k: SimKernel) => Promise<void>, opts: SpawnOptions = {}): Promise<SimKernel> {
  const k = await bootKernel();
  setBackend(k);
  try {
    const r = await k.run(() => main(k), opts);
    if (r.error) throw r.error;
  } finally {
    setBackend(null);
  }
  return k;
}

/** Expect the promise to reject with ErrnoError `code` ('EINVAL'). */
export async function errno(p: Promise<unknown>, code: string): Promise<void> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e, `expected ${code}`).toBeInstanceOf(ErrnoError);
  expect((e as ErrnoError).code).toBe(code);
}

/** Every message queued on `fd`, read without blocking until EAGAIN; any other error is thrown. */
export async function drainMessages(fd: number): Promise<NlMsg[]> {
  const out: NlMsg[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    let n: number;
    try {
      ({ n } = await recvfrom(fd, buf, MSG_DONTWAIT));
    } catch (e) {
      if (e instanceof ErrnoError && e.code === 'EAGAIN') return out;
      throw e;
    }
    out.push(...parseNlmsgs(buf.slice(0, n)));
  }
}
