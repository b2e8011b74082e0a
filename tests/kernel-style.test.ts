/**
 * The simulated kernel reads beside Linux: errno values, socket options, address families,
 * capabilities and struct sizes by their names, never as numbers. Scans every file of
 * sandboxes/sim/kernel for the literal forms that crept in before (`return (-95)`, `tr(-92)`,
 * `capable(11)`, `case 3:` in a sockopt switch, `!= 16` for AF_NETLINK, `< 12` for
 * sizeof(struct sockaddr_nl)). `-1` stays allowed: it is no errno in the places it is used
 * (a "failed" sentinel for a caller that only tests < 0, as Linux's nla_put callers do), and so
 * are numbers of four digits or more (errno values stop at 133; netlink_autobind's rover starts at -4096).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const kernel = join(root, 'sandboxes/sim/kernel');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? files(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

// Files exempt from the scan (none: every file of the kernel is held to it).
const PENDING = new Set<string>([]);

const RULES: [name: string, re: RegExp][] = [
  [
    'a negative errno as a number',
    /(?:return\s*\(?\s*|\btr\(\s*|[=!]=\s*|\(\s*)-(?:[2-9]|[1-9]\d{1,2})\b(?!\s*[.*/%<>+])/,
  ],
  ['a capability as a number', /\bcapable\(\s*\d+\s*\)/],
  ['AF_NETLINK as a number', /(?:family|load<u16>\(addr\))\s*[!=]=\s*16\b/],
  ['sizeof(struct sockaddr_nl) as a number', /\b(?:addr_len|alen)\s*<\s*12\b/],
];

/** Every offending line, as `file:line: rule: text`. */
function scan(only: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const file of files(kernel)) {
    const rel = relative(kernel, file);
    if (!only(rel)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '').replace(/\/\*.*?\*\//g, '');
        for (const [name, re] of RULES) if (re.test(code)) out.push(`${rel}:${i + 1}: ${name}: ${line.trim()}`);
      });
  }
  return out;
}

describe('the simulated kernel names its constants', () => {
  it('has no numeric errno, capability, family or sockaddr-size literals', () => {
    expect(scan((f) => !PENDING.has(f))).toEqual([]);
  });

  it('has no numeric case labels in the socket-option switches', () => {
    const out: string[] = [];
    for (const rel of ['net/netlink/af_netlink.ts', 'net/core/sock.ts']) {
      const text = readFileSync(join(kernel, rel), 'utf8');
      for (const fn of text.matchAll(/function (\w*sockopt\w*)\([\s\S]*?\n}\n/g)) {
        for (const m of fn[0].matchAll(/case\s+-?\d+\s*:/g)) out.push(`${rel}: ${fn[1]}: ${m[0]}`);
      }
    }
    expect(out).toEqual([]);
  });

  it('catches the forms it is meant to catch', () => {
    const hit = (code: string) => RULES.some(([, re]) => re.test(code));
    for (const bad of [
      'return (-95);',
      'return -92;',
      'return tr(-22);',
      'if (x == -90 && y)',
      'capable(11)',
      'if (family != 16) return',
      'if (addr_len < 12) return',
    ]) {
      expect(hit(bad), bad).toBe(true);
    }
    for (const good of [
      'return -EINVAL;',
      'return -1;',
      'return tr(-ENOPROTOOPT);',
      'capable(CAP_NET_ADMIN)',
      'x = -2 * y;',
      'if (len > sk.sk_sndbuf - 32)',
      'if (rover == -4096)',
    ]) {
      expect(hit(good), good).toBe(false);
    }
  });
});
