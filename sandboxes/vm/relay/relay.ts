/**
 * The VM relay: an HTTP server with a `/health` endpoint and a WebSocket endpoint `/` that boots
 * one VM per connection (see session.ts). A connection is refused, before any VM starts, unless it
 * carries the relay's token and comes from an allowed Origin (or from no browser at all); when
 * `maxSessions` VMs run, a new connection is accepted only to be closed with "server full".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { vmImage, type VmImage } from '../qemu.ts';
import {
  CLOSE,
  CMDLINE_PARAM,
  MAX_PAYLOAD,
  checkGuestCmdline,
  encodeControl,
} from '../../../src/agent/relay-frames.ts';
import { Session } from './session.ts';
import { sweepStaleCgroups } from './limits.ts';

/** Options of {@link startRelay}; see server.ts for the command-line flags. */
export interface RelayOptions {
  /** Address to listen on (default 127.0.0.1: only this machine can connect). */
  host?: string;
  /** TCP port (default 8765; 0 picks a free one). */
  port?: number;
  /** The secret a client must send as `?token=` (default: 24 random bytes, base64url). */
  token?: string;
  /** Origins allowed to connect from a browser (default: the site on 127.0.0.1/localhost:4321). */
  origins?: string[];
  /** Most VMs running at once (default 4). */
  maxSessions?: number;
  /** Guest RAM per VM in MiB (default 128). */
  memoryMB?: number;
  /** CPU share per VM, percent of one core (default 100). */
  cpuPercent?: number;
  /** Close a session after this many seconds without input (default 900). */
  idleTimeoutS?: number;
  /** Close a session after this many seconds in all (default 3600). */
  wallClockS?: number;
  /** Give up on a boot after this many seconds (default 120: TCG on a busy machine is slow). */
  bootTimeoutS?: number;
  /** Agent ports per VM, i.e. processes of a program at once (default 4). */
  agentPorts?: number;
  /** The VM image (default: the built one, build/vm). */
  image?: VmImage;
  /** Where to log one line per event (default: stderr). */
  log?: (line: string) => void;
}

/** A running relay. */
export interface Relay {
  /** The URL to paste into a lesson's Terminal panel: ws://host:port/?token=… */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string;
  /** Tags this relay's QEMU command lines: `pgrep -f netlink_lab.relay=<relayId>` finds its VMs. */
  readonly relayId: string;
  readonly origins: readonly string[];
  /** Sessions now open. */
  sessions(): number;
  /** Close every session (killing its VM), then the server. */
  close(): Promise<void>;
}

