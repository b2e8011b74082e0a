/**
 * SimKernel: the simulated Linux kernel as a netlink-lab Backend. Syscalls cross into the wasm
 * kernel through linear memory (the program's bytes are written into a scratch area with typed
 * views, then the sys_* export is called with pointers); a syscall that can complete at once
 * returns at once, one that must wait suspends its process in the scheduler and is retried when
 * the kernel wakes the socket it waits on.
 */
import { currentBackend, setBackend, type Backend } from '../../../src/api/backend.ts';
import { ErrnoError, ERRNO } from '../../../src/api/errno.ts';
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
  Cmsg,
} from '../../../src/api/types.ts';
import type { KernelApi } from '../../../src/api/kernel.ts';
import { KernelMemory, readSymbols, type KernelGc, type KernelExports, type KernelImports } from './wasm.ts';
import { Scheduler, type Process, type Waiter } from './sched.ts';
import { Tracer, formatTrace, traceArgs, type TraceEntry } from './trace.ts';
import { ModuleHost } from './modules.ts';
import { KernelFs, DEFAULT_CMDLINE } from './init/main.ts';
import type { WaitQueue, File } from './fs/vfs.ts';
import type { VfsKernelApi } from '../../../src/api/fs-kernel.ts';
import type { Mapping, PollFd } from '../../../src/api/fs.ts';

const ERESTARTSYS = 512;
const SOL_SOCKET = 1;
const SCM_CREDENTIALS = 2;
/** Where in the aux area sendmsg's scm_control goes: after the address (at most 128 bytes). */
const SCM_CONTROL = 128;
const SOL_NETLINK = 270;
const utf8 = new TextEncoder();

/** A socket as state() reports it. */
export interface SocketState {
  protocol: number;
  portid: number;
  /** Owner tgid (0 for kernel sockets). */
  pid: number;
  fd: number;
  bound: boolean;
  groups: number[];
  rmem: number;
  wmem: number;
  rcvbuf: number;
  sndbuf: number;
  drops: number;
  dump: boolean;
  connected: { pid: number; groups: number } | null;
  queue: { len: number; bytes: number; from: number; group: number }[];
  kernel: boolean;
}

/** The simulated machine at one moment. */
export interface KernelState {
  time: number;
  sockets: SocketState[];
  protocols: { unit: number; name: string; groups: number; flags: number; module?: string }[];
  families: unknown[];
  modules: { name: string; refs: number }[];
  processes: { pid: number; name: string; uid: number; state: Process['state']; waitingOn?: string }[];
  dmesg: string[];
  liveBuffers: number;
}

/** What the kernel reports as it runs. */
export type KernelEvent =
  | { kind: 'trace'; entry: TraceEntry }
  | { kind: 'printk'; level: number; text: string; time: number }
  | { kind: 'proc'; pid: number; name: string; state: Process['state']; time: number; reason?: string }
  | { kind: 'lockup'; text: string; time: number }
  | { kind: 'deadlock'; text: string; time: number };

/** Hooks other parts of the simulator add (generic netlink fills `families`). */
export interface StateHooks {
  families?: (k: SimKernel) => unknown[];
}

const PROTOCOL_NAMES: Record<number, string> = {
  0: 'NETLINK_ROUTE',
  2: 'NETLINK_USERSOCK',
  4: 'NETLINK_SOCK_DIAG',
  9: 'NETLINK_AUDIT',
  15: 'NETLINK_KOBJECT_UEVENT',
  16: 'NETLINK_GENERIC',
};

interface RawSock {
  id: number;
  protocol: number;
  portid: number;
  bound: boolean;
  pid: number;
  fd: number;
  groups: number[];
  rmem: number;
  rcvbuf: number;
  sndbuf: number;
  drops: number;
  err: number;
  dump: boolean;
  connected: boolean;
  dst_portid: number;
  dst_group: number;
  kernel: boolean;
  module: number;
  type: number;
  queue: { len: number; bytes: number; from: number; group: number }[];
}

/** The simulated kernel. Create it with createSimKernel(). */
export class SimKernel implements Backend {
  readonly kind = 'sim' as const;
  readonly ex: KernelExports;
  readonly mem: KernelMemory;
  readonly sched: Scheduler;
  readonly modules: ModuleHost;
  readonly hooks: StateHooks = {};
  /** Generic netlink families written in TypeScript (sandboxes/sim/host/genl.ts); netlink-lab/kernel's genl API finds it here. */
  genlHost: unknown;
  /** The files: VFS, procfs, sysfs, debugfs, sysctl, character devices, relay (host/init/main.ts). */
  readonly fs: KernelFs;
  /** poll() calls sleeping on a socket, by socket id (woken with its wait queue). */
  private readonly sockPollers = new Map<number, Set<() => void>>();
  private readonly tracer: Tracer;
  private readonly listeners = new Set<(e: KernelEvent) => void>();
  private readonly waitq = new Map<number, Set<Waiter>>();
  private tracing = false;
  private readonly utf8dec = new TextDecoder();
  /** The process running kernel code when no process does (boot, module init from outside). */
  private outsidePending: Promise<unknown>[] = [];
  /** Set when a kernel-to-kernel delivery chain runs away (a stack overflow in Linux): the syscall that started it fails with EDEADLK. */
  private lockedUp = false;
  /** Fixed kernel addresses: the 1 KiB aux area, where recvmsg leaves its details, the scratch buffer. */
  private aux = 0;
  private recvInfo = 0;
  private scratch = 0;
  private scratchSize = 0;

  /** The tracer: switch on, read, clear. */
  readonly trace = {
    enable: (on = true): void => {
      this.tracing = on;
      this.tracer.resetStacks();
      this.ex.trace_set(on ? 1 : 0);
    },
    entries: (): TraceEntry[] => this.tracer.entries.slice(),
    clear: (): void => this.tracer.clear(),
    text: (): string => formatTrace(this.tracer.entries),
  };

