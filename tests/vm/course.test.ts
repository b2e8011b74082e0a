/**
 * The course's programs that load a module give the same normalised message stream on the VM —
 * Linux 6.1 with the C twin of each module (sandboxes/vm/modules/<name>.c) — as on the simulator
 * with the TypeScript modules. The programs are the solutions of every lesson whose front matter
 * lists a module; each run boots a fresh VM (`run --kernel vm`) and a fresh simulated kernel.
 * (Lessons without a module are compared with this machine's kernel by tests/lessons/real.test.ts.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProgram } from '../fidelity/harness.ts';
import { simAvailable } from '../fidelity/suite.ts';
import { loadLessons } from '../lessons/load-lessons.ts';
import { compareWithSim, coursePrograms } from '../lessons/course-compare.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';
import { runChecksWithoutTrace } from '../lessons/run-checks.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-course-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const programs = coursePrograms(scratch);

/**
 * Lessons without a module that the VM runs too (their byte-for-byte comparison with this
 * machine's 6.18 is tests/lessons/real.test.ts): on Linux 6.1 their solution must print the same
 * lines as on the simulator, and their checks must pass on the VM's run. The message bytes are not
 * compared: 6.1's link dumps lack attributes 6.18 adds (the lesson says which).
 */
const OUTPUT_LESSONS = ['02-raw-netlink/09-netlink-route'];
function outputPrograms(): { id: string; file: string; checks?: string }[] {
  return loadLessons()
    .filter((l) => OUTPUT_LESSONS.includes(l.id))
    .map((l) => {
      const dir = join(scratch, l.id.replace(/\//g, '__'));
      for (const [name, text] of Object.entries(l.solution)) {
        const path = join(dir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text as string);
      }
      return { id: l.id, file: join(dir, l.data.entry), checks: l.checks };
    });
}
const outputs = outputPrograms();

describe('course programs: VM (Linux 6.1 + C modules) against the simulator', () => {
  it("finds the course's lessons that load a module", () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const p of programs) {
    it(`${p.id}: the same on the VM and on the simulator`, async () => {
      ensureVmImage();
      // nl_test's delayed mode takes its real 30 s on the VM.
      await compareWithSim(p, { kernel: 'vm', name: 'the VM', timeoutMs: 120_000, takesCmdline: true });
    }, 300_000);
  }
});

describe('lessons without a module: the VM (Linux 6.1) prints what the simulator prints', () => {
  it('finds them', () => {
    expect(outputs.map((p) => p.id)).toEqual(OUTPUT_LESSONS);
  });

  for (const { id: name, file, checks } of outputs) {
    it(`${name}: the same output on the VM and on the simulator`, async () => {
      ensureVmImage();
      const vmRun = await runProgram(file, 'vm', 120_000);
      expect(
        vmRun.output.filter((l) => l.startsWith('! ')),
        vmRun.output.join('\n'),
      ).toEqual([]);
      expect(vmRun.status, vmRun.output.join('\n')).toBe(0);
      expect(checks, `${name} has no checks.ts`).toBeDefined();
      const failed = (await runChecksWithoutTrace(checks!, vmRun.events, vmRun.output)).filter((c) => !c.pass);
      expect(
        failed.map((c) => `${c.name}: ${c.message}`),
        `${name}: the lesson's checks fail on the VM's run`,
      ).toEqual([]);
      if (!simAvailable()) return;
      const simRun = await runProgram(file, 'sim', 120_000);
      expect(vmRun.output, `${name}: the VM (-) and the simulator (+) print different lines`).toEqual(simRun.output);
    }, 300_000);
  }
});
