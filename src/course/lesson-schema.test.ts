import { describe, expect, it } from 'vitest';
import { glossarySchema, lessonFrontmatter, partSchema } from './lesson-schema.ts';

const good = {
  title: 'Your first netlink socket',
  summary: 'A summary that is long enough.',
  objectives: ['Open a socket'],
};

describe('lesson front matter', () => {
  it('fills in the defaults', () => {
    expect(lessonFrontmatter.parse(good)).toEqual({
      ...good,
      entry: 'main.ts',
      modules: [],
      fromPrevious: [],
      fromLibrary: {},
      builtin: [],
      draft: false,
    });
  });

  it('names the field that is wrong', () => {
    const bad = (extra: Record<string, unknown>) => {
      const r = lessonFrontmatter.safeParse({ ...good, ...extra });
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    expect(bad({ objectives: [] })).toEqual(['objectives: list at least one objective']);
    expect(bad({ entry: 'src/main.ts' })[0]).toMatch(/^entry: must be a \.ts file name/);
    expect(bad({ modules: ['NL-Test'] })[0]).toMatch(/^modules\.0: a module name is lower-case/);
    expect(bad({ part: 2 })[0]).toMatch(/Unrecognized key/);
    expect(bad({ fromPrevious: ['lib/module.ts'] })[0]).toMatch(/^fromPrevious\.0: must be a \.ts file name/);
    expect(bad({ fromLibrary: { 'module.ts': 'Doc-Exmpl' } })[0]).toMatch(
      /^fromLibrary\.module\.ts: a module name is lower-case/,
    );
    expect(bad({ title: undefined })[0]).toMatch(/^title:/);
  });
});

describe('parts and glossary', () => {
  it('reject what the pages could not show', () => {
    expect(
      partSchema.safeParse({ id: 'Raw Netlink', number: 2, title: 'Raw', summary: 'x'.repeat(30), covers: ['a'] })
        .success,
    ).toBe(false);
    expect(glossarySchema.safeParse({ id: 'port-id', term: 'port id', definition: 'short' }).success).toBe(false);
    expect(
      glossarySchema.parse({ id: 'port-id', term: 'port id', definition: 'The address of a netlink socket.' }).related,
    ).toEqual([]);
  });
});
