/**
 * The course comparison a real kernel runs (tests/vm/course.test.ts on the QEMU VM,
 * tests/v86/course.test.ts on the in-browser kernel): every lesson that loads a module runs its
 * solution on that kernel with the C twins of its modules, its checks judge that run as the
 * playground would, and the normalised message stream must be the simulator's.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import {
  compareLines,
  eventsByProcess,
  normalise,
  runProgram,
  type NormalisedRun,
  type Run,
} from '../fidelity/harness.ts';
import { simAvailable } from '../fidelity/suite.ts';
import { nameGenlIds } from '../vm/genl-ids.ts';
import { loadLessons } from './load-lessons.ts';
import { runChecksWithoutTrace } from './run-checks.ts';

export interface CourseProgram {
  id: string;
  file: string;
  checks?: string;
  cmdline?: string;
  builtin: string[];
  modules: string[];
}

/**
 * Lessons that load a module: their solution (code/ + solution/) written below `scratch` — or, for
 * a lesson whose front matter says `simOnly` (its solution would lock up a real kernel), its
 * starting code, which shows everything else the lesson does (its checks are then not run).
 */
export function coursePrograms(scratch: string): CourseProgram[] {
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

/**
 * A lesson with built-in code (front matter `builtin:`) boots the simulator with it; built-in code
 * cannot come from a module, so a real kernel has none of it, and its /proc/cmdline starts with its
 * own words (the in-browser kernel's is the line it was saved with, without the lesson's). Left out
 * of the comparison: what the program does with /proc/cmdline and with /sys/module/<m> of a module
 * the lesson does not load (the built-in one), the output lines it prints starting "[built-in]",
 * and, with `quotesCmdline`, those that quote /proc/cmdline.
 */
function withoutBuiltin(run: Run, modules: string[], quotesCmdline: boolean): Run {
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
  const output = run.output.filter(
    (l) => !l.startsWith('[built-in]') && !(quotesCmdline && l.includes('/proc/cmdline')),
  );
  return { ...run, events, output };
}

/** How a real kernel takes part in the comparison. */
export interface RealKernel {
  kernel: 'vm' | 'browser';
  /** In messages: "the VM", "the in-browser kernel". */
  name: string;
  timeoutMs: number;
  /** Whether the lesson's command line reaches that kernel (the VM boots with it; v86 restores a saved one). */
  takesCmdline: boolean;
}

/** Run a lesson's program on `real` and on the simulator; fail on any difference, or a failing check on the real run. */
export async function compareWithSim(p: CourseProgram, real: RealKernel): Promise<void> {
  const { id, file, checks, cmdline, builtin, modules } = p;
  const filtered = builtin.length > 0 || (!real.takesCmdline && cmdline !== undefined);
  const realRun = await runProgram(file, real.kernel, real.timeoutMs, real.takesCmdline ? { cmdline } : {});
  const got = normalise(filtered ? withoutBuiltin(realRun, modules, !real.takesCmdline) : realRun, { streams: true });
  expect(
    got.output.filter((l) => l.startsWith('! ')),
    got.output.join('\n'),
  ).toEqual([]);
  expect(got.status, got.output.join('\n')).toBe(0);
  // The lesson's checks judge the real run as the playground would: no kernel trace there.
  if (checks) {
    const failed = (await runChecksWithoutTrace(checks, realRun.events, realRun.output)).filter((c) => !c.pass);
    expect(
      failed.map((c) => `${c.name}: ${c.message}`),
      `${id}: the lesson's checks fail on ${real.name}'s run`,
    ).toEqual([]);
  }
  if (!simAvailable()) return;
  const simRun = await runProgram(file, 'sim', 120_000, { cmdline, builtin });
  const sim = normalise(filtered ? withoutBuiltin(simRun, modules, !real.takesCmdline) : simRun, { streams: true });
  const diff = compareLines(lines(got), lines(sim));
  expect(diff, `${id}: the simulator differs from Linux (- real = ${real.name}, + sim):\n${diff}`).toBeNull();
}
