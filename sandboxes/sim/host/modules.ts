/**
 * Kernel modules written in TypeScript: insmod/rmmod bookkeeping and the kernel API they call
 * (netlink-lab/kernel's KernelApi), implemented on the wasm kernel's k_* exports.
 */
import { ErrnoError, ERRNO } from '../../../src/api/errno.ts';
import type { KernelModule } from '../../../src/api/types.ts';
import type {
  KernelApi,
  NetlinkSock,
  NetlinkKernelCfg,
  SkBuff,
  NlMsgHdr,
  NetlinkCb,
  Completion,
  NetlinkDumpControl,
  NetlinkCallback,
  Net,
  timer_list,
  work_struct,
} from '../../../src/api/kernel.ts';
import type { KernelExports, KernelMemory } from './wasm.ts';
import type { netlink_ext_ack } from '../../../src/api/genl-kernel.ts';
import type { KernelTimer, Scheduler, Waiter } from './sched.ts';
import type { TraceEntry } from './trace.ts';

/** What the module host needs from the kernel around it. */
export interface ModuleContext {
  ex: KernelExports;
  mem: KernelMemory;
  sched: Scheduler;
  /** Run kernel-module code that may be async in the current process; its promise is awaited before the syscall returns. */
  addPending(p: Promise<unknown>): void;
  /** Whether the tracer is on (checked before building a trace entry's text). */
  tracing(): boolean;
  /** Record a host-side kernel function's entry; null when the tracer is off. */
  traceHost(fn: string, args: string, file: string): TraceEntry | null;
  /** That function returned (an async one: its promise settled). */
  traceHostExit(e: TraceEntry, ret?: number): void;
  /** That function returned a promise: its frames wait aside while the wasm call it ran in unwinds. */
  traceHostSuspend(e: TraceEntry): void;
  /** Start a kernel thread (a kworker) running `main`; it ends when main settles. */
  spawnKthread(name: string, main: () => Promise<void>): void;
  /** Run `fn` as a softirq: on the idle task, whose soft-lockup count starts afresh; a lockup it causes fails no syscall. */
  inSoftirq(fn: () => void): void;
}

/** A timer's state, kept beside the module's timer_list object. */
interface TimerState {
  fn: (t: timer_list) => void;
  module: string;
  armed: KernelTimer | null;
}
/** A work item's state: queued (pending), running, and who waits for it to finish. */
interface WorkState {
  fn: (w: work_struct) => void | Promise<void>;
  module: string;
  pending: boolean;
  running: boolean;
  waiters: Set<Waiter>;
}

class Skb implements SkBuff {
  /** Hard-private: module code gets the skb, never the module host and its context behind it. */
  readonly #m: ModuleHost;
  constructor(
    m: ModuleHost,
    readonly ptr: number,
  ) {
    this.#m = m;
  }
  get len(): number {
    return this.#m.ctx.ex.k_skb_len(this.ptr);
  }
  get data(): Uint8Array {
    const { ex, mem } = this.#m.ctx;
    const p = ex.k_skb_data(this.ptr);
    return mem.fresh().u8.subarray(p, p + ex.k_skb_len(this.ptr));
  }
}

class Nlh implements NlMsgHdr {
  constructor(
    private readonly mem: KernelMemory,
    readonly ptr: number,
  ) {}
  private get dv() {
    return this.mem.fresh().dv;
  }
  get nlmsg_len() {
    return this.dv.getUint32(this.ptr, true);
  }
  set nlmsg_len(v) {
    this.dv.setUint32(this.ptr, v >>> 0, true);
  }
  get nlmsg_type() {
    return this.dv.getUint16(this.ptr + 4, true);
  }
  set nlmsg_type(v) {
    this.dv.setUint16(this.ptr + 4, v, true);
  }
  get nlmsg_flags() {
    return this.dv.getUint16(this.ptr + 6, true);
  }
  set nlmsg_flags(v) {
    this.dv.setUint16(this.ptr + 6, v, true);
  }
  get nlmsg_seq() {
    return this.dv.getUint32(this.ptr + 8, true);
  }
  set nlmsg_seq(v) {
    this.dv.setUint32(this.ptr + 8, v >>> 0, true);
  }
  get nlmsg_pid() {
    return this.dv.getUint32(this.ptr + 12, true);
  }
  set nlmsg_pid(v) {
    this.dv.setUint32(this.ptr + 12, v >>> 0, true);
  }
}

