/**
 * The contract between the user-space API and a kernel. The simulated kernel
 * (sandboxes/sim/host) and the real-kernel bridge (sandboxes/real) each implement it, so one
 * program runs on either. Every method acts for the calling process; errors reject with ErrnoError.
 */
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
import type { Mapping, PollFd } from './fs.ts';

export interface Backend {
  /** 'sim' for the simulated kernel, 'real' for a Linux kernel. */
  readonly kind: 'sim' | 'real';

  socket(domain: number, type: number, protocol: number): Promise<number>;
  bind(fd: number, addr: SockAddr): Promise<number>;
  connect(fd: number, addr: SockAddr): Promise<number>;
  getsockname(fd: number): Promise<SockaddrNl>;
  getpeername(fd: number): Promise<SockaddrNl>;
  sendto(fd: number, buf: Uint8Array, flags: number, addr?: SockAddr): Promise<number>;
  sendmsg(fd: number, msg: MsgHdrOut, flags: number): Promise<number>;
  recvfrom(fd: number, buf: Uint8Array, flags: number): Promise<RecvFromResult>;
  recvmsg(fd: number, msg: MsgHdrIn, flags: number): Promise<RecvMsgResult>;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): Promise<number>;
  getsockopt(fd: number, level: number, name: number, optlen: number): Promise<SockoptRaw>;
  read(fd: number, buf: Uint8Array): Promise<number>;
  write(fd: number, buf: Uint8Array): Promise<number>;
  close(fd: number): Promise<number>;

  /** The calling process's id (its thread-group id). */
  getpid(): number;
  getuid(): number;
  /** Start another process running `main`; resolves to its pid once it exists. */
  spawn(main: () => Promise<void>, opts?: SpawnOptions): Promise<number>;
  /** Wait for a process to end; resolves to its exit status. */
  waitpid(pid: number): Promise<number>;
  /** Sleep: virtual time on the simulated kernel, wall time on a real one. */
  sleep(ms: number): Promise<void>;
  /** The current time in ms (CLOCK_MONOTONIC): virtual on the simulated kernel. */
  now(): number;

  /**
   * Load a kernel module (init_module). The real kernel loads the C module of the same name.
   * `params` is init_module's parameter string ('count=3 name=hi'), parsed as the kernel does.
   */
  insmod(mod: KernelModule, params?: string): Promise<number>;
  /** Unload a module by name (delete_module). */
  rmmod(name: string): Promise<number>;
  /** Read a file such as /proc/net/netlink. */
  readFile(path: string): Promise<string>;

  // ---- files (src/api/fs.ts); read, write and close above work on any descriptor ----
  /** open(2): resolves to the new descriptor. */
  open?(path: string, flags: number, mode: number): Promise<number>;
  /** lseek(2): the new offset. */
  lseek?(fd: number, offset: number, whence: number): Promise<number>;
  /**
   * ioctl(2). A number is passed as the argument itself (an integer, or an address: 0 faults);
   * bytes are a user buffer of that size whose contents the kernel may read and write in place.
   */
  ioctl?(fd: number, request: number, arg: number | Uint8Array): Promise<number>;
  /** mmap(2) of a file: a live view of what its mmap handler mapped. */
  mmap?(fd: number, length: number, prot: number, flags: number, offset: number): Promise<Mapping>;
  /** munmap(2). */
  munmap?(m: Mapping): Promise<number>;
  /** poll(2): fills each revents; resolves to how many have one (0 on timeout; timeout < 0 waits forever). */
  poll?(fds: PollFd[], timeout: number): Promise<number>;
  /** mknod(2): a device node (mode S_IFCHR | perms, dev from makedev). */
  mknod?(path: string, mode: number, dev: number): Promise<number>;
}

let current: Backend | null = null;

/** Choose the kernel that the API talks to (done by the runner before a program starts). */
export function setBackend(b: Backend | null): void {
  current = b;
}

/** The attached kernel, or null (unlike backend(), does not throw). */
export function currentBackend(): Backend | null {
  return current;
}

/** The kernel the API talks to. */
export function backend(): Backend {
  if (!current)
    throw new Error(
      'netlink-lab: no kernel is attached. Run the program with `npx netlink-lab run prog.ts` or in a lesson playground.',
    );
  return current;
}
