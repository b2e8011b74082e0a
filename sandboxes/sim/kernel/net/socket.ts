/**
 * The socket system calls: per-process file descriptor tables and the checks Linux's
 * net/socket.c makes before the protocol sees a call. User memory is linear memory the host
 * filled (user_buf / user_aux); pointers and lengths come straight from the program.
 *
 * Each sys_* returns what the syscall returns (>= 0) or -errno. -ERESTARTSYS means "this process
 * must sleep": the host waits on sys_wait_sock() and calls sys_recvmsg again, or sys_sendmsg_restart.
 *
 * Models Linux 6.18: net/socket.c
 */
import {
  netlink_create, netlink_unicast_restart, netlink_unicast, sock_by_id, sk_buff, AF_NETLINK, SOCK_NONBLOCK,
  SOCK_CLOEXEC, SOL_SOCKET,
} from './netlink/af_netlink';
import { socket } from '../include/linux/net';
import { sock_setsockopt, sock_getsockopt, sock_timeo_ms } from './core/sock';
import { EAFNOSUPPORT, EINVAL, ERESTARTSYS, EAGAIN } from '../include/uapi/asm-generic/errno';
import { current } from '../kernel/sched';
import { file, fdget, bad_fd, alloc_fd, fd_install } from '../fs/file';
export { sys_close, exit_files, fd_of_sock, dup_fd } from '../fs/file';
import { tracing, trace_enter, tr } from '../kernel/trace';

const NPROTO: i32 = 46;
const SOCK_MAX: i32 = 11;

/** Ref: __sys_socket */
export function sys_socket(family: i32, type: i32, protocol: i32): i32 {
  if (tracing) trace_enter('__sys_socket', 'family=%d type=%d protocol=%d', family, type, protocol);
  const flags = type & ~0xf;
  if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return tr(-EINVAL);
  type &= 0xf;
  // __sock_create
  if (family < 0 || family >= NPROTO) return tr(-EAFNOSUPPORT);
  if (type < 0 || type >= SOCK_MAX) return tr(-EINVAL);
  if (family != AF_NETLINK) return tr(-EAFNOSUPPORT);
  const fd = alloc_fd();
  if (fd < 0) return tr(fd);
  // sock_alloc, then the family's create (net_families[AF_NETLINK]->create).
  const sock = new socket();
  sock.type = type;
  const err = netlink_create(sock, protocol, 0);
  if (err) return tr(err);
  const f = new file();
  f.sock = sock;
  f.nonblock = (flags & SOCK_NONBLOCK) != 0;
  fd_install(fd, f);
  return tr(fd);
}

/** Ref: __sys_bind */
export function sys_bind(fd: i32, addr: usize, addrlen: i32): i32 {
  if (tracing) trace_enter('__sys_bind', 'fd=%d addrlen=%d', fd, addrlen);
  return tr(sys_bind_body(fd, addr, addrlen));
}

/** sim: __sys_bind before the trace return. */
function sys_bind_body(fd: i32, addr: usize, addrlen: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  if (addrlen < 0 || addrlen > 128) return -EINVAL;
  const sock = f.sock!;
  return sock.ops!.bind(sock, addr, addrlen);
}

/** Ref: __sys_connect */
export function sys_connect(fd: i32, addr: usize, addrlen: i32): i32 {
  if (tracing) trace_enter('__sys_connect', 'fd=%d addrlen=%d', fd, addrlen);
  return tr(sys_connect_body(fd, addr, addrlen));
}

/** sim: __sys_connect before the trace return. */
function sys_connect_body(fd: i32, addr: usize, addrlen: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  if (addrlen < 0 || addrlen > 128) return -EINVAL;
  const sock = f.sock!;
  return sock.ops!.connect(sock, addr, addrlen);
}

/** sim: Ref: __sys_getsockname / __sys_getpeername: writes 12 bytes at out. */
export function sys_getname(fd: i32, out: usize, peer: bool): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  const sock = f.sock!;
  return sock.ops!.getname(sock, out, peer);
}

/**
 * Ref: __sys_sendmsg (the iovecs were gathered into buf by the host, as memcpy_from_msg does; `control`
 * is msg_control as the host read it, an scm_control of net/core/scm.ts, or 0 for none).
 */
export function sys_sendmsg(
  fd: i32, buf: usize, len: i32, flags: i32, addr: usize, addrlen: i32, control: usize,
): i32 {
  if (tracing) trace_enter('__sys_sendmsg', 'fd=%d len=%d flags=0x%x', fd, len, flags);
  return tr(sys_sendmsg_body(fd, buf, len, flags, addr, addrlen, control));
}

/** sim: __sys_sendto before the trace return. */
function sys_sendmsg_body(
  fd: i32, buf: usize, len: i32, flags: i32, addr: usize, addrlen: i32, control: usize,
): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  if (addrlen < 0 || addrlen > 128) return -EINVAL;
  if (f.nonblock) flags |= 0x40;
  current.nl_deliveries = 0;
  current.lockup = false;
  const sock = f.sock!;
  const r = sock.ops!.sendmsg(sock, buf, len, flags, addr, addrlen, control);
  if (r == ERESTARTSYS) send_wait_sock = sock.sk!.restart_wait;
  return r;
}

