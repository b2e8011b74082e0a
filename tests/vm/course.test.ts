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
import {
  compareLines,
  eventsByProcess,
  normalise,
  runProgram,
  type NormalisedRun,
  type Run,
} from '../fidelity/harness.ts';
import { simAvailable } from '../fidelity/suite.ts';
import { loadLessons } from '../lessons/load-lessons.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';
import { nameGenlIds } from './genl-ids.ts';
import { runChecksWithoutTrace } from '../lessons/run-checks.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-course-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/**
 * Lessons that load a module: their solution (code/ + solution/) written to disk — or, for a
 * lesson whose front matter says `simOnly` (its solution would lock up a real kernel), its
 * starting code, which shows everything else the lesson does (its checks are then not run).
 */
function coursePrograms(): {
  id: string;
  file: string;
  checks?: string;
  cmdline?: string;
  builtin: string[];
  modules: string[];
}[] {
  return loadLessons()
    .filter((l) => (l.data.modules ?? []).length > 0)
    .map((l) => {
      const dir = join(scratch, l.id.replace(/\//g, '__'));
      for (const [name, text] of Object.entries(l.data.simOnly ? l.files : l.solution)) {
        const path = join(dir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, text as string);
      }
      return {
        id: l.id,
        file: join(dir, l.data.entry),
        checks: l.data.simOnly ? undefined : l.checks,
        cmdline: l.data.cmdline,
        builtin: l.data.builtin.map((b) => join(dir, b)),
        modules: l.data.modules,
      };
    });
}

/**
 * The lines compared: the message stream (datagram boundaries ignored) of each process in order —
 * two processes' syscalls that return at the same moment (a reader waking a blocked sender) are
 * interleaved by timing on a real kernel — then output and status; allocated genl ids named.
 */
const lines = (n: NormalisedRun) =>
  nameGenlIds(n, [...eventsByProcess(n.events), '--- output', ...n.output, `--- exit status ${n.status}`]);

const programs = coursePrograms();

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

/**
 * A lesson with built-in code (front matter `builtin:`) boots the simulator with it, and the VM
 * with the lesson's `cmdline` appended to its own; built-in code cannot come from a module, so
 * the VM's Debian kernel has none of it. Left out of the comparison: what the program does with
 * /proc/cmdline (the VM's line starts with its own words) and with /sys/module/<m> of a module the
 * lesson does not load (the built-in one), and the output lines it prints starting "[built-in]".
 */
function withoutBuiltin(run: Run, modules: string[]): Run {
  const own = (path: string) => {
    const m = /^\/sys\/module\/([^/]+)/.exec(path);
    return path === '/proc/cmdline' || (m !== null && !modules.includes(m[1]!));
  };
  const open = new Set<string>();
  const events = run.events.filter((e) => {
    if (e.syscall === 'open') {
      if (!own(e.args ?? '')) return true;
      if (e.errno === undefined) open.add(`${e.pid}:${e.ret}`);
      return false;
    }
    const key = `${e.pid}:${e.fd}`;
    if (e.fd === undefined || !open.has(key)) return true;
    if (e.syscall === 'close') open.delete(key);
    return false;
  });
  return { ...run, events, output: run.output.filter((l) => !l.startsWith('[built-in]')) };
}

describe('course programs: VM (Linux 6.1 + C modules) against the simulator', () => {
  it("finds the course's lessons that load a module", () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const { id: name, file, checks, cmdline, builtin, modules } of programs) {
    it(`${name}: the same on the VM and on the simulator`, async () => {
      ensureVmImage();
      // nl_test's delayed mode takes its real 30 s on the VM.
      const vmRun = await runProgram(file, 'vm', 120_000, { cmdline });
      const vm = normalise(builtin.length ? withoutBuiltin(vmRun, modules) : vmRun, { streams: true });
      expect(
        vm.output.filter((l) => l.startsWith('! ')),
        vm.output.join('\n'),
      ).toEqual([]);
      expect(vm.status, vm.output.join('\n')).toBe(0);
      // The lesson's checks judge the VM's run as the playground would: no kernel trace there.
      if (checks) {
        const failed = (await runChecksWithoutTrace(checks, vmRun.events, vmRun.output)).filter((c) => !c.pass);
        expect(
          failed.map((c) => `${c.name}: ${c.message}`),
          `${name}: the lesson's checks fail on the VM's run`,
        ).toEqual([]);
      }
      if (!simAvailable()) return;
      const simRun = await runProgram(file, 'sim', 120_000, { cmdline, builtin });
      const sim = normalise(builtin.length ? withoutBuiltin(simRun, modules) : simRun, { streams: true });
      const diff = compareLines(lines(vm), lines(sim));
      expect(diff, `${name}: the simulator differs from Linux (- real = VM, + sim):\n${diff}`).toBeNull();
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
