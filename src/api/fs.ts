/**
 * Files for netlink-lab/user: open, lseek, ioctl, mmap, munmap, poll, mknod, with their uapi
 * constants (x86-64 values, from include/uapi/asm-generic/fcntl.h, linux/fs.h, asm-generic/mman*.h,
 * asm-generic/poll.h, asm-generic/ioctl.h, linux/stat.h, linux/kdev_t.h).
 *
 * read, write and close (user.ts) work on any descriptor, socket or file. A descriptor is one
 * number space: open() gets the lowest free number, as socket() does.
 */

// ---- open(2) flags (asm-generic/fcntl.h) --------------------------------------------------------
export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_SYNC = 0o4010000;
export const O_PATH = 0o10000000;

// ---- lseek(2) whence (linux/fs.h) -------------------------------------------------------------
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;
export const SEEK_DATA = 3;
export const SEEK_HOLE = 4;

// ---- mmap(2) (asm-generic/mman-common.h, linux/mman.h) ------------------------------------------
export const PROT_NONE = 0x0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_POPULATE = 0x8000;
/** The page size of x86-64 (4 KiB): mmap's offset must be a multiple of it. */
export const PAGE_SIZE = 4096;

// ---- poll(2) events (asm-generic/poll.h) ------------------------------------------------------
export const POLLIN = 0x0001;
export const POLLPRI = 0x0002;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;
export const POLLRDNORM = 0x0040;
export const POLLRDBAND = 0x0080;
export const POLLWRNORM = 0x0100;
export const POLLWRBAND = 0x0200;

// ---- file types and permission bits (linux/stat.h) ----------------------------------------------
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;
export const S_IRWXU = 0o700;
export const S_IRUSR = 0o400;
export const S_IWUSR = 0o200;
export const S_IXUSR = 0o100;
export const S_IRWXG = 0o070;
export const S_IRGRP = 0o040;
export const S_IWGRP = 0o020;
export const S_IXGRP = 0o010;
export const S_IRWXO = 0o007;
export const S_IROTH = 0o004;
export const S_IWOTH = 0o002;
export const S_IXOTH = 0o001;
export const S_IRUGO = 0o444;
export const S_IWUGO = 0o222;

// ---- ioctl request numbers (asm-generic/ioctl.h) ------------------------------------------------
export const _IOC_NRBITS = 8;
export const _IOC_TYPEBITS = 8;
export const _IOC_SIZEBITS = 14;
export const _IOC_DIRBITS = 2;
export const _IOC_NRSHIFT = 0;
export const _IOC_TYPESHIFT = _IOC_NRSHIFT + _IOC_NRBITS;
export const _IOC_SIZESHIFT = _IOC_TYPESHIFT + _IOC_TYPEBITS;
export const _IOC_DIRSHIFT = _IOC_SIZESHIFT + _IOC_SIZEBITS;
export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;

/** A type letter ('k') or its code. */
export type IocType = string | number;
const typeCode = (t: IocType): number => (typeof t === 'string' ? t.charCodeAt(0) : t) & 0xff;

/** _IOC(dir, type, nr, size): an ioctl request number, as an unsigned 32-bit value. */
export function _IOC(dir: number, type: IocType, nr: number, size: number): number {
  return (
    (((dir & 3) << _IOC_DIRSHIFT) |
      (typeCode(type) << _IOC_TYPESHIFT) |
      ((nr & 0xff) << _IOC_NRSHIFT) |
      ((size & 0x3fff) << _IOC_SIZESHIFT)) >>>
    0
  );
}
/** _IO(type, nr): a request with no argument. */
export const _IO = (type: IocType, nr: number): number => _IOC(_IOC_NONE, type, nr, 0);
/** _IOR(type, nr, size): the kernel writes `size` bytes to the user's buffer (C passes the type; pass sizeof, e.g. 4 for int). */
export const _IOR = (type: IocType, nr: number, size: number): number => _IOC(_IOC_READ, type, nr, size);
/** _IOW(type, nr, size): the kernel reads `size` bytes from the user's buffer. */
export const _IOW = (type: IocType, nr: number, size: number): number => _IOC(_IOC_WRITE, type, nr, size);
/** _IOWR(type, nr, size): both. */
export const _IOWR = (type: IocType, nr: number, size: number): number => _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);
/** The direction bits of a request (_IOC_READ | _IOC_WRITE). */
export const _IOC_DIR = (nr: number): number => (nr >>> _IOC_DIRSHIFT) & 3;
/** The type letter's code. */
export const _IOC_TYPE = (nr: number): number => (nr >>> _IOC_TYPESHIFT) & 0xff;
/** The command number within the type. */
export const _IOC_NR = (nr: number): number => (nr >>> _IOC_NRSHIFT) & 0xff;
/** The argument's size in bytes. */
export const _IOC_SIZE = (nr: number): number => (nr >>> _IOC_SIZESHIFT) & 0x3fff;

// ---- device numbers (what glibc's makedev/major/minor compute; the kernel's new_encode_dev) -----
/** makedev(3): a dev_t from major and minor. */
export const makedev = (ma: number, mi: number): number =>
  ((mi & 0xff) | ((ma & 0xfff) << 8) | ((mi & ~0xff) << 12)) >>> 0;
/** major(3). */
export const major = (dev: number): number => (dev >>> 8) & 0xfff;
/** minor(3). */
export const minor = (dev: number): number => (dev & 0xff) | ((dev >>> 12) & 0xfff00);

// ---- structures ---------------------------------------------------------------------------------

/** struct pollfd: `revents` is filled in by poll(). */
export interface PollFd {
  fd: number;
  events: number;
  revents?: number;
}

/**
 * A mapping made by mmap(): a live view of the pages the file's mmap handler mapped. Reads see what
 * the kernel wrote since; writes are seen by the kernel at once. Async because on a real kernel the
 * memory lives in the agent process that made the call.
 */
export interface Mapping {
  /** The address mmap returned (in the process's address space). */
  readonly addr: number;
  /** The length asked for. */
  readonly length: number;
  /** The protection asked for (PROT_*). */
  readonly prot: number;
  /** `len` bytes from `offset` (default: from 0 to the end). Reading a PROT_NONE/unmapped range rejects with EFAULT. */
  read(offset?: number, len?: number): Promise<Uint8Array>;
  /** Store `bytes` at `offset` (rejects with EFAULT without PROT_WRITE or past the end). */
  write(offset: number, bytes: Uint8Array): Promise<void>;
}
