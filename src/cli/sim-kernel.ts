/**
 * The simulated kernel for the CLI and the fidelity suite: build the wasm if its sources changed,
 * boot a fresh SimKernel, and report every process's uncaught error like the real bridge does.
 */
import { readFileSync } from 'node:fs';
import type { Backend } from '../api/backend.ts';
import type { SpawnOptions } from '../api/types.ts';
import { buildKernel } from '../../sandboxes/sim/build.mjs';
import { createSimKernel } from '../../sandboxes/sim/host/index.ts';
import type { CliKernel } from './kernels.ts';

let wasm: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel, built first when its sources changed (once per process). */
function kernelModule(): Promise<WebAssembly.Module> {
  wasm ??= (async () => {
    const { wasm: file } = (await buildKernel({ quiet: true })) as { wasm: string };
    return WebAssembly.compile(readFileSync(file));
  })();
  return wasm;
}

/** A fresh simulated kernel; `trace` switches the function-graph tracer on from boot. */
export async function createSimCliKernel(opts: {
  trace?: boolean;
  onUncaught: (pid: number, e: unknown) => void;
  cmdline?: string;
  builtin?: import('../api/types.ts').KernelModule[];
}): Promise<CliKernel> {
  const k = await createSimKernel({ wasm: await kernelModule(), cmdline: opts.cmdline, builtin: opts.builtin });
  if (opts.trace) k.trace.enable(true);
  // Every process's uncaught error is reported, as the real bridge's onUncaught does; the process
  // still ends with status 1 (the simulator records that itself).
  const spawn = (main: () => Promise<void>, o?: SpawnOptions): Promise<number> => {
    let pid = 0;
    const started = k.spawn(async () => {
      try {
        await main();
      } catch (e) {
        opts.onUncaught(pid || k.getpid(), e);
        throw e;
      }
    }, o);
    return started.then((p) => (pid = p));
  };
  const backend = new Proxy(k, {
    get(target, prop) {
      if (prop === 'spawn') return spawn;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Backend;
  return {
    backend,
    // The simulator's scheduler tells processes apart by which one is running, so outside code
    // must not call waitpid while one runs: run() waits until every process has ended.
    run: async (main, o) =>
      (
        await k.run(async () => {
          try {
            await main();
          } catch (e) {
            opts.onUncaught(k.getpid(), e);
            throw e;
          }
        }, o)
      ).status,
    shutdown: async () => {},
    trace: () => `${k.trace.text()}\n`,
  };
}
