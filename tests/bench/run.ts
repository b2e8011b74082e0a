/**
 * `npm run bench`: every tests/bench/*.bench.ts, one after another in this process. Each file's
 * default export prints its figures as `name: value unit` lines; this runner prints them as they
 * come, then a summary of every figure and of the files that failed.
 *
 *   tsx tests/bench/run.ts [name-filter]
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2];
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
const figures: { file: string; line: string }[] = [];
const failed: { file: string; error: string }[] = [];
const FIGURE = /^[\w ./()-]+: .+$/;

const log = console.log;
for (const file of files) {
  log(`\n=== ${file}`);
  const started = Date.now();
  console.log = (...a: unknown[]) => {
    const text = format(...a);
    for (const line of text.split('\n')) if (FIGURE.test(line)) figures.push({ file, line });
    log(text);
  };
  try {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { default?: () => Promise<void> };
    if (typeof mod.default !== 'function') throw new Error('no default export function (see tests/bench/run.ts)');
    await mod.default();
  } catch (e) {
    failed.push({ file, error: (e as Error).message ?? String(e) });
    log(`${file} failed: ${(e as Error).stack ?? e}`);
  } finally {
    console.log = log;
  }
  log(`(${file}: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

log('\n=== summary');
for (const f of figures) log(`${f.file.replace(/\.bench\.ts$/, '')} | ${f.line}`);
for (const f of failed) log(`FAILED ${f.file}: ${f.error.split('\n')[0]}`);
log(`${files.length - failed.length}/${files.length} benchmark files ran`);
process.exitCode = failed.length ? 1 : 0;
