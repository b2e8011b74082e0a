/**
 * The learner's experience (issue 13), in Chromium on the built site: the editor beside the prose,
 * graded hints, share links that never overwrite, output delivered as printed and cut honestly,
 * panels that tell the truth, checks that a program cannot forge, and the keyboard help (a global
 * Run shortcut, a skip link to the editor, error locations that jump to the line).
 *
 * Each test here failed on the site as it was before the fix (run it on an older build with
 * NETLINK_LAB_DIST=that/dist to see).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site, type TestPage } from './browser.ts';

const WIDE = { viewport: { width: 1440, height: 900 } };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
/** Lesson 2.1: a playground, two files, checks. */
const LESSON = '/lessons/raw-netlink/first-socket/';

let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

/** Open a lesson and wait until Run works and the editor is up. */
async function open(page: TestPage, url = site.url(LESSON)) {
  await page.goto(url);
  await page.locator('[data-playground]').first().scrollIntoViewIfNeeded();
  await page.waitForSelector('[data-playground][data-editor="ready"]', { timeout: 30_000 });
  await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 30_000 });
  return page.locator('[data-playground]').first();
}

async function setCode(page: TestPage, code: string) {
  await page.locator('[data-playground] .cm-content').first().click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(code);
}

const output = (page: TestPage) => page.locator('[data-playground] [role="log"][aria-label="Program output"]').first();
const editorText = (page: TestPage) =>
  page
    .locator('[data-playground] .cm-content')
    .first()
    .evaluate((el) => (el as HTMLElement).innerText);
const savedCode = (page: TestPage, id: string) =>
  page.evaluate(
    (k) =>
      (
        JSON.parse(localStorage.getItem(`netlink-lab:code:v1:${k}`) ?? 'null') as {
          files: Record<string, string>;
        } | null
      )?.files,
    id,
  );
const lessonId = async (page: TestPage) =>
  (await page.locator('[data-playground]').first().getAttribute('data-lesson-id'))!;

async function run(page: TestPage) {
  await page.getByRole('button', { name: 'Run', exact: true }).first().click();
}
/** Wait until the run ended (the Stop button is disabled again and data-running is gone). */
async function ended(page: TestPage) {
  await page.waitForFunction(
    () => !document.querySelector('[data-playground]')?.hasAttribute('data-running'),
    undefined,
    { timeout: 30_000 },
  );
}

/**
 * Wait until the playground has done everything it does on load: the kernel's worker is ready (it
 * then writes 'Ready' in the status line), the editor is up, and the language service has started
 * or failed (the last part, loaded when the browser is idle). After this, nothing the page
 * scheduled at load is left to overwrite what it shows.
 */
async function loaded(page: TestPage) {
  await page.waitForSelector('[data-playground][data-ready="true"][data-editor="ready"][data-types]', {
    timeout: 60_000,
  });
}

/** Serve the lesson with its checks replaced by `checks` (the source of a checks.ts). */
async function withChecks(page: TestPage, checks: string) {
  await page.route(site.url(LESSON), async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace(
      /(<script[^>]*data-playground-config[^>]*>)([\s\S]*?)(<\/script>)/,
      (_m, a: string, json: string, c: string) => {
        const cfg = JSON.parse(json) as { checks: string | null };
        cfg.checks = checks;
        return a + JSON.stringify(cfg).replace(/</g, '\\u003c') + c;
      },
    );
    await route.fulfill({ response: res, body: html });
  });
}

/** A share link's fragment value for `lessonId` and `files` (the site's own format). */
async function shareValue(page: TestPage, id: string, files: Record<string, string>): Promise<string> {
  return page.evaluate(
    async ([l, f]) => {
      const json = new TextEncoder().encode(JSON.stringify({ v: 1, l, f }));
      const packed = new Uint8Array(
        await new Response(
          new Blob([json as BlobPart]).stream().pipeThrough(new CompressionStream('deflate-raw')),
        ).arrayBuffer(),
      );
      let s = '';
      for (let i = 0; i < packed.length; i += 0x8000) s += String.fromCharCode(...packed.subarray(i, i + 0x8000));
      return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    },
    [id, files] as const,
  );
}

