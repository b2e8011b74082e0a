/**
 * The lab in Chromium, on the built site: build CTRL_CMD_GETFAMILY for "nlctrl" in the message
 * builder field by field, check the hex follows, send it to the simulated kernel and read the
 * decoded reply (family id 16, its name, its operations); a malformed hex edit shown as malformed;
 * a pinned length marked inconsistent; an extended ACK's offending attribute marked; the exported
 * program put into the editor (after asking) and run; the lab's files added, renamed, deleted;
 * axe on the lab page (light and dark, wide and phone); and no lab code on a lesson page. Send on
 * the real kernels of the switch: Linux in your browser (v86) and Linux in the VM through a relay,
 * and, without a relay, the sentence that says how to start one. And a
 * lesson's Messages panel: a run downloaded as a capture (a LINKTYPE_NETLINK pcap holding every
 * datagram of the run, which tshark reads) and the capture opened again, decoded as the run was;
 * an nlmon capture from the VM opened and decoded there too.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import AxeBuilder from '@axe-core/playwright';
import { openSite, SITE_DIR, type Site, type TestPage } from './browser.ts';
import { relayQemuPids, spawnRelay, waitFor } from '../vm/relay-helpers.ts';
import { genlmsg } from '../../src/api/genl.ts';
import { nla_string } from '../../src/api/nlmsg.ts';
import { formatHex } from '../../src/lib/builder/model.ts';
import { readPcap } from '../../src/lib/pcap.ts';
import { decodeCapture } from '../../src/lib/capture.ts';

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
let site: Site;

beforeAll(async () => {
  site = await openSite();
});
afterAll(async () => {
  await site?.close();
});

async function openLab(page: TestPage): Promise<void> {
  await page.goto(site.url('/lab/'));
  await page.waitForSelector('[data-builder][data-ready="true"]', { timeout: 30_000 });
}

const builder = (page: TestPage) => page.locator('[data-builder]');
const field = (page: TestPage, k: string) => builder(page).locator(`[data-k="${k}"]`);

/** Change a control and let the builder re-render (it commits on change). */
async function setValue(page: TestPage, k: string, value: string): Promise<void> {
  const el = field(page, k);
  await el.fill(value);
  await el.press('Enter');
  await el.dispatchEvent('change');
}

