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
  // struct sockaddr_nl is read through its view (include/linux/netlink.ts): `nladdr.nl_pid`.
  ['struct sockaddr_nl read by raw offsets', /\bload<[ui](?:16|32)>\(\s*addr\b/],
  // Every struct the C reads through a pointer is read through a view (`nlh.nlmsg_flags`,
  // `rtm.rtm_table`; include/linux/netlink.ts, include/uapi/linux/*.ts), not at a byte offset.
  ['a struct nlmsghdr read by raw offsets', /\b(?:load|store)<\w+>\(\s*nlh\b/],
  [
    'a struct field read or written at a constant offset',
    /\b(?:load<\w+>\((?:[^()]|\([^()]*\))*,\s*\d+\s*\)|store<\w+>\((?:[^()]|\([^()]*\))*,(?:[^()]|\([^()]*\))*,\s*\d+\s*\))/,
  ],
  ['an array field at a computed constant offset', /\b(?:load|store)<\w+>\(\s*\w+\s*\+\s*\d+\s*\*\s*\d+/],
];

/**
 * A number whose name is given only in a comment (`32 /* RTM_NEWRULE *\/`, `|= 0x20; // MSG_TRUNC`,
 * `policy[21] = ...; // RTA_ENCAP_TYPE`): the constant exists, so the code uses it. These read the
 * line with its comments; a comment that explains (`// SO_BINDTODEVICE: no device`) is not a name.
 */
const COMMENT_RULES: [name: string, re: RegExp][] = [
  ['a number named only by its comment', /(?<![\w.])(?:0x[\da-f]+|\d+)\s*\/\*\s*[A-Z][A-Z\d_]{3,}\b/],
  [
    'a number named only by its comment',
    /(?<![\w.])(?:0x[\da-f]+|\d+)\)*;?\s*\/\/\s*[A-Z][A-Z\d_]{3,}(?:\s*\|\s*[A-Z][A-Z\d_]{3,})*\s*$/,
  ],
  ['an index named only by its comment', /\[\d+\][^/]*\/\/\s*[A-Z][A-Z\d_]{3,}\s*$/],
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
        for (const [name, re] of COMMENT_RULES) if (re.test(line)) out.push(`${rel}:${i + 1}: ${name}: ${line.trim()}`);
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
      'const nl_pid = load<u32>(addr, 4);',
      'if (<i32>load<u16>(addr) != AF_NETLINK)',
      'store<u16>(nlh, load<u16>(nlh, 6) | NLM_F_ACK_TLVS, 6);',
      'const len = <i32>load<u32>(nlh) - off;',
      'if (load<u8>(rtm, 1) > 32) {',
      'store<u32>(ci, ifa.cstamp, 8);',
      'filter.flags = load<u32>(nlmsg_data(nlh), 8) & RTM_F_CLONED;',
      'store<u32>(conf + 14 * 4, 1);',
    ]) {
      expect(hit(bad), bad).toBe(true);
    }
    const named = (line: string) => COMMENT_RULES.some(([, re]) => re.test(line));
    for (const bad of [
      'const nlh = nlmsg_put(skb, portid, seq, 32 /* RTM_NEWRULE */, 12, NLM_F_MULTI);',
      '    info.msg_flags |= 0x20; // MSG_TRUNC',
      '  mask |= 0x1 | 0x40; // EPOLLIN | EPOLLRDNORM',
      '  rtm_ipv6_policy[21] = NLA_POLICY(NLA_U16); // RTA_ENCAP_TYPE',
      '  store<u8>(m, 0, 6); // RT_SCOPE_UNIVERSE',
    ]) {
      expect(named(bad), bad).toBe(true);
    }
    for (const good of [
      '    case SO_BINDTODEVICE: return 0; // SO_BINDTODEVICE: no device, an empty name',
      '  info.msg_flags |= MSG_TRUNC;',
      '  if (len < 4) return -EINVAL; // too short for a header',
    ]) {
      expect(named(good), good).toBe(false);
    }
    for (const good of [
      'return -EINVAL;',
      'return -1;',
      'return tr(-ENOPROTOOPT);',
      'capable(CAP_NET_ADMIN)',
      'x = -2 * y;',
      'if (len > sk.sk_sndbuf - 32)',
      'if (rover == -4096)',
      'const nl_pid = nladdr.nl_pid;',
      'nlh.nlmsg_flags |= NLM_F_ACK_TLVS;',
      'return load<u32>(nla_data(nla));',
      'store<u8>(p + <usize>i, v);',
      'store<u32>(optval + <usize>pos, g ? unchecked(g[pos >> 2]) : 0);',
      'if (rtm.rtm_dst_len > 32) {',
    ]) {
      expect(hit(good), good).toBe(false);
    }
  });
});

