/**
 * The page's side of running programs: a worker started ahead of time (so Run answers at once), one
 * worker per run, Stop by terminating it, and a watchdog that ends a run whose worker stopped
 * beating (a loop that never awaits anything). Nothing here blocks the page.
 */
import type { Batch, CheckResult, ChecksInput, Exit, FromWorker } from './messages.ts';
import type { ToWorker } from './worker-protocol.ts';

/** Why a run was ended from outside. */
export type KillReason = 'stopped' | 'watchdog' | 'memory' | 'fatal';

/** What the page hears about a run. */
export interface RunListener {
  batch(b: Batch): void;
  checks(results: CheckResult[], error?: string): void;
  /** The run's record went to be judged: checks() follows (unless another run starts first). */
  judging?(): void;
  exit(e: Exit): void;
  /**
   * The run was ended from outside: by Stop, by the watchdog, because it passed the memory limit
   * (src/runtime/memory-limit.ts), or because the worker failed.
   */
  killed(reason: KillReason, message: string): void;
}

/** A program to run. */
export interface RunRequest {
  files: Record<string, string>;
  entry: string;
  checks?: string;
  /** Run on the page's VM (the port is transferred to the worker); see src/runtime/vm/. */
  vm?: { port: MessagePort; ports: number[]; forkPorts?: { port: number; dev: string }[] };
  /** The simulated kernel's command line and built-in module files (see ToWorker's boot). */
  boot?: { cmdline?: string; builtin?: string[] };
}

/** A worker and the private port it answers on (never the worker's own postMessage). */
interface Slot {
  worker: Worker;
  port: MessagePort;
  ready: Promise<void>;
  /** `ready` resolved: Run posts at once, without waiting a microtask turn. */
  isReady: boolean;
  lastAlive: number;
  fatal?: string;
}

/** Options of a Runner. */
export interface RunnerOptions {
  /** Where the kernel's wasm is served. */
  wasmUrl: string;
  /** End a run whose worker has not beaten for this long (ms). */
  watchdogMs?: number;
  /** Make a worker (tests may pass their own URL). */
  createWorker?: () => Worker;
}

/** Runs programs in workers, one at a time. */
export class Runner {
  private spare: Slot | undefined;
  private current:
    | { slot: Slot; runId: number; listener: RunListener; timer: ReturnType<typeof setInterval>; checks?: string }
    | undefined;
  private nextId = 1;
  /** The files the editor holds (prepare()), sent to each new worker to compile ahead of Run. */
  private prepared?: Record<string, string>;
  private readonly watchdogMs: number;
  private readonly create: () => Worker;

