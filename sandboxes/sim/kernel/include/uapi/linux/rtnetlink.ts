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
