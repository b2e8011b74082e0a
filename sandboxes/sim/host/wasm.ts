/**
 * Loading the kernel's wasm and reading its memory: typed views that follow memory growth, and
 * AssemblyScript strings (UTF-16, byte length in the word before the pointer).
 */

/** The raw exports of build/kernel.wasm (see sandboxes/sim/kernel/index.ts). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  boot(): void;
  user_buf(n: number): number;
  user_aux(): number;
  kbuf(n: number): number;
  task_create(pid: number, uid: number, commLen: number, parent: number): void;
  task_exit(pid: number): void;
  sched_switch(pid: number): void;
  trace_set(on: number): void;
  sys_socket(family: number, type: number, protocol: number): number;
  sys_bind(fd: number, addr: number, addrlen: number): number;
  sys_connect(fd: number, addr: number, addrlen: number): number;
  sys_getname(fd: number, out: number, peer: number): number;
  /** `control`: an scm_control the host wrote (net/core/scm.ts), or 0 for no control messages. */
  sys_sendmsg(
    fd: number,
    buf: number,
    len: number,
    flags: number,
    addr: number,
    addrlen: number,
    control: number,
  ): number;
  sys_sendmsg_restart(fd: number): number;
  sys_sendmsg_restart_timeout(fd: number): number;
  sys_recvmsg(fd: number, buf: number, len: number, flags: number): number;
  sys_wait_sock(send: number): number;
  sys_setsockopt(fd: number, level: number, name: number, val: number, optlen: number): number;
  sys_getsockopt(fd: number, level: number, name: number, out: number, optlen: number): number;
  sys_close(fd: number): number;
  sock_id_of_fd(fd: number): number;
  sys_sock_timeo(fd: number, rcv: number): number;
  sys_sock_poll(fd: number): number;
  sock_set_sleeper(id: number): void;
  sys_fd_install_host(id: number, nonblock: number): number;
  sys_fd_host(fd: number): number;
  recv_info_ptr(): number;
  k_netlink_kernel_create(unit: number, groups: number, flags: number, hostInput: number, moduleId: number): number;
  k_netlink_kernel_release(id: number): void;
  k_alloc_skb(size: number): number;
  k_nlmsg_new(payload: number): number;
  k_nlmsg_put(skb: number, portid: number, seq: number, type: number, len: number, flags: number): number;
  k_nlmsg_end(skb: number, nlh: number): void;
  k_skb_put(skb: number, len: number): number;
  k_skb_data(skb: number): number;
  k_skb_len(skb: number): number;
  k_netlink_cb(skb: number): number;
  k_netlink_cb_set(skb: number, portid: number, dstGroup: number): void;
  k_netlink_unicast(id: number, skb: number, portid: number, nonblock: number): number;
  k_netlink_broadcast(id: number, skb: number, portid: number, group: number): number;
  k_netlink_has_listeners(id: number, group: number): number;
  k_kfree_skb(skb: number): void;
  k_skb_get(skb: number): void;
  k_softirq_enter(): void;
  k_netlink_rcv_skb(skb: number, cbId: number): number;
  k_netlink_ack(skb: number, nlh: number, err: number): void;
  k_netlink_extack(extack: number, ptr: number, len: number, missType: number): void;
  k_netlink_dump_start(id: number, skb: number, nlh: number, hostId: number, minDumpAlloc: number): number;
  k_printk(level: number, ptr: number, len: number): void;
  live_buffers(): number;
  /** The garbage collector (AssemblyScript's minimal runtime): call only with no kernel frame active. */
  __collect(): void;
  proc_net_netlink(): number;
  module_refcount(id: number): number;
  state_json(): number;
  dmesg_count(): number;
  dmesg_line(i: number): number;
}

