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
import { API_ROOT, MODULES, createEnvironment } from './ts-env.ts';

const libs = import.meta.glob<string>(
  [
    '/node_modules/typescript/lib/lib.es5.d.ts',
    '/node_modules/typescript/lib/lib.es20{15,16,17,18,19,20,21,22,23}*.d.ts',
    '/node_modules/typescript/lib/lib.decorators*.d.ts',
  ],
  { query: '?raw', import: 'default', eager: true },
);
const api = import.meta.glob<string>(['/src/api/**/*.ts', '!/src/api/**/*.test.ts'], {
  query: '?raw',
  import: 'default',
  eager: true,
});

const worker = createWorker(() =>
  createEnvironment(ts, {
    libs: Object.fromEntries(Object.entries(libs).map(([p, t]) => [p.split('/').pop()!, t])),
    api: Object.fromEntries(Object.entries(api).map(([p, t]) => [p.replace(/^\//, ''), t])),
    globals,
  }),
);

/** What a module exports, for completing names the program has not imported yet. */
export interface ModuleExport {
  name: string;
  kind: 'function' | 'const' | 'type' | 'class' | 'other';
}

Comlink.expose({
  ...worker,
  /** The exports of each of netlink-lab's modules ('netlink-lab/user' → its names), from the API's sources. */
  exportsOf(): Record<string, ModuleExport[]> {
    const env = worker.getEnv();
    const program = env?.languageService.getProgram();
    if (!env || !program) return {};
    const checker = program.getTypeChecker();
    const out: Record<string, ModuleExport[]> = {};
    for (const [mod, path] of Object.entries(MODULES)) {
      const sf = program.getSourceFile(`${API_ROOT}/${path}`);
      const sym = sf && checker.getSymbolAtLocation(sf);
      if (!sym) continue;
      out[mod] = checker.getExportsOfModule(sym).map((e) => {
        const s = e.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(e) : e;
        const f = s.flags;
        const kind =
          f & ts.SymbolFlags.Function
            ? 'function'
            : f & ts.SymbolFlags.Class
              ? 'class'
              : f & ts.SymbolFlags.Variable
                ? 'const'
                : f & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)
                  ? 'type'
                  : 'other';
        return { name: e.name, kind } as ModuleExport;
      });
    }
    return out;
  },
});
