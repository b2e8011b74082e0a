/**
 * Processes and time: a deterministic cooperative scheduler with a virtual clock.
 *
 * One process runs at a time. A syscall that can complete at once returns at once (no scheduler
 * round trip); one that must wait calls block(), which suspends only that wait of its process.
 * The scheduler switches to another process only once the running one has nothing left to run
 * (its microtasks have drained), so a process may have several calls in flight (Promise.all)
 * and each still runs as that process. When nothing is runnable the clock jumps to the next
 * timer; when nothing is runnable and no timer is pending while processes still wait, that is a
 * deadlock: it is reported and every wait fails with EDEADLK instead of hanging.
 *
 * Processes are async functions. A process must only await the kernel (syscalls, sleep, waitpid);
 * awaiting something else (a real timer, fetch) stalls the simulated machine until it settles.
 */
import { ErrnoError, ERRNO } from '../../../src/api/errno.ts';

export type ProcState = 'running' | 'runnable' | 'blocked' | 'sleeping' | 'exited';

/** One wait of a process: on a wait queue, a timer, or both. */
export class Waiter {
  queue: Set<Waiter> | null = null;
  timer: Timer | null = null;
  done = false;
  value = true;
  error: unknown = undefined;
  resolve!: (v: boolean) => void;
  reject!: (e: unknown) => void;
  constructor(
    readonly proc: Process,
    readonly reason: string,
    readonly kind: 'blocked' | 'sleeping',
    readonly syscall: string,
  ) {}
}

/** A simulated process. */
export class Process {
  state: ProcState = 'runnable';
  waitingOn: string | undefined;
  status = 0;
  error: unknown;
  /** Promises of kernel-module code running in this process's context (async input callbacks). */
  pending: Promise<unknown>[] = [];
  /** Its waits that have not completed. */
  readonly waits = new Set<Waiter>();
  exitWaiters: (() => void)[] = [];
  /** The syscall in progress, for error messages (set by the kernel before blocking). */
  syscall = '';
  /** Resolves the start gate. */
  start: (() => void) | null = null;
  constructor(
    readonly pid: number,
    readonly name: string,
    readonly uid: number,
    readonly kthread = false,
  ) {}
}

/** A timer: it ends a wait (`waiter`), or it is a kernel timer whose `fn` runs in softirq context. */
interface Timer {
  at: number;
  seq: number;
  waiter: Waiter | null;
  fn?: () => void;
  cancelled: boolean;
}

/** A kernel timer armed with addKernelTimer (timer_list): cancel it with cancelKernelTimer. */
export interface KernelTimer {
  readonly at: number;
}

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

type Ready = { kind: 'start'; proc: Process } | { kind: 'wake'; waiter: Waiter };

// A macrotask: runs after every pending microtask, i.e. once the running process has nothing left to do.
// Node has setImmediate; a browser's worker does not, and gets a MessageChannel instead.
const { setImmediate } = globalThis as { setImmediate?: (fn: () => void) => void };
const macrotask: (fn: () => void) => void = setImmediate
  ? (fn) => {
      setImmediate(fn);
    }
  : (() => {
      // Typed as the part a worker's and Node's MessageChannel share (Node's port has no onmessage type).
      const ch = new MessageChannel() as unknown as Record<
        'port1' | 'port2',
        { onmessage: (() => void) | null; postMessage(m: unknown): void }
      >;
      const q: (() => void)[] = [];
      ch.port1.onmessage = () => {
        q.shift()?.();
      };
      return (fn: () => void) => {
        q.push(fn);
        ch.port2.postMessage(0);
      };
    })();

/** The scheduler and the virtual clock. */
export class Scheduler {
  /** Virtual time in ms. */
  now = 0;
  running: Process | null = null;
  readonly procs = new Map<number, Process>();
  private readonly ready: Ready[] = [];
  private timers: Timer[] = [];
  private seq = 0;
  // Pids start where a small number in a program's output is unlikely to be mistaken for one.
  private nextPid = 2718;
  // Kernel threads (kworkers) take small pids, as early kernel threads do on Linux.
  private nextKthreadPid = 40;
  /** When a user process last ran: kernel timers alone may not spin the clock forever. */
  private lastProcRun = 0;
  private switchPending = false;
  private idleWaiters: (() => void)[] = [];
  private deadlocks = 0;

  constructor(private readonly hooks: SchedHooks) {}