const inView = (page: TestPage, sel: string) =>
  page
    .locator(sel)
    .first()
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.top >= 0 && r.top < innerHeight - 40 && r.height > 0;
    });

describe('layout', () => {
  it('on a 1440×900 screen the editor is beside the prose, in view at once and while the prose scrolls', async () => {
    const page = await site.page(WIDE);
    await page.goto(site.url(LESSON));
    await page.waitForSelector('[data-playground] [data-editor]');
    expect(await inView(page, '[data-playground] [data-editor]')).toBe(true);
    const prose = await page.locator('.prose').first().boundingBox();
    const editor = await page.locator('[data-playground] [data-editor]').first().boundingBox();
    expect(editor!.x).toBeGreaterThan(prose!.x + prose!.width - 1);
    await page.evaluate(() => scrollTo(0, 2500));
    await expect.poll(() => page.evaluate(() => scrollY)).toBeGreaterThan(2000);
    expect(await inView(page, '[data-playground] [data-editor]')).toBe(true);
    // The split moves with the keyboard, and the editor gets the room.
    const sep = page.getByRole('separator', { name: /Width of the lesson text/ });
    await sep.focus();
    const before = editor!.width;
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowLeft');
    await expect
      .poll(async () => (await page.locator('[data-playground] [data-editor]').first().boundingBox())!.width)
      .toBeGreaterThan(before + 50);
  });

  it('on a phone, "On this page" does not fill the first screen and "Try it" leads to the editor', async () => {
    const page = await site.page(PHONE);
    await page.goto(site.url(LESSON));
    const toc = await page.getByRole('navigation', { name: 'On this page' }).boundingBox();
    expect(toc!.height).toBeLessThan(844 / 4);
    const tryIt = page.getByRole('link', { name: /Try it/ }).first();
    expect(await inView(page, 'a[data-try-jump]')).toBe(true);
    await tryIt.click();
    await page.waitForSelector('[data-playground][data-editor="ready"]', { timeout: 30_000 });
    await expect.poll(() => page.evaluate(() => !!document.activeElement?.closest('.cm-editor'))).toBe(true);
    expect(await inView(page, '[data-playground] .cm-editor')).toBe(true);
  });
});

describe('graded hints', () => {
  it('a failing check offers its hints one at a time, from the keyboard', async () => {
    const page = await site.page(WIDE);
    await withChecks(
      page,
      "export default () => [{ name: 'sends a message', pass: false, message: 'No sendto was seen.', hints: ['Nothing was sent.', 'Look at sendto(2).', 'Call sendto with the socket.'] }];",
    );
    const root = await open(page);
    await setCode(page, "console.log('hi');\n");
    await run(page);
    const btn = root.getByRole('button', { name: 'Show a hint (1 of 3)' });
    await btn.waitFor({ timeout: 30_000 });
    expect(await root.locator('.pg-checks').textContent()).not.toContain('Look at sendto');
    await btn.focus();
    await page.keyboard.press('Enter');
    expect(await root.locator('.pg-checks').textContent()).toContain('Hint 1 of 3: Nothing was sent.');
    expect(await root.locator('.pg-checks').textContent()).not.toContain('Look at sendto');
    await root.getByRole('button', { name: 'Next hint (2 of 3)' }).focus();
    await page.keyboard.press('Enter');
    expect(await root.locator('.pg-checks').textContent()).toContain('Hint 2 of 3: Look at sendto(2).');
    await root.getByRole('button', { name: 'Next hint (3 of 3)' }).focus();
    await page.keyboard.press('Enter');
    expect(await root.locator('.pg-checks').textContent()).toContain('Hint 3 of 3: Call sendto with the socket.');
    expect(await root.getByRole('button', { name: /hint/i }).count()).toBe(0);
  });
});

