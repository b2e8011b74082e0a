/**
 * The built site in Chromium: every page loads cleanly and passes axe, navigation and the table of
 * contents work, search finds lesson text, the theme choice sticks, and phones get no sideways
 * scrolling. Screenshots of the main pages go to test-results/screens/ for a human to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { openSite, SITE_DIR, type Site, type TestPage } from './browser.ts';

const DIST = SITE_DIR;
const SHOTS = 'test-results/screens';
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** Every page of the built site, as site paths ("/", "/lessons/…/"). */
function sitePages(dir = DIST): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'pagefind' && name !== '_astro' && name !== 'kernel.wasm') walk(p);
        continue;
      }
      if (name === 'index.html') out.push(`/${relative(DIST, d)}/`.replace(/\/+/g, '/'));
    }
  };
  walk(dir);
  return out.sort();
}

// The tests that walk every page (68 with 31 lessons) in one tab take longer as the course grows:
// their budget only stops a hung browser, it is not a speed target (that is npm run bench).
const AUDIT_MS = 1_500_000;

let site: Site;
let pages: string[];
const isKernelSource = (p: string) => p.startsWith('/kernel/') && p !== '/kernel/';
const lessonPages = () => pages.filter((p) => p.startsWith('/lessons/') && p !== '/lessons/');

beforeAll(async () => {
  pages = sitePages();
  site = await openSite();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await site?.close();
});

/** A URL's path as a site path: without the base the site is served under. */
const sitePath = (url: string) => {
  const p = new URL(url).pathname;
  return p.startsWith(site.server.base) ? `/${p.slice(site.server.base.length)}` : p;
};

async function load(page: TestPage, path: string) {
  const res = await page.goto(site.url(path), { waitUntil: 'load' });
  expect(res?.status(), `${path} should load`).toBe(200);
}

// Every page is visited once per kind of screen, and each visit checks everything a page must be:
// on a wide screen (light, then dark by the theme toggle; colour rules in both) and on a phone
// (every rule but the colour ones, see axe()).
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
/**
 * The axe rules whose outcome depends on colours. The theme toggle changes only CSS custom
 * properties (the DOM is the same in both themes), so the dark pass runs these; the light pass
 * runs every rule of AXE_TAGS, the phone pass every rule but these.
 */
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];

/**
 * Axe on the page as it is: `rules` runs only those rules, `skip` runs every rule of AXE_TAGS but
 * those. The phone pass skips the colour rules, the costliest by far (they compute every text
 * node's background): the colours are the custom properties of the wide light and dark passes,
 * which run them; what a narrow screen changes is layout, which every other rule sees.
 */
