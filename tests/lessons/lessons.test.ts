/**
 * Every lesson's code, run in Node against the simulated kernel the way the playground runs it
 * (src/runtime/session.ts), with the lesson's own checks: the starting code must fail at least one
 * check (there is something to do) and the solution must pass them all without an error. This is
 * how CI proves that what each lesson page shows really works.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { loadLessons } from './load-lessons.ts';
import { runProgram, type RunResult } from './run-program.ts';

const lessons = loadLessons();

const report = (r: RunResult) =>
  [
    `output:\n${r.output || '(none)'}`,
    r.exit.error ? `error: ${r.exit.error.message}` : '',
    r.checksError ? `checks error: ${r.checksError}` : '',
    ...r.checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.message}`),
  ]
    .filter(Boolean)
    .join('\n');

it('every part of the course has a lesson', () => {
  const parts = (yaml.load(readFileSync('content/parts.yaml', 'utf8')) as { id: string }[]).map((p) => p.id);
  expect(parts).toHaveLength(5);
  for (const part of parts)
    expect(
      lessons.filter((l) => l.partId === part).map((l) => l.id),
      `part ${part}`,
    ).not.toEqual([]);
});

it('every copy of a kernel module is the same in every lesson that carries it', () => {
  const copies = new Map<string, { id: string; text: string }[]>();
  for (const l of lessons) {
    for (const [file, text] of Object.entries(l.files)) {
      const name = /\bname: '([a-z0-9_]+)'/.exec(text)?.[1];
      if (file !== l.data.entry && name)
        copies.set(name, [...(copies.get(name) ?? []), { id: `${l.id}/${file}`, text }]);
    }
  }
  for (const [name, list] of copies) {
    for (const c of list)
      expect(c.text, `${c.id} differs from ${list[0]!.id} (module ${name}): keep the copies equal`).toBe(list[0]!.text);
  }
});

for (const lesson of lessons) {
  describe(lesson.id, () => {
    it('has an exercise: checks and a solution', () => {
      expect(lesson.checks, 'checks.ts').toBeTruthy();
      expect(Object.keys(lesson.solution), 'solution/').toContain(lesson.data.entry);
    });

    it('names kernel modules that exist as C modules for the real kernel', () => {
      for (const m of lesson.data.modules)
        expect(existsSync(`sandboxes/vm/modules/${m}.c`), `sandboxes/vm/modules/${m}.c`).toBe(true);
    });

    it('the starting code runs and fails at least one check', async () => {
      const r = await runProgram(lesson.files, lesson.data.entry, lesson.checks, {
        cmdline: lesson.data.cmdline,
        builtin: lesson.data.builtin,
      });
      expect(r.checksError, report(r)).toBeUndefined();
      expect(r.checks.length, report(r)).toBeGreaterThan(0);
      expect(
        r.checks.some((c) => !c.pass),
        `every check passed on the starting code:\n${report(r)}`,
      ).toBe(true);
    });

    it('the solution passes every check without an error', async () => {
      const r = await runProgram(lesson.solution, lesson.data.entry, lesson.checks, {
        cmdline: lesson.data.cmdline,
        builtin: lesson.data.builtin,
      });
      expect(r.exit.status, report(r)).toBe('ok');
      expect(r.checksError, report(r)).toBeUndefined();
      expect(
        r.checks.filter((c) => !c.pass),
        report(r),
      ).toEqual([]);
    });

    it('the solution passes every check without the kernel trace too (as on a real kernel)', async () => {
      const r = await runProgram(lesson.solution, lesson.data.entry, lesson.checks, {
        noTrace: true,
        cmdline: lesson.data.cmdline,
        builtin: lesson.data.builtin,
      });
      expect(r.checksError, report(r)).toBeUndefined();
      expect(
        r.checks.filter((c) => !c.pass),
        report(r),
      ).toEqual([]);
    });
  });
}
