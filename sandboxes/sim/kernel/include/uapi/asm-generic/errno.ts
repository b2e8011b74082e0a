/**
 * errno values, as x86-64 Linux numbers them (include/uapi/asm-generic/errno-base.h, errno.h).
 * Kernel functions return them negated, like Linux.
 *
 * Models Linux 6.18: include/uapi/asm-generic/errno-base.h, errno.h
 */
export const EPERM: i32 = 1;
export const ENOENT: i32 = 2;
export const ESRCH: i32 = 3;
export const EINTR: i32 = 4;
export const EBADF: i32 = 9;
export const EAGAIN: i32 = 11;
export const ENOMEM: i32 = 12;
export const EFAULT: i32 = 14;
export const EBUSY: i32 = 16;
export const EEXIST: i32 = 17;
export const ENODEV: i32 = 19;
export const EINVAL: i32 = 22;
export const EMFILE: i32 = 24;
export const ERANGE: i32 = 34;
export const EDOM: i32 = 33;
export const EDEADLK: i32 = 35;
export const ENOSYS: i32 = 38;
export const ELOOP: i32 = 40;
export const ENODATA: i32 = 61;
export const EOVERFLOW: i32 = 75;
export const ENOTSOCK: i32 = 88;
export const EMSGSIZE: i32 = 90;
export const ENOPROTOOPT: i32 = 92;
export const EPROTONOSUPPORT: i32 = 93;
export const ESOCKTNOSUPPORT: i32 = 94;
export const EOPNOTSUPP: i32 = 95;
export const EAFNOSUPPORT: i32 = 97;
export const EADDRINUSE: i32 = 98;
export const ENOBUFS: i32 = 105;
export const ECONNREFUSED: i32 = 111;
/** Kernel-internal: "sleep and restart the syscall" (include/linux/errno.h). Never reaches user space. */
export const ERESTARTSYS: i32 = 512;
export const EADDRNOTAVAIL: i32 = 99;
export const ENETDOWN: i32 = 100;
export const ENETUNREACH: i32 = 101;
export const EHOSTUNREACH: i32 = 113;
