/**
 * The simulated kernel's host: load build/kernel.wasm and get a SimKernel (a netlink-lab Backend).
 * No DOM and no Node APIs here: it runs in a browser worker and in Node alike.
 *
 *   const kernel = await createSimKernel({ wasm: bytesOrModule });
 *   setBackend(kernel);
 *   await kernel.run(async () => { … netlink-lab/user calls … });
 */
import { SimKernel } from './kernel.ts';
import { GenlBridge, type GenlExports } from './genl.ts';
import { KernelGc } from './wasm.ts';

/** Imports that never run code calling back into the kernel (KernelGc.wrapImports). */
const LEAF_IMPORTS: ReadonlySet<string> = new Set([
  'ktime_get_ms',
  'printk_emit',
  'trace_enter',
  'trace_exit',
  'sk_wake',
  'soft_lockup',
  'abort',
]);

export { SimKernel } from './kernel.ts';

/** Options of createSimKernel. */
export interface SimKernelOptions {
  /** The kernel's wasm: its bytes or a compiled module (compile once, instantiate per run). */
  wasm: ArrayBuffer | Uint8Array | WebAssembly.Module;
  /**
   * The kernel command line (what the boot loader passes): /proc/cmdline shows it, early_param and
   * __setup handlers of built-in modules get their options, `mod.param=value` sets a built-in
   * module's parameter. Default: 'console=ttyS0 quiet'.
   */
  cmdline?: string;
  /** Modules built into the kernel: their boot handlers run, then their init, during boot (do_initcalls). */
  builtin?: import('../../../src/api/types.ts').KernelModule[];
}

/** Instantiate and boot a fresh simulated kernel. */
export async function createSimKernel(opts: SimKernelOptions): Promise<SimKernel> {
  const mod =
    opts.wasm instanceof WebAssembly.Module
      ? opts.wasm
      : await WebAssembly.compile(opts.wasm as ArrayBuffer | Uint8Array<ArrayBuffer>);
  const imports = SimKernel.imports();
  let kernel: SimKernel | undefined;
  const genl = new GenlBridge(
    () => kernel!.ex as unknown as GenlExports,
    () => kernel?.modules.loadingName() ?? '',
    (where, e) => kernel?.modules.oops(where, e),
  );
  const gc = new KernelGc(
    () => kernel!.ex,
    () => kernel!.mem,
  );
  const env = gc.wrapImports({ ...imports.env, ...GenlBridge.env(() => genl) }, LEAF_IMPORTS);
  const instance = await WebAssembly.instantiate(mod, { env: env as unknown as WebAssembly.ModuleImports });
  kernel = new SimKernel(instance, mod, imports, gc);
  kernel.genlHost = genl;
  kernel.hooks.families = () => genl.families();
  if (opts.cmdline !== undefined || opts.builtin?.length) await kernel.bootWith(opts.cmdline, opts.builtin ?? []);
  return kernel;
}