class Sock implements NetlinkSock {
  constructor(
    readonly id: number,
    readonly unit: number,
    readonly module: string,
  ) {}
}

interface Loaded {
  id: number;
  mod: KernelModule;
  socks: Set<Sock>;
  timers: Set<timer_list>;
  works: Set<work_struct>;
}
interface Input {
  fn: (skb: SkBuff) => void | Promise<void>;
  module: string;
  unit: number;
}
interface Dump {
  control: NetlinkDumpControl;
  cb: NetlinkCallback;
  module: string;
}

const utf8 = new TextEncoder();

/** The loaded modules and the KernelApi they use. */
export class ModuleHost implements KernelApi {
  readonly modules = new Map<string, Loaded>();
  private nextModuleId = 1;
  private readonly inputs = new Map<number, Input>();
  private nextInput = 1;
  private readonly rcvCbs = new Map<number, (skb: SkBuff, nlh: NlMsgHdr, extack: netlink_ext_ack) => number>();
  private nextRcvCb = 1;
  private readonly dumps = new Map<number, Dump>();
  private nextDump = 1;
  /** The module whose init is running (netlink_kernel_create's owner). */
  private loading: Loaded | null = null;

  /** References held outside the wasm kernel: open files whose fops have `owner` (try_module_get). */
  readonly hostRefs = new Map<string, number>();
  /** try_module_get / module_put for a module by name (a no-op for '' = the kernel). */
  moduleGet(name: string): void {
    if (name && this.modules.has(name)) this.hostRefs.set(name, (this.hostRefs.get(name) ?? 0) + 1);
  }
  modulePut(name: string): void {
    const n = (this.hostRefs.get(name) ?? 0) - 1;
    if (n > 0) this.hostRefs.set(name, n);
    else this.hostRefs.delete(name);
  }

  /** Before init: the module's parameters are parsed and its /sys/module entry made (-errno fails the load). */
  onLoad: ((mod: KernelModule) => number) | null = null;
  /** After exit (or a failed init): its /sys/module entry goes, and what it left registered. */
  onUnload: ((name: string) => void) | null = null;

  constructor(readonly ctx: ModuleContext) {}

  // ---- insmod / rmmod ----------------------------------------------------------------------

  async insmod(mod: KernelModule): Promise<number> {
    if (!mod || typeof mod.name !== 'string' || typeof mod.init !== 'function') {
      throw new Error(
        'insmod: expected a module made with defineModule({ name, init, exit }) from netlink-lab/kernel.',
      );
    }
    if (this.modules.has(mod.name)) throw new ErrnoError('init_module', ERRNO.EEXIST);
    const m: Loaded = { id: this.nextModuleId++, mod, socks: new Set(), timers: new Set(), works: new Set() };
    this.modules.set(mod.name, m);
    const prev = this.loading;
    this.loading = m;
    let ret: number;
    try {
      const err = this.onLoad ? this.onLoad(mod) : 0;
      if (err < 0) {
        this.loading = prev;
        this.modules.delete(mod.name);
        this.onUnload?.(mod.name);
        throw new ErrnoError('init_module', -err);
      }
      const r = mod.init();
      // The owner stays set for the synchronous part; async init sees it too until it first waits.
      ret = typeof r === 'number' ? r : await r;
    } catch (e) {
      this.loading = prev;
      if (this.modules.get(mod.name) === m) this.unload(m);
      throw e;
    }
    this.loading = prev;
    if (typeof ret === 'number' && ret < 0) {
      this.unload(m);
      throw new ErrnoError('init_module', -ret);
    }
    return 0;
  }

  async rmmod(name: string): Promise<number> {
    const m = this.modules.get(name);
    if (!m) throw new ErrnoError('delete_module', ERRNO.ENOENT);
    // kernel/module/main.c: "If it has an init func, it must have an exit func to unload".
    if (!m.mod.exit) throw new ErrnoError('delete_module', ERRNO.EBUSY);
    // User sockets on the module's protocol hold a reference (try_module_get in netlink_create).
    if (this.ctx.ex.module_refcount(m.id) + (this.hostRefs.get(name) ?? 0) > 0)
      throw new ErrnoError('delete_module', ERRNO.EAGAIN);
    const prev = this.loading;
    this.loading = m;
    try {
      if (m.mod.exit) await m.mod.exit();
    } finally {
      this.loading = prev;
    }
    this.unload(m);
    return 0;
  }

