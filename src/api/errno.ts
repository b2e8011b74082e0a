/**
 * Linux errno values (asm-generic/errno-base.h, errno.h) and the error a failing syscall rejects with.
 */

/** errno name → number, as on x86-64 Linux. */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOMSG: 42,
  EIDRM: 43,
  ENODATA: 61,
  ETIME: 62,
  ENOLINK: 67,
  EPROTO: 71,
  EBADMSG: 74,
  EOVERFLOW: 75,
  ENOTSOCK: 88,
  EDESTADDRREQ: 89,
  EMSGSIZE: 90,
  EPROTOTYPE: 91,
  ENOPROTOOPT: 92,
  EPROTONOSUPPORT: 93,
  ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95,
  EPFNOSUPPORT: 96,
  EAFNOSUPPORT: 97,
  EADDRINUSE: 98,
  EADDRNOTAVAIL: 99,
  ENETDOWN: 100,
  ENETUNREACH: 101,
  ECONNABORTED: 103,
  ECONNRESET: 104,
  ENOBUFS: 105,
  EISCONN: 106,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECONNREFUSED: 111,
  EHOSTUNREACH: 113,
  EALREADY: 114,
  EINPROGRESS: 115,
} as const;

export type ErrnoName = keyof typeof ERRNO;

const NAMES: Record<number, ErrnoName> = Object.fromEntries(Object.entries(ERRNO).map(([k, v]) => [v, k as ErrnoName]));

/** strerror(3) texts for the values learners meet most. */
const MESSAGES: Partial<Record<ErrnoName, string>> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EBADF: 'Bad file descriptor',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Cannot allocate memory',
  EFAULT: 'Bad address',
  EBUSY: 'Device or resource busy',
  EEXIST: 'File exists',
  ENODEV: 'No such device',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EDEADLK: 'Resource deadlock avoided',
  ENOSYS: 'Function not implemented',
  ENODATA: 'No data available',
  ETIME: 'Timer expired',
  ENOTSOCK: 'Socket operation on non-socket',
  EMSGSIZE: 'Message too long',
  ENOPROTOOPT: 'Protocol not available',
  EPROTONOSUPPORT: 'Protocol not supported',
  ESOCKTNOSUPPORT: 'Socket type not supported',
  EOPNOTSUPP: 'Operation not supported',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENOBUFS: 'No buffer space available',
  EISCONN: 'Transport endpoint is already connected',
  ENOTCONN: 'Transport endpoint is not connected',
  ETIMEDOUT: 'Connection timed out',
  ECONNREFUSED: 'Connection refused',
  EMFILE: 'Too many open files',
};

/** The name of an errno value ('EADDRINUSE'), or `E<n>` when it has none here. */
export function errnoName(errno: number): string {
  return NAMES[Math.abs(errno)] ?? `E${Math.abs(errno)}`;
}

/** strerror(errno). */
export function strerror(errno: number): string {
  const name = NAMES[Math.abs(errno)];
  return (name && MESSAGES[name]) ?? `Unknown error ${Math.abs(errno)}`;
}

/** What a failing syscall rejects with: like C's `-1` with `errno` set. */
export class ErrnoError extends Error {
  /** The positive errno value, e.g. 98. */
  readonly errno: number;
  /** Its name, e.g. 'EADDRINUSE'. */
  readonly code: string;
  /** The syscall that failed, e.g. 'bind'. */
  readonly syscall: string;

  constructor(syscall: string, errno: number) {
    const e = Math.abs(errno);
    super(`${syscall}: ${errnoName(e)} (${strerror(e)})`);
    this.name = 'ErrnoError';
    this.errno = e;
    this.code = errnoName(e);
    this.syscall = syscall;
  }
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(ErrnoError.prototype);
