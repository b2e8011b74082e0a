#!/usr/bin/env node
/**
 * Builds the real-kernel agent and the native benchmark from C source into build/real/, with the
 * system compiler, only when a source is newer than its binary.
 *
 *   node sandboxes/real/build.mjs [--static] [--force]
 *
 * `--static` also builds build/real/agent-static (for a VM initramfs). Needs gcc and libc6-dev
 * (scripts/system-deps.mjs, group `build`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Where the binaries go. */
export const OUT_DIR = join(root, 'build', 'real');
/** The agent binary (dynamically linked). */
export const AGENT = join(OUT_DIR, 'agent');
/** The agent, statically linked, for the VM. */
export const AGENT_STATIC = join(OUT_DIR, 'agent-static');
/** The native request/ACK benchmark. */
export const REQACK = join(OUT_DIR, 'reqack');

const TARGETS = [
  { out: AGENT, src: join(here, 'agent', 'agent.c'), flags: [] },
  { out: AGENT_STATIC, src: join(here, 'agent', 'agent.c'), flags: ['-static'], optional: true },
  { out: REQACK, src: join(here, 'bench', 'reqack.c'), flags: [] },
];

const mtime = (p) => (existsSync(p) ? statSync(p).mtimeMs : -1);

/**
 * Build what is out of date. Returns the paths built. Throws with the compiler's message, or with
 * the apt-get line to run when there is no compiler.
 */
export function buildReal({ static: withStatic = false, force = false, log = () => {} } = {}) {
  mkdirSync(OUT_DIR, { recursive: true });
  const built = [];
  for (const t of TARGETS) {
    if (t.optional && !withStatic) continue;
    if (!force && mtime(t.out) >= mtime(t.src) && mtime(t.out) >= mtime(fileURLToPath(import.meta.url))) continue;
    // Compile to a private name, then rename: test files building at the same time never run a
    // half-written binary.
    const tmp = `${t.out}.${process.pid}.tmp`;
    const args = ['-O2', '-Wall', '-Werror', ...t.flags, '-o', tmp, t.src];
    log(
      `cc ${['-O2', '-Wall', '-Werror', ...t.flags, '-o', t.out, t.src].map((a) => (a.startsWith('/') ? relative(root, a) : a)).join(' ')}`,
    );
    try {
      execFileSync('cc', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      renameSync(tmp, t.out);
    } catch (e) {
      rmSync(tmp, { force: true });
      if (e.code === 'ENOENT')
        throw new Error(
          'netlink-lab: no C compiler (cc). Install it: apt-get install -y gcc libc6-dev (or run `node scripts/system-deps.mjs build`).',
        );
      throw new Error(`netlink-lab: building ${relative(root, t.out)} failed:\n${e.stderr?.toString() ?? e.message}`);
    }
    built.push(t.out);
  }
  return built;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  try {
    const built = buildReal({
      static: argv.includes('--static'),
      force: argv.includes('--force'),
      log: (s) => console.log(s),
    });
    console.log(built.length ? `built ${built.map((p) => relative(root, p)).join(', ')}` : 'build/real is up to date');
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
