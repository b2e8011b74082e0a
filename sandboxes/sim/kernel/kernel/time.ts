/**
 * The clock. Time is virtual and kept by the host's scheduler (it jumps forward when every process
 * sleeps), so the kernel asks the host for it.
 *
 * Models Linux 6.18: kernel/time/timekeeping.c
 */

/** sim: the host's virtual clock, in ms since boot. */
// @ts-ignore: decorator
@external('env', 'ktime_get_ms')
declare function host_ktime_get_ms(): f64;

/** sim: Milliseconds since boot (CLOCK_MONOTONIC). Ref: include/linux/timekeeping.h:ktime_get */
export function ktime_get_ms(): f64 { return host_ktime_get_ms(); }
