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
import type {
  SockAddr, SockaddrNl, MsgHdrOut, MsgHdrIn, RecvFromResult, RecvMsgResult, SockoptRaw, SpawnOptions, KernelModule,
} from './types.ts';

export * from './uapi.ts';
export * from './nlmsg.ts';
export * from './genl.ts';
export { ERRNO, ErrnoError, errnoName, strerror } from './errno.ts';
export type * from './types.ts';

/** Run a syscall, report it to the observer, and rethrow its error unchanged. */
type Io<T> = (r: T) => Partial<SyscallEvent>;

function sys<T>(syscall: string, fd: number | undefined, run: () => Promise<T>, ret: (r: T) => number, io?: Io<T>): Promise<T> {
  // Nobody watching (benchmarks, the CLI without --trace): the kernel's own promise, no events,
  // no copies of the bytes (not even an async wrapper's extra promise).
  if (!observing()) {
    try { return run(); } catch (e) { return Promise.reject(e); }
  }
  return sysObserved(syscall, fd, run, ret, io);
}

async function sysObserved<T>(syscall: string, fd: number | undefined, run: () => Promise<T>, ret: (r: T) => number, io?: Io<T>): Promise<T> {
  const b = backend();
  const pid = b.getpid();
  const start = b.now();
  try {
    const r = await run();
    observe({ syscall, pid, fd, start, time: b.now(), ret: ret(r), ...(io ? io(r) : {}) });
    return r;
  } catch (e) {
    // A refused send still shows what it tried to send (its bytes do not depend on the result).
    if (e instanceof ErrnoError) observe({ syscall, pid, fd, start, time: b.now(), errno: e.errno, ...(io && SENDS.has(syscall) ? io(undefined as T) : {}) });
    throw e;
  }
}
const SENDS = new Set(['sendto', 'sendmsg', 'write']);
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
  sys('socket', undefined, () => backend().socket(domain, type, protocol), same, () => ({ socket: { domain, type, protocol } }));

/** bind(2): give the socket a port id (nl_pid) and multicast groups (nl_groups). */
export const bind = (fd: number, addr: SockAddr): Promise<number> => sys('bind', fd, () => backend().bind(fd, addr), same);

/** connect(2): set the default destination; AF_UNSPEC disconnects. */
export const connect = (fd: number, addr: SockAddr): Promise<number> => sys('connect', fd, () => backend().connect(fd, addr), same);

/** getsockname(2): the socket's own address. */
export const getsockname = (fd: number): Promise<SockaddrNl> => sys('getsockname', fd, () => backend().getsockname(fd), () => 0);

/** getpeername(2): the connected destination, (0, 0) when none. */
export const getpeername = (fd: number): Promise<SockaddrNl> => sys('getpeername', fd, () => backend().getpeername(fd), () => 0);

/** sendto(2): send one datagram to `addr` (or the connected peer); resolves to the bytes sent. */
export const sendto = (fd: number, buf: Uint8Array, flags = 0, addr?: SockAddr): Promise<number> =>
  sys('sendto', fd, () => backend().sendto(fd, buf, flags, addr), same, () => ({ data: buf.slice(), dir: 'out', addr: addrOf(addr) }));

/** sendmsg(2): send the concatenation of msg_iov as one datagram to msg_name. */
export const sendmsg = (fd: number, msg: MsgHdrOut, flags = 0): Promise<number> =>
  sys('sendmsg', fd, () => backend().sendmsg(fd, msg, flags), same, () => {
    const n = msg.msg_iov.reduce((s, v) => s + v.length, 0);
    const data = new Uint8Array(n);
    let o = 0;
    for (const v of msg.msg_iov) { data.set(v, o); o += v.length; }
    return { data, dir: 'out', addr: addrOf(msg.msg_name) };
  });

/** recvfrom(2): receive one datagram into `buf`; `n` is the return value (the full length with MSG_TRUNC). */
export const recvfrom = (fd: number, buf: Uint8Array, flags = 0): Promise<RecvFromResult> =>
  sys('recvfrom', fd, () => backend().recvfrom(fd, buf, flags), (r) => r.n,
    (r) => ({ data: buf.slice(0, Math.min(r.n, buf.length)), dir: 'in', addr: r.from }));

/** recvmsg(2): receive one datagram, scattered over msg_iov, with control messages. */
export const recvmsg = (fd: number, msg: MsgHdrIn, flags = 0): Promise<RecvMsgResult> =>
  sys('recvmsg', fd, () => backend().recvmsg(fd, msg, flags), (r) => r.n, (r) => {
    const parts: Uint8Array[] = [];
    let left = r.n;
    for (const v of msg.msg_iov) { if (left <= 0) break; parts.push(v.slice(0, Math.min(left, v.length))); left -= v.length; }
    const data = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) { data.set(p, o); o += p.length; }
    return { data, dir: 'in', addr: r.from };
  });

/** setsockopt(2): a number is passed as a 4-byte int, bytes as they are. */
export const setsockopt = (fd: number, level: number, name: number, value: number | Uint8Array): Promise<number> => {
  const bytes = typeof value === 'number' ? new Uint8Array(new Int32Array([value]).buffer) : value;
  return sys('setsockopt', fd, () => backend().setsockopt(fd, level, name, bytes), same);
};

/** getsockopt(2) exactly as C has it: the option's bytes and the optlen the kernel returned. */
export const getsockopt_raw = (fd: number, level: number, name: number, optlen = 4): Promise<SockoptRaw> =>
  sys('getsockopt', fd, () => backend().getsockopt(fd, level, name, optlen), () => 0);

/**
 * getsockopt(2): an integer option's value; for NETLINK_LIST_MEMBERSHIPS the bitmap's bytes.
 * `optlen` is the buffer size passed to the kernel (less than 4 gives EINVAL, as in C).
 */
export async function getsockopt(fd: number, level: number, name: number, optlen?: number): Promise<number | Uint8Array> {
  if (level === SOL_NETLINK && name === NETLINK_LIST_MEMBERSHIPS) {
    const r = await getsockopt_raw(fd, level, name, optlen ?? 64);
    return r.bytes.slice(0, Math.min(r.optlen, r.bytes.length));
  }
  const r = await getsockopt_raw(fd, level, name, optlen ?? 4);
  return new DataView(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength).getInt32(0, true);
}

/** read(2) on a socket: recv with no flags. */
export const read = (fd: number, buf: Uint8Array): Promise<number> =>
  sys('read', fd, () => backend().read(fd, buf), same, (n) => ({ data: buf.slice(0, Math.max(0, n)), dir: 'in' }));

/** write(2) on a socket: send to the connected peer. */
export const write = (fd: number, buf: Uint8Array): Promise<number> =>
  sys('write', fd, () => backend().write(fd, buf), same, () => ({ data: buf.slice(), dir: 'out' }));

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

/** insmod: load a kernel module (on a real kernel, the C module of the same name). */
export const insmod = (mod: KernelModule): Promise<number> => sys('init_module', undefined, () => backend().insmod(mod), same);
/** rmmod: unload a kernel module by name. */
export const rmmod = (name: string): Promise<number> => sys('delete_module', undefined, () => backend().rmmod(name), same);
/** Read a whole file, e.g. '/proc/net/netlink'. */
export const readFile = (path: string): Promise<string> => backend().readFile(path);
