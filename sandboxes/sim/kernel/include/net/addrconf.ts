/**
 * What IPv4 and IPv6 address code share.
 *
 * Models Linux 6.18: include/net/addrconf.h
 */

/** The lifetime of a permanent address (ifa_prefered, ifa_valid). */
export const INFINITY_LIFE_TIME: u32 = 0xffffffff;
