/**
 * AF_NETLINK: sockets, port ids, unicast and multicast delivery, receive, the kernel side's
 * message loop (netlink_rcv_skb), acknowledgements and dumps.
 *
 * Read it beside Linux's net/netlink/af_netlink.c: functions keep their names and order of
 * checks. Differences are marked "sim:". Every function returns a negative errno on failure and
 * never traps, whatever user space sends.
 *
 * Models Linux 6.18: net/netlink/af_netlink.c
 */
import {
  NLM_F_ACK, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_HDRLEN, NLMSG_MIN_TYPE,
  NLMSG_ERROR, NLMSG_DONE, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_COOKIE, NLMSGERR_ATTR_POLICY,
  NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MISS_NEST, MAX_LINKS, NETLINK_USERSOCK, SOCK_RAW, SOCK_DGRAM,
  AF_NETLINK, SOCKADDR_NL_SIZE, MSG_OOB, NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP, NETLINK_PKTINFO,
  NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_LISTEN_ALL_NSID, NETLINK_LIST_MEMBERSHIPS,
  NETLINK_CAP_ACK, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK, SOL_NETLINK,
} from '../../include/uapi/linux/netlink';
import {
  sk_buff, alloc_skb, alloc_skb_exact, kfree_skb, consume_skb, skb_clone, skb_get, skb_shared, skb_orphan,
  skb_put, skb_pull, skb_tailroom, skb_reserve, skb_queue_tail, skb_dequeue, skb_peek, skb_queue_purge,
  skb_set_destructor, SKB_WITH_OVERHEAD,
} from '../core/skbuff';
import {
  sock, sock_link, sock_unlink, sock_by_id, sock_rfree, netlink_is_kernel, NETLINK_F_KERNEL_SOCKET, NETLINK_F_RECV_NO_ENOBUFS,
  NETLINK_F_BROADCAST_SEND_ERROR, NETLINK_F_CAP_ACK, NETLINK_F_EXT_ACK, NETLINK_F_STRICT_CHK, NETLINK_F_RECV_PKTINFO,
  NETLINK_F_LISTEN_ALL_NSID,
} from '../../include/net/sock';
import {
  netlink_kernel_cfg, netlink_callback, netlink_dump_control, netlink_rcv_msg_fn, netlink_bind_fn,
  netlink_unbind_fn, NL_CFG_F_NONROOT_RECV, NL_CFG_F_NONROOT_SEND, NETLINK_SKB_DST, NETLINK_CB, sockaddr_nl,
  nlmsghdr, nlmsgerr,
} from '../../include/linux/netlink';
import {
  NLMSG_ALIGN, NLMSG_GOODSIZE, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_data, nlmsg_len, nlmsg_hdr, nlmsg_append,
  nlmsg_total_size, nlmsg_free,
} from '../../include/net/netlink';
import { socket, proto_ops } from '../../include/linux/net';
import { scm_cookie, scm_send } from '../../include/net/scm';
import { datagram_poll } from '../core/datagram';
import { host_sk_wake, host_netlink_rcv, host_netlink_dump, host_soft_lockup } from './host';
import {
  EINVAL, EPERM, ENOENT, EADDRINUSE, EBUSY, ECONNREFUSED, EAGAIN, ENOBUFS, ESRCH, EINTR, EPROTONOSUPPORT,
  ESOCKTNOSUPPORT, EDEADLK, ERESTARTSYS, ENOPROTOOPT, EOPNOTSUPP, ENODATA, EMSGSIZE,
} from '../../include/uapi/asm-generic/errno';
import { CAP_NET_ADMIN, CAP_NET_BROADCAST } from '../../include/linux/capability';
import { current, capable, task_tgid_vnr } from '../../kernel/sched';
import { tracing, trace_enter, tr, tr_void } from '../../kernel/trace';
import { printk, KERN_EMERG } from '../../kernel/printk';
import { netlink_ext_ack, nla_put_string, nla_put, nla_put_u32, nla_total_size } from '../../lib/nlattr';
import { netlink_policy_dump_write_attr, netlink_policy_dump_attr_size_estimate } from './policy';

// Everything a protocol built on netlink needs comes from this one module (as in Linux, where
// they come from <linux/netlink.h> and <net/netlink.h>).
export * from '../core/skbuff';
export * from '../../include/net/sock';
export * from '../../include/linux/netlink';
export * from '../../include/net/netlink';
export * from '../../include/uapi/linux/netlink';
export { CAP_NET_ADMIN, CAP_NET_BROADCAST, CAP_SYS_ADMIN } from '../../include/linux/capability';

/**
 * sim: Wake whoever sleeps on sk (a blocked reader, or a sender waiting for room in it), if anyone does:
 * the host set sk_wq_sleeper before parking them. Ref: include/net/sock.h:skwq_has_sleeper
 */
export function sk_wake(sk: sock): void {
  if (!sk.sk_wq_sleeper) return;
  sk.sk_wq_sleeper = false;
  host_sk_wake(sk.id);
}

/** Multicast groups a protocol has unless it asks for more. */
const NLGRPS_DEFAULT: u32 = 32;

/** struct netlink_table: one per protocol. */
export class netlink_table {
  hash: Map<u32, sock> = new Map<u32, sock>();
  /** Sockets with at least one group (sk_for_each_bound), newest first like hlist_add_head. */
  mc_list: sock[] = [];
  /** Bitmap of groups that have listeners. */
  listeners: StaticArray<u32> | null = null;
  groups: u32 = 0;
  registered: i32 = 0;
  flags: u32 = 0;
  bind: netlink_bind_fn | null = null;
  unbind: netlink_unbind_fn | null = null;
  module_id: i32 = 0;
}

/** nl_table[MAX_LINKS]. */
export const nl_table = new StaticArray<netlink_table>(MAX_LINKS);
for (let i = 0; i < MAX_LINKS; i++) nl_table[i] = new netlink_table();

/** Module reference counts taken by user sockets (try_module_get in netlink_create). */
export const module_refs = new Map<i32, i32>();
/** sim: a reference on a host module's id (Linux: try_module_get). */
function module_get(id: i32): void { if (id) module_refs.set(id, (module_refs.has(id) ? module_refs.get(id) : 0) + 1); }
function module_put(id: i32): void { if (id && module_refs.has(id)) module_refs.set(id, module_refs.get(id) - 1); }

// @ts-ignore: decorator
@inline function netlink_group_mask(group: u32): u32 {
  return group ? (<u32>1 << ((group - 1) & 31)) : 0;
}

/** ffs(): 1 + the lowest set bit, 0 for none. */
// @ts-ignore: decorator
@inline function ffs(x: u32): u32 { return x ? <u32>ctz<u32>(x) + 1 : 0; }

function test_bit(nr: u32, map: StaticArray<u32> | null): bool {
  if (map == null || (nr >> 5) >= <u32>map.length) return false;
  return (unchecked(map[nr >> 5]) & (<u32>1 << (nr & 31))) != 0;
}

function hweight32(x: u32): u32 { return <u32>popcnt<u32>(x); }

// ---- ENOBUFS and wake-ups --------------------------------------------------------------------

/** The receiver missed a message: report ENOBUFS once (unless NO_ENOBUFS). Ref: netlink_overrun */
function netlink_overrun(sk: sock): void {
  if (tracing) { trace_enter('netlink_overrun', 'portid=%d', <i32>sk.portid); tr_void(); }
  if (!(sk.flags & NETLINK_F_RECV_NO_ENOBUFS)) {
    if (!sk.congested) {
      sk.congested = true;
      sk.sk_err = ENOBUFS;
      sk_wake(sk);
    }
  }
  sk.sk_drops++;
}

/** The receiver drained its queue: lift congestion and wake blocked senders. Ref: netlink_rcv_wake */
function netlink_rcv_wake(sk: sock): void {
  if (sk.sk_receive_queue.qlen == 0) sk.congested = false;
  if (!sk.congested) sk_wake(sk);
}

