/**
 * The VM's Linux kernel as a Backend, in the browser: each process of a learner's program is one
 * agent in the VM (one agent port, see agent-port.ts), reached through the relay. The syscall
 * marshalling follows sandboxes/real/bridge.ts (the Node twin, which cannot run in a browser).
 *
 * Which process is calling: processes are async functions, and like the simulated kernel this
 * kernel lets one run at a time. A process holds the CPU while its JavaScript runs and gives it up
 * while it waits for the VM (a syscall, sleep, waitpid); getpid() is the holder's pid. So, as on the
 * simulator, a process must only await the kernel.
 */
import { ERRNO, ErrnoError } from '../../api/errno.ts';
import type { Backend } from '../../api/backend.ts';
import type { SpawnOptions, KernelModule } from '../../api/types.ts';
import { OP, Reader, Writer, type Response } from '../../agent/protocol.ts';
import { AgentSyscalls } from '../../agent/syscalls.ts';
import type { AgentLink } from './agent-link.ts';
import type { AgentClient } from '../../agent/client.ts';
import { adoptAgentPort, startAgentPort } from './agent-port.ts';
import { MODULE_NAME, MODULE_PARAM } from '../../agent/relay-frames.ts';
import { procState } from './proc-state.ts';
import type { KernelState, ProcessState } from '../kernel-view.ts';

/** Options of a {@link RelayKernel}. */
export interface RelayKernelOptions {
  /** Called when a process's main rejects; its exit status is then 1. */
  onUncaught?: (pid: number, error: unknown) => void;
  /**
   * Read the VM's /proc/net/netlink after every syscall (one more agent round trip each), so
   * procState() can show the sockets as each call left them (the playground's Kernel state panel).
   */
  watchState?: boolean;
}

interface Proc {
  pid: number;
  uid: number;
  name: string;
  ended: boolean;
  agent: AgentClient;
  port: number;
  status: Promise<number>;
}

/** A Linux kernel in a VM, through a relay session's agent ports. */
export class RelayKernel extends AgentSyscalls implements Backend {
  readonly kind = 'real' as const;
  private readonly procs = new Map<number, Proc>();
  private readonly freePorts: number[];
  private readonly portWaiters: ((port: number) => void)[] = [];
  private readonly freeForks: { port: number; dev: string }[];
  private readonly forkWaiters: ((f: { port: number; dev: string }) => void)[] = [];
  private running: Proc | null = null;
  private readonly cpuQueue: { proc: Proc; go(): void }[] = [];
  private readonly t0 = performance.now();
  private tagBase = 0;
  private gone: string | null = null;

  constructor(
    private readonly link: AgentLink,
    private readonly opts: RelayKernelOptions = {},
  ) {
    super();
    this.freePorts = [...link.ports];
    this.freeForks = [...(link.forkPorts ?? [])];
    void link.closed.then((reason) => {
      this.gone = reason;
    });
  }

  // ---- the CPU: one process runs at a time ------------------------------------------------------

  private acquire(p: Proc): Promise<void> {
    if (!this.running) {
      this.running = p;
      return Promise.resolve();
    }
    return new Promise((go) => this.cpuQueue.push({ proc: p, go }));
  }

  private release(p: Proc): void {
    if (this.running !== p) return;
    const next = this.cpuQueue.shift();
    this.running = next?.proc ?? null;
    next?.go();
  }

  /** Give up the CPU while `work` runs in the VM; take it back before returning. */
  private async offCpu<T>(work: () => Promise<T>): Promise<T> {
    const p = this.running;
    if (!p) return work();
    this.release(p);
    try {
      return await work();
    } finally {
      await this.acquire(p);
    }
  }

  private current(syscall: string): Proc {
    if (!this.running)
      throw new Error(
        `netlink-lab: ${syscall}() was called outside a process (or after awaiting something other than the kernel).`,
      );
    return this.running;
  }

  // ---- ports ----------------------------------------------------------------------------------

  private takePort(): Promise<number> {
    if (this.link.ports.length === 0) {
      return Promise.reject(
        new Error(
          'netlink-lab: every agent of this VM is still inside a syscall of a program that was stopped. Start a new VM: in the Terminal panel, Stop the VM, then Start a new VM.',
        ),
      );
    }
    const p = this.freePorts.shift();
    if (p !== undefined) return Promise.resolve(p);
    return new Promise((res) => this.portWaiters.push(res));
  }

  private takeFork(): Promise<{ port: number; dev: string }> {
    const f = this.freeForks.shift();
    if (f) return Promise.resolve(f);
    return new Promise((res) => this.forkWaiters.push(res));
  }

