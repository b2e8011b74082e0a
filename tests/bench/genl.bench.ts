/**
 * Generic netlink round trips per second, written as a learner would (netlink-lab/user): nlctrl
 * GETFAMILY "nlctrl" (request, 136-byte reply, ACK) on this machine's kernel and on the simulated
 * one, and DOC_EXMPL ECHO (a TypeScript family: policy validation in the kernel, the doit on the
 * host) on the simulated kernel. Medians of interleaved rounds.
 */
import { setBackend } from '../../src/api/backend.ts';
import * as u from '../../src/api/user.ts';
import { createKernel, type CliKernel } from '../../src/cli/kernels.ts';
import doc_exmpl from '../../sandboxes/sim/modules/doc_exmpl.ts';

const ROUNDS = 3;
const SECONDS = 0.4;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Round trips per second of `req` (family id from `family`), each answered by messages up to the ACK. */
async function round(k: CliKernel, family: string | null, seconds: number): Promise<number> {
  let rate = 0;
  setBackend(k.backend);
  await k.run(async () => {
    if (family === 'DOC_EXMPL') await u.insmod(doc_exmpl);
    const fd = await u.genl_socket();
    const id = family ? (await u.genl_ctrl_resolve(fd, family)).id : 0x10;
    const attrs = family ? [u.nla_string(1, 'bench')] : [u.nla_string(2, 'nlctrl')];
    const cmd = family ? 1 : 3;
    const buf = new Uint8Array(4096);
    const kernel = { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) {
      for (let i = 0; i < 32; i++) {
        await u.sendto(fd, u.genlmsg({ family: id, cmd, seq: ++n, attrs }), 0, kernel);
        // The reply, then the ACK (separate datagrams on both kernels).
        await u.recvfrom(fd, buf);
        await u.recvfrom(fd, buf);
      }
    }
    rate = n / ((performance.now() - start) / 1000);
    await u.close(fd);
    if (family === 'DOC_EXMPL') await u.rmmod('doc_exmpl');
  });
  setBackend(null);
  return rate;
}

export default async function (): Promise<void> {
  const onUncaught = (_pid: number, e: unknown) => {
    throw e;
  };
  const real = await createKernel('real', { onUncaught });
  const sim = await createKernel('sim', { onUncaught });
  const r: number[] = [];
  const s: number[] = [];
  const d: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      r.push(await round(real, null, SECONDS));
      s.push(await round(sim, null, SECONDS));
      d.push(await round(sim, 'DOC_EXMPL', SECONDS));
    }
  } finally {
    await real.shutdown();
    await sim.shutdown();
  }
  console.log(`genl GETFAMILY round trips, real kernel (agent): ${Math.round(median(r))} /s`);
  console.log(`genl GETFAMILY round trips, simulated kernel: ${Math.round(median(s))} /s`);
  console.log(`genl DOC_EXMPL ECHO round trips, simulated kernel: ${Math.round(median(d))} /s`);
}
