/**
 * The user-space ABI constants: include/uapi/linux/netlink.h, linux/socket.h, asm-generic/socket.h.
 * Kept equal to src/api/uapi.ts by sandboxes/sim/kernel/uapi.test.ts (this file is plain enough to
 * be imported from TypeScript as well).
 *
 * Models Linux 6.18: include/uapi/linux/netlink.h, linux/socket.h, asm-generic/socket.h
 */
export const AF_UNSPEC: i32 = 0;
export const AF_NETLINK: i32 = 16;
/** sizeof(struct sockaddr_nl): nl_family (u16), nl_pad (u16), nl_pid (u32), nl_groups (u32). */
export const SOCKADDR_NL_SIZE: i32 = 12;
export const PF_NETLINK: i32 = 16;
export const SOCK_STREAM: i32 = 1;
export const SOCK_DGRAM: i32 = 2;
export const SOCK_RAW: i32 = 3;
export const SOCK_SEQPACKET: i32 = 5;
export const SOCK_NONBLOCK: i32 = 0o4000;
export const SOCK_CLOEXEC: i32 = 0o2000000;

export const NETLINK_ROUTE: i32 = 0;
export const NETLINK_USERSOCK: i32 = 2;
export const NETLINK_GENERIC: i32 = 16;
export const MAX_LINKS: i32 = 32;

export const NLM_F_REQUEST: u16 = 0x01;
export const NLM_F_MULTI: u16 = 0x02;
export const NLM_F_ACK: u16 = 0x04;
export const NLM_F_ECHO: u16 = 0x08;
export const NLM_F_DUMP_INTR: u16 = 0x10;
export const NLM_F_DUMP_FILTERED: u16 = 0x20;
export const NLM_F_ROOT: u16 = 0x100;
export const NLM_F_MATCH: u16 = 0x200;
export const NLM_F_ATOMIC: u16 = 0x400;
export const NLM_F_DUMP: u16 = 0x300;
export const NLM_F_REPLACE: u16 = 0x100;
export const NLM_F_EXCL: u16 = 0x200;
export const NLM_F_CREATE: u16 = 0x400;
export const NLM_F_APPEND: u16 = 0x800;
export const NLM_F_CAPPED: u16 = 0x100;
export const NLM_F_ACK_TLVS: u16 = 0x200;

export const NLMSG_NOOP: u16 = 0x1;
export const NLMSG_ERROR: u16 = 0x2;
export const NLMSG_DONE: u16 = 0x3;
export const NLMSG_OVERRUN: u16 = 0x4;
export const NLMSG_MIN_TYPE: u16 = 0x10;
export const NLMSG_ALIGNTO: i32 = 4;
export const NLMSG_HDRLEN: i32 = 16;

export const NLMSGERR_ATTR_UNUSED: i32 = 0;
export const NLMSGERR_ATTR_MSG: i32 = 1;
export const NLMSGERR_ATTR_OFFS: i32 = 2;
export const NLMSGERR_ATTR_COOKIE: i32 = 3;
export const NLMSGERR_ATTR_POLICY: i32 = 4;
export const NLMSGERR_ATTR_MISS_TYPE: i32 = 5;
export const NLMSGERR_ATTR_MISS_NEST: i32 = 6;

export const SOL_SOCKET: i32 = 1;
export const SOL_NETLINK: i32 = 270;
export const SO_TYPE: i32 = 3;
export const SO_ERROR: i32 = 4;
export const SO_SNDBUF: i32 = 7;
export const SO_RCVBUF: i32 = 8;
export const SO_PASSCRED: i32 = 16;
export const SO_SNDBUFFORCE: i32 = 32;
export const SO_RCVBUFFORCE: i32 = 33;
export const SO_PROTOCOL: i32 = 38;
export const SO_DOMAIN: i32 = 39;
// The other SOL_SOCKET options netlink sockets answer (include/uapi/asm-generic/socket.h, x86-64).
export const SO_REUSEADDR: i32 = 2;
export const SO_DONTROUTE: i32 = 5;
export const SO_BROADCAST: i32 = 6;
export const SO_KEEPALIVE: i32 = 9;
export const SO_OOBINLINE: i32 = 10;
export const SO_PRIORITY: i32 = 12;
export const SO_LINGER: i32 = 13;
export const SO_PEERCRED: i32 = 17;
export const SO_RCVLOWAT: i32 = 18;
export const SO_SNDLOWAT: i32 = 19;
export const SO_RCVTIMEO_OLD: i32 = 20;
export const SO_SNDTIMEO_OLD: i32 = 21;
export const SO_BINDTODEVICE: i32 = 25;
export const SO_TIMESTAMP_OLD: i32 = 29;
export const SO_ACCEPTCONN: i32 = 30;
export const SO_PASSSEC: i32 = 34;
export const SO_MARK: i32 = 36;
export const SO_BUSY_POLL: i32 = 46;
export const SO_INCOMING_CPU: i32 = 49;
export const SO_COOKIE: i32 = 57;

export const NETLINK_ADD_MEMBERSHIP: i32 = 1;
export const NETLINK_DROP_MEMBERSHIP: i32 = 2;
export const NETLINK_PKTINFO: i32 = 3;
export const NETLINK_BROADCAST_ERROR: i32 = 4;
export const NETLINK_NO_ENOBUFS: i32 = 5;
export const NETLINK_LISTEN_ALL_NSID: i32 = 8;
export const NETLINK_LIST_MEMBERSHIPS: i32 = 9;
export const NETLINK_CAP_ACK: i32 = 10;
export const NETLINK_EXT_ACK: i32 = 11;
export const NETLINK_GET_STRICT_CHK: i32 = 12;

export const SCM_CREDENTIALS: i32 = 2;

export const MSG_OOB: i32 = 0x1;
export const MSG_PEEK: i32 = 0x2;
export const MSG_CTRUNC: i32 = 0x8;
export const MSG_TRUNC: i32 = 0x20;
export const MSG_DONTWAIT: i32 = 0x40;