  constructor(private readonly opts: RunnerOptions) {
    this.watchdogMs = opts.watchdogMs ?? 4000;
    this.create =
      opts.createWorker ??
      (() => new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'netlink-lab program' }));
    this.spare = this.start();
  }

  /** Resolves once a run can start (the worker compiled the kernel); rejects with why it cannot. */
  get ready(): Promise<void> {
    return (this.spare ??= this.start()).ready;
  }

  /** Whether a program is running. */
  get running(): boolean {
    return this.current !== undefined;
  }

  /**
   * The files the editor holds now: the worker that will run them compiles them meanwhile (and
   * every worker started later gets them too), so Run does not wait for the compiler.
   */
  prepare(files: Record<string, string>): void {
    this.prepared = files;
    if (this.spare) this.post(this.spare, { type: 'prepare', files });
  }

  /** Run a program; the listener hears everything until exit or killed. */
  async run(req: RunRequest, listener: RunListener): Promise<void> {
    this.stop();
    const slot = (this.spare ??= this.start());
    this.spare = undefined;
    const runId = this.nextId++;
    // The next worker starts soon after this run did (not at once: the run's first output comes
    // first): it judges this run's checks and is ready for the next Run.
    setTimeout(() => {
      if (!this.spare && this.current?.slot === slot) this.spare = this.start();
    }, 300);
    // A ready worker gets the program now, in the click's own task: it starts while the page
    // draws the run's first frame.
    if (!slot.isReady) {
      try {
        await slot.ready;
      } catch (e) {
        slot.worker.terminate();
        listener.killed('fatal', e instanceof Error ? e.message : String(e));
        return;
      }
    }
    slot.lastAlive = performance.now();
    const timer = setInterval(() => {
      if (performance.now() - slot.lastAlive > this.watchdogMs) {
        this.end(
          `The program was stopped: it ran for ${(this.watchdogMs / 1000).toFixed(0)} s without ever pausing (an endless loop that never awaits anything, or one that only makes non-blocking calls). Add a blocking call, a sleep(), or a way out of the loop.`,
          'watchdog',
        );
      }
    }, 250);
    this.current = { slot, runId, listener, timer, ...(req.checks ? { checks: req.checks } : {}) };
    slot.port.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(slot, runId, listener, ev.data);
    const msg: ToWorker = {
      type: 'run',
      runId,
      files: req.files,
      entry: req.entry,
      ...(req.checks ? { checks: req.checks } : {}),
      ...(req.vm ? { vm: req.vm } : {}),
      ...(req.boot ? { boot: req.boot } : {}),
    };
    slot.worker.postMessage(msg, req.vm ? [req.vm.port] : []);
  }

  /** Stop the running program, if any (its worker is terminated at once). */
  stop(): void {
    if (this.current) this.end('Stopped.', 'stopped');
  }

  /** Terminate every worker (the page is going away). */
  dispose(): void {
    this.stop();
    this.spare?.worker.terminate();
    this.spare = undefined;
  }

  private end(message: string, reason: KillReason): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    clearInterval(c.timer);
    c.slot.worker.terminate();
    c.listener.killed(reason, message);
    this.spare ??= this.start();
  }

  private onMessage(slot: Slot, runId: number, listener: RunListener, m: FromWorker): void {
    if (m.type === 'alive') {
      slot.lastAlive = performance.now();
      return;
    }
    // Only the beat counts as alive: a program stuck in a loop of syscalls still sends batches.
    if (this.current?.slot !== slot) return;
    switch (m.type) {
      case 'batch':
        if (m.runId === runId || m.runId === -1) listener.batch(m);
        break;
      // The run's worker never judges itself: its record goes to a worker that ran no program.
      case 'record':
        if (m.runId === runId && this.current.checks) {
          listener.judging?.();
          this.judge(runId, this.current.checks, m.input, listener);
        }
        break;
      case 'fatal':
        this.end(m.message, 'fatal');
        break;
      // The worker is terminated at once: the program may still be allocating.
      case 'memory':
        if (m.runId === runId) this.end(m.message, 'memory');
        break;
      case 'exit':
        if (m.runId !== runId) break;
        clearInterval(this.current.timer);
        this.current = undefined;
        slot.worker.terminate();
        listener.exit(m);
        this.spare ??= this.start();
        break;
      default:
        break;
    }
  }

  /** Run the lesson's checks on a run's record in the spare worker (a realm no program touched). */
  private judge(runId: number, checks: string, input: ChecksInput, listener: RunListener): void {
    const slot = (this.spare ??= this.start());
    void slot.ready.then(
      () => {
        const prev = slot.port.onmessage;
        slot.port.onmessage = (ev: MessageEvent<FromWorker>) => {
          const m = ev.data;
          if (m.type === 'checks' && m.runId === runId) {
            slot.port.onmessage = prev;
            listener.checks(m.results, m.error);
            return;
          }
          prev?.call(slot.port, ev);
        };
        const msg: ToWorker = { type: 'checks', runId, checks, input };
        slot.worker.postMessage(msg);
      },
      (e: unknown) =>
        listener.checks([], `The lesson's checks could not run: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  private start(): Slot {
    const worker = this.create();
    const channel = new MessageChannel();
    const slot: Slot = {
      worker,
      port: channel.port1,
      lastAlive: performance.now(),
      ready: Promise.resolve(),
      isReady: false,
    };
    slot.ready = new Promise<void>((resolve, reject) => {
      slot.port.onmessage = (ev: MessageEvent<FromWorker>) => {
        const m = ev.data;
        if (m.type === 'alive') slot.lastAlive = performance.now();
        else if (m.type === 'ready') {
          slot.isReady = true;
          resolve();
        } else if (m.type === 'fatal') {
          slot.fatal = m.message;
          reject(new Error(m.message));
        }
      };
      worker.onerror = (ev) =>
        reject(
          new Error(
            `The program worker failed to start: ${ev.message || 'a script error'}. Reload the page; if it persists, the site was built without the run worker.`,
          ),
        );
    });
    slot.ready.catch(() => undefined);
    const init: ToWorker = { type: 'init', wasmUrl: this.opts.wasmUrl, port: channel.port2 };
    worker.postMessage(init, [channel.port2]);
    if (this.prepared) this.post(slot, { type: 'prepare', files: this.prepared });
    return slot;
  }

  private post(slot: Slot, msg: ToWorker): void {
    slot.worker.postMessage(msg);
  }
}