  /** A new process running `main`, runnable at once. */
  spawn(
    main: () => Promise<unknown>,
    name: string,
    uid: number,
    onCreate: (p: Process) => void,
    kthread = false,
  ): Process {
    const p = new Process(kthread ? this.nextKthreadPid++ : this.nextPid++, name, uid, kthread);
    this.procs.set(p.pid, p);
    onCreate(p);
    void (async () => {
      await new Promise<void>((res) => {
        p.start = res;
      });
      try {
        await main();
      } catch (e) {
        p.status = 1;
        p.error = e;
      }
      this.exit(p);
    })();
    this.ready.push({ kind: 'start', proc: p });
    this.hooks.procEvent(p, 'spawn');
    if (!this.running) this.scheduleSwitch();
    return p;
  }

  private exit(p: Process): void {
    if (p.state === 'exited') return;
    p.state = 'exited';
    p.waitingOn = undefined;
    // Calls it never awaited are abandoned.
    for (const w of p.waits) this.cancel(w);
    p.waits.clear();
    this.hooks.exited(p);
    this.hooks.procEvent(p, p.status ? 'exit 1' : 'exit 0');
    for (const w of p.exitWaiters.splice(0)) w();
    if (this.running === p) {
      this.running = null;
      this.scheduleSwitch();
    }
  }

  /** Whether every process has exited. */
  allExited(): boolean {
    for (const p of this.procs.values()) if (p.state !== 'exited') return false;
    return true;
  }

  /** Whether a process of user space is still alive (kernel timers fire only then). */
  userAlive(): boolean {
    for (const p of this.procs.values()) if (!p.kthread && p.state !== 'exited') return true;
    return false;
  }

  /**
   * Arm a kernel timer: at virtual time `at`, `fn` runs in softirq context, on no process (the
   * kernel's `current` is the idle task). It fires when nothing is runnable and it is the next
   * timer, like every other timer; once every user-space process has exited, kernel timers no
   * longer fire (the program's run is over).
   */
  addKernelTimer(at: number, fn: () => void): KernelTimer {
    const t: Timer = { at: Math.max(at, this.now), seq: this.seq++, waiter: null, fn, cancelled: false };
    this.addTimer(t);
    if (!this.running) this.scheduleSwitch();
    return t;
  }

  /** Disarm a kernel timer; true if it was still pending. */
  cancelKernelTimer(h: KernelTimer): boolean {
    const t = h as Timer;
    if (t.cancelled) return false;
    t.cancelled = true;
    const i = this.timers.indexOf(t);
    if (i < 0) return false;
    this.timers.splice(i, 1);
    return true;
  }

  /** Resolves once every process has exited. */
  whenIdle(): Promise<void> {
    if (this.allExited()) return Promise.resolve();
    return new Promise((res) => this.idleWaiters.push(res));
  }

  /**
   * Suspend this wait of the running process until wake() (resolves true) or the timeout (resolves
   * false). `queue` is the wait queue it joins; `timeoutMs` a virtual-time limit (undefined: none).
   */
  block(
    reason: string,
    state: 'blocked' | 'sleeping',
    queue: Set<Waiter> | null,
    timeoutMs?: number,
  ): Promise<boolean> {
    const p = this.running;
    if (!p) return Promise.reject(new Error(`${reason}: called outside any process of the simulated kernel.`));
    const w = new Waiter(p, reason, state, p.syscall);
    const promise = new Promise<boolean>((res, rej) => {
      w.resolve = res;
      w.reject = rej;
    });
    p.waits.add(w);
    w.queue = queue;
    queue?.add(w);
    if (timeoutMs !== undefined) {
      const t: Timer = { at: this.now + Math.max(0, timeoutMs), seq: this.seq++, waiter: w, cancelled: false };
      w.timer = t;
      this.addTimer(t);
    }
    p.state = state;
    p.waitingOn = reason;
    this.hooks.procEvent(p, reason);
    this.scheduleSwitch();
    return promise;
  }

  private cancel(w: Waiter): void {
    w.done = true;
    w.queue?.delete(w);
    w.queue = null;
    if (w.timer) {
      w.timer.cancelled = true;
      w.timer = null;
    }
  }

