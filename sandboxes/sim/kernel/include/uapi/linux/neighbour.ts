/**
 * The header of RTM_{NEW,DEL,GET}NEIGH and its NDA_CACHEINFO, as views over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/neighbour.h
 */

/** struct ndmsg. */
@unmanaged export class ndmsg {
  ndm_family: u8;
  ndm_pad1: u8;
  ndm_pad2: u16;
  ndm_ifindex: i32;
  ndm_state: u16;
  ndm_flags: u8;
  ndm_type: u8;
}

/** struct nda_cacheinfo. */
@unmanaged export class nda_cacheinfo {
  ndm_confirmed: u32;
  ndm_used: u32;
  ndm_updated: u32;
  ndm_refcnt: u32;
}
