/**
 * Attributes (struct nlattr) as fields: the 4-byte header, the payload read by the attribute's
 * spec (or guessed when no spec is known), nests as subtrees, and the padding to 4 bytes.
 */
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_TYPE_MASK } from '../../api/uapi.ts';
import { NLA_ALIGN } from '../../api/nlmsg.ts';
import { asCString, hexBytes, num, quote, rd16, rd32, rd64, rd8, rds32, rds64 } from './bytes.ts';
import { field, type Field } from './field.ts';
import type { AttrSet, AttrSpec } from './specs.ts';

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
      out.push(field('malformed attribute', 'trailing', off, end, {
        value: hexBytes(buf.subarray(off, end)),
        note: len < 4 ? `nla_len ${len} is less than the 4-byte header: the attribute walk stops here` : `nla_len ${len} is longer than the ${end - off} bytes left: the attribute walk stops here`,
      }));
      return out;
    }
    out.push(decodeAttr(buf, off, len, raw, end, set?.[raw & NLA_TYPE_MASK]));
    off += NLA_ALIGN(len);
  }
  if (off < end) {
    out.push(field('trailing bytes', 'trailing', off, end, { value: hexBytes(buf.subarray(off, end)), note: 'fewer than 4 bytes: too short for an attribute header' }));
  }
  return out;
}

function decodeAttr(buf: Uint8Array, off: number, len: number, raw: number, limit: number, spec?: AttrSpec): Field {
  const type = raw & NLA_TYPE_MASK;
  const flags = [raw & NLA_F_NESTED ? 'NLA_F_NESTED' : '', raw & NLA_F_NET_BYTEORDER ? 'NLA_F_NET_BYTEORDER' : ''].filter(Boolean);
  const name = spec?.name ?? `attribute ${type}`;
  const pStart = off + 4;
  const pEnd = off + len;
  const payload = decodeAttrPayload(buf, pStart, pEnd, raw, spec);
  const children: Field[] = [
    field('nla_len', 'field', off, off + 2, { value: `${len}`, note: `4-byte header + ${len - 4} bytes of payload` }),
    field('nla_type', 'field', off + 2, off + 4, { value: `${flags.length ? `${flags.join('|')}|` : ''}${spec ? `${spec.name} (${type})` : `${type}`}` }),
  ];
  if (pEnd > pStart) children.push(payload);
  const padEnd = Math.min(off + NLA_ALIGN(len), limit);
  if (padEnd > pEnd) children.push(padding(buf, pEnd, padEnd, 'attribute'));
  return field(name, 'attr', off, padEnd, { value: payload.value, children });
}

function decodeAttrPayload(buf: Uint8Array, start: number, end: number, raw: number, spec?: AttrSpec): Field {
  const b = buf.subarray(start, end);
  const n = end - start;
  const type = spec?.type === 'auto' ? undefined : spec?.type;
  if (type === 'nest' || (!spec && raw & NLA_F_NESTED)) {
    const kids = decodeAttrs(buf, start, end, spec?.nested);
    return field('payload', 'payload', start, end, { value: `nest: ${kids.filter((k) => k.kind === 'attr').length} attributes`, children: kids });
  }
  if (type === 'nest-array') {
    const kids = decodeAttrs(buf, start, end, Object.fromEntries(
      countAttrs(buf, start, end).map((t) => [t, { name: `[${t}]`, type: 'nest', nested: spec!.nested } satisfies AttrSpec]),
    ));
    return field('payload', 'payload', start, end, { value: `array of ${kids.filter((k) => k.kind === 'attr').length} nests`, children: kids });
  }
  const want: Record<string, number> = { u8: 1, u16: 2, u32: 4, s32: 4, u64: 8, s64: 8, flag: 0 };
  if (type && type in want && n !== want[type]) {
    return field('payload', 'payload', start, end, { value: hexBytes(b), note: `${spec!.name} should carry ${want[type]} bytes (${type}), this one has ${n}` });
  }
  const named = (v: number) => (spec?.values?.[v] !== undefined ? `${spec.values[v]} (${v})` : num(v));
  switch (type ?? guess(b)) {
    case 'flag': return field('payload', 'payload', start, end, { value: 'set' });
    case 'u8': return field('payload', 'payload', start, end, { value: named(rd8(buf, start)) });
    case 'u16': return field('payload', 'payload', start, end, { value: named(rd16(buf, start)) });
    case 'u32': return field('payload', 'payload', start, end, { value: named(rd32(buf, start)) });
    case 's32': return field('payload', 'payload', start, end, { value: `${rds32(buf, start)}` });
    case 'u64': return field('payload', 'payload', start, end, { value: num(rd64(buf, start)) });
    case 's64': return field('payload', 'payload', start, end, { value: `${rds64(buf, start)}` });
    case 'string': {
      const s = asCString(b);
      if (!s) return field('payload', 'payload', start, end, { value: hexBytes(b), note: 'not printable text' });
      return field('payload', 'payload', start, end, { value: quote(s.text), note: s.nul ? undefined : 'no terminating NUL' });
    }
    default: return field('payload', 'payload', start, end, { value: hexBytes(b) });
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

function countAttrs(buf: Uint8Array, start: number, end: number): number[] {
  const types: number[] = [];
  for (let off = start; end - off >= 4;) {
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
