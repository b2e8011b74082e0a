/**
 * The course as data: parts and their lessons in order, each lesson's URL, neighbours and code.
 * Pure functions over what the caller read (Astro's collections on the site, the file system in
 * tests), so the site and the lesson tests agree on which code a lesson runs.
 */
import type { LessonFrontmatter, Part } from './lesson-schema.ts';

/** A program's files by name. */
export type Files = Record<string, string>;

/** A lesson as read from disk: its folder id ("02-raw-netlink/01-first-socket"), front matter and code. */
export interface LessonSource {
  id: string;
  data: LessonFrontmatter;
  /** Files in code/ (may be empty: the lesson continues from the previous lesson's solution, or takes files as its front matter says). */
  code: Files;
  /** Files in solution/ (in a placed Lesson: the starting files with solution/'s files over them). */
  solution: Files;
  /** The text of checks.ts, if the lesson has an exercise. */
  checks?: string;
}

/** A lesson placed in the course. */
export interface Lesson extends LessonSource {
  /** The part's number and the lesson's order in it, from the folder names. */
  part: number;
  order: number;
  partId: string;
  /** "raw-netlink/first-socket": the URL path under /lessons/. */
  slug: string;
  /** The starting code after inheritance from the previous lesson's solution. */
  files: Files;
  /** Whether all of `files` came from the previous lesson. */
  inherited: boolean;
  prev?: { slug: string; title: string };
  next?: { slug: string; title: string };
}

/** A part with the lessons that exist. */
export interface CoursePart extends Part {
  lessons: Lesson[];
}

const FOLDER = /^(\d{2})-([a-z0-9-]+)$/;

/** Why a lesson folder or its files are not usable, with the path and how to fix it. */
export class LessonError extends Error {
  constructor(id: string, problem: string) {
    super(`lessons/${id}: ${problem}`);
    this.name = 'LessonError';
  }
}

function parseFolder(id: string): { part: number; partId: string; order: number; slug: string } {
  const segs = id.split('/');
  const [p, l] = segs;
  const pm = p ? FOLDER.exec(p) : null;
  const lm = l ? FOLDER.exec(l) : null;
  if (segs.length !== 2 || !pm || !lm) {
    throw new LessonError(
      id,
      'a lesson lives in lessons/NN-part/NN-lesson/index.mdx, e.g. lessons/02-raw-netlink/01-first-socket/index.mdx (two digits, a dash, lower-case words).',
    );
  }
  return { part: Number(pm[1]), partId: pm[2]!, order: Number(lm[1]), slug: `${pm[2]}/${lm[2]}` };
}

/**
 * Order the lessons, give each its neighbours, and resolve its starting code: a lesson with no
 * code/ and nothing named in the front matter starts from the previous lesson's solution;
 * otherwise its files are code/ plus those "fromPrevious" keeps from the previous lesson's solution
 * plus those "fromLibrary" takes from `library` (sandboxes/sim/modules, by module name). Throws
 * LessonError on a bad folder name, a part missing from content/parts.yaml, two lessons with one
 * number, an entry file that does not exist, or a file named twice or not found.
 */