/** Charge an skb to its receiving socket. Ref: netlink_skb_set_owner_r */
function netlink_skb_set_owner_r(skb: sk_buff, sk: sock): void {
  skb.sk = sk.id;
}

// ---- port ids --------------------------------------------------------------------------------

// sim: Linux's rhashtable is a Map here; the sockets found last are also kept in a small
// direct-mapped cache (checked against protocol and port id, cleared by netlink_remove).
const LOOKUP_SLOTS: u32 = 256;
const lookup_cache = new StaticArray<sock | null>(<i32>LOOKUP_SLOTS);
/** sim: the cache slot of (protocol, port id): a Fibonacci hash of both. */
// @ts-ignore: decorator
@inline function lookup_slot(protocol: i32, portid: u32): i32 {
  return <i32>(((portid ^ <u32>protocol) * 0x9e3779b1) >> 24);
}

/** Ref: netlink_lookup */
export function netlink_lookup(protocol: i32, portid: u32): sock | null {
  if (protocol < 0 || protocol >= MAX_LINKS) return null;
  const slot = lookup_slot(protocol, portid);
  const c = unchecked(lookup_cache[slot]);
  if (c != null && c.portid == portid && c.sk_protocol == protocol) return c;
  const t = unchecked(nl_table[protocol]);
  if (!t.hash.has(portid)) return null;
  const sk = t.hash.get(portid);
  unchecked(lookup_cache[slot] = sk);
  return sk;
}

/** Ref: netlink_insert */
function netlink_insert(sk: sock, portid: u32): i32 {
  if (tracing) trace_enter('netlink_insert', 'portid=%d', <i32>portid);
  const err = sk.portid == portid ? 0 : -EBUSY;
  if (sk.bound) return tr(err);
  // Linux writes the port id before it tries the hash table and does not undo it when the port is
  // taken: after EADDRINUSE, getsockname() shows the port asked for, and do_one_broadcast() compares
  // it, until a later bind or autobind overwrites it.
  sk.portid = portid;
  const t = unchecked(nl_table[sk.sk_protocol]);
  if (t.hash.has(portid)) return tr(-EADDRINUSE); // __netlink_insert's -EEXIST
  t.hash.set(portid, sk);
  sk.bound = true;
  return tr(0);
}

/** Ref: netlink_remove */
function netlink_remove(sk: sock): void {
  const t = unchecked(nl_table[sk.sk_protocol]);
  if (sk.bound && t.hash.has(sk.portid) && t.hash.get(sk.portid) === sk) t.hash.delete(sk.portid);
  const slot = lookup_slot(sk.sk_protocol, sk.portid);
  if (unchecked(lookup_cache[slot]) === sk) unchecked(lookup_cache[slot] = null);
  if (sk.subscriptions) {
    del_bind_node(t, sk);
    netlink_update_listeners(sk);
  }
}

// sim: prandom for the autobind rover; deterministic, so runs repeat exactly.
let rover_seed: u32 = 0x2545f491;
function prandom_u32_max(ceil: u32): u32 {
  rover_seed ^= rover_seed << 13;
  rover_seed ^= rover_seed >> 17;
  rover_seed ^= rover_seed << 5;
  return <u32>((<u64>rover_seed * <u64>ceil) >> 32);
}

/** Pick a port id: the tgid if free, else a random negative one. Ref: netlink_autobind */
function netlink_autobind(sk: sock): i32 {
  if (tracing) trace_enter('netlink_autobind', 'protocol=%d', sk.sk_protocol);
  const t = unchecked(nl_table[sk.sk_protocol]);
  let portid: i32 = task_tgid_vnr();
  let rover: i32 = -4096;
  for (let tries = 0; tries < 100000; tries++) {
    if (!t.hash.has(<u32>portid)) {
      const err = netlink_insert(sk, <u32>portid);
      return tr(err == -EBUSY ? 0 : err);
    }
    if (rover == -4096) rover = <i32>(<u32>i32.MIN_VALUE + prandom_u32_max(<u32>(-4096 - i32.MIN_VALUE)));
    else if (rover >= -4096) rover = -4097;
    portid = rover--;
  }
  return tr(-EADDRINUSE);
}

/** Ref: netlink_allowed */
function netlink_allowed(sk: sock, flag: u32): bool {
  return (unchecked(nl_table[sk.sk_protocol]).flags & flag) != 0 || capable(CAP_NET_ADMIN);
}

/** Whether the sender of skb had `cap` (our user sockets are opened and used by the same process). Ref: netlink_capable */
export function netlink_capable(skb: sk_buff, cap: i32): bool {
  const sk = sock_by_id(skb.cb_sk);
  if (sk && netlink_is_kernel(sk)) return true;
  return capable(cap);
}

// ---- groups ----------------------------------------------------------------------------------

/** sim: sk_add_bind_node on the table's list (newest first, as hlist_add_head). */
function add_bind_node(t: netlink_table, sk: sock): void { t.mc_list.unshift(sk); }
/** sim: sk_del_bind_node on the table's list. */
function del_bind_node(t: netlink_table, sk: sock): void {
  const i = t.mc_list.indexOf(sk);
  if (i >= 0) t.mc_list.splice(i, 1);
}

/** Ref: netlink_update_subscriptions */
function netlink_update_subscriptions(sk: sock, subscriptions: u32): void {
  const t = unchecked(nl_table[sk.sk_protocol]);
  if (sk.subscriptions && !subscriptions) del_bind_node(t, sk);
  else if (!sk.subscriptions && subscriptions) add_bind_node(t, sk);
  sk.subscriptions = subscriptions;
}

/** Recompute which groups have listeners. Ref: netlink_update_listeners */
function netlink_update_listeners(sk: sock): void {
  const t = unchecked(nl_table[sk.sk_protocol]);
  const l = t.listeners;
  if (l == null) return;
  for (let i = 0; i < l.length; i++) unchecked(l[i] = 0);
  for (let j = 0; j < t.mc_list.length; j++) {
    const s = unchecked(t.mc_list[j]);
    const g = s.groups;
    if (g == null) continue;
    for (let i = 0; i < l.length && i < g.length; i++) unchecked(l[i] |= g[i]);
  }
}

/** Make room in sk.groups for every group of the protocol. Ref: netlink_realloc_groups */
function netlink_realloc_groups(sk: sock): i32 {
  const t = unchecked(nl_table[sk.sk_protocol]);
  if (!t.registered) return -ENOENT;
  const groups = t.groups;
  if (sk.ngroups >= groups) return 0;
  const n = new StaticArray<u32>(<i32>((groups + 31) >> 5));
  const old = sk.groups;
  if (old) for (let i = 0; i < old.length && i < n.length; i++) unchecked(n[i] = old[i]);
  sk.groups = n;
  sk.ngroups = groups;
  return 0;
}

/** Ref: netlink_undo_bind */
function netlink_undo_bind(group: i32, groups: u32, sk: sock): void {
  const unbind = sk.netlink_unbind;
  if (!unbind) return;
  for (let undo = 0; undo < group; undo++)
    if (groups & (<u32>1 << undo)) unbind(undo + 1);
}

// ---- socket calls ----------------------------------------------------------------------------

/** A user socket: sock->sk and sock->ops = &netlink_ops. Ref: netlink_create, __netlink_create */
export function netlink_create(sock_: socket, protocol: i32, kern: i32): i32 {
  if (sock_.type != SOCK_RAW && sock_.type != SOCK_DGRAM) return -ESOCKTNOSUPPORT;
  if (protocol < 0 || protocol >= MAX_LINKS) return -EPROTONOSUPPORT;
  const t = unchecked(nl_table[protocol]);
  if (!t.registered) return -EPROTONOSUPPORT;
  sock_.ops = netlink_ops;
  const sk = new sock();
  sk.sk_protocol = protocol;
  sk.sk_type = sock_.type;
  sk.sk_socket = sock_;
  sock_.sk = sk;
  sk.owner = current.pid;
  sk.module_id = t.module_id;
  module_get(t.module_id);
  sk.netlink_bind = t.bind;
  sk.netlink_unbind = t.unbind;
  sock_link(sk);
  return 0;
}

