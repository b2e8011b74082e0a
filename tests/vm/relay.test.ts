/**
 * The relay refuses what it must: no token, a wrong token, a foreign Origin, one VM too many, and
 * frames that break the format; and every refusal leaves no QEMU behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE, CHANNEL } from '../../src/agent/relay-frames.ts';
import { encodeRequest, FrameSplitter, OP, Reader, Writer, type Response } from '../../src/agent/protocol.ts';
import { connectRelay, type WebSocketClass } from '../../src/runtime/vm/relay-client.ts';
import {
  connect,
  openSessions,
  relayQemuPids,
  runOnConsole,
  spawnRelay,
  waitFor,
  waitIdle,
  type RelayProcess,
} from './relay-helpers.ts';

const SITE = 'http://127.0.0.1:4321';

/** Try to open a WebSocket; resolves with the HTTP status of the refusal and its body. */
function refusal(url: string, origin?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (b: Buffer) => {
        body += b.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('open', () => {
      ws.terminate();
      reject(new Error('the relay accepted the connection'));
    });
    ws.on('error', () => {
      /* follows unexpected-response */
    });
  });
}

/** Open an authorised raw socket, wait for hello, send `frame`, and resolve with the close. */
function closeAfter(url: string, frame: string | Uint8Array): Promise<{ code: number; reason: string; vm: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: SITE });
    let vm = '';
    ws.on('message', (data, isBinary) => {
      if (isBinary || vm) return;
      const m = JSON.parse(data.toString());
      if (m.type !== 'hello') return;
      vm = m.vm;
      ws.send(frame, { binary: typeof frame !== 'string' });
    });
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), vm }));
    ws.on('error', reject);
  });
}

