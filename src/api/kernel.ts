/**
 * netlink-lab/kernel — writing a kernel module in TypeScript, with Linux's names.
 *
 * A module is defined with defineModule({ name, init, exit }) and loaded from user space with
 * insmod(mod) (netlink-lab/user). Its code runs inside the simulated kernel: an input callback runs
 * in the context of the process that sent the message, and may sleep (`await msleep(3000)`).
 * On the real kernel, insmod loads the C module of the same name instead; this code does not run.
 *
 * Every function dispatches to the kernel currently attached (like netlink-lab/user's backend()).
 */
import { backend, type Backend } from './backend.ts';
import type { KernelModule } from './types.ts';
import { ERRNO } from './errno.ts';
import type { netlink_ext_ack } from './genl-kernel.ts';
import { takeModuleParams, type kernel_param, type boot_param } from './fs-kernel.ts';

// Generic netlink for module authors (genl_register_family, genlmsg_*, nla_*), by the genl engineer.
export * from './genl-kernel.ts';
// Files: character devices, procfs, seq_file, sysctl, module and boot parameters, debugfs, relay.
export * from './fs-kernel.ts';

/** An sk_buff: a datagram in kernel memory. `data` is a view on it (valid until it is freed). */
export interface SkBuff {
  /** Its kernel address. */
  readonly ptr: number;
  /** skb->len. */
  readonly len: number;
  /** skb->data … skb->data + len, as a view on kernel memory (a fresh view each time you read it). */
  readonly data: Uint8Array;
}

/** struct nlmsghdr inside an skb; the fields read and write kernel memory. */
export interface NlMsgHdr {
  readonly ptr: number;
  nlmsg_len: number;
  nlmsg_type: number;
  nlmsg_flags: number;
  nlmsg_seq: number;
  nlmsg_pid: number;
}

/** A kernel socket made by netlink_kernel_create. */
export interface NetlinkSock {
  readonly id: number;
  readonly unit: number;
}

/** C spellings of the types: struct sock *, struct sk_buff *, struct nlmsghdr *. */
export type sock = NetlinkSock;
export type sk_buff = SkBuff;
export type nlmsghdr = NlMsgHdr;

/** struct netlink_kernel_cfg. */
export interface NetlinkKernelCfg {
  /** Called with each datagram sent to the kernel socket, in the sender's context; may be async. */
  input?: (skb: SkBuff) => void | Promise<void>;
  /** Number of multicast groups (at least 32). */
  groups?: number;
  /** NL_CFG_F_NONROOT_RECV | NL_CFG_F_NONROOT_SEND: what unprivileged users may do. */
  flags?: number;
}

/** struct netlink_skb_parms, as NETLINK_CB(skb) shows it. */
export interface NetlinkCb {
  /** Sender's port id (settable before sending, like NETLINK_CB(skb).portid = 0). */
  portid: number;
  /** Destination group. */
  dst_group: number;
  readonly creds: { pid: number; uid: number; gid: number };
}

/** The network namespace (there is one). */
export interface Net {
  readonly name: string;
}

/** A completion (struct completion). */
export interface Completion {
  done: number;
}

/** State of a dump written in TypeScript (struct netlink_callback): `args` keeps your position. */
export interface NetlinkCallback {
  readonly skb: SkBuff;
  readonly nlh: NlMsgHdr;
  args: number[];
  data?: unknown;
}

/** struct netlink_dump_control: dump fills skb and returns skb.len to go on, 0 when done, or -errno. */
export interface NetlinkDumpControl {
  start?(cb: NetlinkCallback): number;
  dump(skb: SkBuff, cb: NetlinkCallback): number;
  done?(cb: NetlinkCallback): number;
  data?: unknown;
  min_dump_alloc?: number;
}

/**
 * struct timer_list, zero-initialised like a static in C (`const t: timer_list = {}`), then
 * set up with timer_setup() and armed with mod_timer(). Its function runs in softirq context: it
 * must not sleep, and allocates with GFP_ATOMIC.
 */
export interface timer_list {
  /** When it fires, in jiffies (set by mod_timer). */
  expires?: number;
  /** The callback (set by timer_setup). */
  function?: ((t: timer_list) => void) | null;
  flags?: number;
}

/**
 * struct work_struct (`const w: work_struct = {}`), set up with INIT_WORK() and queued with
 * schedule_work(). Its function runs later in a kernel thread (a kworker): process context, so it
 * may sleep and allocate with GFP_KERNEL.
 */
export interface work_struct {
  func?: ((w: work_struct) => void | Promise<void>) | null;
}

