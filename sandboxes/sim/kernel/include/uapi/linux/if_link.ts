/**
 * Structs carried in IFLA_* attributes, as views over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/if_link.h
 */

/** struct ifla_cacheinfo: IFLA_INET6_CACHEINFO. */
@unmanaged export class ifla_cacheinfo {
  max_reasm_len: u32;
  tstamp: u32;
  reachable_time: u32;
  retrans_time: u32;
}
