/**
 * What af_netlink asks of the TypeScript host, and what the host asks of it: wake-ups, the
 * soft-lockup report, and netlink protocols written in TypeScript (a kernel socket's input, a
 * netlink_rcv_skb handler with its extended ACK, dumps). Linux has none of it: its protocols are C
 * in the same kernel.
 *
 * Models Linux 6.18: no file of its own (sim: the glue between af_netlink and the host; every function here is ours)
 */
import { sk_buff } from '../core/skbuff';
import { netlink_ext_ack } from '../../lib/nlattr';
import { netlink_rcv_skb } from './af_netlink';
import { nlmsghdr } from '../../include/linux/netlink';

/** sim: the host wakes whoever sleeps on socket id (Linux: sk->sk_data_ready). */
// @ts-ignore: decorator
@external('env', 'sk_wake')
export declare function host_sk_wake(id: i32): void;
/** sim: a kernel socket's input written in TypeScript (Linux: nlk->netlink_rcv). */
// @ts-ignore: decorator
@external('env', 'netlink_rcv_host')
export declare function host_netlink_rcv(host_input: i32, skb: usize): void;
/** sim: a TypeScript handler's rcv_msg, called from netlink_rcv_skb. */
// @ts-ignore: decorator
@external('env', 'netlink_rcv_msg_host')
export declare function host_netlink_rcv_msg(cb_id: i32, skb: usize, nlh: usize, extack: usize): i32;
/** sim: a TypeScript dump's start (op 0), dump (1) or done (2). */
// @ts-ignore: decorator
@external('env', 'netlink_dump_host')
export declare function host_netlink_dump(host_id: i32, op: i32, skb: usize): i32;
/** sim: tells the host a kernel-to-kernel chain ran away (Linux would crash). */
// @ts-ignore: decorator
@external('env', 'soft_lockup')
export declare function host_soft_lockup(text: string): void;

// netlink_rcv_skb with a handler written in TypeScript: the host's id for it.
let host_rcv_cb: i32 = 0;
/**
 * sim: The TypeScript handler's NL_SET_ERR_MSG and missing type, written into the extack its
 * rcv_msg was handed (`extack`: the address netlink_rcv_msg_host passed, 0 for none) as the
 * handler returns.
 */
export function netlink_host_extack(extack: usize, msg: string | null, miss_type: u32): void {
  if (!extack) return;
  const e = changetype<netlink_ext_ack>(extack);
  if (msg != null) e._msg = msg;
  if (miss_type) e.miss_type = miss_type;
}
/** sim: a protocol written in TypeScript: its rcv_msg runs on the host, with the extack's address. */
function netlink_rcv_msg_host(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  return host_netlink_rcv_msg(host_rcv_cb, changetype<usize>(skb), changetype<usize>(nlh), changetype<usize>(extack));
}
/** sim: netlink_rcv_skb for a TypeScript handler (the host's callback id). */
export function netlink_rcv_skb_host(skb: sk_buff, cb_id: i32): i32 {
  const saved = host_rcv_cb;
  host_rcv_cb = cb_id;
  const r = netlink_rcv_skb(skb, netlink_rcv_msg_host);
  host_rcv_cb = saved;
  return r;
}
