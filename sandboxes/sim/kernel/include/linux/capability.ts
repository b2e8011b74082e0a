/**
 * Capability numbers (include/uapi/linux/capability.h). Only what netlink checks.
 *
 * Models Linux 6.18: include/uapi/linux/capability.h
 */
export const CAP_NET_BROADCAST: i32 = 11;
export const CAP_NET_ADMIN: i32 = 12;
export const CAP_SYS_ADMIN: i32 = 21;