  constructor(
    instance: WebAssembly.Instance,
    module: WebAssembly.Module,
    imports: { bind(k: SimKernel): void },
    readonly gc: KernelGc,
  ) {
    this.ex = instance.exports as unknown as KernelExports;
    this.mem = new KernelMemory(this.ex.memory);
    this.tracer = new Tracer(readSymbols(module), (entry) => this.emit({ kind: 'trace', entry }));
    this.sched = new Scheduler({
      switchTo: (pid) => this.ex.sched_switch(pid),
      procEvent: (p, reason) =>
        this.emit({ kind: 'proc', pid: p.pid, name: p.name, state: p.state, time: this.sched.now, reason }),
      deadlock: (text) => {
        this.emit({ kind: 'deadlock', text, time: this.sched.now });
        this.printk(3, text);
      },
      exited: (p) => {
        this.ex.task_exit(p.pid);
        this.fs?.vfs.exitProcess(p.pid);
      },
    });
    this.modules = new ModuleHost({
      ex: this.ex,
      mem: this.mem,
      sched: this.sched,
      addPending: (p) => (this.sched.running ? this.sched.running.pending : this.outsidePending).push(p),
      tracing: () => this.tracing,
      traceHost: (fn, args, file) =>
        this.tracing ? this.tracer.enterHost(this.sched.running?.pid ?? 0, fn, args, this.sched.now, file) : null,
      traceHostExit: (e, ret) => this.tracer.exitHost(e, ret, this.sched.now),
      traceHostSuspend: (e) => this.tracer.suspend(e),
      spawnKthread: (name, main) => {
        this.sched.spawn(main, name, 0, (proc) => this.createTask(proc), true);
      },
      inSoftirq: (fn) => {
        const before = this.lockedUp;
        this.ex.k_softirq_enter();
        try {
          fn();
        } finally {
          if (!before) this.lockedUp = false;
        }
      },
    });
    this.fs = new KernelFs({
      sched: this.sched,
      printk: (t) => this.modules.printk(t),
      oops: (where, e) => this.modules.oops(where, e),
      addPending: (p) => (this.sched.running ? this.sched.running.pending : this.outsidePending).push(p),
      procNetNetlink: () => this.mem.str(this.ex.proc_net_netlink()),
      modules: () => this.modules.list(),
      owner: () => this.modules.loadingName(),
      trace: (fn, args) => {
        if (!this.tracing) return null;
        const e = this.tracer.enterHost(this.sched.running?.pid ?? 0, fn, args, this.sched.now, '');
        return (ret) => this.tracer.exitHost(e, ret, this.sched.now);
      },
      moduleGet: (name) => this.modules.moduleGet(name),
      modulePut: (name) => this.modules.modulePut(name),
    });
    this.modules.onLoad = (mod) => {
      // The module object's own `params` (factory modules carry them) for the parameters it declares, then insmod's string.
      const own = Object.entries(
        (mod as KernelModule & { params?: Record<string, string | number | boolean> }).params ?? {},
      )
        .filter(([k]) => (mod.kp ?? []).some((p) => p.name === k))
        .map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 'Y' : 'N') : v}`);
      const err = this.fs.moduleParams(mod, [...own, this.insmodParams].join(' ').trim());
      if (err < 0) return err;
      this.fs.sysmod.add(mod.name, mod.kp ?? [], () => this.modules.list().find((m) => m.name === mod.name)?.refs ?? 0);
      return 0;
    };
    this.modules.onUnload = (name) => {
      this.fs.sysmod.remove(name);
      this.fs.cleanupModule(name);
    };
    imports.bind(this);
    this.ex.boot();
    this.aux = this.ex.user_aux();
    this.recvInfo = this.ex.recv_info_ptr();
  }

  /** The imports the wasm kernel is instantiated with, bound to a kernel once it exists. */
  static imports(): {
    env: KernelImports & { abort(msg: number, file: number, line: number, col: number): void };
    bind(k: SimKernel): void;
  } {
    let k: SimKernel | null = null;
    const env = {
      ktime_get_ms: () => (k ? k.sched.now : 0),
      printk_emit: (level: number, line: number) => {
        if (!k) return;
        const text = k.mem.str(line);
        k.fs?.logRecord(level, text);
        if (k.listeners.size) k.emit({ kind: 'printk', level, text, time: k.sched.now });
      },
      trace_enter: (fn: number, fmt: number, a: number, b: number, c: number) => {
        if (k) k.tracer.enter(k.pid0(), k.fnName(fn), traceArgs(k.fnName(fmt), a, b, c), k.sched.now);
      },
      trace_exit: (ret: number, hasRet: number) => {
        if (k) k.tracer.exit(k.pid0(), hasRet ? ret : undefined, k.sched.now);
      },
      sk_wake: (id: number) => {
        if (!k) return;
        k.sched.wakeAll(k.waitq.get(id));
        const pollers = k.sockPollers.get(id);
        if (pollers) for (const f of [...pollers]) f();
      },
      file_release_host: (id: number) => {
        const f = k?.fs.vfs.file(id);
        if (f) k!.fs.vfs.fput(f);
      },
      netlink_rcv_host: (hostInput: number, skb: number) => {
        k?.modules.netlinkRcv(hostInput, skb);
      },
      netlink_rcv_msg_host: (cbId: number, skb: number, nlh: number, extack: number) =>
        k ? k.modules.rcvMsg(cbId, skb, nlh, extack) : -22,
      netlink_dump_host: (hostId: number, op: number, skb: number) => (k ? k.modules.dump(hostId, op, skb) : 0),
      soft_lockup: (text: number) => {
        if (!k) return;
        // A stack overflow: Linux 6.1 got there about 10 ms after the send, so no virtual time passes.
        k.lockedUp = true;
        k.emit({ kind: 'lockup', text: k.mem.str(text), time: k.sched.now });
      },
      abort: (msg: number, file: number, line: number, col: number) => {
        const text = k ? `${k.mem.str(msg)} at ${k.mem.str(file)}:${line}:${col}` : 'abort';
        throw new Error(`kernel BUG (the simulated kernel trapped; please report this): ${text}`);
      },
    };
    return {
      env,
      bind: (kernel: SimKernel) => {
        k = kernel;
      },
    };
  }

  private readonly fnNames = new Map<number, string>();
  private fnName(ptr: number): string {
    let s = this.fnNames.get(ptr);
    if (s === undefined) {
      s = this.mem.str(ptr);
      this.fnNames.set(ptr, s);
    }
    return s;
  }
  private pid0(): number {
    return this.sched.running?.pid ?? 0;
  }

  private emit(e: KernelEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Listen to live events; returns a function that stops listening. */
  onEvent(listener: (e: KernelEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The module API (netlink-lab/kernel dispatches here). */
  get kernelApi(): KernelApi {
    return this.modules;
  }

  // ---- memory helpers ------------------------------------------------------------------------

  private putAddr(addr: SockAddr | undefined): [number, number] {
    if (!addr) return [0, 0];
    const aux = this.aux;
    const m = this.mem.fresh();
    if (addr instanceof Uint8Array) {
      const n = Math.min(addr.length, 128);
      m.u8.set(addr.subarray(0, n), aux);
      return [aux, n];
    }
    m.dv.setUint16(aux, addr.nl_family, true);
    m.dv.setUint16(aux + 2, 0, true);
    m.dv.setUint32(aux + 4, addr.nl_pid >>> 0, true);
    m.dv.setUint32(aux + 8, addr.nl_groups >>> 0, true);
    return [aux, 12];
  }

  private readAddr(ptr: number): SockaddrNl {
    const dv = this.mem.fresh().dv;
    // nl_pid as the int it is in practice: autobound ports are negative (as the real bridge reports them).
    return {
      nl_family: dv.getUint16(ptr, true),
      nl_pid: dv.getInt32(ptr + 4, true),
      nl_groups: dv.getUint32(ptr + 8, true),
    };
  }

  /** The scratch buffer, at least `size` bytes, with `bytes` copied in. */
  private userBuf(bytes: Uint8Array | null, size: number): number {
    if (size > this.scratchSize) {
      this.scratch = this.ex.user_buf(size);
      this.scratchSize = Math.max(size, 65536);
    }
    if (bytes) this.mem.fresh().u8.set(bytes, this.scratch);
    return this.scratch;
  }

  /** Run fn as a process when called from outside one (the CLI, a test, the worker). */
  private async outside<T>(name: string, fn: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    let error: unknown;
    let failed = false;
    const p = this.sched.spawn(
      async () => {
        try {
          result = await fn();
        } catch (e) {
          failed = true;
          error = e;
        }
      },
      name,
      0,
      (proc) => this.createTask(proc),
    );
    if (p.state !== 'exited') await new Promise<void>((res) => p.exitWaiters.push(res));
    if (failed) throw error;
    return result as T;
  }

  private createTask(p: Process, parent = 0): void {
    const bytes = utf8.encode(p.name.slice(0, 15));
    const aux = this.ex.user_aux();
    this.mem.fresh().u8.set(bytes, aux);
    this.ex.task_create(p.pid, p.uid >>> 0, bytes.length, parent);
  }

  /** Sleep on socket `id`'s wait queue; false when `timeoutMs` (SO_RCVTIMEO/SNDTIMEO) ran out first. */
  private waitOn(id: number, reason: string, syscall: string, timeoutMs = 0): Promise<boolean> {
    let q = this.waitq.get(id);
    if (!q) {
      q = new Set();
      this.waitq.set(id, q);
    }
    const p = this.sched.running;
    if (p) p.syscall = syscall;
    return this.sched.block(reason, 'blocked', q, timeoutMs > 0 ? timeoutMs : undefined);
  }

  /** Wait for kernel-module code this syscall started (async input callbacks), then check the watchdog. */
  private async finish(syscall: string, r: number): Promise<number> {
    const p = this.sched.running;
    if (p) {
      while (p.pending.length) {
        const list = p.pending.splice(0);
        await Promise.all(list);
      }
    }
    if (this.lockedUp) {
      this.lockedUp = false;
      throw new ErrnoError(syscall, ERRNO.EDEADLK);
    }
    if (r < 0) throw new ErrnoError(syscall, -r);
    return r;
  }

  // ---- Backend: sockets ------------------------------------------------------------------------

  async socket(domain: number, type: number, protocol: number): Promise<number> {
    if (!this.sched.running) return this.outside('socket', () => this.socket(domain, type, protocol));
    this.gc.point();
    const r = this.ex.sys_socket(domain | 0, type | 0, protocol | 0);
    if (r < 0) throw new ErrnoError('socket', -r);
    return r;
  }

  async bind(fd: number, addr: SockAddr): Promise<number> {
    if (!this.sched.running) return this.outside('bind', () => this.bind(fd, addr));
    this.gc.point();
    const [p, n] = this.putAddr(addr);
    const r = this.ex.sys_bind(fd | 0, p, n);
    if (r < 0) throw new ErrnoError('bind', -r);
    return r;
  }

  async connect(fd: number, addr: SockAddr): Promise<number> {
    if (!this.sched.running) return this.outside('connect', () => this.connect(fd, addr));
    this.gc.point();
    const [p, n] = this.putAddr(addr);
    const r = this.ex.sys_connect(fd | 0, p, n);
    if (r < 0) throw new ErrnoError('connect', -r);
    return r;
  }

  async getsockname(fd: number): Promise<SockaddrNl> {
    return this.getname(fd, false);
  }
  async getpeername(fd: number): Promise<SockaddrNl> {
    return this.getname(fd, true);
  }

  private async getname(fd: number, peer: boolean): Promise<SockaddrNl> {
    if (!this.sched.running) return this.outside('getname', () => this.getname(fd, peer));
    this.gc.point();
    const aux = this.ex.user_aux();
    const r = this.ex.sys_getname(fd | 0, aux, peer ? 1 : 0);
    if (r < 0) throw new ErrnoError(peer ? 'getpeername' : 'getsockname', -r);
    return this.readAddr(aux);
  }

  sendto(fd: number, buf: Uint8Array, flags: number, addr?: SockAddr): Promise<number> {
    return this.send('sendto', fd, buf, flags, addr);
  }

  async sendmsg(fd: number, msg: MsgHdrOut, flags: number): Promise<number> {
    const n = msg.msg_iov.reduce((s, v) => s + v.length, 0);
    const all = new Uint8Array(n);
    let o = 0;
    for (const v of msg.msg_iov) {
      all.set(v, o);
      o += v.length;
    }
    return this.send('sendmsg', fd, all, flags, msg.msg_name, msg.msg_control);
  }

  /**
   * Control messages of sendmsg, read and checked as __scm_send does, and its verdict written into
   * the kernel's memory as the scm_control that sys_sendmsg takes in place of msg_control
   * (sandboxes/sim/kernel/net/core/scm.ts): the error it returns (-errno) or 0, and the last valid
   * SCM_CREDENTIALS, which netlink_sendmsg's scm_send puts in NETLINK_CB(skb).creds. Returns the
   * pointer to pass, or 0 when there are no control messages (msg_controllen 0). The host does this
   * because it owns the process's credentials.
   * Ref: net/core/scm.c:__scm_send, scm_check_creds
   */
  private scmSend(control: Cmsg[] | undefined): number {
    if (!control?.length) return 0;
    const p = this.sched.running!;
    let err = 0;
    let creds: [number, number, number] | null = null;
    for (const c of control) {
      if (c.cmsg_level !== SOL_SOCKET) continue;
      // SCM_RIGHTS is for AF_UNIX only; anything else at SOL_SOCKET is invalid too.
      if (c.cmsg_type !== SCM_CREDENTIALS || c.data.length !== 12) {
        err = -ERRNO.EINVAL;
        break;
      }
      const v = new DataView(c.data.buffer, c.data.byteOffset, 12);
      const pid = v.getInt32(0, true);
      const uid = v.getUint32(4, true);
      const gid = v.getUint32(8, true);
      const root = p.uid === 0;
      if (!((pid === p.pid || root) && (uid === p.uid || root) && (gid === p.uid || root))) {
        err = -ERRNO.EPERM;
        break;
      }
      creds = [pid, uid, gid];
    }
    // struct scm_control { i32 err; i32 has_creds; i32 pid; u32 uid; u32 gid; }, after the address.
    const at = this.aux + SCM_CONTROL;
    const dv = this.mem.fresh().dv;
    dv.setInt32(at, err, true);
    dv.setInt32(at + 4, creds ? 1 : 0, true);
    dv.setInt32(at + 8, creds?.[0] ?? 0, true);
    dv.setUint32(at + 12, (creds?.[1] ?? 0) >>> 0, true);
    dv.setUint32(at + 16, (creds?.[2] ?? 0) >>> 0, true);
    return at;
  }

  write(fd: number, buf: Uint8Array): Promise<number> {
    if (this.sched.running) {
      const host = this.ex.sys_fd_host(fd | 0);
      if (host > 0)
        return this.traced('vfs_write', `fd=${fd} count=${buf.length}`, () =>
          this.fs.vfs.write(this.fs.vfs.file(host)!, buf),
        ).then((r) => this.finish('write', r));
    }
    return this.send('write', fd, buf, 0, undefined);
  }

  // Not async: a send that completes at once (the usual case) costs no extra promise.
  private send(
    syscall: string,
    fd: number,
    buf: Uint8Array,
    flags: number,
    addr: SockAddr | undefined,
    control?: Cmsg[],
  ): Promise<number> {
    const proc = this.sched.running;
    if (!proc) return this.outside(syscall, () => this.send(syscall, fd, buf, flags, addr, control));
    this.gc.point();
    const p = this.userBuf(buf, buf.length);
    const [a, alen] = this.putAddr(addr);
    // The verdict goes in with the call; netlink_sendmsg's scm_send applies it after its MSG_OOB
    // and empty-message checks, as Linux's does (and the trace shows a refusal there).
    const cmsg = this.scmSend(control);
    const r = this.ex.sys_sendmsg(fd | 0, p, buf.length, flags | 0, a, alen, cmsg);
    if (r !== ERESTARTSYS && proc.pending.length === 0 && !this.lockedUp) {
      return r < 0 ? Promise.reject(new ErrnoError(syscall, -r)) : Promise.resolve(r);
    }
    return this.sendSlow(syscall, fd, r);
  }

  private async sendSlow(syscall: string, fd: number, r: number): Promise<number> {
    const timeo = this.ex.sys_sock_timeo(fd | 0, 0);
    const deadline = this.sched.now + timeo;
    while (r === ERESTARTSYS) {
      const left = timeo > 0 ? deadline - this.sched.now : 0;
      const woken =
        timeo > 0 && left <= 0
          ? false
          : await this.waitOn(this.ex.sys_wait_sock(1), `${syscall} on fd ${fd} (receiver full)`, syscall, left);
      // SO_SNDTIMEO ran out: netlink_unicast tries once more without waiting (queued, or -EAGAIN).
      r = woken ? this.ex.sys_sendmsg_restart(fd | 0) : this.ex.sys_sendmsg_restart_timeout(fd | 0);
    }
    return this.finish(syscall, r);
  }

  /** Receive into the scratch area, sleeping while the queue is empty. */
  private async recv(syscall: string, fd: number, len: number, flags: number): Promise<{ r: number; p: number }> {
    const timeo = this.ex.sys_sock_timeo(fd | 0, 1);
    const deadline = this.sched.now + timeo;
    for (;;) {
      this.gc.point();
      const p = this.userBuf(null, len);
      const r = this.ex.sys_recvmsg(fd | 0, p, len | 0, flags | 0);
      if (r !== -ERESTARTSYS) {
        if (r < 0) throw new ErrnoError(syscall, -r);
        return { r, p };
      }
      const left = timeo > 0 ? deadline - this.sched.now : 0;
      // SO_RCVTIMEO ran out: skb_recv_datagram gives -EAGAIN.
      if (timeo > 0 && left <= 0) throw new ErrnoError(syscall, ERRNO.EAGAIN);
      await this.waitOn(this.ex.sys_wait_sock(0), `${syscall} on fd ${fd}`, syscall, left);
    }
  }

  private fromAddr(): SockaddrNl {
    const dv = this.mem.fresh().dv;
    return {
      nl_family: 16,
      nl_pid: dv.getInt32(this.recvInfo + 4, true),
      nl_groups: dv.getUint32(this.recvInfo + 8, true),
    };
  }

  // Not async: a receive from a non-empty queue (the usual case) costs no extra promise.
  recvfrom(fd: number, buf: Uint8Array, flags: number): Promise<RecvFromResult> {
    if (!this.sched.running) return this.outside('recvfrom', () => this.recvfrom(fd, buf, flags));
    this.gc.point();
    const p = this.userBuf(null, buf.length);
    const r = this.ex.sys_recvmsg(fd | 0, p, buf.length, flags | 0);
    if (r === -ERESTARTSYS) return this.recvfromSlow(fd, buf, flags);
    if (r < 0) return Promise.reject(new ErrnoError('recvfrom', -r));
    buf.set(this.mem.fresh().u8.subarray(p, p + Math.min(r, buf.length)));
    return Promise.resolve({ n: r, from: this.fromAddr() });
  }

  private async recvfromSlow(fd: number, buf: Uint8Array, flags: number): Promise<RecvFromResult> {
    const { r, p } = await this.recv('recvfrom', fd, buf.length, flags);
    buf.set(this.mem.fresh().u8.subarray(p, p + Math.min(r, buf.length)));
    return { n: r, from: this.fromAddr() };
  }

  async read(fd: number, buf: Uint8Array): Promise<number> {
    if (!this.sched.running) return this.outside('read', () => this.read(fd, buf));
    const host = this.ex.sys_fd_host(fd | 0);
    if (host > 0)
      return this.finish(
        'read',
        await this.traced('vfs_read', `fd=${fd} count=${buf.length}`, () =>
          this.fs.vfs.read(this.fs.vfs.file(host)!, buf),
        ),
      );
    const { r, p } = await this.recv('read', fd, buf.length, 0);
    buf.set(this.mem.fresh().u8.subarray(p, p + Math.min(r, buf.length)));
    return r;
  }

  async recvmsg(fd: number, msg: MsgHdrIn, flags: number): Promise<RecvMsgResult> {
    if (!this.sched.running) return this.outside('recvmsg', () => this.recvmsg(fd, msg, flags));
    const total = msg.msg_iov.reduce((s, v) => s + v.length, 0);
    const { r, p } = await this.recv('recvmsg', fd, total, flags);
    const u8 = this.mem.fresh().u8;
    let left = Math.min(r, total);
    let o = p;
    for (const v of msg.msg_iov) {
      if (left <= 0) break;
      const n = Math.min(left, v.length);
      v.set(u8.subarray(o, o + n));
      o += n;
      left -= n;
    }
    const info = this.recvInfo;
    const dv = this.mem.fresh().dv;
    let msg_flags = dv.getInt32(info, true);
    const control: Cmsg[] = [];
    let room = msg.msg_controllen ?? 4096;
    // Ref: net/core/scm.c:put_cmsg — no room for a header: MSG_CTRUNC and nothing; room for less
    // than CMSG_LEN: MSG_CTRUNC and the data cut short; each takes CMSG_SPACE(len) of the room.
    const put = (level: number, type: number, data: Uint8Array) => {
      const cmlen = 16 + data.length;
      if (room < 16) {
        msg_flags |= 0x8;
        return;
      }
      let keep = data;
      if (room < cmlen) {
        msg_flags |= 0x8;
        keep = data.subarray(0, room - 16);
      }
      control.push({ cmsg_level: level, cmsg_type: type, data: keep });
      room -= Math.min(room, (cmlen + 7) & ~7);
    };
    if (dv.getInt32(info + 16, true)) {
      const d = new Uint8Array(4);
      new DataView(d.buffer).setUint32(0, dv.getUint32(info + 12, true), true);
      put(SOL_NETLINK, 3, d);
    }
    if (dv.getInt32(info + 20, true)) {
      const d = new Uint8Array(12);
      const v = new DataView(d.buffer);
      v.setInt32(0, dv.getInt32(info + 24, true), true);
      v.setUint32(4, dv.getUint32(info + 28, true), true);
      v.setUint32(8, dv.getUint32(info + 32, true), true);
      put(SOL_SOCKET, SCM_CREDENTIALS, d);
    }
    return {
      n: r,
      msg_flags,
      from: { nl_family: 16, nl_pid: dv.getInt32(info + 4, true), nl_groups: dv.getUint32(info + 8, true) },
      control,
    };
  }

  async setsockopt(fd: number, level: number, name: number, value: Uint8Array): Promise<number> {
    if (!this.sched.running) return this.outside('setsockopt', () => this.setsockopt(fd, level, name, value));
    this.gc.point();
    const p = this.userBuf(value, value.length);
    const r = this.ex.sys_setsockopt(fd | 0, level | 0, name | 0, p, value.length);
    return this.finish('setsockopt', r);
  }

  async getsockopt(fd: number, level: number, name: number, optlen: number): Promise<SockoptRaw> {
    if (!this.sched.running) return this.outside('getsockopt', () => this.getsockopt(fd, level, name, optlen));
    this.gc.point();
    const size = Math.max(0, Math.min(optlen | 0, 1 << 16));
    const p = this.userBuf(null, Math.max(size, 4));
    this.mem.fresh().u8.fill(0, p, p + size);
    const r = this.ex.sys_getsockopt(fd | 0, level | 0, name | 0, p, optlen | 0);
    if (r < 0) throw new ErrnoError('getsockopt', -r);
    return { optlen: r, bytes: this.mem.fresh().u8.slice(p, p + size) };
  }

  async close(fd: number): Promise<number> {
    if (!this.sched.running) return this.outside('close', () => this.close(fd));
    this.gc.point();
    const r = this.ex.sys_close(fd | 0);
    if (r < 0) throw new ErrnoError('close', -r);
    // A file's ->release may sleep: close returns after it.
    if (this.sched.running.pending.length) return this.finish('close', r);
    return r;
  }

  // ---- Backend: files ------------------------------------------------------------------------

  /** Run a file syscall's body as a traced host function (its return value: a number, or 0 for an object). */
  private async traced<T>(fn: string, args: string, body: () => Promise<T>): Promise<T> {
    if (!this.tracing) return body();
    const e = this.tracer.enterHost(this.sched.running?.pid ?? 0, fn, args, this.sched.now, '');
    let ret: number | undefined;
    try {
      const r = await body();
      ret = typeof r === 'number' ? r : 0;
      return r;
    } finally {
      this.tracer.exitHost(e, ret, this.sched.now);
    }
  }

  /** The module file API (netlink-lab/kernel's file functions dispatch here). */
  get vfsApi(): VfsKernelApi {
    return this.fs.api;
  }

  /** The host file behind fd, or the errno to fail with (sockets: `sock`). */
  private hostFile(fd: number, sock: number): File | number {
    const id = this.ex.sys_fd_host(fd | 0);
    if (id < 0) return -id;
    if (id === 0) return sock;
    return this.fs.vfs.file(id) ?? ERRNO.EBADF;
  }

  async open(path: string, flags: number, mode: number): Promise<number> {
    if (!this.sched.running) return this.outside('open', () => this.open(path, flags, mode));
    this.gc.point();
    if (typeof path !== 'string') throw new ErrnoError('open', ERRNO.EFAULT);
    const r = await this.traced(
      'do_sys_openat2',
      `filename=${path} flags=0x${(flags >>> 0).toString(16)}`,
      async () => {
        const f = await this.fs.vfs.open(path, flags | 0, mode | 0);
        if (typeof f === 'number') return f;
        const fd = this.ex.sys_fd_install_host(f.id, (flags & 0o4000) !== 0 ? 1 : 0);
        if (fd < 0) this.fs.vfs.fput(f);
        return fd;
      },
    );
    return this.finish('open', r);
  }

  async lseek(fd: number, offset: number, whence: number): Promise<number> {
    if (!this.sched.running) return this.outside('lseek', () => this.lseek(fd, offset, whence));
    const f = this.hostFile(fd, ERRNO.ESPIPE);
    if (typeof f === 'number') throw new ErrnoError('lseek', f);
    return this.finish(
      'lseek',
      await this.traced('vfs_llseek', `fd=${fd} offset=${offset} whence=${whence}`, async () =>
        this.fs.vfs.lseek(f, Math.trunc(offset), whence | 0),
      ),
    );
  }

  async ioctl(fd: number, request: number, arg: number | Uint8Array): Promise<number> {
    if (!this.sched.running) return this.outside('ioctl', () => this.ioctl(fd, request, arg));
    this.gc.point();
    const f = this.hostFile(fd, ERRNO.ENOTTY);
    if (typeof f === 'number') {
      // A socket: netlink has no ioctls of its own (sock_do_ioctl → -ENOTTY), but the generic ones work.
      if (f === ERRNO.ENOTTY && (request === 0x5451 || request === 0x5450)) return 0;
      throw new ErrnoError('ioctl', f);
    }
    return this.finish(
      'ioctl',
      await this.traced('do_vfs_ioctl', `fd=${fd} cmd=0x${(request >>> 0).toString(16)}`, () =>
        this.fs.vfs.ioctl(f, request >>> 0, arg, () => {}),
      ),
    );
  }

  async mmap(fd: number, length: number, prot: number, flags: number, offset: number): Promise<Mapping> {
    if (!this.sched.running) return this.outside('mmap', () => this.mmap(fd, length, prot, flags, offset));
    const f = this.hostFile(fd, ERRNO.ENODEV);
    if (typeof f === 'number') throw new ErrnoError('mmap', f);
    const m = await this.traced(
      'do_mmap',
      `fd=${fd} len=${length} prot=0x${prot.toString(16)} flags=0x${flags.toString(16)} off=${offset}`,
      () => this.fs.vfs.mmap(f, length, prot | 0, flags | 0, offset),
    );
    if (typeof m === 'number') {
      await this.finish('mmap', m);
      throw new ErrnoError('mmap', -m);
    }
    await this.finish('mmap', 0);
    return m;
  }

  async munmap(m: Mapping): Promise<number> {
    if (!this.sched.running) return this.outside('munmap', () => this.munmap(m));
    if (!m || typeof m.addr !== 'number') throw new ErrnoError('munmap', ERRNO.EINVAL);
    return this.finish('munmap', this.fs.vfs.munmap(m));
  }

  async mknod(path: string, mode: number, dev: number): Promise<number> {
    if (!this.sched.running) return this.outside('mknod', () => this.mknod(path, mode, dev));
    return this.finish('mknod', this.fs.chr.sys_mknod(path, mode | 0, dev >>> 0, this.sched.running.uid));
  }

  /** poll(2). Ref: fs/select.c:do_poll */
  async poll(fds: PollFd[], timeout: number): Promise<number> {
    if (!this.sched.running) return this.outside('poll', () => this.poll(fds, timeout));
    if (fds.length > 1024) throw new ErrnoError('poll', ERRNO.EINVAL);
    const deadline = timeout > 0 ? this.sched.now + timeout : 0;
    for (;;) {
      const queues: WaitQueue[] = [];
      const socks: number[] = [];
      let count = 0;
      for (const p of fds) {
        p.revents = 0;
        if (p.fd < 0) continue;
        const id = this.ex.sys_fd_host(p.fd | 0);
        let mask: number;
        if (id < 0)
          mask = 0x20; // POLLNVAL
        else if (id === 0) {
          mask = this.ex.sys_sock_poll(p.fd | 0);
          socks.push(this.ex.sock_id_of_fd(p.fd | 0));
        } else mask = this.fs.vfs.pollFile(this.fs.vfs.file(id)!, queues);
        // POLLERR, POLLHUP and POLLNVAL are reported whether asked for or not.
        mask &= (p.events & 0xffff) | 0x8 | 0x10 | 0x20;
        p.revents = mask;
        if (mask) count++;
      }
      if (count || timeout === 0) return count;
      const left = timeout > 0 ? deadline - this.sched.now : undefined;
      if (left !== undefined && left <= 0) return 0;
      const q = new Set<import('./sched.ts').Waiter>();
      const wake = () => this.sched.wakeAll(q);
      for (const wq of queues) wq.pollers.add(wake);
      for (const id of socks) {
        let set = this.sockPollers.get(id);
        if (!set) {
          set = new Set();
          this.sockPollers.set(id, set);
        }
        set.add(wake);
        this.ex.sock_set_sleeper(id);
      }
      this.sched.running.syscall = 'poll';
      try {
        await this.sched.block('poll', 'blocked', q, left);
      } finally {
        for (const wq of queues) wq.pollers.delete(wake);
        for (const id of socks) this.sockPollers.get(id)?.delete(wake);
      }
    }
  }

  // ---- Backend: processes and time -------------------------------------------------------------

  getpid(): number {
    const p = this.sched.running;
    if (!p) throw new Error('getpid(): no process is running (start the program with spawn() or run()).');
    return p.pid;
  }

  getuid(): number {
    const p = this.sched.running;
    if (!p) throw new Error('getuid(): no process is running (start the program with spawn() or run()).');
    return p.uid;
  }

  async spawn(main: () => Promise<void>, opts: SpawnOptions = {}): Promise<number> {
    const parent = this.sched.running;
    const uid = opts.uid ?? parent?.uid ?? 0;
    // Like fork(): the child shares the parent's open sockets (close them in both to release them).
    const p = this.sched.spawn(main, opts.name ?? (parent ? parent.name : 'main'), uid, (proc) =>
      this.createTask(proc, parent?.pid ?? 0),
    );
    return p.pid;
  }

  async waitpid(pid: number): Promise<number> {
    const p = this.sched.procs.get(pid);
    if (!p) throw new ErrnoError('waitpid', ERRNO.ECHILD);
    if (p.state !== 'exited') {
      const self = this.sched.running;
      if (self) {
        const q = new Set<Waiter>();
        p.exitWaiters.push(() => this.sched.wakeAll(q));
        self.syscall = 'waitpid';
        while ((p.state as string) !== 'exited') await this.sched.block(`waitpid(${pid})`, 'blocked', q);
      } else {
        await new Promise<void>((res) => p.exitWaiters.push(res));
      }
    }
    return p.status;
  }

  async sleep(ms: number): Promise<void> {
    if (!this.sched.running) return this.outside('sleep', () => this.sleep(ms));
    this.sched.running.syscall = 'nanosleep';
    await this.sched.block(`sleep(${ms})`, 'sleeping', null, Math.max(0, ms));
  }

  now(): number {
    return this.sched.now;
  }

  /** Run `main` as the first process and resolve once every process has ended. */
  async run(main: () => Promise<void>, opts: SpawnOptions = {}): Promise<{ status: number; error?: unknown }> {
    const pid = await this.spawn(main, { name: 'main', ...opts });
    const p = this.sched.procs.get(pid)!;
    await this.sched.whenIdle();
    return { status: p.status, error: p.error };
  }

  // ---- Backend: modules and files --------------------------------------------------------------

  /** The parameter string of the insmod in progress (load_module's mod->args). */
  private insmodParams = '';

  async insmod(mod: KernelModule, params?: string): Promise<number> {
    if (!this.sched.running) return this.outside('insmod', () => this.insmod(mod, params));
    this.gc.point();
    this.insmodParams = params ?? '';
    const r = await this.modules.insmod(mod);
    await this.finish('init_module', 0);
    return r;
  }

  async rmmod(name: string): Promise<number> {
    if (!this.sched.running) return this.outside('rmmod', () => this.rmmod(name));
    this.gc.point();
    return this.modules.rmmod(name);
  }

  /** Read a whole file as the calling process (open, read until 0, close), as `cat` does. */
  async readFile(path: string): Promise<string> {
    if (path === '/dev/kmsg' || path === '/proc/kmsg' || path === '/proc/net/protocols') return this.readFileSync(path);
    if (!this.sched.running) {
      if (path === '/proc/net/netlink' || path === '/proc/modules' || path === '/proc/cmdline')
        return this.readFileSync(path);
      return this.outside('readFile', () => this.readFile(path));
    }
    const f = await this.fs.vfs.open(path, 0, 0);
    if (typeof f === 'number') throw new ErrnoError('open', -f);
    try {
      const parts: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const buf = new Uint8Array(4096);
        const n = await this.fs.vfs.read(f, buf);
        if (n < 0) throw new ErrnoError('read', -n);
        if (n === 0 || total > 1 << 20) break;
        parts.push(buf.subarray(0, n));
        total += n;
      }
      const all = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      return this.utf8dec.decode(all);
    } finally {
      this.fs.vfs.fput(f);
    }
  }

  /** Files the simulated kernel provides (synchronously, without a process: for state views). */
  readFileSync(path: string): string {
    switch (path) {
      case '/proc/net/netlink':
        return this.mem.str(this.ex.proc_net_netlink());
      case '/dev/kmsg':
      case '/proc/kmsg':
        return this.dmesg().join('\n') + '\n';
      case '/proc/modules':
        return (
          this.modules
            .list()
            .map((m) => `${m.name} 16384 ${m.refs} - Live 0x0000000000000000`)
            .join('\n') + (this.modules.modules.size ? '\n' : '')
        );
      case '/proc/cmdline':
        return `${this.fs.cmdline}\n`;
      case '/proc/net/protocols':
        return (
          this.state()
            .protocols.map((p) => `${p.unit}\t${p.name}\tgroups=${p.groups}${p.module ? `\tmodule=${p.module}` : ''}`)
            .join('\n') + '\n'
        );
    }
    throw new ErrnoError('open', ERRNO.ENOENT);
  }

  /**
   * Boot parameters: the command line (/proc/cmdline, early_param, __setup, `mod.param=`) and the
   * modules built into the kernel, whose init runs now (do_initcalls). Called once, before the program.
   */
  async bootWith(cmdline: string = DEFAULT_CMDLINE, builtin: KernelModule[] = []): Promise<void> {
    if (!builtin.length) {
      this.fs.cmdline = cmdline;
      return this.fs.boot(cmdline, [], async () => {});
    }
    // Built-in code calls netlink-lab/kernel, which needs this kernel attached while it boots.
    const attached = currentBackend();
    if (!attached) setBackend(this);
    try {
      await this.bootBuiltin(cmdline, builtin);
    } finally {
      if (!attached) setBackend(null);
    }
  }

  private async bootBuiltin(cmdline: string, builtin: KernelModule[]): Promise<void> {
    await this.outside('swapper', () =>
      this.fs.boot(cmdline, builtin, async (mod) => {
        this.insmodParams = '';
        const saved = this.modules.onLoad;
        // Built-in: the parameters came from the command line, not from insmod.
        this.modules.onLoad = () => 0;
        try {
          await this.modules.insmod(mod);
        } catch (e) {
          this.printk(3, `initcall ${mod.name}_init returned ${e instanceof ErrnoError ? -e.errno : String(e)}`);
        } finally {
          this.modules.onLoad = saved;
        }
      }),
    );
  }

  /** The kernel log, oldest first. */
  dmesg(): string[] {
    const n = this.ex.dmesg_count();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.mem.str(this.ex.dmesg_line(i)));
    return out;
  }

  /** printk from the host (deadlock reports). */
  printk(level: number, text: string): void {
    this.modules.printk(`\x01${level}${text}`);
  }

  /** sk_buffs alive: returns to its baseline when nothing leaks. */
  liveBuffers(): number {
    return this.ex.live_buffers();
  }

  /** Everything the kernel-state panel shows. */
  state(): KernelState {
    const raw = JSON.parse(this.mem.str(this.ex.state_json())) as {
      sockets: RawSock[];
      protocols: { unit: number; groups: number; flags: number; module: number }[];
    };
    return {
      time: this.sched.now,
      sockets: raw.sockets.map((s) => ({
        protocol: s.protocol,
        portid: s.portid | 0,
        pid: s.pid,
        fd: s.fd,
        bound: s.bound,
        groups: s.groups,
        rmem: s.rmem,
        wmem: 0,
        rcvbuf: s.rcvbuf,
        sndbuf: s.sndbuf,
        drops: s.drops,
        dump: s.dump,
        connected: s.connected
          ? { pid: s.dst_portid | 0, groups: s.dst_group ? 1 << ((s.dst_group - 1) & 31) : 0 }
          : null,
        queue: s.queue.map((q) => ({ len: q.len, bytes: q.bytes, from: q.from | 0, group: q.group })),
        kernel: s.kernel,
      })),
      protocols: raw.protocols.map((p) => {
        const module = p.module ? this.modules.nameOf(p.module) : undefined;
        return {
          unit: p.unit,
          name: PROTOCOL_NAMES[p.unit] ?? `unit ${p.unit}`,
          groups: p.groups,
          flags: p.flags,
          ...(module ? { module } : {}),
        };
      }),
      families: this.hooks.families ? this.hooks.families(this) : [],
      modules: this.modules.list().map((m) => ({ name: m.name, refs: m.refs })),
      processes: [...this.sched.procs.values()].map((p) => ({
        pid: p.pid,
        name: p.name,
        uid: p.uid,
        state: p.state,
        ...(p.waitingOn ? { waitingOn: p.waitingOn } : {}),
      })),
      dmesg: this.dmesg(),
      liveBuffers: this.liveBuffers(),
    };
  }
}

export { DEFAULT_CMDLINE };
