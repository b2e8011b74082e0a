/**
 * A client of the VM relay (sandboxes/vm/relay): one WebSocket, one VM. Runs wherever a WebSocket
 * exists: a page, a worker, or Node (pass the `ws` package's class as `WebSocket`).
 */
import {
  CHANNEL,
  CLOSE,
  encodeControl,
  encodeData,
  decodeBinary,
  decodeServerText,
  type ServerMessage,
} from '../../agent/relay-frames.ts';

/** The part of the WebSocket API this client uses (the browser's and the `ws` package's agree). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
/** A WebSocket constructor. */
export type WebSocketClass = new (url: string) => WebSocketLike;

/** Why the session ended. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/** The `hello` the relay sends first. */
export type Hello = Extract<ServerMessage, { type: 'hello' }>;

/** Handlers for what the relay sends; each is optional. */
export interface RelayHandlers {
  /** Bytes the VM's console printed (boot messages, the shell). */
  console?(bytes: Uint8Array): void;
  /** Bytes an agent wrote to its virtio port (`port` 1…N). */
  agent?(bytes: Uint8Array, port: number): void;
  /** Every control message (hello, ready, pong, bye). */
  control?(m: ServerMessage): void;
}

/** An open session with the relay. */
export interface RelaySession {
  /** Resolves with the relay's `hello` (a VM is booting); rejects if the connection is refused. */
  readonly hello: Promise<Hello>;
  /** Resolves when the VM's shell is up; rejects if the session ends first. */
  readonly ready: Promise<{ bootMs: number }>;
  /** Resolves when the socket has closed (never rejects). */
  readonly closed: Promise<CloseInfo>;
  /** Type on the console: a string is sent as UTF-8. */
  sendConsole(data: string | Uint8Array): void;
  /** Write bytes to agent port `port` (1…N, default 1). */
  sendAgent(data: Uint8Array, port?: number): void;
  /** Round trip through the relay (not the VM), in ms. */
  ping(): Promise<number>;
  /** Load (with `name=value` params) or unload a VM module; resolves to 0 or -errno. */
  module(op: 'load' | 'unload', name: string, params?: string[]): Promise<number>;
  /** SIGKILL a process in the VM; resolves to 0, or -1 if there was none. */
  kill(pid: number): Promise<number>;
  /** Close the socket; the relay then kills the VM. */
  close(): void;
}

/**
 * What the learner sees when the connection fails before the relay said hello: a browser is not
 * told the HTTP status of a refused WebSocket, so this names the likely causes.
 */
export const REFUSED_HINT =
  'the relay refused or could not be reached. Is `npm run vm` running, and did you paste the full URL it printed (with ?token=…)? If the relay says "may not use this relay", restart it with --origin <this site\'s origin>.';