/** Close a socket. Ref: netlink_release */
export function netlink_release(sock_: socket): i32 {
  const sk = sock_.sk!;
  if (sk.dead) return 0;
  if (tracing) trace_enter('netlink_release', 'portid=%u', <i32>sk.portid);
  netlink_remove(sk);
  sk.dead = true;
  const unbind = sk.netlink_unbind;
  if (unbind) {
    for (let i: u32 = 0; i < sk.ngroups; i++) if (test_bit(i, sk.groups)) unbind(<i32>i + 1);
  }
  sk_wake(sk);
  if (sk.restart_skb) {
    kfree_skb(changetype<sk_buff>(sk.restart_skb));
    sk.restart_skb = 0;
  }
  // Terminate any outstanding dump.
  if (sk.cb_running) {
    netlink_dump_finish(sk);
  }
  skb_queue_purge(sk.sk_receive_queue);
  if (!netlink_is_kernel(sk)) module_put(sk.module_id);
  if (netlink_is_kernel(sk)) {
    const t = unchecked(nl_table[sk.sk_protocol]);
    if (--t.registered == 0) {
      t.listeners = null;
      t.module_id = 0;
      t.bind = null;
      t.unbind = null;
      t.flags = 0;
      t.groups = 0;
    }
  }
  sk.groups = null;
  sk.subscriptions = 0;
  sock_unlink(sk);
  return tr(0);
}

/** Ref: netlink_bind. `addr` points at addr_len bytes of a struct sockaddr_nl. */
export function netlink_bind(sock_: socket, addr: usize, addr_len: i32): i32 {
  const sk = sock_.sk!;
  if (tracing) trace_enter('netlink_bind', 'addr_len=%d', addr_len);
  const nladdr = changetype<sockaddr_nl>(addr);
  if (addr_len < SOCKADDR_NL_SIZE) return tr(-EINVAL);
  if (<i32>nladdr.nl_family != AF_NETLINK) return tr(-EINVAL);
  const nl_pid = nladdr.nl_pid;
  let groups: u32 = nladdr.nl_groups;

  // Only superuser is allowed to listen multicasts
  if (groups) {
    if (!netlink_allowed(sk, NL_CFG_F_NONROOT_RECV)) return tr(-EPERM);
    const err = netlink_realloc_groups(sk);
    if (err) return tr(err);
  }
  if (sk.ngroups < 32) groups &= (<u32>1 << sk.ngroups) - 1;

  const bound = sk.bound;
  if (bound && nl_pid != sk.portid) return tr(-EINVAL);

  const bind = sk.netlink_bind;
  if (bind && groups) {
    for (let group = 0; group < 32; group++) {
      if (!(groups & (<u32>1 << group))) continue;
      const err = bind(group + 1, capable(CAP_NET_ADMIN));
      if (!err) continue;
      netlink_undo_bind(group, groups, sk);
      return tr(err);
    }
  }

  if (!bound) {
    const err = nl_pid ? netlink_insert(sk, nl_pid) : netlink_autobind(sk);
    if (err) {
      netlink_undo_bind(32, groups, sk);
      return tr(err);
    }
  }

  const g = sk.groups;
  if (!groups && (g == null || !unchecked(g[0]))) return tr(0);
  if (g == null) return tr(0);
  netlink_update_subscriptions(sk, sk.subscriptions + hweight32(groups) - hweight32(unchecked(g[0])));
  unchecked(g[0] = groups);
  netlink_update_listeners(sk);
  return tr(0);
}

/** Ref: netlink_connect */
export function netlink_connect(sock_: socket, addr: usize, alen: i32): i32 {
  const sk = sock_.sk!;
  if (tracing) trace_enter('netlink_connect', 'alen=%d', alen);
  const nladdr = changetype<sockaddr_nl>(addr);
  if (alen < 2) return tr(-EINVAL);
  const family = <i32>nladdr.nl_family;
  if (family == 0) {
    sk.connected = false;
    sk.dst_portid = 0;
    sk.dst_group = 0;
    return tr(0);
  }
  if (family != AF_NETLINK) return tr(-EINVAL);
  if (alen < SOCKADDR_NL_SIZE) return tr(-EINVAL);
  const nl_pid = nladdr.nl_pid;
  const nl_groups = nladdr.nl_groups;
  if ((nl_groups || nl_pid) && !netlink_allowed(sk, NL_CFG_F_NONROOT_SEND)) return tr(-EPERM);
  let err = 0;
  if (!sk.bound) err = netlink_autobind(sk);
  if (err == 0) {
    sk.connected = true;
    sk.dst_portid = nl_pid;
    sk.dst_group = ffs(nl_groups);
  }
  return tr(err);
}

/** Write the socket's (or its peer's) struct sockaddr_nl at `out`. Ref: netlink_getname */
export function netlink_getname(sock_: socket, out: usize, peer: bool): i32 {
  const sk = sock_.sk!;
  const nladdr = changetype<sockaddr_nl>(out);
  nladdr.nl_family = <u16>AF_NETLINK;
  nladdr.nl_pad = 0;
  if (peer) {
    nladdr.nl_pid = sk.dst_portid;
    nladdr.nl_groups = netlink_group_mask(sk.dst_group);
  } else {
    nladdr.nl_pid = sk.portid;
    const g = sk.groups;
    nladdr.nl_groups = g ? unchecked(g[0]) : 0;
  }
  return <i32>offsetof<sockaddr_nl>();
}

// ---- unicast -------------------------------------------------------------------------------

/** Find the destination of a unicast. Ref: netlink_getsockbyportid */
function netlink_getsockbyportid(ssk: sock, portid: u32): sock | null {
  const sk = netlink_lookup(ssk.sk_protocol, portid);
  if (sk == null) return null;
  // A connected socket only takes messages from its peer.
  if (sk.connected && sk.dst_portid != ssk.portid) return null;
  return sk;
}

/**
 * Reserve room in the receiver's queue. 0: go on; <0: error (skb freed); ERESTARTSYS: the sender
 * must sleep until the receiver drains (sim: the host sleeps and calls netlink_unicast again).
 * Ref: netlink_attachskb
 */
export function netlink_attachskb(sk: sock, skb: sk_buff, timeo: bool, ssk: sock | null): i32 {
  if (tracing) trace_enter('netlink_attachskb', 'rmem=%d truesize=%u rcvbuf=%d', sk.sk_rmem_alloc, <i32>skb.truesize, sk.sk_rcvbuf);
  const rmem = sk.sk_rmem_alloc + <i32>skb.truesize;
  if ((rmem == <i32>skb.truesize || rmem <= sk.sk_rcvbuf) && !sk.congested) {
    sk.sk_rmem_alloc = rmem;
    netlink_skb_set_owner_r(skb, sk);
    return tr(0);
  }
  if (!timeo) {
    if (ssk == null || netlink_is_kernel(ssk)) netlink_overrun(sk);
    kfree_skb(skb);
    return tr(-EAGAIN);
  }
  return tr(ERESTARTSYS);
}

/** Queue an skb on a receiver and wake it. Ref: __netlink_sendskb */
function __netlink_sendskb(sk: sock, skb: sk_buff): i32 {
  if (tracing) trace_enter('__netlink_sendskb', 'portid=%d len=%u', <i32>sk.portid, <i32>skb.len);
  const len = <i32>skb.len;
  skb_queue_tail(sk.sk_receive_queue, skb);
  sk_wake(sk);
  return tr(len);
}

/**
 * How many kernel-to-kernel deliveries in a row count as a runaway. Linux 6.1 on x86-64 (16 KiB
 * stacks) overflowed after about 140 nested deliveries of a small echo module.
 */
export const NL_LOCKUP_THRESHOLD: i32 = 100;

/**
 * The runaway's report. Each delivery to a kernel socket calls its input on the sender's stack, so
 * a module that answers itself recurses until the stack's guard page is hit; Debian's Linux 6.1
 * then prints these lines (pointers hashed, registers and the repeating call trace left out here)
 * and panics. sim: no panic — the chain is cut instead (see netlink_unicast_kernel).
 */
