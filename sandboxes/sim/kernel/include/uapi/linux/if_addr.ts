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

// ifa_flags / IFA_FLAGS
export const IFA_F_SECONDARY: u32 = 0x01;
export const IFA_F_TEMPORARY: u32 = IFA_F_SECONDARY;
export const IFA_F_NODAD: u32 = 0x02;
export const IFA_F_OPTIMISTIC: u32 = 0x04;
export const IFA_F_DADFAILED: u32 = 0x08;
export const IFA_F_HOMEADDRESS: u32 = 0x10;
export const IFA_F_DEPRECATED: u32 = 0x20;
export const IFA_F_TENTATIVE: u32 = 0x40;
export const IFA_F_PERMANENT: u32 = 0x80;
export const IFA_F_MANAGETEMPADDR: u32 = 0x100;
export const IFA_F_NOPREFIXROUTE: u32 = 0x200;
export const IFA_F_MCAUTOJOIN: u32 = 0x400;
export const IFA_F_STABLE_PRIVACY: u32 = 0x800;
