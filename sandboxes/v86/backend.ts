/**
 * The in-browser kernel as a Backend under Node (`netlink-lab run --kernel browser`, tests/v86):
 * a v86 machine restored from the saved state, and the VM's RelayKernel on its agent ports —
 * the very code the page runs.
 */
import { RelayKernel, type RelayKernelOptions } from '../../src/runtime/vm/relay-kernel.ts';
import { machineLink } from '../../src/runtime/v86/link.ts';
import type { Machine } from './machine.ts';
import { startSavedMachine } from './node.ts';

/** A RelayKernel on its own machine; shutdown() stops the machine. */
export class BrowserKernel extends RelayKernel {
  private constructor(
    readonly machine: Machine,
    private readonly ended: (why: string) => void,
    stopped: Promise<string>,
    opts: RelayKernelOptions,
  ) {
    super(machineLink(machine, stopped), opts);
  }

  static on(machine: Machine, opts: RelayKernelOptions = {}): BrowserKernel {
    let ended!: (why: string) => void;
    const stopped = new Promise<string>((res) => {
      ended = res;
    });
    return new BrowserKernel(machine, ended, stopped, opts);
  }

  override shutdown(): void {
    super.shutdown();
    this.ended('the in-browser kernel was stopped');
    void this.machine.stop();
  }
}

/** Start a machine from the saved state (build it first with `npm run v86:build`) and return its kernel. */
export async function createBrowserKernel(opts: RelayKernelOptions = {}): Promise<BrowserKernel> {
  return BrowserKernel.on(await startSavedMachine(), opts);
}