function soft_lockup(): void {
  current.lockup = true;
  const line = 'BUG: TASK stack guard page was hit at (____ptrval____) (stack is (____ptrval____)..(____ptrval____))';
  host_soft_lockup(line);
  printk(KERN_EMERG, line);
  printk(KERN_EMERG, 'stack guard page: 0000 [#1] PREEMPT SMP NOPTI');
  printk(KERN_EMERG, 'CPU: 0 PID: ' + current.pid.toString() + ' Comm: ' + current.comm);
  printk(KERN_EMERG, 'Kernel panic - not syncing: Fatal exception in interrupt');
  printk(KERN_EMERG, 'sim: a real kernel stops here; the simulator unwinds the chain and fails the system call with EDEADLK');
}

/**
 * Deliver to a kernel socket: its input runs now, in the sender's context.
 * sim: a chain of deliveries from the kernel to itself without a return to user space (a module
 * that answers port 0 answers itself) overflows the kernel stack in Linux, which panics. Here,
 * after NL_LOCKUP_THRESHOLD deliveries, the kernel prints Linux's report, the chain is cut, every
 * further delivery of this task fails with -EDEADLK until it returns to user space, and the host
 * fails the syscall that started it with EDEADLK.
 * Ref: netlink_unicast_kernel
 */
function netlink_unicast_kernel(sk: sock, skb: sk_buff, ssk: sock): i32 {
  if (tracing) trace_enter('netlink_unicast_kernel', 'portid=%u len=%u', <i32>sk.portid, <i32>skb.len);
  let ret = -ECONNREFUSED;
  if (netlink_is_kernel(ssk)) {
    if (current.lockup) { kfree_skb(skb); return tr(-EDEADLK); }
    if (++current.nl_deliveries > NL_LOCKUP_THRESHOLD) {
      soft_lockup();
      kfree_skb(skb);
      return tr(-EDEADLK);
    }
  }
  const rcv = sk.netlink_rcv;
  if (rcv != null || sk.host_input) {
    ret = <i32>skb.len;
    sk.sk_rmem_alloc += <i32>skb.truesize;
    netlink_skb_set_owner_r(skb, sk);
    NETLINK_CB(skb).cb_sk = ssk.id;
    if (sk.host_input) host_netlink_rcv(sk.host_input, changetype<usize>(skb));
    else if (rcv) rcv(skb);
    consume_skb(skb);
  } else {
    kfree_skb(skb);
  }
  return tr(ret);
}

/**
 * Send skb to one port. `nonblock` false lets a user sender wait for room (ERESTARTSYS, with the
 * skb parked in ssk.restart_skb for netlink_unicast_restart). Ref: netlink_unicast
 */
export function netlink_unicast(ssk: sock, skb: sk_buff, portid: u32, nonblock: i32): i32 {
  if (tracing) trace_enter('netlink_unicast', 'portid=%d len=%u nonblock=%d', <i32>portid, <i32>skb.len, nonblock);
  const sk = netlink_getsockbyportid(ssk, portid);
  if (sk == null) {
    kfree_skb(skb);
    return tr(-ECONNREFUSED);
  }
  if (netlink_is_kernel(sk)) return tr(netlink_unicast_kernel(sk, skb, ssk));
  // sim: kernel senders never sleep (they pass nonblock in Linux too, or run in a context that must not).
  const err = netlink_attachskb(sk, skb, !nonblock && !netlink_is_kernel(ssk), ssk);
  if (err == ERESTARTSYS) {
    ssk.restart_skb = changetype<usize>(skb);
    ssk.restart_portid = portid;
    ssk.restart_wait = sk.id;
    return tr(ERESTARTSYS);
  }
  if (err) return tr(err);
  return tr(__netlink_sendskb(sk, skb));
}

/** sim: Try again a unicast that had to wait for room. */
export function netlink_unicast_restart(ssk: sock): i32 {
  const p = ssk.restart_skb;
  if (!p) return -EINVAL;
  ssk.restart_skb = 0;
  return netlink_unicast(ssk, changetype<sk_buff>(p), ssk.restart_portid, 0);
}

/** Send to one port. Ref: include/net/netlink.h:nlmsg_unicast */
export function nlmsg_unicast(sk: sock, skb: sk_buff, portid: u32): i32 {
  const err = netlink_unicast(sk, skb, portid, 0x40);
  return err > 0 ? 0 : err;
}

/** Whether anyone listens to `group` of the kernel socket's protocol. Ref: netlink_has_listeners */
export function netlink_has_listeners(sk: sock, group: u32): bool {
  const t = unchecked(nl_table[sk.sk_protocol]);
  return group > 0 && group - 1 < t.groups && test_bit(group - 1, t.listeners);
}

/** Whether the socket that sent skb asked for strict checking. Ref: netlink_strict_get_check */
export function netlink_strict_get_check(skb: sk_buff): bool {
  const sk = sock_by_id(skb.cb_sk);
  return sk != null && (sk.flags & NETLINK_F_STRICT_CHK) != 0;
}

// ---- multicast -----------------------------------------------------------------------------

/** Ref: netlink_broadcast_deliver. 1: delivered and the receiver is half full; 0: delivered; -1: no room. */
function netlink_broadcast_deliver(sk: sock, skb: sk_buff): i32 {
  if (tracing) trace_enter('netlink_broadcast_deliver', 'rmem=%d truesize=%u rcvbuf=%d', sk.sk_rmem_alloc, <i32>skb.truesize, sk.sk_rcvbuf);
  const rmem = sk.sk_rmem_alloc + <i32>skb.truesize;
  const rcvbuf = sk.sk_rcvbuf;
  if ((rmem == <i32>skb.truesize || rmem <= rcvbuf) && !sk.congested) {
    sk.sk_rmem_alloc = rmem;
    netlink_skb_set_owner_r(skb, sk);
    __netlink_sendskb(sk, skb);
    // 1: over half full — netlink_broadcast yields the CPU so the reader can catch up.
    return tr(rmem > (rcvbuf >> 1) ? 1 : 0);
  }
  return tr(-1);
}

class netlink_broadcast_data {
  exclude_sk: sock | null = null;
  portid: u32 = 0;
  group: u32 = 0;
  failure: bool = false;
  delivery_failure: bool = false;
  delivered: bool = false;
  skb: sk_buff = changetype<sk_buff>(0);
  skb2: usize = 0;
}

/** Ref: do_one_broadcast */
function do_one_broadcast(sk: sock, p: netlink_broadcast_data): void {
  if (p.exclude_sk === sk) return;
  if (sk.portid == p.portid || p.group - 1 >= sk.ngroups || !test_bit(p.group - 1, sk.groups)) return;
  if (tracing) trace_enter('do_one_broadcast', 'portid=%u group=%u', <i32>sk.portid, <i32>p.group);
  if (p.failure) {
    netlink_overrun(sk);
    tr_void();
    return;
  }
  if (!p.skb2) {
    if (skb_shared(p.skb)) {
      p.skb2 = changetype<usize>(skb_clone(p.skb));
    } else {
      p.skb2 = changetype<usize>(skb_get(p.skb));
      // skb ownership may have been set when delivered to a previous socket.
      skb_orphan(changetype<sk_buff>(p.skb2));
    }
  }
  const val = netlink_broadcast_deliver(sk, changetype<sk_buff>(p.skb2));
  if (val < 0) {
    netlink_overrun(sk);
    if (sk.flags & NETLINK_F_BROADCAST_SEND_ERROR) p.delivery_failure = true;
  } else {
    p.delivered = true;
    p.skb2 = 0;
  }
  tr_void();
}

