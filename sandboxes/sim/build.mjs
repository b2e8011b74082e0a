#!/usr/bin/env node
/**
 * Build the simulated kernel: AssemblyScript (sandboxes/sim/kernel) → build/kernel.wasm.
 *
 * Idempotent and fast when nothing changed: a hash of every kernel source is kept in
 * build/kernel.stamp, and the compiler runs only when it differs (or with --force).
 * The wasm gets a custom section "netlink-lab.symbols": JSON { fn: [file, line] } for every kernel
 * function, so traces can point at the line that defines each function.
 *
 * Usable from the command line (`npm run build:kernel`) and from tests:
 *   import { buildKernel } from './sandboxes/sim/build.mjs'; await buildKernel();
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const kernelDir = join(here, 'kernel');
/** Where the kernel is written. */
export const KERNEL_WASM = join(root, 'build', 'kernel.wasm');
const STAMP = join(root, 'build', 'kernel.stamp');
const SECTION = 'netlink-lab.symbols';

function sources(dir = kernelDir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

/** Every `function name(` in the kernel sources, with its file (relative to kernel/) and line. */
export function symbols(files = sources()) {
  const map = {};
  const re = /^\s*(?:export\s+)?function\s+([A-Za-z_$][\w$]*)\s*\(/;
  for (const f of files) {
    const rel = relative(kernelDir, f).split(sep).join('/');
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const m = re.exec(line);
        if (m && !(m[1] in map)) map[m[1]] = [rel, i + 1];
      });
  }
  return map;
}

function leb128(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function customSection(name, payload) {
  const nameBytes = Buffer.from(name, 'utf8');
  const body = Buffer.concat([Buffer.from(leb128(nameBytes.length)), nameBytes, payload]);
  return Buffer.concat([Buffer.from([0]), Buffer.from(leb128(body.length)), body]);
}

/**
 * Compile the kernel if its sources changed. Resolves to { wasm: path, built: boolean }; rejects
 * with the compiler's messages when the kernel does not compile.
 */
export async function buildKernel({ force = false, quiet = false } = {}) {
  const files = sources();
  const hash = createHash('sha256');
  for (const f of files) hash.update(relative(kernelDir, f)).update('\0').update(readFileSync(f)).update('\0');
  hash.update(readFileSync(fileURLToPath(import.meta.url)));
  const digest = hash.digest('hex');
  if (!force && existsSync(KERNEL_WASM) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) {
    return { wasm: KERNEL_WASM, built: false };
  }
  mkdirSync(dirname(KERNEL_WASM), { recursive: true });
  const { default: asc } = await import('assemblyscript/asc');
  const tmp = `${KERNEL_WASM}.tmp-${process.pid}`;
  let stderr = '';
  const { error } = await asc.main(
    [
      relative(root, join(kernelDir, 'index.ts')),
      '--outFile',
      relative(root, tmp),
      '--optimize',
      '-O3',
      '--runtime',
      'minimal',
      '--noAssert',
      '--initialMemory',
      '32',
      '--exportRuntime',
    ],
    {
      stdout: {
        write: (s) => {
          if (!quiet) process.stdout.write(s);
          return true;
        },
      },
      stderr: {
        write: (s) => {
          stderr += s;
          return true;
        },
      },
      readFile: (name, baseDir) => {
        const p = join(baseDir, name);
        return existsSync(p) ? readFileSync(p, 'utf8') : null;
      },
    },
  );
  if (error) {
    throw new Error(`The simulated kernel does not compile (sandboxes/sim/kernel):\n${stderr || error.message}`);
  }
  // Warnings are shown (they are usually real mistakes: lossy casts, unused code).
  if (stderr.trim() && !quiet) process.stderr.write(stderr);
  const wasm = readFileSync(tmp);
  const section = customSection(SECTION, Buffer.from(JSON.stringify(symbols(files)), 'utf8'));
  // Written under another name and renamed: test workers building at once never see half a file.
  writeFileSync(tmp, Buffer.concat([wasm, section]));
  renameSync(tmp, KERNEL_WASM);
  writeFileSync(STAMP, digest);
  if (!quiet) console.log(`build/kernel.wasm: ${statSync(KERNEL_WASM).size} bytes`);
  return { wasm: KERNEL_WASM, built: true };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  buildKernel({ force: process.argv.includes('--force') }).then(
    (r) => {
      if (!r.built) console.log('build/kernel.wasm is up to date');
    },
    (e) => {
      console.error(e.message);
      process.exit(1);
    },
  );
}
