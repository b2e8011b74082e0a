/**
 * Processes and time: a deterministic cooperative scheduler with a virtual clock.
 *
 * One process runs at a time. A syscall that can complete at once returns at once (no scheduler
 * round trip); one that must wait calls block(), which suspends only its process and runs the next
 * runnable one. When nothing is runnable the clock jumps to the next timer; when nothing is
 * runnable and no timer is pending while processes still wait, that is a deadlock: it is reported
 * and every waiting process gets an EDEADLK error instead of hanging.
 *
 * Processes are async functions. A process must only await the kernel (syscalls, sleep, waitpid);
 * awaiting something else (a real timer, fetch) stalls the simulated machine until it settles.
 */
import { ErrnoError, ERRNO } from '../../../src/api/errno.ts';

export type ProcState = 'running' | 'runnable' | 'blocked' | 'sleeping' | 'exited';

/** A simulated process. */
export class Process {
  state: ProcState = 'runnable';
  waitingOn: string | undefined;
  status = 0;
  error: unknown;
  /** Promises of kernel-module code running in this process's context (async input callbacks). */
  pending: Promise<unknown>[] = [];
  resume: ((v: boolean) => void) | null = null;
  fail: ((e: unknown) => void) | null = null;
  wakeValue = true;
  wakeError: unknown = undefined;
  exitWaiters: (() => void)[] = [];
  /** The wait queue it sleeps on, so a wake-up can take it off. */
  queue: Set<Process> | null = null;
  timer: Timer | null = null;
  syscall = '';
  constructor(readonly pid: number, readonly name: string, readonly uid: number) {}
}

interface Timer { at: number; seq: number; proc: Process; cancelled: boolean }

/** What the scheduler tells its owner. */
export interface SchedHooks {
  /** A process goes on the CPU (the kernel's `current`). */
  switchTo(pid: number): void;
  /** A process changed state (for the timeline). */
  procEvent(p: Process, reason?: string): void;
  /** Every process waits and no timer is pending. */
  deadlock(text: string, waiting: Process[]): void;
  /** A process ended (close its files). */
  exited(p: Process): void;
}

/** The scheduler and the virtual clock. */
export class Scheduler {
  /** Virtual time in ms. */
  now = 0;
  running: Process | null = null;
  readonly procs = new Map<number, Process>();
  private readonly runq: Process[] = [];
  private timers: Timer[] = [];
  private seq = 0;
  // Pids start where a small number in a program's output is unlikely to be mistaken for one.
  private nextPid = 2718;
  private dispatching = false;
  private idleWaiters: (() => void)[] = [];
  private deadlocks = 0;

  constructor(private readonly hooks: SchedHooks) {}

  /** A new process running `main`, runnable at once. */
  spawn(main: () => Promise<unknown>, name: string, uid: number, onCreate: (p: Process) => void): Process {
    const p = new Process(this.nextPid++, name, uid);
    this.procs.set(p.pid, p);
    onCreate(p);
    void (async () => {
      await new Promise<boolean>((res) => { p.resume = res; });
      try {
        await main();
      } catch (e) {
        p.status = 1;
        p.error = e;
      }
      this.exit(p);
    })();
    this.runq.push(p);
    if (!this.running && !this.dispatching) queueMicrotask(() => this.dispatch());
    this.hooks.procEvent(p, 'spawn');
    return p;
  }

  private exit(p: Process): void {
    p.state = 'exited';
    p.waitingOn = undefined;
    this.hooks.exited(p);
    this.hooks.procEvent(p, p.status ? 'exit 1' : 'exit 0');
    for (const w of p.exitWaiters.splice(0)) w();
    if (this.running === p) this.running = null;
    this.dispatch();
  }

  /** Whether every process has exited. */
  allExited(): boolean {
    for (const p of this.procs.values()) if (p.state !== 'exited') return false;
    return true;
  }

