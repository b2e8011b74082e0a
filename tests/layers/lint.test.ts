/**
 * The import rules of biome.jsonc hold: an import that reaches up a layer fails `npm run lint`.
 * Each case writes a two-line file into the folder it names (removed after the run), and expects
 * the rule named, or no diagnostic at all for the allowed imports.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const biome = join(root, 'node_modules/.bin/biome');

/** Lint every case at once: each source is written at its path for the run, then removed. */
function lintAll(cases: [path: string, source: string][]): Map<string, string[]> {
  const files = cases.map(([path, source], i) => {
    const file = path.replace(/probe\.ts$/, `lint-probe-${process.pid}-${i}.ts`);
    writeFileSync(join(root, file), source);
    return file;
  });
  try {
    const r = spawnSync(biome, ['lint', '--error-on-warnings', '--reporter=json', ...files], {
      cwd: root,
      encoding: 'utf8',
    });
    const report = JSON.parse(r.stdout) as { diagnostics: { category: string; location: { path: string } }[] };
    const found = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const d of report.diagnostics) found.get(d.location.path)?.push(d.category);
    return new Map(files.map((f, i) => [`${i}`, found.get(f)!]));
  } finally {
    for (const f of files) rmSync(join(root, f), { force: true });
  }
}

const NODE = 'lint/correctness/noNodejsModules';
const LAYER = 'lint/style/noRestrictedImports';

const cases: [path: string, source: string, expected: string[]][] = [
  ['sandboxes/sim/host/probe.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n", [NODE]],
  [
    'sandboxes/sim/host/probe.ts',
    "import { x } from '../../../src/runtime/worker.ts';\nexport const a = x;\n",
    [LAYER],
  ],
  ['sandboxes/sim/host/probe.ts', "import { ERRNO } from '../../../src/api/errno.ts';\nexport const a = ERRNO;\n", []],
  ['src/api/probe.ts', "import { x } from '../../sandboxes/real/bridge.ts';\nexport const a = x;\n", [LAYER]],
  ['src/agent/probe.ts', "import { x } from '../runtime/vm/relay-client.ts';\nexport const a = x;\n", [LAYER]],
  ['src/agent/probe.ts', "import { x } from '../../sandboxes/real/agent-process.ts';\nexport const a = x;\n", [LAYER]],
  ['src/runtime/vm/probe.ts', "import { x } from '../../../sandboxes/real/bridge.ts';\nexport const a = x;\n", [LAYER]],
  [
    'src/runtime/vm/probe.ts',
    "import { x } from '../../components/terminal/xterm-view.ts';\nexport const a = x;\n",
    [LAYER],
  ],
  ['src/runtime/vm/probe.ts', "import { EventEmitter } from 'node:events';\nexport const a = EventEmitter;\n", [NODE]],
  ['src/runtime/vm/probe.ts', "import { OP } from '../../agent/protocol.ts';\nexport const a = OP;\n", []],
  ['src/components/site/probe.ts', "import { x } from '../playground/playground.ts';\nexport const a = x;\n", [LAYER]],
  ['src/components/playground/probe.ts', "import { x } from '../site/x.ts';\nexport const a = x;\n", [LAYER]],
  [
    'src/components/playground/probe.ts',
    "import { lessonHref } from '../../course/url.ts';\nexport const a = lessonHref;\n",
    [],
  ],
  [
    'sandboxes/vm/relay/probe.ts',
    "import { x } from '../../../src/components/terminal/xterm-view.ts';\nexport const a = x;\n",
    [LAYER],
  ],
  ['src/cli/probe.ts', "import { x } from '../../tests/fixtures/sim-kernel.ts';\nexport const a = x;\n", [LAYER]],
];

describe('an import that reaches up a layer fails the lint, an allowed one passes', () => {
  const found = lintAll(cases.map(([path, source]) => [path, source]));
  cases.forEach(([path, source, expected], i) => {
    it(`${path}: ${source.split('\n')[0]}`, () => {
      expect(found.get(`${i}`)).toEqual(expected);
    });
  });
});
