/**
 * A netlink socket: struct sock and struct netlink_sock in one class. Sockets are found by id (the
 * host and skbs refer to them by id, so a closed socket can never be reached through a stale pointer).
 *
 * Models Linux 6.18: include/net/sock.h, net/netlink/af_netlink.h
 */
import { sk_buff, sk_buff_head } from '../../net/core/skbuff';
import { socket } from '../linux/net';
import {
  netlink_callback, netlink_input_fn, netlink_bind_fn, netlink_unbind_fn,
} from '../linux/netlink';

// nlk->flags bits. Ref: net/netlink/af_netlink.h
export const NETLINK_F_KERNEL_SOCKET: u32 = 1 << 0;
export const NETLINK_F_RECV_PKTINFO: u32 = 1 << 1;
export const NETLINK_F_BROADCAST_SEND_ERROR: u32 = 1 << 2;
export const NETLINK_F_RECV_NO_ENOBUFS: u32 = 1 << 3;
export const NETLINK_F_LISTEN_ALL_NSID: u32 = 1 << 4;
export const NETLINK_F_CAP_ACK: u32 = 1 << 5;
export const NETLINK_F_EXT_ACK: u32 = 1 << 6;
export const NETLINK_F_STRICT_CHK: u32 = 1 << 7;

/** net.core.rmem_default / wmem_default, and the maxima SO_RCVBUF / SO_SNDBUF are capped at. */
export const SYSCTL_RMEM_DEFAULT: i32 = 212992;
export const SYSCTL_WMEM_DEFAULT: i32 = 212992;
export const SYSCTL_RMEM_MAX: i32 = 212992;
export const SYSCTL_WMEM_MAX: i32 = 212992;
/** SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF on x86-64. Ref: include/net/sock.h */
export const SOCK_MIN_RCVBUF: i32 = 2304;
export const SOCK_MIN_SNDBUF: i32 = 4608;

let next_sock_id: i32 = 1;

/** struct sock + struct netlink_sock. */
export class sock {
  id: i32 = next_sock_id++;
  sk_protocol: i32 = 0;
  sk_type: i32 = 0;
  /** The struct socket it belongs to (user sockets and kernel sockets alike). */
  sk_socket: socket | null = null;
  /** tgid of the process that created it (0 for kernel sockets). */
  owner: i32 = 0;
  sk_rcvbuf: i32 = SYSCTL_RMEM_DEFAULT;
  sk_sndbuf: i32 = SYSCTL_WMEM_DEFAULT;
  sk_rmem_alloc: i32 = 0;
  sk_drops: u32 = 0;
  /** Pending error (positive errno), reported once by the next receive or SO_ERROR. */
  sk_err: i32 = 0;
  sk_receive_queue: sk_buff_head = new sk_buff_head();
  passcred: bool = false;
  dead: bool = false;
  /**
   * Someone may sleep on this socket's wait queue (the host set it in sys_wait_sock before parking a
   * process): wake-ups cross to the host only then. Ref: include/net/sock.h:skwq_has_sleeper
   */
  sk_wq_sleeper: bool = false;
  /** SOL_SOCKET options that are only stored and read back (SO_PRIORITY, SO_KEEPALIVE, …). */
  sk_opts: Map<i32, i32> = new Map<i32, i32>();
  /** SO_RCVTIMEO / SO_SNDTIMEO in jiffies (HZ = 250); 0: wait forever. */
  sk_rcvtimeo: i64 = 0;
  sk_sndtimeo: i64 = 0;

  // ---- struct netlink_sock ----
  portid: u32 = 0;
  bound: bool = false;
  connected: bool = false;
  dst_portid: u32 = 0;
  dst_group: u32 = 0;
  flags: u32 = 0;
  /** NETLINK_S_CONGESTED. */
  congested: bool = false;
  subscriptions: u32 = 0;
  ngroups: u32 = 0;
  /** Group bitmap in u32 words (the kernel uses longs; the bits are the same). */
  groups: StaticArray<u32> | null = null;
  max_recvmsg_len: u32 = 0;
  netlink_rcv: netlink_input_fn | null = null;
  netlink_bind: netlink_bind_fn | null = null;
  netlink_unbind: netlink_unbind_fn | null = null;
  cb_running: bool = false;
  cb: netlink_callback = new netlink_callback();
  dump_done_errno: i32 = 0;
  /** Module that owns this kernel socket (the host's id), or whose protocol this user socket holds. */
  module_id: i32 = 0;
  /** For a kernel socket whose input is TypeScript: the host's id for it. */
  host_input: i32 = 0;

  // ---- a blocked sender (netlink_unicast waiting for room in the receiver) ----
  restart_skb: usize = 0;
  restart_portid: u32 = 0;
  /** sim: the id of the socket it waits on for room (Linux sleeps on that socket's wait queue). */
  restart_wait: i32 = 0;
}

/** netlink_is_kernel. */
export function netlink_is_kernel(sk: sock): bool { return (sk.flags & NETLINK_F_KERNEL_SOCKET) != 0; }

/** Every socket alive, by id. */
export const sockets = new Map<i32, sock>();

// sim: sock_by_id runs several times per message (skb owners, ACK senders), so the sockets are
// also kept in a direct-mapped table by the low bits of their id, checked against the full id.
const SOCK_SLOTS: i32 = 1024;
const sock_slots = new StaticArray<sock | null>(SOCK_SLOTS);

/** sim: Make a new socket findable by id. */
export function sock_link(sk: sock): void {
  sockets.set(sk.id, sk);
  unchecked(sock_slots[sk.id & (SOCK_SLOTS - 1)] = sk);
}

/** sim: Forget a closed socket: its id finds nothing from now on. */
export function sock_unlink(sk: sock): void {
  sockets.delete(sk.id);
  const i = sk.id & (SOCK_SLOTS - 1);
  if (unchecked(sock_slots[i]) === sk) unchecked(sock_slots[i] = null);
}

/** sim: The socket with this id, if it still exists. */
export function sock_by_id(id: i32): sock | null {
  if (id == 0) return null;
  const i = id & (SOCK_SLOTS - 1);
  const s = unchecked(sock_slots[i]);
  if (s != null && s.id == id) return s;
  if (!sockets.has(id)) return null;
  const found = sockets.get(id);
  unchecked(sock_slots[i] = found);
  return found;
}

/** Undo an skb's charge on its receiving socket. Ref: net/core/sock.c:sock_rfree */
export function sock_rfree(skb: sk_buff): void {
  const sk = sock_by_id(skb.sk);
  if (sk) sk.sk_rmem_alloc -= <i32>skb.truesize;
}
