/**
 * The builder's datagram as a TypeScript program that builds it with the `netlink-lab/user`
 * helpers (genlmsg, nlmsg, ifinfomsg, nla_string, nla_nest, …), sends it and prints every reply
 * until the kernel has nothing more to say. Parts the helpers cannot express — a pinned length, odd
 * padding, stray bytes — are written byte by byte, so the program always sends exactly the
 * datagram's bytes. Pure: datagram in, source text out.
 */
import * as U from '../../api/uapi.ts';
import * as R from '../../api/rtnl.ts';
import { decodeDatagram, NLCTRL, type Field, type GenlFamilySpec } from '../decode/index.ts';
import { encodeWithSpans, type Attr, type AttrList, type Datagram, type Message } from './model.ts';
import { NLM_F_HIGH, NLM_F_LOW, STRUCTS } from './structs.ts';

/** Constants `netlink-lab/user` exports, by name (only those are used as names in the program). */
const CONSTANTS: Record<string, number> = Object.fromEntries(
  Object.entries({ ...U, ...R }).filter((e): e is [string, number] => typeof e[1] === 'number'),
);

const PROTOCOL_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(CONSTANTS)
    .filter(
      ([k]) =>
        /^NETLINK_[A-Z0-9_]+$/.test(k) &&
        !/^NETLINK_(ADD|DROP|PKTINFO|BROADCAST|NO_ENOBUFS|LISTEN|CAP_ACK|EXT_ACK|GET_STRICT|LIST_MEMBERSHIPS|RX_RING|TX_RING)/.test(
          k,
        ),
    )
    .map(([k, v]) => [v, k]),
);

/** What the program needs besides the datagram: families to name (from the decoder's context). */
export interface ExportOptions {
  families?: GenlFamilySpec[];
}

/** The whole program: socket, extended ACKs on, build, send, receive until EAGAIN, close. */
export function exportProgram(d: Datagram, opts: ExportOptions = {}): string {
  const used = new Set<string>([
    'socket',
    'setsockopt',
    'sendto',
    'recv',
    'close',
    'parseNlmsgs',
    'parseNlmsgerr',
    'ErrnoError',
    'ERRNO',
    'AF_NETLINK',
    'SOCK_RAW',
    'SOL_NETLINK',
    'NETLINK_EXT_ACK',
    'MSG_DONTWAIT',
    'NLMSG_ERROR',
    'NLMSG_DONE',
    'cstring',
  ]);
  const ctx = new Ctx(d, used, opts);
  const messages = d.messages.map((m, i) => ctx.message(m, i));
  if (d.tail) messages.push(`bytesOf('${d.tail}') /* bytes after the last message */`);
  const proto = PROTOCOL_NAMES[d.protocol] ?? String(d.protocol);
  if (PROTOCOL_NAMES[d.protocol]) used.add(proto);
  if (messages.length > 1) used.add('concat');
  const request =
    messages.length === 0
      ? 'new Uint8Array(0) /* an empty datagram */'
      : messages.length === 1
        ? messages[0]!
        : `concat(\n  ${messages.join(',\n  ')},\n)`;
  const names = [...used].sort((a, b) => a.localeCompare(b));
  const lines = [
    `// Built in the lab's message builder: ${d.messages.length} message${d.messages.length === 1 ? '' : 's'}, ${encodeWithSpans(d).bytes.length} bytes.`,
    `import {\n  ${wrap(names)},\n} from 'netlink-lab/user';`,
    '',
    ...(ctx.needsBytes
      ? [
          '/** Bytes from hex, for the parts the helpers do not build. */',
          'const bytesOf = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (x) => parseInt(x, 16));',
          '',
        ]
      : []),
    `const fd = await socket(AF_NETLINK, SOCK_RAW, ${proto});`,
    '// Extended ACKs: an error comes with a message and the offset of the attribute at fault.',
    'await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);',
    '',
    `const request = ${request};`,
    'try {',
    '  await sendto(fd, request);',
    '} catch (e) {',
    '  // The kernel refused the datagram (sendto returned -1): say why, then read what it queued anyway.',
    '  if (!(e instanceof ErrnoError)) throw e;',
    '  console.log(`sendto failed: ${e.message}`);',
    '}',
    '',
    '// Every reply, until none is left (a dump goes on as long as we read it).',
    'const buf = new Uint8Array(65536);',
    'for (;;) {',
    '  let n: number;',
    '  try {',
    '    n = await recv(fd, buf, MSG_DONTWAIT);',
    '  } catch (e) {',
    '    if (e instanceof ErrnoError && e.errno === ERRNO.EAGAIN) break;',
    '    throw e;',
    '  }',
    '  for (const m of parseNlmsgs(buf.subarray(0, n))) {',
    '    const err = parseNlmsgerr(m);',
    '    if (err) {',
    '      const text = err.tlvs.find((t) => t.type === 1);',
    "      console.log(`NLMSG_ERROR ${err.error === 0 ? 'ACK' : err.error} for seq ${err.msg.nlmsg_seq}${text ? `: ${cstring(text.payload)}` : ''}`);",
    "    } else if (m.nlmsg_type === NLMSG_DONE) console.log('NLMSG_DONE');",
    '    else console.log(`type ${m.nlmsg_type}, ${m.nlmsg_len} bytes, flags 0x${m.nlmsg_flags.toString(16)}, seq ${m.nlmsg_seq}`);',
    '  }',
    '}',
    'await close(fd);',
    '',
  ];
  return lines.join('\n');
}

