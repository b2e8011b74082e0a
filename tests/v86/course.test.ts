/**
 * The course's programs that load a module give the same normalised message stream on the
 * in-browser kernel — Debian's i386 Linux 6.1 in v86 with the C twin of each module built for it —
 * as on the simulator with the TypeScript modules: tests/vm/course.test.ts's comparison, on the
 * kernel a learner gets with "Linux in your browser". Each run restores a fresh machine from the
 * saved state (`run --kernel browser`).
 *
 * 32-bit differences: the agent translates control messages between the protocol's x86-64
 * layout and i386's (sandboxes/real/agent/agent.c), so programs see the same cmsgs; sizes the
 * normaliser does not already rename (skb truesize in SO_RCVBUF accounting, pointer-sized
 * fields) would show here as diffs, and none of the course's programs prints one.
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
import { v86Manifest } from '../../sandboxes/v86/node.ts';
import { nameGenlIds } from '../vm/genl-ids.ts';
import { runChecksWithoutTrace } from '../lessons/run-checks.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-v86-course-'));
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
 * A lesson with built-in code (front matter `builtin:`) boots the simulator with it; the
 * in-browser kernel starts from a state saved after its own boot, so it has neither the built-in
 * code nor the lesson's command line. Left out of the comparison: what the program does with
 * /proc/cmdline and with /sys/module/<m> of a module the lesson does not load (the built-in one),
 * the output lines it prints starting "[built-in]" and those that quote /proc/cmdline.
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
  // What the program prints of /proc/cmdline is the saved kernel's line there, the lesson's here.
  return {
    ...run,
    events,
    output: run.output.filter((l) => !l.startsWith('[built-in]') && !l.includes('/proc/cmdline')),
  };
}

/**
 * Lessons that do not yet run on the in-browser kernel, and why (sandboxes/v86/README.md). Each is
 * reported as skipped, never as passing. None today.
 */
const KNOWN_BROKEN: Record<string, string> = {};

describe('course programs: in-browser kernel (v86, i386 Linux 6.1 + C modules) against the simulator', () => {
  it("finds the course's lessons that load a module", () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const { id: name, file, checks, cmdline, builtin, modules } of programs) {
    const known = KNOWN_BROKEN[name];
    (known ? it.skip : it)(
      known ? `${name}: skipped, ${known}` : `${name}: the same in the browser's kernel and on the simulator`,
      async () => {
        v86Manifest(); // a clear error when the image is not built
        const vmRun = await runProgram(file, 'browser', 150_000);
        const vm = normalise(builtin.length || cmdline ? withoutBuiltin(vmRun, modules) : vmRun, { streams: true });
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
            `${name}: the lesson's checks fail on the in-browser kernel's run`,
          ).toEqual([]);
        }
        if (!simAvailable()) return;
        const simRun = await runProgram(file, 'sim', 120_000, { cmdline, builtin });
        const sim = normalise(builtin.length || cmdline ? withoutBuiltin(simRun, modules) : simRun, { streams: true });
        const diff = compareLines(lines(vm), lines(sim));
        expect(
          diff,
          `${name}: the simulator differs from Linux (- real = in-browser kernel, + sim):\n${diff}`,
        ).toBeNull();
      },
      300_000,
    );
  }
});