/** Send skb to every member of `group` except `portid` and ssk. Ref: netlink_broadcast */
export function netlink_broadcast(ssk: sock, skb: sk_buff, portid: u32, group: u32): i32 {
  if (tracing) trace_enter('netlink_broadcast', 'portid=%u group=%u', <i32>portid, <i32>group);
  const info = new netlink_broadcast_data();
  info.exclude_sk = ssk;
  info.portid = portid;
  info.group = group;
  info.skb = skb;
  // Copy the list: a delivery never changes it, but be safe against re-entry.
  const list = unchecked(nl_table[ssk.sk_protocol]).mc_list.slice();
  for (let i = 0; i < list.length; i++) do_one_broadcast(unchecked(list[i]), info);
  consume_skb(skb);
  if (info.delivery_failure) {
    if (info.skb2) kfree_skb(changetype<sk_buff>(info.skb2));
    return tr(-ENOBUFS);
  }
  if (info.skb2) consume_skb(changetype<sk_buff>(info.skb2));
  return tr(info.delivered ? 0 : -ESRCH);
}

/** Multicast from the kernel. Ref: include/net/netlink.h:nlmsg_multicast */
export function nlmsg_multicast(sk: sock, skb: sk_buff, portid: u32, group: u32): i32 {
  NETLINK_CB(skb).dst_group = group;
  const err = netlink_broadcast(sk, skb, portid, group);
  return err > 0 ? 0 : err;
}

/** Change how many groups a protocol has. Ref: netlink_change_ngroups */
export function netlink_change_ngroups(sk: sock, groups: u32): i32 {
  const t = unchecked(nl_table[sk.sk_protocol]);
  if (groups < 32) groups = 32;
  if (NLGRPSZ(t.groups) < NLGRPSZ(groups)) {
    const n = new StaticArray<u32>(<i32>NLGRPSZ(groups) / 4);
    const old = t.listeners;
    if (old) for (let i = 0; i < old.length; i++) unchecked(n[i] = old[i]);
    t.listeners = n;
  }
  t.groups = groups;
  return 0;
}
function NLGRPSZ(x: u32): u32 { return ((x + 63) >> 6) << 3; }

/** Make every socket leave `group` (a genl family went away). Ref: __netlink_clear_multicast_users */
export function __netlink_clear_multicast_users(ksk: sock, group: u32): void {
  const list = unchecked(nl_table[ksk.sk_protocol]).mc_list.slice();
  for (let i = 0; i < list.length; i++) netlink_update_socket_mc(unchecked(list[i]), group, false);
}

// ---- options ---------------------------------------------------------------------------------

/** Ref: netlink_update_socket_mc */
function netlink_update_socket_mc(sk: sock, group: u32, is_new: bool): void {
  const g = sk.groups;
  if (g == null || group == 0 || group - 1 >= sk.ngroups) return;
  const old: u32 = test_bit(group - 1, g) ? 1 : 0;
  const subscriptions = sk.subscriptions - old + (is_new ? 1 : 0);
  const w = <i32>((group - 1) >> 5);
  const bit = <u32>1 << ((group - 1) & 31);
  if (is_new) unchecked(g[w] |= bit);
  else unchecked(g[w] &= ~bit);
  netlink_update_subscriptions(sk, subscriptions);
  netlink_update_listeners(sk);
}

/** sim: set or clear one flag bit of nlk->flags (Linux open-codes it per option). */
function assign_flag(sk: sock, flag: u32, val: u32): void {
  if (val) sk.flags |= flag;
  else sk.flags &= ~flag;
}

/** SOL_NETLINK options. `optval` holds optlen bytes. Ref: netlink_setsockopt */
export function netlink_setsockopt(sock_: socket, level: i32, optname: i32, optval: usize, optlen: i32): i32 {
  // sim: checked before the trace entry, where the socket layer checked it before.
  if (level != SOL_NETLINK) return -ENOPROTOOPT;
  const sk = sock_.sk!;
  if (tracing) trace_enter('netlink_setsockopt', 'optname=%d optlen=%d', optname, optlen);
  let val: u32 = 0;
  if (optlen >= 4) val = load<u32>(optval);
  let nr: u32 = 0;
  switch (optname) {
    case NETLINK_PKTINFO: nr = NETLINK_F_RECV_PKTINFO; break;
    case NETLINK_ADD_MEMBERSHIP: case NETLINK_DROP_MEMBERSHIP: {
      if (!netlink_allowed(sk, NL_CFG_F_NONROOT_RECV)) return tr(-EPERM);
      let err = netlink_realloc_groups(sk);
      if (err) return tr(err);
      if (!val || val - 1 >= sk.ngroups) return tr(-EINVAL);
      const bind = sk.netlink_bind;
      if (optname == NETLINK_ADD_MEMBERSHIP && bind) {
        err = bind(<i32>val, capable(CAP_NET_ADMIN));
        if (err) return tr(err);
      }
      netlink_update_socket_mc(sk, val, optname == NETLINK_ADD_MEMBERSHIP);
      const unbind = sk.netlink_unbind;
      if (optname == NETLINK_DROP_MEMBERSHIP && unbind) unbind(<i32>val);
      break;
    }
    case NETLINK_BROADCAST_ERROR: nr = NETLINK_F_BROADCAST_SEND_ERROR; break;
    case NETLINK_NO_ENOBUFS:
      assign_flag(sk, NETLINK_F_RECV_NO_ENOBUFS, val);
      if (val) {
        sk.congested = false;
        sk_wake(sk);
      }
      break;
    case NETLINK_LISTEN_ALL_NSID:
      if (!capable(CAP_NET_BROADCAST)) return tr(-EPERM);
      nr = NETLINK_F_LISTEN_ALL_NSID;
      break;
    case NETLINK_CAP_ACK: nr = NETLINK_F_CAP_ACK; break;
    case NETLINK_EXT_ACK: nr = NETLINK_F_EXT_ACK; break;
    case NETLINK_GET_STRICT_CHK: nr = NETLINK_F_STRICT_CHK; break;
    default: return tr(-ENOPROTOOPT);
  }
  if (nr) assign_flag(sk, nr, val);
  return tr(0);
}

/**
 * SOL_NETLINK options: writes the value at `optval` (room for `len` bytes) and returns the
 * optlen the kernel reports, or -errno. Ref: netlink_getsockopt
 */
export function netlink_getsockopt(sock_: socket, level: i32, optname: i32, optval: usize, len: i32): i32 {
  const sk = sock_.sk!;
  if (level != SOL_NETLINK) return -ENOPROTOOPT;
  if (len < 0) return -EINVAL;
  let flag: u32 = 0;
  switch (optname) {
    case NETLINK_PKTINFO: flag = NETLINK_F_RECV_PKTINFO; break;
    case NETLINK_BROADCAST_ERROR: flag = NETLINK_F_BROADCAST_SEND_ERROR; break;
    case NETLINK_NO_ENOBUFS: flag = NETLINK_F_RECV_NO_ENOBUFS; break;
    case NETLINK_LISTEN_ALL_NSID: flag = NETLINK_F_LISTEN_ALL_NSID; break; // readable since Linux 6.x
    case NETLINK_LIST_MEMBERSHIPS: {
      const g = sk.groups;
      for (let pos: i32 = 0; <u32>pos * 8 < sk.ngroups; pos += 4) {
        if (len - pos < 4) break;
        store<u32>(optval + <usize>pos, g ? unchecked(g[pos >> 2]) : 0);
      }
      return <i32>(((sk.ngroups + 7) / 8 + 3) & ~3);
    }
    case NETLINK_CAP_ACK: flag = NETLINK_F_CAP_ACK; break;
    case NETLINK_EXT_ACK: flag = NETLINK_F_EXT_ACK; break;
    case NETLINK_GET_STRICT_CHK: flag = NETLINK_F_STRICT_CHK; break;
    default: return -ENOPROTOOPT;
  }
  if (len < 4) return -EINVAL;
  store<i32>(optval, (sk.flags & flag) ? 1 : 0);
  return 4;
}

// ---- sendmsg / recvmsg -----------------------------------------------------------------------

