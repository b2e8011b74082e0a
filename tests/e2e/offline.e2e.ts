/**
 * Offline use (issue 13): the site's service worker (Workbox, through @vite-pwa/astro) keeps a visited
 * lesson, its scripts and its simulated kernel, so a reload without network still runs programs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSite, type Site } from './browser.ts';

const LESSON = '/lessons/raw-netlink/first-socket/';
let site: Site;
beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

describe('offline', () => {
  it('a lesson visited once reloads and runs its program with the network gone', async () => {
    const page = await site.page({ viewport: { width: 1440, height: 900 } });
    await page.goto(site.url(LESSON));
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
    // The service worker is registered when the page is idle, precaches the site's scripts and
    // keeps this page and the kernel.
    await page.waitForFunction(
      () => document.documentElement.dataset.offline === 'ready' && !!navigator.serviceWorker.controller,
      undefined,
      { timeout: 90_000 },
    );

    await page.context().setOffline(true);
    const served = site.server.requests.length;
    await page.reload();
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
    await page.waitForSelector('[data-playground][data-editor="ready"]', { timeout: 60_000 });
    await page.locator('[data-playground] .cm-content').first().click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(
      "import { socket, close, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';\nconst fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);\nconsole.log('offline fd', fd);\nawait close(fd);\n",
    );
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    const out = page.locator('[data-playground] [role="log"][aria-label="Program output"]').first();
    await expect.poll(() => out.innerText(), { timeout: 30_000 }).toContain('offline fd 3');
    // Nothing reached the server while offline: it all came from the service worker's caches.
    // (The browser's own update check of the service worker script is not covered by Playwright's
    // offline emulation, so those two files are left out.)
    expect(site.server.requests.slice(served).filter((r) => !/^\/(sw|workbox-[\w-]+)\.js$/.test(r.path))).toEqual([]);
    expect(page.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(e))).toEqual([]);
    await page.context().setOffline(false);
  });
});
