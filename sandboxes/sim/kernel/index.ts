/**
 * The wasm module's exports: what the TypeScript host (sandboxes/sim/host) calls. Syscalls take
 * pointers into linear memory that the host filled (user_buf, user_aux); kernel-module calls
 * (k_*) take socket ids and skb addresses. Nothing here allocates per call across the boundary.
 *
 * Models Linux 6.18: no file of its own (sim: the wasm module's exports to the host; every function here is ours)
 */
import {
  sk_buff, skb_live, skb_put, skb_get, kfree_skb, alloc_skb, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_data,
  netlink_unicast, netlink_broadcast, netlink_kernel_create, netlink_kernel_release, netlink_kernel_cfg,
  netlink_ack, __netlink_dump_start, netlink_dump_control, netlink_has_listeners,
  sock_by_id, sockets, nl_table, module_refs, recv_info, MAX_LINKS, NETLINK_CB, netlink_is_kernel, sock,
} from './net/netlink/af_netlink';
import { netlink_rcv_skb_host, netlink_host_extack } from './net/netlink/host';
import { start_kernel } from './init/main';
import { nlmsghdr } from './include/linux/netlink';
import { ECONNREFUSED, ESRCH } from './include/uapi/asm-generic/errno';
import { printk } from './kernel/printk';
import { task_create as __task_create, task_exit as __task_exit, sched_switch as __sched_switch, current } from './kernel/sched';
import { exit_files, fd_of_sock, dup_fd } from './net/socket';
import { proc_net_netlink as __proc_net_netlink } from './fs/proc/net_netlink';

export {
  sys_socket, sys_bind, sys_connect, sys_getname, sys_sendmsg, sys_sendmsg_restart, sys_sendmsg_restart_timeout, sys_recvmsg, sys_wait_sock,
  sys_setsockopt, sys_getsockopt, sys_close, sock_id_of_fd, sys_sock_timeo, sys_sock_poll, sock_set_sleeper,
} from './net/socket';
export { sys_fd_install_host, sys_fd_host } from './fs/file';
export { trace_set } from './kernel/trace';
export { dmesg_count, dmesg_line } from './kernel/printk';

// ---- user memory -----------------------------------------------------------------------------

let ubuf: usize = 0;
let ubuf_size: usize = 0;
const aux = memory.data(1024);

/** A scratch buffer of at least n bytes for user data (reused; grows when needed). */
export function user_buf(n: i32): usize {
  const need: usize = n > 0 ? <usize>n : 1;
  if (need > ubuf_size) {
    if (ubuf) heap.free(ubuf);
    ubuf_size = (need + 0xffff) & ~<usize>0xffff;
    ubuf = heap.alloc(ubuf_size);
  }
  return ubuf;
}

let kb: usize = 0;
let kb_size: usize = 0;
/** A second scratch buffer, for kernel-side host code (module printk, extack texts), so it never moves user_buf. */
export function kbuf(n: i32): usize {
  const need: usize = n > 0 ? <usize>n : 1;
  if (need > kb_size) {
    if (kb) heap.free(kb);
    kb_size = (need + 0xfff) & ~<usize>0xfff;
    kb = heap.alloc(kb_size);
  }
  return kb;
}

/** A fixed 1 KiB area for addresses, option values, names and small results. */
export function user_aux(): usize { return aux; }

/** Boot the kernel (idempotent). */
export function boot(): void { start_kernel(); }

// ---- processes -------------------------------------------------------------------------------

/** A new process; its name is `comm_len` UTF-8 bytes at user_aux(); it inherits the open files of `parent` (0: none). */
export function task_create(pid: i32, uid: u32, comm_len: i32, parent: i32): void {
  __task_create(pid, uid, String.UTF8.decodeUnsafe(aux, <usize>min(comm_len, 256)));
  if (parent) dup_fd(parent, pid);
}
/** A process ended: close its files. */
export function task_exit(pid: i32): void {
  __sched_switch(pid);
  exit_files(pid);
  __task_exit(pid);
}
/** Put a process on the CPU (0 for none). */
export function sched_switch(pid: i32): void { __sched_switch(pid); }

/** Where the last recvmsg leaves its details (flags, from pid, from groups, group, pktinfo, passcred, creds pid/uid/gid; i32 each). */
export function recv_info_ptr(): usize { return changetype<usize>(recv_info); }

// ---- kernel modules written in TypeScript -----------------------------------------------------

