/**
 * printk and the kernel log ring that dmesg reads. Each line is stored as Linux prints it with
 * timestamps on: "[    1.234567] text", and handed to the host as it is written (live events).
 *
 * Models Linux 6.18: kernel/printk/printk.c
 */
import { ktime_get_ms } from './time';

export const KERN_EMERG: i32 = 0;
export const KERN_ALERT: i32 = 1;
export const KERN_CRIT: i32 = 2;
export const KERN_ERR: i32 = 3;
export const KERN_WARNING: i32 = 4;
export const KERN_NOTICE: i32 = 5;
export const KERN_INFO: i32 = 6;
export const KERN_DEBUG: i32 = 7;

/** sim: the host receives each log line as it is written. */
// @ts-ignore: decorator
@external('env', 'printk_emit')
declare function host_printk_emit(level: i32, line: string): void;

/** How many lines the ring keeps (the oldest are dropped, like a full log_buf). */
const LOG_LINES: i32 = 4096;
const log_buf: string[] = [];
let log_first: i32 = 0;

/** sim: v right-justified in width columns, padded with c (printf's %5lu / %06lu). */
function pad(v: u64, width: i32, c: string): string {
  let s = v.toString();
  while (s.length < width) s = c + s;
  return s;
}

/** The "[    5.000000] " prefix for a time in ms. Ref: printk.c:print_time */
export function print_time(ms: f64): string {
  const us = <u64>Math.floor(ms * 1000.0);
  return '[' + pad(us / 1000000, 5, ' ') + '.' + pad(us % 1000000, 6, '0') + '] ';
}

/** Log one line at `level` (KERN_*). A trailing newline is dropped. Ref: printk.c:vprintk_emit */
export function printk(level: i32, text: string): void {
  let t = text;
  if (t.length > 0 && t.charCodeAt(t.length - 1) == 10) t = t.substring(0, t.length - 1);
  const line = print_time(ktime_get_ms()) + t;
  if (log_buf.length - log_first >= LOG_LINES) log_first++;
  log_buf.push(line);
  // Compact now and then so the array does not grow without end.
  if (log_first > LOG_LINES) {
    const keep = log_buf.slice(log_first);
    log_buf.length = 0;
    for (let i = 0; i < keep.length; i++) log_buf.push(keep[i]);
    log_first = 0;
  }
  host_printk_emit(level, line);
}

/** pr_info. */ export function pr_info(text: string): void { printk(KERN_INFO, text); }
/** pr_warn. */ export function pr_warn(text: string): void { printk(KERN_WARNING, text); }
/** pr_err. */ export function pr_err(text: string): void { printk(KERN_ERR, text); }

/** sim: Lines in the ring. */
export function dmesg_count(): i32 { return log_buf.length - log_first; }
/** sim: Line `i` (0 = oldest kept). */
export function dmesg_line(i: i32): string {
  const j = log_first + i;
  return j >= log_first && j < log_buf.length ? log_buf[j] : '';
}
