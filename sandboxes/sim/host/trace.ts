/**
 * The function-graph tracer's host half: turns the kernel's enter/exit reports into TraceEntry
 * records with pid, depth, virtual time and source location.
 */

/**
 * A traced function's arguments as text: `fmt` with %d (signed), %u (unsigned) and %x (hex, with a
 * sign as the kernel's i32.toString(16) gives it) replaced by a, b, c in turn.
 */
export function traceArgs(fmt: string, a: number, b: number, c: number): string {
  const args = [a, b, c];
  let i = 0;
  return fmt.replace(/%([dux])/g, (_, f: string) => {
    const v = args[i++] ?? 0;
    if (f === 'u') return String(v >>> 0);
    if (f === 'x') return (v | 0).toString(16);
    return String(v | 0);
  });
}

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

/** A call on a process's stack; `closed` once it returned, even if frames above it are still open. */
interface Frame {
  e: TraceEntry;
  host: boolean;
  closed: boolean;
  held: boolean;
  after?: TraceEntry[];
}

/** An async callback's frames, set aside while the wasm call that ran it unwinds. */
interface Parked {
  base: number;
  low: number;
  frames: Frame[];
}

/**
 * Keeps the trace; bounded so a long run cannot exhaust memory.
 *
 * A module's async input callback outlives the wasm call that ran it: the wasm frames under it
 * (__sys_sendmsg … netlink_unicast_kernel) finish their synchronous part at once, but the syscall
 * only returns when the callback's promise settles. `suspend` sets the callback's frames aside
 * while that wasm call unwinds; the frames under it close but stay on the stack (held); when the
 * process next does something traced, the callback's frames go back on top, so its later calls
 * nest under it, and the held frames leave (with their real exit time) once it returned. What the
 * unwinding wasm call did meanwhile is listed after the callback's calls, as it follows them in
 * Linux (with the time it ran here), so the entries still read as a tree in order.
 */
export class Tracer {
  readonly entries: TraceEntry[] = [];
  private readonly stacks = new Map<number, Frame[]>();
  private readonly parked = new Map<number, Parked[]>();
  /** Oldest entries are dropped beyond this. */
  limit = 200_000;

  constructor(
    private readonly symbols: Record<string, [string, number]>,
    private readonly emit: (e: TraceEntry) => void,
  ) {}

  enter(pid: number, fn: string, args: string, now: number): void {
    // __sys_bind is traced under Linux's name; our entry point is sys_bind.
    const sym = this.symbols[fn] ?? this.symbols[fn.replace(/^__/, '')];
    this.push(pid, fn, args, now, sym ? sym[0] : '', sym ? sym[1] : 0, false);
  }

  /** A wasm function returned: it is the innermost wasm frame still open. */
  exit(pid: number, ret: number | undefined, now: number): void {
    const st = this.stacks.get(pid);
    if (!st) return;
    if (this.parked.size) this.resume(pid, st);
    for (let i = st.length - 1; i >= 0; i--) {
      const f = st[i]!;
      if (f.host || f.closed) continue;
      f.closed = true;
      if (ret !== undefined) f.e.ret = ret;
      this.unwind(st, now);
      return;
    }
  }

  /** A host-side kernel function (a module's callback, msleep) entered; pass the entry to exitHost. */
  enterHost(pid: number, fn: string, args: string, now: number, file: string): TraceEntry {
    return this.push(pid, fn, args, now, file, 0, true);
  }

  /** The host function of `e` returned (for an async one: its promise settled). */
  exitHost(e: TraceEntry, ret: number | undefined, now: number): void {
    const st = this.stacks.get(e.pid);
    if (!st) return;
    if (this.parked.size) this.resume(e.pid, st);
    for (let i = st.length - 1; i >= 0; i--) {
      if (st[i]!.e !== e) continue;
      st[i]!.closed = true;
      if (ret !== undefined) e.ret = ret;
      e.exit = now;
      this.unwind(st, now);
      return;
    }
  }

  /**
   * The host function of `e` returned a promise: its frame, and those it opened above (an
   * msleep it waits in), stay open, set aside until the wasm call it ran in has unwound.
   */
  suspend(e: TraceEntry): void {
    const st = this.stacks.get(e.pid);
    const base = st ? st.findIndex((f) => f.e === e) : -1;
    if (!st || base < 0) return;
    let low = base;
    while (low > 0 && !st[low - 1]!.host) low--;
    for (let i = low; i < base; i++) st[i]!.held = true;
    let list = this.parked.get(e.pid);
    if (!list) {
      list = [];
      this.parked.set(e.pid, list);
    }
    list.push({ base, low, frames: st.splice(base) });
  }

  clear(): void {
    this.entries.length = 0;
    this.resetStacks();
  }

  /** Forget open frames (the tracer was switched on or off mid-call). */
  resetStacks(): void {
    this.stacks.clear();
    this.parked.clear();
  }

  private push(
    pid: number,
    fn: string,
    args: string,
    now: number,
    file: string,
    line: number,
    host: boolean,
  ): TraceEntry {
    let st = this.stacks.get(pid);
    if (!st) {
      st = [];
      this.stacks.set(pid, st);
    }
    const e: TraceEntry = { pid, depth: 0, fn, args, enter: now, file, line };
    const p = this.parked.size ? this.resume(pid, st) : undefined;
    e.depth = st.length;
    st.push({ e, host, closed: false, held: false });
    if (p) (p.frames[0]!.after ??= []).push(e);
    else this.record(e);
    return e;
  }

  private record(e: TraceEntry): void {
    if (this.entries.length >= this.limit) this.entries.splice(0, this.entries.length >> 1);
    this.entries.push(e);
    this.emit(e);
  }

  /** Once the wasm call that ran a suspended callback has returned, put the callback's frames back on top. */
  /** Returns the parked callback when its wasm call is still unwinding. */
  private resume(pid: number, st: Frame[]): Parked | undefined {
    const list = this.parked.get(pid);
    const p = list?.[list.length - 1];
    if (!p) return undefined;
    if (st.length < p.base) return undefined;
    if (st.length > p.base) return p;
    for (let i = p.low; i < p.base; i++) if (!st[i]!.closed) return p;
    for (let i = p.low; i < p.base; i++) st[i]!.held = false;
    st.push(...p.frames);
    list!.pop();
    if (!list!.length) this.parked.delete(pid);
    return undefined;
  }

  /** Pop the closed frames on top; those that waited for the frames above them return now. */
  private unwind(st: Frame[], now: number): void {
    while (st.length && st[st.length - 1]!.closed && !st[st.length - 1]!.held) {
      const f = st.pop()!;
      if (f.e.exit === undefined) f.e.exit = now;
      if (f.after) for (const e of f.after) this.record(e);
    }
  }
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
