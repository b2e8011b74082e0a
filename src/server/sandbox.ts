/**
 * Running untrusted code for the class server, one process per job (sandbox-child.ts):
 *
 * - the process is Node with the permission model on and nothing granted: no file can be opened
 *   (its code arrives on standard input), no child process, no worker thread;
 * - it lives in a network namespace of its own (`unshare -rn`: only a loopback that is down), so
 *   it reaches no address, not even this server's; where unprivileged user namespaces are off the
 *   server says so at start and `network: 'shared'` is reported;
 * - the learner's code sees no Node global (sandbox-child.ts removes them before it runs);
 * - the V8 heap is capped, the process's resident memory is watched and the process killed past
 *   `memoryMB`, and it is killed past `timeoutMs` of CPU time (or four times that of wall time);
 * - it gets one job and answers once, tagged with a nonce it was given: nothing it prints counts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface SandboxLimits {
  timeoutMs: number;
  memoryMB: number;
}
export const DEFAULT_LIMITS: SandboxLimits = { timeoutMs: 20_000, memoryMB: 256 };

export type SandboxOutcome<T> =
  | { ok: true; value: T; ms: number }
  | { ok: false; reason: 'timeout' | 'memory' | 'crash'; message: string; ms: number };

let bundle: Promise<string> | undefined;

/** The child's code, bundled once per server process. */
export function childCode(): Promise<string> {
  bundle ??= (async () => {
    const esbuild = await import('esbuild');
    const r = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./sandbox-child.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'iife', // its names stay in its own scope, not on the global object (stdin runs as a script)
      target: 'node20',
      write: false,
      logLevel: 'silent',
      // Strict code throughout: a stack frame of the runner gives a program neither its function
      // nor its `this` (Error.prepareStackTrace's CallSite, Function.prototype.caller).
      banner: { js: '"use strict";' },
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    return r.outputFiles[0]!.text;
  })();
  return bundle;
}

let netMode: 'unshare' | 'shared' | undefined;

/** Whether the sandbox can have a network namespace of its own here (checked once). */
export function networkIsolation(): 'unshare' | 'shared' {
  if (netMode) return netMode;
  const r = spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore' });
  netMode = r.status === 0 ? 'unshare' : 'shared';
  return netMode;
}

const permissionFlag = Number(process.versions.node.split('.')[0]) >= 22 ? '--permission' : '--experimental-permission';

/** CPU time (user + system) the process has used, in ms; undefined once it is gone. */
function cpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return undefined;
  }
}

function rssMB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Run one job in a fresh sandboxed process. */
export async function runInSandbox<T>(
  job: Record<string, unknown>,
  limits: SandboxLimits = DEFAULT_LIMITS,
): Promise<SandboxOutcome<T>> {
  const code = await childCode();
  const nonce = randomBytes(16).toString('hex');
  const heap = Math.max(32, Math.floor(limits.memoryMB * 0.75));
  const node = [
    process.execPath,
    permissionFlag,
    `--max-old-space-size=${heap}`,
    '--max-semi-space-size=8',
    '--no-warnings',
    '-',
  ];
  const argv = networkIsolation() === 'unshare' ? ['unshare', '-rn', ...node] : node;
  const started = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    stdio: ['pipe', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
    env: {},
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString();
  });
  child.stdin!.on('error', () => {});
  child.stdin!.end(code);
  return await new Promise<SandboxOutcome<T>>((resolve) => {
    let done = false;
    let sent = false;
    const end = (o: SandboxOutcome<T>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(watch);
      if (child.exitCode === null) child.kill('SIGKILL');
      resolve(o);
    };
    const ms = () => Math.round(performance.now() - started);
    // The limit is on CPU time, so a busy machine does not fail a program that would pass; wall
    // time is capped too (a program cannot sleep: its kernel's clock is virtual).
    const wall = Math.max(4 * limits.timeoutMs, 60_000);
    const timer = setTimeout(
      () =>
        end({
          ok: false,
          reason: 'timeout',
          message: `stopped after ${wall} ms of wall time (the time limit)`,
          ms: ms(),
        }),
      wall,
    );
    // The program's pid is the node process's; under unshare, node replaces unshare (exec).
    // CPU time is counted from the moment the job is handed over: starting Node and reading the
    // runner's code are not the program's.
    let cpuAtStart: number | undefined;
    const watch = setInterval(() => {
      const total = child.pid && cpuAtStart !== undefined ? cpuMs(child.pid) : undefined;
      const cpu = total !== undefined ? total - cpuAtStart! : undefined;
      if (cpu !== undefined && cpu > limits.timeoutMs)
        return end({
          ok: false,
          reason: 'timeout',
          message: `stopped after ${Math.round(cpu)} ms of CPU time (the time limit is ${limits.timeoutMs} ms)`,
          ms: ms(),
        });
      const mb = child.pid ? rssMB(child.pid) : undefined;
      if (mb !== undefined && mb > limits.memoryMB)
        end({
          ok: false,
          reason: 'memory',
          message: `stopped at ${Math.round(mb)} MB (the memory limit is ${limits.memoryMB} MB)`,
          ms: ms(),
        });
    }, 25);
    child.on('message', (m: Record<string, unknown>) => {
      if (m?.ready === true && !sent) {
        sent = true;
        cpuAtStart = child.pid ? (cpuMs(child.pid) ?? 0) : 0;
        child.send({ ...job, nonce });
        return;
      }
      if (!m || m.nonce !== nonce) return;
      if (typeof m.crash === 'string') return end({ ok: false, reason: 'crash', message: m.crash, ms: ms() });
      end({ ok: true, value: m as T, ms: ms() });
    });
    child.on('error', (e) => end({ ok: false, reason: 'crash', message: e.message, ms: ms() }));
    child.on('exit', (codeN, sig) => {
      const heapOut = /heap out of memory|Allocation failed/i.test(stderr);
      end({
        ok: false,
        reason: heapOut ? 'memory' : 'crash',
        message: heapOut
          ? `stopped at the memory limit (${limits.memoryMB} MB): its JavaScript heap reached its share, ${heap} MB`
          : `the sandbox exited (${sig ?? codeN}) without an answer${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`,
        ms: ms(),
      });
    });
  });
}
