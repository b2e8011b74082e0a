import { describe, expect, it } from 'vitest';
import { buildCourse, groupLessonFiles, libraryModules, LessonError, type LessonSource } from './lesson-model.ts';
import type { Part } from './lesson-schema.ts';

const parts: Part[] = [
  { id: 'raw-netlink', number: 2, title: 'Raw netlink', summary: 'Sockets, headers and port ids.', covers: ['x'] },
  { id: 'mechanisms', number: 1, title: 'Mechanisms', summary: 'Ways into the kernel, compared.', covers: ['y'] },
];
const data = (title: string, more: { fromPrevious?: string[]; fromLibrary?: Record<string, string> } = {}) => ({
  title,
  summary: 'A summary long enough to pass.',
  objectives: ['do things'],
  entry: 'main.ts',
  modules: [],
  builtin: [],
  draft: false,
  fromPrevious: [],
  fromLibrary: {},
  ...more,
});
const lesson = (id: string, code: Record<string, string>, solution: Record<string, string> = {}): LessonSource => ({
  id,
  data: data(id),
  code,
  solution,
});

describe('buildCourse', () => {
  it('orders parts and lessons by their numbers and links neighbours across parts', () => {
    const course = buildCourse(parts, [
      lesson('02-raw-netlink/02-second', { 'main.ts': 'b' }),
      lesson('02-raw-netlink/01-first', { 'main.ts': 'a' }),
      lesson('01-mechanisms/01-intro', { 'main.ts': 'i' }),
    ]);
    expect(course.map((p) => p.id)).toEqual(['mechanisms', 'raw-netlink']);
    const all = course.flatMap((p) => p.lessons);
    expect(all.map((l) => l.slug)).toEqual(['mechanisms/intro', 'raw-netlink/first', 'raw-netlink/second']);
    expect(all[0]!.prev).toBeUndefined();
    expect(all[1]!.prev?.slug).toBe('mechanisms/intro');
    expect(all[1]!.next?.slug).toBe('raw-netlink/second');
    expect(all[2]!.next).toBeUndefined();
  });

  it('a lesson without code continues from the previous solution, whose files override its code', () => {
    const [, p] = buildCourse(parts, [
      lesson('02-raw-netlink/01-first', { 'main.ts': 'start', 'module.ts': 'mod' }, { 'main.ts': 'done' }),
      lesson('02-raw-netlink/02-second', {}),
    ]);
    expect(p!.lessons[0]!.solution).toEqual({ 'main.ts': 'done', 'module.ts': 'mod' });
    expect(p!.lessons[1]!.files).toEqual({ 'main.ts': 'done', 'module.ts': 'mod' });
    expect(p!.lessons[1]!.inherited).toBe(true);
  });

  it("takes single files from the previous lesson's solution and from the module library, as the front matter says", () => {
    const first = lesson(
      '02-raw-netlink/01-first',
      { 'main.ts': 'start', 'module.ts': 'mod', 'util.ts': 'u' },
      { 'module.ts': 'mod done' },
    );
    const second = {
      ...lesson('02-raw-netlink/02-second', { 'main.ts': 'two' }),
      data: data('second', { fromPrevious: ['module.ts'], fromLibrary: { 'family.ts': 'doc_exmpl' } }),
    };
    const [, p] = buildCourse(
      parts,
      [first, second],
      libraryModules({ '/sandboxes/sim/modules/doc_exmpl.ts': 'family' }),
    );
    const l = p!.lessons[1]!;
    // util.ts is not listed, so it is not carried over.
    expect(l.files).toEqual({ 'module.ts': 'mod done', 'family.ts': 'family', 'main.ts': 'two' });
    expect(l.inherited).toBe(false);
  });

  it('says what is wrong with a file taken from elsewhere', () => {
    const first = lesson('02-raw-netlink/01-first', { 'main.ts': 'start' });
    const withData = (code: Record<string, string>, more: Parameters<typeof data>[1]) => ({
      ...lesson('02-raw-netlink/02-second', code),
      data: data('second', more),
    });
    expect(() => buildCourse(parts, [first, withData({ 'main.ts': '' }, { fromPrevious: ['module.ts'] })])).toThrow(
      /"fromPrevious" lists module.ts, but lessons\/02-raw-netlink\/01-first ends with main.ts/,
    );
    expect(() => buildCourse(parts, [first, withData({ 'main.ts': '' }, { fromLibrary: { 'm.ts': 'nope' } })])).toThrow(
      /module "nope", which is not in sandboxes\/sim\/modules/,
    );
    expect(() => buildCourse(parts, [first, withData({ 'main.ts': 'x' }, { fromPrevious: ['main.ts'] })])).toThrow(
      /code\/main.ts exists, and the front matter also takes main.ts from the previous lesson/,
    );
    expect(() => buildCourse(parts, [withData({ 'main.ts': '' }, { fromPrevious: ['main.ts'] })])).toThrow(
      /it is the first lesson/,
    );
  });

  it('says what is wrong with a bad folder, an unknown part, a missing entry or a clash', () => {
    expect(() => buildCourse(parts, [lesson('raw/first', { 'main.ts': '' })])).toThrow(/lessons\/NN-part\/NN-lesson/);
    expect(() => buildCourse(parts, [lesson('03-other/01-x', { 'main.ts': '' })])).toThrow(
      /part "other" is not in content\/parts.yaml/,
    );
    expect(() => buildCourse(parts, [lesson('03-raw-netlink/01-x', { 'main.ts': '' })])).toThrow(
      /rename the folder to 02-raw-netlink/,
    );
    expect(() => buildCourse(parts, [lesson('02-raw-netlink/01-x', { 'other.ts': '' })])).toThrow(
      /entry file "main.ts"/,
    );
    expect(() => buildCourse(parts, [lesson('02-raw-netlink/01-x', {})])).toThrow(LessonError);
    expect(() =>
      buildCourse(parts, [
        lesson('02-raw-netlink/01-a', { 'main.ts': '' }),
        lesson('02-raw-netlink/01-b', { 'main.ts': '' }),
      ]),
    ).toThrow(/same number/);
  });

  it('leaves drafts out', () => {
    const d = { ...lesson('02-raw-netlink/01-first', { 'main.ts': '' }), data: { ...data('x'), draft: true } };
    expect(buildCourse(parts, [d]).flatMap((p) => p.lessons)).toEqual([]);
  });
});

describe('groupLessonFiles', () => {
  it('sorts glob results into code, solution and checks per lesson', () => {
    const g = groupLessonFiles({
      '/lessons/02-raw-netlink/01-first/code/main.ts': 'c',
      '/lessons/02-raw-netlink/01-first/solution/main.ts': 's',
      '/lessons/02-raw-netlink/01-first/checks.ts': 'k',
      '/lessons/check-api.ts': 'ignored',
    });
    expect([...g.keys()]).toEqual(['02-raw-netlink/01-first']);
    expect(g.get('02-raw-netlink/01-first')).toEqual({
      code: { 'main.ts': 'c' },
      solution: { 'main.ts': 's' },
      checks: 'k',
    });
  });
});