describe('the lab', () => {
  it('builds CTRL_CMD_GETFAMILY "nlctrl", sends it to the simulated kernel and reads the reply', {
    timeout: 120_000,
  }, async () => {
    const page = await site.page();
    await openLab(page);
    // Start from nothing: remove what is there, choose generic netlink, add a message.
    while (await builder(page).locator('[data-op="remove-message"]').count())
      await builder(page).locator('[data-op="remove-message"]').first().click();
    await builder(page).locator('[data-protocol]').selectOption('16');
    await builder(page).locator('[data-action="add-message"]').click();
    await expect.poll(() => builder(page).locator('fieldset.lb-msg legend').first().textContent()).toContain('nlctrl');
    // genlmsghdr: cmd CTRL_CMD_GETFAMILY (3), version 2.
    await setValue(page, 'm0.h.f0', '3');
    await setValue(page, 'm0.h.f1', '2');
    await expect
      .poll(() => builder(page).locator('fieldset.lb-msg legend').first().textContent())
      .toContain('CTRL_CMD_GETFAMILY');
    // The attribute by name, its value as text.
    await builder(page).locator('[data-field="addtype"][data-path="m0"]').selectOption('2');
    await builder(page).locator('[data-op="add-attr"][data-path="m0"]').click();
    await expect
      .poll(() => builder(page).locator('.lb-attr').first().getAttribute('data-name'))
      .toBe('CTRL_ATTR_FAMILY_NAME');
    await setValue(page, 'm0.a0.value', 'nlctrl');
    // The hex followed, lengths and padding included: exactly what genlmsg() builds.
    const want = formatHex(
      genlmsg({ family: 16, cmd: 3, version: 2, flags: 5, seq: 1, attrs: [nla_string(2, 'nlctrl')] }),
    );
    await expect.poll(() => builder(page).locator('[data-hex]').inputValue()).toBe(want);
    expect(await builder(page).getAttribute('data-consistent')).toBe('true');

    await builder(page).locator('[data-action="send"]').click();
    await page.waitForSelector('[data-builder][data-sent="done"]', { timeout: 60_000 });
    const reply = builder(page).locator('[data-reply]');
    const text = (await reply.textContent()) ?? '';
    expect(text).toContain('CTRL_CMD_NEWFAMILY');
    expect(text).toMatch(/CTRL_ATTR_FAMILY_ID\s*16 \(0x10\)/);
    expect(text).toContain('CTRL_ATTR_FAMILY_NAME"nlctrl"');
    expect(text).toContain('CTRL_ATTR_OPS');
    expect(text).toContain('NLMSG_ERROR (ACK)');
    expect(page.errors).toEqual([]);
  });

  it('shows a malformed hex edit as malformed, and a pinned length as inconsistent', { timeout: 60_000 }, async () => {
    const page = await site.page();
    await openLab(page);
    await builder(page).locator('[data-template]').selectOption('getfamily');
    const hex = builder(page).locator('[data-hex]');
    const before = await hex.inputValue();
    // Not hex: kept as typed, marked, the fields unchanged.
    await hex.fill(`${before} zz`);
    await expect
      .poll(() => builder(page).locator('[data-hex-error]').textContent())
      .toMatch(/Malformed hex: "z" is not a hex digit/);
    expect(await hex.inputValue()).toBe(`${before} zz`);
    expect(await hex.getAttribute('aria-invalid')).toBe('true');
    expect(await builder(page).locator('.lb-attr').count()).toBe(1);
    // Hex that is bytes but a broken message: read as it is and marked, not fixed.
    await hex.fill(before.replace(/^0000: 20/, '0000: 40'));
    await expect.poll(() => builder(page).getAttribute('data-consistent')).toBe('false');
    expect(await builder(page).locator('[data-problems]').textContent()).toMatch(
      /nlmsg_len says 64 but the message has 32 bytes/,
    );
    expect(await hex.inputValue()).toContain('0000: 40');
    // Back to automatic from the fields: the length is right again.
    await field(page, 'm0.lenauto').check();
    await expect.poll(() => builder(page).getAttribute('data-consistent')).toBe('true');
    // A pinned nla_len: kept, and marked.
    await field(page, 'm0.a0.lenauto').uncheck();
    await setValue(page, 'm0.a0.len', '6');
    await expect
      .poll(() => builder(page).locator('[data-problems]').textContent())
      .toMatch(/nla_len says 6 but the attribute has 11 bytes/);
    expect(await hex.inputValue()).toMatch(/^0000: 20000000 10000500 01000000 00000000\n0010: 03020000 06000200/);
  });

  it('marks the attribute an extended ACK points at', { timeout: 120_000 }, async () => {
    const page = await site.page();
    await openLab(page);
    await builder(page).locator('[data-template]').selectOption('getfamily');
    await builder(page).locator('[data-op="remove-attr"]').first().click();
    await builder(page).locator('[data-field="addtype"][data-path="m0"]').selectOption('1');
    await builder(page).locator('[data-op="add-attr"][data-path="m0"]').click();
    await builder(page).locator('[data-k="m0.a0.view"]').selectOption('u8');
    await setValue(page, 'm0.a0.value', '16');
    await builder(page).locator('[data-action="send"]').click();
    await page.waitForSelector('[data-builder][data-sent="done"]', { timeout: 60_000 });
    const marked = builder(page).locator('.lb-offending');
    await expect.poll(() => marked.count()).toBe(1);
    expect(await marked.getAttribute('data-name')).toBe('CTRL_ATTR_FAMILY_ID');
    expect(await marked.textContent()).toMatch(/NLMSGERR_ATTR_OFFS 20\): Attribute failed policy validation/);
    expect(await builder(page).locator('[data-reply]').textContent()).toContain('NLMSGERR_ATTR_OFFS');
  });

  it('exports the message, puts it into the editor after asking, and runs it', { timeout: 120_000 }, async () => {
    const page = await site.page();
    await openLab(page);
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
    await builder(page).locator('[data-template]').selectOption('getfamily');
    await builder(page).locator('[data-action="export"]').click();
    const code = (await builder(page).locator('[data-export] pre').textContent()) ?? '';
    expect(code).toContain('genlmsg({ family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 2');
    await builder(page).locator('[data-export] button', { hasText: 'Put it in the editor' }).click();
    const notice = page.locator('[data-playground] [data-notice]');
    await expect.poll(() => notice.textContent()).toMatch(/Replace the code in main.ts/);
    await notice.getByRole('button', { name: 'Replace main.ts' }).click();
    await page.locator('[data-playground] [data-action="run"]').click();
    await expect
      .poll(() => page.locator('[data-playground] [data-output]').textContent(), { timeout: 30_000 })
      .toContain('NLMSG_ERROR ACK for seq 1');
    expect(await page.locator('[data-playground] [data-output]').textContent()).toMatch(/type 16, \d+ bytes/);
  });

  it('adds, renames and deletes files, and keeps them across a reload', { timeout: 90_000 }, async () => {
    const page = await site.page();
    await openLab(page);
    const pg = page.locator('[data-playground]');
    await pg.locator('[data-action="new-file"]').click();
    await pg.locator('[data-file-form] input').fill('util.ts');
    await pg.locator('[data-file-form] button[type="submit"]').click();
    await expect.poll(() => pg.locator('.pg-file').allTextContents()).toEqual(['main.ts', 'util.ts']);
    await pg.locator('[data-action="rename-file"]').click();
    await pg.locator('[data-file-form] input').fill('helpers.ts');
    await pg.locator('[data-file-form] button[type="submit"]').click();
    await expect.poll(() => pg.locator('.pg-file').allTextContents()).toEqual(['main.ts', 'helpers.ts']);
    // Saving is debounced: wait until localStorage has the renamed file.
    const key = `netlink-lab:code:v1:${(await pg.getAttribute('data-lesson-id')) ?? 'lab'}`;
    const saved = () =>
      page.evaluate((k) => Object.keys(JSON.parse(localStorage.getItem(k) ?? '{}').files ?? {}).sort(), key);
    await expect.poll(saved).toEqual(['helpers.ts', 'main.ts']);
    await page.reload();
    await page.waitForSelector('[data-builder][data-ready="true"]');
    await expect.poll(() => pg.locator('.pg-file').allTextContents()).toEqual(['main.ts', 'helpers.ts']);
    await pg.locator('.pg-file', { hasText: 'helpers.ts' }).click();
    await pg.locator('[data-action="delete-file"]').click();
    await pg.locator('[data-notice]').getByRole('button', { name: 'Delete helpers.ts' }).click();
    await expect.poll(() => pg.locator('.pg-file').allTextContents()).toEqual(['main.ts']);
    await pg.locator('[data-notice]').getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => pg.locator('.pg-file').allTextContents()).toEqual(['main.ts', 'helpers.ts']);
    // Shared: the link opens both files in another browser, without touching what that one saved.
    await pg.locator('[data-action="share"]').click();
    // The link is written once the files are compressed (encodeShare is asynchronous).
    await expect.poll(() => pg.locator('[data-share-url]').inputValue()).toMatch(/\/lab\/#code=/);
    const url = await pg.locator('[data-share-url]').inputValue();
    const other = await site.page();
    await other.goto(url);
    await other.waitForSelector('[data-builder][data-ready="true"]');
    await expect
      .poll(() => other.locator('[data-playground] .pg-file').allTextContents())
      .toEqual(['main.ts', 'helpers.ts']);
    expect(await other.locator('[data-playground] [data-notice]').textContent()).toMatch(/code from a shared link/);
  });

  it('passes axe in light and dark, wide and on a phone', { timeout: 420_000 }, async () => {
    const violations: string[] = [];
    for (const [name, opts] of [
      ['wide', { viewport: { width: 1440, height: 1000 } }],
      ['phone', PHONE],
    ] as const) {
      for (const theme of ['light', 'dark']) {
        const page = await site.page(opts);
        await page.addInitScript((t) => localStorage.setItem('netlink-lab:theme', t), theme);
        await openLab(page);
        await builder(page).locator('[data-template]').selectOption('newlink');
        await builder(page).locator('[data-action="export"]').click();
        const r = await new AxeBuilder({ page }).include('main').analyze();
        violations.push(
          ...r.violations.map(
            (v) =>
              `${name} ${theme}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes
                .map((n) => n.target.join(' '))
                .slice(0, 3)
                .join(' | ')}`,
          ),
        );
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, `${name} ${theme}: no sideways scrolling`).toBeLessThanOrEqual(0);
        await page.close();
      }
    }
    expect(violations).toEqual([]);
  });

  it('is in the site navigation, and a lesson page loads none of its code', { timeout: 60_000 }, async () => {
    const page = await site.page();
    const scripts: string[] = [];
    const reading: Promise<void>[] = [];
    page.on('response', (r) => {
      if (r.url().endsWith('.js'))
        reading.push(
          r.text().then(
            (t) => void scripts.push(t),
            () => undefined,
          ),
        );
    });
    await page.goto(site.url('/lessons/'));
    const lab = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lab' });
    expect(await lab.getAttribute('href')).toMatch(/\/lab\/$/);
    const lesson = await page.locator('a[href*="/lessons/"][href$="/first-socket/"]').first().getAttribute('href');
    await page.goto(new URL(lesson!, page.url()).href);
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
    await page.locator('[data-playground] [data-action="run"]').click();
    // Whatever the run loads has arrived: the run ended, the network is quiet, every script is read.
    await page.waitForSelector('[data-playground]:not([data-running])');
    await page.waitForLoadState('networkidle');
    await Promise.all(reading);
    expect(scripts.length).toBeGreaterThan(0);
    for (const marker of ['netlink-lab:lab-builder:v1', 'is not a file name the lab accepts']) {
      expect(
        scripts.some((s) => s.includes(marker)),
        marker,
      ).toBe(false);
    }
  });
});

