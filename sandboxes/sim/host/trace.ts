/**
 * The function-graph tracer's host half: turns the kernel's enter/exit reports into TraceEntry
 * records with pid, depth, virtual time and source location.
 */

/** One traced kernel function call. */
export interface TraceEntry {
  pid: number;
  /** Nesting depth within the process (0: the outermost traced function). */
  depth: number;
  fn: string;
  args: string;
  ret?: number;
  /** Virtual time (ms) at entry and exit. */
  enter: number;
  exit?: number;
  /** Where the function is defined, relative to sandboxes/sim/kernel/, and the line. */
  file: string;
  line: number;
}

/** Keeps the trace; bounded so a long run cannot exhaust memory. */
export class Tracer {
  readonly entries: TraceEntry[] = [];
  private readonly stacks = new Map<number, TraceEntry[]>();
  /** Oldest entries are dropped beyond this. */
  limit = 200_000;

  constructor(private readonly symbols: Record<string, [string, number]>, private readonly emit: (e: TraceEntry) => void) {}

  enter(pid: number, fn: string, args: string, now: number): void {
    let st = this.stacks.get(pid);
    if (!st) { st = []; this.stacks.set(pid, st); }
    // __sys_bind is traced under Linux's name; our entry point is sys_bind.
    const sym = this.symbols[fn] ?? this.symbols[fn.replace(/^__/, '')];
    const e: TraceEntry = { pid, depth: st.length, fn, args, enter: now, file: sym ? sym[0] : '', line: sym ? sym[1] : 0 };
    st.push(e);
    if (this.entries.length >= this.limit) this.entries.splice(0, this.entries.length >> 1);
    this.entries.push(e);
    this.emit(e);
  }

  exit(pid: number, ret: number | undefined, now: number): void {
    const e = this.stacks.get(pid)?.pop();
    if (!e) return;
    if (ret !== undefined) e.ret = ret;
    e.exit = now;
  }

  /** A host-side kernel function (a module's callback) entered: same bookkeeping, its own location. */
  enterHost(pid: number, fn: string, args: string, now: number, file: string): void {
    let st = this.stacks.get(pid);
    if (!st) { st = []; this.stacks.set(pid, st); }
    const e: TraceEntry = { pid, depth: st.length, fn, args, enter: now, file, line: 0 };
    st.push(e);
    this.entries.push(e);
    this.emit(e);
  }

  clear(): void {
    this.entries.length = 0;
    this.stacks.clear();
  }

  /** Forget open frames (the tracer was switched on or off mid-call). */
  resetStacks(): void { this.stacks.clear(); }
}

/** The trace as text, like /sys/kernel/tracing/trace with the function_graph tracer. */
export function formatTrace(entries: TraceEntry[]): string {
  const lines = ['# TIME(ms)   PID   FUNCTION CALLS', '#   |         |     |   |   |   |'];
  for (const e of entries) {
    const indent = '  '.repeat(e.depth);
    const ret = e.ret !== undefined ? ` = ${e.ret}` : '';
    lines.push(`${e.enter.toFixed(3).padStart(10)} ${String(e.pid).padStart(5)}   ${indent}${e.fn}(${e.args})${ret}`);
  }
  return lines.join('\n');
}
