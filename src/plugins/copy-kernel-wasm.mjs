// @ts-check
/**
 * An Astro integration that puts the simulated kernel (build/*.wasm, made by `npm run build:kernel`)
 * into the built site as dist/kernel/<name>.wasm, so the playground can fetch it from any static host.
 * A wasm the playground already bundled through Vite is left as it is; this makes sure a copy exists
 * at a stable address too.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** @returns {import('astro').AstroIntegration} */
export function copyKernelWasm() {
  return {
    name: 'netlink-lab:kernel-wasm',
    hooks: {
      'astro:build:done': ({ dir, logger }) => {
        const from = 'build';
        const wasm = existsSync(from) ? readdirSync(from).filter((f) => f.endsWith('.wasm')) : [];
        if (wasm.length === 0) {
          if (process.env.NETLINK_LAB_REQUIRE_KERNEL) {
            throw new Error(
              'No build/*.wasm: the simulated kernel was not built. Run `npm run build:kernel` (or `npm run build`, which does it first).',
            );
          }
          logger.warn(
            'build/*.wasm not found: the site is built without the simulated kernel, so playgrounds cannot run. Run `npm run build:kernel` first (`npm run build` does).',
          );
          return;
        }
        const to = join(fileURLToPath(dir), 'kernel');
        mkdirSync(to, { recursive: true });
        for (const f of wasm) copyFileSync(join(from, f), join(to, f));
        logger.info(`copied ${wasm.map((f) => `build/${f}`).join(', ')} to dist/kernel/`);
      },
    },
  };
}
