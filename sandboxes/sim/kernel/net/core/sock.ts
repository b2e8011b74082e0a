/**
 * SOL_SOCKET options, the part netlink sockets use. Ref: net/core/sock.c:sock_setsockopt, sk_getsockopt
 */
import {
  sock, SYSCTL_RMEM_MAX, SYSCTL_WMEM_MAX, SOCK_MIN_RCVBUF, SOCK_MIN_SNDBUF,
} from '../../include/net/sock';
import { EINVAL, EPERM, ENOPROTOOPT } from '../../include/uapi/asm-generic/errno';
import { capable } from '../../kernel/sched';
import { CAP_NET_ADMIN } from '../../include/linux/capability';
import { tracing, trace_enter, tr } from '../../kernel/trace';

/** Ref: sock_setsockopt */
export function sock_setsockopt(sk: sock, optname: i32, optval: usize, optlen: i32): i32 {
  if (tracing) trace_enter('sock_setsockopt', 'optname=' + optname.toString());
  if (optlen < 4) return tr(-EINVAL);
  let val = load<i32>(optval);
  switch (optname) {
    case 7: case 32: { // SO_SNDBUF, SO_SNDBUFFORCE
      if (optname == 32) {
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
    case 8: case 33: { // SO_RCVBUF, SO_RCVBUFFORCE  (Ref: __sock_set_rcvbuf)
      if (optname == 33) {
        if (!capable(CAP_NET_ADMIN)) return tr(-EPERM);
        if (val < 0) val = 0;
      } else {
        val = <i32>min(<u32>val, <u32>SYSCTL_RMEM_MAX);
      }
      if (val > i32.MAX_VALUE / 2) val = i32.MAX_VALUE / 2;
      sk.sk_rcvbuf = max(val * 2, SOCK_MIN_RCVBUF);
      return tr(0);
    }
    case 16: // SO_PASSCRED
      sk.passcred = val != 0;
      return tr(0);
    case 3: case 4: case 38: case 39: // SO_TYPE, SO_ERROR, SO_PROTOCOL, SO_DOMAIN are read-only
      return tr(-ENOPROTOOPT);
  }
  // Options that exist but mean nothing here are accepted, like Linux accepts them on any socket.
  if (optname == 1 || optname == 2 || optname == 5 || optname == 6 || optname == 9 || optname == 10 ||
    optname == 15 || optname == 20 || optname == 21) return tr(0);
  return tr(-ENOPROTOOPT);
}

/**
 * Ref: sk_getsockopt. Writes up to `len` bytes of the int at `optval`; returns the optlen
 * reported (min(len, 4)) or -errno.
 */
export function sock_getsockopt(sk: sock, optname: i32, optval: usize, len: i32): i32 {
  if (len < 0) return -EINVAL;
  let v: i32 = 0;
  switch (optname) {
    case 3: v = sk.sk_type; break;
    case 4: v = sk.sk_err; sk.sk_err = 0; break;
    case 7: v = sk.sk_sndbuf; break;
    case 8: v = sk.sk_rcvbuf; break;
    case 16: v = sk.passcred ? 1 : 0; break;
    case 38: v = sk.sk_protocol; break;
    case 39: v = 16; break;
    case 1: case 2: case 5: case 6: case 9: case 10: case 15: v = 0; break;
    default: return -ENOPROTOOPT;
  }
  const n = len < 4 ? len : 4;
  for (let i = 0; i < n; i++) store<u8>(optval + <usize>i, <u8>(v >> (i * 8)));
  return n;
}
