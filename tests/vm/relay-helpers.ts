/**
 * Helpers of the relay tests: start the relay as its own process (as `npm run vm` does), connect
 * like a browser would, and find the relay's QEMU processes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { connectRelay, type RelaySession, type WebSocketClass } from '../../src/runtime/vm/relay-client.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A relay running as a child process. */
export interface RelayProcess {
  child: ChildProcess;
  url: string;
  port: number;
  relayId: string;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /**
   * Resolves once what it prints after `from` (an offset into output()) matches `re`; rejects when
   * `ms` pass first or the relay exits.
   */
  printed(re: RegExp, from: number, ms?: number): Promise<RegExpExecArray>;
  /** Resolves with its exit code or signal. */
  exited: Promise<number | string>;
}

/**
 * Start `sandboxes/vm/relay/server.ts` with node + tsx's loader directly, so that the child's pid
 * is the relay's own (`tsx file.ts` puts a supervisor process in between; `viaTsxCli` does that).
 */
export async function spawnRelay(
  args: string[] = [],
  opts: { viaTsxCli?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<RelayProcess> {
  // viaTsxCli: as `npm run vm` starts it, with tsx's command line (a supervisor process) in between.
  const launcher = opts.viaTsxCli ? ['node_modules/tsx/dist/cli.mjs'] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...launcher, 'sandboxes/vm/relay/server.ts', '--port', '0', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: opts.env ?? process.env,
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const exited = new Promise<number | string>((r) => child.on('exit', (code, sig) => r(sig ?? code ?? -1)));
  /** Resolves once `ok()` holds, checked each time the relay prints; rejects on `ms` or its exit. */
  const until = (ok: () => boolean, what: string, from: number, ms: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!ok()) return;
        done();
        resolve();
      };
      const fail = (why: string) => () => {
        done();
        reject(new Error(`the relay ${why} before printing ${what}:\n${out.slice(from)}`));
      };
      const timer = setTimeout(fail(`took more than ${ms} ms`), ms);
      const exit = fail('exited');
      const done = () => {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        child.stderr!.off('data', check);
        child.off('exit', exit);
      };
      // Added after the listeners above: `out` already holds the chunk that fired them.
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
      child.on('exit', exit);
      if (child.exitCode !== null || child.signalCode !== null) exit();
      else check();
    });
  const printed = async (re: RegExp, from: number, ms = 30_000) => {
    let m: RegExpExecArray | null = null;
    await until(() => (m = re.exec(out.slice(from))) !== null, String(re), from, ms);
    return m!;
  };
  const URL_RE = /ws:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)/;
  const ID_RE = /relay id ([0-9a-f]+)/;
  try {
    await until(() => URL_RE.test(out) && ID_RE.test(out), 'its URL and id', 0, 30_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`the relay did not start: ${(e as Error).message}`);
  }
  const m = URL_RE.exec(out)!;
  const id = ID_RE.exec(out)!;
  return { child, url: m[0], port: Number(m[1]), relayId: id[1]!, output: () => out, printed, exited };
}

/** A session and everything its console printed. */
export interface TestSession extends RelaySession {
  text(): string;
  /** Call `listener` each time the console prints; returns the function that removes it. */
  onText(listener: () => void): () => void;
}

/** Connect as the lesson terminal does (with the `ws` package in Node, optionally as a page of `origin`). */
export function connect(url: string, origin?: string): TestSession {
  const WS = class extends WebSocket {
    constructor(u: string) {
      super(u, origin ? { origin } : {});
    }
  } as unknown as WebSocketClass;
  let text = '';
  const dec = new TextDecoder();
  const listeners = new Set<() => void>();
  const s = connectRelay(
    url,
    {
      console: (b) => {
        text += dec.decode(b, { stream: true });
        for (const l of listeners) l();
      },
    },
    WS,
  );
  const onText = (l: () => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return Object.assign(s, { text: () => text, onText });
}

/** The pids of QEMU processes started by the relay with this id (its VMs carry the tag). */
export function relayQemuPids(relayId: string): number[] {
  const r = spawnSync('pgrep', ['-f', `qemu-system.*netlink_lab\\.relay=${relayId}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

/**
 * Wait until `check` holds, polling every 100 ms; returns whether it did within `ms`. Only for
 * conditions no event announces (QEMU is the relay's child, not ours: its exit is seen with pgrep);
 * what a socket receives is waited on with its own events.
 */
export async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/**
 * Type a command on a session's console and wait for its marker output: `echo ok-1` → resolves
 * when "ok-1" appears on a line of its own in what the console printed after the command.
 */
export function runOnConsole(s: TestSession, command: string, expect: string, ms = 60_000): Promise<void> {
  const buffer = s.text;
  const start = buffer().length;
  const re = new RegExp(`\\r?\\n${expect}\\r?\\n`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${expect}" within ${ms} ms; console printed:\n${buffer().slice(start)}`));
    }, ms);
    const off = s.onText(() => {
      if (!re.test(buffer().slice(start))) return;
      clearTimeout(timer);
      off();
      resolve();
    });
    s.sendConsole(`${command}\r`);
  });
}

/** How many sessions the relay on `port` has open (from /health). */
export async function openSessions(port: number): Promise<number> {
  const h = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { sessions: number };
  return h.sessions;
}

/**
 * Wait until the relay on `port` has no session and no QEMU of `relayId` runs: polled, as neither
 * announces itself to the test (QEMU is the relay's child; the count comes from GET /health).
 */
export async function waitIdle(port: number, relayId: string, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (relayQemuPids(relayId).length === 0 && (await openSessions(port)) === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
