#!/usr/bin/env node
/**
 * Writes tests/kernel-linux-names.txt: the functions of the simulated kernel (sandboxes/sim/kernel)
 * whose names Linux has, each with the Linux file that defines it. tests/kernel-style.test.ts holds
 * every other function of the kernel to a `sim:` mark in its doc comment.
 *
 *   node scripts/linux-names.mjs /path/to/linux-source-6.1
 *
 * The Linux tree is Debian's linux-source-6.1 (apt-get install linux-source-6.1; untar
 * /usr/src/linux-source-6.1.tar.xz). A name counts as Linux's when a .c or .h file of the
 * subsystems the kernel models defines it: a function (its name and `(` on a line that starts in
 * column 0, as kernel style writes a definition or a prototype) or a macro (`#define NAME`).
 * Names that 6.1 lacks and this machine's 6.18 has are listed in SINCE_6_1 below.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const kernel = join(root, 'sandboxes/sim/kernel');
const out = join(root, 'tests/kernel-linux-names.txt');
const linux = process.argv[2];
if (!linux) {
  console.error('usage: node scripts/linux-names.mjs <linux source tree>');
  process.exit(2);
}

/** Linux functions the simulator has that 6.1 does not (checked against 6.18's headers). */
const SINCE_6_1 = new Map([
  ['nla_get_uint', 'include/net/netlink.h (6.7+)'],
  ['nla_get_sint', 'include/net/netlink.h (6.7+)'],
]);

/** Where the modelled code lives: definitions elsewhere (another driver, another protocol) do not count. */
const LINUX_DIRS = [
  'include',
  'init',
  'kernel',
  'lib',
  'fs/file.c',
  'fs/proc',
  'net/core',
  'net/netlink',
  'net/ipv4',
  'net/ipv6',
  'net/bridge',
  'net/socket.c',
  'drivers/net/veth.c',
  'drivers/net/loopback.c',
];

function walk(p, each) {
  let entries;
  try {
    entries = readdirSync(p, { withFileTypes: true });
  } catch {
    if (/\.[ch]$/.test(p)) each(p);
    return;
  }
  for (const e of entries) walk(join(p, e.name), each);
}

/** Kernel function name → the sim file that defines it (the same declarations the test reads). */
const wanted = new Map();
(function scan(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) scan(p);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      const text = readFileSync(p, 'utf8');
      for (const m of text.matchAll(/^(?:@\w+ )?(?:export )?(?:declare )?function (\w+)/gm)) {
        if (!wanted.has(m[1])) wanted.set(m[1], relative(kernel, p));
      }
    }
  }
})(kernel);

/** Linux name → the files defining it. */
const defined = new Map();
for (const d of LINUX_DIRS) {
  walk(join(linux, d), (file) => {
    if (!/\.[ch]$/.test(file)) return;
    const rel = relative(linux, file);
    const add = (name) => {
      if (!wanted.has(name)) return;
      const list = defined.get(name) ?? [];
      if (!list.includes(rel)) list.push(rel);
      defined.set(name, list);
    };
    for (const line of readFileSync(file, 'latin1').split('\n')) {
      if (/^[A-Za-z_]/.test(line)) for (const m of line.matchAll(/([A-Za-z_]\w*)\s*\(/g)) add(m[1]);
      const def = /^#\s*define\s+(\w+)/.exec(line);
      if (def) add(def[1]);
    }
  });
}

/** Prefer the Linux file the sim file says it models, then a .c over a header. */
function pick(name, files) {
  const models = readFileSync(join(kernel, wanted.get(name)), 'utf8').match(/Models Linux [\d.]+: (.*)/)?.[1] ?? '';
  const rank = (f) => (models.includes(f) ? 0 : 2) + (f.endsWith('.c') ? 0 : 1);
  return [...files].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))[0];
}

const lines = [];
for (const name of [...wanted.keys()].sort()) {
  const files = defined.get(name);
  if (files) lines.push(`${name} ${pick(name, files)}`);
  else if (SINCE_6_1.has(name)) lines.push(`${name} ${SINCE_6_1.get(name)}`);
}
writeFileSync(
  out,
  `# The simulated kernel's functions whose names Linux has, and the Linux file defining each.\n` +
    `# Made by: node scripts/linux-names.mjs <linux-source-6.1>. Every other function is marked sim:.\n` +
    lines.join('\n') +
    '\n',
);
console.log(`${lines.length} Linux names of ${wanted.size} kernel functions → ${relative(root, out)}`);
