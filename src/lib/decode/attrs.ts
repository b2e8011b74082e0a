/**
 * Attributes (struct nlattr) as fields: the 4-byte header, the payload read by the attribute's
 * spec (or guessed when no spec is known), nests as subtrees, and the padding to 4 bytes.
 */
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from '../../api/uapi.ts';
import { NLA_ALIGN } from '../../api/nlmsg.ts';
import { asCString, hexBytes, num, quote, rd16, rd32, rd64, rd8, rds32, rds64 } from './bytes.ts';
import { field, type Field } from './field.ts';
import type { AttrSet, AttrSpec, StructSpec } from './specs.ts';

/**
 * The attributes in buf[start, end): one 'attr' field each, then a 'trailing' field for bytes that
 * do not form an attribute (nla_len too small or too large stops the walk, as nla_for_each_attr does).
 */
export function decodeAttrs(buf: Uint8Array, start: number, end: number, set?: AttrSet): Field[] {
  const out: Field[] = [];
  let off = start;
  while (end - off >= 4) {
    const len = rd16(buf, off);
    const raw = rd16(buf, off + 2);
    if (len < 4 || len > end - off) {
      out.push(
        field('malformed attribute', 'trailing', off, end, {
          value: hexBytes(buf.subarray(off, end)),
          note:
            len < 4
              ? `nla_len ${len} is less than the 4-byte header: the attribute walk stops here`
              : `nla_len ${len} is longer than the ${end - off} bytes left: the attribute walk stops here`,
        }),
      );
      return out;
    }
    out.push(decodeAttr(buf, off, len, raw, end, set?.[raw & NLA_TYPE_MASK], { start, end, set }));
    off += NLA_ALIGN(len);
  }
  if (off < end) {
    out.push(
      field('trailing bytes', 'trailing', off, end, {
        value: hexBytes(buf.subarray(off, end)),
        note: 'fewer than 4 bytes: too short for an attribute header',
      }),
    );
  }
  return out;
}

/** The attribute list an attribute is in (for a sub-message's selector). */
interface Siblings {
  start: number;
  end: number;
  set?: AttrSet;
}

function decodeAttr(
  buf: Uint8Array,
  off: number,
  len: number,
  raw: number,
  limit: number,
  spec: AttrSpec | undefined,
  siblings: Siblings,
): Field {
  const type = raw & NLA_TYPE_MASK;
  const flags = [
    raw & NLA_F_NESTED ? 'NLA_F_NESTED' : '',
    raw & NLA_F_NET_BYTEORDER ? 'NLA_F_NET_BYTEORDER' : '',
  ].filter(Boolean);
  const name = spec?.name ?? `attribute ${type}`;
  const pStart = off + 4;
  const pEnd = off + len;
  if (spec?.type === 'sub-message') spec = subMessage(buf, spec, siblings);
  const payload = decodeAttrPayload(buf, pStart, pEnd, raw, spec);
  if (spec?.note) payload.note = payload.note ? `${payload.note}; ${spec.note}` : spec.note;
  const children: Field[] = [
    field('nla_len', 'field', off, off + 2, { value: `${len}`, note: `4-byte header + ${len - 4} bytes of payload` }),
    field('nla_type', 'field', off + 2, off + 4, {
      value: `${flags.length ? `${flags.join('|')}|` : ''}${spec ? `${spec.name} (${type})` : `${type}`}`,
    }),
  ];
  if (pEnd > pStart) children.push(payload);
  const padEnd = Math.min(off + NLA_ALIGN(len), limit);
  if (padEnd > pEnd) children.push(padding(buf, pEnd, padEnd, 'attribute'));
  return field(name, 'attr', off, padEnd, { value: payload.value, children });
}