describe('share links never lose work', () => {
  it('open as a view of their own: the saved code stays, the hash leaves the URL, Back and Keep work', async () => {
    const page = await site.page(WIDE);
    await open(page);
    const id = await lessonId(page);
    await setCode(page, "// my own work 4242\nconsole.log('mine');\n");
    await expect.poll(() => savedCode(page, id).then((f) => f?.['main.ts'])).toContain('my own work 4242');
    const value = await shareValue(page, id, { 'main.ts': "// from a friend 777\nconsole.log('theirs');\n" });
    await page.goto('about:blank');
    await open(page, `${site.url(LESSON)}#code=${value}`);
    await expect.poll(() => editorText(page)).toContain('from a friend 777');
    expect(new URL(page.url()).hash).toBe('');
    const notice = page.locator('[data-playground] [data-notice]');
    expect(await notice.textContent()).toMatch(/shared link/);
    // Editing the shared code does not touch what was saved.
    await page.locator('[data-playground] .cm-content').first().click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.insertText('// edited\n');
    // The editor hands each edit to the playground as it happens; a save would be scheduled then
    // (data-save="pending") and written once the typing pauses. Wait until that has settled.
    await expect.poll(() => editorText(page)).toContain('// edited');
    await page.waitForSelector('[data-playground][data-save]:not([data-save="pending"])', { timeout: 10_000 });
    expect(await page.locator('[data-playground]').first().getAttribute('data-save')).toBe('held');
    expect((await savedCode(page, id))?.['main.ts']).toContain('my own work 4242');
    await page.getByRole('button', { name: 'Back to my code' }).click();
    await expect.poll(() => editorText(page)).toContain('my own work 4242');
    // A reload does not bring the link's code back.
    await page.reload();
    await open(page);
    await expect.poll(() => editorText(page)).toContain('my own work 4242');
    // Keep: the shared code becomes the learner's.
    await open(page, `${site.url(LESSON)}#code=${value}`);
    await expect.poll(() => editorText(page)).toContain('from a friend 777');
    await page.getByRole('button', { name: 'Keep this code' }).click();
    await expect.poll(() => savedCode(page, id).then((f) => f?.['main.ts'])).toContain('from a friend 777');
    expect(page.errors).toEqual([]);
  });

  it('a small link that inflates to 100 MB is refused without hurting the tab, and the error stays', async () => {
    const page = await site.page(WIDE);
    await open(page);
    const id = await lessonId(page);
    const value = await page.evaluate(async (l) => {
      const head = new TextEncoder().encode(`{"v":1,"l":${JSON.stringify(l)},"f":{"main.ts":"`);
      const cs = new CompressionStream('deflate-raw');
      const w = cs.writable.getWriter();
      const out = new Response(cs.readable).arrayBuffer();
      void w.write(head as BufferSource);
      const spaces = new Uint8Array(1 << 20).fill(32);
      for (let i = 0; i < 100; i++) void w.write(spaces);
      void w.write(new TextEncoder().encode('"}}') as BufferSource);
      void w.close();
      const packed = new Uint8Array(await out);
      let s = '';
      for (let i = 0; i < packed.length; i += 0x8000) s += String.fromCharCode(...packed.subarray(i, i + 0x8000));
      return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    }, id);
    expect(value.length).toBeLessThan(200_000);
    await page.goto('about:blank');
    await open(page, `${site.url(LESSON)}#code=${value}`);
    const notice = page.locator('[data-playground] [data-notice]');
    await expect.poll(() => notice.textContent(), { timeout: 15_000 }).toMatch(/more than 1 MiB/);
    await loaded(page);
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toMatch(/more than 1 MiB/);
    expect(await editorText(page)).not.toMatch(/^\s{1000}/);
  });

  it('a damaged link says so and the message stays; a link for another lesson says which', async () => {
    const page = await site.page(WIDE);
    await open(page);
    const id = await lessonId(page);
    const good = await shareValue(page, id, { 'main.ts': 'console.log(1);\n' });
    await page.goto('about:blank');
    await open(page, `${site.url(LESSON)}#code=${good.slice(0, -6)}`);
    const notice = page.locator('[data-playground] [data-notice]');
    await expect.poll(() => notice.textContent(), { timeout: 10_000 }).toMatch(/damaged/);
    await loaded(page);
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toMatch(/damaged/);

    const other = await shareValue(page, '04-generic-netlink/01-family-and-group', {
      'main.ts': '// for another lesson\n',
    });
    await page.goto('about:blank');
    await open(page, `${site.url(LESSON)}#code=${other}`);
    await expect
      .poll(() => notice.textContent(), { timeout: 10_000 })
      .toMatch(/another lesson \(generic-netlink\/family-and-group\)/);
    expect(await editorText(page)).not.toContain('for another lesson');
    expect(await notice.getByRole('link', { name: 'Open it in that lesson' }).getAttribute('href')).toMatch(
      /\/lessons\/generic-netlink\/family-and-group\/#code=/,
    );
  });
});

