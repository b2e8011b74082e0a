/**
 * SOL_SOCKET options, the part netlink sockets use. Ref: net/core/sock.c:sock_setsockopt, sk_getsockopt
 *
 * Models Linux 6.18: net/core/sock.c
 */
import {
  sock, SYSCTL_RMEM_MAX, SYSCTL_WMEM_MAX, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF,
} from '../../include/net/sock';
import { EINVAL, EPERM, ENOPROTOOPT, EDOM } from '../../include/uapi/asm-generic/errno';
import {
  AF_NETLINK, SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_SNDBUFFORCE, SO_RCVBUFFORCE, SO_PROTOCOL,
  SO_DOMAIN, SO_PRIORITY, SO_LINGER, SO_PEERCRED, SO_RCVLOWAT, SO_SNDLOWAT, SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD,
  SO_BINDTODEVICE, SO_ACCEPTCONN, SO_PASSSEC, SO_MARK, SO_BUSY_POLL, SO_INCOMING_CPU, SO_COOKIE,
  SO_REUSEADDR, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE, SO_TIMESTAMP_OLD,
} from '../../include/uapi/linux/netlink';
import { linger, ucred } from '../../include/linux/socket';
import { __kernel_sock_timeval } from '../../include/uapi/linux/time_types';
// sim: sk_opts keeps l_linger (struct linger's second field) under this key, beside the options' values.
const SIM_SO_LINGER_TIME: i32 = -SO_LINGER;
/** CONFIG_HZ of Debian's kernels: timeouts are kept in jiffies of 4 ms. */
export const HZ: i64 = 250;

/** Ref: net/core/sock.c:sock_set_timeout (struct __kernel_sock_timeval / timeval of 16 bytes) */
function sock_set_timeout(sk: sock, rcv: bool, optval: usize, optlen: i32): i32 {
  if (optlen < <i32>offsetof<__kernel_sock_timeval>()) return -EINVAL;
  const tv = changetype<__kernel_sock_timeval>(optval);
  const sec = tv.tv_sec;
  const usec = tv.tv_usec;
  if (usec < 0 || usec >= 1000000) return -EDOM;
  let timeo: i64 = 0;
  if (sec >= 0 && !(sec == 0 && usec == 0)) {
    timeo = sec * HZ + (usec + (1000000 / HZ) - 1) / (1000000 / HZ);
  }
  // sec < 0 means "no wait": Linux stores 0, which it reads as "return at once"; we use -1 for it.
  if (sec < 0) timeo = -1;
  if (rcv) sk.sk_rcvtimeo = timeo;
  else sk.sk_sndtimeo = timeo;
  return 0;
}

/** sim: A socket's receive or send timeout in ms (0: none, -1: do not wait). */
export function sock_timeo_ms(sk: sock, rcv: bool): f64 {
  const t = rcv ? sk.sk_rcvtimeo : sk.sk_sndtimeo;
  return t < 0 ? -1 : <f64>t * 1000.0 / <f64>HZ;
}

// sim: Options stored and read back as booleans (sock_valbool_flag).
function is_bool_opt(optname: i32): bool {
  return optname == SO_REUSEADDR || optname == SO_DONTROUTE || optname == SO_BROADCAST || optname == SO_KEEPALIVE ||
    optname == SO_OOBINLINE || optname == SO_TIMESTAMP_OLD;
}
import { capable } from '../../kernel/sched';
import { CAP_NET_ADMIN } from '../../include/linux/capability';
import { tracing, trace_enter, tr } from '../../kernel/trace';

/** Ref: sock_setsockopt */
export function sock_setsockopt(sk: sock, optname: i32, optval: usize, optlen: i32): i32 {
  if (tracing) trace_enter('sock_setsockopt', 'optname=%d', optname);
  if (optlen < 4) return tr(-EINVAL);
  let val = load<i32>(optval);
  switch (optname) {
    case SO_SNDBUF: case SO_SNDBUFFORCE: { // SO_SNDBUF, SO_SNDBUFFORCE
      if (optname == SO_SNDBUFFORCE) {
        if (!capable(CAP_NET_ADMIN)) return tr(-EPERM);
        // No negative values (to prevent underflow, as val will be multiplied by 2).
        if (val < 0) val = 0;
      } else {
        // min_t(u32, val, sysctl_wmem_max): a negative value is a huge unsigned one.
        val = <i32>min(<u32>val, <u32>SYSCTL_WMEM_MAX);
      }
      // Ensure val * 2 fits into an int, to prevent max_t() from treating it as a negative value.
      if (val > i32.MAX_VALUE / 2) val = i32.MAX_VALUE / 2;
      sk.sk_sndbuf = max(val * 2, SOCK_MIN_SNDBUF);
      return tr(0);
    }
    case SO_RCVBUF: case SO_RCVBUFFORCE: { // SO_RCVBUF, SO_RCVBUFFORCE  (Ref: __sock_set_rcvbuf)
      if (optname == SO_RCVBUFFORCE) {
        if (!capable(CAP_NET_ADMIN)) return tr(-EPERM);
        if (val < 0) val = 0;
      } else {
        val = <i32>min(<u32>val, <u32>SYSCTL_RMEM_MAX);
      }
      if (val > i32.MAX_VALUE / 2) val = i32.MAX_VALUE / 2;
      sk.sk_rcvbuf = max(val * 2, SOCK_MIN_RCVBUF);
      return tr(0);
    }
    case SO_PASSCRED: // SO_PASSCRED
      sk.passcred = val != 0;
      return tr(0);
    case SO_PRIORITY: // SO_PRIORITY
      if ((val >= 0 && val <= 6) || capable(CAP_NET_ADMIN)) { sk.sk_opts.set(SO_PRIORITY, val); return tr(0); }
      return tr(-EPERM);
    case SO_RCVLOWAT: // SO_RCVLOWAT
      if (val < 0) val = i32.MAX_VALUE;
      sk.sk_opts.set(SO_RCVLOWAT, val ? val : 1);
      return tr(0);
    case SO_MARK: // SO_MARK
      if (!capable(CAP_NET_ADMIN)) return tr(-EPERM);
      sk.sk_opts.set(SO_MARK, val);
      return tr(0);
    case SO_RCVTIMEO_OLD: return tr(sock_set_timeout(sk, true, optval, optlen)); // SO_RCVTIMEO_OLD
    case SO_SNDTIMEO_OLD: return tr(sock_set_timeout(sk, false, optval, optlen)); // SO_SNDTIMEO_OLD
    case SO_LINGER: { // SO_LINGER
      if (optlen < <i32>offsetof<linger>()) return tr(-EINVAL);
      const ling = changetype<linger>(optval);
      sk.sk_opts.set(SO_LINGER, ling.l_onoff ? 1 : 0);
      sk.sk_opts.set(SIM_SO_LINGER_TIME, ling.l_linger);
      return tr(0);
    }
    case SO_TYPE: case SO_ERROR: case SO_PROTOCOL: case SO_DOMAIN: // SO_TYPE, SO_ERROR, SO_PROTOCOL, SO_DOMAIN are read-only
      return tr(-ENOPROTOOPT);
  }
  if (is_bool_opt(optname)) {
    sk.sk_opts.set(optname, val ? 1 : 0);
    return tr(0);
  }
  return tr(-ENOPROTOOPT);
}