/**
 * struct delayed_work (`const d: delayed_work = {}`), set up with INIT_DELAYED_WORK(): a work item
 * and a timer in one — schedule_delayed_work(d, delay) queues the work once `delay` jiffies passed.
 */
export interface delayed_work {
  work?: work_struct;
  timer?: timer_list;
}

/** What a kernel provides to modules (the simulated kernel's implementation lives in sandboxes/sim/host). */
export interface KernelApi {
  netlink_kernel_create(net: Net, unit: number, cfg?: NetlinkKernelCfg): NetlinkSock | null;
  netlink_kernel_release(sk: NetlinkSock | null): void;
  alloc_skb(size: number, gfp?: number): SkBuff | null;
  nlmsg_new(payload: number, gfp?: number): SkBuff | null;
  nlmsg_put(skb: SkBuff, portid: number, seq: number, type: number, payload: number, flags: number): NlMsgHdr | null;
  nlmsg_end(skb: SkBuff, nlh: NlMsgHdr): void;
  nlmsg_data(nlh: NlMsgHdr): Uint8Array;
  nlmsg_hdr(skb: SkBuff): NlMsgHdr;
  /** The header at a kernel address (for walking a datagram). */
  nlmsg_at(ptr: number): NlMsgHdr;
  skb_put(skb: SkBuff, len: number): Uint8Array;
  NETLINK_CB(skb: SkBuff): NetlinkCb;
  netlink_unicast(sk: NetlinkSock, skb: SkBuff, portid: number, nonblock: number): number;
  netlink_broadcast(sk: NetlinkSock, skb: SkBuff, portid: number, group: number, gfp?: number): number;
  netlink_has_listeners(sk: NetlinkSock, group: number): boolean;
  kfree_skb(skb: SkBuff | null): void;
  netlink_rcv_skb(skb: SkBuff, cb: (skb: SkBuff, nlh: NlMsgHdr, extack: netlink_ext_ack) => number): number;
  netlink_ack(skb: SkBuff, nlh: NlMsgHdr, err: number): void;
  netlink_dump_start(sk: NetlinkSock, skb: SkBuff, nlh: NlMsgHdr, control: NetlinkDumpControl): number;
  printk(text: string): void;
  msleep(ms: number): Promise<void>;
  jiffies_ms(): number;
  init_completion(c?: Completion): Completion;
  complete(c: Completion): void;
  complete_all(c: Completion): void;
  wait_for_completion_timeout(c: Completion, ms: number): Promise<number>;
  wait_for_completion(c: Completion): Promise<void>;
  timer_setup(timer: timer_list, fn: (t: timer_list) => void, flags: number): void;
  mod_timer(timer: timer_list, expires: number): number;
  timer_delete(timer: timer_list): number;
  timer_pending(timer: timer_list): boolean;
  INIT_WORK(work: work_struct, fn: (w: work_struct) => void | Promise<void>): void;
  schedule_work(work: work_struct): boolean;
  cancel_work_sync(work: work_struct): Promise<boolean>;
  flush_work(work: work_struct): Promise<boolean>;
}

function api(): KernelApi {
  const b = backend() as Backend & { kernelApi?: KernelApi };
  if (!b.kernelApi) {
    throw new Error(
      'netlink-lab/kernel: the attached kernel runs no TypeScript modules (a real kernel loads the C module of the same name with insmod). Run with the simulated kernel (--kernel sim).',
    );
  }
  return b.kernelApi;
}

// ---- constants ---------------------------------------------------------------------------------

/** The one network namespace. */
export const init_net: Net = Object.freeze({ name: 'init_net' });
/** Stands for the module being defined (accepted where Linux passes THIS_MODULE). */
export const THIS_MODULE = Object.freeze({ name: 'THIS_MODULE' });

export const KERN_EMERG = '\x010';
export const KERN_ALERT = '\x011';
export const KERN_CRIT = '\x012';
export const KERN_ERR = '\x013';
export const KERN_WARNING = '\x014';
export const KERN_NOTICE = '\x015';
export const KERN_INFO = '\x016';
export const KERN_DEBUG = '\x017';

