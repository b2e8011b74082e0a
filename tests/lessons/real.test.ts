/**
 * The course's programs that need no kernel module run unchanged on this machine's kernel (inside
 * `unshare -Urn`, through the agent) and must give the same normalised message stream and output
 * there as on the simulated kernel: what a lesson shows the learner is what Linux does. (Lessons
 * that load a module are compared with Linux 6.1 in the VM by tests/vm/course.test.ts.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareLines, normalise, runProgram, type NormalisedRun } from '../fidelity/harness.ts';
import { loadLessons } from './load-lessons.ts';
import { runChecksWithoutTrace } from './run-checks.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-lessons-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const lines = (n: NormalisedRun) => [...n.events, '--- output', ...n.output, `--- exit status ${n.status}`];

const programs = loadLessons()
  .filter((l) => (l.data.modules ?? []).length === 0 && Object.keys(l.solution).length > 0)
  .map((l) => {
    const dir = join(scratch, l.id.replace(/\//g, '__'));
    for (const [name, text] of Object.entries(l.solution)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    return { id: l.id, file: join(dir, l.data.entry), checks: l.checks };
  });

describe("lessons without modules: the solution on this machine's kernel and on the simulator", () => {
  it('finds such lessons', () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const { id, file, checks } of programs) {
    it(`${id}: the same on both kernels`, async () => {
      const real = normalise(await runProgram(file, 'real'));
      expect(
        real.output.filter((l) => l.startsWith('! ')),
        real.output.join('\n'),
      ).toEqual([]);
      // The lesson's checks judge the real run as the playground would: no kernel trace there.
      if (checks) {
        const failed = (await runChecksWithoutTrace(checks, real.raw.events, real.raw.output)).filter((c) => !c.pass);
        expect(
          failed.map((c) => `${c.name}: ${c.message}`),
          `${id}: the lesson's checks fail on the real kernel's run`,
        ).toEqual([]);
      }
      const sim = normalise(await runProgram(file, 'sim'));
      const diff = compareLines(lines(real), lines(sim));
      expect(diff, `${id}: the simulator differs from Linux (- real, + sim):\n${diff}`).toBeNull();
    }, 60_000);
  }
});