async function axe(page: TestPage, label: string, rules?: string[], skip?: string[]): Promise<string[]> {
  let builder = new AxeBuilder({ page });
  builder = rules ? builder.withRules(rules) : builder.withTags(AXE_TAGS);
  if (skip) builder = builder.disableRules(skip);
  const { violations } = await builder.analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${label}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join('; ')}`,
    );
}

/** A tab whose every page load starts in the light theme, whatever the toggle saved before. */
async function lightTab(options?: Parameters<Site['page']>[0]): Promise<TestPage> {
  const page = await site.page(options);
  await page.addInitScript(() => localStorage.setItem('netlink-lab:theme', 'light'));
  return page;
}

/**
 * Load a page as the learner sees it: status 200, every resource of the page loaded (the `load`
 * event), the playground's editor and kernel in place. Not `networkidle`: it adds half a second of
 * silence to every one of the walks' visits, and the only requests after `load` are the
 * playground's, which its readiness covers.
 */
async function visit(page: TestPage, path: string): Promise<void> {
  page.errors.length = 0;
  await load(page, path);
  if (await page.locator('[data-playground]').count())
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
}

/** Kernel source pages share one template and one set of token colours: axe audits the two largest. */
let audited: Set<string> | undefined;
function auditedKernelPages(): Set<string> {
  const size = (p: string) => statSync(join(DIST, p, 'index.html')).size;
  audited ??= new Set(
    pages
      .filter(isKernelSource)
      .sort((a, b) => size(b) - size(a))
      .slice(0, 2),
  );
  return audited;
}

/** What one visit of a page on a wide screen finds: its own problems and axe's, light and dark. */
async function checkWide(page: TestPage, path: string, problems: string[], axeFound: string[]): Promise<void> {
  await visit(page, path);
  if (!/\S/.test(await page.title())) problems.push(`${path}: no title`);
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) problems.push(`${path}: ${h1} h1 elements`);
  for (const e of page.errors) problems.push(`${path}: ${e}`);

  if (!isKernelSource(path)) {
    const base = site.server.base;
    const known = new Set(pages);
    for (const l of await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href))) {
      const u = new URL(l);
      if (u.origin !== new URL(site.url('/')).origin) continue;
      if (!u.pathname.startsWith(base)) {
        problems.push(`${path} → ${u.pathname} (outside the base path ${base})`);
        continue;
      }
      const rel = `/${u.pathname.slice(base.length)}`;
      const p = rel.endsWith('/') ? rel : `${rel}/`;
      const isFile = !rel.endsWith('/') && existsSync(join(DIST, rel)) && statSync(join(DIST, rel)).isFile();
      if (!known.has(p) && !isFile) problems.push(`${path} → ${u.pathname} (no such page)`);
    }
  }
  if (lessonPages().includes(path)) {
    const lesson = await page.locator('article[data-lesson]').getAttribute('data-lesson');
    const ids = await page.$$eval('[data-playground]', (els) => els.map((e) => e.getAttribute('data-lesson-id')));
    if (ids.length !== 1 || ids[0] !== lesson)
      problems.push(`${path}: playgrounds ${JSON.stringify(ids)} for lesson ${lesson}`);
  }

  if (isKernelSource(path) && !auditedKernelPages().has(path)) return;
  axeFound.push(...(await axe(page, `light ${path}`)));
  await page.getByRole('button', { name: 'Dark theme' }).first().click();
  if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== 'dark')
    problems.push(`${path}: the toggle did not switch to dark`);
  axeFound.push(...(await axe(page, `dark ${path}`, COLOUR_RULES)));
}

/** What one visit of a page on a phone finds: sideways scrolling, and axe's rules but the colour ones. */
async function checkPhone(page: TestPage, path: string, problems: string[], axeFound: string[]): Promise<void> {
  await visit(page, path);
  const [sw, cw] = await page.evaluate(() => [
    document.documentElement.scrollWidth,
    document.documentElement.clientWidth,
  ]);
  if (sw > cw) problems.push(`${path}: ${sw}px wide in a ${cw}px viewport`);
  if (!isKernelSource(path)) axeFound.push(...(await axe(page, `phone ${path}`, undefined, COLOUR_RULES)));
}

describe('every page', () => {
  it('the site has the pages it should', () => {
    for (const p of ['/', '/lessons/', '/glossary/', '/search/', '/kernel/']) expect(pages).toContain(p);
    expect(lessonPages().length, 'at least one lesson page').toBeGreaterThan(0);
  });

  // Two workers share one queue of pages, so both cores of a CI machine stay busy to the end; each
  // has a wide tab and a phone tab and checks a page on both before it takes the next. Problems
  // are collected, so one run names every page that has one.
  it(
    'loads cleanly with one h1, links resolve, lessons have their playground, axe passes light and dark; on a phone no page scrolls sideways and axe passes',
    async () => {
      const queue = [...pages];
      const wide = { problems: [] as string[], axe: [] as string[] };
      const phone = { problems: [] as string[], axe: [] as string[] };
      await Promise.all(
        [0, 1].map(async () => {
          const wideTab = await lightTab({ viewport: { width: 1440, height: 900 } });
          const phoneTab = await lightTab(PHONE);
          for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
            await checkWide(wideTab, path, wide.problems, wide.axe);
            await checkPhone(phoneTab, path, phone.problems, phone.axe);
          }
        }),
      );
      expect(wide.problems, 'wide').toEqual([]);
      expect(wide.axe, 'axe, wide').toEqual([]);
      expect(phone.problems, 'phone').toEqual([]);
      expect(phone.axe, 'axe, phone').toEqual([]);
    },
    AUDIT_MS,
  );
});

describe('lesson pages', () => {
  it('the kernel is served as wasm; trace links land on source lines', async () => {
    const page = await site.page();
    // After a run, every function in the playground's kernel trace links to a line that exists.
    await load(page, lessonPages().find((p) => p.includes('first-socket')) ?? lessonPages()[0]!);
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
    await page.click('[data-playground] [data-action="run"]');
    await page.locator('[data-playground] [data-panel="trace"]').click();
    await page.locator('[data-panel-body="trace"] a[href*="/kernel/"]').first().waitFor({ timeout: 15_000 });
    const targets = [
      ...new Set(
        await page.$$eval('[data-panel-body="trace"] a[href*="/kernel/"]', (as) =>
          as.map((a) => (a as HTMLAnchorElement).href),
        ),
      ),
    ];
    expect(targets.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const t of targets) {
      const [file, hash] = [sitePath(t.split('#')[0]!), t.split('#')[1]];
      const html = join(DIST, file, 'index.html');
      if (!existsSync(html)) bad.push(`${t}: no page ${file}`);
      else if (hash && !readFileSync(html, 'utf8').includes(`id="${hash}"`)) bad.push(`${t}: no line ${hash}`);
    }
    expect(bad, 'kernel trace links').toEqual([]);

    const res = await page.request.get(site.url('/kernel/kernel.wasm'));
    expect(res.status(), 'the built site serves the simulated kernel at /kernel/kernel.wasm').toBe(200);
    expect(res.headers()['content-type']).toBe('application/wasm');
    expect((await res.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0x61, 0x73, 0x6d]));
  });
});

describe('navigation', () => {
  it('home → first lesson → next → previous, with the current lesson marked', async () => {
    const page = await site.page();
    await load(page, '/');
    await page.getByRole('link', { name: /^Start with/ }).click();
    await page.waitForURL(/\/lessons\/.+\/.+\//);
    const first = sitePath(page.url());
    expect(lessonPages()).toContain(first);
    const course = page.getByRole('navigation', { name: 'Course' });
    await expect
      .poll(async () =>
        sitePath(await course.locator('a[aria-current="page"]').evaluate((a) => (a as HTMLAnchorElement).href)),
      )
      .toBe(first);

    const pn = page.getByRole('navigation', { name: 'Previous and next lesson' });
    expect(await pn.getByRole('link', { name: /Previous/ }).count(), 'the first lesson has no previous').toBe(0);
    await pn.getByRole('link', { name: /Next/ }).click();
    await page.waitForURL((u) => sitePath(u.href) !== first);
    const second = sitePath(page.url());
    expect(lessonPages()).toContain(second);
    await page
      .getByRole('navigation', { name: 'Previous and next lesson' })
      .getByRole('link', { name: /Previous/ })
      .click();
    await page.waitForURL((u) => sitePath(u.href) === first);
  });

  it('the course page lists every lesson and says what lesson-less parts will cover', async () => {
    const page = await site.page();
    await load(page, '/lessons/');
    const hrefs = (
      await page.$$eval('main a[href*="/lessons/"]', (as) => as.map((a) => (a as HTMLAnchorElement).href))
    ).map(sitePath);
    for (const l of lessonPages()) expect(hrefs).toContain(l);
    expect(await page.locator('h2').count()).toBe(5);
    const planned = await page.locator('.planned').count();
    expect(planned + (await page.locator('ol.lessons').count())).toBe(5);
  });

  it('the table of contents jumps to its sections', async () => {
    const page = await site.page();
    await load(page, lessonPages()[0]!);
    const toc = page.getByRole('navigation', { name: 'On this page' });
    const links = toc.getByRole('link');
    expect(await links.count()).toBeGreaterThan(2);
    const second = links.nth(1);
    const hash = new URL(await second.evaluate((a) => (a as HTMLAnchorElement).href)).hash;
    await second.click();
    await page.waitForURL((u) => u.hash === hash);
    const heading = page.locator(`[id="${decodeURIComponent(hash.slice(1))}"]`);
    await expect
      .poll(() =>
        heading.evaluate((h) => {
          const r = h.getBoundingClientRect();
          return r.top >= 0 && r.top < innerHeight;
        }),
      )
      .toBe(true);
  });

  it('the skip link moves focus to the main content', async () => {
    const page = await site.page();
    await load(page, '/glossary/');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    expect(await skip.evaluate((a) => a === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(/#main$/);
  });
});

describe('search', () => {
  it('Pagefind finds a lesson by a term it uses', async () => {
    const page = await site.page();
    await load(page, '/search/');
    const input = page.getByRole('searchbox').or(page.locator('#search input')).first();
    await input.fill('EADDRINUSE');
    const result = page.locator('.pagefind-ui__result-link').first();
    await result.waitFor({ timeout: 15_000 });
    const links = (
      await page.$$eval('.pagefind-ui__result-link', (as) => as.map((a) => (a as HTMLAnchorElement).href))
    ).map(sitePath);
    const withTerm = lessonPages().filter((p) =>
      readFileSync(join(DIST, p, 'index.html'), 'utf8').includes('EADDRINUSE'),
    );
    expect(withTerm.length, 'a lesson mentions EADDRINUSE').toBeGreaterThan(0);
    for (const l of withTerm) expect(links, `search results for EADDRINUSE`).toContain(l);
    expect(page.errors).toEqual([]);
  });

  it('a word that appears nowhere finds nothing', async () => {
    const page = await site.page();
    await load(page, '/search/');
    await page.locator('#search input').fill('zzyzxquux');
    await page
      .locator('.pagefind-ui__message')
      .filter({ hasText: /No results/i })
      .waitFor({ timeout: 15_000 });
  });
});

describe('themes', () => {
  it('follows prefers-color-scheme until the visitor chooses', async () => {
    const dark = await site.page({ colorScheme: 'dark' });
    await load(dark, '/');
    expect(await dark.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    const light = await site.page({ colorScheme: 'light' });
    await load(light, '/');
    expect(await light.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  });

  it('the toggle switches the theme and the choice survives a reload and other pages', async () => {
    const page = await site.page({ colorScheme: 'light' });
    await load(page, '/');
    const toggle = page.getByRole('button', { name: 'Dark theme' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    const before = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await toggle.click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(before);
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await load(page, '/glossary/');
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    await page.getByRole('button', { name: 'Dark theme' }).click();
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
  });

  it('code blocks change colour with the theme', async () => {
    const page = await site.page({ colorScheme: 'light' });
    await load(page, lessonPages()[0]!);
    const pre = page.locator('pre.astro-code').first();
    const light = await pre.evaluate((p) => getComputedStyle(p).backgroundColor);
    await page.getByRole('button', { name: 'Dark theme' }).click();
    const dark = await pre.evaluate((p) => getComputedStyle(p).backgroundColor);
    expect(dark).not.toBe(light);
  });
});

describe('phone layout (390 px)', () => {
  it('the lesson shows its contents before the text and the course after it', async () => {
    const page = await site.page(PHONE);
    await load(page, lessonPages()[0]!);
    const y = (name: string) =>
      page.getByRole('navigation', { name }).evaluate((n) => n.getBoundingClientRect().top + scrollY);
    const main = await page.locator('main').evaluate((n) => n.getBoundingClientRect().top + scrollY);
    expect(await y('On this page')).toBeLessThan(main);
    expect(await y('Course')).toBeGreaterThan(main);
  });
});

describe('screenshots for review', () => {
  it('wide and phone, light and dark', async () => {
    const targets = [
      '/',
      '/lessons/',
      lessonPages()[0]!,
      '/glossary/',
      '/kernel/',
      ...pages.filter(isKernelSource).slice(0, 1),
    ];
    for (const theme of ['light', 'dark'] as const) {
      for (const [kind, opts] of [
        ['wide', { viewport: { width: 1440, height: 1000 } }],
        ['phone', PHONE],
      ] as const) {
        const page = await site.page({ ...opts, colorScheme: theme });
        for (const path of targets) {
          await load(page, path);
          const name = path.replace(/^\/|\/$/g, '').replace(/[^a-z0-9.]+/gi, '_') || 'home';
          await page.screenshot({ path: `${SHOTS}/${name}-${kind}-${theme}.png`, fullPage: false });
        }
      }
    }
  });
});
