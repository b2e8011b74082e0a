/**
 * "The teacher can hide solutions for the class" holds on the wire, not only in the page: when
 * a class hides them, nothing the class server serves to its students (nor to a visitor who is
 * no student, such as the same student in a private window) contains a lesson's solution, while
 * a student of a class that shows them gets them. The site is the real build (dist/, or
 * NETLINK_LAB_DIST) when there is one, every text file of it crawled; without a build, a lesson
 * page in the markup Playground.astro and LessonExercise.astro write.
 */
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCourse, ROOT } from '../../src/server/course.ts';
import { STUDENT_COOKIE, withoutSolutions } from '../../src/server/app.ts';
import { DB_KINDS, startTestServer, type TestServer } from './harness.ts';

const course = loadCourse();

/**
 * Lines of each solution found nowhere else in the sources the site is built from (starting code,
 * checks and their hints, prose, the simulator's modules, the site's own code): what only the
 * solution gives away.
 */
function solutionOnlyLines(): Map<string, string[]> {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'solution' && e.name !== 'node_modules') walk(p);
      } else if (/\.(ts|mdx|md|astro|yaml|json)$/.test(e.name) && !e.name.endsWith('.test.ts'))
        texts.push(readFileSync(p, 'utf8'));
    }
  };
  for (const d of ['lessons', 'content', 'src', 'sandboxes/sim/modules']) walk(join(ROOT, d));
  const elsewhere = flat(texts.join('\n'));
  const out = new Map<string, string[]>();
  for (const [id, l] of course) {
    const lines = Object.values(l.solution)
      .flatMap((f) => f.split('\n'))
      .map(flat)
      .filter((x) => x.length >= 24 && !elsewhere.includes(x));
    if (lines.length) out.set(id, [...new Set(lines)]);
  }
  return out;
}

/** Whitespace as a search index keeps it: one space. */
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
/** A line as it appears in a page: as is, in a JSON string (the playground's config), in HTML. */
const spellings = (line: string) => [
  line,
  JSON.stringify(line).slice(1, -1).replace(/</g, '\\u003c'),
  line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;'),
  line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&#39;'),
];

/** The site to serve: the real build, or one lesson page as the build writes it. */
function site(): { dir: string; built: boolean } {
  const built = process.env.NETLINK_LAB_DIST ?? join(ROOT, 'dist');
  if (existsSync(join(built, 'lessons'))) return { dir: built, built: true };
  const dir = mkdtempSync(join(tmpdir(), 'class-site-'));
  const l = course.get('01-mechanisms/01-user-and-kernel')!;
  const config = JSON.stringify({ lessonId: l.id, files: l.files, solution: l.solution, entry: l.data.entry }).replace(
    /</g,
    '\\u003c',
  );
  mkdirSync(join(dir, 'lessons/mechanisms/user-and-kernel'), { recursive: true });
  writeFileSync(
    join(dir, 'lessons/mechanisms/user-and-kernel/index.html'),
    `<!doctype html><html><body><div class="playground" data-playground><script type="application/json" data-playground-config>${config}</script></div>` +
      `<details class="solution astro-x1"><summary>Show a solution</summary><pre>${Object.values(l.solution).join('\n').replace(/</g, '&lt;')}</pre></details></body></html>`,
  );
  return { dir, built: false };
}

/** Every text file of the site, by URL path. */
function textFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(html|js|mjs|json|css|svg|pf_fragment|pf_meta|pf_index)$/.test(e.name) && statSync(p).size < 8e6)
        out.push(`/${relative(dir, p)}`);
    }
  };
  walk(dir);
  return out;
}

/** A served file's text (pagefind's files are gzip: the search index is read as the browser would). */
async function fetchText(origin: string, path: string, cookie?: string): Promise<string> {
  const r = await fetch(origin + path, { headers: cookie ? { cookie } : {} });
  expect(r.status, path).toBe(200);
  const bytes = Buffer.from(await r.arrayBuffer());
  if (/\.pf_/.test(path)) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch {
      return bytes.toString('utf8');
    }
  }
  return bytes.toString('utf8');
}

