/**
 * The fixed headers of the rtnetlink messages, read and written in place through these views
 * (`rtm.rtm_table`, `ifm.ifi_index`), as the C reads them through `nlmsg_data(nlh)`.
 * sizeof(struct X) is offsetof<X>().
 *
 * Models Linux 6.18: include/uapi/linux/rtnetlink.h
 */

/** struct rtgenmsg: the header of a dump request that names only a family. */
@unmanaged export class rtgenmsg {
  rtgen_family: u8;
}

/** struct ifinfomsg: RTM_{NEW,DEL,GET,SET}LINK. */
@unmanaged export class ifinfomsg {
  ifi_family: u8;
  __ifi_pad: u8;
  ifi_type: u16;
  ifi_index: i32;
  ifi_flags: u32;
  ifi_change: u32;
}

/** struct rtmsg: RTM_{NEW,DEL,GET}ROUTE. */
@unmanaged export class rtmsg {
  rtm_family: u8;
  rtm_dst_len: u8;
  rtm_src_len: u8;
  rtm_tos: u8;
  rtm_table: u8;
  rtm_protocol: u8;
  rtm_scope: u8;
  rtm_type: u8;
  rtm_flags: u32;
}

/** struct rtnexthop: one hop of RTA_MULTIPATH. */
@unmanaged export class rtnexthop {
  rtnh_len: u16;
  rtnh_flags: u8;
  rtnh_hops: u8;
  rtnh_ifindex: i32;
}

/** struct rta_cacheinfo: RTA_CACHEINFO of a route. */
@unmanaged export class rta_cacheinfo {
  rta_clntref: u32;
  rta_lastuse: u32;
  rta_expires: i32;
  rta_error: u32;
  rta_used: u32;
  rta_id: u32;
  rta_ts: u32;
  rta_tsage: u32;
}

// ---- message types, rtm_flags, rtm_scope, rtm_protocol (include/uapi/linux/rtnetlink.h) ----

export const RTM_BASE: i32 = 16;
export const RTM_NEWLINK: i32 = 16;
export const RTM_DELLINK: i32 = 17;
export const RTM_GETLINK: i32 = 18;
export const RTM_SETLINK: i32 = 19;
export const RTM_NEWADDR: i32 = 20;
export const RTM_DELADDR: i32 = 21;
export const RTM_GETADDR: i32 = 22;
export const RTM_NEWROUTE: i32 = 24;
export const RTM_DELROUTE: i32 = 25;
export const RTM_GETROUTE: i32 = 26;
export const RTM_NEWNEIGH: i32 = 28;
export const RTM_DELNEIGH: i32 = 29;
export const RTM_GETNEIGH: i32 = 30;
export const RTM_NEWRULE: i32 = 32;
export const RTM_DELRULE: i32 = 33;
export const RTM_GETRULE: i32 = 34;
export const RTM_NEWNETCONF: i32 = 80;
export const RTM_DELNETCONF: i32 = 81;
export const RTM_GETNETCONF: i32 = 82;
export const RTM_MAX: i32 = 123;
export const RTM_F_NOTIFY: u32 = 0x100;
export const RTM_F_CLONED: u32 = 0x200;
export const RTM_F_PREFIX: u32 = 0x800;
export const RTM_F_LOOKUP_TABLE: u32 = 0x1000;
export const RTM_F_FIB_MATCH: u32 = 0x2000;
export const RT_SCOPE_UNIVERSE: u8 = 0;
export const RT_SCOPE_LINK: u8 = 253;
export const RT_SCOPE_HOST: u8 = 254;
export const RT_SCOPE_NOWHERE: u8 = 255;
export const RTPROT_UNSPEC: u8 = 0;
export const RTPROT_KERNEL: u8 = 2;
export const RTPROT_BOOT: u8 = 3;