describe('output as printed', () => {
  it('keeps every line printed before a CPU-bound hang when the learner presses Stop', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "for (let i = 1; i <= 19; i++) console.log('step', i);\nfor (;;) {}\n");
    await run(page);
    // Every line reaches the page as it is printed, while the program spins (a worker that held
    // them back until it yields never shows the last ones, and this wait fails).
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('step 19');
    expect(await page.locator('[data-playground]').first().getAttribute('data-running')).toBe('true');
    await page.getByRole('button', { name: 'Stop', exact: true }).first().click();
    await expect.poll(() => output(page).textContent(), { timeout: 5_000 }).toContain('Stopped.');
    const text = (await output(page).textContent())!;
    for (let i = 1; i <= 19; i++) expect(text).toContain(`step ${i}`);
  });

  it('cuts a flood of 100,000 lines honestly: the first lines, a note naming the lines left out, and the last line', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "for (let i = 1; i <= 100000; i++) console.log('line ' + i);\n");
    await run(page);
    await ended(page);
    const lines = (await output(page).locator('.pg-line').allInnerTexts()).map((l) => l.trim());
    expect(lines[0]).toBe('line 1');
    expect(lines).toContain('line 2000');
    expect(lines).not.toContain('line 2001');
    expect(lines).toContain('line 99001');
    expect(lines.at(-1)).toBe('line 100000');
    const note = lines.find((l) => /left out/.test(l))!;
    expect(note).toMatch(/lines 2,001–99,000 \(97,000 lines\) are left out/);
    expect(note).toMatch(/1–2,000 above and 99,001–100,000 below/);
  });
});

/** A program that makes a refused send, a good one, a truncated receive, and autobinds. */
const PANELS_PROGRAM = [
  "import { socket, bind, sendto, recvfrom, getsockname, nlmsg, bytes, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, MSG_TRUNC } from 'netlink-lab/user';",
  'const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  'await bind(a, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });',
  'const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  "try { await sendto(b, nlmsg({ type: 0x10, payload: bytes('nobody', true) }), 0, { nl_family: AF_NETLINK, nl_pid: 4321, nl_groups: 0 }); } catch (e) { console.log('refused', (e as Error).message); }",
  "await sendto(b, nlmsg({ type: 0x10, payload: bytes('a longer greeting for port 100', true) }), 0, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });",
  'const { n } = await recvfrom(a, new Uint8Array(20), MSG_TRUNC);',
  "console.log('recv returned', n);",
  '// b was autobound to the process id; a second autobind gets a negative port id, as in Linux.',
  'const d = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
  'await bind(d, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });',
  "console.log('d is port', (await getsockname(d)).nl_pid >>> 0);",
  'await new Promise(() => {}); // keep the sockets for the state panel',
  '',
].join('\n');