  /**
   * fork(2) of `parent`'s agent: it forks, and the child opens a free fork port (waiting for one
   * when all are taken) and serves there, keeping the parent's sockets under the same fds — and
   * with `uid`, drops to it, like fork + setuid. The kernel-side twin of sandboxes/vm/backend.ts's.
   */
  private async forkFrom(
    parent: Proc,
    name: string,
    uid: number | undefined,
  ): Promise<{ agent: AgentClient; port: number }> {
    const f = await this.takeFork();
    this.tagBase = (this.tagBase + 0x01000000) >>> 0;
    try {
      const enc = new TextEncoder();
      const w = new Writer().blob(enc.encode(f.dev)).blob(enc.encode(name.slice(0, 15)));
      // Listen before the child can speak: it announces itself first (tag 0).
      const adopted = adoptAgentPort(this.link, f.port, this.tagBase);
      adopted.catch(() => {});
      const r = await parent.agent.call(OP.FORK, (uid === undefined ? w : w.u32(uid)).bytes());
      if (r.ret < 0) throw new ErrnoError('fork', r.errno);
      const child = await adopted;
      if (child.hello.pid !== r.ret)
        throw new Error(
          `netlink-lab: the forked child ${r.ret} was expected on ${f.dev}, but pid ${child.hello.pid} answered there`,
        );
      return { agent: child, port: f.port };
    } catch (e) {
      this.givePort(f.port);
      throw e;
    }
  }

  private givePort(port: number): void {
    const fork = this.link.forkPorts?.find((f) => f.port === port);
    if (fork) {
      setTimeout(() => {
        const w = this.forkWaiters.shift();
        if (w) w(fork);
        else this.freeForks.push(fork);
      }, 100);
      return;
    }
    // The guest needs a moment to start the next agent on the port.
    setTimeout(() => {
      const w = this.portWaiters.shift();
      if (w) w(port);
      else this.freePorts.push(port);
    }, 100);
  }

  // ---- syscalls -------------------------------------------------------------------------------

  protected async sys(syscall: string, op: number, args?: Writer): Promise<Response> {
    const p = this.current(syscall);
    if (this.gone)
      throw new Error(`netlink-lab: the VM is gone (${this.gone}); start a new one from the Terminal panel.`);
    const r = await this.offCpu(async () => {
      const answer = await p.agent.call(op, args?.bytes());
      if (this.opts.watchState) {
        // The VM may have modules loaded before the program ran: read them with the first syscall.
        if (!this.procModules) this.procModules = await readOn(p.agent, '/proc/modules').catch(() => '');
        this.procNetlink = await readOn(p.agent, '/proc/net/netlink').catch(() => this.procNetlink);
      }
      return answer;
    });
    if (r.ret < 0) throw new ErrnoError(syscall, r.errno || ERRNO.EIO);
    return r;
  }

  // ---- the state, as the VM's /proc shows it (watchState) -------------------------------------

  private procNetlink = '';
  private procModules = '';

  /** The sockets and modules as /proc last showed them, and the program's processes. */
  procState(): KernelState {
    const processes: ProcessState[] = [...this.procs.values()].map((p) => ({
      pid: p.pid,
      name: p.name,
      uid: p.uid,
      state: p.ended ? 'exited' : this.running === p ? 'running' : p.agent.busy ? 'blocked' : 'runnable',
    }));
    return procState(this.now(), this.procNetlink, this.procModules, processes);
  }

  // ---- processes and time ---------------------------------------------------------------------

  getpid(): number {
    return this.current('getpid').pid;
  }
  getuid(): number {
    return this.current('getuid').uid;
  }

  /** Start a process running `main` on a free agent port; resolves to its pid (the agent's). */
  async spawn(main: () => Promise<void>, opts: SpawnOptions = {}): Promise<number> {
    // From inside a process, on a link with fork ports: fork, as on Linux and the simulator.
    const parent = this.running;
    const forking = parent !== null && !parent.ended && (this.link.forkPorts?.length ?? 0) > 0;
    if ((opts.uid ?? 0) !== 0 && !forking) {
      throw new Error(
        `netlink-lab: spawn({ uid: ${opts.uid} }) is not available on the VM (its agents run as root); run this lesson on the simulated kernel.`,
      );
    }
    const { agent, port } = await this.offCpu(async () => {
      if (forking) return this.forkFrom(parent, opts.name ?? 'prog', opts.uid);
      const port = await this.takePort();
      this.tagBase = (this.tagBase + 0x01000000) >>> 0;
      try {
        return { agent: await startAgentPort(this.link, port, this.tagBase), port };
      } catch (e) {
        this.givePort(port);
        throw e;
      }
    });
    const proc: Proc = {
      pid: agent.hello.pid,
      uid: agent.hello.uid,
      name: (opts.name ?? 'prog').slice(0, 15),
      ended: false,
      agent,
      port,
      status: Promise.resolve(0),
    };
    this.procs.set(proc.pid, proc);
    proc.status = (async () => {
      await this.acquire(proc);
      let status = 0;
      try {
        await main();
      } catch (e) {
        status = 1;
        if (this.opts.onUncaught) this.opts.onUncaught(proc.pid, e);
        else console.error(e);
      } finally {
        proc.ended = true;
        this.release(proc);
      }
      await agent.exit(status);
      this.givePort(port);
      return status;
    })();
    return proc.pid;
  }