  private unload(m: Loaded): void {
    // A timer or work item left queued would run code that is gone: Linux oopses later; here
    // the kernel says so now and disarms it.
    for (const t of m.timers) {
      if (this.timer_delete(t))
        this.printk(
          `\x011BUG: ${m.mod.name}: timer ${this.timers.get(t)?.fn.name || ''} still armed when the module was unloaded (call del_timer_sync/timer_delete_sync in exit)`,
        );
    }
    for (const w of m.works) {
      const st = this.works.get(w);
      if (st?.pending) {
        st.pending = false;
        this.printk(
          `\x011BUG: ${m.mod.name}: work ${st.fn.name || ''} still queued when the module was unloaded (call cancel_work_sync in exit)`,
        );
      }
    }
    for (const s of m.socks) this.ctx.ex.k_netlink_kernel_release(s.id);
    m.socks.clear();
    for (const [id, i] of this.inputs) if (i.module === m.mod.name) this.inputs.delete(id);
    this.modules.delete(m.mod.name);
    this.onUnload?.(m.mod.name);
  }

  /** lsmod: name, references. */
  list(): { name: string; refs: number; description?: string }[] {
    return [...this.modules.values()].map((m) => ({
      name: m.mod.name,
      refs: this.ctx.ex.module_refcount(m.id) + (this.hostRefs.get(m.mod.name) ?? 0),
      description: m.mod.description,
    }));
  }

  /** The module name for a host module id. */
  nameOf(id: number): string | undefined {
    for (const m of this.modules.values()) if (m.id === id) return m.mod.name;
    return undefined;
  }

  // ---- calls from the kernel (wasm imports) --------------------------------------------------

  /** A datagram for a TypeScript kernel socket: run its input in the sender's context. */
  netlinkRcv(hostInput: number, skbPtr: number): void {
    const inp = this.inputs.get(hostInput);
    if (!inp) return;
    const skb = new Skb(this, skbPtr);
    const traced = this.ctx.tracing()
      ? this.ctx.traceHost(inp.fn.name || 'input', `skb len=${skb.len}`, `module:${inp.module}`)
      : null;
    let r: void | Promise<void>;
    try {
      r = inp.fn(skb);
    } catch (e) {
      this.oops(inp.module, e);
      if (traced) this.ctx.traceHostExit(traced);
      return;
    }
    if (r && typeof (r as Promise<void>).then === 'function') {
      // The input keeps running after this call returns: hold the skb until it finishes; its
      // trace frame (and the syscall's under it) stays open until then.
      this.ctx.ex.k_skb_get(skbPtr);
      if (traced) this.ctx.traceHostSuspend(traced);
      // The held reference is dropped inside the callback's frame, before it returns.
      this.ctx.addPending(
        (r as Promise<void>).then(
          () => {
            this.ctx.ex.k_kfree_skb(skbPtr);
            if (traced) this.ctx.traceHostExit(traced);
          },
          (e: unknown) => {
            this.oops(inp.module, e);
            this.ctx.ex.k_kfree_skb(skbPtr);
            if (traced) this.ctx.traceHostExit(traced);
          },
        ),
      );
    } else if (traced) this.ctx.traceHostExit(traced);
  }

  /** netlink_rcv_skb's per-message callback, written in TypeScript. */
  rcvMsg(cbId: number, skbPtr: number, nlhPtr: number, extackPtr: number): number {
    const cb = this.rcvCbs.get(cbId);
    if (!cb) return -ERRNO.EINVAL;
    try {
      const extack: netlink_ext_ack = {};
      const r = cb(new Skb(this, skbPtr), new Nlh(this.ctx.mem, nlhPtr), extack);
      if (extack._msg !== undefined || extack.miss_type) {
        const bytes = utf8.encode(extack._msg ?? '');
        const p = this.ctx.ex.kbuf(bytes.length);
        this.ctx.mem.fresh().u8.set(bytes, p);
        this.ctx.ex.k_netlink_extack(
          extackPtr,
          p,
          extack._msg === undefined ? -1 : bytes.length,
          (extack.miss_type ?? 0) >>> 0,
        );
      }
      if (typeof r !== 'number') {
        this.printk(
          `\x013netlink_rcv_skb: the callback returned ${r && typeof (r as Promise<unknown>).then === 'function' ? 'a Promise (it must not be async)' : typeof r}, not a number; treated as -EINVAL`,
        );
        return -ERRNO.EINVAL;
      }
      return r | 0;
    } catch (e) {
      this.oops('netlink_rcv_skb callback', e);
      return -ERRNO.EINVAL;
    }
  }

