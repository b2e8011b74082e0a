/**
 * The relay's defects of issue 16, each measured: back-pressure both ways (a guest flooding an
 * agent port while the client stops reading, and a client flooding a port the guest does not
 * read, must not grow the relay), QEMU's own words when it cannot start, flags whose times
 * overflow Node's timers, and a token that does not show in `ps`.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CHANNEL, encodeData } from '../../src/agent/relay-frames.ts';
import { vmImage } from '../../sandboxes/vm/qemu.ts';
import type { RelayHealth } from '../../src/runtime/vm/relay-client.ts';
import { relayQemuPids, spawnRelay, waitIdle, type RelayProcess } from './relay-helpers.ts';

const SITE = 'http://127.0.0.1:4321';
const MiB = 1024 * 1024;

/** Resident memory of a process, in bytes (VmRSS). */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** A raw client: hello, ready, the console's text, bytes per channel, and the socket itself. */
function rawSession(url: string) {
  const ws = new WebSocket(url, { origin: SITE });
  let text = '';
  const bytes = new Map<number, number>();
  let closeReason = '';
  let enforced: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    ws.on('message', (data, isBinary) => {
      const b = data as Buffer;
      if (!isBinary) {
        const m = JSON.parse(b.toString());
        if (m.type === 'hello') enforced = m.limits.enforced;
        if (m.type === 'ready') resolve();
        if (m.type === 'bye') closeReason = m.reason;
        return;
      }
      bytes.set(b[0]!, (bytes.get(b[0]!) ?? 0) + b.length - 1);
      if (b[0] === CHANNEL.CONSOLE) text += b.subarray(1).toString('latin1');
    });
    ws.on('close', () => reject(new Error(`closed before ready: ${closeReason}`)));
  });
  ready.catch(() => {});
  const closed = new Promise<string>((r) => ws.on('close', (_c, reason) => r(closeReason || reason.toString())));
  const consoleCmd = (cmd: string) => {
    for (const f of encodeData(CHANNEL.CONSOLE, new TextEncoder().encode(`${cmd}\r`))) ws.send(f);
  };
  /**
   * Whether `ok()` holds within `ms`: checked on each message (after the counts above are updated,
   * as this listener comes later), so a paused socket (nothing arrives) waits until its deadline.
   */
  const until = (ok: () => boolean, ms: number) =>
    new Promise<boolean>((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        ws.off('message', check);
        ws.off('close', gone);
        resolve(v);
      };
      const check = () => {
        if (ok()) done(true);
      };
      const gone = () => done(ok());
      const timer = setTimeout(gone, ms);
      ws.on('message', check);
      ws.on('close', gone);
      check();
    });
  return {
    ws,
    ready,
    closed,
    until,
    enforced: () => enforced,
    text: () => text,
    bytes: (ch: number) => bytes.get(ch) ?? 0,
    consoleCmd,
  };
}

/** Shell text that kills the agent on /dev/vport0p<port> and the loop that restarts it, so the port is free. */
const freePort = (port: number) =>
  `for p in /proc/[0-9]*; do [ "$(readlink $p/fd/0 2>/dev/null)" = /dev/vport0p${port} ] && kill -9 $(cut -d' ' -f4 $p/stat) \${p#/proc/}; done; sleep 0.5`;

/** The relay's back-pressure counts (GET /health). */
async function backPressure(port: number): Promise<{ vmReadPaused: number; clientReadPaused: number }> {
  const h = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as RelayHealth;
  return h.backPressure!;
}

/**
 * Wait until the relay says it holds `key` back-pressure on `n` sessions: polled, since the relay
 * (another process) tells it only when asked, on /health. Samples `pid`'s RSS meanwhile; the peak.
 */
async function untilBackPressure(
  port: number,
  key: 'vmReadPaused' | 'clientReadPaused',
  pid: number,
  ms: number,
): Promise<{ held: boolean; peak: number }> {
  let peak = rss(pid);
  const end = Date.now() + ms;
  for (;;) {
    peak = Math.max(peak, rss(pid));
    if ((await backPressure(port))[key] === 1) return { held: true, peak };
    if (Date.now() > end) return { held: false, peak };
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sample `pid`'s RSS every 250 ms for `ms` (a measurement window, not a wait); the largest value. */
async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = rss(pid);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 250));
    peak = Math.max(peak, rss(pid));
  }
  return peak;
}

