/**
 * struct socket and struct proto_ops: the socket layer's handle on a socket, and the calls its
 * address family implements. net/socket.c reaches the protocol only through sock->ops (netlink's
 * table is netlink_ops in af_netlink.ts), as Linux's __sys_bind calls sock->ops->bind.
 *
 * Models Linux 6.18: include/linux/net.h
 */
import { sock } from '../net/sock';

/** The socket of an open file (file->private_data). Ref: include/linux/net.h:struct socket */
export class socket {
  /** SOCK_RAW or SOCK_DGRAM. */
  type: i32 = 0;
  sk: sock | null = null;
  ops: proto_ops | null = null;
}

/**
 * The calls a protocol family implements (only those netlink has). Ref: include/linux/net.h:struct proto_ops
 * sim: user memory is linear memory, so addresses and messages are pointers and lengths (Linux:
 * struct sockaddr *, struct msghdr *); sendmsg's control messages come as the host's reading of them
 * (an scm_control, net/core/scm.ts); recvmsg gets the file's O_NONBLOCK as `nonblock` (Linux folds
 * it into flags as MSG_DONTWAIT); getsockopt returns the optlen written back.
 */
export class proto_ops {
  constructor(
    public family: i32,
    public release: (sock: socket) => i32,
    public bind: (sock: socket, addr: usize, addr_len: i32) => i32,
    public connect: (sock: socket, addr: usize, alen: i32) => i32,
    public getname: (sock: socket, out: usize, peer: bool) => i32,
    public poll: (sock: socket) => i32,
    public setsockopt: (sock: socket, level: i32, optname: i32, optval: usize, optlen: i32) => i32,
    public getsockopt: (sock: socket, level: i32, optname: i32, optval: usize, optlen: i32) => i32,
    public sendmsg: (
      sock: socket, buf: usize, len: i32, flags: i32, addr: usize, addr_len: i32, control: usize,
    ) => i32,
    public recvmsg: (sock: socket, buf: usize, len: i32, flags: i32, nonblock: bool) => i32,
  ) {}
}
