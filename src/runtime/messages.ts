/**
 * What the page and the run worker (worker.ts) say to each other. Everything here survives
 * structured cloning.
 */
import type { SyscallEvent } from '../api/observe.ts';
import type { KernelEvent, KernelState, TraceEntry } from './kernel-view.ts';

/** A lesson check's verdict (the shape of lessons/check-api.ts). */
export interface CheckResult {
  name: string;
  pass: boolean;
  message: string;
  hints?: string[];
}

/** One line the program printed. */
export interface OutputLine {
  stream: 'log' | 'error' | 'warn' | 'info' | 'system';
  text: string;
  /** The simulated process that printed it, when known. */
  pid?: number;
  /** Virtual time (ms) when it was printed. */
  time?: number;
}

/** A syscall event with the socket's protocol, which the Messages panel needs to decode the bytes. */
export interface SyscallRecord extends SyscallEvent {
  /** The protocol of the socket `fd` belongs to, when known. */
  protocol?: number;
}

/** The kernel's state just after a syscall returned. */
export interface Snapshot {
  /** Which syscall: 'sendmsg in pid 100'. */
  after: string;
  /** The state, without the kernel log (its `dmesg` is empty). */
  state: KernelState;
  /** How many lines the kernel log had then (the latest state has them). */
  dmesgLines: number;
}

/** What a lesson's checks get: what the run's session recorded (lessons/check-api.ts CheckInput). */
export interface ChecksInput {
  output: string;
  events: SyscallRecord[];
  state?: unknown;
  [more: string]: unknown;
}

/**
 * The end of a flood of output: lines 1..head were sent as printed; then only the latest lines,
 * `tail`, the last of which is line `printed`. Each cut replaces the previous one.
 */
export interface OutputCut {
  head: number;
  printed: number;
  tail: OutputLine[];
}

/** Everything that happened since the last batch. */
export interface Batch {
  type: 'batch';
  runId: number;
  output: OutputLine[];
  syscalls: SyscallRecord[];
  trace: TraceEntry[];
  kernel: KernelEvent[];
  /** The kernel's state now, when anything changed. */
  state?: KernelState;
  /** The kernel's state right after syscalls of this batch (not after every one in a long run). */
  snapshots?: Snapshot[];
  /** The output went past what the page shows: its latest lines. */
  cut?: OutputCut;
}

/** How a run ended. */
export interface Exit {
  type: 'exit';
  runId: number;
  /** 'ok': the program returned; 'error': it threw or did not compile. */
  status: 'ok' | 'error';
  /** The error, as the learner should read it, and where in their files it happened. */
  error?: { message: string; file?: string; line?: number; column?: number };
  /** Virtual time when it ended (ms). */
  time: number;
  /** Wall time the run took (ms). */
  wallMs: number;
  /** false when the program never started (it did not compile): its checks were not run. */
  ran?: boolean;
}

/** Worker → page. */
export type FromWorker =
  | { type: 'ready'; compileMs: number }
  | { type: 'alive' }
  | { type: 'fatal'; message: string }
  /** The run passed its memory limit (src/runtime/memory-limit.ts): the page ends it. */
  | { type: 'memory'; runId: number; message: string }
  | Batch
  | { type: 'checks'; runId: number; results: CheckResult[]; error?: string }
  /** The run ended: what its checks need (the page has them run elsewhere). */
  | { type: 'record'; runId: number; input: ChecksInput }
  | Exit;
