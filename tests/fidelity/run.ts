/**
 * `npm run fidelity`: every scenario on the real and the simulated kernel, a readable diff for each
 * difference, and the last line `fidelity: N/M identical`.
 *
 *   tsx tests/fidelity/run.ts [--only 4,5,27] [--verbose] [--against real|vm]
 *
 * `--against vm` compares with Linux 6.1 in the QEMU VM instead of this machine's kernel (slow: one
 * boot per scenario; the scenarios' expectations were recorded on 6.18).
 */
import { parseArgs } from 'node:util';
import { listScenarios } from './harness.ts';
import { runScenario, simAvailable, type Outcome } from './suite.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    verbose: { type: 'boolean', short: 'v' },
    against: { type: 'string', default: 'real' },
  },
});
if (values.against !== 'real' && values.against !== 'vm')
  throw new Error(`--against must be real or vm, not '${values.against}'`);
const against = values.against;
const only = values.only ? new Set(values.only.split(',').map(Number)) : null;
const files = listScenarios().filter((s) => !only || only.has(s.id));
const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');

if (!simAvailable())
  console.log('note: the simulated kernel is not available yet; checking the scenarios against the real kernel only.');
const outcomes: Outcome[] = [];
for (const f of files) {
  let o: Outcome;
  try {
    o = await runScenario(f, against);
  } catch (e) {
    o = {
      file: f,
      scenario: { title: f.name },
      verdict: 'different',
      detail: `the run failed: ${(e as Error).stack ?? e}`,
    };
  }
  outcomes.push(o);
  const tag = {
    identical: 'identical',
    deliberate: 'deliberate difference',
    different: 'DIFFERENT',
    'real-wrong': 'WRONG ABOUT LINUX',
    'no-sim': 'real ok, no sim',
    skipped: 'skipped',
  }[o.verdict];
  console.log(`#${String(f.id).padStart(2, '0')} ${o.scenario.title}: ${tag}`);
  if (o.detail && o.verdict !== 'identical') console.log(indent(o.detail));
  if (values.verbose && o.real)
    console.log(indent(['real:', ...o.real.events, '--- output', ...o.real.output].join('\n')));
  if (values.verbose && o.sim) console.log(indent(['sim:', ...o.sim.events, '--- output', ...o.sim.output].join('\n')));
}
const count = (v: Outcome['verdict']) => outcomes.filter((o) => o.verdict === v).length;
const identical = count('identical');
console.log(
  `\n${identical} identical, ${count('deliberate')} deliberate differences, ${count('different')} different, ${count('real-wrong')} wrong about Linux, ${count('no-sim')} real-only, ${count('skipped')} skipped`,
);
console.log(`fidelity: ${identical}/${outcomes.length} identical`);
process.exitCode = count('different') + count('real-wrong') > 0 ? 1 : 0;
