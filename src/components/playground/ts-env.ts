/**
 * The TypeScript environment the editor checks programs in: ES2023, the playground's globals, and
 * netlink-lab's API from its sources. Shared by the language-service worker (ts-worker.ts) and the
 * test that keeps every lesson's code free of type errors (ts-env.test.ts).
 */
import type * as TS from 'typescript';
import { createSystem, createVirtualTypeScriptEnvironment, type VirtualTypeScriptEnvironment } from '@typescript/vfs';

/** Where the API sources live in the virtual file system. */
export const API_ROOT = '/netlink-lab';

/** The module names a program imports, and the API source each one is (as the run worker links them). */
export const MODULES: Record<string, string> = {
  'netlink-lab/user': 'src/api/user.ts',
  'netlink-lab/kernel': 'src/api/kernel.ts',
};

/** The files the environment is made of. */
export interface EnvFiles {
  /** TypeScript's lib files by file name ('lib.es5.d.ts'). */
  libs: Record<string, string>;
  /** The API sources by path from the project root ('src/api/user.ts'). */
  api: Record<string, string>;
  /** program-globals.d.ts. */
  globals: string;
}

/** Compiler options: strict, ES2023, bundler resolution with .ts extensions, the API by name. */
export function compilerOptions(ts: typeof TS, api: Record<string, string>): TS.CompilerOptions {
  return {
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
    paths: Object.fromEntries(
      Object.entries(MODULES)
        .filter(([, p]) => p in api)
        .map(([m, p]) => [m, [`${API_ROOT}/${p}`]]),
    ),
  };
}

/** A virtual TypeScript environment with `files`; programs are added with env.createFile('/main.ts', …). */
export function createEnvironment(ts: typeof TS, files: EnvFiles): VirtualTypeScriptEnvironment {
  const fsMap = new Map<string, string>();
  for (const [name, text] of Object.entries(files.libs)) fsMap.set(`/${name}`, text);
  for (const [path, text] of Object.entries(files.api)) fsMap.set(`${API_ROOT}/${path}`, text);
  fsMap.set('/program-globals.d.ts', files.globals);
  return createVirtualTypeScriptEnvironment(
    createSystem(fsMap),
    ['/program-globals.d.ts'],
    ts,
    compilerOptions(ts, files.api),
  );
}
