/**
 * The course as the class server knows it: every lesson under lessons/ with its starting code,
 * solution and checks, read and placed by the same code as the site and the lesson tests
 * (src/components/site/lesson-model.ts), from the package's own folder whatever the cwd.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { lessonFrontmatter, partSchema } from '../course/lesson-schema.ts';
import { buildCourse, libraryModules, type Files, type Lesson, type LessonSource } from '../course/lesson-model.ts';

/** The package's root folder (where lessons/, content/ and build/ are). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function readFolder(dir: string): Files {
  if (!existsSync(dir)) return {};
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}

/** Every lesson, by id ("02-raw-netlink/01-first-socket"), in course order. */
export function loadCourse(root = ROOT): Map<string, Lesson> {
  const parts = (yaml.load(readFileSync(join(root, 'content/parts.yaml'), 'utf8')) as unknown[]).map((p) =>
    partSchema.parse(p),
  );
  const sources: LessonSource[] = [];
  const lessons = join(root, 'lessons');
  for (const part of readdirSync(lessons, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .sort((a, b) => a.name.localeCompare(b.name))) {
    for (const l of readdirSync(join(lessons, part.name), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const dir = join(lessons, part.name, l.name);
      if (!existsSync(join(dir, 'index.mdx'))) continue;
      const text = readFileSync(join(dir, 'index.mdx'), 'utf8');
      const m = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
      if (!m) throw new Error(`${dir}/index.mdx: no front matter`);
      const checks = join(dir, 'checks.ts');
      sources.push({
        id: `${part.name}/${l.name}`,
        data: lessonFrontmatter.parse(yaml.load(m[1]!)),
        code: readFolder(join(dir, 'code')),
        solution: readFolder(join(dir, 'solution')),
        checks: existsSync(checks) ? readFileSync(checks, 'utf8') : undefined,
      });
    }
  }
  const modDir = join(root, 'sandboxes/sim/modules');
  const modules = readdirSync(modDir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
  const library = libraryModules(
    Object.fromEntries(modules.map((f) => [`sandboxes/sim/modules/${f}`, readFileSync(join(modDir, f), 'utf8')])),
  );
  return new Map(
    buildCourse(parts, sources, library)
      .flatMap((p) => p.lessons)
      .map((l) => [l.id, l]),
  );
}