/** A sub-message as the nest its selector picks (IFLA_INFO_DATA of kind "bridge" → linkinfo-bridge-attrs). */
function subMessage(buf: Uint8Array, spec: AttrSpec, sib: Siblings): AttrSpec {
  let kind: string | undefined;
  for (let off = sib.start; sib.end - off >= 4; ) {
    const len = rd16(buf, off);
    if (len < 4 || len > sib.end - off) break;
    if ((rd16(buf, off + 2) & NLA_TYPE_MASK) === spec.selector)
      kind = asCString(buf.subarray(off + 4, off + len))?.text;
    off += NLA_ALIGN(len);
  }
  const nested = kind !== undefined ? spec.formats?.[kind] : undefined;
  return nested
    ? { ...spec, type: 'nest', nested, note: `the attributes of kind "${kind}"` }
    : {
        ...spec,
        type: 'binary',
        note: kind === undefined ? 'a sub-message without its selector attribute' : `no spec for kind "${kind}"`,
      };
}

const SIZES: Record<string, number> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

/** A number of `type` at `off` (little-endian unless big-endian is asked for). */
function readNum(buf: Uint8Array, off: number, type: string, be = false): number | bigint {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  switch (type) {
    case 'u8':
      return v.getUint8(off);
    case 's8':
      return v.getInt8(off);
    case 'u16':
      return v.getUint16(off, !be);
    case 's16':
      return v.getInt16(off, !be);
    case 'u32':
      return v.getUint32(off, !be);
    case 's32':
      return v.getInt32(off, !be);
    case 'u64':
      return v.getBigUint64(off, !be);
    default:
      return v.getBigInt64(off, !be);
  }
}

/** Bits by name: 'IFF_UP|IFF_RUNNING (0x41)'. */
export function bitNames(v: number | bigint, names: Record<number, string>): string {
  const n = BigInt(v);
  if (n === 0n) return '0';
  const out: string[] = [];
  let left = n;
  for (const [bit, name] of Object.entries(names))
    if (n & BigInt(bit)) {
      out.push(name);
      left &= ~BigInt(bit);
    }
  if (left) out.push(`0x${left.toString(16)}`);
  return `${out.join('|')} (0x${n.toString(16)})`;
}

/** A value shown by its display hint: an address, a MAC, hex. */
function display(b: Uint8Array, hint: string | undefined): string | undefined {
  if (hint === 'mac' && b.length === 6) return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
  if ((hint === 'ipv4' || hint === 'ipv4-or-v6') && b.length === 4) return Array.from(b).join('.');
  if ((hint === 'ipv6' || hint === 'ipv4-or-v6') && b.length === 16) {
    const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16));
    return groups
      .join(':')
      .replace(/(^|:)0(:0)+(:|$)/, '::')
      .replace(/:{3,}/, '::');
  }
  return undefined;
}

/** A struct's members as fields (a fixed header, or a binary attribute that holds a struct). */
export function structFields(
  buf: Uint8Array,
  start: number,
  end: number,
  s: StructSpec,
  enrich?: (member: string, v: number) => string | undefined,
): Field[] {
  const out: Field[] = [];
  let off = start;
  for (const m of s.members) {
    const size = m.type === 'pad' || m.type === 'binary' ? (m.len ?? 0) : (SIZES[m.type] ?? 0);
    if (off + size > end) break;
    let value: string;
    if (m.type === 'pad' || m.type === 'binary') {
      value = display(buf.subarray(off, off + size), m.display) ?? hexBytes(buf.subarray(off, off + size));
    } else {
      const v = readNum(buf, off, m.type, m.byteOrder === 'big-endian');
      value = m.flags
        ? bitNames(v, m.flags)
        : m.values?.[Number(v)] !== undefined
          ? `${m.values[Number(v)]} (${v})`
          : (enrich?.(m.name, Number(v)) ?? (m.type.startsWith('s') ? `${v}` : num(v)));
    }
    out.push(field(m.name, 'field', off, off + size, { value }));
    off += size;
  }
  if (off < end)
    out.push(
      field('rest of the struct', 'trailing', off, end, {
        value: hexBytes(buf.subarray(off, end)),
        note: `${s.name} ends at ${off - start} bytes`,
      }),
    );
  return out;
}

