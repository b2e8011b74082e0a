/**
 * "Linux in your browser" in Chromium: a lesson page loads nothing of it until the learner picks
 * it; picked, it loads v86 and the saved machine (with a progress report), runs the lesson's
 * solution on that real kernel, and the comparison with the simulator finds the same syscalls;
 * the output is the simulator's. The Terminal panel then opens a shell on the same machine.
 * The Kernel state panel then shows the in-browser kernel's /proc/net/netlink and /proc/modules.
 * Needs the built site (`npm run build`, after `npm run v86:build` put public/v86 in it) and Chromium.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, SITE_DIR, type Site } from './browser.ts';
import { encodeShare } from '../../src/components/playground/share.ts';
import { loadLessons } from '../lessons/load-lessons.ts';

const LESSON = '/lessons/raw-netlink/first-socket/';
const LESSON_ID = '02-raw-netlink/01-first-socket';

describe('Linux in your browser (v86)', () => {
  let site: Site;
  beforeAll(async () => {
    if (!existsSync(join(SITE_DIR, 'v86', 'state.bin.zst'))) {
      throw new Error(
        `${SITE_DIR}/v86/state.bin.zst is missing: run \`npm run v86:build\`, then build the site (npm run build).`,
      );
    }
    site = await openSite();
  });
  afterAll(async () => {
    await site?.close();
  });

  it('loads only when picked, runs the solution on a real kernel, and matches the simulator', async () => {
    // The lesson's solution as the page has it (solution/ over code/, with the library's module.ts),
    // shared by URL as a learner would have it in the editor.
    const lesson = loadLessons().find((l) => l.id === LESSON_ID)!;
    const files = lesson.solution as Record<string, string>;
    expect(Object.keys(files)).toContain('module.ts');
    const code = await encodeShare({ lessonId: LESSON_ID, files });
    const page = await site.page();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(site.url(`${LESSON}#code=${code}`));
    await expect
      .poll(() => page.locator('[data-playground]').getAttribute('data-ready'), { timeout: 60_000 })
      .toBe('true');
    // Nothing of v86 before the learner picks it.
    expect(requests.filter((u) => /\/v86\/|libv86|runtime\/v86|page\.ts/.test(u))).toEqual([]);

    // On the simulator first: its output is what the real kernel must print too.
    const output = page.locator('[data-output]');
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    await expect
      .poll(() => page.locator('[data-playground]').getAttribute('data-running'), { timeout: 60_000 })
      .not.toBe('true');
    const simOutput = await output.innerText();
    expect(simOutput.trim()).not.toBe('');
    // The program ran (it once failed to import ./module.ts here, on both kernels alike).
    expect(simOutput).not.toMatch(/Uncaught|Error/);

    await page.locator('[data-kernel-switch] input[value=browser]').check({ force: true });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const box = page.locator('[data-compare]');
    await expect.poll(() => box.getAttribute('data-state'), { timeout: 110_000 }).toMatch(/identical|different|error/);
    expect(await box.innerText()).toMatch(/answered alike: [1-9]\d* syscalls/);
    expect(await box.getAttribute('data-state')).toBe('identical');
    expect(requests.some((u) => u.endsWith('/v86/state.bin.zst'))).toBe(true);
    // Each line's process label carries its pid, which differs between kernels (the guest's start at
    // 4096, like the VM's): the rest is the same.
    const withoutPids = (text: string) => text.replace(/^(\S+) \d+$/gm, '$1 <pid>');
    expect(withoutPids(await output.innerText())).toBe(withoutPids(simOutput));
    // Kernel state comes from the in-browser kernel's /proc: the sockets after each syscall.
    const pg = page.locator('[data-playground]').first();
    await pg.getByRole('tab', { name: /Kernel state/ }).click();
    const state = pg.locator('[data-panel-body="state"]');
    await expect
      .poll(() => state.innerText(), { timeout: 10_000 })
      .toContain("Sockets (the real kernel's /proc/net/netlink)");
    expect(await state.innerText()).toMatch(/Modules \(\/proc\/modules\)/);

    // The terminal opens a shell on the same machine (no relay configured).
    await page.getByRole('button', { name: 'Open terminal' }).click();
    await page.getByRole('button', { name: 'Open a shell on Linux in your browser' }).click();
    const panel = page.locator('[data-terminal]');
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    await page.locator('.xterm').click();
    await page.keyboard.type('uname -m; echo done-$((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('.xterm-rows').innerText(), { timeout: 30_000 }).toMatch(/i686\s*\ndone-42/);
    expect(page.errors).toEqual([]);
  });
});
