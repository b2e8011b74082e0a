/**
 * Every lesson's code, run in Node against the simulated kernel with the lesson's own checks:
 * the starting code must fail at least one check (there is something to do) and the solution must
 * pass them all. This is how CI proves that what each lesson page shows really works.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { loadLessons } from './load-lessons.ts';
import { runProgram, type RunResult } from './run-program.ts';
import type { CheckResult, Checks } from '../../lessons/check-api.ts';

const lessons = loadLessons();

async function checksOf(id: string): Promise<Checks> {
  const mod = await import(pathToFileURL(resolve('lessons', id, 'checks.ts')).href) as { default: Checks };
  return mod.default;
}

const report = (r: RunResult, results: CheckResult[]) =>
  [`output:\n${r.output || '(none)'}`, r.error ? `error: ${r.error.stack ?? r.error.message}` : '',
    ...results.map((c) => `${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.message}`)].filter(Boolean).join('\n');

it('the course has lessons', () => {
  expect(lessons.length).toBeGreaterThanOrEqual(3);
});

for (const lesson of lessons) {
  describe(lesson.id, () => {
    it('has an exercise: checks and a solution', () => {
      expect(lesson.checks, 'checks.ts').toBeTruthy();
      expect(Object.keys(lesson.solution), 'solution/').toContain(lesson.data.entry);
    });

    it('names kernel modules that exist as C modules for the real kernel', () => {
      for (const m of lesson.data.modules) expect(existsSync(`sandboxes/vm/modules/${m}.c`), `sandboxes/vm/modules/${m}.c`).toBe(true);
    });

    it('the starting code runs and fails at least one check', async () => {
      const checks = await checksOf(lesson.id);
      const r = await runProgram(lesson.files, lesson.data.entry);
      const results = checks(r);
      expect(results.length, 'checks return results').toBeGreaterThan(0);
      expect(results.some((c) => !c.pass), `every check passed on the starting code:\n${report(r, results)}`).toBe(true);
    });

    it('the solution passes every check without an error', async () => {
      const checks = await checksOf(lesson.id);
      const r = await runProgram(lesson.solution, lesson.data.entry);
      const results = checks(r);
      expect(r.error, report(r, results)).toBeUndefined();
      expect(results.filter((c) => !c.pass), report(r, results)).toEqual([]);
    });
  });
}
