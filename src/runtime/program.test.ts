import { describe, expect, it } from 'vitest';
import { compile, link, loadModule, ProgramError, type CompileCache } from './program.ts';

const capture = () => {
  const lines: string[] = [];
  const log = (...a: unknown[]) => {
    lines.push(a.map(String).join(' '));
  };
  return { lines, console: { log, error: log, warn: log, info: log } };
};

describe('program runner', () => {
  it('strips types, resolves library and local imports, allows top-level await', async () => {
    const c = capture();
    const files = {
      'main.ts':
        "import { twice } from './util';\nimport { X } from 'lib';\nconst n: number = await Promise.resolve(twice(X));\nconsole.log('n =', n);",
      'util.ts': 'export function twice(v: number): number { return v * 2; }',
    };
    await link(compile(files), 'main.ts', { lib: { X: 21 } }, c.console)();
    expect(c.lines).toEqual(['n = 42']);
  });

  it('takes a file compiled ahead from the cache only while its source is unchanged', async () => {
    const cache: CompileCache = new Map();
    const first = compile({ 'main.ts': "const a: number = 1;\nconsole.log('a', a);" }, cache);
    expect([...cache.keys()]).toEqual(['main.ts']);
    // The same source: the very compiled file from before.
    const again = compile({ 'main.ts': "const a: number = 1;\nconsole.log('a', a);" }, cache);
    expect(again.get('main')).toBe(first.get('main'));
    // An edit: compiled again, and what runs is the edit.
    const edited = compile({ 'main.ts': "const b: number = 2;\nconsole.log('b', b);" }, cache);
    expect(edited.get('main')).not.toBe(first.get('main'));
    const c = capture();
    await link(edited, 'main.ts', {}, c.console)();
    expect(c.lines).toEqual(['b 2']);
    // A file that does not compile is not cached, and still throws.
    expect(() => compile({ 'bad.ts': 'const = ;' }, cache)).toThrow(ProgramError);
    expect(cache.has('bad.ts')).toBe(false);
  });

  it('runs a default-exported main after the top level', async () => {
    const c = capture();
    await link(
      compile({ 'main.ts': "console.log('top');\nexport default async function main() { console.log('main'); }" }),
      'main.ts',
      {},
      c.console,
    )();
    expect(c.lines).toEqual(['top', 'main']);
  });

  it('reports a syntax error with file and line', () => {
    try {
      compile({ 'main.ts': 'const a = 1;\nlet x = ;' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ProgramError);
      expect((e as ProgramError).line).toBe(2);
      expect(String((e as Error).message)).toMatch(/^main\.ts:2:\d+: /);
    }
  });

  it('names what can be imported when a module is unknown', async () => {
    const c = capture();
    const run = link(
      compile({ 'main.ts': "import x from 'fs';\nconsole.log(x);" }),
      'main.ts',
      { 'netlink-lab/user': {} },
      c.console,
    );
    await expect(run()).rejects.toThrow(/Cannot find module 'fs'.*'netlink-lab\/user'/);
  });
});

describe('loadModule', () => {
  it("returns a file's exports, with its own imports resolved", () => {
    const c = capture();
    const mod = loadModule(
      compile({
        'checks.ts':
          "import type { X } from './types';\nimport { limit } from './util';\nexport default (n: number) => n < limit;",
        'util.ts': 'export const limit = 3;',
      }),
      'checks.ts',
      {},
      c.console,
    );
    expect((mod.default as (n: number) => boolean)(2)).toBe(true);
    expect((mod.default as (n: number) => boolean)(5)).toBe(false);
  });

  it('names a file that is not there', () => {
    expect(() => loadModule(compile({ 'a.ts': '' }), 'checks.ts', {}, capture().console)).toThrow(ProgramError);
  });
});
