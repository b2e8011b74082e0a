/**
 * What the playground's panels and the sim-vs-real comparison watch: every syscall a program makes,
 * with the bytes that crossed into and out of the kernel. Recorded by the user API, so it is the
 * same for every kernel.
 */
import type { Cmsg, SockaddrNl } from './types.ts';

export interface SyscallEvent {
  /** The syscall's C name ('sendto', 'recvmsg', …). */
  syscall: string;
  pid: number;
  /** The kernel's clock when it returned, in ms (virtual on the simulated kernel). */
  time: number;
  /** The kernel's clock when it was called (a call that blocked took time - start). */
  start?: number;
  fd?: number;
  /** Return value on success. */
  ret?: number;
  /** Positive errno on failure. */
  errno?: number;
  /** socket()'s arguments, on its event: which protocol the new descriptor speaks. */
  socket?: { domain: number; type: number; protocol: number };
  /** Short text of the arguments, for logs ('fd=3, flags=MSG_DONTWAIT'). */
  args?: string;
  /** sendmsg/recvmsg: the length of each iovec of msg_iov, in order (data is their bytes joined). */
  iov?: number[];
  /** recvmsg: the control messages it returned (level, type, data), as sendmsg: the ones it passed. */
  control?: Cmsg[];
  /** recvmsg: msg_flags as the kernel returned them (MSG_TRUNC, MSG_CTRUNC…). */
  msg_flags?: number;
  /** Bytes sent (dir 'out') or received (dir 'in'). */
  data?: Uint8Array;
  dir?: 'out' | 'in';
  /** Destination (out) or source (in) address. */
  addr?: SockaddrNl;
}

export type Observer = (e: SyscallEvent) => void;

let observer: Observer | null = null;

/** Watch every syscall (one observer at a time; null to stop). */
export function setObserver(o: Observer | null): void {
  observer = o;
}

/** Whether anyone watches (so callers can skip building events nobody reads). */
export function observing(): boolean {
  return observer !== null;
}

/** Report a syscall to the observer, if any. */
export function observe(e: SyscallEvent): void {
  observer?.(e);
}
