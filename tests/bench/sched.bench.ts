/**
 * The simulated kernel's scheduler: how fast two processes ping-pong over NETLINK_USERSOCK (each
 * round trip is two context switches through the host's scheduler). The wall-clock budget that
 * sandboxes/sim/host/sched.test.ts held (2000 round trips in under 10 s) is this figure now; the
 * test keeps what is functional (every message arrives, in order, deterministically).
 */
import { setBackend } from '../../src/api/backend.ts';
import * as u from '../../src/api/user.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';

const addr = (nl_pid: number) => ({ nl_family: u.AF_NETLINK, nl_pid, nl_groups: 0 });

/** Round trips per second between two processes, over `n` round trips. */
export async function benchPingPong(n: number): Promise<number> {
  const kernel = await bootKernel();
  setBackend(kernel);
  let rate = 0;
  try {
    const r = await kernel.run(async () => {
      const a = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      const b = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(a, addr(21));
      await u.bind(b, addr(22));
      const start = performance.now();
      const child = await u.spawn(
        async () => {
          const buf = new Uint8Array(8);
          for (let i = 0; i < n; i++) {
            await u.recvfrom(b, buf, 0);
            await u.sendto(b, buf.subarray(0, 4), 0, addr(21));
          }
        },
        { name: 'pong' },
      );
      const buf = new Uint8Array(8);
      for (let i = 0; i < n; i++) {
        await u.sendto(a, u.bytes('ping'), 0, addr(22));
        await u.recvfrom(a, buf, 0);
      }
      await u.waitpid(child);
      rate = n / ((performance.now() - start) / 1000);
    });
    if (r.error) throw r.error;
  } finally {
    setBackend(null);
  }
  return rate;
}

export default async function (): Promise<void> {
  await benchPingPong(200); // warm up the JIT
  console.log(`sim process ping-pong: ${Math.round(await benchPingPong(2000))} rt/s`);
}
