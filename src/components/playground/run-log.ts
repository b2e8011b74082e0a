/**
 * Everything one run reported, gathered from the worker's batches: what the panels draw from.
 * Bounded, so a program that loops for a long time cannot exhaust the page's memory.
 */
import type { Batch, Exit, OutputLine, Snapshot, SyscallRecord } from '../../runtime/messages.ts';
import type { KernelEvent, KernelState, TraceEntry } from '../../runtime/kernel-view.ts';

/** How much of each kind a run keeps (the oldest are dropped first). */
export const LIMITS = { output: 5000, syscalls: 5000, trace: 20000, kernel: 5000, snapshots: 1000 };

/** One run's record. */
export class RunLog {
  readonly output: OutputLine[] = [];
  readonly syscalls: SyscallRecord[] = [];
  readonly trace: TraceEntry[] = [];
  readonly kernel: KernelEvent[] = [];
  /** How many of each kind were dropped to stay within LIMITS. */
  readonly dropped = { output: 0, syscalls: 0, trace: 0, kernel: 0 };
  /** The latest kernel state. */
  state?: KernelState;
  /** The kernel's state after syscalls, oldest first. */
  readonly snapshots: Snapshot[] = [];
  /** Every state seen, as (time, processes) — the timeline's fallback when no process events arrive. */
  readonly samples: { time: number; processes: KernelState['processes'] }[] = [];
  exit?: Exit;
  /** Why the run was ended from outside (Stop, watchdog, worker failure). */
  killed?: string;
  /** Bumped on every change, so views redraw only when needed. */
  version = 0;
  /** Names of processes by pid, as the kernel reported them. */
  readonly names = new Map<number, string>();

  add(b: Batch): void {
    push(this.output, b.output, LIMITS.output, this.dropped, 'output');
    push(this.syscalls, b.syscalls, LIMITS.syscalls, this.dropped, 'syscalls');
    push(this.trace, b.trace, LIMITS.trace, this.dropped, 'trace');
    push(this.kernel, b.kernel, LIMITS.kernel, this.dropped, 'kernel');
    if (b.snapshots) push(this.snapshots, b.snapshots, LIMITS.snapshots, {}, 'snapshots');
    if (b.state) {
      this.state = b.state;
      for (const p of b.state.processes ?? []) this.names.set(p.pid, p.name);
      const last = this.samples.at(-1);
      if (!last || last.time !== b.state.time || JSON.stringify(last.processes) !== JSON.stringify(b.state.processes)) {
        this.samples.push({ time: b.state.time, processes: b.state.processes ?? [] });
        if (this.samples.length > 2000) this.samples.splice(0, this.samples.length - 2000);
      }
    }
    for (const e of b.kernel)
      if (e.kind === 'proc' && typeof e.pid === 'number' && typeof e.name === 'string') this.names.set(e.pid, e.name);
    this.version += 1;
  }

  /** The latest virtual time anything reported. */
  get time(): number {
    return Math.max(this.state?.time ?? 0, this.syscalls.at(-1)?.time ?? 0, this.exit?.time ?? 0);
  }
}

function push<T>(into: T[], items: T[], limit: number, dropped: Record<string, number>, key: string): void {
  into.push(...items);
  if (into.length > limit) {
    const n = into.length - limit;
    into.splice(0, n);
    dropped[key] = (dropped[key] ?? 0) + n;
  }
}
