/**
 * One run of a learner's program against a fresh simulated kernel: compile, link against
 * netlink-lab's modules, run as the first process, collect everything the panels show (output,
 * syscalls with their bytes, kernel trace, kernel events, kernel state) in batches, then run the
 * lesson's checks. Runs wherever the kernel runs: in the playground's worker, or in Node for tests.
 */
import { setBackend, type Backend } from '../api/backend.ts';
import { setObserver, type SyscallEvent } from '../api/observe.ts';
import { ErrnoError } from '../api/errno.ts';
import {
  compile,
  link,
  loadModule,
  ProgramError,
  sourceColumn,
  type CompiledFile,
  type CompileCache,
  type Libraries,
  type ProgramConsole,
  type ProgramFiles,
} from './program.ts';
import { errorLocation, errorText, formatArgs } from './format.ts';
import type { KernelEvent, KernelState, TraceEntry } from './kernel-view.ts';
import type { Batch, CheckResult, ChecksInput, Exit, OutputLine, Snapshot, SyscallRecord } from './messages.ts';

/** What a session needs of the simulated kernel (sandboxes/sim/host's SimKernel). */
export interface SessionKernel extends Backend {
  /** The function-call tracer; `available: false` on a kernel that has none (the VM's Linux). */
  trace: { enable(on?: boolean): void; clear(): void; available?: boolean };
  state(): KernelState;
  onEvent(listener: (e: KernelEvent) => void): unknown;
  /** Run `main` as the first process; resolves when every process has ended. */
  run?(main: () => Promise<void>, opts?: { name?: string }): Promise<{ status: number; error?: unknown }>;
}

/** What the program is and where its reports go. */
export interface SessionOptions {
  runId: number;
  files: ProgramFiles;
  entry: string;
  checks?: string;
  /** The modules a program can import by name: 'netlink-lab/user', 'netlink-lab/kernel'. */
  libs: Libraries;
  /**
   * Hand the checks' input to someone else instead of running the checks here: the playground's
   * worker sends it to a fresh worker, so nothing the program did to this realm can sway the checks.
   */
  checksElsewhere?(input: ChecksInput): void;
  /** Receives each batch, the check results and the exit. */
  post(msg: Batch | Exit | { type: 'checks'; runId: number; results: CheckResult[]; error?: string }): void;
  /** Flush a batch after this many items even if the timer has not fired (a busy program starves timers). */
  batchItems?: number;
  /**
   * Forward at most this many lines to the page (a printing loop must not flood it): the first ones
   * as they are printed, then only the latest (a third of them, at most 1000), so the page shows
   * the start and the end of a flood and says exactly which lines it left out (Batch.cut).
   */
  maxOutputLines?: number;
  /** Files compiled ahead of time (see CompileCache): taken from here when their source is unchanged. */
  compileCache?: CompileCache;
  /** Start a timer; the session flushes on it (setTimeout in a worker). */
  schedule?(fn: () => void, ms: number): unknown;
}

const OUTPUT_LIMIT = 3000;
/** How often (ms) the latest lines of a flood are sent while it goes on. */
const TAIL_EVERY_MS = 100;
/**
 * Lines are sent one by one as printed, unless more than this many come within OUT_WINDOW_MS (a
 * printing loop): then they go out together at most every OUT_WINDOW_MS, which keeps a flood fast.
 */
const BURST_LINES = 64;
const OUT_WINDOW_MS = 16;
/** A state snapshot follows each of the first this many syscalls, then every tenth. */
const SNAPSHOTS_EVERY = 300;
/**
 * How much of each kind a run sends to the page at most: a program looping for a long time must
 * not flood the page (it stays responsive, and its watchdog can act). Checks still see up to
 * KEPT_FOR_CHECKS syscalls and output lines.
 */
export const SEND_LIMITS = { syscalls: 5000, trace: 20000, kernel: 5000, snapshots: 1000 };
const KEPT_FOR_CHECKS = 100_000;

