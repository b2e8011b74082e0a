/**
 * The message builder's model: a netlink datagram as plain data (messages, their family header,
 * attributes and nests), with pure functions from bytes to the model and back. Lengths and
 * padding are 'auto' (computed when encoding) unless the learner pins them; a pinned value that
 * disagrees with the content is kept as it is and reported by `issues`, never fixed silently.
 *
 * Every byte of a datagram has a place in the model (a malformed message keeps its bytes as a raw
 * body or a tail), so `encodeDatagram(parseDatagram(b))` gives back `b` exactly.
 */
import { NETLINK_GENERIC, NETLINK_ROUTE, NLA_F_NESTED, NLMSG_HDRLEN, NLMSG_MIN_TYPE } from '../../api/uapi.ts';
import { decodeDatagram, type DecodeContext, type Field } from '../decode/index.ts';
import { STRUCTS, type StructName } from './structs.ts';

/** Bytes as lowercase hex pairs without spaces (plain data: JSON, share links, tests). */
export type Hex = string;

/** A length or padding that follows the content ('auto') or one the learner pinned. */
export type Len = 'auto' | number;
export type Pad = 'auto' | Hex;

/** Attributes in a row, and bytes after them that do not form an attribute. */
export interface AttrList {
  items: Attr[];
  tail: Hex;
}

