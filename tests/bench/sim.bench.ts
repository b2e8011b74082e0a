/**
 * Request/ACK round trips per second on the simulated kernel, from TypeScript through
 * netlink-lab/user with the tracer off: NLMSG_NOOP | NLM_F_REQUEST | NLM_F_ACK to NETLINK_GENERIC
 * (whose kernel socket runs netlink_rcv_skb in wasm), sendto + recvfrom per round trip — the same
 * loop sandboxes/real/bench/reqack.c runs natively. Also the same loop against a TypeScript module
 * on unit 25 whose input calls netlink_rcv_skb (two more boundary crossings per round trip).
 */
import { setBackend } from '../../src/api/backend.ts';
import * as u from '../../src/api/user.ts';
import * as k from '../../src/api/kernel.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';
import type { SimKernel } from '../../sandboxes/sim/host/index.ts';

const fmt = (x: number) => String(Math.round(x));

// One booted kernel per loop kind, reused by every round (rounds measure the loop, not the boot).
const kernels = new Map<number, Promise<SimKernel>>();

async function loop(protocol: number, seconds: number, setup?: () => Promise<void>): Promise<number> {
  let booted = kernels.get(protocol);
  const first = !booted;
  if (!booted) {
    booted = bootKernel();
    kernels.set(protocol, booted);
  }
  const kernel = await booted;
  setBackend(kernel);
  let rate = 0;
  try {
    const r = await kernel.run(async () => {
      if (setup && first) await setup();
      const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, protocol);
      const dst = { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };
      const req = u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK });
      const seq = new DataView(req.buffer);
      const buf = new Uint8Array(256);
      let n = 0;
      const start = performance.now();
      const end = start + seconds * 1000;
      while (performance.now() < end) {
        for (let i = 0; i < 256; i++) {
          seq.setUint32(8, ++n, true);
          await u.sendto(fd, req, 0, dst);
          const got = await u.recvfrom(fd, buf, 0);
          if (got.n !== 36) throw new Error(`expected a 36-byte ACK, got ${got.n} bytes`);
        }
      }
      rate = n / ((performance.now() - start) / 1000);
      await u.close(fd);
    });
    if (r.error) throw r.error;
  } finally {
    setBackend(null);
  }
  return rate;
}

/** Round trips per second for `seconds` on NETLINK_GENERIC (for the sim-vs-real comparison). */
export function benchSimRequestAck(seconds: number): Promise<number> {
  return loop(u.NETLINK_GENERIC, seconds);
}

/** The same through a TypeScript kernel module on unit 25. */
export function benchSimModuleRequestAck(seconds: number): Promise<number> {
  return loop(u.NETLINK_TEST, seconds, async () => {
    await u.insmod(
      k.defineModule({
        name: 'bench',
        init: () =>
          k.netlink_kernel_create(k.init_net, u.NETLINK_TEST, {
            input: (skb) => {
              k.netlink_rcv_skb(skb, () => 0);
            },
          })
            ? 0
            : -12,
      }),
    );
  });
}

export default async function (): Promise<void> {
  await benchSimRequestAck(0.3); // warm up the JIT
  console.log(`sim request-ack: ${fmt(await benchSimRequestAck(2))} rt/s`);
  console.log(`sim request-ack (TS module, unit 25): ${fmt(await benchSimModuleRequestAck(2))} rt/s`);
}