/** Choose a kernel in the playground's switch, send the GETFAMILY "nlctrl" template, read the reply. */
async function sendGetFamily(page: TestPage, kernel: 'vm' | 'browser'): Promise<void> {
  await openLab(page);
  await page.locator(`[data-playground] [data-kernel-switch] input[value=${kernel}]`).check({ force: true });
  await builder(page).locator('[data-template]').selectOption('getfamily');
  await builder(page).locator('[data-action="send"]').click();
  await expect
    .poll(() => builder(page).getAttribute('data-sent'), { timeout: 180_000, interval: 500 })
    .toMatch(/done|failed/);
  expect(await builder(page).locator('[data-builder-status]').textContent()).toMatch(
    new RegExp(`^Sent to ${kernel === 'vm' ? 'Linux in the VM' : 'Linux in your browser'}: 2 replies\\.`),
  );
  const text = (await builder(page).locator('[data-reply]').textContent()) ?? '';
  expect(text).toContain('CTRL_CMD_NEWFAMILY');
  expect(text).toMatch(/CTRL_ATTR_FAMILY_ID\s*16 \(0x10\)/);
  expect(text).toContain('CTRL_ATTR_FAMILY_NAME"nlctrl"');
  expect(text).toContain('NLMSG_ERROR (ACK)');
  expect(page.errors).toEqual([]);
}

