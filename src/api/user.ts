/**
 * netlink-lab/user — the user-space API a learner's program imports.
 *
 * Syscalls keep their C names and arguments, are async (a blocking call suspends only its own
 * process), and reject with ErrnoError where C would return -1 and set errno.
 */
import { backend } from './backend.ts';
import { ErrnoError } from './errno.ts';
import { observe, observing, type SyscallEvent } from './observe.ts';
import { AF_NETLINK, NETLINK_LIST_MEMBERSHIPS, SOL_NETLINK } from './uapi.ts';
import { O_RDONLY, type Mapping, type PollFd } from './fs.ts';
import type {
  SockAddr,
  SockaddrNl,
  MsgHdrOut,
  MsgHdrIn,
  RecvFromResult,
  RecvMsgResult,
  SockoptRaw,
  SpawnOptions,
  KernelModule,
} from './types.ts';

export * from './uapi.ts';
export * from './fs.ts';
export * from './nlmsg.ts';
export * from './genl.ts';
export * from './rtnl.ts';
export { ERRNO, ErrnoError, errnoName, strerror } from './errno.ts';
export type * from './types.ts';

/** Run a syscall, report it to the observer, and rethrow its error unchanged. */
type Io<T> = (r: T) => Partial<SyscallEvent>;

function sys<T>(
  syscall: string,
  fd: number | undefined,
  run: () => Promise<T>,
  ret: (r: T) => number,
  io?: Io<T>,
  input?: () => Partial<SyscallEvent>,
): Promise<T> {
  // Nobody watching (benchmarks, the CLI without --trace): the kernel's own promise, no events,
  // no copies of the bytes (not even an async wrapper's extra promise).
  if (!observing()) {
    try {
      return run();
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return sysObserved(syscall, fd, run, ret, io, input);
}

/** `input`: what the call was given (a path, the bytes written), recorded when it fails too. */
async function sysObserved<T>(
  syscall: string,
  fd: number | undefined,
  run: () => Promise<T>,
  ret: (r: T) => number,
  io?: Io<T>,
  input?: () => Partial<SyscallEvent>,
): Promise<T> {
  const b = backend();
  const pid = b.getpid();
  const start = b.now();
  const given = input ? input() : {};
  try {
    const r = await run();
    observe({ syscall, pid, fd, start, time: b.now(), ret: ret(r), ...given, ...(io ? io(r) : {}) });
    return r;
  } catch (e) {
    // A refused send still shows what it tried to send (its bytes do not depend on the result).
    if (e instanceof ErrnoError)
      observe({
        syscall,
        pid,
        fd,
        start,
        time: b.now(),
        errno: e.errno,
        ...given,
        ...(io && SENDS.has(syscall) ? io(undefined as T) : {}),
      });
    throw e;
  }
}
const SENDS = new Set(['sendto', 'sendmsg', 'write']);

// What the record keeps of a call is what the kernel was given and gave back, byte for byte: the
// bytes sent are copied once, before the call, and that copy is what the kernel gets; the bytes
// received go into a buffer of the API's own and are copied into the program's after. The copies
// use the typed arrays' own operations (captured here), never a method of the program's object,
// so a Uint8Array subclass whose slice() lies, or a buffer changed afterwards, changes nothing in
// the record (the class server verifies runs from it: src/server/harden.ts).
const TypedArrayProto = Object.getPrototypeOf(Uint8Array.prototype) as object;
const taLength = Object.getOwnPropertyDescriptor(TypedArrayProto, 'length')!.get!;
const taSet = (TypedArrayProto as { set: (a: ArrayLike<number>, offset?: number) => void }).set;
const taSubarray = (TypedArrayProto as { subarray: (a?: number, b?: number) => Uint8Array }).subarray;
/** A copy of the bytes of a Uint8Array (or of any array-like of bytes), as a plain Uint8Array. */
const copyBytes = (b: Uint8Array): Uint8Array => new Uint8Array(b);
/** The length of a typed array, from the typed array itself. */
const lengthOf = (b: Uint8Array): number => Reflect.apply(taLength, b, []) as number;
/** Whether `b` is a typed array (anything else goes to the kernel as it is, which refuses it as C would). */
const isBytes = (b: unknown): b is Uint8Array => ArrayBuffer.isView(b) && !(b instanceof DataView);
/** Put the first `n` bytes of `from` (the API's own buffer) into the program's `to`. */
const giveBack = (to: Uint8Array, from: Uint8Array, n: number): void => {
  const k = Math.max(0, Math.min(n, from.length));
  if (k > 0) Reflect.apply(taSet, to, [Reflect.apply(taSubarray, from, [0, k])]);
};
/** A sockaddr as plain data (an object of the program's could change after it is recorded). */
const copyAddr = (a: SockAddr | undefined): SockAddr | undefined =>
  a === undefined || a === null
    ? a
    : a instanceof Uint8Array
      ? copyBytes(a)
      : typeof a === 'object'
        ? { nl_family: a.nl_family, nl_pid: a.nl_pid, nl_groups: a.nl_groups }
        : a;
const copyFrom = <T extends SockaddrNl | undefined>(a: T): T =>
  (a ? { nl_family: a.nl_family, nl_pid: a.nl_pid, nl_groups: a.nl_groups } : a) as T;
const same = (n: number) => n;
const addrOf = (a?: SockAddr): SockaddrNl | undefined => (a && !(a instanceof Uint8Array) ? a : undefined);

/** The 12 bytes of a struct sockaddr_nl. */
export function sockaddr_nl(a: Partial<SockaddrNl> = {}): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint16(0, a.nl_family ?? AF_NETLINK, true);
  v.setUint32(4, (a.nl_pid ?? 0) >>> 0, true);
  v.setUint32(8, (a.nl_groups ?? 0) >>> 0, true);
  return b;
}

/** socket(2): a new socket; resolves to its file descriptor. */
export const socket = (domain: number, type: number, protocol: number): Promise<number> =>
  sys(
    'socket',
    undefined,
    () => backend().socket(domain, type, protocol),
    same,
    undefined,
    () => ({ socket: { domain, type, protocol } }),
  );

/** bind(2): give the socket a port id (nl_pid) and multicast groups (nl_groups). */
export const bind = (fd: number, addr: SockAddr): Promise<number> =>
  sys('bind', fd, () => backend().bind(fd, addr), same);

/** connect(2): set the default destination; AF_UNSPEC disconnects. */
export const connect = (fd: number, addr: SockAddr): Promise<number> =>
  sys('connect', fd, () => backend().connect(fd, addr), same);

/** getsockname(2): the socket's own address. */
export const getsockname = (fd: number): Promise<SockaddrNl> =>
  sys(
    'getsockname',
    fd,
    () => backend().getsockname(fd),
    () => 0,
  );

/** getpeername(2): the connected destination, (0, 0) when none. */
export const getpeername = (fd: number): Promise<SockaddrNl> =>
  sys(
    'getpeername',
    fd,
    () => backend().getpeername(fd),
    () => 0,
  );

/** sendto(2): send one datagram to `addr` (or the connected peer); resolves to the bytes sent. */
export const sendto = (fd: number, buf: Uint8Array, flags = 0, addr?: SockAddr): Promise<number> => {
  if (!observing() || !isBytes(buf))
    return sys(
      'sendto',
      fd,
      () => backend().sendto(fd, buf, flags, addr),
      same,
      () => ({ data: buf.slice(), dir: 'out', addr: addrOf(addr) }),
    );
  const data = copyBytes(buf);
  const to = copyAddr(addr);
  return sys(
    'sendto',
    fd,
    () => backend().sendto(fd, data, flags, to),
    same,
    () => ({ data: copyBytes(data), dir: 'out', addr: addrOf(copyAddr(to)) }),
  );
};

/** send(2): sendto without an address (the connected peer); x86-64's glibc makes the sendto syscall, so it is recorded as sendto. */
export const send = (fd: number, buf: Uint8Array, flags = 0): Promise<number> => sendto(fd, buf, flags);

/** sendmsg(2): send the concatenation of msg_iov as one datagram to msg_name. */
export const sendmsg = (fd: number, msg: MsgHdrOut, flags = 0): Promise<number> => {
  if (!observing() || !Array.isArray(msg?.msg_iov) || !msg.msg_iov.every(isBytes))
    return sys('sendmsg', fd, () => backend().sendmsg(fd, msg, flags), same);
  // The message as the kernel gets it, read once from the program's objects.
  const iov = Array.from(msg.msg_iov, copyBytes);
  const cmsgs = msg.msg_control
    ? Array.from(msg.msg_control, (c) => ({
        cmsg_level: c.cmsg_level,
        cmsg_type: c.cmsg_type,
        data: copyBytes(c.data),
      }))
    : undefined;
  const sent: MsgHdrOut = {
    ...(msg.msg_name !== undefined ? { msg_name: copyAddr(msg.msg_name) } : {}),
    msg_iov: iov,
    ...(cmsgs ? { msg_control: cmsgs } : {}),
  };
  return sys(
    'sendmsg',
    fd,
    () => backend().sendmsg(fd, sent, flags),
    same,
    () => {
      const n = iov.reduce((s, v) => s + v.length, 0);
      const data = new Uint8Array(n);
      let o = 0;
      for (const v of iov) {
        data.set(v, o);
        o += v.length;
      }
      const control = cmsgs?.map((c) => ({
        cmsg_level: c.cmsg_level,
        cmsg_type: c.cmsg_type,
        data: copyBytes(c.data),
      }));
      return {
        data,
        dir: 'out',
        addr: addrOf(copyAddr(sent.msg_name)),
        iov: iov.map((v) => v.length),
        ...(control?.length ? { control } : {}),
      };
    },
  );
};

/** recvfrom(2): receive one datagram into `buf`; `n` is the return value (the full length with MSG_TRUNC). */
export const recvfrom = (fd: number, buf: Uint8Array, flags = 0): Promise<RecvFromResult> => {
  if (!observing() || !isBytes(buf))
    return sys(
      'recvfrom',
      fd,
      () => backend().recvfrom(fd, buf, flags),
      (r) => r.n,
    );
  const own = new Uint8Array(lengthOf(buf));
  return sys(
    'recvfrom',
    fd,
    async () => {
      const r = await backend().recvfrom(fd, own, flags);
      giveBack(buf, own, r.n);
      return r;
    },
    (r) => r.n,
    (r) => ({ data: own.slice(0, Math.min(r.n, own.length)), dir: 'in', addr: copyFrom(r.from) }),
  );
};

/** recv(2): recvfrom without asking for the address; resolves to the return value (recorded as recvfrom, the syscall glibc makes). */
export const recv = async (fd: number, buf: Uint8Array, flags = 0): Promise<number> =>
  (await recvfrom(fd, buf, flags)).n;

/** recvmsg(2): receive one datagram, scattered over msg_iov, with control messages. */
export const recvmsg = (fd: number, msg: MsgHdrIn, flags = 0): Promise<RecvMsgResult> => {
  if (!observing() || !Array.isArray(msg?.msg_iov) || !msg.msg_iov.every(isBytes))
    return sys(
      'recvmsg',
      fd,
      () => backend().recvmsg(fd, msg, flags),
      (r) => r.n,
    );
  const theirs = Array.from(msg.msg_iov);
  const own = theirs.map((v) => new Uint8Array(lengthOf(v)));
  const asked: MsgHdrIn = { ...msg, msg_iov: own };
  return sys(
    'recvmsg',
    fd,
    async () => {
      const r = await backend().recvmsg(fd, asked, flags);
      let left = r.n;
      own.forEach((v, i) => {
        giveBack(theirs[i]!, v, left);
        left -= v.length;
      });
      return r;
    },
    (r) => r.n,
    (r) => {
      const parts: Uint8Array[] = [];
      let left = r.n;
      for (const v of own) {
        if (left <= 0) break;
        parts.push(v.slice(0, Math.min(left, v.length)));
        left -= v.length;
      }
      const data = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      const control = r.control.map((c) => ({
        cmsg_level: c.cmsg_level,
        cmsg_type: c.cmsg_type,
        data: c.data.slice(),
      }));
      return {
        data,
        dir: 'in',
        addr: copyFrom(r.from),
        iov: own.map((v) => v.length),
        control,
        msg_flags: r.msg_flags,
      };
    },
  );
};

/** setsockopt(2): a number is passed as a 4-byte int, bytes as they are. */
export const setsockopt = (fd: number, level: number, name: number, value: number | Uint8Array): Promise<number> => {
  const bytes = typeof value === 'number' ? new Uint8Array(new Int32Array([value]).buffer) : value;
  return sys(
    'setsockopt',
    fd,
    () => backend().setsockopt(fd, level, name, bytes),
    same,
    () => ({
      args: `level=${level}, optname=${name}${typeof value === 'number' ? `, value=${value}` : `, optlen=${bytes.length}`}`,
    }),
  );
};

/** getsockopt(2) exactly as C has it: the option's bytes and the optlen the kernel returned. */
export const getsockopt_raw = (fd: number, level: number, name: number, optlen = 4): Promise<SockoptRaw> =>
  sys(
    'getsockopt',
    fd,
    () => backend().getsockopt(fd, level, name, optlen),
    () => 0,
  );

/**
 * getsockopt(2): an integer option's value; for NETLINK_LIST_MEMBERSHIPS the bitmap's bytes.
 * `optlen` is the buffer size passed to the kernel (less than 4 gives EINVAL, as in C).
 */
export async function getsockopt(
  fd: number,
  level: number,
  name: number,
  optlen?: number,
): Promise<number | Uint8Array> {
  if (level === SOL_NETLINK && name === NETLINK_LIST_MEMBERSHIPS) {
    const r = await getsockopt_raw(fd, level, name, optlen ?? 64);
    return r.bytes.slice(0, Math.min(r.optlen, r.bytes.length));
  }
  const r = await getsockopt_raw(fd, level, name, optlen ?? 4);
  return new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).getInt32(0, true);
}