/**
 * The kernel beside Linux, file by file and function by function: each file states in one header
 * line which Linux it models (` * Models Linux 6.18: net/netlink/af_netlink.c`), and every function
 * whose name Linux does not have says so with `sim:` in its doc comment (as gVisor marks what it
 * does otherwise). Linux's names are tests/kernel-linux-names.txt, made from Debian's
 * linux-source-6.1 by scripts/linux-names.mjs. A file with no Linux counterpart (the wasm exports,
 * the bridge to TypeScript modules) says `sim:` in its header line and needs no mark per function.
 */
const HEADER = /^ \* Models Linux (\d+\.\d+): (.+)$/;

/** The Linux names: name → the Linux file that defines it. */
function linuxNames(): Map<string, string> {
  const text = readFileSync(join(root, 'tests/kernel-linux-names.txt'), 'utf8');
  return new Map(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const i = l.indexOf(' ');
        return [l.slice(0, i), l.slice(i + 1)] as const;
      }),
  );
}

/** Every top-level function of a kernel file with its doc comment (decorators and @ts-ignore skipped). */
function functions(text: string): { name: string; line: number; doc: string }[] {
  const lines = text.split('\n');
  const out: { name: string; line: number; doc: string }[] = [];
  lines.forEach((l, i) => {
    const m = /^(?:@\w+ )?(?:export )?(?:declare )?function (\w+)/.exec(l);
    if (!m) return;
    let j = i - 1;
    while (j >= 0 && /^(?:@|\/\/ @ts-ignore)/.test(lines[j]!)) j--;
    let doc = '';
    if (j >= 0 && /\*\/\s*$/.test(lines[j]!)) {
      let s = j;
      while (s > 0 && !lines[s]!.includes('/**')) s--;
      doc = lines.slice(s, j + 1).join('\n');
    } else {
      let s = j;
      while (s >= 0 && /^\s*\/\//.test(lines[s]!)) s--;
      doc = lines.slice(s + 1, j + 1).join('\n');
    }
    out.push({ name: m[1]!, line: i + 1, doc });
  });
  return out;
}

/** What is wrong with one kernel file: its version header, and its unmarked functions. */
function kernelFileProblems(rel: string, text: string, linux: Map<string, string>): string[] {
  const out: string[] = [];
  const header = text.slice(0, text.indexOf('*/') + 2);
  const inHeader = header.split('\n').filter((l) => HEADER.test(l));
  const everywhere = text.split('\n').filter((l) => /Models Linux/.test(l));
  if (!text.startsWith('/**') || inHeader.length !== 1 || everywhere.length !== 1) {
    out.push(
      `${rel}: ${everywhere.length} "Models Linux X.Y: <files>" lines (${inHeader.length} in the header), not one`,
    );
  }
  const ours = /\bsim:/.test(inHeader[0] ?? '');
  if (ours) return out;
  for (const f of functions(text)) {
    if (!linux.has(f.name) && !/\bsim:/.test(f.doc)) {
      out.push(`${rel}:${f.line}: ${f.name} is not a Linux function and its doc comment has no sim: mark`);
    }
  }
  return out;
}

describe('the simulated kernel says what is Linux and what is ours', () => {
  const linux = linuxNames();
  const texts = new Map(files(kernel).map((f) => [relative(kernel, f), readFileSync(f, 'utf8')]));

  it('states one Linux version per file and marks every function Linux does not have', () => {
    const out: string[] = [];
    for (const [rel, text] of texts) out.push(...kernelFileProblems(rel, text, linux));
    expect(out).toEqual([]);
  });

  it('models 6.18 everywhere: the kernel the fidelity suite compares it with', () => {
    const versions = [...texts].map(
      ([rel, text]) => `${rel}: ${HEADER.exec(text.split('\n').find((l) => HEADER.test(l)) ?? '')?.[1]}`,
    );
    expect(versions.filter((v) => !v.endsWith(': 6.18'))).toEqual([]);
  });

  it('lists as Linux names only functions the kernel defines', () => {
    const defined = new Set([...texts.values()].flatMap((t) => functions(t).map((f) => f.name)));
    expect([...linux.keys()].filter((n) => !defined.has(n))).toEqual([]);
  });

  it('catches a missing header, a second one and an unmarked function', () => {
    const names = new Map([['netlink_bind', 'net/netlink/af_netlink.c']]);
    const head = '/**\n * What this is.\n *\n * Models Linux 6.18: net/netlink/af_netlink.c\n */\n';
    const ok = (text: string) => kernelFileProblems('x.ts', text, names);
    expect(ok(`${head}export function netlink_bind(): i32 { return 0; }\n`)).toEqual([]);
    expect(ok(`${head}/** sim: ours. */\nfunction helper(): void {}\n`)).toEqual([]);
    expect(
      ok(`${head}// sim: ours,\n// on two lines.\n// @ts-ignore: decorator\n@inline function h(): void {}\n`),
    ).toEqual([]);
    expect(ok('/**\n * No version.\n */\nfunction netlink_bind(): void {}\n')).toHaveLength(1);
    expect(ok(`${head}// Models Linux 6.1: net/netlink/af_netlink.c\n`)).toHaveLength(1);
    expect(ok(`${head}/** Ours, unmarked. */\nfunction helper(): void {}\n`)).toHaveLength(1);
    expect(ok(`${head}function helper(): void {}\n`)).toHaveLength(1);
    expect(
      ok(`${head}// @ts-ignore: decorator\n@external('env', 'x')\ndeclare function host_x(): void;\n`),
    ).toHaveLength(1);
    const glue = '/**\n * Models Linux 6.18: no file of its own (sim: glue)\n */\nexport function helper(): void {}\n';
    expect(ok(glue)).toEqual([]);
  });

  it('reaches the protocol from the socket layer only through sock->ops (netlink_ops)', () => {
    const direct = /\bnetlink_(?:release|bind|connect|getname|sendmsg|recvmsg|setsockopt|getsockopt)\(/;
    const out: string[] = [];
    for (const rel of ['net/socket.ts', 'fs/file.ts']) {
      texts
        .get(rel)!
        .split('\n')
        .forEach((line, i) => {
          if (direct.test(line.replace(/\/\/.*$/, ''))) out.push(`${rel}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(out).toEqual([]);
    const ops = /export const netlink_ops = new proto_ops\(([^)]*)\)/.exec(texts.get('net/netlink/af_netlink.ts')!);
    expect(
      ops?.[1]
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ).toEqual([
      'AF_NETLINK',
      'netlink_release',
      'netlink_bind',
      'netlink_connect',
      'netlink_getname',
      'datagram_poll',
      'netlink_setsockopt',
      'netlink_getsockopt',
      'netlink_sendmsg',
      'netlink_recvmsg',
    ]);
  });

  it('has no dead functions, and every wasm export is called by the host', () => {
    // Knip cannot parse AssemblyScript (knip.jsonc leaves the kernel to this test).
    const code = [...texts.values()].map((t) => t.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '')).join('\n');
    const host = readdirSync(join(root, 'sandboxes/sim/host'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(root, 'sandboxes/sim/host', f), 'utf8'))
      .join('\n');
    const dead: string[] = [];
    for (const [rel, text] of texts) {
      const wasm = rel === 'index.ts' || rel === 'net/netlink/genl_host.ts';
      for (const f of functions(text)) {
        const uses = code.match(new RegExp(`\\b${f.name}\\b`, 'g'))?.length ?? 0;
        const exported = wasm && new RegExp(`^(?:@\\w+ )?export function ${f.name}\\b`, 'm').test(text);
        if (exported ? !new RegExp(`\\.${f.name}\\b|\\b${f.name}:`).test(host) : uses < 2) {
          dead.push(`${rel}:${f.line}: ${f.name}`);
        }
      }
    }
    expect(dead).toEqual([]);
  });

  it('fails when a real mark or header is taken away', () => {
    const af = texts.get('net/netlink/af_netlink.ts')!;
    expect(kernelFileProblems('af', af, linux)).toEqual([]);
    const unmarked = af.replace('/** sim: memset(&extack, 0,', '/** memset(&extack, 0,');
    expect(unmarked).not.toBe(af);
    expect(kernelFileProblems('af', unmarked, linux)).toEqual([
      expect.stringContaining('extack_clear is not a Linux function'),
    ]);
    const headless = af.replace(/\n \* Models Linux [^\n]*/, '');
    expect(kernelFileProblems('af', headless, linux)).toHaveLength(1);
  });
});