/** netlink_kernel_create for a host module; returns the socket id, 0 on failure. */
export function k_netlink_kernel_create(unit: i32, groups: u32, flags: u32, host_input: i32, module_id: i32): i32 {
  const cfg = new netlink_kernel_cfg();
  cfg.groups = groups;
  cfg.flags = flags;
  cfg.module_id = module_id;
  const sk = netlink_kernel_create(unit, cfg);
  if (sk == null) return 0;
  sk.host_input = host_input;
  return sk.id;
}
/** Ref: netlink_kernel_release */
export function k_netlink_kernel_release(id: i32): void { netlink_kernel_release(sock_by_id(id)); }
/** Ref: alloc_skb (0 on failure) */
export function k_alloc_skb(size: i32): usize { const s = alloc_skb(size); return s ? changetype<usize>(s) : 0; }
/** Ref: nlmsg_new (0 on failure) */
export function k_nlmsg_new(payload: i32): usize { const s = nlmsg_new(payload); return s ? changetype<usize>(s) : 0; }
/** Ref: nlmsg_put (0 when there is no room) */
export function k_nlmsg_put(skb: usize, portid: u32, seq: u32, type: i32, len: i32, flags: i32): usize {
  return changetype<usize>(nlmsg_put(changetype<sk_buff>(skb), portid, seq, type, len, flags));
}
/** Ref: nlmsg_end */
export function k_nlmsg_end(skb: usize, nlh: usize): void { nlmsg_end(changetype<sk_buff>(skb), changetype<nlmsghdr>(nlh)); }
/** Ref: skb_put */
export function k_skb_put(skb: usize, len: i32): usize { return skb_put(changetype<sk_buff>(skb), len); }
/** skb->data */
export function k_skb_data(skb: usize): usize { return changetype<sk_buff>(skb).data; }
/** skb->len */
export function k_skb_len(skb: usize): u32 { return changetype<sk_buff>(skb).len; }
/** sim: NETLINK_CB(skb) as the host reads it (sandboxes/sim/host/modules.ts), at user_aux(). */
@unmanaged class netlink_cb_for_host {
  portid: u32;
  dst_group: u32;
  flags: u32;
  creds_pid: i32;
  creds_uid: u32;
  creds_gid: u32;
}
/** NETLINK_CB(skb) into user_aux(): portid, dst_group, flags, creds pid, uid, gid. */
export function k_netlink_cb(skb: usize): usize {
  const s = changetype<sk_buff>(skb);
  const out = changetype<netlink_cb_for_host>(aux);
  out.portid = NETLINK_CB(s).portid;
  out.dst_group = NETLINK_CB(s).dst_group;
  out.flags = NETLINK_CB(s).flags;
  out.creds_pid = NETLINK_CB(s).creds_pid;
  out.creds_uid = NETLINK_CB(s).creds_uid;
  out.creds_gid = NETLINK_CB(s).creds_gid;
  return aux;
}
/** Set NETLINK_CB(skb).portid and dst_group (what a module sets before sending). */
export function k_netlink_cb_set(skb: usize, portid: u32, dst_group: u32): void {
  const s = changetype<sk_buff>(skb);
  NETLINK_CB(s).portid = portid;
  NETLINK_CB(s).dst_group = dst_group;
}
/** Ref: netlink_unicast (the socket by id; -ECONNREFUSED when it is gone) */
export function k_netlink_unicast(id: i32, skb: usize, portid: u32, nonblock: i32): i32 {
  const sk = sock_by_id(id);
  if (sk == null) { kfree_skb(changetype<sk_buff>(skb)); return -ECONNREFUSED; }
  return netlink_unicast(sk, changetype<sk_buff>(skb), portid, nonblock);
}
/** Ref: netlink_broadcast */
export function k_netlink_broadcast(id: i32, skb: usize, portid: u32, group: u32): i32 {
  const sk = sock_by_id(id);
  if (sk == null) { kfree_skb(changetype<sk_buff>(skb)); return -ESRCH; }
  return netlink_broadcast(sk, changetype<sk_buff>(skb), portid, group);
}
/** Ref: netlink_has_listeners */
export function k_netlink_has_listeners(id: i32, group: u32): bool {
  const sk = sock_by_id(id);
  return sk != null && netlink_has_listeners(sk, group);
}
/**
 * A softirq (a module's timer) starts on the idle task: its count of kernel-to-kernel deliveries
 * starts afresh, as a user task's does at each syscall (the soft-lockup watchdog's measure).
 */
export function k_softirq_enter(): void { current.nl_deliveries = 0; current.lockup = false; }
/** Ref: kfree_skb */
export function k_kfree_skb(skb: usize): void { if (skb) kfree_skb(changetype<sk_buff>(skb)); }
/** Ref: skb_get */
export function k_skb_get(skb: usize): void { skb_get(changetype<sk_buff>(skb)); }
/** Ref: netlink_rcv_skb, with a TypeScript handler (the host's callback id). */
export function k_netlink_rcv_skb(skb: usize, cb_id: i32): i32 { return netlink_rcv_skb_host(changetype<sk_buff>(skb), cb_id); }
/**
 * A TypeScript netlink_rcv_skb handler's extended ACK, into the extack its call was handed (the
 * address netlink_rcv_msg_host passed): message (`len` UTF-8 bytes at ptr; len < 0: none) and missing type.
 */