/** Run the program; resolves when it ended and the checks ran. */
export async function runSession(kernel: SessionKernel, o: SessionOptions): Promise<Exit> {
  const started = performance.now();
  const limit = o.maxOutputLines ?? OUTPUT_LIMIT;
  const batchItems = o.batchItems ?? 200;
  const schedule = o.schedule ?? ((fn, ms) => setTimeout(fn, ms));
  const output: OutputLine[] = [];
  const allOutput: string[] = [];
  const events: SyscallRecord[] = [];
  let batch: Batch = empty(o.runId);
  let dirty = false;
  let timer = false;
  let printed = 0;
  const tailSize = Math.min(1000, Math.floor(limit / 3));
  const head = limit - tailSize;
  let tail: OutputLine[] = [];
  let tailSentAt = 0;
  let tailSent = true;
  let tailTimer = false;
  let snapshots = 0;
  const sent = { syscalls: 0, trace: 0, kernel: 0, snapshots: 0 };
  // The whole trace, for the checks (entries are completed in place as functions return); given
  // to them only if the tracer ran the whole time (see CheckInput.trace in lessons/check-api.ts).
  const traceForChecks: TraceEntry[] = [];
  let traceComplete = kernel.trace.available !== false;
  // Whether there is room for `n` more of `kind`; says once (in the output) when there is not.
  const room = (kind: keyof typeof SEND_LIMITS, n = 1): boolean => {
    if (sent[kind] + n <= SEND_LIMITS[kind]) {
      sent[kind] += n;
      return true;
    }
    if (sent[kind] <= SEND_LIMITS[kind]) {
      sent[kind] = SEND_LIMITS[kind] + 1;
      const what = {
        syscalls: 'syscalls',
        trace: 'kernel trace entries',
        kernel: 'kernel events',
        snapshots: 'kernel state snapshots',
      }[kind];
      batch.output.push({
        stream: 'system',
        text: `The panels show the first ${SEND_LIMITS[kind]} ${what} of this run; later ones are left out.`,
      });
      if (kind === 'trace') {
        kernel.trace.enable(false);
        traceComplete = false;
      }
    }
    return false;
  };
  const sendTrace = (entries: TraceEntry[]) => {
    if (room('trace', entries.length)) batch.trace.push(...entries.map((t) => ({ ...t })));
  };

  // A syscall's trace is sent whole, once its outermost function returned: entries are reported
  // on entry and completed (ret, exit) in place, so sending them earlier would send them unfinished.
  const open = new Map<number, TraceEntry[]>();
  const closeTraces = (all: boolean) => {
    for (const [pid, entries] of open) {
      if (!all && entries[0]!.exit === undefined) continue;
      sendTrace(entries);
      open.delete(pid);
    }
  };
  const flush = (all = false) => {
    timer = false;
    closeTraces(all);
    if (!dirty && batch.trace.length === 0) return;
    batch.state = safeState(kernel);
    o.post(batch);
    batch = empty(o.runId);
    dirty = false;
  };
  // Reports go out at once (Run → first output, and the last words of a program about to spin
  // forever without yielding), up to a few flushes per 30 ms; beyond that they are batched.
  let windowStart = -Infinity;
  let windowFlushes = 0;
  const touched = () => {
    dirty = true;
    const n = batch.output.length + batch.syscalls.length + batch.trace.length + batch.kernel.length;
    const now = performance.now();
    if (now - windowStart > 30) {
      windowStart = now;
      windowFlushes = 0;
    }
    if (n >= batchItems || windowFlushes < 8) {
      windowFlushes += 1;
      flush();
    } else if (!timer) {
      timer = true;
      schedule(flush, 40);
    }
  };
  // Output goes to the page as it is printed, in a message of its own: a program that spins
  // without yielding right after printing must not take its last words with it when it is stopped.
  let outWindow = -Infinity;
  let outInWindow = 0;
  let outTimer = false;
  const sendOutput = () => {
    if (batch.output.length === 0) return;
    o.post({ ...empty(o.runId), output: batch.output });
    batch.output = [];
  };
  const printed1 = () => {
    const now = performance.now();
    if (now - outWindow > OUT_WINDOW_MS) {
      outWindow = now;
      outInWindow = 0;
    }
    outInWindow += 1;
    if (outInWindow <= BURST_LINES) return sendOutput();
    if (!outTimer) {
      outTimer = true;
      schedule(() => {
        outTimer = false;
        sendOutput();
      }, OUT_WINDOW_MS);
    }
  };
  // Beyond the first `head` lines, the page gets the latest `tailSize` lines, replaced as they come.
  const sendTail = () => {
    if (tailSent) return;
    tailSent = true;
    tailSentAt = performance.now();
    if (tail.length > tailSize) tail = tail.slice(-tailSize);
    o.post({ ...empty(o.runId), cut: { head, printed, tail: tail.slice() } });
  };
  const print = (stream: OutputLine['stream'], text: string) => {
    if (allOutput.length < KEPT_FOR_CHECKS) allOutput.push(text);
    printed += 1;
    const line: OutputLine = { stream, text, time: kernel.now() };
    const pid = currentPid(kernel);
    if (pid !== undefined) line.pid = pid;
    if (printed > head) {
      tail.push(line);
      if (tail.length >= 2 * tailSize) tail = tail.slice(-tailSize);
      tailSent = false;
      if (performance.now() - tailSentAt >= TAIL_EVERY_MS) sendTail();
      else if (!tailTimer) {
        tailTimer = true;
        schedule(() => {
          tailTimer = false;
          sendTail();
        }, TAIL_EVERY_MS);
      }
      return;
    }
    output.push(line);
    batch.output.push(line);
    printed1();
  };
  const console: ProgramConsole = {
    log: (...a) => print('log', formatArgs(a)),
    info: (...a) => print('info', formatArgs(a)),
    warn: (...a) => print('warn', formatArgs(a)),
    error: (...a) => print('error', formatArgs(a)),
  };

  // Which protocol each (pid, fd) has, so the Messages panel can decode the bytes.
  const protocols = new Map<string, number>();

  kernel.onEvent((e) => {
    if (e.kind === 'trace') {
      const t = (e.entry ?? e) as TraceEntry;
      if (traceComplete) {
        if (traceForChecks.length < KEPT_FOR_CHECKS) traceForChecks.push(t);
        else traceComplete = false;
      }
      const group = open.get(t.pid);
      if (t.depth === 0 || !group) {
        if (group) sendTrace(group);
        open.set(t.pid, [t]);
      } else {
        group.push(t);
      }
      dirty = true;
      return;
    }
    if (!room('kernel') && e.kind !== 'lockup' && e.kind !== 'deadlock') return;
    batch.kernel.push(e);
    touched();
  });
  kernel.trace.enable(true);
  setBackend(kernel);
  setObserver((e: SyscallEvent) => {
    const rec: SyscallRecord = { ...e };
    if (e.syscall === 'socket' && e.ret !== undefined && e.socket)
      protocols.set(`${e.pid}:${e.ret}`, e.socket.protocol);
    const p = e.fd !== undefined ? protocols.get(`${e.pid}:${e.fd}`) : undefined;
    if (p !== undefined) rec.protocol = p;
    if (e.syscall === 'close' && e.fd !== undefined) protocols.delete(`${e.pid}:${e.fd}`);
    // Checks see a refused sendto/sendmsg as before, without bytes (the panels show what it tried to
    // send); a refused write keeps the bytes it was given, which part 1's checks read.
    if (events.length < KEPT_FOR_CHECKS)
      events.push(
        rec.errno !== undefined && rec.data && (rec.syscall === 'sendto' || rec.syscall === 'sendmsg')
          ? withoutData(rec)
          : rec,
      );
    if (!room('syscalls')) return;
    batch.syscalls.push(rec);
    // The state after each syscall (every 10th once there were many), so the panel can step back
    // to a moment when the sockets still existed.
    snapshots += 1;
    if ((snapshots <= SNAPSHOTS_EVERY || snapshots % 10 === 0) && room('snapshots')) {
      const state = safeState(kernel);
      // The log only grows: a snapshot keeps how long it was, the page has the lines.
      if (state)
        (batch.snapshots ??= []).push({
          after: `${e.syscall} in pid ${e.pid}`,
          state: { ...state, dmesg: [] },
          dmesgLines: state.dmesg.length,
        } satisfies Snapshot);
    }
    touched();
  });

  let exit: Exit;
  let compiled: Map<string, CompiledFile> | undefined;
  let ran = false;
  try {
    compiled = compile(o.files, o.compileCache);
    const main = link(compiled, o.entry, o.libs, console);
    ran = true;
    const failure = await runAsProcess(kernel, main);
    exit =
      failure === undefined
        ? { type: 'exit', runId: o.runId, status: 'ok', time: kernel.now(), wallMs: 0 }
        : {
            type: 'exit',
            runId: o.runId,
            status: 'error',
            error: describe(failure, compiled),
            time: kernel.now(),
            wallMs: 0,
          };
  } catch (e) {
    exit = {
      type: 'exit',
      runId: o.runId,
      status: 'error',
      error: describe(e, compiled ?? new Map()),
      time: safeNow(kernel),
      wallMs: 0,
    };
  } finally {
    setObserver(null);
  }
  // A program that never started (it did not compile) leaves the checks as they were.
  if (!ran) exit.ran = false;
  if (exit.error) print('error', exit.error.message);
  sendOutput();
  sendTail();
  flush(true);

  if (o.checks && ran) {
    const input: ChecksInput = {
      output: allOutput.join('\n'),
      events,
      state: safeState(kernel),
      ...(traceComplete ? { trace: traceForChecks } : {}),
    };
    if (o.checksElsewhere) o.checksElsewhere(input);
    else o.post({ type: 'checks', runId: o.runId, ...(await runChecks(o.checks, input, o.libs, console)) });
  }
  setBackend(null);
  exit.wallMs = Math.round(performance.now() - started);
  o.post(exit);
  return exit;
}

