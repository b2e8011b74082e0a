/**
 * For tests (Node only): build the kernel if needed and boot fresh simulated kernels.
 */
import { readFileSync } from 'node:fs';
import { createSimKernel, type SimKernel } from './index.ts';
import { buildKernel } from '../build.mjs';

let compiled: Promise<WebAssembly.Module> | undefined;

/** The compiled kernel (built first if its sources changed). */
export function kernelModule(): Promise<WebAssembly.Module> {
  compiled ??= (async () => {
    const { wasm } = (await buildKernel({ quiet: true })) as { wasm: string };
    return WebAssembly.compile(readFileSync(wasm));
  })();
  return compiled;
}

/** A freshly booted simulated kernel. */
export async function bootKernel(): Promise<SimKernel> {
  return createSimKernel({ wasm: await kernelModule() });
}
