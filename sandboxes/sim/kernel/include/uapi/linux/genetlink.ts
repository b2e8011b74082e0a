/**
 * The generic netlink header that follows struct nlmsghdr, as a view over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/genetlink.h
 */

/** struct genlmsghdr. */
@unmanaged export class genlmsghdr {
  cmd: u8;
  version: u8;
  reserved: u16;
}