/** errno values (return them negated, like kernel code). */
export const {
  EPERM,
  ENOENT,
  ESRCH,
  EINTR,
  EIO,
  EAGAIN,
  ENOMEM,
  EFAULT,
  EBUSY,
  EEXIST,
  ENODEV,
  EINVAL,
  ERANGE,
  ENODATA,
  EACCES,
  EBADF,
  ENOTTY,
  ESPIPE,
  ENOSPC,
  ENXIO,
  EROFS,
  EISDIR,
  ENOTDIR,
  ENOSYS,
  EOVERFLOW,
  EMSGSIZE,
  ENOPROTOOPT,
  EPROTONOSUPPORT,
  EOPNOTSUPP,
  EADDRINUSE,
  ENOBUFS,
  ECONNREFUSED,
  ETIMEDOUT,
} = ERRNO;

export const GFP_KERNEL = 0;
export const GFP_ATOMIC = 1;
export const MSG_DONTWAIT = 0x40;
export const NL_CFG_F_NONROOT_RECV = 1;
export const NL_CFG_F_NONROOT_SEND = 2;

// ---- modules -----------------------------------------------------------------------------------

/**
 * Define a module: module_init is `init`, module_exit is `exit`. Pass the result to insmod().
 * Its parameters are `kp`, or else every module_param(…) called since the previous defineModule
 * (as C's module_param lines belong to the file's module). `setup` holds __setup/early_param
 * handlers, which run only when the module is built into the kernel.
 */
export function defineModule(m: {
  name: string;
  init: () => number | Promise<number>;
  exit?: () => void | Promise<void>;
  description?: string;
  // biome-ignore lint/suspicious/noExplicitAny: parameters of every value type; kernel_param<T> is invariant in T.
  kp?: kernel_param<any>[];
  setup?: boot_param[];
}): KernelModule {
  if (!/^[A-Za-z0-9_-]{1,55}$/.test(m.name))
    throw new Error(`defineModule: '${m.name}' is not a valid module name (letters, digits, _ and -, at most 55).`);
  const pending = takeModuleParams();
  return {
    name: m.name,
    init: m.init,
    exit: m.exit,
    description: m.description,
    kp: (m.kp ?? pending) as kernel_param[],
    setup: m.setup ?? [],
  };
}

// ---- the kernel API ----------------------------------------------------------------------------

/** Create the kernel socket of protocol `unit`; null if the unit is taken or out of range. */
export const netlink_kernel_create = (net: Net, unit: number, cfg?: NetlinkKernelCfg): NetlinkSock | null =>
  api().netlink_kernel_create(net, unit, cfg);
/** Release a kernel socket (unregisters the protocol). */
export const netlink_kernel_release = (sk: NetlinkSock | null): void => api().netlink_kernel_release(sk);
/** An skb with room for `size` bytes. */
export const alloc_skb = (size: number, gfp = GFP_KERNEL): SkBuff | null => api().alloc_skb(size, gfp);
/** An skb for one message with `payload` bytes of payload (GFP_ATOMIC where the caller may not sleep). */
export const nlmsg_new = (payload: number, gfp = GFP_KERNEL): SkBuff | null => api().nlmsg_new(payload, gfp);
/** Add a message header to skb; null when it does not fit. */
export const nlmsg_put = (
  skb: SkBuff,
  portid: number,
  seq: number,
  type: number,
  payload: number,
  flags: number,
): NlMsgHdr | null => api().nlmsg_put(skb, portid, seq, type, payload, flags);
/** Finish a message: nlmsg_len covers what was written after the header. */
export const nlmsg_end = (skb: SkBuff, nlh: NlMsgHdr): void => api().nlmsg_end(skb, nlh);
/** The payload of a message, as a view on kernel memory. */
export const nlmsg_data = (nlh: NlMsgHdr): Uint8Array => api().nlmsg_data(nlh);
/** The first message of an skb. */
export const nlmsg_hdr = (skb: SkBuff): NlMsgHdr => api().nlmsg_hdr(skb);
/** nlmsg_len: the payload length of a message. */
export const nlmsg_len = (nlh: NlMsgHdr): number => nlh.nlmsg_len - 16;
/** nlmsg_msg_size: nlmsg_len for a payload. */
export const nlmsg_msg_size = (payload: number): number => payload + 16;
/** nlmsg_total_size: bytes a message takes, padding included. */
export const nlmsg_total_size = (payload: number): number => (payload + 16 + 3) & ~3;
/** nlmsg_ok: whether a whole message starts at nlh with `remaining` bytes left. */
export const nlmsg_ok = (nlh: NlMsgHdr, remaining: number): boolean =>
  remaining >= 16 && nlh.nlmsg_len >= 16 && nlh.nlmsg_len <= remaining;