describe('VM relay refusals', () => {
  let relay: RelayProcess;
  let badToken: string;

  beforeAll(async () => {
    relay = await spawnRelay(['--max-sessions', '2']);
    badToken = relay.url.replace(/token=[\w-]+/, 'token=not-the-token');
  });
  afterAll(async () => {
    if (process.env.RELAY_DEBUG) console.log(relay.output());
    relay.child.kill('SIGTERM');
    await relay.exited;
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it('listens on 127.0.0.1 and answers /health, with CORS, saying whether the token is right', async () => {
    expect(relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const base = `http://127.0.0.1:${relay.port}/health`;
    const r = await fetch(base, { headers: { origin: 'https://elsewhere.example' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    const h = await r.json();
    expect(h).toMatchObject({
      service: 'netlink-lab-vm-relay',
      sessions: 0,
      maxSessions: 2,
      full: false,
      token: 'missing',
      originAllowed: false,
    });
    const token = new URL(relay.url).searchParams.get('token')!;
    expect((await (await fetch(`${base}?token=${token}`)).json()).token).toBe('valid');
    expect((await (await fetch(`${base}?token=nope`)).json()).token).toBe('invalid');
  });

  it('refuses a connection without a token (401) and starts no VM', async () => {
    const r = await refusal(relay.url.replace(/\?token=.*/, ''), SITE);
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/No token/);
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it('refuses a wrong token (401)', async () => {
    const r = await refusal(badToken, SITE);
    expect(r.status).toBe(401);
    expect(r.body).toMatch(/Wrong token/);
  });

  it('refuses a foreign Origin even with the right token (403), naming the flag that allows it', async () => {
    const r = await refusal(relay.url, 'https://evil.example');
    expect(r.status).toBe(403);
    expect(r.body).toContain('--origin https://evil.example');
    expect(relayQemuPids(relay.relayId)).toEqual([]);
  });

  it('says "server full" when the maximum of VMs runs, and frees the place when one ends', async () => {
    const a = connect(relay.url, SITE);
    const b = connect(relay.url);
    const [ha, hb] = await Promise.all([a.hello, b.hello]);
    expect(ha.limits).toMatchObject({ memoryMB: 128, cpus: 1 });
    expect(relayQemuPids(relay.relayId)).toHaveLength(2);
    const c = connect(relay.url, SITE);
    await expect(c.hello).rejects.toThrow(/server full: 2 of 2 VMs/);
    expect(await c.closed).toMatchObject({ code: CLOSE.SERVER_FULL });
    const from = relay.output().length;
    a.close();
    expect(await a.closed).toMatchObject({ code: CLOSE.NORMAL });
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 1, 10_000)).toBe(true);
    // The relay counts the session as ended once it has seen QEMU exit, and says so.
    await relay.printed(/: ended \(1 running\)/, from, 10_000);
    expect(await openSessions(relay.port)).toBe(1);
    const d = connect(relay.url, SITE);
    try {
      expect((await d.hello).vm).not.toBe(hb.vm);
    } finally {
      b.close();
      d.close();
      await Promise.all([b.closed, d.closed]);
    }
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('closes the connection cleanly (4400, with the reason) on malformed frames, killing the VM', async () => {
    const cases: [string | Uint8Array, RegExp][] = [
      ['this is not json', /a text frame must be a JSON object/],
      [JSON.stringify({ type: 'resize', cols: 80 }), /unknown control message type "resize"/],
      [new Uint8Array([7, 1, 2, 3]), /unknown channel 7/],
      [new Uint8Array([CHANNEL.CONSOLE]), /at least one byte of data/],
    ];
    const results: { code: number; reason: string; vm: string }[] = [];
    // Two at a time: the relay allows two VMs.
    for (let i = 0; i < cases.length; i += 2) {
      expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
      results.push(...(await Promise.all(cases.slice(i, i + 2).map(([f]) => closeAfter(relay.url, f)))));
    }
    results.forEach((r, i) => {
      expect(r.code).toBe(CLOSE.MALFORMED);
      expect(r.reason).toMatch(/^malformed frame: /);
      expect(r.reason).toMatch(cases[i]![1]);
    });
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('closes a frame larger than the format allows (1009) and kills its VM', async () => {
    const r = await closeAfter(relay.url, new Uint8Array(70_000).fill(0));
    expect(r.code).toBe(1009);
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('stops a VM after the idle timeout (4408) and after the wall-clock limit (4410), even with input', async () => {
    const idle = await spawnRelay(['--idle', '2']);
    const wall = await spawnRelay(['--wall', '3']);
    try {
      const a = connect(idle.url);
      const b = connect(wall.url);
      await Promise.all([a.hello, b.hello]);
      // Input keeps a session from going idle, not from its wall-clock limit.
      const keepAlive = setInterval(() => {
        void b.ping();
      }, 300);
      const [ca, cb] = await Promise.all([a.closed, b.closed]);
      clearInterval(keepAlive);
      expect(ca).toMatchObject({ code: CLOSE.IDLE, reason: expect.stringMatching(/no input for 2 s/) });
      expect(cb).toMatchObject({ code: CLOSE.TIME_LIMIT, reason: expect.stringMatching(/time limit \(3 s\)/) });
      expect(await waitIdle(idle.port, idle.relayId)).toBe(true);
      expect(await waitIdle(wall.port, wall.relayId)).toBe(true);
    } finally {
      idle.child.kill('SIGTERM');
      wall.child.kill('SIGTERM');
      await Promise.all([idle.exited, wall.exited]);
    }
  });

  it('answers ping through the relay, and the session shows the caps it enforces', async () => {
    const s = connect(relay.url, SITE);
    const h = await s.hello;
    expect(h.limits.enforced).toEqual(expect.arrayContaining(['nice 10']));
    const rtt = await s.ping();
    expect(rtt).toBeGreaterThan(0);
    s.close();
    await s.closed;
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('relays each agent port on its own channel: HELLO on two ports, READFILE of /proc/net/netlink', async () => {
    const splitters = new Map<number, FrameSplitter>();
    const answers: { port: number; r: Response }[] = [];
    let allAnswered!: () => void;
    const three = new Promise<void>((r) => {
      allAnswered = r;
    });
    const s = connectRelay(
      relay.url,
      {
        agent: (b, port) => {
          const sp = splitters.get(port) ?? new FrameSplitter();
          splitters.set(port, sp);
          for (const r of sp.push(b)) answers.push({ port, r });
          if (answers.length >= 3) allAnswered();
        },
      },
      WebSocket as unknown as WebSocketClass,
    );
    const h = await s.hello;
    expect(h.agent).toBe(true);
    expect(h.agentPorts).toBe(4);
    await s.ready;
    s.sendAgent(encodeRequest(11, OP.HELLO), 1);
    s.sendAgent(encodeRequest(12, OP.HELLO), 2);
    s.sendAgent(
      encodeRequest(13, OP.READFILE, new Writer().blob(new TextEncoder().encode('/proc/net/netlink')).bytes()),
      1,
    );
    await three;
    expect(answers).toHaveLength(3);
    const byTag = new Map(answers.map((a) => [a.r.tag, a]));
    const pid1 = new Reader(byTag.get(11)!.r.body).i32();
    const pid2 = new Reader(byTag.get(12)!.r.body).i32();
    expect(byTag.get(11)!.port).toBe(1);
    expect(byTag.get(12)!.port).toBe(2);
    expect(pid1).toBeGreaterThan(1);
    expect(pid2).not.toBe(pid1);
    const table = new TextDecoder().decode(new Reader(byTag.get(13)!.r.body).blob());
    expect(table).toMatch(/^sk\s+Eth Pid\s+Groups/);
    s.close();
    await s.closed;
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });

  it('loads and unloads a VM module on request, hiding the command from the terminal', async () => {
    const s = connect(relay.url, SITE);
    await s.ready;
    expect(await s.module('unload', 'nl_test')).toBe(0);
    expect(await s.module('unload', 'nl_test')).toBe(-2); // ENOENT: not loaded
    expect(await s.module('load', 'nl_test', ['delayed=1', 'replies=2'])).toBe(0);
    expect(await s.module('load', 'nl_test')).toBe(-17); // EEXIST
    expect(await s.module('load', 'no_such_module')).toBe(-2);
    await runOnConsole(s, 'cat /sys/module/nl_test/parameters/replies', '2');
    expect(s.text()).toContain('[netlink-lab: insmod nl_test delayed=1 replies=2 → 0]');
    expect(s.text()).not.toContain('modctl');
    s.close();
    await s.closed;
    expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
  });
});