/** The host functions the kernel imports (module "env"). */
export interface KernelImports {
  ktime_get_ms(): number;
  printk_emit(level: number, line: number): void;
  /** A traced function's entry: its name, and up to three numbers printed by a format (traceArgs). */
  trace_enter(fn: number, fmt: number, a: number, b: number, c: number): void;
  trace_exit(ret: number, hasRet: number): void;
  sk_wake(id: number): void;
  netlink_rcv_host(hostInput: number, skb: number): void;
  netlink_rcv_msg_host(cbId: number, skb: number, nlh: number, extack: number): number;
  netlink_dump_host(hostId: number, op: number, skb: number): number;
  soft_lockup(text: number): void;
  /** The last descriptor of a host VFS file closed: run its ->release. */
  file_release_host(id: number): void;
}

/**
 * When the kernel's garbage is collected.
 *
 * The kernel is built with AssemblyScript's minimal runtime: no shadow stack (which would cost every
 * kernel function a frame of spilled references, more than the request/ACK path's own work), so
 * the collector cannot see references held in wasm locals and must run only when no kernel frame
 * is on the stack. The host calls point() before a syscall enters the kernel: it collects when the
 * kernel's memory grew since the last collection, and otherwise every EVERY points. JavaScript that
 * runs inside a kernel call (a TypeScript module's input, a generic netlink family's doit) runs
 * with the gate closed (wrapImports), so no collection happens there.
 */
export class KernelGc {
  static readonly EVERY = 1024;
  private depth = 0;
  private ticks = 0;
  /** Collections run (for tests). */
  collections = 0;

  constructor(
    private readonly ex: () => Pick<KernelExports, '__collect'>,
    private readonly mem: () => KernelMemory,
  ) {}

  /** A safe point: collect if it is time. */
  point(): void {
    if (this.depth !== 0) return;
    // `grew` is set by the views' fresh(), which the host calls after every kernel call it reads from.
    if (++this.ticks < KernelGc.EVERY && !this.mem().grew) return;
    this.ticks = 0;
    this.ex().__collect();
    this.mem().grew = false;
    this.collections++;
  }

  /**
   * The imports with every function that can run JavaScript calling back into the kernel wrapped
   * to close the gate; `leaves` never do (they only read memory or record something).
   */
  wrapImports<T extends object>(env: T, leaves: ReadonlySet<string>): T {
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(env)) {
      if (typeof f !== 'function' || leaves.has(name)) {
        out[name] = f;
        continue;
      }
      out[name] = (...args: unknown[]) => {
        this.depth++;
        try {
          return (f as (...a: unknown[]) => unknown)(...args);
        } finally {
          this.depth--;
        }
      };
    }
    return out as T;
  }
}

/** Typed views on the kernel's memory that are re-made when memory grows. */
export class KernelMemory {
  private buf: ArrayBuffer;
  u8: Uint8Array;
  dv: DataView;
  /** The memory grew since the garbage collector last ran (KernelGc clears it). */
  grew = false;
  private readonly utf16 = new TextDecoder('utf-16le');

  constructor(private readonly memory: WebAssembly.Memory) {
    this.buf = memory.buffer;
    this.u8 = new Uint8Array(this.buf);
    this.dv = new DataView(this.buf);
  }

  /** Re-make the views if memory grew (call after anything that may allocate in the kernel). */
  fresh(): this {
    // Growing memory detaches the old buffer (its views read as empty): cheaper to test than memory.buffer.
    if (this.u8.byteLength === 0) {
      this.grew = true;
      this.buf = this.memory.buffer;
      this.u8 = new Uint8Array(this.buf);
      this.dv = new DataView(this.buf);
    }
    return this;
  }

  /** An AssemblyScript string at ptr. */
  str(ptr: number): string {
    if (!ptr) return '';
    this.fresh();
    const len = this.dv.getUint32(ptr - 4, true);
    return this.utf16.decode(this.u8.subarray(ptr, ptr + len));
  }
}

/** The symbol table build.mjs embedded: function name → [file, line]. */
export function readSymbols(mod: WebAssembly.Module): Record<string, [string, number]> {
  const sections = WebAssembly.Module.customSections(mod, 'netlink-lab.symbols');
  if (!sections.length) return {};
  return JSON.parse(new TextDecoder().decode(sections[0])) as Record<string, [string, number]>;
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(KernelMemory.prototype);
