/**
 * Request/ACK round trips per second: this machine's kernel with a native C loop
 * (sandboxes/real/bench/reqack.c: NLMSG_NOOP|NLM_F_REQUEST|NLM_F_ACK on NETLINK_ROUTE inside
 * `unshare -Urn`, sendto + recv per round trip) against the simulated kernel, measured side by side:
 * rounds interleave, and the medians are compared.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildReal, REQACK } from '../../sandboxes/real/build.mjs';
import { setBackend } from '../../src/api/backend.ts';
import * as u from '../../src/api/user.ts';
import { createKernel, type CliKernel } from '../../src/cli/kernels.ts';

const ROUNDS = 5;
const SECONDS = 0.4; // per round and side: ~2 s of each kernel in all
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number) => Math.round(x).toLocaleString('en-US').replace(/,/g, '');

/** One round of the native loop in a fresh namespace: round trips per second. */
function realRound(seconds: number): number {
  const out = execFileSync('unshare', ['-Urn', REQACK, String(seconds)], { encoding: 'utf8' });
  const [n, s] = out.trim().split(/\s+/).map(Number);
  if (!(n > 0 && s > 0)) throw new Error(`reqack printed '${out.trim()}', expected 'round_trips seconds'`);
  return n / s;
}

/** The same loop written as a learner would, through netlink-lab/user, on any Backend. */
async function apiRound(k: CliKernel, seconds: number): Promise<number> {
  let rate = 0;
  await k.run(async () => {
    const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_GENERIC);
    const kernel = { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };
    const buf = new Uint8Array(256);
    let n = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      for (let i = 0; i < 64; i++) {
        await u.sendto(fd, u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: ++n }), 0, kernel);
        await u.recvfrom(fd, buf);
      }
    }
    rate = n / ((performance.now() - start) / 1000);
  });
  return rate;
}

/** The simulated kernel's round: the sim engineer's loop (tests/bench/sim.bench.ts), else ours through the API. */
async function simRounder(): Promise<{
  round: (s: number) => Promise<number>;
  how: string;
  close: () => Promise<void>;
} | null> {
  const simBench = join(root, 'tests', 'bench', 'sim.bench.ts');
  if (existsSync(simBench)) {
    const mod = (await import(pathToFileURL(simBench).href)) as { benchSimRequestAck?: (s: number) => Promise<number> };
    if (typeof mod.benchSimRequestAck === 'function') {
      return {
        how: 'benchSimRequestAck of tests/bench/sim.bench.ts',
        round: mod.benchSimRequestAck,
        close: async () => {},
      };
    }
  }
  if (!existsSync(join(root, 'sandboxes', 'sim', 'host', 'index.ts'))) return null;
  const k = await createKernel('sim', {
    onUncaught: (_p, e) => {
      throw e;
    },
  });
  return {
    how: 'netlink-lab/user on the simulated kernel',
    round: async (s) => {
      setBackend(k.backend);
      try {
        return await apiRound(k, s);
      } finally {
        setBackend(null);
      }
    },
    close: () => k.shutdown(),
  };
}

/** Print the real and simulated request/ACK rates and their ratio. */
export default async function (): Promise<void> {
  buildReal();
  const sim = await simRounder();
  const real: number[] = [];
  const simRates: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    real.push(realRound(SECONDS));
    if (sim) simRates.push(await sim.round(SECONDS));
  }
  await sim?.close();

  // For scale: the same loop through the bridge (one agent round trip per syscall).
  const rk = await createKernel('real', {
    onUncaught: (_p, e) => {
      throw e;
    },
  });
  setBackend(rk.backend);
  let bridged: number;
  try {
    bridged = await apiRound(rk, 1);
  } finally {
    setBackend(null);
    await rk.shutdown();
  }

  const r = median(real);
  console.log(`real request-ack: ${fmt(r)} rt/s`);
  console.log(`real request-ack via the agent bridge: ${fmt(bridged)} rt/s`);
  if (!sim) {
    console.log(
      'sim request-ack: unavailable (no sandboxes/sim/host/index.ts and no benchSimRequestAck in tests/bench/sim.bench.ts)',
    );
    return;
  }
  const s = median(simRates);
  console.log(`sim request-ack: ${fmt(s)} rt/s`);
  console.log(`(sim measured with ${sim.how}; medians of ${ROUNDS} interleaved rounds of ${SECONDS} s)`);
  console.log(`ratio sim/real request-ack: ${(s / r).toFixed(2)}`);
}