  /** Complete a wait: it resolves to `value` (or rejects with `error`) when its process next runs. */
  wake(w: Waiter, value = true, error?: unknown): void {
    if (w.done) return;
    this.cancel(w);
    w.value = value;
    w.error = error;
    const p = w.proc;
    if (p === this.running) {
      // The process is on the CPU: its call continues in its own turn.
      this.finish(w);
      return;
    }
    if (p.state === 'blocked' || p.state === 'sleeping') p.state = 'runnable';
    this.ready.push({ kind: 'wake', waiter: w });
    if (!this.running) this.scheduleSwitch();
  }

  /** Complete every wait on a wait queue. */
  wakeAll(q: Set<Waiter> | undefined): void {
    if (!q || q.size === 0) return;
    for (const w of [...q]) this.wake(w, true);
  }

  private finish(w: Waiter): void {
    w.proc.waits.delete(w);
    if (w.error !== undefined) w.reject(w.error);
    else w.resolve(w.value);
  }

  private addTimer(t: Timer): void {
    // Sorted by time, then by arming order: deterministic.
    let i = this.timers.length;
    while (
      i > 0 &&
      (this.timers[i - 1].at > t.at || (this.timers[i - 1].at === t.at && this.timers[i - 1].seq > t.seq))
    )
      i--;
    this.timers.splice(i, 0, t);
  }

  private scheduleSwitch(): void {
    if (this.switchPending) return;
    this.switchPending = true;
    macrotask(() => {
      this.switchPending = false;
      this.dispatch();
    });
  }

  /** Run the next ready process, advancing the clock or reporting a deadlock when none is. */
  private dispatch(): void {
    // A macrotask runs only once the running process has nothing left to run: it waits for the
    // kernel (possibly on several calls at once), or it awaits something outside the kernel,
    // which stalls the machine until that settles.
    const cur = this.running;
    if (cur && cur.state !== 'exited') {
      if (cur.waits.size === 0) return;
      if (cur.state === 'running') {
        const w = [...cur.waits][cur.waits.size - 1];
        cur.state = w.kind;
        cur.waitingOn = w.reason;
        this.hooks.procEvent(cur, w.reason);
      }
    }
    this.running = null;
    for (;;) {
      const r = this.ready.shift();
      if (r) {
        const p = r.kind === 'start' ? r.proc : r.waiter.proc;
        if (p.state === 'exited') continue;
        this.running = p;
        if (!p.kthread) this.lastProcRun = this.now;
        p.state = 'running';
        p.waitingOn = undefined;
        this.hooks.switchTo(p.pid);
        this.hooks.procEvent(p);
        if (r.kind === 'start') p.start?.();
        else this.finish(r.waiter);
        // Look again once it has run: it may block, exit, or still wait on other calls.
        this.scheduleSwitch();
        return;
      }
      // Kernel timers fire while user space runs, and not for ever: when no process waits with a
      // timeout, ten minutes of virtual time in which only kernel timers fired while every process
      // waits counts as a deadlock.
      const alive = this.userAlive();
      const waiterTimer = this.timers.some((x) => !x.fn && !x.cancelled);
      const i = this.timers.findIndex((x) => !x.fn || (alive && (waiterTimer || x.at - this.lastProcRun <= 600_000)));
      const t = i < 0 ? undefined : this.timers.splice(i, 1)[0];
      if (t) {
        if (t.cancelled) continue;
        if (t.at > this.now) this.now = t.at;
        if (t.fn) {
          t.cancelled = true;
          this.hooks.switchTo(0);
          t.fn();
          continue;
        }
        t.waiter!.timer = null;
        this.wake(t.waiter!, false);
        continue;
      }
      const waiting = [...this.procs.values()].filter((q) => q.state !== 'exited' && q.waits.size > 0);
      if (waiting.length) {
        this.deadlocks++;
        const text =
          `deadlock: every process is waiting and no timer is pending (virtual time ${this.now} ms): ` +
          waiting.map((q) => `${q.name}[${q.pid}] in ${[...q.waits].map((w) => w.reason).join(' and ')}`).join('; ');
        this.hooks.deadlock(text, waiting);
        for (const q of waiting) {
          // A program that keeps retrying after EDEADLK would deadlock forever: after many reports
          // its processes are stopped.
          if (this.deadlocks > 100) {
            q.status = 1;
            q.error = new Error(text);
            this.exit(q);
            continue;
          }
          for (const w of [...q.waits]) this.wake(w, false, new ErrnoError(w.syscall || 'wait', ERRNO.EDEADLK));
        }
        continue;
      }
      this.hooks.switchTo(0);
      if (this.allExited()) for (const w of this.idleWaiters.splice(0)) w();
      return;
    }
  }
}