/** Connect to the relay at `url` (ws://host:port/?token=…). */
export function connectRelay(url: string, handlers: RelayHandlers = {}, WS?: WebSocketClass): RelaySession {
  const Ctor = WS ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!Ctor)
    throw new Error(
      'connectRelay: no WebSocket in this environment; pass one (e.g. the `ws` package) as the third argument.',
    );
  const ws = new Ctor(url);
  ws.binaryType = 'arraybuffer';
  const enc = new TextEncoder();
  const pings = new Map<number, { t0: number; resolve(ms: number): void }>();
  let nextPing = 1;
  const modules = new Map<number, (ret: number) => void>();
  let bye: CloseInfo | null = null;

  let helloOk!: (h: Hello) => void;
  let helloErr!: (e: Error) => void;
  let readyOk!: (r: { bootMs: number }) => void;
  let readyErr!: (e: Error) => void;
  let closedOk!: (c: CloseInfo) => void;
  const hello = new Promise<Hello>((a, b) => {
    helloOk = a;
    helloErr = b;
  });
  const ready = new Promise<{ bootMs: number }>((a, b) => {
    readyOk = a;
    readyErr = b;
  });
  const closed = new Promise<CloseInfo>((a) => {
    closedOk = a;
  });
  hello.catch(() => {});
  ready.catch(() => {});
  let gotHello = false;

  ws.onmessage = (ev) => {
    if (typeof ev.data === 'string') {
      const m = decodeServerText(ev.data);
      if (m.type === 'hello') {
        gotHello = true;
        helloOk(m);
      } else if (m.type === 'ready') readyOk({ bootMs: m.bootMs });
      else if (m.type === 'pong') {
        const p = pings.get(m.id);
        if (p) {
          pings.delete(m.id);
          p.resolve(performance.now() - p.t0);
        }
      } else if (m.type === 'module-result' || m.type === 'kill-result') {
        const p = modules.get(m.id);
        if (p) {
          modules.delete(m.id);
          p(m.ret);
        }
      } else if (m.type === 'bye') bye = { code: m.code, reason: m.reason };
      handlers.control?.(m);
      return;
    }
    const f = decodeBinary(new Uint8Array(ev.data as ArrayBuffer));
    if (f.kind !== 'data') return;
    if (f.channel === CHANNEL.CONSOLE) handlers.console?.(f.payload);
    else handlers.agent?.(f.payload, f.channel);
  };
  ws.onerror = () => {
    /* onclose follows with the code */
  };
  ws.onclose = (ev) => {
    // The relay sends its reason in a `bye` first: a close reason can be cut short.
    const info = bye ?? { code: ev.code, reason: ev.reason || (gotHello ? 'the connection was lost' : REFUSED_HINT) };
    const err = new Error(`VM relay: ${info.reason} (close code ${info.code})`);
    if (!gotHello) helloErr(err);
    readyErr(err);
    for (const p of pings.values()) p.resolve(NaN);
    for (const p of modules.values()) p(-5);
    closedOk(info);
  };

  const open = () => ws.readyState === 1;
  return {
    hello,
    ready,
    closed,
    sendConsole(data) {
      if (!open()) return;
      for (const f of encodeData(CHANNEL.CONSOLE, typeof data === 'string' ? enc.encode(data) : data)) ws.send(f);
    },
    sendAgent(data, port = CHANNEL.FIRST_AGENT) {
      if (!open()) throw new Error('VM relay: the session is closed; reconnect for a new VM');
      for (const f of encodeData(port, data)) ws.send(f);
    },
    ping() {
      const id = nextPing++;
      return new Promise<number>((resolve) => {
        pings.set(id, { t0: performance.now(), resolve });
        if (open()) ws.send(encodeControl({ type: 'ping', id }));
      });
    },
    module(op, name, params = []) {
      const id = nextPing++;
      return new Promise<number>((resolve) => {
        if (!open()) {
          resolve(-5);
          return;
        }
        modules.set(id, resolve);
        ws.send(encodeControl({ type: 'module', id, op, name, params }));
      });
    },
    kill(pid) {
      const id = nextPing++;
      return new Promise<number>((resolve) => {
        if (!open()) {
          resolve(-1);
          return;
        }
        modules.set(id, resolve);
        ws.send(encodeControl({ type: 'kill', id, pid }));
      });
    },
    close() {
      if (ws.readyState <= 1) ws.close(CLOSE.NORMAL, 'closed by the client');
    },
  };
}

/** What GET /health answers. */
export interface RelayHealth {
  service: 'netlink-lab-vm-relay';
  version: number;
  sessions: number;
  maxSessions: number;
  full: boolean;
  originAllowed: boolean;
  token: 'valid' | 'invalid' | 'missing';
  kernel: string;
  agent: boolean;
  /** Sessions whose relay stopped reading the VM (client too slow) or the client (guest too slow). */
  backPressure?: { vmReadPaused: number; clientReadPaused: number };
}

/** The relay's http:// health URL for its ws:// URL (the token is kept, to check it). */
export function healthUrl(wsUrl: string): string {
  const u = new URL(wsUrl);
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:';
  u.pathname = '/health';
  return u.toString();
}

/**
 * Ask the relay at `wsUrl` whether it runs, accepts this page's origin and knows the token.
 * Resolves to null when nothing answers (the relay is not running).
 */
export async function checkRelay(wsUrl: string, timeoutMs = 3000): Promise<RelayHealth | null> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), timeoutMs);
  try {
    // Not a literal in the call: Node's RequestInit (Node tools import this file too) has no `cache`.
    const init = { signal: ctl.signal, cache: 'no-store' as const };
    const r = await fetch(healthUrl(wsUrl), init);
    if (!r.ok) return null;
    const h = (await r.json()) as RelayHealth;
    return h.service === 'netlink-lab-vm-relay' ? h : null;
  } catch {
    return null;
  } finally {
    clearTimeout(t);
  }
}

/** Check that a pasted string is a relay URL; returns it normalised, or throws saying what is wrong. */
export function parseRelayUrl(text: string): string {
  const s = text.trim();
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new Error('That is not a URL. Paste the ws://…/?token=… line that `npm run vm` printed.');
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:')
    throw new Error(`A relay URL starts with ws:// (got ${u.protocol}//). Paste the line that \`npm run vm\` printed.`);
  if (!u.searchParams.get('token'))
    throw new Error('The URL has no ?token=…: paste the whole line that `npm run vm` printed.');
  return u.toString();
}
