/**
 * The option structs of SOL_SOCKET that a netlink socket reads and writes, as views over the
 * caller's bytes.
 *
 * Models Linux 6.18: include/linux/socket.h
 */

/** struct linger: SO_LINGER. */
@unmanaged export class linger {
  l_onoff: i32;
  l_linger: i32;
}

/** struct ucred: SO_PEERCRED, SCM_CREDENTIALS. */
@unmanaged export class ucred {
  pid: i32;
  uid: u32;
  gid: u32;
}