/**
 * Send `len` bytes at `buf` to the address at `addr` (addr_len bytes; 0 for the connected peer), with
 * the control messages at `control` (0 for none). Returns bytes sent, -errno, or ERESTARTSYS (the host
 * waits and calls netlink_unicast_restart).
 * Ref: netlink_sendmsg
 */
export function netlink_sendmsg(
  sock_: socket, buf: usize, len: i32, flags: i32, addr: usize, addr_len: i32, control: usize,
): i32 {
  if (tracing) trace_enter('netlink_sendmsg', 'len=%d flags=0x%x', len, flags);
  return tr(__netlink_sendmsg(sock_, buf, len, flags, addr, addr_len, control));
}

/** sim: netlink_sendmsg after the socket layer's checks, restartable when the receiver is full. */
function __netlink_sendmsg(
  sock_: socket, buf: usize, len: i32, flags: i32, addr: usize, addr_len: i32, control: usize,
): i32 {
  const sk = sock_.sk!;
  let dst_portid: u32;
  let dst_group: u32;
  const scm = new scm_cookie();
  let skb_flags: u32 = 0;
  if (flags & MSG_OOB) return (-EOPNOTSUPP);
  if (len == 0) return (-ENODATA);
  if (len < 0) return (-EINVAL);
  const err = scm_send(sock_, control, scm, true);
  if (err < 0) return (err);
  if (addr_len) {
    if (addr_len < SOCKADDR_NL_SIZE) return (-EINVAL);
    const nladdr = changetype<sockaddr_nl>(addr);
    if (<i32>nladdr.nl_family != AF_NETLINK) return (-EINVAL);
    dst_portid = nladdr.nl_pid;
    dst_group = ffs(nladdr.nl_groups);
    if ((dst_group || dst_portid) && !netlink_allowed(sk, NL_CFG_F_NONROOT_SEND)) return (-EPERM);
    skb_flags |= NETLINK_SKB_DST;
  } else {
    dst_portid = sk.dst_portid;
    dst_group = sk.dst_group;
  }
  if (!sk.bound) {
    const err = netlink_autobind(sk);
    if (err) return (err);
  }
  if (len > sk.sk_sndbuf - 32) return (-EMSGSIZE);
  const skb = (len <= NLMSG_GOODSIZE || dst_group) ? alloc_skb(len) : alloc_skb_exact(len);
  if (skb == null) return (-ENOBUFS);
  NETLINK_CB(skb).portid = sk.portid;
  NETLINK_CB(skb).dst_group = dst_group;
  // NETLINK_CB(skb).creds = scm.creds;
  NETLINK_CB(skb).creds_pid = <i32>scm.creds.pid;
  NETLINK_CB(skb).creds_uid = scm.creds.uid;
  NETLINK_CB(skb).creds_gid = scm.creds.gid;
  NETLINK_CB(skb).flags = skb_flags;
  NETLINK_CB(skb).cb_sk = sk.id;
  memory.copy(skb_put(skb, len), buf, <usize>len);
  if (dst_group) {
    skb.users++;
    netlink_broadcast(sk, skb, dst_portid, dst_group);
  }
  // scm_destroy(&scm) at Linux's `out:` has nothing to release (sim: no struct pid reference, no files).
  // sock_sndtimeo: SO_SNDTIMEO with a negative time means "do not wait" (timeo 0).
  return (netlink_unicast(sk, skb, dst_portid, (flags & 0x40) || sk.sk_sndtimeo < 0 ? 1 : 0));
}

/**
 * What netlink_recvmsg found, for the syscall layer to hand to user space: a fixed block of
 * linear memory the host reads directly (i32 fields, in this order).
 */
@unmanaged export class recv_result {
  msg_flags: i32;
  from_pid: u32;
  from_groups: u32;
  /** NETLINK_CB(skb).dst_group, for the NETLINK_PKTINFO control message. */
  group: u32;
  pktinfo: i32;
  passcred: i32;
  creds_pid: i32;
  creds_uid: u32;
  creds_gid: u32;
}
export const recv_info = changetype<recv_result>(memory.data(64));

/**
 * Receive one datagram into `buf` (len bytes). Returns the byte count, -errno, or -ERESTARTSYS
 * when a blocking reader must sleep (the host waits for sk_wake and calls again).
 * Ref: netlink_recvmsg → skb_recv_datagram
 */
export function netlink_recvmsg(sock_: socket, buf: usize, len: i32, flags: i32, nonblock: bool): i32 {
  const sk = sock_.sk!;
  if (tracing) trace_enter('netlink_recvmsg', 'len=%d flags=0x%x', len, flags);
  if (flags & MSG_OOB) return tr(-EOPNOTSUPP);
  const info = recv_info;
  info.msg_flags = 0;
  info.pktinfo = 0;
  info.passcred = 0;
  // skb_recv_datagram: a pending error comes first, and is reported once.
  if (sk.sk_err) {
    const e = sk.sk_err;
    sk.sk_err = 0;
    netlink_rcv_wake(sk);
    return tr(-e);
  }
  const peek = (flags & 0x2) != 0;
  const skb = peek ? skb_peek(sk.sk_receive_queue) : skb_dequeue(sk.sk_receive_queue);
  if (skb == null) {
    // out: netlink_rcv_wake runs on every return, so an empty queue lifts congestion.
    netlink_rcv_wake(sk);
    if (nonblock || (flags & 0x40) || sk.sk_rcvtimeo < 0) return tr(-EAGAIN);
    return tr(-ERESTARTSYS);
  }
  let max_len = sk.max_recvmsg_len;
  if (<u32>len > max_len) max_len = <u32>len;
  if (max_len > <u32>SKB_WITH_OVERHEAD(32768)) max_len = <u32>SKB_WITH_OVERHEAD(32768);
  sk.max_recvmsg_len = max_len;

  let copied = <i32>skb.len;
  if (len < copied) {
    info.msg_flags |= MSG_TRUNC;
    copied = len;
  }
  if (copied > 0) memory.copy(buf, skb.data, <usize>copied);
  info.from_pid = NETLINK_CB(skb).portid;
  info.from_groups = netlink_group_mask(NETLINK_CB(skb).dst_group);
  info.group = NETLINK_CB(skb).dst_group;
  info.pktinfo = (sk.flags & (1 << 1)) ? 1 : 0;
  info.passcred = sk.passcred ? 1 : 0;
  info.creds_pid = NETLINK_CB(skb).creds_pid;
  info.creds_uid = NETLINK_CB(skb).creds_uid;
  info.creds_gid = NETLINK_CB(skb).creds_gid;
  if (flags & 0x20) copied = <i32>skb.len;
  if (!peek) kfree_skb(skb);

  if (sk.cb_running && sk.sk_rmem_alloc <= sk.sk_rcvbuf / 2) {
    const ret = netlink_dump(sk);
    if (ret) {
      sk.sk_err = -ret;
      sk_wake(sk);
    }
  }
  netlink_rcv_wake(sk);
  return tr(copied);
}

/** The socket calls of AF_NETLINK, as net/socket.c reaches them (sock->ops). Ref: netlink_ops */
export const netlink_ops = new proto_ops(
  AF_NETLINK, netlink_release, netlink_bind, netlink_connect, netlink_getname, datagram_poll,
  netlink_setsockopt, netlink_getsockopt, netlink_sendmsg, netlink_recvmsg,
);

// ---- kernel sockets --------------------------------------------------------------------------

/**
 * A kernel socket for protocol `unit` (port id 0); registers the protocol. null when the unit is out
 * of range or already has a kernel socket. sim: one kernel socket per unit (one network namespace).
 * Ref: __netlink_kernel_create
 */
