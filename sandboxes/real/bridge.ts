/**
 * The real-kernel backend: every syscall of a program runs in a C agent on this machine's Linux.
 *
 * One agent is one process of the program. The program's processes share one private network
 * namespace (like `unshare -Urn`): a holder agent creates it (`agent --unshare`) and every process
 * agent joins it (`agent --join HOLDER`). A process spawned with a uid other than 0 runs as that uid
 * in the initial user and network namespaces instead (`agent --uid N`, which needs root here): only
 * there does Linux refuse netlink operations for lack of CAP_NET_ADMIN. See README.md.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERRNO, ErrnoError } from '../../src/api/errno.ts';
import type { Backend } from '../../src/api/backend.ts';
import type { SpawnOptions, KernelModule } from '../../src/api/types.ts';
import { Agent, ForkServer } from './agent-process.ts';
import { buildReal } from './build.mjs';
import { OP, Reader, Writer, type Response } from '../../src/agent/protocol.ts';
import { AgentSyscalls } from '../../src/agent/syscalls.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The agent binary that `node sandboxes/real/build.mjs` produces. */
export const AGENT_BINARY = join(root, 'build', 'real', 'agent');

/** Options of a real kernel. */
export interface RealKernelOptions {
  /** The agent binary (default build/real/agent, built on demand). */
  agent?: string;
  /** Called when a process's main rejects (the CLI prints it like perror); its exit status is 1. */
  onUncaught?: (pid: number, error: unknown) => void;
  /** Called with each agent's pid when it starts, so a supervisor can kill agents left behind. */
  onAgent?: (pid: number) => void;
}

/** What the kernel uses of an agent: a local agent process, or an agent in the VM (sandboxes/vm/backend.ts). */
export type AgentHandle = Pick<Agent, 'hello' | 'call' | 'exit' | 'kill' | 'exited'>;

interface Proc {
  pid: number;
  uid: number;
  agent: AgentHandle;
  status: Promise<number>;
}

/** A Linux kernel reached through agents. */
export class RealKernel extends AgentSyscalls implements Backend {
  readonly kind = 'real' as const;
  private readonly als = new AsyncLocalStorage<Proc>();
  private readonly procs = new Map<number, Proc>();
  /** Processes that have not ended. */
  private alive = 0;
  private readonly agents = new Set<AgentHandle>();
  private holder: Promise<AgentHandle> | null = null;
  private forks: ForkServer | null = null;
  private readonly binary: string;
  private readonly t0 = performance.now();
  private closed = false;

  constructor(private readonly opts: RealKernelOptions = {}) {
    super();
    this.binary = opts.agent ?? AGENT_BINARY;
  }

  /** Start an agent with these flags (--unshare, --join PID, --uid N, --name COMM); the VM's kernel overrides it. */
  protected async startAgent(args: string[]): Promise<AgentHandle> {
    if (this.closed) throw new Error('netlink-lab: this real kernel was shut down');
    if (!existsSync(this.binary)) {
      throw new Error(
        `netlink-lab: the agent ${this.binary} is not built. Run \`node sandboxes/real/build.mjs\` (needs gcc).`,
      );
    }
    const a = await Agent.start({ binary: this.binary, args });
    this.agents.add(a);
    void a.exited.then(() => this.agents.delete(a));
    this.opts.onAgent?.(a.hello.pid);
    return a;
  }

  /**
   * A copy of the parent's agent (fork(2)): it shares the parent's open sockets. Null when this
   * parent cannot fork (the VM's kernel overrides it for its agents).
   */
  /** Whether forkAgent can give the child another uid (the VM's agents fork and setuid; here a fresh agent is started instead). */
  protected readonly forkSetsUid: boolean = false;

  protected async forkAgent(parent: AgentHandle, name: string, _uid?: number): Promise<AgentHandle | null> {
    if (!(parent instanceof Agent)) return null;
    if (this.closed) throw new Error('netlink-lab: this real kernel was shut down');
    if (!this.forks) this.forks = new ForkServer();
    const server = this.forks;
    await server.listening();
    const enc = new TextEncoder();
    const r = await parent.call(
      OP.FORK,
      new Writer()
        .blob(enc.encode(server.path))
        .blob(enc.encode(name.slice(0, 15)))
        .bytes(),
    );
    if (r.ret < 0) throw new ErrnoError('fork', r.errno);
    const a = await server.take(r.ret);
    this.agents.add(a);
    void a.exited.then(() => this.agents.delete(a));
    this.opts.onAgent?.(a.hello.pid);
    return a;
  }

  /** The agent that holds the program's private network namespace. */
  private namespaceHolder(): Promise<AgentHandle> {
    this.holder ??= this.startAgent(['--unshare', '--name', 'netns-holder']).catch((e: Error) => {
      this.holder = null;
      throw new Error(
        `${e.message}\nnetlink-lab needs user namespaces for a private network namespace (what \`unshare -Urn\` makes): check that \`unshare -Urn true\` works here (sysctls user.max_user_namespaces, kernel.unprivileged_userns_clone, or AppArmor's restrict_unprivileged_userns), or use --kernel sim.`,
      );
    });
    return this.holder;
  }