function wrap(names: string[]): string {
  const out: string[] = [];
  let line = '';
  for (const n of names) {
    if (line && line.length + n.length > 90) {
      out.push(line);
      line = '';
    }
    line += (line ? ', ' : '') + n;
  }
  if (line) out.push(line);
  return out.join(',\n  ');
}

class Ctx {
  needsBytes = false;
  private readonly bytes: Uint8Array;
  private readonly spans: Map<string, [number, number]>;
  private readonly labels = new Map<number, string>();

  constructor(
    private readonly d: Datagram,
    private readonly used: Set<string>,
    opts: ExportOptions,
  ) {
    const { bytes, spans } = encodeWithSpans(d);
    this.bytes = bytes;
    this.spans = spans;
    // The decoder's names for attributes, by where they start.
    const visit = (fs: readonly Field[]) => {
      for (const f of fs) {
        if (f.kind === 'attr') this.labels.set(f.start, f.label);
        if (f.children) visit(f.children);
      }
    };
    visit(decodeDatagram(bytes, { protocol: d.protocol, sender: 'process', families: opts.families }));
  }

  /** A name `netlink-lab/user` exports for this value, or the number (with the name as a comment). */
  private name(name: string | undefined, value: number): string {
    if (name && CONSTANTS[name] === value) {
      this.used.add(name);
      return name;
    }
    return name && /^[A-Z][A-Z0-9_]+$/.test(name) ? `${value} /* ${name} */` : String(value);
  }

  private raw(hex: string, note: string): string {
    this.needsBytes = true;
    return `bytesOf('${hex}') /* ${note} */`;
  }

  /** A raw body: text through bytes() when it is text, else bytes from hex. */
  private body(hex: string): string {
    const b = Uint8Array.from(hex.match(/../g) ?? [], (x) => parseInt(x, 16));
    const nul = b[b.length - 1] === 0;
    const text = b.subarray(0, nul ? -1 : undefined);
    if (text.length > 0 && text.every((x) => x >= 0x20 && x <= 0x7e)) {
      this.used.add('bytes');
      return `bytes(${JSON.stringify(String.fromCharCode(...text))}${nul ? ', true' : ''})`;
    }
    return this.raw(hex, 'the body');
  }

  private rawSpan(path: string, note: string): string {
    const [s, e] = this.spans.get(path)!;
    return this.raw(Array.from(this.bytes.subarray(s, e), (x) => x.toString(16).padStart(2, '0')).join(''), note);
  }

  private flags(flags: number, type: number, cmdName?: string): string {
    if (flags === 0) return '0';
    const typeName = this.typeName(type);
    const verb = (cmdName ?? typeName ?? '').replace(/^(RTM_|CTRL_CMD_|[A-Z0-9]+_C(MD)?_)/, '');
    const ctx = verb.startsWith('GET')
      ? 'get'
      : verb.startsWith('NEW') || verb.startsWith('SET')
        ? 'new'
        : verb.startsWith('DEL')
          ? 'delete'
          : undefined;
    const parts: string[] = [];
    let left = flags;
    for (const [bit, n] of NLM_F_LOW)
      if (left & bit) {
        parts.push(this.name(n, bit));
        left &= ~bit;
      }
    if (ctx === 'get' && (left & 0x300) === 0x300) {
      parts.push(this.name('NLM_F_DUMP', 0x300));
      left &= ~0x300;
    }
    if (ctx)
      for (const [bit, n] of NLM_F_HIGH[ctx])
        if (left & bit) {
          parts.push(this.name(n, bit));
          left &= ~bit;
        }
    if (left) parts.push(`0x${left.toString(16)}`);
    return parts.join(' | ');
  }

