/**
 * The VM (sandboxes/vm/qemu.ts): boot to a shell prompt, to the first agent answer, and the
 * round trip of one shell command, TCG, median of several boots one after another; then the same
 * VM started from its boot snapshot. Target for boot-to-shell: ≤ 6000 ms. (The relay's
 * keystroke-to-echo latency belongs here too.)
 */
import { startPortAgent } from '../../sandboxes/vm/port-agent.ts';
import { bootVm, ensureVmImage, startVm } from '../../sandboxes/vm/qemu.ts';
import { measureKeystrokeEcho } from './relay-echo.ts';

const BOOTS = 5;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One boot: ms to the prompt, ms to the first agent's HELLO, ms of `true` on the console. */
async function oneBoot(): Promise<{ shell: number; agent: number; exec: number }> {
  const t0 = performance.now();
  const vm = bootVm({ timeoutMs: 120_000 });
  try {
    const agentReady = startPortAgent(vm.agents[0]!, async () => {}, 1, 120_000).then((a) => {
      const t = performance.now() - t0;
      void a.exit(0);
      return t;
    });
    await vm.ready;
    const shell = performance.now() - t0;
    const agent = await agentReady;
    const e0 = performance.now();
    const r = await vm.exec('true');
    if (r.status !== 0) throw new Error(`\`true\` exited with ${r.status}`);
    return { shell, agent, exec: performance.now() - e0 };
  } finally {
    await vm.kill();
  }
}

/** Print the VM's figures. */
export default async function (): Promise<void> {
  ensureVmImage();
  const runs = [];
  for (let i = 0; i < BOOTS; i++) runs.push(await oneBoot());
  const shell = runs.map((r) => r.shell);
  console.log(`vm boot-to-shell median: ${median(shell).toFixed(0)} ms`);
  console.log(`vm boot-to-shell range: ${Math.min(...shell).toFixed(0)}-${Math.max(...shell).toFixed(0)} ms`);
  console.log(`vm boot-to-agent median: ${median(runs.map((r) => r.agent)).toFixed(0)} ms`);
  console.log(`vm exec round trip median: ${median(runs.map((r) => r.exec)).toFixed(0)} ms`);
  // Through the relay (tests/bench/relay-echo.ts); target ≤ 20 ms.
  const echo = await measureKeystrokeEcho(50);
  console.log(`vm keystroke-echo median: ${echo.median.toFixed(1)} ms`);
  console.log(`vm keystroke-echo p90: ${echo.p90.toFixed(1)} ms`);

  // The first start takes the boot snapshot (a boot); the next ones restore it.
  await (await startVm({ snapshot: true, timeoutMs: 120_000 })).kill();
  const restores: number[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const t0 = performance.now();
    const vm = await startVm({ snapshot: true, timeoutMs: 120_000 });
    restores.push(performance.now() - t0);
    await vm.kill();
  }
  console.log(`vm snapshot-to-shell median: ${median(restores).toFixed(0)} ms`);
}
