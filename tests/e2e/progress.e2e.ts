/**
 * Progress in the navigation, in Chromium on the built site: passing a lesson's checks puts an
 * accessible "completed" check beside that lesson in the course sidebar at once (and in another tab
 * of the same browser), and after a reload the sidebar and the course page still show it. The marked
 * pages pass axe; screenshots go to test-results/screens/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { openSite, SITE_DIR, type Site, type TestPage } from './browser.ts';

const SHOTS = 'test-results/screens';
const WIDE = { viewport: { width: 1440, height: 1000 } };

let site: Site;
/** A lesson with exercise checks: its site path and its id. */
let lesson: { path: string; id: string };

/** The first lesson page in the built site whose playground has checks. */
function lessonWithChecks(): { path: string; id: string } {
  const root = join(SITE_DIR, 'lessons');
  for (const part of readdirSync(root).sort()) {
    if (!existsSync(join(root, part)) || part === 'index.html') continue;
    for (const name of readdirSync(join(root, part)).sort()) {
      const file = join(root, part, name, 'index.html');
      if (!existsSync(file)) continue;
      const html = readFileSync(file, 'utf8');
      const id = /data-lesson-id="([^"]+)"/.exec(html)?.[1];
      if (id && html.includes('data-checks')) return { path: `/lessons/${part}/${name}/`, id };
    }
  }
  throw new Error(`No lesson page under ${root} has exercise checks: build the site with \`npm run build\`.`);
}

beforeAll(async () => {
  lesson = lessonWithChecks();
  site = await openSite();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await site?.close();
});

/** The completion mark of a lesson inside `scope` (the course sidebar or the course page). */
const mark = (page: Page, scope: string, id: string) => page.locator(`${scope} [data-completed-mark="${id}"]`);
/** How many lessons `scope` shows as completed. */
const visibleMarks = (page: TestPage, scope: string) =>
  page
    .locator(`${scope} [data-completed-mark]`)
    .evaluateAll((els) => els.filter((e) => (e as HTMLElement).offsetParent !== null).length);

/** Open the lesson and wait until its playground can run. */
async function openLesson(page: TestPage) {
  await page.goto(site.url(lesson.path));
  await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
}

async function axe(page: TestPage, where: string) {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.map(
    (v) =>
      `${where}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes
        .map((n) => n.target.join(' '))
        .slice(0, 3)
        .join(' | ')}`,
  );
}

describe('lesson progress in the navigation', () => {
  it('a fresh browser shows no lesson as completed', async () => {
    const page = await site.page(WIDE);
    await page.goto(site.url('/lessons/'));
    await page.waitForLoadState('networkidle');
    expect(
      await page.locator('main [data-completed-mark]').count(),
      'the course page has a mark slot per lesson',
    ).toBeGreaterThan(0);
    expect(await visibleMarks(page, 'main')).toBe(0);
    expect(await page.getByRole('link', { name: /completed/ }).count()).toBe(0);
    expect(page.errors).toEqual([]);
  });

  it('passing the checks marks the lesson in the sidebar at once, in another tab, and after a reload', async () => {
    const page = await site.page(WIDE);
    // A second tab in the same browser profile (same localStorage), recording its errors too.
    const other = await page.context().newPage();
    const otherErrors: string[] = [];
    other.on('pageerror', (e) => otherErrors.push(`other tab, uncaught: ${e.message}`));
    other.on('console', (m) => {
      if (m.type() === 'error') otherErrors.push(`other tab, console: ${m.text()}`);
    });
    await other.goto(site.url('/lessons/'));
    await openLesson(page);
    const nav = '.side-nav nav[aria-label="Course"]';
    const current = page.locator(`${nav} a[aria-current="page"]`);
    expect(await mark(page, nav, lesson.id).isVisible(), 'not completed before the run').toBe(false);

    await page.getByRole('button', { name: 'Solution', exact: true }).first().click();
    await page.getByRole('button', { name: 'Use the solution' }).first().click();
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await page.locator('[data-playground] [data-complete]').first().waitFor({ state: 'visible', timeout: 30_000 });

    // Live, without a reload: the sidebar link of this lesson now says it is completed.
    await mark(page, nav, lesson.id).waitFor({ state: 'visible', timeout: 5_000 });
    expect(
      await page
        .getByRole('navigation', { name: 'Course' })
        .getByRole('link', { name: /, completed$/ })
        .count(),
    ).toBe(1);
    expect(await current.getAttribute('href'), 'the marked link is this lesson').toContain(
      lesson.path.replace(/^\//, ''),
    );
    expect(await current.locator('[data-completed-mark]').isVisible()).toBe(true);
    expect(await visibleMarks(page, nav)).toBe(1);
    // The other tab hears it through the storage event.
    await mark(other, 'main', lesson.id).waitFor({ state: 'visible', timeout: 5_000 });

    await page.reload();
    await page.waitForLoadState('networkidle');
    expect(await mark(page, nav, lesson.id).isVisible(), 'still completed after a reload').toBe(true);
    await page.locator(nav).screenshot({ path: `${SHOTS}/progress-sidebar.png` });

    await page.goto(site.url('/lessons/'));
    await page.waitForLoadState('networkidle');
    await mark(page, 'main', lesson.id).waitFor({ state: 'visible', timeout: 5_000 });
    expect(await visibleMarks(page, 'main'), 'only the passed lesson is marked').toBe(1);
    const link = page.locator('main').getByRole('link', { name: /, completed$/ });
    expect(await link.count()).toBe(1);
    expect(await link.getAttribute('href')).toContain(lesson.path.replace(/^\//, ''));
    await page.screenshot({ path: `${SHOTS}/progress-course.png`, fullPage: true });
    expect([...page.errors, ...otherErrors]).toEqual([]);
  });

  it('the pages with a completed lesson pass axe, in light and dark', async () => {
    const violations: string[] = [];
    for (const theme of ['light', 'dark']) {
      const page = await site.page(WIDE);
      await page.addInitScript(
        ([t, id]) => {
          localStorage.setItem('netlink-lab:theme', t!);
          localStorage.setItem('netlink-lab:progress:v1', JSON.stringify([id]));
        },
        [theme, lesson.id],
      );
      for (const path of ['/lessons/', lesson.path]) {
        await page.goto(site.url(path));
        await page.waitForLoadState('networkidle');
        await page.locator(`[data-completed-mark="${lesson.id}"]`).first().waitFor({ state: 'visible' });
        violations.push(...(await axe(page, `${theme} ${path}`)));
      }
      if (theme === 'dark') await page.locator('.side-nav').screenshot({ path: `${SHOTS}/progress-sidebar-dark.png` });
      await page.context().close();
    }
    expect(violations).toEqual([]);
  });
});
