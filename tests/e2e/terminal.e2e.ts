/**
 * The lesson terminal in Chromium against a real relay and VM: without a relay it says how to start
 * one; with a relay that does not accept the page it names the flag; with the relay's URL in the
 * address it boots a VM, and `cat /proc/net/netlink` typed on the keyboard prints the kernel's table.
 * Needs the built site (`npm run build`), Chromium and the VM image (`npm run vm:build`).
 */
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openSite, type Site } from './browser.ts';
import { relayQemuPids, spawnRelay, waitFor, type RelayProcess } from '../vm/relay-helpers.ts';
import { encodeShare } from '../../src/components/playground/share.ts';

const LESSON = '/lessons/raw-netlink/first-socket/';
const STORAGE_KEY = 'netlink-lab:vm-relay';

/** Start the page with `url` as the learner's remembered relay (as if pasted on an earlier visit). */
async function rememberInPage(page: Page, url: string): Promise<void> {
  await page.addInitScript(
    ([k, u]) => {
      if (!localStorage.getItem(k!)) localStorage.setItem(k!, u!);
    },
    [STORAGE_KEY, url],
  );
}

/** A TCP port where nothing listens (taken, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('lesson terminal', () => {
  let site: Site;
  let relay: RelayProcess;

  beforeAll(async () => {
    site = await openSite();
    relay = await spawnRelay(['--origin', site.server.origin]);
  });
  afterAll(async () => {
    await site?.close();
    relay?.child.kill('SIGTERM');
    await relay?.exited;
    if (relay) expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it('loads xterm only when opened, and says how to start the relay when there is none', async () => {
    const page = await site.page();
    const scripts: string[] = [];
    page.on('request', (r) => scripts.push(r.url()));
    await page.goto(site.url(LESSON));
    const panel = page.locator('[data-terminal]');
    await expect.poll(() => panel.getAttribute('data-state')).toBe('closed');
    expect(scripts.filter((u) => /xterm/.test(u))).toEqual([]);
    await page.getByRole('button', { name: 'Open terminal' }).click();
    await expect.poll(() => panel.getAttribute('data-state')).toBe('setup');
    // Without a relay nothing is there to show: xterm is still not loaded.
    expect(scripts.filter((u) => /xterm/.test(u))).toEqual([]);
    await expect.poll(() => panel.locator('[data-term-setup]').innerText()).toContain('npm run vm');
    // A URL where nothing listens: the panel says so.
    const port = await freePort();
    await page.getByLabel('Relay URL').fill(`ws://127.0.0.1:${port}/?token=abc`);
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect
      .poll(() => panel.locator('[data-term-error]').innerText(), { timeout: 10_000 })
      .toContain(`No relay answers at 127.0.0.1:${port}`);
    // Not a relay URL at all.
    await page.getByLabel('Relay URL').fill('http://example.com');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => panel.locator('[data-term-error]').innerText()).toMatch(/starts with ws:\/\//);
    // The browser itself logs the refused /health request; nothing else may go wrong.
    expect(page.errors.filter((e) => !e.includes(`ERR_CONNECTION_REFUSED (http://127.0.0.1:${port}/health`))).toEqual(
      [],
    );
  });

  it('names the --origin flag when the relay does not accept the page', async () => {
    const other = await spawnRelay();
    try {
      const page = await site.page();
      await page.goto(site.url(`${LESSON}?relay=${encodeURIComponent(other.url)}`));
      await page.getByRole('button', { name: 'Open terminal' }).click();
      await page.getByRole('button', { name: 'Use it on this page' }).click();
      const panel = page.locator('[data-terminal]');
      await expect
        .poll(() => panel.locator('[data-term-error]').innerText(), { timeout: 10_000 })
        .toContain(`npm run vm -- --origin ${site.server.origin}`);
      expect(relayQemuPids(other.relayId)).toEqual([]);
    } finally {
      other.child.kill('SIGTERM');
      await other.exited;
    }
  });

  it('never uses a ?relay= silently: it asks, and "on this page" leaves the saved relay alone', async () => {
    const other = await spawnRelay(['--origin', site.server.origin]);
    try {
      const page = await site.page();
      await rememberInPage(page, relay.url);
      await page.goto(site.url(`${LESSON}?relay=${encodeURIComponent(other.url)}`));
      const panel = page.locator('[data-terminal]');
      // The Real VM switch does not connect to the page's relay either: it points to the question.
      await expect
        .poll(() => page.locator('[data-playground]').getAttribute('data-ready'), { timeout: 60_000 })
        .toBe('true');
      await page.locator('[data-kernel-switch] input[value=vm]').check({ force: true });
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect
        .poll(() => page.locator('[data-playground] [data-status]').first().innerText())
        .toContain(`names a VM relay at 127.0.0.1:${other.port}`);
      await page.getByRole('button', { name: 'Open terminal' }).click();
      await expect.poll(() => panel.locator('[data-term-ask]').isVisible()).toBe(true);
      expect(await panel.locator('[data-term-ask]').innerText()).toContain(`127.0.0.1:${other.port}`);
      expect(relayQemuPids(other.relayId)).toEqual([]);
      expect(relayQemuPids(relay.relayId)).toEqual([]);
      await page.getByRole('button', { name: 'Use it on this page' }).click();
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 90_000 }).toBe('ready');
      expect(relayQemuPids(other.relayId)).toHaveLength(1);
      expect(relayQemuPids(relay.relayId)).toEqual([]);
      await expect
        .poll(() => panel.locator('[data-term-notice]').innerText())
        .toContain(`127.0.0.1:${other.port} from this page's address, on this page only`);
      expect(await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY)).toBe(relay.url);
      await page.getByRole('button', { name: 'Stop the VM' }).click();
      expect(await waitFor(() => relayQemuPids(other.relayId).length === 0, 10_000)).toBe(true);
      // "Ignore it" on the next visit: the panel uses the saved relay (no VM of the other one).
      await page.goto(site.url(`${LESSON}?relay=${encodeURIComponent(other.url)}`));
      await page.getByRole('button', { name: 'Open terminal' }).click();
      await page.getByRole('button', { name: 'Ignore it' }).click();
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 90_000 }).toBe('ready');
      expect(relayQemuPids(other.relayId)).toEqual([]);
      expect(await panel.locator('[data-term-notice]').isVisible()).toBe(false);
      await page.getByRole('button', { name: 'Stop the VM' }).click();
      expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
      expect(page.errors).toEqual([]);
    } finally {
      other.child.kill('SIGTERM');
      await other.exited;
    }
  });

  it('boots a VM, and `cat /proc/net/netlink` typed in the terminal prints the table', async () => {
    const page = await site.page();
    await page.goto(site.url(`${LESSON}?relay=${encodeURIComponent(relay.url)}`));
    const panel = page.locator('[data-terminal]');
    await page.getByRole('button', { name: 'Open terminal' }).click();
    // The address names a relay: the panel asks before it connects anywhere.
    await expect.poll(() => panel.locator('[data-term-ask]').innerText()).toContain(`127.0.0.1:${relay.port}`);
    expect(relayQemuPids(relay.relayId)).toEqual([]);
    await page.getByRole('button', { name: 'Use it and remember it' }).click();
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 90_000 }).toBe('ready');
    expect(relayQemuPids(relay.relayId)).toHaveLength(1);
    await expect.poll(() => panel.locator('[data-term-status]').innerText()).toMatch(/is ready \(booted in [\d.]+ s\)/);
    expect(await page.evaluate(() => [...document.querySelectorAll('link[data-xterm-css]')].length)).toBe(1);
    await page.locator('.xterm').click();
    await page.keyboard.type('cat /proc/net/netlink');
    await page.keyboard.press('Enter');
    const rows = () => page.locator('.xterm-rows').innerText();
    // The header line, then one line per kernel socket ("(____ptrval____) 0   0  …").
    await expect
      .poll(rows, { timeout: 30_000 })
      .toMatch(/sk\s+Eth\s+Pid\s+Groups\s+Rmem\s+Wmem\s+Dump\s+Locks\s+Drops\s+Inode/);
    expect(await rows()).toMatch(/\n\S+\s+0\s+0\s+00000000\s+0\s+0\s+0\s+2\s+0\s+\d+/);
    // The page stays a page: the relay URL was remembered for the next lesson.
    expect(await page.evaluate(() => localStorage.getItem('netlink-lab:vm-relay'))).toBe(relay.url);
    // Stopping the VM from the page kills QEMU.
    await page.getByRole('button', { name: 'Stop the VM' }).click();
    await expect.poll(() => panel.getAttribute('data-state')).toBe('ended');
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    expect(page.errors).toEqual([]);
  });

  it('runs the lesson on the real VM with the kernel switch, compares it with the simulator, and shares the VM with the terminal', async () => {
    const page = await site.page();
    await rememberInPage(page, relay.url);
    await page.goto(site.url(LESSON));
    await expect
      .poll(() => page.locator('[data-playground]').getAttribute('data-ready'), { timeout: 60_000 })
      .toBe('true');
    await page.locator('[data-kernel-switch] input[value=vm]').check({ force: true });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const box = page.locator('[data-compare]');
    await expect.poll(() => box.getAttribute('data-state'), { timeout: 120_000 }).toMatch(/identical|different|error/);
    // The starting code of lesson 1 behaves the same on both kernels: nl_test gets a header pid of 0.
    expect(await box.getAttribute('data-state')).toBe('identical');
    expect(await box.innerText()).toMatch(/answered alike: 6 syscalls, no difference/);
    expect(await page.locator('[data-output]').innerText()).toContain('0 replies');
    // The Kernel state panel shows the VM's own /proc: its sockets after each syscall, its modules.
    await page
      .getByRole('tab', { name: /Kernel state/ })
      .first()
      .click();
    const state = page.locator('[data-playground] [data-panel-body="state"]').first();
    await expect
      .poll(() => state.innerText(), { timeout: 10_000 })
      .toContain("Sockets (the real kernel's /proc/net/netlink)");
    expect(await state.innerText()).toMatch(/Modules \(\/proc\/modules\)\s*\n[\s\S]*nl_test/);
    expect(relayQemuPids(relay.relayId)).toHaveLength(1);
    // The terminal joins the VM the program ran on, rather than booting another.
    await page.getByRole('button', { name: 'Open terminal' }).click();
    const panel = page.locator('[data-terminal]');
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    await page.locator('.xterm').click();
    await page.keyboard.type('cat /sys/module/nl_test/parameters/delayed');
    await page.keyboard.press('Enter');
    // The lesson's module.ts asks for delayed=1: the run reloaded the C module with it.
    await expect
      .poll(() => page.locator('.xterm-rows').innerText(), { timeout: 30_000 })
      .toMatch(/parameters\/delayed\s*\n1\s*\n/);
    expect(relayQemuPids(relay.relayId)).toHaveLength(1);
    await page.getByRole('button', { name: 'Stop the VM' }).click();
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    expect(page.errors).toEqual([]);
  });

  it("boots the page's VM with the lesson's cmdline, and the comparison boots the simulator like the lesson", async () => {
    const page = await site.page();
    await rememberInPage(page, relay.url);
    await page.goto(site.url('/lessons/mechanisms/parameters/'));
    await expect
      .poll(() => page.locator('[data-playground]').getAttribute('data-ready'), { timeout: 60_000 })
      .toBe('true');
    await page.locator('[data-kernel-switch] input[value=vm]').check({ force: true });
    await page.getByRole('button', { name: 'Run', exact: true }).click();
    const box = page.locator('[data-compare]');
    await expect.poll(() => box.getAttribute('data-state'), { timeout: 120_000 }).toMatch(/identical|different|error/);
    // The VM's kernel got the lesson's words (front matter cmdline:).
    expect(await page.locator('[data-output]').innerText()).toContain(
      '/proc/cmdline has setup_example_int=1234 setup_example_int_array=100,200,0x12c,400 setup_example_string=Thisisatest',
    );
    // The simulated run it is compared with booted the same way (and with boot.ts built in).
    expect(await box.getAttribute('data-state')).not.toBe('error');
    expect(await box.locator('[data-compare-boot]').innerText()).toContain('setup_example_int=1234');
    expect(await box.locator('[data-compare-boot]').innerText()).toContain('boot.ts built in');
    // The terminal joins that VM: its /proc/cmdline ends with the lesson's line.
    await page.getByRole('button', { name: 'Open terminal' }).click();
    const panel = page.locator('[data-terminal]');
    await expect.poll(() => panel.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    expect(relayQemuPids(relay.relayId)).toHaveLength(1);
    await page.locator('.xterm').click();
    // One word a line: the whole command line is wider than the terminal.
    await page.keyboard.type("tr ' ' '\\n' < /proc/cmdline | grep setup_example_string");
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('.xterm-rows').innerText(), { timeout: 30_000 })
      .toMatch(/\nsetup_example_string=Thisisatest\s*\n/);
    await page.getByRole('button', { name: 'Stop the VM' }).click();
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    expect(page.errors).toEqual([]);
  });

  it('stopping a VM run that blocks in recvfrom kills its process in the VM, and the next run works', async () => {
    const program = [
      "import { socket, bind, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';",
      'const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);',
      'await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });',
      "console.log('waiting');",
      'await recvfrom(fd, new Uint8Array(64), 0);',
    ].join('\n');
    const code = await encodeShare({ lessonId: '02-raw-netlink/01-first-socket', files: { 'main.ts': program } });
    const page = await site.page();
    await rememberInPage(page, relay.url);
    await page.goto(site.url(`${LESSON}#code=${code}`));
    await expect
      .poll(() => page.locator('[data-playground]').getAttribute('data-ready'), { timeout: 60_000 })
      .toBe('true');
    await page.locator('[data-kernel-switch] input[value=vm]').check({ force: true });
    const output = page.locator('[data-output]');
    const blockedSockets = async () => {
      await page.locator('.xterm').click();
      await page.keyboard.type("awk '$2 == 2' /proc/net/netlink | wc -l; echo counted");
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.locator('.xterm-rows').innerText(), { timeout: 30_000 })
        .toMatch(/\n(\d+)\s*\ncounted\s*\n[\s\S]*$/);
      const all = [...(await page.locator('.xterm-rows').innerText()).matchAll(/\n(\d+)\s*\ncounted/g)];
      return Number(all[all.length - 1]![1]);
    };
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Run', exact: true }).click();
      await expect.poll(() => output.innerText(), { timeout: 90_000 }).toContain('waiting');
      await page.getByRole('button', { name: 'Stop', exact: true }).click();
      await expect.poll(() => output.innerText()).toContain('Stopped.');
    }
    // Both stopped processes were killed in the VM: no NETLINK_USERSOCK socket is left.
    await page.getByRole('button', { name: 'Open terminal' }).click();
    await expect
      .poll(() => page.locator('[data-terminal]').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('ready');
    await expect.poll(blockedSockets, { timeout: 30_000, interval: 2000 }).toBe(0);
    await page.getByRole('button', { name: 'Stop the VM' }).click();
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    expect(page.errors).toEqual([]);
  });
});
