/**
 * The lesson playground in Chromium, on the built site: editing and running, Stop and the watchdog
 * against runaway programs (with the page staying responsive), Reset and saved edits, share links,
 * the solution diff, type errors and completion, the kernel panels, exercise checks and progress.
 * Screenshots (light and dark, wide and phone) go to test-results/screens/ for a human to look at.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { openSite, type Site, type TestPage } from './browser.ts';

const SHOTS = 'test-results/screens';
/** The built site (NETLINK_LAB_DIST overrides dist/, e.g. to test a build made elsewhere). */
const DIST = process.env.NETLINK_LAB_DIST ?? 'dist';
const WIDE = { viewport: { width: 1440, height: 1000 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

let site: Site;
let lesson: string;

/** The first lesson page in dist/ with a playground. */
function lessonWithPlayground(): string {
  const html = readFileSync(join(DIST, 'lessons', 'index.html'), 'utf8');
  const base = (process.env.NETLINK_LAB_BASE ?? '/').replace(/\/?$/, '/');
  const paths = [...html.matchAll(/href="([^"]*\/lessons\/[^"#]+\/[^"#]+\/)"/g)]
    .map((m) => new URL(m[1]!, 'http://x').pathname)
    .map((p) => (p.startsWith(base) ? `/${p.slice(base.length)}` : p));
  for (const p of paths)
    if (readFileSync(join(DIST, p.replace(/^\//, ''), 'index.html'), 'utf8').includes('data-playground')) return p;
  throw new Error('No lesson page in dist/ has a playground: build the site with `npm run build`.');
}

beforeAll(async () => {
  site = await openSite({ dir: DIST });
  lesson = lessonWithPlayground();
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await site?.close();
});

/** Open the lesson and wait until Run works (and the editor is loaded). */
async function open(page: TestPage, url = site.url(lesson)) {
  await page.goto(url);
  const root = page.locator('[data-playground]').first();
  await root.scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-playground][data-editor="ready"]', { timeout: 30_000 });
  try {
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
  } catch {
    throw new Error(
      `The playground never became ready; its status says: ${await root.locator('[data-status]').textContent()}`,
    );
  }
  return root;
}

/** Replace the editor's text with `code`. */
async function setCode(page: TestPage, code: string) {
  await page.locator('[data-playground] .cm-content').first().click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

/** The first lines of the editor's text (CodeMirror renders only what is in view). */
const editorText = (page: TestPage) =>
  page
    .locator('[data-playground] .cm-content')
    .first()
    .evaluate((el) => (el as HTMLElement).innerText);
/** The code saved for the lesson (the playground saves edits shortly after each change). */
const savedCode = (page: TestPage, lessonId: string) =>
  page.evaluate(
    (id) =>
      (
        JSON.parse(localStorage.getItem(`netlink-lab:code:v1:${id}`) ?? 'null') as {
          files: Record<string, string>;
        } | null
      )?.files,
    lessonId,
  );

const USERSOCK_PING = [
  "import { socket, bind, sendto, recvfrom, nlmsg, bytes, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, sleep } from 'netlink-lab/user';",
  'const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  'await bind(a, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });',
  'const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  "await sendto(b, nlmsg({ type: 0x10, seq: 7, payload: bytes('hi!', true) }), 0, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });",
  'await sleep(1500);',
  'const { n } = await recvfrom(a, new Uint8Array(256), 0);',
  "console.log('got', n, 'bytes');",
  '',
].join('\n');
const output = (page: TestPage) => page.locator('[data-playground] [role="log"][aria-label="Program output"]').first();

/** How long the page takes to answer an evaluate() (ms): a frozen main thread cannot answer. */
async function responsiveness(page: TestPage): Promise<number> {
  const t0 = Date.now();
  await page.evaluate(() => document.querySelector('[data-action="stop"]')?.textContent);
  return Date.now() - t0;
}

describe('the playground', () => {
  it('runs what the learner types, with the Run button and with Ctrl+Enter', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(
      page,
      "import { getpid } from 'netlink-lab/user';\nconsole.log('hello from', 'the playground');\nconsole.log('pid', getpid());\n",
    );
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('hello from the playground');
    expect(await output(page).textContent()).toMatch(/pid \d+/);

    await setCode(page, "console.log('second run via the keyboard');\n");
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('second run via the keyboard');
    expect(await output(page).textContent()).not.toContain('hello from');
    expect(page.errors).toEqual([]);
  });

  it('shows a runtime error with its line, and marks the line in the editor', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "import { socket } from 'netlink-lab/user';\n\nawait socket(16, 3, 31);\n");
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toMatch(/EPROTONOSUPPORT/);
    expect(await output(page).textContent()).toContain('main.ts:3');
    await expect.poll(() => page.locator('[data-playground] .cm-lintRange-error').count()).toBeGreaterThan(0);
  });

  it('Stop ends a runaway loop within 2 s while the page stays responsive', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "console.log('spinning');\nfor (;;) {}\n");
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('spinning');
    expect(await responsiveness(page)).toBeLessThan(500);
    const stop = page.getByRole('button', { name: 'Stop', exact: true }).first();
    expect(await stop.isEnabled()).toBe(true);
    const t0 = Date.now();
    await stop.click();
    await expect.poll(() => output(page).textContent(), { timeout: 2_000 }).toContain('Stopped.');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await stop.isEnabled()).toBe(false);
    // A fresh worker takes over: the next run works.
    await setCode(page, "console.log('alive again');\n");
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('alive again');
  });

  it('the watchdog ends a loop of non-blocking calls that never yields, and says so', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(
      page,
      [
        "import { socket, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, MSG_DONTWAIT } from 'netlink-lab/user';",
        'const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
        "console.log('polling');",
        'for (;;) { try { await recvfrom(fd, new Uint8Array(64), MSG_DONTWAIT); } catch { /* EAGAIN: poll again */ } }',
        '',
      ].join('\n'),
    );
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('polling');
    expect(await responsiveness(page)).toBeLessThan(500);
    await expect.poll(() => output(page).textContent(), { timeout: 10_000 }).toMatch(/without ever pausing/);
    expect(await page.getByRole('button', { name: 'Stop', exact: true }).first().isEnabled()).toBe(false);
  });

  it("shows the kernel's runaway (stack overflow) and deadlock reports as readable messages", async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(
      page,
      [
        "import * as k from 'netlink-lab/kernel';",
        "import { insmod, socket, sendto, recvfrom, nlmsg, AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLM_F_REQUEST } from 'netlink-lab/user';",
        '// A module that answers port 0 (the kernel itself): it loops into its own input.',
        "const loopy = k.defineModule({ name: 'loopy', init() {",
        '  const sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, { input(skb) {',
        '    const out = k.nlmsg_new(0)!;',
        '    k.nlmsg_put(out, 0, k.nlmsg_hdr(skb).nlmsg_seq, 0x10, 0, NLM_F_REQUEST);',
        '    k.netlink_unicast(sk!, out, 0, k.MSG_DONTWAIT);',
        '  } });',
        '  return sk ? 0 : -1;',
        '} });',
        'await insmod(loopy);',
        'const s = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);',
        'try { await sendto(s, nlmsg({ type: 0x10, flags: NLM_F_REQUEST }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 }); }',
        "catch (e) { console.log('sendto failed:', (e as Error).message); }",
        '// Nobody will ever send to s: waiting for it blocks forever.',
        'await recvfrom(s, new Uint8Array(64), 0);',
        '',
      ].join('\n'),
    );
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toMatch(/Uncaught/);
    const text = (await output(page).textContent())!;
    expect(text).toMatch(/Kernel: BUG: TASK stack guard page was hit/);
    expect(text).toMatch(/sendto failed: .*EDEADLK/);
    expect(text).toMatch(/Kernel: deadlock: every process is waiting/);
    expect(text).toMatch(/recvfrom: EDEADLK/);
  });

  it('keeps edits across reloads, and Reset returns to the starting code', async () => {
    const page = await site.page(WIDE);
    await open(page);
    const start = await editorText(page);
    const id = (await page.locator('[data-playground]').first().getAttribute('data-lesson-id'))!;
    await setCode(page, "// my edit 12345\nconsole.log('edited');\n");
    // Saving is debounced: wait until the edit is in localStorage.
    await expect.poll(() => savedCode(page, id).then((f) => f?.['main.ts'])).toContain('my edit 12345');
    await page.reload();
    await open(page);
    expect(await editorText(page)).toContain('my edit 12345');
    expect((await savedCode(page, id))?.['main.ts']).toContain('my edit 12345');
    await page.getByRole('button', { name: 'Reset', exact: true }).first().click();
    expect(await editorText(page)).toBe(start);
    await expect.poll(() => savedCode(page, id)).toBeUndefined();
    await page.reload();
    await open(page);
    expect(await editorText(page)).toBe(start);
  });

  it('a share link opens the same code in a fresh browser', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "// shared 9876 ünïcode\nconsole.log('shared');\n");
    await page.getByRole('button', { name: 'Share', exact: true }).first().click();
    // The link is made asynchronously (the code is compressed first).
    const shareUrl = page.locator('[data-playground] [data-share-url]').first();
    await expect.poll(() => shareUrl.inputValue(), { timeout: 10_000 }).toMatch(/#code=[A-Za-z0-9_-]+$/);
    const url = await shareUrl.inputValue();
    const other = await site.page(WIDE);
    await open(other, url);
    await expect.poll(() => editorText(other)).toContain('shared 9876 ünïcode');
  });

  it("Solution shows a diff against the learner's code and can load the solution", async () => {
    const page = await site.page(WIDE);
    await open(page);
    const button = page.getByRole('button', { name: 'Solution', exact: true }).first();
    await button.click();
    expect(await button.getAttribute('aria-expanded')).toBe('true');
    const region = page.getByRole('region', { name: 'Solution compared with your code' }).first();
    // Side by side when the playground is wide enough, else one editor with the differences inline
    // (the lesson layout puts the playground beside the prose, about 600 px wide at 1440 px).
    await region.locator('.cm-mergeView, .cm-editor').first().waitFor({ timeout: 10_000 });
    expect(await region.locator('.cm-changedLine, .cm-changedText, .cm-deletedChunk').count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/playground-solution.png`, fullPage: false });
    await region.getByRole('button', { name: 'Use the solution' }).click();
    expect(await region.isVisible()).toBe(false);
    const cfg = JSON.parse((await page.locator('[data-playground-config]').first().textContent()) ?? '{}') as {
      lessonId: string;
      solution: Record<string, string>;
      entry: string;
    };
    await expect.poll(async () => (await savedCode(page, cfg.lessonId))?.[cfg.entry]).toBe(cfg.solution[cfg.entry]);
    expect(await editorText(page)).toContain(cfg.solution[cfg.entry]!.split('\n')[1]!.trim());
  });

  it('marks a wrong API call as a type error and completes netlink-lab names', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await page.waitForSelector('[data-playground][data-types="ready"]', { timeout: 60_000 });
    await setCode(
      page,
      "import { socket, AF_NETLINK } from 'netlink-lab/user';\nawait socket('netlink', AF_NETLINK);\n",
    );
    await page.locator('[data-playground] .cm-lintRange-error').first().waitFor({ timeout: 20_000 });
    await page.locator('[data-playground] .cm-lintRange-error').first().hover();
    await expect
      .poll(async () => (await page.locator('.cm-tooltip-lint').allTextContents()).join(' '), { timeout: 10_000 })
      .toMatch(/Expected 3 arguments|not assignable/);
    // Completion inside an import list offers the module's exports.
    await setCode(page, "import { NETLINK_GEN } from 'netlink-lab/user';\n");
    await page.keyboard.press('ControlOrMeta+Home');
    for (let i = 0; i < 'import { NETLINK_GEN'.length; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Control+Space');
    await expect
      .poll(async () => (await page.locator('.cm-tooltip-autocomplete li').allTextContents()).join(' '), {
        timeout: 15_000,
      })
      .toContain('NETLINK_GENERIC');
  });

  it('shows messages byte by byte, the kernel trace, the kernel state and a timeline', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, USERSOCK_PING);
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('got 20 bytes');

    const messages = page.locator('[data-playground] [data-panel-body="messages"]').first();
    await messages.locator('.pg-msg-row').nth(1).waitFor();
    expect(await messages.locator('.pg-msg-row').count()).toBe(2);
    await messages.locator('.pg-msg-row').nth(1).click();
    expect(await messages.locator('.pg-msg-row').nth(1).getAttribute('aria-pressed')).toBe('true');
    expect(await messages.locator('.pg-f-label', { hasText: 'nlmsg_seq' }).count()).toBe(1);
    const payload = messages.locator('.pg-f').filter({ has: page.locator('.pg-f-label', { hasText: /^payload$/ }) });
    expect(await payload.locator('.pg-f-value').textContent()).toBe('"hi!"');
    // Hovering nlmsg_len lights its 4 bytes; hovering a payload byte lights the payload field.
    // The panel may redraw while the run's last events arrive: hover again until the drawn rows light.
    const lenLabel = messages.locator('.pg-f-label', { hasText: 'nlmsg_len' }).first();
    await expect
      .poll(async () => {
        await lenLabel.hover();
        return messages.locator('.pg-b.pg-hl').count();
      })
      .toBe(4);
    await expect
      .poll(async () => {
        await messages.locator('.pg-b[data-b="17"]').hover();
        return messages.locator('.pg-f.pg-hl .pg-f-label').allTextContents();
      })
      .toContain('payload');
    await page
      .locator('[data-playground]')
      .first()
      .screenshot({ path: `${SHOTS}/playground-messages-light.png` });

    await page
      .getByRole('tab', { name: /Kernel trace/ })
      .first()
      .click();
    const trace = page.locator('[data-playground] [data-panel-body="trace"]').first();
    await trace.locator('a.pg-tr-fn').first().waitFor();
    expect(await trace.locator('a.pg-tr-fn').first().getAttribute('href')).toMatch(/\/kernel\/.+\.ts\/#L\d+$/);

    await page
      .getByRole('tab', { name: /Kernel state/ })
      .first()
      .click();
    const state = page.locator('[data-playground] [data-panel-body="state"]').first();
    await state.locator('table').waitFor();
    expect(await state.locator('tbody tr').count()).toBeGreaterThanOrEqual(2);

    await page
      .getByRole('tab', { name: /Timeline/ })
      .first()
      .click();
    const timeline = page.locator('[data-playground] [data-panel-body="timeline"] svg').first();
    await timeline.waitFor();
    expect(await timeline.locator('rect').count()).toBeGreaterThan(0);
    expect(await timeline.locator('.pg-tl-tick').allTextContents()).toContain('1 s');
    await page
      .locator('[data-playground]')
      .first()
      .screenshot({ path: `${SHOTS}/playground-timeline-light.png` });
  });

  it("names the course's generic netlink family in the Messages panel: DOC_EXMPL, its command and its attribute", async () => {
    const page = await site.page(WIDE);
    await open(page, site.url('/lessons/generic-netlink/family-and-group/'));
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('family DOC_EXMPL');
    const messages = page.locator('[data-playground] [data-panel-body="messages"]').first();
    const echo = messages.locator('.pg-msg-row', { hasText: 'DOC_EXMPL: DOC_EXMPL_C_ECHO' }).first();
    await echo.waitFor({ timeout: 15_000 });
    await echo.click();
    expect(await messages.locator('.pg-f-label', { hasText: /^DOC_EXMPL_A_MSG$/ }).count()).toBe(1);
  });

  it("runs the lesson's checks; passing them all marks the lesson complete", async () => {
    const page = await site.page(WIDE);
    await open(page);
    const root = page.locator('[data-playground]').first();
    const id = await root.getAttribute('data-lesson-id');
    if (!(await root.locator('[data-checks]').count())) return;
    await page.getByRole('button', { name: 'Solution', exact: true }).first().click();
    await page.getByRole('button', { name: 'Use the solution' }).first().click();
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await root.locator('.pg-check.pg-pass, .pg-check.pg-fail').first().waitFor({ timeout: 30_000 });
    const failed = await root.locator('.pg-check.pg-fail').allTextContents();
    expect(failed, "the lesson's solution passes its own checks").toEqual([]);
    await root.locator('[data-complete]').waitFor({ state: 'visible' });
    expect(
      await page.evaluate(
        (lid) => JSON.parse(localStorage.getItem('netlink-lab:progress:v1') ?? '[]').includes(lid),
        id,
      ),
    ).toBe(true);
    await page.reload();
    await open(page);
    expect(await root.locator('[data-complete]').isVisible()).toBe(true);
  });

  it('passes axe after a run, on every panel and the solution diff, in light and dark', async () => {
    for (const theme of ['light', 'dark']) {
      const page = await site.page(WIDE);
      await page.addInitScript((t) => localStorage.setItem('netlink-lab:theme', t), theme);
      await open(page);
      await setCode(page, USERSOCK_PING);
      await page.keyboard.press('ControlOrMeta+Enter');
      await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('got 20 bytes');
      const violations: string[] = [];
      const scan = async (where: string) => {
        const r = await new AxeBuilder({ page }).include('[data-playground]').analyze();
        violations.push(
          ...r.violations.map(
            (v) =>
              `${theme} ${where}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 3)
                .join(' | ')}`,
          ),
        );
      };
      for (const tab of ['Messages', 'Kernel trace', 'Kernel state', 'Timeline']) {
        await page
          .getByRole('tab', { name: new RegExp(tab) })
          .first()
          .click();
        await scan(tab);
      }
      await page.getByRole('button', { name: 'Solution', exact: true }).first().click();
      await page.locator('[data-playground] [data-solution] .cm-editor').first().waitFor();
      await scan('solution');
      expect(violations).toEqual([]);
      await page.context().close();
    }
  });

  it('looks right in light and dark, wide and on a phone (screenshots)', { timeout: 240_000 }, async () => {
    for (const [name, opts] of [
      ['wide', WIDE],
      ['phone', PHONE],
    ] as const) {
      for (const theme of ['light', 'dark']) {
        const page = await site.page(opts);
        await page.addInitScript((t) => localStorage.setItem('netlink-lab:theme', t), theme);
        await open(page);
        await setCode(page, USERSOCK_PING);
        await page.keyboard.press('ControlOrMeta+Enter');
        await page.locator('[data-playground] .pg-msg-row').nth(1).click({ timeout: 15_000 });
        await page
          .locator('[data-playground]')
          .first()
          .screenshot({ path: `${SHOTS}/playground-${name}-${theme}.png` });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${name} ${theme}: no sideways scrolling`).toBeLessThanOrEqual(0);
        await page.context().close();
      }
    }
  });
});