/** sim: Resume a sendmsg that slept waiting for room in the receiver. */
export function sys_sendmsg_restart(fd: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  const sk = f.sock!.sk!;
  const r = netlink_unicast_restart(sk);
  if (r == ERESTARTSYS) send_wait_sock = sk.restart_wait;
  return r;
}

/**
 * sim: A sender's SO_SNDTIMEO ran out while it waited for room. Linux's netlink_unicast goes back to
 * `retry` with the timeout now 0: netlink_attachskb looks once more, queues the skb if room
 * appeared meanwhile, and otherwise frees it and answers -EAGAIN (no overrun: the sender is a
 * user socket). So does this.
 */
export function sys_sendmsg_restart_timeout(fd: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  const sk = f.sock!.sk!;
  const p = sk.restart_skb;
  if (!p) return -EAGAIN;
  sk.restart_skb = 0;
  return netlink_unicast(sk, changetype<sk_buff>(p), sk.restart_portid, 1);
}

/** Ref: __sys_recvmsg. Details of the datagram are left in recv_info. */
export function sys_recvmsg(fd: i32, buf: usize, len: i32, flags: i32): i32 {
  if (tracing) trace_enter('__sys_recvmsg', 'fd=%d len=%d flags=0x%x', fd, len, flags);
  return tr(sys_recvmsg_body(fd, buf, len, flags));
}

/** sim: __sys_recvfrom before the trace return. */
function sys_recvmsg_body(fd: i32, buf: usize, len: i32, flags: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  if (len < 0) return -EINVAL;
  current.nl_deliveries = 0;
  current.lockup = false;
  const sock = f.sock!;
  const r = sock.ops!.recvmsg(sock, buf, len, flags, f.nonblock);
  if (r == -ERESTARTSYS) wait_sock = sock.sk!.id;
  return r;
}

/** The socket a reader that got -ERESTARTSYS sleeps on: its own. */
let wait_sock: i32 = 0;
/** The socket a sender that got ERESTARTSYS waits on for room: the receiver. */
let send_wait_sock: i32 = 0;
/** sim: The socket whose wake-up a sleeping syscall waits for. */
export function sys_wait_sock(send: bool): i32 {
  const id = send ? send_wait_sock : wait_sock;
  // The caller is about to sleep on this socket: its wake-ups must now reach the host.
  const sk = sock_by_id(id);
  if (sk != null) sk.sk_wq_sleeper = true;
  return id;
}

/** Ref: __sys_setsockopt */
export function sys_setsockopt(fd: i32, level: i32, optname: i32, optval: usize, optlen: i32): i32 {
  if (tracing) trace_enter('__sys_setsockopt', 'fd=%d level=%d optname=%d', fd, level, optname);
  return tr(sys_setsockopt_body(fd, level, optname, optval, optlen));
}

/** sim: __sys_setsockopt before the trace return. */
function sys_setsockopt_body(fd: i32, level: i32, optname: i32, optval: usize, optlen: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  if (optlen < 0) return -EINVAL;
  const sock = f.sock!;
  if (level == SOL_SOCKET) return sock_setsockopt(sock.sk!, optname, optval, optlen);
  return sock.ops!.setsockopt(sock, level, optname, optval, optlen);
}

/** Ref: __sys_getsockopt. Returns the optlen written back, or -errno. */
export function sys_getsockopt(fd: i32, level: i32, optname: i32, optval: usize, optlen: i32): i32 {
  if (tracing) trace_enter('__sys_getsockopt', 'fd=%d level=%d optname=%d', fd, level, optname);
  return tr(sys_getsockopt_body(fd, level, optname, optval, optlen));
}

/** sim: __sys_getsockopt before the trace return. */
function sys_getsockopt_body(fd: i32, level: i32, optname: i32, optval: usize, optlen: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  const sock = f.sock!;
  if (level == SOL_SOCKET) return sock_getsockopt(sock.sk!, optname, optval, optlen);
  return sock.ops!.getsockopt(sock, level, optname, optval, optlen);
}


/** sim: The socket id behind fd (0 if none), for the host's bookkeeping. */
export function sock_id_of_fd(fd: i32): i32 {
  const f = fdget(fd);
  return f == null ? 0 : f.sock!.sk!.id;
}



/** sim: The receive (rcv) or send timeout of fd in ms: 0 none, -1 do not wait. */
export function sys_sock_timeo(fd: i32, rcv: bool): f64 {
  const f = fdget(fd);
  return f == null ? 0 : sock_timeo_ms(f.sock!.sk!, rcv);
}

/**
 * sim: poll on a socket fd: sock->ops->poll (netlink's is datagram_poll). -EBADF for a bad fd.
 * Ref: fs/select.c:vfs_poll → sock_poll
 */
export function sys_sock_poll(fd: i32): i32 {
  const f = fdget(fd);
  if (f == null) return bad_fd;
  const sock = f.sock!;
  return sock.ops!.poll(sock);
}

/** sim: A poll() sleeps on socket `id`: its wake-ups must reach the host. */
export function sock_set_sleeper(id: i32): void {
  const sk = sock_by_id(id);
  if (sk != null) sk.sk_wq_sleeper = true;
}