  /** A dump written in TypeScript: op 0 start, 1 dump, 2 done. */
  dump(hostId: number, op: number, skbPtr: number): number {
    const d = this.dumps.get(hostId);
    if (!d) return op === 1 ? 0 : -ERRNO.EINVAL;
    try {
      if (op === 0) return d.control.start ? d.control.start(d.cb) | 0 : 0;
      if (op === 1) return d.control.dump(new Skb(this, skbPtr), d.cb) | 0;
      this.dumps.delete(hostId);
      return d.control.done ? d.control.done(d.cb) | 0 : 0;
    } catch (e) {
      this.oops(d.module, e);
      if (op === 2) this.dumps.delete(hostId);
      return -ERRNO.EINVAL;
    }
  }

  /** The module being loaded, or whose code runs ('' when none). */
  loadingName(): string {
    return this.loading?.mod.name ?? '';
  }

  /** A module's code threw: log it like an oops; the kernel carries on. */
  oops(where: string, e: unknown): void {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    this.printk(`\x011BUG: exception in ${where}: ${msg}`);
  }

  // ---- KernelApi ---------------------------------------------------------------------------

  netlink_kernel_create(_net: Net, unit: number, cfg?: NetlinkKernelCfg): NetlinkSock | null {
    const owner = this.loading;
    let hostInput = 0;
    if (cfg?.input) {
      hostInput = this.nextInput++;
      this.inputs.set(hostInput, { fn: cfg.input, module: owner?.mod.name ?? 'kernel', unit });
    }
    const id = this.ctx.ex.k_netlink_kernel_create(
      unit | 0,
      (cfg?.groups ?? 0) >>> 0,
      (cfg?.flags ?? 0) >>> 0,
      hostInput,
      owner?.id ?? 0,
    );
    if (!id) {
      if (hostInput) this.inputs.delete(hostInput);
      return null;
    }
    const s = new Sock(id, unit, owner?.mod.name ?? 'kernel');
    owner?.socks.add(s);
    return s;
  }

  netlink_kernel_release(sk: NetlinkSock | null): void {
    if (!sk) return;
    this.ctx.ex.k_netlink_kernel_release(sk.id);
    for (const m of this.modules.values()) for (const s of m.socks) if (s.id === sk.id) m.socks.delete(s);
  }

  alloc_skb(size: number, gfp = 0): SkBuff | null {
    this.mightSleepIf(gfp, 'alloc_skb');
    const p = this.ctx.ex.k_alloc_skb(size | 0);
    return p ? new Skb(this, p) : null;
  }

  nlmsg_new(payload: number, gfp = 0): SkBuff | null {
    this.mightSleepIf(gfp, 'nlmsg_new');
    const p = this.ctx.ex.k_nlmsg_new(payload | 0);
    return p ? new Skb(this, p) : null;
  }

  nlmsg_put(skb: SkBuff, portid: number, seq: number, type: number, payload: number, flags: number): NlMsgHdr | null {
    const p = this.ctx.ex.k_nlmsg_put(skb.ptr, portid >>> 0, seq >>> 0, type | 0, payload | 0, flags | 0);
    return p ? new Nlh(this.ctx.mem, p) : null;
  }

  nlmsg_end(skb: SkBuff, nlh: NlMsgHdr): void {
    this.ctx.ex.k_nlmsg_end(skb.ptr, nlh.ptr);
  }

  nlmsg_data(nlh: NlMsgHdr): Uint8Array {
    const len = Math.max(16, nlh.nlmsg_len);
    return this.ctx.mem.fresh().u8.subarray(nlh.ptr + 16, nlh.ptr + len);
  }

