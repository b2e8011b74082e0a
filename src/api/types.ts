/** The C structures of the user-space API, as plain data. */

/** struct sockaddr_nl. */
export interface SockaddrNl {
  nl_family: number;
  nl_pid: number;
  nl_groups: number;
}

/** An address as a program passes it: the struct, or raw bytes (to try a short or foreign address). */
export type SockAddr = SockaddrNl | Uint8Array;

/** A control message (struct cmsghdr and its data). */
export interface Cmsg {
  cmsg_level: number;
  cmsg_type: number;
  data: Uint8Array;
}

/** struct msghdr for sendmsg. */
export interface MsgHdrOut {
  msg_name?: SockAddr;
  msg_iov: Uint8Array[];
  msg_control?: Cmsg[];
}

/** struct msghdr for recvmsg: the buffers to scatter into, and how much control data fits. */
export interface MsgHdrIn {
  msg_iov: Uint8Array[];
  msg_controllen?: number;
}

/** What recvfrom returns: the byte count (the return value) and the source address. */
export interface RecvFromResult {
  n: number;
  from: SockaddrNl;
}

/** What recvmsg returns. */
export interface RecvMsgResult {
  n: number;
  msg_flags: number;
  from: SockaddrNl;
  control: Cmsg[];
}

/** What getsockopt fills in, exactly: the bytes and the returned optlen. */
export interface SockoptRaw {
  optlen: number;
  bytes: Uint8Array;
}

/** Options for a new process. */
export interface SpawnOptions {
  /** The process name (comm), shown in traces and /proc/net/netlink. */
  name?: string;
  /** Its uid: 0 (root, the default) or another (unprivileged, e.g. 65534 for nobody). */
  uid?: number;
}

import type { kernel_param, boot_param } from './fs-kernel.ts';

/** A kernel module written in TypeScript: `module_init` / `module_exit`. */
export interface KernelModule {
  /** Module name, as lsmod and rmmod know it. */
  name: string;
  /** module_init: 0 on success or a negative errno (the load fails). */
  init(): number | Promise<number>;
  /** module_exit. */
  exit?(): void | Promise<void>;
  /** A one-line description (MODULE_DESCRIPTION). */
  description?: string;
  /** Its parameters (module_param …): /sys/module/<name>/parameters/<p>, set by insmod's parameter string. */
  kp?: kernel_param[];
  /** Boot-option handlers (__setup, early_param): used when the module is built in (createSimKernel's builtin). */
  setup?: boot_param[];
}