export function netlink_kernel_create(unit: i32, cfg: netlink_kernel_cfg | null): sock | null {
  if (tracing) trace_enter('netlink_kernel_create', 'unit=%d', unit);
  if (unit < 0 || unit >= MAX_LINKS) { tr_void(); return null; }
  const t = unchecked(nl_table[unit]);
  if (t.hash.has(0)) { tr_void(); return null; }
  const sk = new sock();
  sk.sk_protocol = unit;
  sk.sk_type = SOCK_DGRAM;
  // sock_create_lite: a kernel socket has its struct socket too.
  const sock_ = new socket();
  sock_.type = SOCK_DGRAM;
  sock_.ops = netlink_ops;
  sock_.sk = sk;
  sk.sk_socket = sock_;
  let groups: u32 = NLGRPS_DEFAULT;
  if (cfg && cfg.groups >= 32) groups = cfg.groups;
  if (cfg) {
    sk.netlink_rcv = cfg.input;
    sk.module_id = cfg.module_id;
  }
  if (netlink_insert(sk, 0)) { tr_void(); return null; }
  sk.flags |= NETLINK_F_KERNEL_SOCKET;
  sock_link(sk);
  if (!t.registered) {
    t.groups = groups;
    t.listeners = new StaticArray<u32>(<i32>NLGRPSZ(groups) / 4);
    t.module_id = cfg ? cfg.module_id : 0;
    if (cfg) {
      t.bind = cfg.bind;
      t.unbind = cfg.unbind;
      t.flags = cfg.flags;
    }
    t.registered = 1;
  } else {
    t.registered++;
  }
  tr_void();
  return sk;
}

/** Ref: netlink_kernel_release */
export function netlink_kernel_release(sk: sock | null): void {
  if (sk == null) return;
  netlink_release(sk.sk_socket!);
}

/** Register NETLINK_USERSOCK (no kernel socket: user↔user, 32 groups). Ref: netlink_add_usersock_entry */
export function netlink_add_usersock_entry(): void {
  const t = unchecked(nl_table[NETLINK_USERSOCK]);
  t.groups = 32;
  t.listeners = new StaticArray<u32>(2);
  t.registered = 1;
  t.flags = NL_CFG_F_NONROOT_SEND;
}

// ---- the kernel's receive loop and acknowledgements ------------------------------------------

/** Ref: netlink_ack_tlv_len */
function netlink_ack_tlv_len(sk: sock, err: i32, extack: netlink_ext_ack | null): i32 {
  if (extack == null || !(sk.flags & NETLINK_F_EXT_ACK)) return 0;
  let tlvlen = 0;
  const msg = extack._msg;
  if (msg != null) tlvlen += nla_total_size(String.UTF8.byteLength(msg, false) + 1);
  const cookie = extack.cookie;
  if (cookie != null && cookie.length) tlvlen += nla_total_size(cookie.length);
  if (!err) return tlvlen;
  if (extack.bad_attr) tlvlen += nla_total_size(4);
  const pol = extack.policy;
  if (pol != null) tlvlen += netlink_policy_dump_attr_size_estimate(pol);
  if (extack.miss_type) tlvlen += nla_total_size(4);
  if (extack.miss_nest) tlvlen += nla_total_size(4);
  return tlvlen;
}

/** Ref: netlink_ack_tlv_fill */
function netlink_ack_tlv_fill(in_skb: sk_buff, skb: sk_buff, nlh: nlmsghdr, err: i32, extack: netlink_ext_ack): void {
  const msg = extack._msg;
  if (msg != null) nla_put_string(skb, NLMSGERR_ATTR_MSG, msg);
  const cookie = extack.cookie;
  if (cookie != null && cookie.length) nla_put(skb, NLMSGERR_ATTR_COOKIE, cookie.length, cookie.dataStart);
  if (!err) return;
  const start = in_skb.data;
  const stop = in_skb.data + <usize>in_skb.len;
  if (extack.bad_attr && extack.bad_attr >= start && extack.bad_attr < stop)
    nla_put_u32(skb, NLMSGERR_ATTR_OFFS, <u32>(extack.bad_attr - changetype<usize>(nlh)));
  const pol = extack.policy;
  if (pol != null) netlink_policy_dump_write_attr(skb, pol, NLMSGERR_ATTR_POLICY);
  if (extack.miss_type) nla_put_u32(skb, NLMSGERR_ATTR_MISS_TYPE, extack.miss_type);
  if (extack.miss_nest && extack.miss_nest >= start && extack.miss_nest <= stop)
    nla_put_u32(skb, NLMSGERR_ATTR_MISS_NEST, <u32>(extack.miss_nest - changetype<usize>(nlh)));
}

/**
 * Answer a request with NLMSG_ERROR: the error (0 for an ACK), the request's header, its payload
 * unless err is 0 or NETLINK_CAP_ACK is on, and extended-ACK attributes with NETLINK_EXT_ACK.
 * Ref: netlink_ack
 */
export function netlink_ack(in_skb: sk_buff, nlh: nlmsghdr, err: i32, extack: netlink_ext_ack | null): void {
  if (tracing) trace_enter('netlink_ack', 'err=%d seq=%u', err, <i32>nlh.nlmsg_seq);
  const ssk = sock_by_id(NETLINK_CB(in_skb).cb_sk);
  const rsk = sock_by_id(in_skb.sk);
  if (ssk == null || rsk == null) { tr_void(); return; }
  let payload = <i32>offsetof<nlmsgerr>();
  let flags: i32 = 0;
  if (err && !(ssk.flags & NETLINK_F_CAP_ACK)) payload += nlmsg_len(nlh);
  else flags |= NLM_F_CAPPED;
  const tlvlen = netlink_ack_tlv_len(ssk, err, extack);
  if (tlvlen) flags |= NLM_F_ACK_TLVS;
  const skb = nlmsg_new(payload + tlvlen);
  if (skb == null) { ssk.sk_err = ENOBUFS; tr_void(); return; }
  const rep = nlmsg_put(skb, NETLINK_CB(in_skb).portid, nlh.nlmsg_seq, NLMSG_ERROR, <i32>offsetof<nlmsgerr>(), flags);
  if (!rep) { nlmsg_free(skb); ssk.sk_err = ENOBUFS; tr_void(); return; }
  const errmsg = changetype<nlmsgerr>(nlmsg_data(rep));
  errmsg.error = err;
  memory.copy(changetype<usize>(errmsg.msg), changetype<usize>(nlh), offsetof<nlmsghdr>()); // errmsg->msg = *nlh
  if (!(flags & NLM_F_CAPPED)) {
    if (!nlmsg_append(skb, nlmsg_len(nlh))) { nlmsg_free(skb); ssk.sk_err = ENOBUFS; tr_void(); return; }
    memory.copy(nlmsg_data(errmsg.msg), nlmsg_data(nlh), <usize>nlmsg_len(nlh));
  }
  if (tlvlen && extack) netlink_ack_tlv_fill(in_skb, skb, nlh, err, extack);
  nlmsg_end(skb, rep);
  nlmsg_unicast(rsk, skb, NETLINK_CB(in_skb).portid);
  tr_void();
}

/**
 * Walk the messages of a datagram sent to a kernel socket, hand each request to `cb`, and
 * acknowledge: silent stop at a malformed length; messages without NLM_F_REQUEST and control
 * messages are only ACKed (when asked); errors always answered; -EINTR from cb (a dump started)
 * means no ACK. Ref: netlink_rcv_skb
 */
export function netlink_rcv_skb(skb: sk_buff, cb: netlink_rcv_msg_fn): i32 {
  if (tracing) trace_enter('netlink_rcv_skb', 'len=%u', <i32>skb.len);
  // One extack per nesting level, cleared for each message (memset in Linux): no allocation per message.
  if (rcv_depth >= rcv_extacks.length) rcv_extacks.push(new netlink_ext_ack());
  const extack = unchecked(rcv_extacks[rcv_depth]);
  rcv_depth++;
  const r = __netlink_rcv_skb(skb, cb, extack);
  rcv_depth--;
  return tr(r);
}

const rcv_extacks: netlink_ext_ack[] = [];
let rcv_depth: i32 = 0;

/** sim: memset(&extack, 0, sizeof(extack)) for the next message of a batch. */
function extack_clear(e: netlink_ext_ack): void {
  e._msg = null;
  e.bad_attr = 0;
  e.policy = null;
  e.miss_type = 0;
  e.miss_nest = 0;
  e.cookie = null;
}

