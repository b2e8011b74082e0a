/// <reference path="../../.astro/types.d.ts" />
/**
 * The course as the site sees it: the lessons collection plus each lesson's code, solution and
 * checks and the example kernel modules (read at build time), placed by buildCourse.
 */
import { getCollection } from 'astro:content';
import { buildCourse, groupLessonFiles, libraryModules, type CoursePart, type Lesson } from './lesson-model.ts';

const raw = import.meta.glob<string>(
  ['/lessons/*/*/code/*.ts', '/lessons/*/*/solution/*.ts', '/lessons/*/*/checks.ts'],
  {
    query: '?raw',
    import: 'default',
    eager: true,
  },
);

// The example kernel modules a lesson may take files from ("fromLibrary").
const library = import.meta.glob<string>('/sandboxes/sim/modules/*.ts', {
  query: '?raw',
  import: 'default',
  eager: true,
});

let cached: Promise<CoursePart[]> | undefined;

/** Every part, each with its lessons in order (cached for the build). */
export function getCourse(): Promise<CoursePart[]> {
  cached ??= (async () => {
    const files = groupLessonFiles(raw);
    const [parts, entries] = await Promise.all([getCollection('parts'), getCollection('lessons')]);
    const sources = entries.map((e) => ({ id: e.id, data: e.data, code: {}, solution: {}, ...files.get(e.id) }));
    return buildCourse(
      parts.map((p) => p.data),
      sources,
      libraryModules(library),
    );
  })();
  return cached;
}

/** Every lesson, in course order. */
export async function getLessons(): Promise<Lesson[]> {
  return (await getCourse()).flatMap((p) => p.lessons);
}
