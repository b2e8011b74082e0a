/**
 * The kernels a program can run on from the command line, created by name. The simulated kernel is
 * loaded only when asked for, so `--kernel real` works before the wasm kernel is built.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from '../api/backend.ts';
import type { SpawnOptions } from '../api/types.ts';

/** A kernel the CLI can drive: a Backend that can be shut down, and perhaps traced. */
export interface CliKernel {
  backend: Backend;
  /** Run `main` as the program's first process; resolves to its exit status. */
  run(main: () => Promise<void>, opts?: SpawnOptions): Promise<number>;
  /** Kill what is left (processes, agents). */
  shutdown(): Promise<void>;
  /** The function-graph trace recorded so far (simulated kernel only). */
  trace?(): string;
}

/**
 * On a kernel whose spawn and waitpid work from outside any process: start the first process, then
 * wait for it and for every process it started (as the simulator's run() does), and give its status.
 */
const firstProcess =
  (b: Backend & { waitAll(): Promise<void> }) =>
  async (main: () => Promise<void>, opts?: SpawnOptions): Promise<number> => {
    const status = await b.waitpid(await b.spawn(main, opts));
    await b.waitAll();
    return status;
  };

/** The kernels `--kernel` names. */
export type KernelKind = 'sim' | 'real' | 'vm' | 'browser';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Create the kernel `kind`; `onAgent` hears each real agent's pid (for the timeout's cleanup). */
export async function createKernel(
  kind: KernelKind,
  opts: {
    trace?: boolean;
    onUncaught: (pid: number, e: unknown) => void;
    onAgent?: (pid: number) => void;
    /** The kernel command line: the simulator's, or appended to the VM's. */
    cmdline?: string;
    /** Modules built into the simulated kernel. */
    builtin?: import('../api/types.ts').KernelModule[];
  },
): Promise<CliKernel> {
  if (opts.builtin?.length && kind !== 'sim')
    throw new Error(
      "--builtin needs the simulated kernel (--kernel sim): the real kernels load the course's modules only with insmod.",
    );
  if (opts.cmdline !== undefined && kind === 'real')
    throw new Error("--cmdline needs --kernel sim or vm: this machine's kernel booted long ago.");
  if (kind === 'vm') {
    if (opts.trace)
      throw new Error(
        '--trace needs the simulated kernel (--kernel sim): a real kernel has no function-graph trace here.',
      );
    // Agents live in the guest: their pids are not reported through onAgent (they are not host pids).
    const { createVmKernel } = await import('../../sandboxes/vm/backend.ts');
    const k = await createVmKernel({
      onUncaught: opts.onUncaught,
      ...(opts.cmdline !== undefined ? { boot: { append: opts.cmdline } } : {}),
    });
    return { backend: k, run: firstProcess(k), shutdown: () => k.shutdown() };
  }
  if (kind === 'browser') {
    if (opts.trace)
      throw new Error(
        '--trace needs the simulated kernel (--kernel sim): a real kernel has no function-graph trace here.',
      );
    if (opts.cmdline !== undefined)
      throw new Error(
        "--cmdline needs --kernel sim or vm: the in-browser kernel starts from a saved state, booted once with the image's command line.",
      );
    const { createBrowserKernel } = await import('../../sandboxes/v86/backend.ts');
    const k = await createBrowserKernel({ onUncaught: opts.onUncaught });
    return { backend: k, run: firstProcess(k), shutdown: async () => k.shutdown() };
  }
  if (kind === 'real') {
    if (opts.trace)
      throw new Error(
        '--trace needs the simulated kernel (--kernel sim): a real kernel has no function-graph trace here.',
      );
    const { createRealKernel } = await import('../../sandboxes/real/bridge.ts');
    const k = createRealKernel({ onUncaught: opts.onUncaught, onAgent: opts.onAgent });
    return { backend: k, run: firstProcess(k), shutdown: () => k.shutdown() };
  }
  const host = join(root, 'sandboxes', 'sim', 'host', 'index.ts');
  if (!existsSync(host))
    throw new Error(
      'the simulated kernel is not available yet (sandboxes/sim/host/index.ts is missing); use --kernel real.',
    );
  const { createSimCliKernel } = await import('./sim-kernel.ts');
  return createSimCliKernel(opts);
}