/** sim: netlink_rcv_skb's loop with the extack its caller supplies. */
function __netlink_rcv_skb(skb: sk_buff, cb: netlink_rcv_msg_fn, extack: netlink_ext_ack): i32 {
  while (<i32>skb.len >= nlmsg_total_size(0)) {
    extack_clear(extack);
    const nlh = nlmsg_hdr(skb);
    let err = 0;
    const nlmsg_len_ = nlh.nlmsg_len;
    if (nlmsg_len_ < <u32>NLMSG_HDRLEN || skb.len < nlmsg_len_) return 0;
    const flags = nlh.nlmsg_flags;
    let skip = false;
    if ((flags & NLM_F_REQUEST) && nlh.nlmsg_type >= NLMSG_MIN_TYPE) {
      err = cb(skb, nlh, extack);
      if (err == -EINTR) skip = true;
    }
    if (!skip && ((flags & NLM_F_ACK) || err)) netlink_ack(skb, nlh, err, extack);
    let msglen = NLMSG_ALIGN(<i32>nlmsg_len_);
    if (msglen > <i32>skb.len) msglen = <i32>skb.len;
    skb_pull(skb, msglen);
  }
  return 0;
}

// ---- dumps -----------------------------------------------------------------------------------

/** sim: End a dump: run done(), release the request. */
function netlink_dump_finish(sk: sock): void {
  const cb = sk.cb;
  const done = cb.done;
  if (cb.host_id) host_netlink_dump(cb.host_id, 2, 0);
  else if (done) done(cb);
  sk.cb_running = false;
  const req = cb.skb;
  cb.skb = changetype<sk_buff>(0);
  cb.data_ref = null;
  cb.data = 0;
  if (changetype<usize>(req)) consume_skb(req);
}

/** Ref: netlink_dump_done */
function netlink_dump_done(sk: sock, skb: sk_buff, cb: netlink_callback, extack: netlink_ext_ack): i32 {
  const nlh = nlmsg_put(skb, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, NLMSG_DONE, 4, NLM_F_MULTI | cb.answer_flags);
  if (!nlh) return -ENOBUFS;
  store<i32>(nlmsg_data(nlh), sk.dump_done_errno);
  const msg = extack._msg;
  if (msg != null && (sk.flags & NETLINK_F_EXT_ACK)) {
    nlh.nlmsg_flags |= NLM_F_ACK_TLVS;
    if (!nla_put_string(skb, NLMSGERR_ATTR_MSG, msg)) nlmsg_end(skb, nlh);
  }
  return 0;
}

/** sim: cb->dump(skb, cb), or the host's dump for a protocol written in TypeScript. */
function call_dump(cb: netlink_callback, skb: sk_buff): i32 {
  if (cb.host_id) return host_netlink_dump(cb.host_id, 1, changetype<usize>(skb));
  const dump = cb.dump;
  return dump ? dump(skb, cb) : 0;
}

/** Fill one skb of the dump and queue it on the reader. Ref: netlink_dump */
export function netlink_dump(sk: sock): i32 {
  if (tracing) trace_enter('netlink_dump', 'portid=%u rmem=%d rcvbuf=%d', <i32>sk.portid, sk.sk_rmem_alloc, sk.sk_rcvbuf);
  const extack = new netlink_ext_ack();
  if (!sk.cb_running) return tr(-EINVAL);
  const cb = sk.cb;
  const alloc_min_size = cb.min_dump_alloc > NLMSG_GOODSIZE ? cb.min_dump_alloc : NLMSG_GOODSIZE;
  let alloc_size = alloc_min_size;
  let skb: sk_buff | null = null;
  if (<u32>alloc_min_size < sk.max_recvmsg_len) {
    alloc_size = <i32>sk.max_recvmsg_len;
    skb = alloc_skb(alloc_size);
  }
  if (skb == null) {
    alloc_size = alloc_min_size;
    skb = alloc_skb(alloc_size);
  }
  if (skb == null) return tr(-ENOBUFS);
  const rcvbuf = sk.sk_rcvbuf;
  const rmem = sk.sk_rmem_alloc + <i32>skb.truesize;
  if (rmem != <i32>skb.truesize && rmem >= rcvbuf) {
    kfree_skb(skb);
    return tr(-ENOBUFS);
  }
  sk.sk_rmem_alloc = rmem;
  skb_reserve(skb, skb_tailroom(skb) - alloc_size);
  netlink_skb_set_owner_r(skb, sk);
  if (sk.dump_done_errno > 0) {
    cb.extack = extack;
    sk.dump_done_errno = call_dump(cb, skb);
    // -EMSGSIZE with something already in the skb means "the skb is full, call again" (since 6.10;
    // nlctrl's GETFAMILY dump returns it, so a dump that fits ends with DONE in the same datagram).
    if (sk.dump_done_errno == -EMSGSIZE && skb.len) sk.dump_done_errno = <i32>skb.len;
    cb.extack = null;
  }
  if (sk.dump_done_errno > 0 || skb_tailroom(skb) < nlmsg_total_size(4)) {
    __netlink_sendskb(sk, skb);
    return tr(0);
  }
  if (netlink_dump_done(sk, skb, cb, extack)) {
    kfree_skb(skb);
    return tr(-ENOBUFS);
  }
  __netlink_sendskb(sk, skb);
  netlink_dump_finish(sk);
  return tr(0);
}

/**
 * Start a dump for the request nlh in skb: the reader gets the first part now and the rest as it
 * drains its queue. Returns -EINTR (no ACK) once started, or -errno (-EBUSY while another dump of
 * the reader runs). Ref: __netlink_dump_start
 */
export function __netlink_dump_start(ssk: sock, skb: sk_buff, nlh: nlmsghdr, control: netlink_dump_control): i32 {
  if (tracing) trace_enter('__netlink_dump_start', 'portid=%u', <i32>NETLINK_CB(skb).portid);
  skb_get(skb);
  const sk = netlink_lookup(ssk.sk_protocol, NETLINK_CB(skb).portid);
  if (sk == null) { kfree_skb(skb); return tr(-ECONNREFUSED); }
  if (sk.cb_running) { kfree_skb(skb); return tr(-EBUSY); }
  const cb = new netlink_callback();
  cb.dump = control.dump;
  cb.done = control.done;
  cb.nlh = nlh;
  cb.data = control.data;
  cb.data_ref = control.data_ref;
  cb.module = control.module;
  cb.min_dump_alloc = control.min_dump_alloc;
  cb.host_id = control.host_id;
  cb.skb = skb;
  const ssk_user = sock_by_id(NETLINK_CB(skb).cb_sk);
  cb.strict_check = ssk_user != null && (ssk_user.flags & NETLINK_F_STRICT_CHK) != 0;
  sk.cb = cb;
  const start = control.start;
  if (cb.host_id) {
    const ret = host_netlink_dump(cb.host_id, 0, changetype<usize>(skb));
    if (ret) { sk.cb = new netlink_callback(); kfree_skb(skb); return tr(ret); }
  } else if (start) {
    // 6.18: start() may report through the request's extack.
    cb.extack = control.extack;
    const ret = start(cb);
    cb.extack = null;
    if (ret) { sk.cb = new netlink_callback(); kfree_skb(skb); return tr(ret); }
  }
  sk.cb_running = true;
  sk.dump_done_errno = i32.MAX_VALUE;
  const ret = netlink_dump(sk);
  if (ret) return tr(ret);
  return tr(-EINTR);
}

/** The same, under its short name. Ref: include/linux/netlink.h:netlink_dump_start */
export function netlink_dump_start(ssk: sock, skb: sk_buff, nlh: nlmsghdr, control: netlink_dump_control): i32 {
  return __netlink_dump_start(ssk, skb, nlh, control);
}

// ---- init ------------------------------------------------------------------------------------

/** Boot: register USERSOCK and install the skb destructor. Ref: netlink_proto_init */
export function netlink_proto_init(): void {
  skb_set_destructor(sock_rfree);
  netlink_add_usersock_entry();
}