/**
 * Run `main` as the simulated system's first process and wait until every process it started has
 * ended too; resolves to what `main` threw, if anything.
 */
async function runAsProcess(kernel: SessionKernel, main: () => Promise<unknown>): Promise<unknown> {
  let failure: unknown;
  const body = async () => {
    try {
      await main();
    } catch (e) {
      failure = e ?? new Error('the program threw undefined');
    }
  };
  if (kernel.run) {
    await kernel.run(body, { name: 'main' });
  } else {
    await kernel.waitpid(await kernel.spawn(body, { name: 'main' }));
  }
  return failure;
}

/** Run a lesson's checks.ts (its source) on what a run left behind. */
export async function runChecks(
  source: string,
  input: ChecksInput,
  libs: Libraries,
  console: ProgramConsole = globalThis.console,
): Promise<{ results: CheckResult[]; error?: string }> {
  try {
    const mod = loadModule(compile({ 'checks.ts': source }), 'checks.ts', libs, console);
    const fn = mod.default;
    if (typeof fn !== 'function') throw new Error('checks.ts has no default-exported function.');
    const results = await (fn as (i: unknown) => CheckResult[] | Promise<CheckResult[]>)(input);
    return { results: Array.isArray(results) ? results : [] };
  } catch (e) {
    return {
      results: [],
      error: `The lesson's checks failed to run: ${e instanceof Error ? errorText(e) : String(e)}`,
    };
  }
}

