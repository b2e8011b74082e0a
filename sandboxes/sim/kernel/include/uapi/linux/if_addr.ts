/**
 * The header of RTM_{NEW,DEL,GET}ADDR and its IFA_CACHEINFO, as views over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/if_addr.h
 */

/** struct ifaddrmsg. */
@unmanaged export class ifaddrmsg {
  ifa_family: u8;
  ifa_prefixlen: u8;
  ifa_flags: u8;
  ifa_scope: u8;
  ifa_index: u32;
}

/** struct ifa_cacheinfo. */
@unmanaged export class ifa_cacheinfo {
  ifa_prefered: u32;
  ifa_valid: u32;
  cstamp: u32;
  tstamp: u32;
}