describe('panels that tell the truth', () => {
  it('Messages lists the refused send with its errno, labels a MSG_TRUNC cut, and says who sent nlmsg_pid 0', async () => {
    const page = await site.page(WIDE);
    const root = await open(page);
    await setCode(
      page,
      PANELS_PROGRAM.replace('await new Promise(() => {}); // keep the sockets for the state panel\n', ''),
    );
    await run(page);
    await ended(page);
    const panel = root.locator('[data-panel-body="messages"]');
    const rows = panel.locator('.pg-msg-row');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(0).textContent()).toMatch(/failed: ECONNREFUSED/);
    // Every syscall is listed, the ones without a datagram too (socket, bind).
    expect(await panel.textContent()).toMatch(/bind.*= 0/);
    await rows.nth(0).click();
    expect(await panel.locator('.pg-msg-head').textContent()).toMatch(/ECONNREFUSED/);
    expect(await panel.locator('.pg-msg-detail').textContent()).not.toMatch(
      /\(0: the kernel\)|the kernel \(port id 0\) sent/,
    );
    await rows.nth(2).click();
    const detail = (await panel.locator('.pg-msg-detail').textContent())!;
    expect(await rows.nth(2).textContent()).toMatch(/cut by MSG_TRUNC/);
    expect(detail).toMatch(/MSG_TRUNC/);
    expect(detail).not.toMatch(/the kernel ignores/);
  });

  it('names errnos in the trace, prints autobound port ids unsigned, and keeps checks after a run that never started', async () => {
    const page = await site.page(WIDE);
    await withChecks(
      page,
      "export default ({ output }) => [{ name: 'said ok', pass: output.includes('ok'), message: 'looked for ok' }];",
    );
    const root = await open(page);
    await setCode(page, PANELS_PROGRAM);
    await run(page);
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('d is port');
    const port = /d is port (\d+)/.exec((await output(page).textContent())!)![1]!;
    expect(Number(port)).toBeGreaterThan(2 ** 31);
    await root.getByRole('tab', { name: /Kernel trace/ }).click();
    await expect.poll(() => root.locator('[data-panel-body="trace"]').textContent()).toMatch(/= -111 ECONNREFUSED/);
    // Kernel trace links open beside the lesson.
    expect(await root.locator('[data-panel-body="trace"] a.pg-tr-fn').first().getAttribute('target')).toBe('_blank');
    await root.getByRole('tab', { name: /Kernel state/ }).click();
    await expect.poll(() => root.locator('[data-panel-body="state"]').textContent()).toContain(port);
    await page.getByRole('button', { name: 'Stop', exact: true }).first().click();

    await setCode(page, "console.log('ok');\n");
    await run(page);
    await root.locator('.pg-check.pg-pass').waitFor({ timeout: 30_000 });
    await setCode(page, 'const x = ;\n');
    await run(page);
    await ended(page);
    await expect.poll(() => output(page).textContent()).toMatch(/Syntax error/);
    // A run's checks are judged after it exits; the list is aria-busy from the run's record
    // (sent before its exit) until they come back. A run that never started sends no record.
    await expect.poll(() => root.locator('[data-check-list]').getAttribute('aria-busy')).toBeNull();
    expect(await root.locator('[data-status]').textContent()).toMatch(/did not start.*checks were not run again/);
    expect(await root.locator('.pg-check.pg-pass').count()).toBe(1);
    expect(await root.locator('.pg-check.pg-fail').count()).toBe(0);
  });

  it('gives a runtime error the column of the source line, and its location jumps there', async () => {
    const page = await site.page(WIDE);
    const root = await open(page);
    const line = 'const b: number = (a as any).x.y;';
    await setCode(page, `const a: Record<string, number> = {};\n${line}\n`);
    await run(page);
    await ended(page);
    const col = line.lastIndexOf('y') + 1;
    await expect.poll(() => output(page).textContent()).toContain(`main.ts:2:${col}`);
    await page.locator('main').first().focus();
    await root.getByRole('button', { name: `Go to main.ts:2:${col}` }).click();
    const at = await page.evaluate(() => {
      const sel = getSelection()!;
      const lineEl = sel.anchorNode?.parentElement?.closest('.cm-line');
      return { inEditor: !!document.activeElement?.closest('.cm-editor'), line: lineEl?.textContent };
    });
    expect(at.inEditor).toBe(true);
    expect(at.line).toBe(line);
  });
});

