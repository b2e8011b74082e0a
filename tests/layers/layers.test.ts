/**
 * The layers hold: a file that uses what its layer may not use fails `npm run typecheck`.
 *
 * For each layer, a probe file is written into a scratch folder of the checkout and checked with
 * that layer's tsconfig (extended only to name the probe). Each probe has lines the layer allows
 * and lines it forbids, one per line, marked `// forbidden`; the test passes only if tsc reports
 * an error on every forbidden line and on no other line, so a layer that lets `document` or
 * `node:fs` through, or one that rejects what it should allow, fails it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
// A dot-folder: no tsconfig's `include` wildcard, vitest glob or Biome pass picks it up.
const scratch = mkdtempSync(join(root, '.layer-probe-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The declaration files each layer's tsconfig includes besides its folders.
const declarations: Record<string, string[]> = {
  'kernel-host': ['types/portable-globals.d.ts'],
  runtime: [],
  site: ['types/site-env.d.ts'],
  node: ['types/wasm.d.ts'],
};

const probes: Record<string, string[]> = {
  'kernel-host': [
    "import { ErrnoError } from '../src/api/errno.ts';",
    "import { Scheduler } from '../sandboxes/sim/host/sched.ts';",
    'export const a = [ErrnoError, Scheduler, new TextEncoder().encode("x"), WebAssembly.Module];',
    "import { readFileSync } from 'node:fs'; // forbidden",
    'export const b = document.title; // forbidden',
    'export const c = process.env; // forbidden',
    'export const d = Buffer.from([1]); // forbidden',
    'export const e = window.location; // forbidden',
  ],
  runtime: [
    "import { OP } from '../src/agent/protocol.ts';",
    'export const a = [OP.HELLO, self.postMessage, new WebSocket("ws://x"), fetch];',
    "import { readFileSync } from 'node:fs'; // forbidden",
    'export const b = document.title; // forbidden',
    'export const c = process.env; // forbidden',
  ],
  site: [
    "import { lessonHref } from '../src/course/url.ts';",
    'export const a = [lessonHref, document.title, window.location];',
    "import { readFileSync } from 'node:fs'; // forbidden",
    'export const c = process.env; // forbidden',
  ],
  node: [
    "import { readFileSync } from 'node:fs';",
    'export const a = [readFileSync, process.env, Buffer.from([1]), WebAssembly.Module];',
    'export const b = document.title; // forbidden',
    'export const e = window.location; // forbidden',
  ],
};

function typecheck(layer: string, lines: string[]): Map<number, string> {
  const probe = join(scratch, `${layer}.ts`);
  writeFileSync(probe, `${lines.join('\n')}\n`);
  const config = join(scratch, `tsconfig.${layer}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      extends: `../tsconfig.${layer}.json`,
      include: [],
      files: [`${layer}.ts`, ...declarations[layer]!.map((d) => `../${d}`)],
    }),
  );
  const r = spawnSync('npx', ['tsc', '--noEmit', '--pretty', 'false', '-p', config], { cwd: root, encoding: 'utf8' });
  const errors = new Map<number, string>();
  for (const m of r.stdout.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/gm)) {
    expect(m[1], `an error outside the probe: ${m[0]}`).toMatch(new RegExp(`${layer}\\.ts$`));
    errors.set(Number(m[2]), m[3]!);
  }
  if (r.status !== 0 && errors.size === 0)
    throw new Error(`tsc failed without errors to read:\n${r.stdout}${r.stderr}`);
  return errors;
}

describe('each layer rejects what it may not use, and only that', () => {
  for (const [layer, lines] of Object.entries(probes)) {
    it(layer, () => {
      const errors = typecheck(layer, lines);
      const forbidden = lines.flatMap((l, i) => (l.endsWith('// forbidden') ? [i + 1] : []));
      expect(
        [...errors.keys()].sort((x, y) => x - y),
        [...errors].map(([n, e]) => `${n}: ${e}`).join('\n'),
      ).toEqual(forbidden);
    }, 120_000);
  }
});
