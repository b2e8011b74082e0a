/**
 * The VM's kernel as a Backend: a program's system calls run on the Linux 6.1 kernel inside the
 * netlink-lab VM, each process of the program being one agent on one virtio port (port-agent.ts).
 * A process spawned by another is that agent forked (OP_FORK) onto one of the VM's free fork
 * ports, so it inherits its parent's sockets as on Linux.
 * The syscall marshalling is the real-kernel bridge's (sandboxes/real/bridge.ts); only how agents
 * start differs. All processes run as root in the guest's initial namespaces: the VM is the
 * sandbox. insmod()/rmmod() load and unload the course's C modules (sandboxes/vm/modules).
 */
import { ERRNO, ErrnoError } from '../../src/api/errno.ts';
import type { KernelModule } from '../../src/api/types.ts';
import { RealKernel, type AgentHandle, type RealKernelOptions } from '../real/bridge.ts';
import { OP, Writer } from '../../src/agent/protocol.ts';
import { AgentClient } from '../../src/agent/client.ts';
import { startPortAgent } from './port-agent.ts';
import { ensureVmImage, startVm, type BootOptions, type Vm } from './qemu.ts';
import type { Duplex } from 'node:stream';

/** After an agent exits, the guest needs a moment to start the next one on the port. */
const PORT_SETTLE_MS = 150;

/** Options of {@link createVmKernel}. */
export interface VmKernelOptions extends Omit<RealKernelOptions, 'agent' | 'onAgent'> {
  /**
   * How to boot the VM (default: no modules loaded at boot, so insmod() behaves as on the
   * simulator; started from a boot snapshot, ~0.3 s).
   */
  boot?: BootOptions;
}

/** A module's parameters, if the TypeScript module object carries some (`{ params: { delayed: 1 } }`). */
function moduleParams(mod: KernelModule): string[] {
  const params = (mod as KernelModule & { params?: Record<string, string | number | boolean> }).params ?? {};
  return Object.entries(params).map(([k, v]) => {
    const value = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || !/^[A-Za-z0-9_.,-]*$/.test(String(value))) {
      throw new Error(`insmod ${mod.name}: the parameter ${k}=${String(value)} is not a plain name=value`);
    }
    return `${k}=${value}`;
  });
}

/** A kernel whose processes are agents in a VM. */
export class VmKernel extends RealKernel {
  private readonly free: Duplex[];
  private readonly waiting: ((port: Duplex) => void)[] = [];
  private readonly freeForks: Vm['forkPorts'];
  private readonly waitingForks: ((port: Vm['forkPorts'][number]) => void)[] = [];
  private readonly live = new Set<AgentClient>();
  private nextTagBase = 0;

  constructor(
    readonly vm: Vm,
    private readonly ownsVm: boolean,
    opts: VmKernelOptions = {},
  ) {
    super(opts);
    this.free = [...vm.agents];
    this.freeForks = [...vm.forkPorts];
  }

  private acquireForkPort(): Promise<Vm['forkPorts'][number]> {
    const f = this.freeForks.shift();
    if (f) return Promise.resolve(f);
    return new Promise((res) => this.waitingForks.push(res));
  }

  private releaseForkPort(f: Vm['forkPorts'][number]): void {
    setTimeout(() => {
      const next = this.waitingForks.shift();
      if (next) next(f);
      else this.freeForks.push(f);
    }, PORT_SETTLE_MS);
  }

  /**
   * fork(2) of a process's agent: the parent's agent forks, the child opens a free fork port
   * (waiting for one when all are taken, as a process waits for memory) and serves there. Null
   * for a VM without fork ports, where spawn() starts a fresh agent instead.
   */
  protected override readonly forkSetsUid: boolean = true;

  protected override async forkAgent(parent: AgentHandle, name: string, uid?: number): Promise<AgentHandle | null> {
    if (!(parent instanceof AgentClient) || this.vm.forkPorts.length === 0) return null;
    const f = await this.acquireForkPort();
    this.nextTagBase = (this.nextTagBase + 0x01000000) >>> 0;
    let agent: AgentClient;
    try {
      const enc = new TextEncoder();
      const w = new Writer().blob(enc.encode(f.dev)).blob(enc.encode(name.slice(0, 15)));
      // With a uid the child drops to it right after fork (spawn({ uid }) from a process).
      const r = await parent.call(OP.FORK, (uid === undefined ? w : w.u32(uid)).bytes());
      if (r.ret < 0) throw new ErrnoError('fork', r.errno);
      agent = await startPortAgent(f.port, (pid) => this.killGuest(pid), this.nextTagBase);
      if (agent.hello.pid !== r.ret) {
        agent.kill();
        throw new Error(
          `netlink-lab: the forked child ${r.ret} was expected on ${f.dev}, but pid ${agent.hello.pid} answered there`,
        );
      }
    } catch (e) {
      this.releaseForkPort(f);
      throw e;
    }
    this.live.add(agent);
    void agent.exited.then(() => {
      this.live.delete(agent);
      this.releaseForkPort(f);
    });
    return agent;
  }

