#!/usr/bin/env node
/**
 * `npm run typecheck`: one `tsc --noEmit` per layer, each with only the globals its code may use.
 *
 *   tsconfig.kernel-host.json  sandboxes/sim/host, sandboxes/sim/modules, src/api, src/lib   ES2022 only (types/portable-globals.d.ts)
 *   tsconfig.runtime.json      src/runtime, src/agent                                        ES2022 + WebWorker: no DOM, no Node
 *   tsconfig.site.json         src/components, src/course (browser code)                     ES2022 + DOM, no Node
 *   tsconfig.site-build.json   src/content.config.ts, src/course/course.ts, build-time page data   ES2022 + Astro's types (and Node's)
 *   tsconfig.node.json         bin, src/cli, sandboxes/real, sandboxes/vm, scripts           ES2022 + Node, no DOM
 *   tsconfig.tests.json        tests, *.test.ts, lessons' checks                             ES2022 + DOM + Node
 *
 * A file that uses `document` in the host, or `node:fs` in the runtime, fails here
 * (tests/layers/layers.test.ts proves it). Which layer may import which is Biome's job (biome.json).
 * Runs two at a time (this machine has two cores); `--layer NAME` runs one. Exits non-zero on any error.
 */
import { spawn } from 'node:child_process';

export const LAYERS = ['kernel-host', 'runtime', 'site', 'site-build', 'node', 'tests'];

function check(layer) {
  return new Promise((resolve) => {
    const started = Date.now();
    const p = spawn('npx', ['tsc', '--noEmit', '--pretty', 'false', '-p', `tsconfig.${layer}.json`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (c) => {
      out += c;
    });
    p.stderr.on('data', (c) => {
      out += c;
    });
    p.on('close', (code) => {
      const s = ((Date.now() - started) / 1000).toFixed(1);
      console.log(`typecheck ${layer}: ${code === 0 ? 'ok' : 'FAILED'} (${s} s)`);
      if (code !== 0) process.stdout.write(out.replace(/^/gm, `  [${layer}] `));
      resolve(code === 0);
    });
  });
}

const argv = process.argv.slice(2);
const only = argv.includes('--layer') ? [argv[argv.indexOf('--layer') + 1]] : LAYERS;
const unknown = only.filter((l) => !LAYERS.includes(l));
if (unknown.length) {
  console.error(`unknown layer ${unknown.join(', ')}; the layers are ${LAYERS.join(', ')}`);
  process.exit(2);
}
const queue = [...only];
const results = [];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length) results.push(await check(queue.shift()));
  }),
);
process.exit(results.every(Boolean) ? 0 : 1);