function describe(e: unknown, compiled: Map<string, CompiledFile>): Exit['error'] {
  if (e instanceof ProgramError)
    return { message: `Syntax error in ${e.message}`, file: e.file, line: e.line, column: e.column };
  const files = [...compiled.values()].map((f) => f.file);
  const found = errorLocation(e, files);
  // The compiled line has lost its type annotations: map the column back to the source's.
  const at = found
    ? {
        ...found,
        column: sourceColumn(
          [...compiled.values()].find((f) => f.file === found.file),
          found.line,
          found.column,
        ),
      }
    : undefined;
  const text =
    e instanceof ErrnoError
      ? `Uncaught ${errorText(e)}`
      : e instanceof Error
        ? `Uncaught ${errorText(e)}`
        : `Uncaught ${String(e)}`;
  return at ? { message: `${text}\n    at ${at.file}:${at.line}:${at.column}`, ...at } : { message: text };
}

const withoutData = ({ data: _d, dir: _dir, addr: _a, ...rest }: SyscallRecord): SyscallRecord => rest;
const empty = (runId: number): Batch => ({ type: 'batch', runId, output: [], syscalls: [], trace: [], kernel: [] });
const currentPid = (k: SessionKernel): number | undefined => {
  try {
    return k.getpid();
  } catch {
    return undefined;
  }
};
const safeNow = (k: SessionKernel): number => {
  try {
    return k.now();
  } catch {
    return 0;
  }
};
const safeState = (k: SessionKernel): KernelState | undefined => {
  try {
    return k.state();
  } catch {
    return undefined;
  }
};
