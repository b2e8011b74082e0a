/**
 * A fresh simulated kernel for the genl tests, from build/kernel.wasm (built when its sources
 * changed), compiled once per test file.
 */
import { readFileSync } from 'node:fs';
import { buildKernel, KERNEL_WASM } from '../../sandboxes/sim/build.mjs';
import { createSimKernel, type SimKernel } from '../../sandboxes/sim/host/index.ts';

let compiled: Promise<WebAssembly.Module> | null = null;

/** A booted simulated kernel. */
export async function newSimKernel(): Promise<SimKernel> {
  compiled ??= (async () => {
    await buildKernel();
    return WebAssembly.compile(readFileSync(KERNEL_WASM));
  })();
  return createSimKernel({ wasm: await compiled });
}
