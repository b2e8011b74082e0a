/**
 * Kernel-side netlink types: the configuration of a kernel socket, the dump callback state, and
 * NETLINK_CB. Ref: include/linux/netlink.h
 *
 * Models Linux 6.18: include/linux/netlink.h
 */
import { sk_buff } from '../../net/core/skbuff';
import { netlink_ext_ack } from '../../lib/nlattr';

// The structs of include/uapi/linux/netlink.h, read and written in place in linear memory through
// these views (`nlh.nlmsg_flags`, `nladdr.nl_pid`), as the C reads them through a pointer.
// sim: declared here, not in include/uapi/linux/netlink.ts, which stays plain enough for
// TypeScript to import (sandboxes/sim/kernel/uapi.test.ts). sizeof is offsetof<T>().

/** struct sockaddr_nl. Ref: include/uapi/linux/netlink.h */
@unmanaged export class sockaddr_nl {
  nl_family: u16;
  nl_pad: u16;
  nl_pid: u32;
  nl_groups: u32;
}

/** struct nlmsghdr. Ref: include/uapi/linux/netlink.h */
@unmanaged export class nlmsghdr {
  nlmsg_len: u32;
  nlmsg_type: u16;
  nlmsg_flags: u16;
  nlmsg_seq: u32;
  nlmsg_pid: u32;
}

/** struct nlmsgerr. Ref: include/uapi/linux/netlink.h */
@unmanaged export class nlmsgerr {
  error: i32;
  // sim: the room of the embedded `struct nlmsghdr msg`, so that offsetof<nlmsgerr>() is its
  // sizeof; the header is read through `msg`.
  private __msg_len: u32;
  private __msg_type_flags: u32;
  private __msg_seq: u32;
  private __msg_pid: u32;
  /** The embedded header: `&err->msg`. */
  get msg(): nlmsghdr { return changetype<nlmsghdr>(changetype<usize>(this) + offsetof<nlmsgerr>('__msg_len')); }
}

/** struct nlattr. Ref: include/uapi/linux/netlink.h */
@unmanaged export class nlattr {
  nla_len: u16;
  nla_type: u16;
}

/** struct nla_bitfield32. Ref: include/uapi/linux/netlink.h */
@unmanaged export class nla_bitfield32 {
  value: u32;
  selector: u32;
}

/** cfg->flags: what an unprivileged user may do on the protocol. Ref: NL_CFG_F_NONROOT_RECV */
export const NL_CFG_F_NONROOT_RECV: u32 = 1 << 0;
export const NL_CFG_F_NONROOT_SEND: u32 = 1 << 1;

/** NETLINK_CB(skb).flags: the sender named the destination. Ref: NETLINK_SKB_DST */
export const NETLINK_SKB_DST: u32 = 0x8;

/** A kernel socket's input: called with each datagram sent to it, in the sender's context. */
export type netlink_input_fn = (skb: sk_buff) => void;
/** Called when a user socket joins a group (cfg->bind); `capable` says whether it has CAP_NET_ADMIN. */
export type netlink_bind_fn = (group: i32, capable: bool) => i32;
/** Called when a user socket leaves a group. */
export type netlink_unbind_fn = (group: i32) => void;

/** struct netlink_kernel_cfg. Ref: include/linux/netlink.h */
export class netlink_kernel_cfg {
  groups: u32 = 0;
  flags: u32 = 0;
  input: netlink_input_fn | null = null;
  bind: netlink_bind_fn | null = null;
  unbind: netlink_unbind_fn | null = null;
  /** Which module owns the protocol (0: built in); the host's module id. */
  module_id: i32 = 0;
}

/** Per-message handler given to netlink_rcv_skb. */
export type netlink_rcv_msg_fn = (skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null) => i32;
/** A dump step: fill skb, return skb.len to be called again, 0 when done, or -errno. */
export type netlink_dump_fn = (skb: sk_buff, cb: netlink_callback) => i32;
/** Dump start/done hooks. */
export type netlink_cb_fn = (cb: netlink_callback) => i32;

/** struct netlink_callback: the state of a dump between the reader's recvmsg calls. */
export class netlink_callback {
  /** The request that started the dump (kept alive until the dump ends). */
  skb: sk_buff = changetype<sk_buff>(0);
  /** The request's header, inside skb. */
  nlh: nlmsghdr = changetype<nlmsghdr>(0);
  dump: netlink_dump_fn | null = null;
  done: netlink_cb_fn | null = null;
  /** Private pointer of the dump's owner, and a managed reference that keeps it alive. */
  data: usize = 0;
  data_ref: Object | null = null;
  module: string = '';
  /** Set during dump() so it can report an error message. */
  extack: netlink_ext_ack | null = null;
  min_dump_alloc: i32 = 0;
  answer_flags: u16 = 0;
  strict_check: bool = false;
  seq: u32 = 0;
  prev_seq: u32 = 0;
  /** Scratch the dump keeps its position in. */
  args: StaticArray<i64> = new StaticArray<i64>(6);
  /** The host's id for a dump written in TypeScript (0 otherwise). */
  host_id: i32 = 0;
}

/** struct netlink_dump_control. */
export class netlink_dump_control {
  start: netlink_cb_fn | null = null;
  dump: netlink_dump_fn | null = null;
  done: netlink_cb_fn | null = null;
  data: usize = 0;
  data_ref: Object | null = null;
  module: string = '';
  min_dump_alloc: i32 = 0;
  host_id: i32 = 0;
  /** The request's extack, which start() sees as cb->extack (6.18). */
  extack: netlink_ext_ack | null = null;
}

/** NETLINK_CB(skb): the control block lives inside sk_buff here (portid, dst_group, flags, creds, cb_sk). */
// @ts-ignore: decorator
@inline export function NETLINK_CB(skb: sk_buff): sk_buff { return skb; }