  private typeName(type: number): string | undefined {
    if (this.d.protocol === U.NETLINK_ROUTE)
      return Object.entries(CONSTANTS).find(([k, v]) => k.startsWith('RTM_') && v === type)?.[0];
    if (this.d.protocol === U.NETLINK_GENERIC && type === U.GENL_ID_CTRL) return 'GENL_ID_CTRL';
    return undefined;
  }

  message(m: Message, i: number): string {
    const path = `m${i}`;
    const consistent =
      m.pad === 'auto' &&
      (!m.header || m.header.pad === 'auto' || m.header.struct === 'rtgenmsg') &&
      (!m.attrs || listClean(m.attrs));
    if (!consistent)
      return this.rawSpan(
        path,
        `message ${i + 1}, byte by byte: its padding or attributes are not what the helpers write`,
      );
    const common = `type: ${this.name(this.typeName(m.type), m.type)}, flags: FLAGS, seq: ${m.seq}${m.pid ? `, pid: ${m.pid}` : ''}${m.len !== 'auto' ? `, len: ${m.len} /* pinned: the message has another length */` : ''}`;
    const attrs = m.attrs ? this.attrs(m.attrs, path) : [];
    if (m.header?.struct === 'genlmsghdr' && m.len === 'auto') {
      const [cmd, version, reserved] = m.header.values as [number, number, number];
      const cmdName = m.type === U.GENL_ID_CTRL ? NLCTRL.cmds?.[cmd] : undefined;
      this.used.add('genlmsg');
      const fields = [
        `family: ${this.name(this.typeName(m.type), m.type)}`,
        `cmd: ${this.name(cmdName, cmd)}`,
        `version: ${version}`,
        `flags: ${this.flags(m.flags, m.type, cmdName)}`,
        `seq: ${m.seq}`,
        ...(m.pid ? [`pid: ${m.pid}`] : []),
        ...(reserved ? [`reserved: ${reserved}`] : []),
        ...(attrs.length ? [`attrs: [\n    ${attrs.join(',\n    ')},\n  ]`] : []),
      ];
      return `genlmsg({ ${fields.join(', ')} })`;
    }
    this.used.add('nlmsg');
    const payload: string[] = [];
    if (m.header) payload.push(this.header(m));
    else if (m.raw) payload.push(this.body(m.raw));
    payload.push(...attrs);
    const cmdName =
      m.header?.struct === 'genlmsghdr' && m.type === U.GENL_ID_CTRL ? NLCTRL.cmds?.[m.header.values[0]!] : undefined;
    const body =
      payload.length === 0
        ? ''
        : payload.length === 1 && !m.attrs?.items.length
          ? `, payload: ${payload[0]}`
          : `, payload: [\n    ${payload.join(',\n    ')},\n  ]`;
    return `nlmsg({ ${common.replace('FLAGS', this.flags(m.flags, m.type, cmdName))}${body} })`;
  }

  private header(m: Message): string {
    const h = m.header!;
    const v = h.values;
    const s = STRUCTS[h.struct];
    const field = (i: number) => {
      const f = s.fields[i]!;
      const name = f.enum?.[v[i]!];
      return this.name(name, v[i]!);
    };
    const named = (keys: string[], idx: number[]) => keys.map((k, j) => `${k}: ${field(idx[j]!)}`).join(', ');
    if (h.struct === 'genlmsghdr' && v[2] === 0) {
      this.used.add('genlmsghdr');
      return `genlmsghdr(${this.name(m.type === U.GENL_ID_CTRL ? NLCTRL.cmds?.[v[0]!] : undefined, v[0]!)}, ${v[1]})`;
    }
    if (h.struct === 'ifinfomsg' && v[1] === 0) {
      this.used.add('ifinfomsg');
      return `ifinfomsg({ ${named(['family', 'type', 'index', 'flags', 'change'], [0, 2, 3, 4, 5])} })`;
    }
    if (h.struct === 'ifaddrmsg') {
      this.used.add('ifaddrmsg');
      return `ifaddrmsg({ ${named(['family', 'prefixlen', 'flags', 'scope', 'index'], [0, 1, 2, 3, 4])} })`;
    }
    if (h.struct === 'rtmsg') {
      this.used.add('rtmsg');
      return `rtmsg({ ${named(['family', 'dst_len', 'src_len', 'tos', 'table', 'protocol', 'scope', 'type', 'flags'], [0, 1, 2, 3, 4, 5, 6, 7, 8])} })`;
    }
    if (h.struct === 'rtgenmsg') {
      const pad = h.pad === 'auto' ? ', 0, 0, 0' : h.pad.replace(/(..)/g, ', 0x$1');
      return `Uint8Array.of(${field(0)}${pad}) /* struct rtgenmsg${h.pad === 'auto' ? ' and its padding' : ''} */`;
    }
    return this.raw(
      `${s.fields.map((f, i) => le(v[i]!, f.size)).join('')}${h.pad === 'auto' ? '' : h.pad}`,
      `struct ${h.struct}`,
    );
  }

