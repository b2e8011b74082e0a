/**
 * A class, end to end in Chromium, on PGlite and on PostgreSQL 15: a teacher creates a class on
 * the class server, two students join in their own browser contexts, one solves the first
 * exercise with code of their own and the other opens the solution and runs it; the teacher's
 * grid shows the first as verified (the server re-ran the code) and the second as "solution
 * used"; a forged "checks passed" report changes nothing. On a plain static host the class pages
 * say there is no server and lessons send nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { launchChromium, openSite, SITE_DIR, type TestPage } from './browser.ts';
import type { Browser } from 'playwright-core';
import { createClassServer, type ClassServer } from '../../src/server/app.ts';
import { openDatabase, type Database } from '../../src/server/db.ts';
import { loadCourse } from '../../src/server/course.ts';
import { DB_KINDS } from '../class/harness.ts';
import { startPostgres, type TestPostgres } from '../class/postgres.ts';

const course = loadCourse();
const LESSON = '01-mechanisms/01-user-and-kernel';
const lesson = course.get(LESSON)!;
const lessonPath = `/lessons/${lesson.slug}/`;

async function newPage(browser: Browser): Promise<TestPage> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = (await ctx.newPage()) as TestPage;
  page.errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => page.errors.push(`uncaught: ${e.message}`));
  return page;
}

describe.each(DB_KINDS)('a class on %s', (kind) => {
  let pg: TestPostgres | undefined;
  let database: Database;
  let server: ClassServer;
  let origin: string;
  let chrome: { browser: Browser; close(): Promise<void> };

  beforeAll(async () => {
    if (kind === 'postgres') pg = await startPostgres();
    database = await openDatabase(pg ? { url: pg.url } : { dataDir: 'memory://' });
    server = createClassServer({ database, course, distDir: SITE_DIR, log: () => {} });
    await new Promise<void>((ok) => server.http.listen(0, '127.0.0.1', ok));
    origin = `http://127.0.0.1:${(server.http.address() as AddressInfo).port}`;
    chrome = await launchChromium();
  }, 400_000);
  afterAll(async () => {
    await chrome?.close();
    server?.http.closeAllConnections();
    await new Promise<void>((ok) => (server ? server.http.close(() => ok()) : ok()));
    await server?.stop();
    await database?.close();
    pg?.stop();
  });

  it('shows the student who solved the lesson as verified, the one who ran the solution as not, and ignores a forged pass', async () => {
    const { browser } = chrome;
    // The teacher creates the class.
    const teacher = await newPage(browser);
    await teacher.goto(`${origin}/class/`);
    await teacher.getByLabel('Class name').fill('Netlink, Tuesday');
    await teacher.getByRole('button', { name: 'Create the class' }).click();
    const teacherLink = await teacher.locator('[data-teacher-link]').getAttribute('href');
    const joinLink = await teacher.locator('[data-join-link]').getAttribute('href');
    expect(teacherLink).toMatch(/\/class\/teacher\/\?class=[0-9a-f]{16}#[A-Za-z0-9_-]{32}$/);
    expect(joinLink).toMatch(/\/class\/join\/\?code=[A-Z0-9]{8}$/);
    await teacher.goto(teacherLink!);
    await teacher.locator('[data-class-name]').waitFor();
    expect(await teacher.locator('[data-class-name]').textContent()).toBe('Netlink, Tuesday');

    // Two students join, each in a browser context of their own.
    const join = async (name: string) => {
      const p = await newPage(browser);
      await p.goto(joinLink!);
      await p.getByLabel('Your name').fill(name);
      await p.getByRole('button', { name: 'Join' }).click();
      await p.getByText(`as ${name}`).waitFor();
      await p.goto(`${origin}${lessonPath}`);
      await p.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
      await p.locator('[data-class-banner]').waitFor({ state: 'visible' });
      expect(await p.locator('[data-class-banner]').textContent()).toContain(`you are ${name}`);
      return p;
    };
    const ada = await join('Ada');
    const ben = await join('Ben');

    // Ada writes her own program (the lesson's idea, her own words; kept in her browser as the
    // editor keeps it), reloads the lesson with it and runs it.
    const entry = lesson.data.entry;
    const own = { ...lesson.files, ...lesson.solution, [entry]: `const author = 'Ada';\n${lesson.solution[entry]!}` };
    await ada.evaluate(
      ({ id, files }) =>
        localStorage.setItem(`netlink-lab:code:v1:${id}`, JSON.stringify({ files, saved: Date.now() })),
      { id: LESSON, files: own },
    );
    await ada.reload();
    await ada.waitForSelector('[data-playground][data-ready="true"]', { timeout: 120_000 });
    await ada.getByRole('button', { name: 'Run', exact: true }).first().click();
    await ada.locator('[data-playground] [data-complete]').first().waitFor({ state: 'visible', timeout: 180_000 });

    // Ben opens the solution, puts it into the editor, and runs it.
    await ben.getByRole('button', { name: 'Solution', exact: true }).first().click();
    await ben.getByRole('button', { name: 'Use the solution' }).first().click();
    await ben.getByRole('button', { name: 'Run', exact: true }).first().click();
    await ben.locator('[data-playground] [data-complete]').first().waitFor({ state: 'visible', timeout: 180_000 });

    const cell = (name: string) => teacher.locator(`[data-student="${name}"] [data-lesson="${LESSON}"]`);
    await expect
      .poll(() => cell('Ada').getAttribute('data-state'), { timeout: 240_000, interval: 1000 })
      .toBe('verified');
    await expect
      .poll(() => cell('Ben').getAttribute('data-state'), { timeout: 240_000, interval: 1000 })
      .toBe('solution');
    expect(await cell('Ada').textContent()).toContain('verified');

    // Ben forges a "checks passed" report for code that does not pass (the starting code).
    const forged = await ben.evaluate(
      async ({ lessonId, files }) => {
        const s = JSON.parse(localStorage.getItem('netlink-lab:class:v1')!) as { token: string };
        const r = await fetch('/class-api/report', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` },
          body: JSON.stringify({
            type: 'run',
            lessonId,
            files,
            output: 'Every check passed: lesson complete.',
            passed: true,
          }),
        });
        return r.status;
      },
      { lessonId: LESSON, files: lesson.files },
    );
    expect(forged).toBe(202);
    await server.drain();
    // One poll of the grid after the report: the page asks again only once it has drawn the answer
    // to the previous request, so the second request sent from now on follows a draw of fresh data.
    const isGrid = (r: { url(): string }) => /\/class-api\/classes\/[^/]+\/grid$/.test(new URL(r.url()).pathname);
    await teacher.waitForRequest(isGrid);
    await teacher.waitForRequest(isGrid);
    expect(await cell('Ben').getAttribute('data-state')).toBe('solution');
    expect(await cell('Ada').getAttribute('data-state')).toBe('verified');

    // The teacher opens Ada's cell: her latest code and its output.
    await cell('Ada').getByRole('button').click();
    await teacher.locator('[data-details]').waitFor({ state: 'visible' });
    expect(await teacher.locator('[data-details]').textContent()).toContain("const author = 'Ada'");
    expect(await teacher.locator('[data-details] [data-output]').textContent()).not.toBe('(no run yet)');

    // The teacher hides the solutions: the lesson page Ada loads has none, in the page or its source.
    await teacher.getByLabel('Hide solutions for the class').check();
    await teacher.getByText('Solutions are hidden for the class.').waitFor();
    const solutionOnly = 'Runs inside delete_module. Without it the kernel refuses to unload';
    expect(Object.values(lesson.solution).join('\n')).toContain(solutionOnly);
    expect(Object.values(lesson.files).join('\n')).not.toContain(solutionOnly);
    await ada.reload();
    await ada.waitForSelector('[data-playground][data-ready="true"]', { timeout: 120_000 });
    const seen = await ada.evaluate(async (path) => {
      const config = document.querySelector('script[data-playground-config]')?.textContent ?? '';
      const source = await (await fetch(path)).text();
      return { config, source };
    }, lessonPath);
    expect(seen.config).toContain('"solutionWithheld":true');
    expect(seen.config).not.toContain(solutionOnly);
    expect(seen.source).not.toContain(solutionOnly);
    expect(await ada.getByRole('button', { name: 'Solution', exact: true }).first().isVisible()).toBe(false);

    for (const p of [teacher, ada, ben]) expect(p.errors).toEqual([]);
  }, 900_000);
});

describe('the class pages on a plain static host', () => {
  it('say there is no class server, and lessons send nothing', async () => {
    const site = await openSite();
    try {
      const page = await site.page();
      await page.goto(site.url('/class/'));
      await page.locator('[data-no-server]').waitFor({ state: 'visible' });
      expect(await page.locator('[data-create]').isVisible()).toBe(false);
      await page.goto(site.url(lessonPath));
      await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
      await page.getByRole('button', { name: 'Run', exact: true }).first().click();
      await page.waitForSelector('[data-playground]:not([data-running])');
      // Anything the run would report has been sent once the network is quiet.
      await page.waitForLoadState('networkidle');
      expect(
        site.server.requests.filter((r) => r.path.startsWith('/class-api/') && !r.path.startsWith('/class-api/health')),
      ).toEqual([]);
      expect(await page.locator('[data-class-banner]').isVisible()).toBe(false);
      // The /class/ page's health probe is the one request that finds nothing (404 on a static host).
      expect(page.errors.filter((e) => !/404|class-api\/health/.test(e))).toEqual([]);
    } finally {
      await site.close();
    }
  }, 120_000);
});
