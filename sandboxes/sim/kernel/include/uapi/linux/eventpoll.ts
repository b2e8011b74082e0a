/**
 * The poll events a netlink socket reports.
 *
 * Models Linux 6.18: include/uapi/linux/eventpoll.h
 */
export const EPOLLIN: i32 = 0x00000001;
export const EPOLLOUT: i32 = 0x00000004;
export const EPOLLERR: i32 = 0x00000008;
export const EPOLLRDNORM: i32 = 0x00000040;
export const EPOLLWRNORM: i32 = 0x00000100;
export const EPOLLWRBAND: i32 = 0x00000200;
