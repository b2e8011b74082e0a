/**
 * The function-graph tracer: traced kernel functions report their entry (name and arguments) and
 * their return value. Off by default; when off, a traced function pays one load and a branch. The
 * arguments go out as numbers with a constant format (%d signed, %u unsigned, %x hex) that the host
 * prints, like trace_printk: building strings here would give every traced function a garbage
 * collector frame even with the tracer off. The host adds pid, depth, virtual time and the source
 * location (file and line, from the symbol table build.mjs embeds in the wasm).
 *
 * Usage in a kernel function:
 *   if (tracing) trace_enter('netlink_sendmsg', 'len=%d flags=0x%x', len, flags);
 *   …
 *   return tr(err);            // every return goes through tr() (tr_void() in void functions)
 *
 * Models Linux 6.18: kernel/trace/trace_functions_graph.c
 */

/** sim: the host prints a traced function's entry. */
// @ts-ignore: decorator
@external('env', 'trace_enter')
declare function host_trace_enter(fn: string, fmt: string, a: i32, b: i32, c: i32): void;
/** sim: the host prints a traced function's return. */
// @ts-ignore: decorator
@external('env', 'trace_exit')
declare function host_trace_exit(ret: i32, has_ret: bool): void;

/** Whether the tracer is on (set by the host through trace_enable). */
export let tracing: bool = false;

/** sim: Switch the tracer on or off. */
export function trace_set(on: bool): void { tracing = on; }

/** sim: Record the entry of `fn` with up to three numbers printed by `fmt`; call only under `if (tracing)`. */
export function trace_enter(fn: string, fmt: string, a: i32 = 0, b: i32 = 0, c: i32 = 0): void { host_trace_enter(fn, fmt, a, b, c); }

/** sim: record the return of the innermost traced function and pass its value through. */
// @ts-ignore: decorator
@inline export function tr(ret: i32): i32 {
  if (tracing) host_trace_exit(ret, true);
  return ret;
}

/** sim: record the return of a void function. */
// @ts-ignore: decorator
@inline export function tr_void(): void {
  if (tracing) host_trace_exit(0, false);
}