/** nlmsg_next: the message after nlh and the bytes left after it (C's out-parameter is the second element). */
export const nlmsg_next = (nlh: NlMsgHdr, remaining: number): [NlMsgHdr, number] => {
  const total = (nlh.nlmsg_len + 3) & ~3;
  return [api().nlmsg_at(nlh.ptr + total), remaining - total];
};
/** Extend skb by len bytes; returns a view on them. */
export const skb_put = (skb: SkBuff, len: number): Uint8Array => api().skb_put(skb, len);
/** The netlink control block of an skb. */
export const NETLINK_CB = (skb: SkBuff): NetlinkCb => api().NETLINK_CB(skb);
/** Send skb to port `portid`; returns the length sent or a negative errno. Consumes skb. */
export const netlink_unicast = (sk: NetlinkSock, skb: SkBuff, portid: number, nonblock: number): number =>
  api().netlink_unicast(sk, skb, portid, nonblock);
/** nlmsg_unicast: netlink_unicast with MSG_DONTWAIT; 0 or a negative errno. */
export const nlmsg_unicast = (sk: NetlinkSock, skb: SkBuff, portid: number): number => {
  const r = api().netlink_unicast(sk, skb, portid, MSG_DONTWAIT);
  return r > 0 ? 0 : r;
};
/** Send skb to every member of `group` except `portid`; 0, -ESRCH (nobody) or -ENOBUFS. Consumes skb. */
export const netlink_broadcast = (
  sk: NetlinkSock,
  skb: SkBuff,
  portid: number,
  group: number,
  gfp = GFP_KERNEL,
): number => api().netlink_broadcast(sk, skb, portid, group, gfp);
/** nlmsg_multicast: sets NETLINK_CB(skb).dst_group, then broadcasts. */
export const nlmsg_multicast = (
  sk: NetlinkSock,
  skb: SkBuff,
  portid: number,
  group: number,
  gfp = GFP_KERNEL,
): number => {
  const k = api();
  k.NETLINK_CB(skb).dst_group = group;
  const r = k.netlink_broadcast(sk, skb, portid, group, gfp);
  return r > 0 ? 0 : r;
};
/** Whether anyone listens to `group`. */
export const netlink_has_listeners = (sk: NetlinkSock, group: number): boolean =>
  api().netlink_has_listeners(sk, group);
/** Free an skb. */
export const kfree_skb = (skb: SkBuff | null): void => api().kfree_skb(skb);
/** nlmsg_free. */
export const nlmsg_free = kfree_skb;
/**
 * Run `cb` on each request of the datagram and ACK like Linux does (cb must not be async). cb may
 * set an error message with NL_SET_ERR_MSG(extack, '…'): sent as NLMSGERR_ATTR_MSG to a requester
 * that turned NETLINK_EXT_ACK on.
 */
export const netlink_rcv_skb = (
  skb: SkBuff,
  cb: (skb: SkBuff, nlh: NlMsgHdr, extack: netlink_ext_ack) => number,
): number => api().netlink_rcv_skb(skb, cb);
/** Answer a request with NLMSG_ERROR (err 0: an ACK). */
export const netlink_ack = (skb: SkBuff, nlh: NlMsgHdr, err: number): void => api().netlink_ack(skb, nlh, err);
/** Start a dump; returns -EINTR (4) once started (netlink_rcv_skb then sends no ACK). */
export const netlink_dump_start = (sk: NetlinkSock, skb: SkBuff, nlh: NlMsgHdr, control: NetlinkDumpControl): number =>
  api().netlink_dump_start(sk, skb, nlh, control);
/** printk: start the text with KERN_INFO etc. (printk(KERN_INFO + 'hello')); default KERN_WARNING. */
export const printk = (text: string): void => api().printk(text);
/** pr_info / pr_warn / pr_err / pr_emerg / pr_debug. */
export const pr_info = (text: string): void => api().printk(KERN_INFO + text);
export const pr_warn = (text: string): void => api().printk(KERN_WARNING + text);
export const pr_err = (text: string): void => api().printk(KERN_ERR + text);
export const pr_emerg = (text: string): void => api().printk(KERN_EMERG + text);
export const pr_debug = (text: string): void => api().printk(KERN_DEBUG + text);
/** Sleep in the current process's context (virtual time). */
export const msleep = (ms: number): Promise<void> => api().msleep(ms);
/** Milliseconds since boot. */
export const jiffies_ms = (): number => api().jiffies_ms();
/**
 * Jiffies: the kernel's tick counter. In the simulator a jiffy is 1 ms (HZ 1000); Debian's kernels
 * tick at HZ 250 (4 ms), so always convert with msecs_to_jiffies().
 */