/** read(2): from a file at its offset (the offset moves), or on a socket recv with no flags. Resolves to the byte count, 0 at end of file. */
export const read = (fd: number, buf: Uint8Array): Promise<number> => {
  if (!observing() || !isBytes(buf)) return sys('read', fd, () => backend().read(fd, buf), same);
  const own = new Uint8Array(lengthOf(buf));
  return sys(
    'read',
    fd,
    async () => {
      const n = await backend().read(fd, own);
      giveBack(buf, own, n);
      return n;
    },
    same,
    (n) => ({ data: own.slice(0, Math.max(0, n)), dir: 'in' }),
  );
};

/** write(2): to a file at its offset, or on a socket send to the connected peer. */
export const write = (fd: number, buf: Uint8Array): Promise<number> => {
  // Recorded: the kernel and the record get one copy, which the program cannot change afterwards.
  const data = observing() && isBytes(buf) ? copyBytes(buf) : buf;
  return sys(
    'write',
    fd,
    () => backend().write(fd, data),
    same,
    undefined,
    () => ({ data: data === buf ? buf.slice() : copyBytes(data), dir: 'out' }),
  );
};

/** close(2). */
export const close = (fd: number): Promise<number> => sys('close', fd, () => backend().close(fd), same);

/** getpid(2): the calling process's id, which autobind uses as the port id. */
export const getpid = (): number => backend().getpid();
/** getuid(2). */
export const getuid = (): number => backend().getuid();