  private attrs(list: AttrList, path: string): string[] {
    const out = list.items.map((a, i) => this.attr(a, `${path}.a${i}`));
    if (list.tail) out.push(this.raw(list.tail, 'bytes that do not form an attribute'));
    return out;
  }

  private attr(a: Attr, path: string): string {
    const start = this.spans.get(path)![0];
    const label = this.labels.get(start);
    const flagsMask = U.NLA_F_NESTED | U.NLA_F_NET_BYTEORDER;
    const bare = a.type & ~flagsMask & 0xffff;
    const t = this.name(label, bare);
    const withBits =
      a.type & U.NLA_F_NET_BYTEORDER ? `${t} | ${this.name('NLA_F_NET_BYTEORDER', U.NLA_F_NET_BYTEORDER)}` : t;
    if (a.nest) {
      this.used.add('nla_nest');
      const kids = this.attrs(a.nest, path).map((k) => k.replace(/\n/g, '\n  '));
      return `nla_nest(${withBits}, [${kids.length ? `\n      ${kids.join(',\n      ')},\n    ` : ''}]${a.type & U.NLA_F_NESTED ? ', true' : ''})`;
    }
    const v = a.value ?? '';
    const b = Uint8Array.from(v.match(/../g) ?? [], (x) => parseInt(x, 16));
    const typeExpr = a.type & U.NLA_F_NESTED ? `${withBits} | ${this.name('NLA_F_NESTED', U.NLA_F_NESTED)}` : withBits;
    const dv = new DataView(b.buffer);
    if (b.length === 0) {
      this.used.add('nla_flag');
      return `nla_flag(${typeExpr})`;
    }
    const text = asText(b);
    if (text !== undefined) {
      this.used.add('nla_string');
      return `nla_string(${typeExpr}, ${JSON.stringify(text)})`;
    }
    if ((b.length === 4 || b.length === 16) && label && ADDRESS_ATTRS.has(label)) {
      this.used.add('nla');
      this.used.add(b.length === 4 ? 'inet_pton4' : 'inet_pton6');
      return `nla(${typeExpr}, ${b.length === 4 ? 'inet_pton4' : 'inet_pton6'}('${R.inet_ntop(b)}'))`;
    }
    if (b.length === 1) {
      this.used.add('nla_u8');
      return `nla_u8(${typeExpr}, ${b[0]})`;
    }
    if (b.length === 2) {
      this.used.add('nla_u16');
      return `nla_u16(${typeExpr}, ${dv.getUint16(0, true)})`;
    }
    if (b.length === 4) {
      this.used.add('nla_u32');
      return `nla_u32(${typeExpr}, ${dv.getUint32(0, true)})`;
    }
    if (b.length === 8) {
      this.used.add('nla_u64');
      return `nla_u64(${typeExpr}, ${dv.getBigUint64(0, true)}n)`;
    }
    this.used.add('nla');
    return `nla(${typeExpr}, ${this.raw(v, `${b.length} bytes`)})`;
  }
}

/** Attributes that hold an IPv4 or IPv6 address (in network order), written with inet_pton4/6. */
const ADDRESS_ATTRS = new Set([
  'IFA_ADDRESS',
  'IFA_LOCAL',
  'IFA_BROADCAST',
  'IFA_ANYCAST',
  'IFA_MULTICAST',
  'RTA_DST',
  'RTA_SRC',
  'RTA_GATEWAY',
  'RTA_PREFSRC',
  'NDA_DST',
  'FRA_DST',
  'FRA_SRC',
]);

/** Every length and padding automatic, no stray bytes: the helpers write exactly this. */
function listClean(l: AttrList): boolean {
  return !l.tail && l.items.every((a) => a.len === 'auto' && a.pad === 'auto' && (!a.nest || listClean(a.nest)));
}

/** Printable text with exactly one NUL at the end (what nla_string writes), or undefined. */
function asText(b: Uint8Array): string | undefined {
  if (b.length < 2 || b[b.length - 1] !== 0) return undefined;
  for (let i = 0; i < b.length - 1; i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return undefined;
  return String.fromCharCode(...b.subarray(0, -1));
}

const le = (v: number, size: number) =>
  Array.from({ length: size }, (_, i) => ((v >>> (8 * i)) & 0xff).toString(16).padStart(2, '0')).join('');