function decodeAttrPayload(buf: Uint8Array, start: number, end: number, raw: number, spec?: AttrSpec): Field {
  const b = buf.subarray(start, end);
  const n = end - start;
  const type = spec?.type === 'auto' ? undefined : spec?.type;
  if (type === 'nest-type-value' || type === 'indexed-array') {
    const depth = type === 'indexed-array' ? 1 : (spec!.depth ?? 1);
    const inner: AttrSpec =
      type === 'indexed-array'
        ? {
            name: '',
            type: spec!.subType ?? 'binary',
            ...(spec!.display ? { display: spec!.display } : {}),
            ...(spec!.byteOrder ? { byteOrder: spec!.byteOrder } : {}),
          }
        : { name: '', type: 'nest', ...(spec!.nested ? { nested: spec!.nested } : {}) };
    const level = (d: number): AttrSpec =>
      d === depth ? inner : { name: '', type: 'nest-type-value', depth: 1, nested: {} };
    // Each level holds nests numbered by an id (policy id, attribute id, op id); the last holds `nested`.
    const numbered = (s: number, e: number, d: number): AttrSet =>
      Object.fromEntries(countAttrs(buf, s, e).map((t) => [t, { ...level(d), name: `[${t}]` }]));
    const kids = decodeAttrs(buf, start, end, numbered(start, end, 1));
    if (depth > 1) for (const k of kids) expandLevels(buf, k, 2, depth, inner);
    return field('payload', 'payload', start, end, {
      value: `${kids.filter((k) => k.kind === 'attr').length} numbered ${type === 'indexed-array' ? 'elements' : 'nests'}`,
      children: kids,
    });
  }
  if (type === 'bitfield32' && n === 8) {
    return field('payload', 'payload', start, end, {
      value: `value ${num(rd32(buf, start))}, selector ${num(rd32(buf, start + 4))}`,
    });
  }
  if (type === 'pad')
    return field('payload', 'payload', start, end, { value: hexBytes(b), note: 'padding for 64-bit alignment' });
  if (type === 'binary' && spec?.struct) {
    return field('payload', 'payload', start, end, {
      value: `struct ${spec.struct.name}`,
      children: structFields(buf, start, end, spec.struct),
    });
  }
  if ((type === 'binary' || type === 'u32') && spec?.display && display(b, spec.display)) {
    return field('payload', 'payload', start, end, { value: display(b, spec.display)! });
  }
  if (type === 'uint' || type === 'sint') {
    if (n !== 4 && n !== 8)
      return field('payload', 'payload', start, end, {
        value: hexBytes(b),
        note: `${spec!.name} should carry 4 or 8 bytes (${type}), this one has ${n}`,
      });
    const v = readNum(buf, start, `${type === 'uint' ? 'u' : 's'}${n * 8}`);
    return field('payload', 'payload', start, end, { value: type === 'uint' ? num(v) : `${v}` });
  }
  if (type === 's8' || type === 's16') {
    if (n !== SIZES[type])
      return field('payload', 'payload', start, end, {
        value: hexBytes(b),
        note: `${spec!.name} should carry ${SIZES[type]} bytes (${type}), this one has ${n}`,
      });
    return field('payload', 'payload', start, end, { value: `${readNum(buf, start, type)}` });
  }
  if (spec?.byteOrder === 'big-endian' && type && SIZES[type] === n && type.startsWith('u')) {
    const v = readNum(buf, start, type, true);
    const shown =
      spec.values?.[Number(v)] !== undefined
        ? `${spec.values[Number(v)]} (${v})`
        : spec.flags
          ? bitNames(v, spec.flags)
          : num(v);
    return field('payload', 'payload', start, end, { value: shown, note: 'network byte order (big-endian)' });
  }
  if (spec?.flags && type && SIZES[type] === n) {
    return field('payload', 'payload', start, end, { value: bitNames(readNum(buf, start, type), spec.flags) });
  }
  if (type === 'nest' || (!spec && raw & NLA_F_NESTED)) {
    const kids = decodeAttrs(buf, start, end, spec?.nested);
    return field('payload', 'payload', start, end, {
      value: `nest: ${kids.filter((k) => k.kind === 'attr').length} attributes`,
      children: kids,
    });
  }
  if (type === 'nest-array') {
    const kids = decodeAttrs(
      buf,
      start,
      end,
      Object.fromEntries(
        countAttrs(buf, start, end).map((t) => [
          t,
          { name: `[${t}]`, type: 'nest', nested: spec!.nested } satisfies AttrSpec,
        ]),
      ),
    );
    return field('payload', 'payload', start, end, {
      value: `array of ${kids.filter((k) => k.kind === 'attr').length} nests`,
      children: kids,
    });
  }
  const want: Record<string, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8, flag: 0 };
  if (type && type in want && n !== want[type]) {
    return field('payload', 'payload', start, end, {
      value: hexBytes(b),
      note: `${spec!.name} should carry ${want[type]} bytes (${type}), this one has ${n}`,
    });
  }
  const named = (v: number) => (spec?.values?.[v] !== undefined ? `${spec.values[v]} (${v})` : num(v));
  switch (type ?? guess(b)) {
    case 'flag':
      return field('payload', 'payload', start, end, { value: 'set' });
    case 'u8':
      return field('payload', 'payload', start, end, { value: named(rd8(buf, start)) });
    case 'u16':
      return field('payload', 'payload', start, end, { value: named(rd16(buf, start)) });
    case 'u32':
      return field('payload', 'payload', start, end, { value: named(rd32(buf, start)) });
    case 's32':
      return field('payload', 'payload', start, end, { value: `${rds32(buf, start)}` });
    case 'u64':
      return field('payload', 'payload', start, end, { value: num(rd64(buf, start)) });
    case 's64':
      return field('payload', 'payload', start, end, { value: `${rds64(buf, start)}` });
    case 'string': {
      const s = asCString(b);
      if (!s) return field('payload', 'payload', start, end, { value: hexBytes(b), note: 'not printable text' });
      return field('payload', 'payload', start, end, {
        value: quote(s.text),
        note: s.nul ? undefined : 'no terminating NUL',
      });
    }
    default:
      return field('payload', 'payload', start, end, { value: hexBytes(b) });
  }
}