describe('checks cannot be forged', () => {
  it('a program posting "checks passed" itself, or bending the built-ins, does not pass the lesson', async () => {
    const page = await site.page(WIDE);
    const root = await open(page);
    const id = await lessonId(page);
    await setCode(
      page,
      [
        "const fake = [{ name: 'everything', pass: true, message: 'faked' }];",
        'for (let runId = 0; runId < 50; runId++) {',
        "  (globalThis as any).postMessage({ type: 'checks', runId, results: fake });",
        "  (globalThis as any).postMessage({ type: 'exit', runId, status: 'ok', time: 0, wallMs: 0 });",
        '}',
        '// Checks run where the program ran would now find the greeting in any output.',
        'String.prototype.includes = () => true;',
        "console.log('done');",
        '',
      ].join('\n'),
    );
    await run(page);
    await root.locator('.pg-check.pg-fail').first().waitFor({ timeout: 30_000 });
    expect(await root.locator('.pg-check').allTextContents()).not.toContain('everything — faked');
    expect(await root.locator('[data-complete]').isVisible()).toBe(false);
    expect(await page.evaluate((k) => localStorage.getItem(`netlink-lab:progress:v1`) ?? '', id)).not.toContain(id);
  });
});

describe('keyboard help', () => {
  it('Ctrl+Enter runs from anywhere on the lesson page, and the skip link leads into the editor', async () => {
    const page = await site.page(WIDE);
    await open(page);
    await setCode(page, "console.log('run from afar');\n");
    await page.locator('h1').click();
    expect(await page.evaluate(() => !!document.activeElement?.closest('.cm-editor'))).toBe(false);
    await page.keyboard.press('ControlOrMeta+Enter');
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('run from afar');

    await page.goto(site.url(LESSON));
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to the editor' });
    expect(await skip.evaluate((a) => a === document.activeElement)).toBe(true);
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate(() => !!document.activeElement?.closest('.cm-editor')), { timeout: 30_000 })
      .toBe(true);
  });

  it('completes a netlink-lab name not imported yet and adds the import; a type error warns at Run', async () => {
    const page = await site.page(WIDE);
    const root = await open(page);
    await page.waitForSelector('[data-playground][data-types="ready"]', { timeout: 60_000 });
    await setCode(
      page,
      "import { socket } from 'netlink-lab/user';\nconst fd = await socket(16, 3, 2);\nawait getsockna",
    );
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'getsockname' }).first();
    await option.waitFor({ timeout: 15_000 });
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+Space');
    await option.waitFor({ timeout: 15_000 });
    await option.click();
    await expect.poll(() => editorText(page)).toContain("import { socket, getsockname } from 'netlink-lab/user';");
    expect(await editorText(page)).toContain('await getsockname');

    await setCode(
      page,
      "import { socket } from 'netlink-lab/user';\nconst n: string = await socket(16, 3, 2);\nconsole.log('ran', n);\n",
    );
    await expect.poll(() => root.locator('.cm-lintRange-error').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await run(page);
    await expect.poll(() => output(page).textContent(), { timeout: 15_000 }).toContain('ran');
    expect(await output(page).textContent()).toMatch(
      /1 type error \(the program runs anyway\): main\.ts:2: Type 'number' is not assignable to type 'string'/,
    );
  });
});