  private current(syscall: string): Proc {
    const p = this.als.getStore();
    if (!p)
      throw new Error(
        `netlink-lab: ${syscall}() was called outside a process. Run the code with spawn() or the netlink-lab CLI.`,
      );
    return p;
  }

  /** Run a syscall in the calling process's agent; ErrnoError when it returned -1. */
  protected async sys(syscall: string, op: number, args?: Writer): Promise<Response> {
    const r = await this.current(syscall).agent.call(op, args?.bytes());
    if (r.ret < 0) throw new ErrnoError(syscall, r.errno || ERRNO.EIO);
    return r;
  }

  getpid(): number {
    return this.current('getpid').pid;
  }
  getuid(): number {
    return this.current('getuid').uid;
  }

  /**
   * Start a process running `main`. Called by a process, it forks that process's agent, so the child
   * inherits its open sockets with the same descriptors (fork + exec of a function); called from
   * outside any process, or with another uid, it starts a fresh agent (see README.md). Resolves to
   * the new agent's pid once it is serving.
   */
  async spawn(main: () => Promise<void>, opts: SpawnOptions = {}): Promise<number> {
    const parent = this.als.getStore();
    const uid = opts.uid ?? parent?.uid ?? 0;
    const comm = (opts.name ?? 'prog').slice(0, 15);
    const name = ['--name', comm];
    const forked =
      parent && uid === parent.uid
        ? await this.forkAgent(parent.agent, comm)
        : parent && this.forkSetsUid
          ? await this.forkAgent(parent.agent, comm, uid)
          : null;
    let agent: AgentHandle;
    if (forked) {
      agent = forked;
    } else if (uid === 0) {
      const holder = await this.namespaceHolder();
      agent = await this.startAgent(['--join', String(holder.hello.pid), ...name]);
    } else {
      if (process.getuid?.() !== 0) {
        throw new Error(
          `netlink-lab: spawn({ uid: ${uid} }) on the real kernel needs root here (the agent drops to uid ${uid} with setuid); run as root or use --kernel sim.`,
        );
      }
      agent = await this.startAgent(['--uid', String(uid), ...name]);
    }
    const proc: Proc = { pid: agent.hello.pid, uid: agent.hello.uid, agent, status: Promise.resolve(0) };
    this.procs.set(proc.pid, proc);
    this.alive++;
    proc.status = this.als.run(proc, async () => {
      let status = 0;
      try {
        await main();
      } catch (e) {
        status = 1;
        if (this.opts.onUncaught) this.opts.onUncaught(proc.pid, e);
        else console.error(e);
      }
      await agent.exit(status);
      // Node keeps async_hooks' promise hooks on while any AsyncLocalStorage is enabled, and they
      // slow every promise of the process (a simulated kernel in the same process ran at half
      // speed): off while no process runs here; the next spawn's run() switches it on again.
      if (--this.alive === 0) this.als.disable();
      return status;
    });
    return proc.pid;
  }

  /** Resolves once every process spawned so far, and any they spawn meanwhile, has ended. */
  async waitAll(): Promise<void> {
    for (let seen = -1; seen !== this.procs.size; ) {
      seen = this.procs.size;
      await Promise.all([...this.procs.values()].map((p) => p.status));
    }
  }

  async waitpid(pid: number): Promise<number> {
    const p = this.procs.get(pid);
    if (!p) throw new ErrnoError('waitpid', ERRNO.ECHILD);
    return p.status;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, Math.max(0, ms)));
  }
  now(): number {
    return performance.now() - this.t0;
  }

  insmod(mod: KernelModule): Promise<number> {
    const e = new ErrnoError('init_module', ERRNO.ENOSYS);
    e.message = `init_module: ENOSYS (modules load only in the VM: this machine's kernel does not take netlink-lab's TypeScript module '${mod.name}'; run the lesson with --kernel sim or in the VM)`;
    return Promise.reject(e);
  }
  rmmod(name: string): Promise<number> {
    const e = new ErrnoError('delete_module', ERRNO.ENOSYS);
    e.message = `delete_module: ENOSYS (modules load only in the VM; '${name}' cannot be unloaded from this machine's kernel)`;
    return Promise.reject(e);
  }

  /** Read a file as the calling process (so /proc/net/netlink shows its namespace). */
  async readFile(path: string): Promise<string> {
    const agent = this.als.getStore()?.agent ?? (await this.namespaceHolder());
    const r = await agent.call(OP.READFILE, new Writer().blob(new TextEncoder().encode(path)).bytes());
    if (r.ret < 0) throw new ErrnoError('open', r.errno);
    return new TextDecoder().decode(new Reader(r.body).blob());
  }

  /** Kill every agent (processes still blocked in a syscall included) and the namespace. */
  async shutdown(): Promise<void> {
    this.closed = true;
    this.forks?.close();
    const all = [...this.agents];
    for (const a of all) a.kill();
    await Promise.all(all.map((a) => a.exited));
    this.als.disable();
  }
}

/** A real kernel (this machine's), for setBackend; builds the agent first when its source is newer. */
export function createRealKernel(opts: RealKernelOptions = {}): RealKernel {
  if (!opts.agent) buildReal();
  return new RealKernel(opts);
}