  private acquirePort(): Promise<Duplex> {
    const port = this.free.shift();
    if (port) return Promise.resolve(port);
    return new Promise((res) => this.waiting.push(res));
  }

  private releasePort(port: Duplex): void {
    setTimeout(() => {
      const next = this.waiting.shift();
      if (next) next(port);
      else this.free.push(port);
    }, PORT_SETTLE_MS);
  }

  protected override async startAgent(args: string[]): Promise<AgentHandle> {
    const uid = args.indexOf('--uid');
    if (uid >= 0 && args[uid + 1] !== '0') {
      throw new Error(
        `netlink-lab: spawn({ uid: ${args[uid + 1]} }) on the VM kernel works from inside a process (the child forks from it and drops to that uid), not from outside one.`,
      );
    }
    const port = await this.acquirePort();
    // Each user of a port gets its own tag range, so a stale answer never matches a new request.
    this.nextTagBase = (this.nextTagBase + 0x01000000) >>> 0;
    let agent: AgentClient;
    try {
      agent = await startPortAgent(port, (pid) => this.killGuest(pid), this.nextTagBase);
    } catch (e) {
      this.releasePort(port);
      throw e;
    }
    this.live.add(agent);
    void agent.exited.then(() => {
      this.live.delete(agent);
      this.releasePort(port);
    });
    return agent;
  }

  private async killGuest(pid: number): Promise<void> {
    await this.vm.exec(`kill -9 ${pid} 2>/dev/null; true`, { timeoutMs: 10_000 });
  }

  /** init_module: load the C module of the same name from the image (/lib/modules/NAME.ko). */
  override async insmod(mod: KernelModule, params?: string): Promise<number> {
    if (!/^[A-Za-z0-9_-]+$/.test(mod.name)) throw new ErrnoError('init_module', ERRNO.ENOENT);
    // `params` is init_module's whole parameter string (user.ts's insmod already put the module
    // object's own params in it); one shell word, which modctl passes to finit_module as it is.
    const args = params !== undefined ? `'${params.replace(/'/g, `'\\''`)}'` : moduleParams(mod).join(' ');
    const r = await this.vm.exec(`modctl load /lib/modules/${mod.name}.ko ${args}`);
    // The console may carry the kernel's own messages first (an invalid parameter is pr_err'd).
    const ret = Number.parseInt(r.output.trim().split('\n').at(-1) ?? '', 10);
    if (!Number.isInteger(ret))
      throw new Error(`insmod ${mod.name} in the VM: unexpected answer ${JSON.stringify(r.output)}`);
    if (ret < 0) {
      // open() of a module the image lacks reports ENOENT, like finit_module on a missing file.
      throw new ErrnoError('init_module', -ret);
    }
    return 0;
  }

  /** delete_module. */
  override async rmmod(name: string): Promise<number> {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new ErrnoError('delete_module', ERRNO.ENOENT);
    const r = await this.vm.exec(`modctl unload ${name}`);
    const ret = Number.parseInt(r.output.trim().split('\n').at(-1) ?? '', 10);
    if (!Number.isInteger(ret))
      throw new Error(`rmmod ${name} in the VM: unexpected answer ${JSON.stringify(r.output)}`);
    if (ret < 0) throw new ErrnoError('delete_module', -ret);
    return 0;
  }

  /** Kill every agent still running, then the VM if this kernel booted it. */
  override async shutdown(): Promise<void> {
    await super.shutdown();
    // A VM of our own goes away whole; on a shared VM each agent is killed in the guest.
    if (this.ownsVm) await this.vm.kill();
    const all = [...this.live];
    for (const a of all) a.kill();
    await Promise.all(all.map((a) => a.exited));
  }
}

/**
 * Start a fresh VM (building the image first if needed; from the boot snapshot when there is
 * one) and return its kernel. By default the course's modules are not loaded at boot: programs
 * load them with insmod(), as on the simulator.
 */
export async function createVmKernel(opts: VmKernelOptions = {}): Promise<VmKernel> {
  ensureVmImage();
  const vm = await startVm({ loadModules: false, snapshot: true, ...opts.boot });
  return new VmKernel(vm, true, opts);
}

/** A kernel on a VM someone else booted and will kill (e.g. one VM shared by a test file). */
export function vmKernelOn(vm: Vm, opts: VmKernelOptions = {}): VmKernel {
  return new VmKernel(vm, false, opts);
}
