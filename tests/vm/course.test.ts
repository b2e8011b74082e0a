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
import { compareLines, eventsByProcess, normalise, runProgram, type NormalisedRun } from '../fidelity/harness.ts';
import { simAvailable } from '../fidelity/suite.ts';
import { loadLessons } from '../lessons/load-lessons.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';
import { nameGenlIds } from './genl-ids.ts';
import { runChecksWithoutTrace } from '../lessons/run-checks.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-course-'));
afterAll(() => { rmSync(scratch, { recursive: true, force: true }); });

/**
 * Lessons that load a module: their solution (code/ + solution/) written to disk — or, for a
 * lesson whose front matter says `simOnly` (its solution would lock up a real kernel), its
 * starting code, which shows everything else the lesson does (its checks are then not run).
 */
function coursePrograms(): { id: string; file: string; checks?: string }[] {
  return loadLessons()
    .filter((l) => (l.data.modules ?? []).length > 0)
    .map((l) => {
      const dir = join(scratch, l.id.replace(/\//g, '__'));
      for (const [name, text] of Object.entries(l.data.simOnly ? l.files : l.solution)) {
        const path = join(dir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text as string);
      }
      return { id: l.id, file: join(dir, l.data.entry), checks: l.data.simOnly ? undefined : l.checks };
    });
}

/**
 * The lines compared: the message stream (datagram boundaries ignored) of each process in order —
 * two processes' syscalls that return at the same moment (a reader waking a blocked sender) are
 * interleaved by timing on a real kernel — then output and status; allocated genl ids named.
 */
const lines = (n: NormalisedRun) => nameGenlIds(n, [...eventsByProcess(n.events), '--- output', ...n.output, `--- exit status ${n.status}`]);

const programs = coursePrograms();

describe('course programs: VM (Linux 6.1 + C modules) against the simulator', () => {
  it('finds the course\'s lessons that load a module', () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const { id: name, file, checks } of programs) {
    it(`${name}: the same on the VM and on the simulator`, async () => {
      ensureVmImage();
      // nl_test's delayed mode takes its real 30 s on the VM.
      const vm = normalise(await runProgram(file, 'vm', 120_000), { streams: true });
      expect(vm.output.filter((l) => l.startsWith('! ')), vm.output.join('\n')).toEqual([]);
      expect(vm.status, vm.output.join('\n')).toBe(0);
      // The lesson's checks judge the VM's run as the playground would: no kernel trace there.
      if (checks) {
        const failed = (await runChecksWithoutTrace(checks, vm.raw.events, vm.raw.output)).filter((c) => !c.pass);
        expect(failed.map((c) => `${c.name}: ${c.message}`), `${name}: the lesson's checks fail on the VM's run`).toEqual([]);
      }
      if (!simAvailable()) return;
      const sim = normalise(await runProgram(file, 'sim', 120_000), { streams: true });
      const diff = compareLines(lines(vm), lines(sim));
      expect(diff, `${name}: the simulator differs from Linux (- real = VM, + sim):\n${diff}`).toBeNull();
    }, 300_000);
  }
});