describe("the lab's Send on the real kernels of the switch", () => {
  it('says how to start the relay when the VM is chosen and none is known', { timeout: 60_000 }, async () => {
    const page = await site.page();
    await openLab(page);
    await page.locator('[data-playground] [data-kernel-switch] input[value=vm]').check({ force: true });
    await builder(page).locator('[data-action="send"]').click();
    await expect.poll(() => builder(page).getAttribute('data-sent')).toBe('failed');
    expect(await builder(page).locator('[data-builder-status]').textContent()).toMatch(
      /start the VM relay \(`npm run vm` in the project folder\) and paste the URL it prints into the Terminal panel/,
    );
  });

  it('sends to Linux in your browser (v86) and reads the decoded reply', { timeout: 240_000 }, async () => {
    expect(existsSync(join(SITE_DIR, 'v86', 'state.bin.zst')), 'the site holds v86 (npm run v86:build)').toBe(true);
    const page = await site.page();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await sendGetFamily(page, 'browser');
    // It went to the machine this page started, not to the simulator.
    expect(requests.some((u) => u.endsWith('/v86/state.bin.zst'))).toBe(true);
  });

  it('sends to Linux in the VM through the relay and reads the decoded reply', { timeout: 300_000 }, async () => {
    const relay = await spawnRelay(['--origin', site.server.origin]);
    try {
      const page = await site.page();
      // The relay the learner pasted on an earlier visit (the Terminal panel remembers it).
      await page.addInitScript(([u]) => localStorage.setItem('netlink-lab:vm-relay', u!), [relay.url]);
      await sendGetFamily(page, 'vm');
      expect(relayQemuPids(relay.relayId)).toHaveLength(1);
      await page.close();
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
  });
});

describe("a lesson's Messages panel and captures", () => {
  it('downloads the run as a pcap with every datagram, and opens it again decoded the same way', {
    timeout: 120_000,
  }, async () => {
    const page = await site.page({ viewport: { width: 1440, height: 1000 }, acceptDownloads: true });
    await page.goto(site.url('/lessons/generic-netlink/family-and-group/'));
    await page.waitForSelector('[data-playground][data-ready="true"]', { timeout: 60_000 });
    await page.getByRole('button', { name: 'Run', exact: true }).first().click();
    await expect
      .poll(() => page.locator('[data-playground] [data-output]').first().textContent(), { timeout: 30_000 })
      .toContain('family DOC_EXMPL');
    await expect
      .poll(() => page.locator('[data-playground]').first().getAttribute('data-running'), { timeout: 30_000 })
      .not.toBe('true');
    const messages = page.locator('[data-playground] [data-panel-body="messages"]').first();
    await messages.locator('.pg-msg-row', { hasText: 'DOC_EXMPL: DOC_EXMPL_C_ECHO' }).first().waitFor();
    const rows = messages.locator('.pg-msg-row');
    /** What each datagram row says: direction, length, decoded summary (failed sends are not captured). */
    const view = async () =>
      (
        await rows.evaluateAll((els) =>
          els.map((el) => ({
            failed: el.classList.contains('pg-msg-failed'),
            dir: el.querySelector('.pg-msg-dir')!.getAttribute('aria-label'),
            len: el.querySelector('.pg-msg-len')!.textContent,
            sum: el.querySelector('.pg-msg-sum')!.textContent,
          })),
        )
      ).filter((r) => !r.failed);
    const run = await view();
    expect(run.length).toBeGreaterThanOrEqual(6);

    // Download: a LINKTYPE_NETLINK pcap with one packet per datagram, in order, same direction and size.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      messages.locator('[data-download-capture]').click(),
    ]);
    expect(download.suggestedFilename()).toBe('netlink-lab.pcap');
    const file = join(mkdtempSync(join(tmpdir(), 'lab-pcap-')), 'netlink-lab.pcap');
    await download.saveAs(file);
    const bytes = new Uint8Array(readFileSync(file));
    expect(new DataView(bytes.buffer).getUint32(20, true)).toBe(253);
    const packets = readPcap(bytes);
    expect(packets.map((p) => ({ dir: p.to === 'kernel' ? 'sent' : 'received', len: `${p.data.length} B` }))).toEqual(
      run.map((r) => ({ dir: r.dir, len: r.len })),
    );
    expect(await messages.locator('.pg-msg-capture-status').textContent()).toMatch(
      new RegExp(`^${packets.length} datagrams, ${bytes.length} bytes \\(LINKTYPE_NETLINK`),
    );
    // Decoded from the file alone: the course's family named from the capture's own nlctrl reply.
    const decoded = decodeCapture(bytes);
    expect(decoded.families.map((f) => f.name)).toContain('DOC_EXMPL');
    expect(
      decoded.packets.some((p) =>
        p.fields.some((f) => f.kind === 'message' && /DOC_EXMPL_C_ECHO/.test(`${f.label} ${f.value}`)),
      ),
    ).toBe(true);
    // tshark (Debian's package) reads every packet as netlink.
    const frames = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.len', '-e', 'frame.protocols'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(frames.map(([len]) => Number(len))).toEqual(packets.map((p) => p.data.length + 16));
    for (const [, protocols] of frames) expect(protocols).toMatch(/^netlink(:|$)/);

    // Open it again: the same rows, decoded the same way, then the first one's detail.
    await messages.locator('input.pg-msg-capture-file').setInputFiles(file);
    await expect.poll(() => messages.locator('.pg-msg-capture-status').textContent()).toBe('opened netlink-lab.pcap');
    await expect.poll(view).toEqual(run);
    expect(await messages.locator('.pg-msg-detail').textContent()).toContain('nlmsg_len');
    // A file that is not a netlink capture is refused with a reason, and the rows stay.
    await messages.locator('input.pg-msg-capture-file').setInputFiles({
      name: 'not-a-capture.pcap',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not a pcap at all, just text'),
    });
    await expect
      .poll(() => messages.locator('.pg-msg-capture-status').textContent())
      .toMatch(/^could not open not-a-capture.pcap: /);
    expect(await view()).toEqual(run);
    // A capture taken with nlmon on a real machine (the 6.1 VM: tests/vm/capture.test.ts's commands):
    // who sent what from NLM_F_REQUEST, DOC_EXMPL named from the capture's own nlctrl reply.
    await messages.locator('input.pg-msg-capture-file').setInputFiles('tests/capture/vm-nlmon.pcap');
    await expect.poll(() => messages.locator('.pg-msg-capture-status').textContent()).toBe('opened vm-nlmon.pcap');
    const nlmon = await view();
    expect(nlmon.map((r) => r.dir)).toEqual(['sent', 'received', 'received', 'sent', 'received', 'sent', 'received']);
    expect(nlmon.map((r) => r.sum)).toEqual([
      'RTM_GETLINK: RTM_GETLINK AF_PACKET (17)',
      'RTM_NEWLINK: RTM_NEWLINK "lo" (+1 more)',
      'NLMSG_DONE: end of dump',
      'nlctrl: CTRL_CMD_GETFAMILY',
      'nlctrl: CTRL_CMD_NEWFAMILY',
      'DOC_EXMPL: DOC_EXMPL_C_ECHO',
      'DOC_EXMPL: DOC_EXMPL_C_ECHO',
    ]);
    expect(page.errors).toEqual([]);
  });
});