  async waitpid(pid: number): Promise<number> {
    const p = this.procs.get(pid);
    if (!p) throw new ErrnoError('waitpid', ERRNO.ECHILD);
    return this.offCpu(() => p.status);
  }

  /** Resolves when every process started so far has ended (the CLI waits for a whole program). */
  async waitAll(): Promise<void> {
    for (let n = -1; n !== this.procs.size; ) {
      n = this.procs.size;
      await Promise.all([...this.procs.values()].map((p) => p.status));
    }
  }

  sleep(ms: number): Promise<void> {
    return this.offCpu(() => new Promise((r) => setTimeout(r, Math.max(0, ms))));
  }
  now(): number {
    return performance.now() - this.t0;
  }

  /**
   * init_module of the C module of the same name (/lib/modules/NAME.ko in the VM), with the
   * TypeScript module's `params` as `name=value`. Like a fresh simulated kernel, the run then has
   * the module with those parameters: one already loaded with the same parameters (by the VM's
   * boot or an earlier run) is kept, one with other parameters is reloaded.
   */
  async insmod(mod: KernelModule, paramString?: string): Promise<number> {
    // The module object's `params`, then insmod's parameter string.
    const params = [
      ...Object.entries(
        (mod as KernelModule & { params?: Record<string, string | number | boolean> }).params ?? {},
      ).map(([k, v]) => `${k}=${typeof v === 'boolean' ? (v ? 1 : 0) : v}`),
      ...(paramString ?? '').split(/\s+/).filter(Boolean),
    ];
    if (!MODULE_NAME.test(mod.name)) throw new ErrnoError('init_module', ERRNO.ENOENT);
    if (!params.every((p) => MODULE_PARAM.test(p))) throw new ErrnoError('init_module', ERRNO.EINVAL);
    const modules = await this.readFile('/proc/modules');
    if (modules.split('\n').some((l) => l.split(' ')[0] === mod.name)) {
      let same = true;
      for (const p of params) {
        const [k, v] = p.split('=') as [string, string];
        let have = '';
        try {
          have = (await this.readFile(`/sys/module/${mod.name}/parameters/${k}`)).trim();
        } catch {
          /* no such parameter */
        }
        if (have !== v && !(v === '1' && have === 'Y') && !(v === '0' && have === 'N')) same = false;
      }
      if (same) return 0; // already as asked: /proc/modules is unchanged
      const out = await this.offCpu(() => this.link.module('unload', mod.name, []));
      if (out < 0) throw new ErrnoError('delete_module', -out);
    }
    const ret = await this.offCpu(() => this.link.module('load', mod.name, params));
    if (ret < 0) throw new ErrnoError('init_module', -ret);
    await this.watchModules();
    return 0;
  }

  /** With watchState: read /proc/modules again (after a module was loaded or unloaded). */
  private async watchModules(): Promise<void> {
    if (this.opts.watchState) this.procModules = await this.readFile('/proc/modules').catch(() => this.procModules);
  }

  /** delete_module of the VM's module `name`. */
  async rmmod(name: string): Promise<number> {
    if (!MODULE_NAME.test(name)) throw new ErrnoError('delete_module', ERRNO.ENOENT);
    const ret = await this.offCpu(() => this.link.module('unload', name, []));
    if (ret < 0) throw new ErrnoError('delete_module', -ret);
    await this.watchModules();
    return 0;
  }

  /** Read a file in the VM as the calling process (or on a spare agent port, outside a process). */
  async readFile(path: string): Promise<string> {
    if (this.running) {
      const p = this.running;
      return this.offCpu(() => readOn(p.agent, path));
    }
    const port = await this.takePort();
    this.tagBase = (this.tagBase + 0x01000000) >>> 0;
    try {
      const a = await startAgentPort(this.link, port, this.tagBase);
      const text = await readOn(a, path);
      await a.exit(0);
      return text;
    } finally {
      this.givePort(port);
    }
  }

  /**
   * End the program: processes blocked in the VM are abandoned (their ports are not reused; the
   * VM itself goes with its session), the others have exited already.
   */
  shutdown(): void {
    for (const p of this.procs.values()) if (p.agent.busy) p.agent.abandon();
  }
}

/** READFILE on one agent: the file's text, or ErrnoError('open') as the agent's open/read failed. */
async function readOn(agent: AgentClient, path: string): Promise<string> {
  const r = await agent.call(OP.READFILE, new Writer().blob(new TextEncoder().encode(path)).bytes());
  if (r.ret < 0) throw new ErrnoError('open', r.errno);
  return new TextDecoder().decode(new Reader(r.body).blob());
}