  nlmsg_hdr(skb: SkBuff): NlMsgHdr {
    return new Nlh(this.ctx.mem, this.ctx.ex.k_skb_data(skb.ptr));
  }

  nlmsg_at(ptr: number): NlMsgHdr {
    return new Nlh(this.ctx.mem, ptr);
  }

  skb_put(skb: SkBuff, len: number): Uint8Array {
    const p = this.ctx.ex.k_skb_put(skb.ptr, len | 0);
    return this.ctx.mem.fresh().u8.subarray(p, p + Math.max(0, len | 0));
  }

  NETLINK_CB(skb: SkBuff): NetlinkCb {
    const { ex, mem } = this.ctx;
    const p = ex.k_netlink_cb(skb.ptr);
    const dv = mem.fresh().dv;
    const state = {
      portid: dv.getUint32(p, true),
      dst_group: dv.getUint32(p + 4, true),
      creds: { pid: dv.getInt32(p + 12, true), uid: dv.getUint32(p + 16, true), gid: dv.getUint32(p + 20, true) },
    };
    const ptr = skb.ptr;
    return {
      get portid() {
        return state.portid;
      },
      set portid(v: number) {
        state.portid = v >>> 0;
        ex.k_netlink_cb_set(ptr, state.portid, state.dst_group);
      },
      get dst_group() {
        return state.dst_group;
      },
      set dst_group(v: number) {
        state.dst_group = v >>> 0;
        ex.k_netlink_cb_set(ptr, state.portid, state.dst_group);
      },
      creds: state.creds,
    };
  }

  netlink_unicast(sk: NetlinkSock, skb: SkBuff, portid: number, nonblock: number): number {
    return this.ctx.ex.k_netlink_unicast(sk.id, skb.ptr, portid >>> 0, nonblock | 0);
  }

  netlink_broadcast(sk: NetlinkSock, skb: SkBuff, portid: number, group: number, gfp = 0): number {
    // It clones the skb for each listener with `allocation`.
    this.mightSleepIf(gfp, 'netlink_broadcast');
    return this.ctx.ex.k_netlink_broadcast(sk.id, skb.ptr, portid >>> 0, group >>> 0);
  }

  netlink_has_listeners(sk: NetlinkSock, group: number): boolean {
    return this.ctx.ex.k_netlink_has_listeners(sk.id, group >>> 0) !== 0;
  }

  kfree_skb(skb: SkBuff | null): void {
    if (skb) this.ctx.ex.k_kfree_skb(skb.ptr);
  }

  netlink_rcv_skb(skb: SkBuff, cb: (skb: SkBuff, nlh: NlMsgHdr, extack: netlink_ext_ack) => number): number {
    const id = this.nextRcvCb++;
    this.rcvCbs.set(id, cb);
    try {
      return this.ctx.ex.k_netlink_rcv_skb(skb.ptr, id);
    } finally {
      this.rcvCbs.delete(id);
    }
  }

  netlink_ack(skb: SkBuff, nlh: NlMsgHdr, err: number): void {
    this.ctx.ex.k_netlink_ack(skb.ptr, nlh.ptr, err | 0);
  }

  netlink_dump_start(sk: NetlinkSock, skb: SkBuff, nlh: NlMsgHdr, control: NetlinkDumpControl): number {
    const id = this.nextDump++;
    const cb: NetlinkCallback = { skb, nlh, args: [0, 0, 0, 0, 0, 0], data: control.data };
    this.dumps.set(id, { control, cb, module: (sk as Sock).module ?? 'kernel' });
    const r = this.ctx.ex.k_netlink_dump_start(sk.id, skb.ptr, nlh.ptr, id, control.min_dump_alloc ?? 0);
    if (r !== -ERRNO.EINTR) this.dumps.delete(id);
    return r;
  }

  printk(text: string): void {
    let level = 4;
    let t = String(text);
    if (t.length >= 2 && t.charCodeAt(0) === 1 && t.charCodeAt(1) >= 48 && t.charCodeAt(1) <= 55) {
      level = t.charCodeAt(1) - 48;
      t = t.slice(2);
    }
    const bytes = utf8.encode(t);
    const { ex } = this.ctx;
    const p = ex.kbuf(bytes.length);
    this.ctx.mem.fresh().u8.set(bytes, p);
    ex.k_printk(level, p, bytes.length);
  }