export function buildCourse(parts: Part[], sources: LessonSource[], library: Files = {}): CoursePart[] {
  const byId = new Map(parts.map((p) => [p.id, p]));
  const placed = sources
    .filter((s) => !s.data.draft)
    .map((s) => {
      const f = parseFolder(s.id);
      const part = byId.get(f.partId);
      if (!part)
        throw new LessonError(
          s.id,
          `part "${f.partId}" is not in content/parts.yaml (known: ${parts.map((p) => p.id).join(', ')}).`,
        );
      if (part.number !== f.part)
        throw new LessonError(
          s.id,
          `part "${f.partId}" is number ${part.number} in content/parts.yaml; rename the folder to ${String(part.number).padStart(2, '0')}-${f.partId}.`,
        );
      return { s, f };
    })
    .sort((a, b) => a.f.part - b.f.part || a.f.order - b.f.order);

  const lessons: Lesson[] = [];
  for (const [i, { s, f }] of placed.entries()) {
    const before = placed[i - 1];
    if (before && before.f.part === f.part && before.f.order === f.order) {
      throw new LessonError(
        s.id,
        `has the same number as lessons/${before.s.id}; give each lesson of a part its own NN.`,
      );
    }
    const prevLesson = lessons[i - 1];
    const kept = s.data.fromPrevious ?? [];
    const fromLibrary = s.data.fromLibrary ?? {};
    const inherited = Object.keys(s.code).length === 0 && kept.length === 0 && Object.keys(fromLibrary).length === 0;
    if ((inherited || kept.length) && !prevLesson)
      throw new LessonError(
        s.id,
        'continues from the previous lesson (no code/ folder, or "fromPrevious"), but it is the first lesson: add its files to code/.',
      );
    const prevEnd = prevLesson
      ? Object.keys(prevLesson.solution).length > 0
        ? prevLesson.solution
        : prevLesson.files
      : {};
    const files: Files = inherited ? { ...prevEnd } : {};
    for (const name of kept) {
      if (!(name in prevEnd))
        throw new LessonError(
          s.id,
          `"fromPrevious" lists ${name}, but lessons/${prevLesson!.id} ends with ${Object.keys(prevEnd).join(', ')}.`,
        );
      files[name] = prevEnd[name]!;
    }
    for (const [name, mod] of Object.entries(fromLibrary)) {
      const text = library[mod];
      if (text === undefined)
        throw new LessonError(
          s.id,
          `"fromLibrary" names module "${mod}", which is not in sandboxes/sim/modules (there: ${Object.keys(library).join(', ') || 'none'}).`,
        );
      if (name in files) throw new LessonError(s.id, `${name} is listed in both "fromPrevious" and "fromLibrary".`);
      files[name] = text;
    }
    for (const [name, text] of Object.entries(s.code)) {
      if (name in files)
        throw new LessonError(
          s.id,
          `code/${name} exists, and the front matter also takes ${name} from ${kept.includes(name) ? 'the previous lesson' : 'sandboxes/sim/modules'}: keep one.`,
        );
      files[name] = text;
    }
    if (!(s.data.entry in files)) {
      throw new LessonError(
        s.id,
        `its entry file "${s.data.entry}" is not among its starting files (${Object.keys(files).join(', ') || 'none'}); add code/${s.data.entry} or set "entry" in the front matter.`,
      );
    }
    // solution/ holds the files the exercise changes; the others are the starting files.
    const solution = Object.keys(s.solution).length > 0 ? { ...files, ...s.solution } : {};
    lessons.push({ ...s, solution, part: f.part, order: f.order, partId: f.partId, slug: f.slug, files, inherited });
  }
  for (const [i, l] of lessons.entries()) {
    const p = lessons[i - 1];
    const n = lessons[i + 1];
    if (p) l.prev = { slug: p.slug, title: p.data.title };
    if (n) l.next = { slug: n.slug, title: n.data.title };
  }
  return [...parts]
    .sort((a, b) => a.number - b.number)
    .map((p) => ({ ...p, lessons: lessons.filter((l) => l.partId === p.id) }));
}

/** Group file paths such as "/lessons/02-raw-netlink/01-first-socket/code/main.ts" by lesson id and folder. */
export function groupLessonFiles(
  raw: Record<string, string>,
): Map<string, { code: Files; solution: Files; checks?: string }> {
  const out = new Map<string, { code: Files; solution: Files; checks?: string }>();
  for (const [path, text] of Object.entries(raw)) {
    const m = /(?:^|\/)lessons\/([^/]+\/[^/]+)\/(?:(code|solution)\/([^/]+)|(checks\.ts))$/.exec(path);
    if (!m) continue;
    const id = m[1]!;
    const entry = out.get(id) ?? { code: {}, solution: {} };
    if (m[4]) entry.checks = text;
    else entry[m[2] as 'code' | 'solution'][m[3]!] = text;
    out.set(id, entry);
  }
  return out;
}

/** The simulator's example kernel modules by name, from paths such as "/sandboxes/sim/modules/doc_exmpl.ts". */
export function libraryModules(raw: Record<string, string>): Files {
  const out: Files = {};
  for (const [path, text] of Object.entries(raw)) {
    const m = /(?:^|\/)sandboxes\/sim\/modules\/([a-z0-9_]+)\.ts$/.exec(path);
    if (m) out[m[1]!] = text;
  }
  return out;
}
