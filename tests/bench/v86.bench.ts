/**
 * "Linux in your browser" (sandboxes/v86) under Node, beside the simulator and the QEMU VM:
 *  - ready-to-run with the assets cached: read them from disk (what the browser's Cache API gives
 *    the page), restore the saved state and get the first agent's HELLO — median of 5;
 *  - the download: each asset's size as stored (all compressed: what the page fetches);
 *  - a netlink round trip: NLMSG_NOOP|NLM_F_REQUEST|NLM_F_ACK on NETLINK_GENERIC, sendto + recvfrom,
 *    through netlink-lab/user (the agent protocol for the real kernels) on each kernel in turn.
 * Targets: ready ≤ 1000 ms; download < 10 MB.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { startAgentPort } from '../../src/runtime/vm/agent-port.ts';
import { machineLink } from '../../src/runtime/v86/link.ts';
import { startSavedMachine, V86_ASSETS, V86_FILES, v86Manifest } from '../../sandboxes/v86/node.ts';
import { setBackend } from '../../src/api/backend.ts';
import * as u from '../../src/api/user.ts';
import { createKernel, type KernelKind } from '../../src/cli/kernels.ts';

const RESTORES = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Round trips per second of `n` request/ACKs through the API on the kernel `kind`. */
async function roundTrip(kind: KernelKind, n: number): Promise<number> {
  const k = await createKernel(kind, {
    onUncaught: (_p, e) => {
      throw e;
    },
  });
  setBackend(k.backend);
  let ms = 0;
  try {
    await k.run(async () => {
      const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_GENERIC);
      const kernel = { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };
      const buf = new Uint8Array(256);
      const t0 = performance.now();
      for (let i = 1; i <= n; i++) {
        await u.sendto(fd, u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: i }), 0, kernel);
        await u.recvfrom(fd, buf);
      }
      ms = performance.now() - t0;
      await u.close(fd);
    });
  } finally {
    setBackend(null);
    await k.shutdown();
  }
  return ms / n;
}

export default async function (): Promise<void> {
  const manifest = v86Manifest();
  let total = 0;
  for (const f of V86_FILES) {
    const size = statSync(join(V86_ASSETS, f)).size;
    total += size;
    console.log(`v86 asset ${f}: ${(size / 1e6).toFixed(2)} MB`);
  }
  // Every file is compressed as stored (gzip, zstd): this is what the page downloads on any host.
  console.log(`v86 download: ${(total / 1e6).toFixed(2)} MB`);
  console.log(`v86 guest RAM: ${manifest.memoryMB} MB (saved after a ${(manifest.bootMs / 1000).toFixed(1)} s boot)`);

  const ready: number[] = [];
  const restore: number[] = [];
  for (let i = 0; i < RESTORES; i++) {
    const t0 = performance.now();
    const m = await startSavedMachine();
    restore.push(performance.now() - t0);
    try {
      const a = await startAgentPort(machineLink(m, new Promise(() => {})), 1, 1, 30_000);
      ready.push(performance.now() - t0);
      await a.exit(0);
    } finally {
      await m.stop();
    }
  }
  console.log(`v86 ready-to-run (cached) median: ${median(ready).toFixed(0)} ms`);
  console.log(`v86 ready-to-run range: ${Math.min(...ready).toFixed(0)}-${Math.max(...ready).toFixed(0)} ms`);
  // Where it goes: reading the files, v86's start and the state's zstd decompression and restore,
  // then the first agent's answer (the guest's code runs cold: v86's JIT starts empty).
  console.log(`v86 restore (cached) median: ${median(restore).toFixed(0)} ms`);
  console.log(
    `v86 first agent answer after the restore median: ${median(ready.map((r, i) => r - restore[i]!)).toFixed(0)} ms`,
  );

  const N = 200;
  console.log(`v86 netlink round trip: ${(await roundTrip('browser', N)).toFixed(2)} ms`);
  console.log(`sim netlink round trip: ${(await roundTrip('sim', N)).toFixed(3)} ms`);
  try {
    console.log(`vm netlink round trip: ${(await roundTrip('vm', N)).toFixed(2)} ms`);
  } catch (e) {
    console.log(`vm netlink round trip: unavailable (${(e as Error).message.split('\n')[0]})`);
  }
  console.log(`(request/ACK, NLMSG_NOOP on NETLINK_GENERIC, mean of ${N}, through netlink-lab/user on each kernel)`);
}
