/**
 * The files of a program on disk: the entry file and every local file it imports, transitively
 * (`import … from './util'`), so `compile` gets them all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { ProgramFiles } from '../runtime/program.ts';

// Type-only imports are skipped: sucrase removes them, so their files are never loaded.
const IMPORT =
  /(?:import|export)\s(?!type\s)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|import\s+['"](\.{1,2}\/[^'"]+)['"]/g;

/** Read `entry` and the local files it imports; names are relative to the entry's folder. */
export function readProgram(entry: string): { files: ProgramFiles; entry: string } {
  const dir = dirname(entry);
  const files: ProgramFiles = {};
  const todo = [entry];
  while (todo.length) {
    const path = todo.pop()!;
    const name = relative(dir, path);
    if (name in files) continue;
    const source = readFileSync(path, 'utf8');
    files[name] = source;
    for (const m of source.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? m[3];
      const base = join(dirname(path), spec);
      const found = [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].find(
        (p) => existsSync(p) && !p.endsWith('/'),
      );
      if (found && !(relative(dir, found) in files)) todo.push(found);
    }
  }
  return { files, entry: basename(entry) };
}