/** Start another process running `main` (like fork + exec of a function); resolves to its pid. */
export const spawn = (main: () => Promise<void>, opts?: SpawnOptions): Promise<number> => backend().spawn(main, opts);
/** waitpid(2): wait for a process started with spawn to end. */
export const waitpid = (pid: number): Promise<number> => backend().waitpid(pid);
/** Sleep `ms` milliseconds (virtual time on the simulated kernel). */
export const sleep = (ms: number): Promise<void> => backend().sleep(ms);
/** clock_gettime(CLOCK_MONOTONIC) in ms. */
export const now = (): number => backend().now();

/** A module's parameters as init_module takes them: 'a=1 b=x' (a record becomes that string). */
export function moduleParamString(params?: string | Record<string, string | number | boolean>): string {
  if (params === undefined) return '';
  if (typeof params === 'string') return params;
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'Y' : 'N') : v}`)
    .join(' ');
}

/**
 * insmod: load a kernel module (on a real kernel, the C module of the same name). `params` are the
 * module parameters, as after `insmod mod.ko`: 'count=3 name=hi' or { count: 3, name: 'hi' }; the
 * module object's own `params` (if any) come first.
 */
export const insmod = (
  mod: KernelModule,
  params?: string | Record<string, string | number | boolean>,
): Promise<number> => {
  const own = (mod as KernelModule & { params?: Record<string, string | number | boolean> }).params;
  const all = [moduleParamString(own), moduleParamString(params)].filter(Boolean).join(' ');
  return sys(
    'init_module',
    undefined,
    () => backend().insmod(mod, all || undefined),
    same,
    undefined,
    () => (all ? { args: all } : {}),
  );
};
/** rmmod: unload a kernel module by name. */
export const rmmod = (name: string): Promise<number> =>
  sys('delete_module', undefined, () => backend().rmmod(name), same);
/** Read a whole file, e.g. '/proc/net/netlink'. */
export const readFile = (path: string): Promise<string> => backend().readFile(path);

// ---- files (src/api/fs.ts) -----------------------------------------------------------------------

function need<K extends keyof import('./backend.ts').Backend>(name: K): NonNullable<import('./backend.ts').Backend[K]> {
  const b = backend();
  const f = b[name];
  if (typeof f !== 'function') throw new ErrnoError(String(name), 38 /* ENOSYS */);
  return (f as (...a: unknown[]) => unknown).bind(b) as NonNullable<import('./backend.ts').Backend[K]>;
}

/**
 * open(2): open `path` ('/proc/sys/net/core/somaxconn', '/dev/mydev', …); resolves to the lowest
 * free descriptor. flags: O_RDONLY (default), O_WRONLY or O_RDWR, with O_NONBLOCK, O_CLOEXEC, ….
 */
export const open = (path: string, flags = O_RDONLY, mode = 0): Promise<number> =>
  sys(
    'open',
    undefined,
    () => need('open')(path, flags, mode),
    same,
    undefined,
    () => ({ args: path }),
  );

/** lseek(2): move the file offset (SEEK_SET, SEEK_CUR, SEEK_END); resolves to the new offset. */
export const lseek = (fd: number, offset: number, whence: number): Promise<number> =>
  sys('lseek', fd, () => need('lseek')(fd, offset, whence), same);

/**
 * ioctl(2). `arg` is what C passes as the third argument: a number is passed as it is (an integer
 * command argument, or an address: 0 is NULL), a Uint8Array is a user buffer of its size that the
 * kernel reads (copy_from_user) and writes (copy_to_user) in place — size it with _IOC_SIZE(request).
 */
export const ioctl = (fd: number, request: number, arg: number | Uint8Array = 0): Promise<number> =>
  sys(
    'ioctl',
    fd,
    () => need('ioctl')(fd, request >>> 0, arg),
    same,
    () => (arg instanceof Uint8Array ? { data: arg.slice(), dir: 'in' } : {}),
    () => ({ args: `0x${(request >>> 0).toString(16)}, ${arg instanceof Uint8Array ? `buf[${arg.length}]` : arg}` }),
  );

/**
 * mmap(2) of an open file: `length` bytes from `offset` (a multiple of PAGE_SIZE), with PROT_* and
 * MAP_SHARED or MAP_PRIVATE. Resolves to a live view (Mapping) of what the file's mmap handler mapped.
 */
export const mmap = (fd: number, length: number, prot: number, flags: number, offset = 0): Promise<Mapping> =>
  sys(
    'mmap',
    fd,
    () => need('mmap')(fd, length, prot, flags, offset),
    (m) => m.addr,
  );

/** munmap(2): drop a mapping (the file's vm_ops close runs). */
export const munmap = (m: Mapping): Promise<number> => sys('munmap', undefined, () => need('munmap')(m), same);

/**
 * poll(2): wait until one of `fds` is ready for its `events` (POLLIN, POLLOUT, …) or `timeout` ms
 * pass (negative: no limit). Fills each `revents`; resolves to the number of descriptors with events.
 */
export const poll = (fds: PollFd[], timeout: number): Promise<number> =>
  sys('poll', undefined, () => need('poll')(fds, timeout), same);

/** mknod(2): make a device node, e.g. mknod('/dev/mydev', S_IFCHR | 0o600, makedev(major, 0)). Root only. */
export const mknod = (path: string, mode: number, dev: number): Promise<number> =>
  sys(
    'mknod',
    undefined,
    () => need('mknod')(path, mode, dev),
    same,
    undefined,
    () => ({ args: path }),
  );
