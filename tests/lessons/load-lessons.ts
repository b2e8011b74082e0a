/**
 * The course read from disk, validated with the same schemas and placed by the same code as the
 * site (src/course/lesson-model.ts), so CI runs exactly the code each lesson page shows.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { lessonFrontmatter, partSchema } from '../../src/course/lesson-schema.ts';
import {
  buildCourse,
  libraryModules,
  type Files,
  type Lesson,
  type LessonSource,
} from '../../src/course/lesson-model.ts';

const ROOT = 'lessons';

function readFolder(dir: string): Files {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

/** The front matter of an MDX file, validated; throws with the file and the fields that are wrong. */
export function readFrontmatter(file: string) {
  const text = readFileSync(file, 'utf8');
  const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (!m) throw new Error(`${file}: no front matter (a block between --- lines at the top).`);
  const r = lessonFrontmatter.safeParse(yaml.load(m[1]!));
  if (!r.success)
    throw new Error(
      `${file}: invalid front matter: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return r.data;
}

/** Every lesson under lessons/, in course order, with its resolved starting and solution code. */
export function loadLessons(): Lesson[] {
  const parts = (yaml.load(readFileSync('content/parts.yaml', 'utf8')) as unknown[]).map((p) => partSchema.parse(p));
  const sources: LessonSource[] = [];
  for (const part of readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const lesson of readdirSync(join(ROOT, part.name), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const dir = join(ROOT, part.name, lesson.name);
      if (!existsSync(join(dir, 'index.mdx'))) continue;
      const checks = join(dir, 'checks.ts');
      sources.push({
        id: `${part.name}/${lesson.name}`,
        data: readFrontmatter(join(dir, 'index.mdx')),
        code: readFolder(join(dir, 'code')),
        solution: readFolder(join(dir, 'solution')),
        checks: existsSync(checks) ? readFileSync(checks, 'utf8') : undefined,
      });
    }
  }
  const modules = readdirSync('sandboxes/sim/modules')
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .map((f) => `sandboxes/sim/modules/${f}`);
  const library = libraryModules(Object.fromEntries(modules.map((f) => [f, readFileSync(f, 'utf8')])));
  return buildCourse(parts, sources, library).flatMap((p) => p.lessons);
}
