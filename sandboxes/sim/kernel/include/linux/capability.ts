/** Capability numbers (include/uapi/linux/capability.h). Only what netlink checks. */
export const CAP_NET_BROADCAST: i32 = 11;
export const CAP_NET_ADMIN: i32 = 12;
export const CAP_SYS_ADMIN: i32 = 21;
