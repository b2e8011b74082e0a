/**
 * NETLINK_ROUTE bodies for the Messages panel. Links, addresses, routes and neighbours come from the
 * kernel's YNL specs (rt-link.yaml, rt-addr.yaml, rt-route.yaml, rt-neigh.yaml): the fixed header
 * (ifinfomsg, ifaddrmsg, rtmsg, ndmsg) as a struct and the attributes with their types, enums, flags,
 * nests and sub-messages. The other message types (rules, netconf, …), which those specs do not
 * describe, get fib_rule_hdr or rtgenmsg and attribute names from the table that
 * scripts/gen-rtnl-names.mjs generates from the uapi headers (rtnl-names.gen.ts), with payload
 * types guessed from their size.
 */
import { decodeAttrs, structFields } from './attrs.ts';
import { hexBytes, num, rd32, rd8 } from './bytes.ts';
import { field, type Field } from './field.ts';
import { RTNL_NAMES } from './rtnl-names.gen.ts';
import type { AttrSet } from './specs.ts';
import { RTNL_OPS, specOp } from './ynl.ts';

/** The generated names of one prefix as an attribute set (payload types guessed). */
function named(prefix: string): AttrSet {
  const out: AttrSet = {};
  for (const [v, name] of Object.entries(RTNL_NAMES[prefix] ?? {})) out[Number(v)] = { name, type: 'auto' };
  return out;
}

export const FRA_SET = named('FRA');

const name = (prefix: string, v: number) => RTNL_NAMES[prefix]?.[v];
const withName = (prefix: string, v: number) => (name(prefix, v) ? `${name(prefix, v)} (${v})` : `${v}`);
const FAMILIES: Record<number, string> = {
  0: 'AF_UNSPEC',
  1: 'AF_UNIX',
  2: 'AF_INET',
  7: 'AF_BRIDGE',
  10: 'AF_INET6',
  16: 'AF_NETLINK',
  17: 'AF_PACKET',
  128: 'RTNL_FAMILY_IPMR',
  129: 'RTNL_FAMILY_IP6MR',
};
const fam = (v: number) => (FAMILIES[v] ? `${FAMILIES[v]} (${v})` : `${v}`);

/**
 * Header members whose numbers the specs leave plain but the uapi headers name (a family, a routing
 * table, a scope, a routing protocol): named from the generated tables.
 */
function headerName(member: string, v: number): string | undefined {
  if (member.endsWith('family')) return fam(v);
  const prefix = { rtm_table: 'RT_TABLE', rtm_scope: 'RT_SCOPE', ifa_scope: 'RT_SCOPE', rtm_protocol: 'RTPROT' }[
    member
  ];
  return prefix && name(prefix, v) ? `${name(prefix, v)} (${v})` : undefined;
}

/** The body of a message type the rtnetlink specs describe, or undefined. */
export function rtnlSpecBody(
  buf: Uint8Array,
  start: number,
  end: number,
  type: number,
  sender?: 'kernel' | 'process',
): { fields: Field[]; summary: string } | undefined {
  const op = specOp(RTNL_OPS, type, sender);
  if (!op?.header) return undefined;
  const size = op.header.members.reduce(
    (n, m) =>
      n +
      (m.type === 'pad' || m.type === 'binary'
        ? (m.len ?? 0)
        : (({ u8: 1, u16: 2, u32: 4, s32: 4, u64: 8 } as Record<string, number>)[m.type] ?? 0)),
    0,
  );
  if (end - start < size) return undefined;
  const members = structFields(buf, start, start + size, op.header, headerName);
  const idx = members.find((m) => /_?index$/.test(m.label));
  const famv = members.find((m) => m.label.endsWith('family'))?.value;
  const hdr = field(op.header.name, 'header', start, start + size, {
    value: [famv, idx ? `index ${idx.value}` : ''].filter(Boolean).join(' '),
    children: members,
  });
  const attrs = decodeAttrs(buf, start + size, end, op.attrs);
  const ifname = attrs.find((a) => a.label === 'IFLA_IFNAME')?.value;
  const tname = name('RTM', type) ?? op.name;
  const summary =
    op.header.name === 'ifinfomsg'
      ? `${tname}${ifname ? ` ${ifname}` : ''}`
      : `${tname}${famv ? ` ${famv.replace(/ \(\d+\)$/, '')}` : ''}${idx && op.header.name !== 'ndmsg' ? ` index ${idx.value}` : ''}`;
  return { fields: [hdr, ...attrs], summary };
}

/** The body of an RTM_* message the specs do not describe (rules, netconf, …), or undefined. */
export function rtnlBody(
  buf: Uint8Array,
  start: number,
  end: number,
  type: number,
): { fields: Field[]; summary: string } | undefined {
  const kind = Math.floor((type - 16) / 4);
  const tname = name('RTM', type) ?? `${type}`;
  const f8 = (l: string, o: number, v?: string) => field(l, 'field', o, o + 1, { value: v ?? `${rd8(buf, o)}` });
  if (kind === 8 && end - start >= 12) {
    const hdr = field('fib_rule_hdr', 'header', start, start + 12, {
      value: `${fam(rd8(buf, start))} table ${withName('RT_TABLE', rd8(buf, start + 4))}`,
      children: [
        f8('family', start, fam(rd8(buf, start))),
        f8('dst_len', start + 1),
        f8('src_len', start + 2),
        f8('tos', start + 3),
        f8('table', start + 4, withName('RT_TABLE', rd8(buf, start + 4))),
        f8('res1', start + 5),
        f8('res2', start + 6),
        f8('action', start + 7, withName('FR_ACT', rd8(buf, start + 7))),
        field('flags', 'field', start + 8, start + 12, { value: num(rd32(buf, start + 8)) }),
      ],
    });
    return {
      fields: [hdr, ...decodeAttrs(buf, start + 12, end, FRA_SET)],
      summary: `${tname} ${fam(rd8(buf, start))}`,
    };
  }
  // Any other type (and a request shorter than its header): struct rtgenmsg, its family, then bytes.
  if (end - start >= 1) {
    const fields = [f8('rtgen_family', start, fam(rd8(buf, start)))];
    if (end - start > 1)
      fields.push(field('payload', 'payload', start + 1, end, { value: hexBytes(buf.subarray(start + 1, end)) }));
    return { fields, summary: `${tname} ${fam(rd8(buf, start))}` };
  }
  return undefined;
}