  async msleep(ms: number): Promise<void> {
    if (this.atomicSleep('msleep')) return;
    const s = this.ctx.sched;
    const p = s.running;
    if (p) p.syscall = 'msleep';
    // Linux's msleep lives in kernel/time/timer.c, which this simulator has no page for: no file.
    const traced = this.ctx.tracing() ? this.ctx.traceHost('msleep', `msecs=${ms}`, '') : null;
    await s.block(`msleep(${ms})`, 'sleeping', null, Math.max(0, ms));
    if (traced) this.ctx.traceHostExit(traced);
  }

  jiffies_ms(): number {
    return this.ctx.sched.now;
  }

  private readonly waiters = new WeakMap<Completion, Set<Waiter>>();

  init_completion(c?: Completion): Completion {
    const x = c ?? { done: 0 };
    x.done = 0;
    this.waiters.set(x, new Set());
    return x;
  }

  complete(c: Completion): void {
    if (c.done !== Infinity) c.done++;
    const q = this.waiters.get(c);
    if (q && q.size) {
      const [first] = q;
      this.ctx.sched.wake(first, true);
    }
  }

  complete_all(c: Completion): void {
    c.done = Infinity;
    this.ctx.sched.wakeAll(this.waiters.get(c));
  }

  async wait_for_completion_timeout(c: Completion, ms: number): Promise<number> {
    if (this.atomicSleep('wait_for_completion_timeout')) return 0;
    const s = this.ctx.sched;
    const deadline = s.now + Math.max(0, ms);
    let q = this.waiters.get(c);
    if (!q) {
      q = new Set();
      this.waiters.set(c, q);
    }
    while (c.done <= 0) {
      const left = deadline - s.now;
      if (left <= 0) return 0;
      const p = s.running;
      if (p) p.syscall = 'wait_for_completion_timeout';
      const woken = await s.block('wait_for_completion_timeout', 'blocked', q, left);
      if (!woken && c.done <= 0) return 0;
    }
    if (c.done !== Infinity) c.done--;
    return Math.max(1, deadline - s.now);
  }

  async wait_for_completion(c: Completion): Promise<void> {
    if (this.atomicSleep('wait_for_completion')) return;
    const s = this.ctx.sched;
    let q = this.waiters.get(c);
    if (!q) {
      q = new Set();
      this.waiters.set(c, q);
    }
    while (c.done <= 0) {
      const p = s.running;
      if (p) p.syscall = 'wait_for_completion';
      await s.block('wait_for_completion', 'blocked', q);
    }
    if (c.done !== Infinity) c.done--;
  }

  // ---- atomic context, timers and work items -------------------------------------------------

  /** Softirq nesting: > 0 while a timer callback runs (in_atomic()). */
  private atomic = 0;
  private readonly timers = new Map<timer_list, TimerState>();
  private readonly works = new Map<work_struct, WorkState>();

  /**
   * might_sleep_if(gfpflags_allow_blocking(gfp)): a GFP_KERNEL allocation may sleep in reclaim,
   * which atomic context forbids. Reported as a kernel built with CONFIG_DEBUG_ATOMIC_SLEEP does
   * (Debian's is not: it says nothing until the allocation really sleeps, then "scheduling while
   * atomic").
   */
  private mightSleepIf(gfp: number, fn: string): void {
    if (this.atomic > 0 && (gfp | 0) === 0) {
      this.printk(
        `\x013BUG: sleeping function called from invalid context at include/linux/sched/mm.h (${fn} with GFP_KERNEL)`,
      );
      this.printk('\x013in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/0');
    }
  }

  /** schedule() in atomic context: Linux prints this and carries on badly; here the sleep is skipped. */
  private atomicSleep(fn: string): boolean {
    if (this.atomic <= 0) return false;
    this.printk(
      `\x013BUG: scheduling while atomic: swapper/0/0/0x00000101 (${fn} in a timer callback; the sleep was skipped)`,
    );
    return true;
  }

  private owner(): string {
    return this.loading?.mod.name ?? 'kernel';
  }

