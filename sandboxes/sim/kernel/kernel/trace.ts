/**
 * The function-graph tracer: traced kernel functions report their entry (name and arguments as
 * text) and their return value. Off by default; when off, a traced function pays one load and a
 * branch. The host adds pid, depth, virtual time and the source location (file and line, from the
 * symbol table build.mjs embeds in the wasm).
 *
 * Usage in a kernel function:
 *   if (tracing) trace_enter('netlink_sendmsg', 'len=' + len.toString());
 *   …
 *   return tr(err);            // every return goes through tr() (tr_void() in void functions)
 *
 * Ref: kernel/trace/trace_functions_graph.c
 */

// @ts-ignore: decorator
@external('env', 'trace_enter')
declare function host_trace_enter(fn: string, args: string): void;
// @ts-ignore: decorator
@external('env', 'trace_exit')
declare function host_trace_exit(ret: i32, has_ret: bool): void;

/** Whether the tracer is on (set by the host through trace_enable). */
export let tracing: bool = false;

/** Switch the tracer on or off. */
export function trace_set(on: bool): void { tracing = on; }

/** Record the entry of `fn`; call only under `if (tracing)`. */
export function trace_enter(fn: string, args: string): void { host_trace_enter(fn, args); }

/** Record the return of the innermost traced function and pass its value through. */
// @ts-ignore: decorator
@inline export function tr(ret: i32): i32 {
  if (tracing) host_trace_exit(ret, true);
  return ret;
}

/** Record the return of a void function. */
// @ts-ignore: decorator
@inline export function tr_void(): void {
  if (tracing) host_trace_exit(0, false);
}