export function k_netlink_extack(extack: usize, ptr: usize, len: i32, miss_type: u32): void {
  netlink_host_extack(extack, len >= 0 ? String.UTF8.decodeUnsafe(ptr, <usize>len) : null, miss_type);
}
/** Ref: netlink_ack (no extended ACK) */
export function k_netlink_ack(skb: usize, nlh: usize, err: i32): void { netlink_ack(changetype<sk_buff>(skb), changetype<nlmsghdr>(nlh), err, null); }
/** Ref: __netlink_dump_start, with TypeScript start/dump/done (the host's id). */
export function k_netlink_dump_start(id: i32, skb: usize, nlh: usize, host_id: i32, min_dump_alloc: i32): i32 {
  const sk = sock_by_id(id);
  if (sk == null) return -ECONNREFUSED;
  const c = new netlink_dump_control();
  c.host_id = host_id;
  c.min_dump_alloc = min_dump_alloc;
  return __netlink_dump_start(sk, changetype<sk_buff>(skb), changetype<nlmsghdr>(nlh), c);
}
/** printk from TypeScript: `len` UTF-8 bytes at `ptr`. */
export function k_printk(level: i32, ptr: usize, len: i32): void {
  printk(level, String.UTF8.decodeUnsafe(ptr, <usize>len));
}

// ---- observation -----------------------------------------------------------------------------

/** sk_buff structs alive. */
export function live_buffers(): i32 { return skb_live; }
/** The text of /proc/net/netlink. */
export function proc_net_netlink(): string { return __proc_net_netlink(); }
/** References user sockets hold on a module. */
export function module_refcount(id: i32): i32 { return module_refs.has(id) ? module_refs.get(id) : 0; }

function json_groups(s: sock): string {
  let out = '[';
  const g = s.groups;
  let first = true;
  if (g) {
    for (let i = 0; i < g.length * 32; i++) {
      if (unchecked(g[i >> 5]) & (<u32>1 << (i & 31))) {
        out += (first ? '' : ',') + (i + 1).toString();
        first = false;
      }
    }
  }
  return out + ']';
}

/** Sockets and protocols as JSON, for the host's state(). */
export function state_json(): string {
  let out = '{"sockets":[';
  const all = sockets.values();
  for (let i = 0; i < all.length; i++) {
    const s = unchecked(all[i]);
    let q = '[';
    let p = s.sk_receive_queue.first;
    let first = true;
    while (p) {
      const skb = changetype<sk_buff>(p);
      q += (first ? '' : ',') + '{"len":' + skb.len.toString() + ',"bytes":' + skb.truesize.toString() + ',"from":' +
        NETLINK_CB(skb).portid.toString() + ',"group":' + NETLINK_CB(skb).dst_group.toString() + ',"data":' + skb.data.toString() + '}';
      first = false;
      p = skb.next;
    }
    q += ']';
    out += (i ? ',' : '') + '{"id":' + s.id.toString() + ',"protocol":' + s.sk_protocol.toString() + ',"portid":' + s.portid.toString() +
      ',"bound":' + (s.bound ? 'true' : 'false') + ',"pid":' + s.owner.toString() + ',"fd":' + fd_of_sock(s.owner, s.id).toString() +
      ',"groups":' + json_groups(s) + ',"rmem":' + s.sk_rmem_alloc.toString() + ',"wmem":0,"rcvbuf":' + s.sk_rcvbuf.toString() +
      ',"sndbuf":' + s.sk_sndbuf.toString() + ',"drops":' + s.sk_drops.toString() + ',"err":' + s.sk_err.toString() +
      ',"dump":' + (s.cb_running ? 'true' : 'false') + ',"connected":' + (s.connected ? 'true' : 'false') +
      ',"dst_portid":' + s.dst_portid.toString() + ',"dst_group":' + s.dst_group.toString() + ',"kernel":' +
      (netlink_is_kernel(s) ? 'true' : 'false') + ',"module":' + s.module_id.toString() + ',"type":' + s.sk_type.toString() +
      ',"queue":' + q + '}';
  }
  out += '],"protocols":[';
  let first = true;
  for (let u = 0; u < MAX_LINKS; u++) {
    const t = unchecked(nl_table[u]);
    if (!t.registered) continue;
    out += (first ? '' : ',') + '{"unit":' + u.toString() + ',"groups":' + t.groups.toString() + ',"flags":' + t.flags.toString() +
      ',"module":' + t.module_id.toString() + ',"kernel":' + (t.hash.has(0) ? 'true' : 'false') + '}';
    first = false;
  }
  return out + ']}';
}

// ---- generic netlink families written in TypeScript (sandboxes/sim/host/genl.ts) -------------
export * from './net/netlink/genl_host';
