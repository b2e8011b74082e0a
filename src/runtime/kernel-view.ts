/**
 * The simulated kernel as the playground sees it: its trace entries, its state and its events, as
 * plain data that crosses from the run worker to the page (structured clone). The shapes are those
 * the simulated kernel (sandboxes/sim/host) reports.
 */

/** One function call inside the simulated kernel. */
export interface TraceEntry {
  pid: number;
  /** Call depth: 0 for the syscall's entry function. */
  depth: number;
  /** The kernel function's name, as in Linux ('netlink_sendmsg'). */
  fn: string;
  /** Its arguments, as short text. */
  args: string;
  /** Its return value, once it returned. */
  ret?: number | string;
  /** Virtual time (ms) on entry and exit. */
  enter: number;
  exit?: number;
  /** Where it is defined, relative to sandboxes/sim/kernel/ ('net/netlink/af_netlink.ts'), and the line. */
  file: string;
  line: number;
}

/** One socket, as /proc/net/netlink shows it, plus its queue. */
export interface SocketState {
  protocol: number;
  portid: number;
  /** The owner's pid (0 for kernel sockets, -1 when the kernel's view does not say). */
  pid: number;
  /** The file descriptor in its owner, when it has one. */
  fd?: number;
  /** The multicast groups it belongs to: numbers (1-based) or a bitmask of the first 32. */
  groups: number[] | number;
  rmem: number;
  wmem: number;
  /** SO_RCVBUF / SO_SNDBUF (not in /proc/net/netlink, so absent for a VM). */
  rcvbuf?: number;
  sndbuf?: number;
  drops: number;
  dump: boolean | number;
  /** The connected peer, if any. */
  connected: { pid: number; groups: number } | boolean | number | null;
  /** The datagrams waiting on the receive queue: their lengths and senders (absent for a VM: /proc shows only Rmem). */
  queue?: { len: number; bytes?: number; from?: number; group?: number }[];
  /** Whether it is a kernel socket (netlink_kernel_create). */
  kernel: boolean;
}

/** One process of the simulated system. */
export interface ProcessState {
  pid: number;
  name: string;
  uid: number;
  /** 'running' | 'runnable' | 'blocked' | 'sleeping' | 'exited' … */
  state: string;
  /** What a blocked process waits for ('recvmsg on fd 3', 'msleep'). */
  waitingOn?: string | null;
}

/** The kernel's state at one moment. Parts the playground does not know are shown as they are. */
export interface KernelState {
  /** Virtual time in ms. */
  time: number;
  sockets: SocketState[];
  protocols: unknown[];
  families: unknown[];
  modules: unknown[];
  processes: ProcessState[];
  dmesg: unknown[];
  liveBuffers?: number;
  /**
   * Where it comes from: the simulated kernel's own tables (absent or 'sim'), or a real kernel's
   * /proc files ('proc': sockets and modules only; see src/runtime/vm/proc-state.ts).
   */
  source?: 'sim' | 'proc';
}

/** Something the kernel reported while running: a trace step, a printk, a process change, a hang. */
export interface KernelEvent {
  kind: 'trace' | 'printk' | 'proc' | 'lockup' | 'deadlock' | string;
  /** Virtual time of the event. */
  time?: number;
  /** The report's text (printk, lockup, deadlock). */
  text?: string;
  [key: string]: unknown;
}
