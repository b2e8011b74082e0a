/// <reference types="vite/client" />
/**
 * The TypeScript language service of the editor, in its own worker (loaded after the editor is
 * interactive). Its virtual file system holds TypeScript's ES2023 library, the playground's globals,
 * and the very sources of netlink-lab's API (src/api), so completions and type errors match the API
 * exactly as implemented.
 */
import * as Comlink from 'comlink';
import ts from 'typescript';
import { createSystem, createVirtualTypeScriptEnvironment } from '@typescript/vfs';
import { createWorker } from '@valtown/codemirror-ts/worker';
import globals from './program-globals.d.ts?raw';

const libs = import.meta.glob<string>(
  ['/node_modules/typescript/lib/lib.es5.d.ts', '/node_modules/typescript/lib/lib.es20{15,16,17,18,19,20,21,22,23}*.d.ts', '/node_modules/typescript/lib/lib.decorators*.d.ts'],
  { query: '?raw', import: 'default', eager: true },
);
const api = import.meta.glob<string>(['/src/api/**/*.ts', '!/src/api/**/*.test.ts'], { query: '?raw', import: 'default', eager: true });

/** Where the API sources live in the virtual file system, and the module names that map to them. */
const API_ROOT = '/netlink-lab';
const MODULES: Record<string, string> = {
  'netlink-lab/user': `${API_ROOT}/src/api/user.ts`,
  'netlink-lab/kernel': `${API_ROOT}/src/api/kernel.ts`,
  'netlink-lab/genl': `${API_ROOT}/src/api/genl.ts`,
};

const compilerOptions: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2023.d.ts'],
  strict: true,
  noEmit: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  types: [],
  baseUrl: '/',
  paths: Object.fromEntries(Object.entries(MODULES).filter(([, p]) => api[p.slice(API_ROOT.length)] !== undefined).map(([m, p]) => [m, [p]])),
};

Comlink.expose(createWorker(() => {
  const fsMap = new Map<string, string>();
  for (const [path, text] of Object.entries(libs)) fsMap.set(`/${path.split('/').pop()}`, text);
  for (const [path, text] of Object.entries(api)) fsMap.set(`${API_ROOT}${path}`, text);
  fsMap.set('/program-globals.d.ts', globals);
  const system = createSystem(fsMap);
  return createVirtualTypeScriptEnvironment(system, ['/program-globals.d.ts'], ts, compilerOptions);
}));