  timer_setup(timer: timer_list, fn: (t: timer_list) => void, flags: number): void {
    const old = this.timers.get(timer);
    if (old?.armed) this.ctx.sched.cancelKernelTimer(old.armed);
    timer.function = fn;
    timer.flags = flags | 0;
    timer.expires = timer.expires ?? 0;
    this.timers.set(timer, { fn, module: this.owner(), armed: null });
    this.loading?.timers.add(timer);
  }

  mod_timer(timer: timer_list, expires: number): number {
    const st = this.timers.get(timer);
    if (!st) {
      this.printk('\x011BUG: mod_timer on a timer_list that timer_setup never initialised');
      return 0;
    }
    const was = this.timer_delete(timer);
    timer.expires = expires;
    const armed: KernelTimer = this.ctx.sched.addKernelTimer(expires, () => {
      if (st.armed !== armed) return;
      st.armed = null;
      this.runTimer(timer, st);
    });
    st.armed = armed;
    return was;
  }

  /** A timer fires: its function runs in softirq context (no process; it may not sleep). */
  private runTimer(timer: timer_list, st: TimerState): void {
    const traced = this.ctx.tracing()
      ? this.ctx.traceHost(st.fn.name || 'timer', 'softirq', `module:${st.module}`)
      : null;
    this.atomic++;
    try {
      this.ctx.inSoftirq(() => {
        const r = (timer.function ?? st.fn)(timer) as unknown;
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          this.printk(
            `\x013BUG: scheduling while atomic: swapper/0/0/0x00000101 (timer ${st.fn.name || ''} is async: a timer callback cannot wait)`,
          );
          (r as Promise<unknown>).catch((e: unknown) => this.oops(st.module, e));
        }
      });
    } catch (e) {
      this.oops(st.module, e);
    } finally {
      this.atomic--;
      if (traced) this.ctx.traceHostExit(traced);
    }
  }

  timer_delete(timer: timer_list): number {
    const st = this.timers.get(timer);
    if (!st?.armed) return 0;
    const r = this.ctx.sched.cancelKernelTimer(st.armed) ? 1 : 0;
    st.armed = null;
    return r;
  }

  timer_pending(timer: timer_list): boolean {
    return !!this.timers.get(timer)?.armed;
  }

  INIT_WORK(work: work_struct, fn: (w: work_struct) => void | Promise<void>): void {
    work.func = fn;
    this.works.set(work, { fn, module: this.owner(), pending: false, running: false, waiters: new Set() });
    this.loading?.works.add(work);
  }

  schedule_work(work: work_struct): boolean {
    const st = this.works.get(work);
    if (!st) {
      this.printk('\x011BUG: schedule_work on a work_struct that INIT_WORK never initialised');
      return false;
    }
    if (st.pending) return false;
    st.pending = true;
    // One kworker runs it, in process context, once the scheduler gets to it.
    this.ctx.spawnKthread('kworker/0:1', async () => {
      if (!st.pending) return; // cancelled before it ran
      st.pending = false; // cleared before the function runs: it may queue itself again
      st.running = true;
      const traced = this.ctx.tracing()
        ? this.ctx.traceHost(st.fn.name || 'work', 'kworker', `module:${st.module}`)
        : null;
      try {
        await (work.func ?? st.fn)(work);
      } catch (e) {
        this.oops(st.module, e);
      } finally {
        st.running = false;
        if (traced) this.ctx.traceHostExit(traced);
        this.ctx.sched.wakeAll(st.waiters);
      }
    });
    return true;
  }

  async cancel_work_sync(work: work_struct): Promise<boolean> {
    const st = this.works.get(work);
    if (!st) return false;
    const was = st.pending;
    st.pending = false;
    await this.waitWork(st, 'cancel_work_sync');
    return was;
  }

  async flush_work(work: work_struct): Promise<boolean> {
    const st = this.works.get(work);
    if (!st || (!st.pending && !st.running)) return false;
    while (st.pending || st.running) await this.ctx.sched.block('flush_work', 'blocked', st.waiters);
    return true;
  }

  private async waitWork(st: WorkState, why: string): Promise<void> {
    if (this.atomicSleep(why)) return;
    while (st.running) await this.ctx.sched.block(why, 'blocked', st.waiters);
  }
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(Skb.prototype);
Object.freeze(Nlh.prototype);
Object.freeze(Sock.prototype);