  /** Resolves once every process has exited. */
  whenIdle(): Promise<void> {
    if (this.allExited()) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  private makeRunnable(p: Process): void {
    if (p.state === 'exited' || p.state === 'runnable' || p.state === 'running') return;
    p.state = 'runnable';
    this.runq.push(p);
    if (!this.running && !this.dispatching) queueMicrotask(() => this.dispatch());
  }

  /**
   * Suspend the running process until wake() (resolves true) or the timeout (resolves false).
   * `queue` is the wait queue it joins; `timeoutMs` a virtual-time limit (undefined: none).
   */
  block(reason: string, state: 'blocked' | 'sleeping', queue: Set<Process> | null, timeoutMs?: number): Promise<boolean> {
    const p = this.running;
    if (!p) return Promise.reject(new Error(`${reason}: called outside any process of the simulated kernel.`));
    p.state = state;
    p.waitingOn = reason;
    p.queue = queue;
    queue?.add(p);
    if (timeoutMs !== undefined) {
      const t: Timer = { at: this.now + Math.max(0, timeoutMs), seq: this.seq++, proc: p, cancelled: false };
      p.timer = t;
      this.addTimer(t);
    }
    const promise = new Promise<boolean>((res, rej) => { p.resume = res; p.fail = rej; });
    this.running = null;
    this.hooks.procEvent(p, reason);
    this.dispatch();
    return promise;
  }

  /** Wake a process sleeping in block(): it becomes runnable; block() resolves to `value`. */
  wake(p: Process, value = true, error?: unknown): void {
    if (p.state !== 'blocked' && p.state !== 'sleeping') return;
    p.queue?.delete(p);
    p.queue = null;
    if (p.timer) { p.timer.cancelled = true; p.timer = null; }
    p.wakeValue = value;
    p.wakeError = error;
    this.makeRunnable(p);
  }

  /** Wake everyone on a wait queue. */
  wakeAll(q: Set<Process> | undefined): void {
    if (!q || q.size === 0) return;
    for (const p of [...q]) this.wake(p, true);
  }

  private addTimer(t: Timer): void {
    // Sorted by time, then by arming order: deterministic.
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1].at > t.at || (this.timers[i - 1].at === t.at && this.timers[i - 1].seq > t.seq))) i--;
    this.timers.splice(i, 0, t);
  }

  /** Run the next runnable process, advancing the clock or reporting a deadlock when none is. */
  dispatch(): void {
    if (this.running || this.dispatching) return;
    this.dispatching = true;
    try {
      for (;;) {
        const p = this.runq.shift();
        if (p) {
          if (p.state !== 'runnable') continue;
          this.running = p;
          p.state = 'running';
          p.waitingOn = undefined;
          this.hooks.switchTo(p.pid);
          this.hooks.procEvent(p);
          const err = p.wakeError;
          p.wakeError = undefined;
          if (err !== undefined && p.fail) p.fail(err);
          else p.resume?.(p.wakeValue);
          p.wakeValue = true;
          return;
        }
        const t = this.timers.shift();
        if (t) {
          if (t.cancelled) continue;
          if (t.at > this.now) this.now = t.at;
          t.proc.timer = null;
          this.wake(t.proc, false);
          continue;
        }
        const waiting = [...this.procs.values()].filter((q) => q.state === 'blocked' || q.state === 'sleeping');
        if (waiting.length) {
          this.deadlocks++;
          const text = `deadlock: every process is waiting and no timer is pending (virtual time ${this.now} ms): ` +
            waiting.map((q) => `${q.name}[${q.pid}] in ${q.waitingOn ?? 'sleep'}`).join('; ');
          this.hooks.deadlock(text, waiting);
          for (const q of waiting) {
            // A program that keeps retrying after EDEADLK would deadlock forever: after many
            // reports, its processes are stopped.
            if (this.deadlocks > 100) { q.state = 'exited'; q.status = 1; this.hooks.exited(q); for (const w of q.exitWaiters.splice(0)) w(); continue; }
            this.wake(q, false, new ErrnoError(q.syscall || 'wait', ERRNO.EDEADLK));
          }
          continue;
        }
        this.hooks.switchTo(0);
        if (this.allExited()) for (const w of this.idleWaiters.splice(0)) w();
        return;
      }
    } finally {
      this.dispatching = false;
    }
  }
}
