/**
 * One scenario end to end: run it on the real kernel (checking the scenario's facts of Linux), on
 * the simulated kernel when it is available, and compare. Shared by run.ts and fidelity.test.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkReal,
  compareLines,
  loadScenario,
  normalise,
  project,
  runProgram,
  type NormalisedRun,
  type Scenario,
  type ScenarioFile,
} from './harness.ts';
import { deliberateFor } from './deliberate.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Whether the simulated kernel exists in this checkout. */
export const simAvailable = (): boolean => existsSync(join(root, 'sandboxes', 'sim', 'host', 'index.ts'));

/** Whether this process may start uid-65534 agents. */
export const isRoot = (): boolean => process.getuid?.() === 0;

/** The outcome of one scenario. */
export interface Outcome {
  file: ScenarioFile;
  scenario: Scenario;
  /** identical; deliberate (documented difference that holds); different; real-wrong (the scenario is wrong about Linux); no-sim; skipped. */
  verdict: 'identical' | 'deliberate' | 'different' | 'real-wrong' | 'no-sim' | 'skipped';
  /** What to print: problems, the diff, or the reason. */
  detail: string;
  real?: NormalisedRun;
  sim?: NormalisedRun;
}

/**
 * Run one scenario on both kernels and judge it. `against` is the Linux to compare with: this
 * machine's kernel (default) or the QEMU VM's (`--kernel vm`, Linux 6.1, booted per program).
 */
export async function runScenario(file: ScenarioFile, against: 'real' | 'vm' = 'real'): Promise<Outcome> {
  const scenario = await loadScenario(file);
  if (scenario.needsRoot && !isRoot())
    return { file, scenario, verdict: 'skipped', detail: 'needs root (uid 65534 processes on the real kernel)' };
  const real = normalise(await runProgram(file.file, against, against === 'vm' ? 120_000 : 15_000), scenario);
  const problems = checkReal(scenario, real);
  if (problems.length) return { file, scenario, verdict: 'real-wrong', detail: problems.join('\n'), real };
  if (!simAvailable())
    return {
      file,
      scenario,
      verdict: 'no-sim',
      detail: 'the simulated kernel is not available (sandboxes/sim/host/index.ts)',
      real,
    };
  const sim = normalise(await runProgram(file.file, 'sim'), scenario);
  const diff = compareLines(project(scenario, real), project(scenario, sim));
  if (!diff) return { file, scenario, verdict: 'identical', detail: '', real, sim };
  const d = deliberateFor(file.id);
  if (d && d.holds(real, sim))
    return { file, scenario, verdict: 'deliberate', detail: `${d.what} (${d.why})`, real, sim };
  return {
    file,
    scenario,
    verdict: 'different',
    detail: diff + (d ? '\n(deliberate.ts documents a difference here, but not this one)' : ''),
    real,
    sim,
  };
}