/** The origins of the site when it runs locally (`npm run dev`, `npm start`). */
export const DEFAULT_ORIGINS = ['http://127.0.0.1:4321', 'http://localhost:4321'];

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Refuse an upgrade with a plain HTTP answer (the browser sees a failed WebSocket). */
function refuse(socket: Duplex, status: number, text: string, message: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n` +
      `Content-Length: ${Buffer.byteLength(message)}\r\n\r\n${message}`,
  );
}

/** Start the relay; resolves once it listens. Throws if there is no VM image or the port is taken. */
export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const image = opts.image ?? vmImage();
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const origins = (opts.origins?.length ? opts.origins : DEFAULT_ORIGINS).map((o) => o.replace(/\/$/, ''));
  const maxSessions = opts.maxSessions ?? 4;
  const log = opts.log ?? ((l: string) => process.stderr.write(`vm relay: ${l}\n`));
  const relayId = randomBytes(4).toString('hex');
  const sessionConfig = {
    image,
    relayId,
    log,
    memoryMB: opts.memoryMB ?? 128,
    cpuPercent: opts.cpuPercent ?? 100,
    idleTimeoutS: opts.idleTimeoutS ?? 900,
    wallClockS: opts.wallClockS ?? 3600,
    bootTimeoutS: opts.bootTimeoutS ?? 120,
    agentPorts: opts.agentPorts ?? 4,
  };
  sweepStaleCgroups();
  const sessions = new Set<Session>();
  let closing = false;

  const tokenState = (url: URL) => {
    const t = url.searchParams.get('token');
    return t === null || t === '' ? 'missing' : sameSecret(t, token) ? 'valid' : 'invalid';
  };

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://relay');
    const origin = req.headers.origin;
    if (url.pathname === '/health') {
      // Any page may ask whether a relay runs (nothing secret is in the answer); only an allowed
      // origin may then connect.
      res.writeHead(200, {
        'content-type': 'application/json',
        'access-control-allow-origin': '*',
        'cache-control': 'no-store',
      });
      res.end(
        JSON.stringify({
          service: 'netlink-lab-vm-relay',
          version: 1,
          sessions: sessions.size,
          maxSessions,
          full: sessions.size >= maxSessions,
          originAllowed: origin === undefined || origins.includes(origin),
          token: tokenState(url),
          kernel: image.kernelRelease,
          agent: image.agent,
          // Sessions held by back-pressure now: reading of the VM paused (a client that stops
          // reading), reading of the client paused (a guest that does not read).
          backPressure: {
            vmReadPaused: [...sessions].filter((s) => s.vmReadPaused).length,
            clientReadPaused: [...sessions].filter((s) => s.clientReadPaused).length,
          },
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(
      "netlink-lab VM relay. Paste its ws:// URL (printed by `npm run vm`) into a lesson's Terminal panel; GET /health tells whether it runs.\n",
    );
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD + 1 });

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {
      /* the client went away during the handshake */
    });
    const url = new URL(req.url ?? '/', 'http://relay');
    const origin = req.headers.origin;
    if (closing) return refuse(socket, 503, 'Service Unavailable', 'The relay is shutting down.\n');
    if (url.pathname !== '/')
      return refuse(socket, 404, 'Not Found', 'The WebSocket endpoint is / (ws://host:port/?token=…).\n');
    if (origin !== undefined && !origins.includes(origin)) {
      log(`refused a connection from origin ${origin}`);
      return refuse(
        socket,
        403,
        'Forbidden',
        `Origin ${origin} may not use this relay. Restart it with \`npm run vm -- --origin ${origin}\`.\n`,
      );
    }
    const t = tokenState(url);
    if (t !== 'valid') {
      log(`refused a connection with ${t === 'missing' ? 'no' : 'a wrong'} token`);
      return refuse(
        socket,
        401,
        'Unauthorized',
        `${t === 'missing' ? 'No' : 'Wrong'} token: use the full URL that \`npm run vm\` printed (ws://…/?token=…).\n`,
      );
    }
    // A lesson's kernel command line (`&cmdline=…`): this session's VM boots with it.
    let cmdline = '';
    try {
      cmdline = checkGuestCmdline(url.searchParams.get(CMDLINE_PARAM) ?? '');
    } catch (e) {
      log(`refused a connection: ${(e as Error).message}`);
      return refuse(
        socket,
        400,
        'Bad Request',
        `Cannot boot a VM with this kernel command line: ${(e as Error).message}.\n`,
      );
    }
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      if (sessions.size >= maxSessions) {
        const reason = `server full: ${sessions.size} of ${maxSessions} VMs are running; try again when one ends`;
        log(`refused a session: ${reason}`);
        ws.send(encodeControl({ type: 'bye', code: CLOSE.SERVER_FULL, reason }));
        ws.close(CLOSE.SERVER_FULL, reason);
        setTimeout(() => ws.terminate(), 2000).unref();
        return;
      }
      const s = new Session(ws, sessionConfig, cmdline);
      sessions.add(s);
      void s.ended.then(() => {
        sessions.delete(s);
        log(`session ${s.id}: ended (${sessions.size} running)`);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(
              `Port ${opts.port ?? 8765} on ${host} is in use (another relay?). Stop it, or pick another port with --port.`,
            )
          : e,
      );
    });
    http.listen(opts.port ?? 8765, host, () => resolve());
  });
  const addr = http.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `ws://${urlHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    relayId,
    origins,
    sessions: () => sessions.size,
    async close() {
      if (closing) return;
      closing = true;
      await Promise.all([...sessions].map((s) => s.close(CLOSE.GOING_AWAY, 'the relay is shutting down')));
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