describe('API reference', () => {
  it('lists every export of netlink-lab/user and netlink-lab/kernel with its signature and documentation', async () => {
    const page = await site.page(WIDE);
    await page.goto(site.url('/api/'));
    const sendto = page.locator('[id="netlink-lab-user-sendto"]');
    expect(await sendto.textContent()).toMatch(/sendto\(fd: number, buf: Uint8Array.*Promise<number>/s);
    expect(await sendto.textContent()).toMatch(/send one datagram/);
    expect(await page.locator('[id="netlink-lab-kernel-netlink_kernel_create"]').count()).toBe(1);
    expect(page.errors).toEqual([]);
  });
});

describe('memory limit', () => {
  it('stops a program that allocates without bound, names the limit, and the next run works', {
    timeout: 300_000,
  }, async () => {
    const page = await site.page(WIDE);
    await open(page);
    // Grows an array of arrays for ever, yielding now and then (the watchdog never fires).
    await setCode(
      page,
      "console.log('growing');\nconst a: number[][] = [];\nfor (let i = 0; ; i++) {\n  a.push(new Array(1000).fill(i));\n  if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0));\n}\n",
    );
    await run(page);
    await expect
      .poll(() => output(page).innerText(), { timeout: 90_000 })
      .toMatch(/used more than 256 MiB of memory, the limit of one run/);
    await ended(page);
    expect(await output(page).innerText()).toContain('growing');
    expect(await output(page).innerText()).not.toMatch(/without ever pausing/);
    expect(await page.locator('[data-playground] [data-status]').first().innerText()).toMatch(/256 MiB/);

    // A huge ArrayBuffer is refused at once.
    await setCode(
      page,
      "console.log('before');\nconst b = new ArrayBuffer(2 ** 31);\nconsole.log('after', b.byteLength);\n",
    );
    await run(page);
    await expect.poll(() => output(page).innerText(), { timeout: 30_000 }).toMatch(/used more than 256 MiB of memory/);
    await ended(page);
    expect(await output(page).innerText()).not.toContain('after');

    // The page is still usable and the next run works.
    await setCode(page, "console.log('fine', 6 * 7);\n");
    await run(page);
    await ended(page);
    expect(await output(page).innerText()).toContain('fine 42');
    expect(page.errors).toEqual([]);
  });
});

describe('editor help links to the API reference', () => {
  it('hovering a netlink-lab/user function shows its documentation and a link to its entry on /api/', async () => {
    // The reference's own text for socket(): the hover must show the same documentation. Read
    // first, in a tab closed before the hover, so the hover's tab is the only one at work.
    const ref = await site.page(WIDE);
    await ref.goto(site.url('/api/'));
    const refDoc = (await ref.locator('[id="netlink-lab-user-socket"] p').first().innerText()).trim();
    expect(refDoc.length).toBeGreaterThan(20);
    await ref.context().close();
    const page = await site.page(WIDE);
    await open(page);
    await page.waitForSelector('[data-playground][data-types="ready"]', { timeout: 60_000 });
    await setCode(
      page,
      "import { socket, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';\nconst fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);\n",
    );
    await page.keyboard.press('Escape');

    const box = await page
      .locator('[data-playground] .cm-line')
      .nth(1)
      .evaluate((line) => {
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = n.textContent!.indexOf('socket');
          if (i < 0) continue;
          const r = document.createRange();
          r.setStart(n, i + 2);
          r.setEnd(n, i + 3);
          const b = r.getBoundingClientRect();
          return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
        }
        return null;
      });
    expect(box).not.toBeNull();
    const tip = page.locator('.cm-tooltip-hover');
    await expect.poll(() => page.errors).toEqual([]);
    await expect
      .poll(
        async () => {
          // Away and back: each visit is a fresh hover (the first may come before the worker has
          // the new text, and its empty answer is not asked again while the pointer stays).
          await page.mouse.move(5, 5);
          await page.mouse.move(box!.x, box!.y + 1);
          await page.mouse.move(box!.x, box!.y);
          // The tooltip appears when the worker's answer comes; an empty answer shows nothing at
          // all (no event to wait on), hence a deadline for each visit.
          await tip
            .first()
            .waitFor({ timeout: 2_000 })
            .catch(() => undefined);
          return tip.count();
        },
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    const text = (await tip.first().innerText()).replace(/\s+/g, ' ');
    expect(text).toMatch(/socket\(domain: number, type: number, protocol: number\): Promise<number>/);
    expect(text).toContain(refDoc.replace(/\s+/g, ' ').slice(0, 60));
    const link = tip.first().getByRole('link', { name: /socket in the API reference/ });
    const target = await link.getAttribute('href');
    expect(target).toMatch(/\/api\/#netlink-lab-user-socket$/);
    const ref2 = await site.page(WIDE);
    await ref2.goto(new URL(target!, site.url('/')).href);
    expect(await ref2.locator(':target').first().getAttribute('id')).toBe('netlink-lab-user-socket');

    // A completion of a netlink-lab name carries the same link.
    await page.locator('[data-playground] .cm-content').first().click();
    await page.keyboard.press('ControlOrMeta+End');
    await page.keyboard.insertText('\nawait getsockna');
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'getsockname' }).first();
    await option.waitFor({ timeout: 15_000 });
    const info = page.locator('.cm-completionInfo a', { hasText: /getsockname in the API reference/ });
    await info.waitFor({ timeout: 15_000 });
    expect(await info.getAttribute('href')).toMatch(/\/api\/#netlink-lab-user-getsockname$/);
    expect(page.errors).toEqual([]);
  });
});