const lines = solutionOnlyLines();
const leaks = (text: string) => {
  const t = flat(text);
  return [...lines.values()].flat().filter((l) => spellings(l).some((v) => t.includes(v)));
};

it('the course has solution lines found nowhere else (what the tests below look for)', () => {
  expect(lines.size).toBeGreaterThan(10);
  const page = `<script type="application/json" data-playground-config>${JSON.stringify({ solution: course.get('01-mechanisms/01-user-and-kernel')!.solution })}</script>`;
  expect(leaks(page).length).toBeGreaterThan(0);
  expect(leaks(withoutSolutions(page))).toEqual([]);
});

for (const kind of DB_KINDS) {
  describe(`hidden solutions are not served (${kind})`, () => {
    let t: TestServer;
    const { dir, built } = site();
    const files = textFiles(dir);
    let hiding: string; // cookie of a student whose class hides solutions
    let showing: string; // cookie of a student whose class shows them

    beforeAll(async () => {
      t = await startTestServer(kind, { distDir: dir, verifiers: 0 });
      const join = async (className: string) => {
        const c = await t.call('POST', '/class-api/classes', { body: { name: className } });
        const j = await t.call('POST', '/class-api/join', { body: { code: c.json.joinCode, name: 'Ada' } });
        expect(j.status).toBe(201);
        const set = j.headers.get('set-cookie') ?? '';
        expect(set).toMatch(new RegExp(`^${STUDENT_COOKIE}=${j.json.studentToken};.*HttpOnly`));
        return { cls: c.json, cookie: set.split(';')[0]! };
      };
      const a = await join('hides');
      const b = await join('shows');
      hiding = a.cookie;
      showing = b.cookie;
      // Before any class hides them, everyone gets the solutions.
      const page = files.find((f) => f.includes('user-and-kernel'))!;
      expect(leaks(await fetchText(t.origin, page)).length).toBeGreaterThan(0);
      const r = await t.call('PATCH', `/class-api/classes/${a.cls.id}`, {
        token: a.cls.teacherToken,
        body: { hideSolutions: true },
      });
      expect(r.status, r.text).toBe(200);
    }, 120_000);
    afterAll(() => t?.close());

    it(`a student of a class that hides them gets no solution anywhere on the site (${built ? `the build: ${files.length} files` : 'a lesson page'})`, async () => {
      const found: string[] = [];
      for (const f of files) for (const l of leaks(await fetchText(t.origin, f, hiding))) found.push(`${f}: ${l}`);
      expect(found).toEqual([]);
      // Nor does anyone who is no student (a private window), while a class hides them.
      const page = files.find((f) => f.includes('user-and-kernel'))!;
      expect(leaks(await fetchText(t.origin, page))).toEqual([]);
      expect(leaks(await fetchText(t.origin, page, `${STUDENT_COOKIE}=${'x'.repeat(43)}`))).toEqual([]);
      // The page still works: the playground's config is there, with its starting code.
      const html = await fetchText(t.origin, page, hiding);
      const cfg = JSON.parse(/data-playground-config>([\s\S]*?)<\/script>/.exec(html)![1]!);
      expect(cfg.solution).toEqual({});
      expect(cfg.solutionWithheld).toBe(true);
      expect(Object.keys(cfg.files).length).toBeGreaterThan(0);
    }, 120_000);

    it('a student of a class that shows them gets them', async () => {
      const page = files.find((f) => f.includes('user-and-kernel'))!;
      const r = await fetch(t.origin + page, { headers: { cookie: showing } });
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(r.headers.get('vary')).toMatch(/cookie/i);
      expect(leaks(await r.text()).length).toBeGreaterThan(0);
    });
  });
}