/**
 * Ref: sk_getsockopt. Writes up to `len` bytes of the int at `optval`; returns the optlen
 * reported (min(len, 4)) or -errno.
 */
export function sock_getsockopt(sk: sock, optname: i32, optval: usize, len: i32): i32 {
  if (len < 0) return -EINVAL;
  let v: i32 = 0;
  let lv: i32 = 4;
  switch (optname) {
    case SO_TYPE: v = sk.sk_type; break;
    case SO_ERROR: v = sk.sk_err; sk.sk_err = 0; break;
    case SO_SNDBUF: v = sk.sk_sndbuf; break;
    case SO_RCVBUF: v = sk.sk_rcvbuf; break;
    case SO_PASSCRED: v = sk.passcred ? 1 : 0; break;
    case SO_PROTOCOL: v = sk.sk_protocol; break;
    case SO_DOMAIN: v = AF_NETLINK; break;
    case SO_PRIORITY: case SO_MARK: v = sk.sk_opts.has(optname) ? sk.sk_opts.get(optname) : 0; break;
    case SO_RCVLOWAT: v = sk.sk_opts.has(SO_RCVLOWAT) ? sk.sk_opts.get(SO_RCVLOWAT) : 1; break;
    case SO_SNDLOWAT: v = 1; break; // SO_SNDLOWAT
    case SO_ACCEPTCONN: case SO_PASSSEC: case SO_BUSY_POLL: v = 0; break; // SO_ACCEPTCONN, SO_PASSSEC, SO_BUSY_POLL
    case SO_INCOMING_CPU: v = -1; break; // SO_INCOMING_CPU
    case SO_BINDTODEVICE: return 0; // SO_BINDTODEVICE: no device, an empty name
    case SO_PEERCRED: { // SO_PEERCRED: a netlink socket has no peer credentials (pid 0, overflow ids)
      lv = <i32>offsetof<ucred>();
      const n = len < lv ? len : lv;
      const peercred = changetype<ucred>(memory.data(offsetof<ucred>()));
      peercred.pid = 0;
      peercred.uid = <u32>-1; // overflowuid
      peercred.gid = <u32>-1; // overflowgid
      memory.copy(optval, changetype<usize>(peercred), <usize>n);
      return n;
    }
    case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD: { // SO_RCVTIMEO_OLD / SO_SNDTIMEO_OLD: struct timeval
      const t = optname == SO_RCVTIMEO_OLD ? sk.sk_rcvtimeo : sk.sk_sndtimeo;
      const j: i64 = t > 0 ? t : 0;
      const tv = changetype<__kernel_sock_timeval>(memory.data(offsetof<__kernel_sock_timeval>()));
      tv.tv_sec = j / HZ;
      tv.tv_usec = ((j % HZ) * 1000000) / HZ;
      const size = <i32>offsetof<__kernel_sock_timeval>();
      const n = len < size ? len : size;
      memory.copy(optval, changetype<usize>(tv), <usize>n);
      return n;
    }
    case SO_LINGER: { // SO_LINGER
      const ling = changetype<linger>(memory.data(offsetof<linger>()));
      ling.l_onoff = sk.sk_opts.has(SO_LINGER) ? sk.sk_opts.get(SO_LINGER) : 0;
      ling.l_linger = sk.sk_opts.has(SIM_SO_LINGER_TIME) ? sk.sk_opts.get(SIM_SO_LINGER_TIME) : 0;
      const size = <i32>offsetof<linger>();
      const n = len < size ? len : size;
      memory.copy(optval, changetype<usize>(ling), <usize>n);
      return n;
    }
    case SO_COOKIE: { // SO_COOKIE
      const n = len < 8 ? len : 8;
      const tmp = memory.data(8);
      store<u64>(tmp, <u64>sk.id);
      memory.copy(optval, tmp, <usize>n);
      return n;
    }
    default:
      if (!is_bool_opt(optname)) return -ENOPROTOOPT;
      v = sk.sk_opts.has(optname) ? sk.sk_opts.get(optname) : 0;
  }
  const n = len < lv ? len : lv;
  for (let i = 0; i < n; i++) store<u8>(optval + <usize>i, <u8>(v >> (i * 8)));
  return n;
}
