import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { createEnvironment } from './ts-env.ts';
import { loadLessons } from '../../../tests/lessons/load-lessons.ts';

// The editor's type checker, in Node, fed from disk exactly as the worker is fed by the bundler.
const LIB = 'node_modules/typescript/lib';
const libs = Object.fromEntries(
  readdirSync(LIB)
    .filter((f) => /^lib\.(es5|es20(1[5-9]|2[0-3])[^/]*|decorators[^/]*)\.d\.ts$/.test(f))
    .map((f) => [f, readFileSync(join(LIB, f), 'utf8')]),
);
const apiFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? apiFiles(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
const api = Object.fromEntries(apiFiles('src/api').map((p) => [p, readFileSync(p, 'utf8')]));
const globals = readFileSync('src/components/playground/program-globals.d.ts', 'utf8');

/** Type errors of a program, as "file:line: message". */
function typeErrors(files: Record<string, string>): string[] {
  const env = createEnvironment(ts, { libs, api, globals });
  for (const [f, text] of Object.entries(files)) env.createFile(`/${f}`, text);
  return Object.keys(files).flatMap((f) =>
    [
      ...env.languageService.getSyntacticDiagnostics(`/${f}`),
      ...env.languageService.getSemanticDiagnostics(`/${f}`),
    ].map(
      (d) =>
        `${f}:${d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
    ),
  );
}

describe("the editor's type checker", () => {
  it("flags a wrong call to the API, with the API's own types", () => {
    const errors = typeErrors({
      'main.ts':
        "import { socket, AF_NETLINK, nlmsg } from 'netlink-lab/user';\nawait socket('netlink', AF_NETLINK);\nnlmsg({ tpye: 1 });\n",
    });
    expect(errors.join('\n')).toMatch(/main\.ts:2: Expected 3 arguments, but got 2/);
    expect(errors.join('\n')).toMatch(/main\.ts:3: .*'tpye' does not exist/);
  });

  it('knows netlink-lab/kernel and the playground globals', () => {
    expect(
      typeErrors({
        'main.ts':
          "import { defineModule, netlink_kernel_create, init_net } from 'netlink-lab/kernel';\nconst m = defineModule({ name: 'x', init: () => (netlink_kernel_create(init_net, 25) ? 0 : -1) });\nconsole.log(m.name, new TextEncoder().encode('a'));\n",
      }),
    ).toEqual([]);
  });

  // One test per lesson: each builds a language service over its files (a few seconds on a busy
  // machine), and a failure names the lesson.
  const lessons = loadLessons();
  it('finds the lessons', () => {
    expect(lessons.length).toBeGreaterThan(0);
  });
  for (const l of lessons) {
    it(`lessons/${l.id}: no type error in the starting code or the solution`, () => {
      // The files as the lesson page has them (code/, plus what the front matter takes from elsewhere).
      expect(typeErrors(l.files), `lessons/${l.id}: starting code`).toEqual([]);
      if (Object.keys(l.solution).length) expect(typeErrors(l.solution), `lessons/${l.id}: solution`).toEqual([]);
    });
  }
});