/** One struct nlattr: either a payload (`value`) or a nest of attributes (`nest`). */
export interface Attr {
  len: Len;
  /** nla_type with its NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
  type: number;
  value: Hex | null;
  nest: AttrList | null;
  pad: Pad;
}

/** A message's fixed family header (genlmsghdr, ifinfomsg, …) and the bytes aligning what follows. */
export interface Header {
  struct: StructName;
  values: number[];
  pad: Pad;
}

/** One message: nlmsghdr, then a header and attributes, or a raw body. */
export interface Message {
  len: Len;
  type: number;
  flags: number;
  seq: number;
  pid: number;
  header: Header | null;
  /** The attributes after the header (null when the body is raw). */
  attrs: AttrList | null;
  /** The body when there is no header (control messages, other protocols, short bodies). */
  raw: Hex;
  pad: Pad;
}

/** What one send() carries: the socket's protocol, its messages, bytes left over. */
export interface Datagram {
  protocol: number;
  messages: Message[];
  tail: Hex;
}

// ---- bytes ---------------------------------------------------------------------------------------

const align4 = (n: number) => (n + 3) & ~3;

export function toHex(b: Uint8Array): Hex {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}

export function fromHex(h: Hex): Uint8Array {
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** A hex text that is not bytes: what is wrong and where (a character index in the text). */
export interface HexError {
  message: string;
  at: number;
}

/**
 * The learner's hex text as bytes: hex digits in pairs; spaces, newlines and an optional offset
 * column ('0010: ') are ignored. Anything else is an error naming the character.
 */
export function parseHexText(text: string): { bytes: Uint8Array } | { error: HexError } {
  const digits: string[] = [];
  const lines = text.split('\n');
  let at = 0;
  let firstAt = -1;
  for (const line of lines) {
    const m = /^\s*[0-9a-fA-F]{4,8}:/.exec(line);
    const start = m ? m[0].length : 0;
    for (let i = start; i < line.length; i++) {
      const c = line[i]!;
      if (/\s/.test(c)) continue;
      if (!/[0-9a-fA-F]/.test(c))
        return { error: { message: `"${c}" is not a hex digit (character ${at + i + 1})`, at: at + i } };
      if (digits.length % 2 === 0) firstAt = at + i;
      digits.push(c.toLowerCase());
    }
    at += line.length + 1;
  }
  if (digits.length % 2)
    return {
      error: {
        message: `an odd number of hex digits: the last byte has only one digit (character ${firstAt + 1})`,
        at: firstAt,
      },
    };
  return { bytes: fromHex(digits.join('')) };
}

/** Bytes as the hex text the builder shows: 16 bytes a line, grouped by 4, with offsets. */
export function formatHex(b: Uint8Array): string {
  const lines: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const groups: string[] = [];
    for (let g = o; g < Math.min(o + 16, b.length); g += 4)
      groups.push(toHex(b.subarray(g, Math.min(g + 4, o + 16, b.length))));
    lines.push(`${o.toString(16).padStart(4, '0')}: ${groups.join(' ')}`);
  }
  return lines.join('\n');
}

const rd16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const rd32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;

// ---- which header a message has -----------------------------------------------------------------

/** The fixed header that follows nlmsghdr for `type` on `protocol` (none for control messages and unknown protocols). */
export function structFor(protocol: number, type: number): StructName | null {
  if (type < NLMSG_MIN_TYPE) return null;
  if (protocol === NETLINK_GENERIC) return 'genlmsghdr';
  if (protocol !== NETLINK_ROUTE) return null;
  switch ((type - 16) >> 2) {
    case 0:
      return 'ifinfomsg';
    case 1:
      return 'ifaddrmsg';
    case 2:
      return 'rtmsg';
    case 3:
      return 'ndmsg';
    case 4: // RTM_NEWRULE 32 … RTM_GETRULE 34
      return 'fib_rule_hdr';
    default:
      return 'rtgenmsg';
  }
}

// ---- bytes → model -------------------------------------------------------------------------------

/** Where nests are: the offsets (in the datagram) of attributes whose payload is attributes. */
export type NestHint = (offset: number) => boolean;

/**
 * The decoder's idea of which attributes are nests (from its specs, or NLA_F_NESTED): the builder
 * names and nests attributes exactly as the Messages panel decodes them.
 */
export function decoderNests(bytes: Uint8Array, ctx: DecodeContext): NestHint {
  const at = new Set<number>();
  const visit = (fs: readonly Field[]) => {
    for (const f of fs) {
      if (f.kind === 'attr') {
        const payload = f.children?.find((c) => c.kind === 'payload');
        if (payload?.children?.some((c) => c.kind === 'attr' || c.kind === 'trailing')) at.add(f.start);
      }
      if (f.children) visit(f.children);
    }
  };
  visit(decodeDatagram(bytes, ctx));
  return (o) => at.has(o);
}

/** Read a datagram sent on `protocol` into the model; every byte lands somewhere. */
export function parseDatagram(
  bytes: Uint8Array,
  protocol: number,
  nests: NestHint = decoderNests(bytes, { protocol, sender: 'process' }),
): Datagram {
  const messages: Message[] = [];
  let off = 0;
  while (bytes.length - off >= NLMSG_HDRLEN) {
    const len = rd32(bytes, off);
    const left = bytes.length - off;
    const base = {
      type: rd16(bytes, off + 4),
      flags: rd16(bytes, off + 6),
      seq: rd32(bytes, off + 8),
      pid: rd32(bytes, off + 12),
    };
    // A malformed length (the kernel stops at it) stays pinned; the body is whatever bytes follow.
    const malformed = len < NLMSG_HDRLEN || len > left;
    const bodyStart = off + NLMSG_HDRLEN;
    const end = malformed ? bytes.length : off + len;
    const padEnd = malformed ? end : Math.min(off + align4(len), bytes.length);
    const msg: Message = {
      ...base,
      len: malformed ? len : 'auto',
      header: null,
      attrs: null,
      raw: '',
      pad: malformed ? '' : padOf(bytes, end, padEnd, align4(len) - len),
    };
    const struct = structFor(protocol, base.type);
    const size = struct ? STRUCTS[struct].size : 0;
    if (struct && end - bodyStart >= size) {
      const s = STRUCTS[struct];
      const values: number[] = [];
      let o = bodyStart;
      for (const f of s.fields) {
        values.push(readField(bytes, o, f.size, f.signed));
        o += f.size;
      }
      const hpadEnd = Math.min(bodyStart + align4(size), end);
      msg.header = { struct, values, pad: padOf(bytes, bodyStart + size, hpadEnd, align4(size) - size) };
      msg.attrs = parseAttrs(bytes, hpadEnd, end, nests);
    } else {
      msg.raw = toHex(bytes.subarray(bodyStart, end));
    }
    messages.push(msg);
    off = padEnd;
    if (malformed) break;
  }
  return { protocol, messages, tail: toHex(bytes.subarray(off)) };
}

function readField(b: Uint8Array, o: number, size: 1 | 2 | 4, signed?: boolean): number {
  const v = size === 1 ? b[o]! : size === 2 ? rd16(b, o) : rd32(b, o);
  return signed && size === 4 ? v | 0 : v;
}

/** Padding bytes: 'auto' when they are the `want` zero bytes encoding would write. */
function padOf(b: Uint8Array, start: number, end: number, want: number): Pad {
  const p = b.subarray(start, end);
  return p.length === want && p.every((x) => x === 0) ? 'auto' : toHex(p);
}

function parseAttrs(b: Uint8Array, start: number, end: number, nests: NestHint): AttrList {
  const items: Attr[] = [];
  let off = start;
  while (end - off >= 4) {
    const len = rd16(b, off);
    if (len < 4 || len > end - off) break;
    const type = rd16(b, off + 2);
    const padEnd = Math.min(off + align4(len), end);
    const pad = padOf(b, off + len, padEnd, align4(len) - len);
    const nested = len > 4 && (nests(off) || (type & NLA_F_NESTED) !== 0);
    const nest = nested ? parseAttrs(b, off + 4, off + len, nests) : null;
    // A "nest" that holds no attribute at all is bytes, not a nest.
    if (nest && nest.items.length > 0) items.push({ len: 'auto', type, value: null, nest, pad });
    else items.push({ len: 'auto', type, value: toHex(b.subarray(off + 4, off + len)), nest: null, pad });
    off = padEnd;
  }
  return { items, tail: toHex(b.subarray(off, end)) };
}

// ---- model → bytes -------------------------------------------------------------------------------

/** Where a part of the model landed in the bytes: [start, end) by path ('m0', 'm0.h', 'm0.a2.a0'). */
export type Spans = Map<string, [number, number]>;

class Writer {
  bytes: number[] = [];
  spans: Spans = new Map();
  u8(v: number) {
    this.bytes.push(v & 0xff);
  }
  u16(v: number) {
    this.u8(v);
    this.u8(v >>> 8);
  }
  u32(v: number) {
    this.u16(v & 0xffff);
    this.u16(v >>> 16);
  }
  hex(h: Hex) {
    for (let i = 0; i + 1 < h.length; i += 2) this.bytes.push(parseInt(h.slice(i, i + 2), 16));
  }
  zeros(n: number) {
    for (let i = 0; i < n; i++) this.bytes.push(0);
  }
  at() {
    return this.bytes.length;
  }
  set32(o: number, v: number) {
    for (let i = 0; i < 4; i++) this.bytes[o + i] = (v >>> (8 * i)) & 0xff;
  }
  set16(o: number, v: number) {
    this.bytes[o] = v & 0xff;
    this.bytes[o + 1] = (v >>> 8) & 0xff;
  }
}

/** The datagram's bytes, and where each part of the model is in them. */
export function encodeWithSpans(d: Datagram): { bytes: Uint8Array; spans: Spans } {
  const w = new Writer();
  for (const [i, m] of d.messages.entries()) writeMessage(w, m, `m${i}`);
  w.hex(d.tail);
  return { bytes: Uint8Array.from(w.bytes), spans: w.spans };
}

/** The datagram's bytes. */
export const encodeDatagram = (d: Datagram): Uint8Array => encodeWithSpans(d).bytes;

function writeMessage(w: Writer, m: Message, path: string): void {
  const start = w.at();
  w.u32(0);
  w.u16(m.type);
  w.u16(m.flags);
  w.u32(m.seq);
  w.u32(m.pid);
  if (m.header) {
    const hs = w.at();
    const s = STRUCTS[m.header.struct];
    s.fields.forEach((f, i) => {
      const v = m.header!.values[i] ?? 0;
      if (f.size === 1) w.u8(v);
      else if (f.size === 2) w.u16(v);
      else w.u32(v);
    });
    writePad(w, m.header.pad, align4(s.size) - s.size);
    w.spans.set(`${path}.h`, [hs, w.at()]);
  } else {
    w.hex(m.raw);
  }
  if (m.attrs) writeAttrs(w, m.attrs, path);
  const actual = w.at() - start;
  w.set32(start, m.len === 'auto' ? actual : m.len);
  writePad(w, m.pad, align4(actual) - actual);
  w.spans.set(path, [start, w.at()]);
}

function writePad(w: Writer, pad: Pad, want: number): void {
  if (pad === 'auto') w.zeros(want);
  else w.hex(pad);
}

function writeAttrs(w: Writer, list: AttrList, path: string): void {
  list.items.forEach((a, i) => {
    const p = `${path}.a${i}`;
    const start = w.at();
    w.u16(0);
    w.u16(a.type);
    if (a.nest) writeAttrs(w, a.nest, p);
    else w.hex(a.value ?? '');
    const actual = w.at() - start;
    w.set16(start, a.len === 'auto' ? actual : a.len);
    writePad(w, a.pad, align4(actual) - actual);
    w.spans.set(p, [start, w.at()]);
  });
  if (list.tail) {
    const s = w.at();
    w.hex(list.tail);
    w.spans.set(`${path}.tail`, [s, w.at()]);
  }
}

// ---- consistency -----------------------------------------------------------------------------------

/** Something the learner made inconsistent (or a malformed part read from hex), by path. */
export interface Issue {
  path: string;
  message: string;
}

/** Every pinned length that disagrees with the content, padding that is not zeros, stray bytes. */
export function issues(d: Datagram): Issue[] {
  const out: Issue[] = [];
  const { bytes } = encodeWithSpans(d);
  let off = 0;
  d.messages.forEach((m, i) => {
    const path = `m${i}`;
    const actual = messageSize(m);
    if (m.len !== 'auto' && m.len !== actual) {
      out.push({
        path,
        message: `nlmsg_len says ${m.len} but the message has ${actual} bytes${m.len > bytes.length - off ? ` (more than the ${bytes.length - off} bytes left: the kernel drops the rest of the datagram)` : m.len < NLMSG_HDRLEN ? ' (less than the 16-byte header: the kernel drops the rest of the datagram)' : ''}`,
      });
    }
    padIssue(out, path, m.pad, align4(actual) - actual, 'message');
    if (m.header)
      padIssue(
        out,
        `${path}.h`,
        m.header.pad,
        align4(STRUCTS[m.header.struct].size) - STRUCTS[m.header.struct].size,
        'header',
      );
    if (m.attrs) attrIssues(out, m.attrs, path);
    off += actual + (m.pad === 'auto' ? align4(actual) - actual : m.pad.length / 2);
  });
  if (d.tail)
    out.push({ path: 'tail', message: `${d.tail.length / 2} bytes after the last message do not form a message` });
  return out;
}

function padIssue(out: Issue[], path: string, pad: Pad, want: number, of: string): void {
  if (pad === 'auto') return;
  const n = pad.length / 2;
  if (n !== want)
    out.push({
      path,
      message: `${n} padding byte${n === 1 ? '' : 's'} after the ${of}, where alignment to 4 needs ${want}`,
    });
  else if (/[^0]/.test(pad)) out.push({ path, message: `the ${of}'s padding is not zero (${pad})` });
}

function attrIssues(out: Issue[], list: AttrList, path: string): void {
  list.items.forEach((a, i) => {
    const p = `${path}.a${i}`;
    const actual = attrSize(a);
    if (a.len !== 'auto' && a.len !== actual)
      out.push({ path: p, message: `nla_len says ${a.len} but the attribute has ${actual} bytes` });
    padIssue(out, p, a.pad, align4(actual) - actual, 'attribute');
    if (a.nest) attrIssues(out, a.nest, p);
  });
  if (list.tail)
    out.push({
      path: `${path}.tail`,
      message: `${list.tail.length / 2} bytes after the attributes do not form an attribute`,
    });
}

/** Bytes of a message without its final padding (what nlmsg_len should say). */
export function messageSize(m: Message): number {
  let n = NLMSG_HDRLEN;
  if (m.header) {
    const size = STRUCTS[m.header.struct].size;
    n += size + (m.header.pad === 'auto' ? align4(size) - size : m.header.pad.length / 2);
  } else n += m.raw.length / 2;
  if (m.attrs) n += listSize(m.attrs);
  return n;
}

/** Bytes of an attribute without its padding (what nla_len should say). */
export function attrSize(a: Attr): number {
  return 4 + (a.nest ? listSize(a.nest) : (a.value ?? '').length / 2);
}

function listSize(l: AttrList): number {
  let n = l.tail.length / 2;
  for (const a of l.items) {
    const s = attrSize(a);
    n += s + (a.pad === 'auto' ? align4(s) - s : a.pad.length / 2);
  }
  return n;
}

// ---- editing: state in, state out -------------------------------------------------------------------

/** A path to a message and, inside it, an attribute by its indices through nests. */
export interface Path {
  m: number;
  a: number[];
}

export const pathKey = (p: Path): string => `m${p.m}${p.a.map((i) => `.a${i}`).join('')}`;

/** Parse 'm0.a2.a1' back into a path. */
export function parsePath(key: string): Path {
  const [m, ...a] = key.split('.');
  return { m: Number(m!.slice(1)), a: a.filter((x) => x.startsWith('a')).map((x) => Number(x.slice(1))) };
}

/** The message with a change applied. */
export function updateMessage(d: Datagram, m: number, fn: (msg: Message) => Message): Datagram {
  return { ...d, messages: d.messages.map((x, i) => (i === m ? fn(x) : x)) };
}

/** The attribute list at `path` (the message's, or a nest's when path.a is not empty) with a change applied. */
export function updateList(d: Datagram, path: Path, fn: (l: AttrList) => AttrList): Datagram {
  return updateMessage(d, path.m, (msg) => {
    const go = (l: AttrList, rest: number[]): AttrList => {
      if (rest.length === 0) return fn(l);
      const [i, ...more] = rest;
      return {
        ...l,
        items: l.items.map((a, j) =>
          j === i ? { ...a, nest: go(a.nest ?? { items: [], tail: '' }, more), value: null } : a,
        ),
      };
    };
    return { ...msg, attrs: go(msg.attrs ?? { items: [], tail: '' }, path.a) };
  });
}

/** The attribute at `path` with a change applied. */
export function updateAttr(d: Datagram, path: Path, fn: (a: Attr) => Attr): Datagram {
  const parent = { m: path.m, a: path.a.slice(0, -1) };
  const idx = path.a[path.a.length - 1]!;
  return updateList(d, parent, (l) => ({ ...l, items: l.items.map((a, j) => (j === idx ? fn(a) : a)) }));
}

/** The attribute at `path`, or undefined. */
export function attrAt(d: Datagram, path: Path): Attr | undefined {
  let list: AttrList | null | undefined = d.messages[path.m]?.attrs;
  let a: Attr | undefined;
  for (const i of path.a) {
    a = list?.items[i];
    list = a?.nest ?? undefined;
  }
  return a;
}

/** Add an attribute at the end of the list at `path`. */
export const addAttr = (d: Datagram, path: Path, attr: Attr): Datagram =>
  updateList(d, path, (l) => ({ ...l, items: [...l.items, attr] }));

/** Remove the attribute at `path`. */
export function removeAttr(d: Datagram, path: Path): Datagram {
  const idx = path.a[path.a.length - 1]!;
  return updateList(d, { m: path.m, a: path.a.slice(0, -1) }, (l) => ({
    ...l,
    items: l.items.filter((_, j) => j !== idx),
  }));
}

/** A new attribute holding `value` bytes (auto length and padding). */
export const attr = (type: number, value: Uint8Array | Hex = ''): Attr => ({
  len: 'auto',
  type,
  value: typeof value === 'string' ? value : toHex(value),
  nest: null,
  pad: 'auto',
});

/** A new nest (auto length and padding). */
export const nest = (type: number, items: Attr[]): Attr => ({
  len: 'auto',
  type,
  value: null,
  nest: { items, tail: '' },
  pad: 'auto',
});

/** A new message with the family header `protocol` and `type` call for (zeros), auto lengths. */
export function message(
  protocol: number,
  type: number,
  init: Partial<Omit<Message, 'header'>> & { header?: number[] } = {},
): Message {
  const struct = structFor(protocol, type);
  const { header: values, ...rest } = init;
  return {
    len: 'auto',
    type,
    flags: 0,
    seq: 0,
    pid: 0,
    raw: '',
    pad: 'auto',
    header: struct ? { struct, values: STRUCTS[struct].fields.map((_, i) => values?.[i] ?? 0), pad: 'auto' } : null,
    attrs: struct ? { items: [], tail: '' } : null,
    ...rest,
  };
}

/**
 * Change a message's type. When the new type calls for another family header, the header is
 * rebuilt (same values where the fields match by position count) and the attributes kept.
 */
export function setType(d: Datagram, m: number, type: number): Datagram {
  return updateMessage(d, m, (msg) => {
    const struct = structFor(d.protocol, type);
    if ((msg.header?.struct ?? null) === struct) return { ...msg, type };
    if (!struct) return { ...msg, type, header: null, attrs: null, raw: msg.raw || '' };
    const fresh = message(d.protocol, type);
    return { ...msg, type, header: fresh.header, attrs: msg.attrs ?? fresh.attrs, raw: '' };
  });
}
