/**
 * Turning a learner's TypeScript into something that runs: types are stripped and `import`s become
 * calls to a require() that knows only netlink-lab's own modules and the program's other files.
 * The same code runs in the browser's worker and in the Node CLI.
 */
import { transform } from 'sucrase';

/** A program: its files by name ('main.ts', 'module.ts', …). */
export type ProgramFiles = Record<string, string>;

/** A compile error with the file and line where it happened. */
export class ProgramError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(line ? `${file}:${line}${column ? `:${column}` : ''}: ${message}` : `${file}: ${message}`);
    this.name = 'ProgramError';
  }
}

export interface CompiledFile {
  file: string;
  js: string;
  /** Sucrase's source map (its "mappings"): token by token, where each compiled column came from. */
  mappings?: string;
}

/**
 * Files compiled earlier, by name, with the source they were compiled from: the run worker compiles
 * the editor's files while the learner reads (src/runtime/worker.ts, 'prepare'), so Run does not
 * compile again what did not change since.
 */
export type CompileCache = Map<string, { source: string; compiled: CompiledFile }>;

/**
 * Strip types and turn ES modules into CommonJS, file by file. Throws ProgramError on a syntax
 * error. A file whose source is in `cache` is taken from there; a file compiled here is added to it.
 */
export function compile(files: ProgramFiles, cache?: CompileCache): Map<string, CompiledFile> {
  const out = new Map<string, CompiledFile>();
  for (const [file, source] of Object.entries(files)) {
    const hit = cache?.get(file);
    if (hit && hit.source === source) {
      out.set(normalise(file), hit.compiled);
      continue;
    }
    try {
      const { code, sourceMap } = transform(source, {
        transforms: ['typescript', 'imports'],
        filePath: file,
        production: true,
        disableESTransforms: true,
        sourceMapOptions: { compiledFilename: file },
      });
      const compiled: CompiledFile = { file, js: code, mappings: sourceMap?.mappings };
      out.set(normalise(file), compiled);
      cache?.set(file, { source, compiled });
    } catch (e) {
      const err = e as Error & { loc?: { line: number; column: number } };
      const msg = err.message.replace(/^Error transforming [^:]*: /, '').replace(/\s*\(\d+:\d+\)$/, '');
      throw new ProgramError(msg, file, err.loc?.line, err.loc ? err.loc.column + 1 : undefined);
    }
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * The source column (1-based) of a 1-based (line, column) in a compiled file: sucrase keeps lines
 * but drops type annotations, so columns after one move left. Reads the source map's segments of
 * that line; the column is unchanged when there is no map.
 */
export function sourceColumn(f: CompiledFile | undefined, line: number, column: number): number {
  const lines = f?.mappings?.split(';');
  if (!lines || !lines[line - 1]) return column;
  // The source column is coded relative to the previous segment's across the whole map; the
  // generated column restarts on each line.
  let src = 0;
  let best: [number, number] | undefined;
  for (let l = 0; l < line; l++) {
    let gen = 0;
    for (const seg of lines[l]!.split(',')) {
      const v: number[] = [];
      let shift = 0;
      let acc = 0;
      for (const ch of seg) {
        const d = B64.indexOf(ch);
        acc += (d & 31) << shift;
        if (d & 32) {
          shift += 5;
          continue;
        }
        v.push(acc & 1 ? -(acc >>> 1) : acc >>> 1);
        acc = 0;
        shift = 0;
      }
      if (v.length === 0) continue;
      gen += v[0]!;
      if (v.length >= 4) src += v[3]!;
      if (l === line - 1 && gen <= column - 1) best = [gen, src];
    }
  }
  return best ? best[1] + (column - 1 - best[0]) + 1 : column;
}

const normalise = (p: string) => p.replace(/^\.\//, '').replace(/\.(ts|js|mts)$/, '');

/** What a program can import by name. */
export type Libraries = Record<string, unknown>;

/** The console a program writes to. */
export interface ProgramConsole {
  log(...a: unknown[]): void;
  error(...a: unknown[]): void;
  warn(...a: unknown[]): void;
  info(...a: unknown[]): void;
}

// An async function body allows top-level await in the entry file.
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...a: unknown[]) => Promise<unknown>;

/** The require() a compiled file calls: libraries by name, the program's files by relative path. */
function makeRequire(
  compiled: Map<string, CompiledFile>,
  libs: Libraries,
  console: ProgramConsole,
  cache: Map<string, { exports: Record<string, unknown> }>,
) {
  const load = (name: string): Record<string, unknown> => {
    if (name in libs) return libs[name] as Record<string, unknown>;
    const key = normalise(name);
    const hit = cache.get(key);
    if (hit) return hit.exports;
    const file = compiled.get(key);
    if (!file)
      throw new Error(
        `Cannot find module '${name}'. A program can import ${Object.keys(libs)
          .map((l) => `'${l}'`)
          .join(', ')} and its own files (${[...compiled.values()].map((f) => `'./${f.file}'`).join(', ')}).`,
      );
    const module = { exports: {} as Record<string, unknown> };
    cache.set(key, module);
    // Non-entry files run synchronously (no top-level await), like CommonJS.
    const fn = new Function('require', 'module', 'exports', 'console', file.js + `\n//# sourceURL=${file.file}`);
    fn(load, module, module.exports, console);
    return module.exports;
  };
  return load;
}

/**
 * Load one compiled file as a module and return its exports. Its top level runs synchronously (no
 * top-level await). The playground loads a lesson's checks.ts this way to call its default export.
 */
export function loadModule(
  compiled: Map<string, CompiledFile>,
  file: string,
  libs: Libraries,
  console: ProgramConsole,
): Record<string, unknown> {
  if (!compiled.has(normalise(file))) throw new ProgramError('no such file', file);
  return makeRequire(compiled, libs, console, new Map())(`./${file}`);
}

/**
 * Load the compiled program and return its entry as an async function. Running that function runs
 * the entry file's top level and then its `export default` function, if it has one.
 */
export function link(
  compiled: Map<string, CompiledFile>,
  entry: string,
  libs: Libraries,
  console: ProgramConsole,
): () => Promise<unknown> {
  const cache = new Map<string, { exports: Record<string, unknown> }>();
  const load = makeRequire(compiled, libs, console, cache);
  const main = compiled.get(normalise(entry));
  if (!main) throw new ProgramError('no such file', entry);
  return async () => {
    const module = { exports: {} as Record<string, unknown> };
    cache.set(normalise(entry), module);
    const fn = new AsyncFunction('require', 'module', 'exports', 'console', main.js + `\n//# sourceURL=${main.file}`);
    await fn(load, module, module.exports, console);
    const def = module.exports.default;
    if (typeof def === 'function') return await (def as () => unknown)();
    return undefined;
  };
}
