/// <reference types="vite/client" />
/**
 * The TypeScript language service of the editor, in its own worker (loaded after the editor is
 * interactive). Its virtual file system holds TypeScript's ES2023 library, the playground's globals,
 * and the very sources of netlink-lab's API (src/api), so completions and type errors match the API
 * exactly as implemented (ts-env.ts).
 */
import * as Comlink from 'comlink';
import ts from 'typescript';
import { createWorker } from '@valtown/codemirror-ts/worker';
import globals from './program-globals.d.ts?raw';
import { createEnvironment } from './ts-env.ts';

const libs = import.meta.glob<string>(
  ['/node_modules/typescript/lib/lib.es5.d.ts', '/node_modules/typescript/lib/lib.es20{15,16,17,18,19,20,21,22,23}*.d.ts', '/node_modules/typescript/lib/lib.decorators*.d.ts'],
  { query: '?raw', import: 'default', eager: true },
);
const api = import.meta.glob<string>(['/src/api/**/*.ts', '!/src/api/**/*.test.ts'], { query: '?raw', import: 'default', eager: true });

Comlink.expose(createWorker(() => createEnvironment(ts, {
  libs: Object.fromEntries(Object.entries(libs).map(([p, t]) => [p.split('/').pop()!, t])),
  api: Object.fromEntries(Object.entries(api).map(([p, t]) => [p.replace(/^\//, ''), t])),
  globals,
})));