describe('relay back-pressure and memory', () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay(['--max-sessions', '2']);
  });
  afterAll(async () => {
    relay.child.kill('SIGTERM');
    await relay.exited;
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it('a guest flooding an agent port while the client stops reading does not grow the relay', async () => {
    const s = rawSession(relay.url);
    await s.ready;
    s.consoleCmd(`${freePort(4)}; cat /dev/zero > /dev/vport0p4 & echo flood-started`);
    // The flood arrives (the client still reads): the port really floods.
    expect(await s.until(() => s.bytes(CHANNEL.FIRST_AGENT + 3) > 8 * MiB, 60_000)).toBe(true);
    const [qemu] = relayQemuPids(relay.relayId);
    // Now the client stops reading; the guest keeps writing. What fills up on the way (the
    // client's and the relay's socket buffers, then the relay's own queue) is measured from here:
    // the relay must stop reading the VM once its queue to the client is full.
    const before = rss(relay.child.pid!);
    s.ws.pause();
    const filled = await untilBackPressure(relay.port, 'vmReadPaused', relay.child.pid!, 30_000);
    expect(filled.held, 'the relay never stopped reading the VM').toBe(true);
    // Held: the relay stays at that size while the guest keeps writing.
    const peak = Math.max(filled.peak, await peakRss(relay.child.pid!, 10_000));
    expect((await backPressure(relay.port)).vmReadPaused).toBe(1);
    const qemuRss = rss(qemu!);
    console.log(
      `guest→client flood, client not reading: relay RSS ${(before / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB, until it stopped reading the VM and 10 s after; QEMU RSS ${(qemuRss / MiB).toFixed(0)} MiB`,
    );
    expect(peak - before).toBeLessThan(32 * MiB);
    // QEMU stays within its guest RAM and its overhead (the cap the relay gives it).
    expect(qemuRss).toBeLessThan((128 + 192) * MiB);
    expect(s.enforced().join('; ')).toMatch(/cgroup (v2 )?memory \d+ MiB|RLIMIT_AS/);
    // Reading again, the flood flows again: nothing was lost or wedged.
    const got = s.bytes(CHANNEL.FIRST_AGENT + 3);
    s.ws.resume();
    expect(await s.until(() => s.bytes(CHANNEL.FIRST_AGENT + 3) > got + 8 * MiB, 60_000)).toBe(true);
    s.ws.close();
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('a client flooding a port the guest does not read does not grow the relay', async () => {
    const s = rawSession(relay.url);
    await s.ready;
    // Port 4's agent is stopped (SIGSTOP): nothing in the guest reads what arrives on it.
    s.consoleCmd(
      `kill -STOP $(for p in /proc/[0-9]*; do [ "$(readlink $p/fd/0 2>/dev/null)" = /dev/vport0p4 ] && echo \${p#/proc/}; done); echo stopped-agent`,
    );
    expect(await s.until(() => /\nstopped-agent\r?\n/.test(s.text()), 30_000)).toBe(true);
    const before = rss(relay.child.pid!);
    const frame = new Uint8Array(65536);
    frame[0] = CHANNEL.FIRST_AGENT + 3;
    let sent = 0;
    const end = Date.now() + 10_000;
    let peak = before;
    let lastSample = 0;
    // Each frame's send callback: it reached the socket (the relay took what was before it).
    let wake: (() => void) | undefined;
    const flushed = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    while (Date.now() < end) {
      // The client keeps its own queue small: it sends as fast as the relay takes it.
      if (s.ws.bufferedAmount < 4 * MiB) {
        s.ws.send(frame, flushed);
        sent += frame.length;
      } else {
        // Wait until a frame goes out; when the relay takes nothing more, until the window ends.
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.max(0, end - Date.now()));
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
      }
      if (Date.now() - lastSample > 250) {
        lastSample = Date.now();
        peak = Math.max(peak, rss(relay.child.pid!));
        await new Promise((r) => setImmediate(r));
      }
    }
    peak = Math.max(peak, rss(relay.child.pid!));
    console.log(
      `client→guest flood, guest not reading: relay RSS ${(before / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB in 10 s; the relay took ${(sent / MiB - s.ws.bufferedAmount / MiB).toFixed(0)} MiB`,
    );
    expect(peak - before).toBeLessThan(32 * MiB);
    // It held the client back (stopped reading it), rather than taking everything somewhere else.
    expect((await backPressure(relay.port)).clientReadPaused).toBe(1);
    s.ws.terminate();
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });
});

describe("a lesson's kernel command line", () => {
  let relay: RelayProcess;
  beforeAll(async () => {
    relay = await spawnRelay();
  });
  afterAll(async () => {
    relay.child.kill('SIGTERM');
    await relay.exited;
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it("boots the session's VM with the cmdline the client asks for (&cmdline=…)", async () => {
    const words = 'setup_example_int=1234 setup_example_int_array=100,200,0x12c,400 param_exam.debug=1';
    const s = rawSession(`${relay.url}&cmdline=${encodeURIComponent(` ${words}  `)}`);
    await s.ready;
    s.consoleCmd('cat /proc/cmdline; echo cmdline-done');
    expect(await s.until(() => /\ncmdline-done\r?\n/.test(s.text()), 30_000)).toBe(true);
    const line = /\n([^\n]*netlink_lab\.relay=[^\n]*)\r?\n/.exec(s.text())![1]!;
    expect(line.trim().endsWith(`netlink_lab.relay=${relay.relayId} ${words}`)).toBe(true);
    s.ws.close();
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('refuses, before any VM starts, a cmdline that would take the VM over or break it', async () => {
    for (const bad of [
      'init=/bin/sh',
      `netlink_lab.relay=${relay.relayId}0`,
      'a -- b',
      'x="quoted"',
      'a'.repeat(1100),
    ]) {
      const ws = new WebSocket(`${relay.url}&cmdline=${encodeURIComponent(bad)}`);
      const status = await new Promise<number>((resolve) => {
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.terminate();
          resolve(101);
        });
        ws.on('error', () => {});
      });
      expect(status, bad).toBe(400);
    }
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });
});

describe('relay defects', () => {
  it('says what QEMU said when it cannot start (here: the initramfs is gone)', async () => {
    const image = vmImage();
    const dir = mkdtempSync(join(tmpdir(), 'netlink-lab-vm-broken-'));
    copyFileSync(join(image.dir, 'manifest.json'), join(dir, 'manifest.json'));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    symlinkSync(image.kernel, join(dir, 'kernel.img'));
    symlinkSync(image.initramfs, join(dir, 'initramfs.img'));
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({ ...m, kernel: 'kernel.img', initramfs: 'initramfs.img' }),
    );
    const relay = await spawnRelay([], { env: { ...process.env, NETLINK_LAB_VM_DIR: dir } });
    try {
      rmSync(join(dir, 'initramfs.img'));
      const s = rawSession(relay.url);
      const reason = await s.closed;
      expect(reason).toMatch(/the VM did not boot/);
      expect(reason).toMatch(/QEMU said: .*initrd .*initramfs\.img.*No such file or directory/);
    } finally {
      relay.child.kill('SIGTERM');
      await relay.exited;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  /** Start the relay with `args`; resolves with its exit code and output (it should refuse). */
  function refusedStart(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'sandboxes/vm/relay/server.ts', '--port', '0', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    child.stderr.on('data', (b: Buffer) => {
      out += b;
    });
    const t = setTimeout(() => child.kill('SIGKILL'), 30_000);
    return new Promise((r) =>
      child.on('exit', (code) => {
        clearTimeout(t);
        r({ code, out });
      }),
    );
  }

  it("refuses times that overflow Node's timers (2^31-1 ms) with a clear error", async () => {
    for (const flag of ['--idle', '--wall', '--boot-timeout']) {
      const r = await refusedStart([flag, '3000000']);
      expect(r.code).toBe(1);
      expect(r.out).toContain(`${flag} must be an integer from 1 to 2147483 (got "3000000")`);
    }
  });

  it('takes the token from a file or the environment, and it does not show in ps', async () => {
    const token = 'file-token-0123456789abcdef';
    const dir = mkdtempSync(join(tmpdir(), 'netlink-lab-token-'));
    writeFileSync(join(dir, 'token'), `${token}\n`);
    const fromFile = await spawnRelay(['--token-file', join(dir, 'token')]);
    const fromEnv = await spawnRelay([], {
      env: { ...process.env, NETLINK_LAB_RELAY_TOKEN: 'env-token-0123456789abcdef' },
    });
    const onArgv = await spawnRelay(['--token', 'argv-token-0123456789abcdef']);
    try {
      expect(fromFile.url).toMatch(new RegExp(`token=${token}$`));
      expect(fromEnv.url).toMatch(/token=env-token-0123456789abcdef$/);
      for (const r of [fromFile, fromEnv, onArgv]) {
        const cmdline = readFileSync(`/proc/${r.child.pid}/cmdline`, 'utf8');
        expect(cmdline).not.toMatch(/-token-0123456789abcdef/);
        // The token works.
        const h = await (
          await fetch(`http://127.0.0.1:${r.port}/health?token=${new URL(r.url).searchParams.get('token')}`)
        ).json();
        expect(h.token).toBe('valid');
      }
      expect(onArgv.output()).toMatch(/shows in `ps`.*prefer --token-file PATH or NETLINK_LAB_RELAY_TOKEN/);
      const bad = await refusedStart(['--token-file', join(dir, 'missing')]);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/--token-file .*missing: no such file/);
    } finally {
      for (const r of [fromFile, fromEnv, onArgv]) {
        r.child.kill('SIGTERM');
        await r.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