export const HZ = 1000;
/** The current value of jiffies (C reads the variable `jiffies`). */
export const jiffies = (): number => api().jiffies_ms();
/** Milliseconds to jiffies. */
export const msecs_to_jiffies = (ms: number): number => Math.ceil((ms * HZ) / 1000);
/** jiffies to milliseconds. */
export const jiffies_to_msecs = (j: number): number => Math.floor((j * 1000) / HZ);
/** Set up a timer: `fn` runs in softirq context when it expires (it must not sleep). */
export const timer_setup = (timer: timer_list, fn: (t: timer_list) => void, flags = 0): void =>
  api().timer_setup(timer, fn, flags);
/** Arm (or re-arm) a timer to fire at `expires` jiffies; 1 if it was pending, else 0. */
export const mod_timer = (timer: timer_list, expires: number): number => api().mod_timer(timer, expires);
/** add_timer: arm a timer at timer.expires. */
export const add_timer = (timer: timer_list): void => {
  api().mod_timer(timer, timer.expires ?? 0);
};
/** Disarm a timer; 1 if it was pending (Linux 6.2 added this name, 6.15 removed the old del_timer). */
export const timer_delete = (timer: timer_list): number => api().timer_delete(timer);
/** Disarm a timer and wait for a running callback to finish (one CPU here: none can be running). */
export const timer_delete_sync = (timer: timer_list): number => api().timer_delete(timer);
/** The old names: Linux 6.1 has both (its 6.1.84 update added timer_delete*); 6.15 and later only timer_delete*. */
export const del_timer = timer_delete;
export const del_timer_sync = timer_delete_sync;
/** Whether a timer is armed. */
export const timer_pending = (timer: timer_list): boolean => api().timer_pending(timer);
/** Set up a work item: `fn` will run in a kworker thread (process context: it may sleep). */
export const INIT_WORK = (work: work_struct, fn: (w: work_struct) => void | Promise<void>): void =>
  api().INIT_WORK(work, fn);
/** Queue a work item on the system workqueue; false if it was already queued. Callable from any context. */
export const schedule_work = (work: work_struct): boolean => api().schedule_work(work);
/** Take a queued work item off the queue and wait for a running one to finish; true if it was queued. */
export const cancel_work_sync = (work: work_struct): Promise<boolean> => api().cancel_work_sync(work);
/** Wait until a work item has run; true if there was something to wait for. */
export const flush_work = (work: work_struct): Promise<boolean> => api().flush_work(work);
/** Set up a delayed work item: `fn` will run in a kworker, after the delay given to schedule_delayed_work. */
export const INIT_DELAYED_WORK = (dwork: delayed_work, fn: (w: work_struct) => void | Promise<void>): void => {
  const k = api();
  dwork.work = {};
  dwork.timer = {};
  k.INIT_WORK(dwork.work, fn);
  k.timer_setup(
    dwork.timer,
    () => {
      k.schedule_work(dwork.work!);
    },
    0,
  );
};
/** Queue a delayed work item to run `delay` jiffies from now; false if it was already pending. */
export const schedule_delayed_work = (dwork: delayed_work, delay: number): boolean => {
  const k = api();
  if (k.timer_pending(dwork.timer!)) return false;
  if (delay <= 0) return k.schedule_work(dwork.work!);
  k.mod_timer(dwork.timer!, k.jiffies_ms() + delay);
  return true;
};
/** Disarm a delayed work item's timer, take its work off the queue, wait for a running one; true if it was pending. */
export const cancel_delayed_work_sync = async (dwork: delayed_work): Promise<boolean> => {
  const k = api();
  const armed = k.timer_delete(dwork.timer!) > 0;
  const queued = await k.cancel_work_sync(dwork.work!);
  return armed || queued;
};
/** A new completion (or reset `c`). */
export const init_completion = (c?: Completion): Completion => api().init_completion(c);
/** Signal one waiter. */
export const complete = (c: Completion): void => api().complete(c);
/** Signal every waiter, now and later. */
export const complete_all = (c: Completion): void => api().complete_all(c);
/** Wait up to `ms`; resolves to the time left (≥ 1) or 0 on timeout. */
export const wait_for_completion_timeout = (c: Completion, ms: number): Promise<number> =>
  api().wait_for_completion_timeout(c, ms);
/** Wait without a limit. */
export const wait_for_completion = (c: Completion): Promise<void> => api().wait_for_completion(c);

// ---- generic netlink families (src/api/genl-kernel.ts) ------------------------------------------
export * from './genl-kernel.ts';