/** What an attribute without a spec probably holds: text, a number of its size, or bytes. */
function guess(b: Uint8Array): 'string' | 'u8' | 'u16' | 'u32' | 'u64' | 'flag' | 'binary' {
  if (b.length === 0) return 'flag';
  if (asCString(b)?.nul) return 'string';
  if (b.length === 4) return 'u32';
  if (b.length === 2) return 'u16';
  if (b.length === 1) return 'u8';
  if (b.length === 8) return 'u64';
  return asCString(b) ? 'string' : 'binary';
}

/** Give the numbered nests of a nest-type-value's deeper levels their children. */
function expandLevels(buf: Uint8Array, f: Field, d: number, depth: number, inner: AttrSpec): void {
  const payload = f.children?.find((c) => c.label === 'payload');
  if (!payload) return;
  const set: AttrSet = Object.fromEntries(
    countAttrs(buf, payload.start, payload.end).map((t) => [
      t,
      d === depth ? { ...inner, name: `[${t}]` } : { name: `[${t}]`, type: 'nest', nested: {} },
    ]),
  );
  const kids = decodeAttrs(buf, payload.start, payload.end, set);
  payload.children = kids;
  payload.value = `${kids.filter((k) => k.kind === 'attr').length} numbered nests`;
  if (d < depth) for (const k of kids) expandLevels(buf, k, d + 1, depth, inner);
}

function countAttrs(buf: Uint8Array, start: number, end: number): number[] {
  const types: number[] = [];
  for (let off = start; end - off >= 4; ) {
    const len = rd16(buf, off);
    if (len < 4 || len > end - off) break;
    types.push(rd16(buf, off + 2) & NLA_TYPE_MASK);
    off += NLA_ALIGN(len);
  }
  return types;
}

/** Alignment bytes, flagged when they are not zero. */
export function padding(buf: Uint8Array, start: number, end: number, of: 'attribute' | 'message'): Field {
  const b = buf.subarray(start, end);
  const zero = b.every((x) => x === 0);
  return field('padding', 'padding', start, end, {
    value: hexBytes(b),
    note: `${end - start} byte${end - start === 1 ? '' : 's'} to align the ${of} to 4 bytes${zero ? '' : ' (not zero: someone wrote into the padding)'}`,
  });
}
