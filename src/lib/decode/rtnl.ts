/**
 * NETLINK_ROUTE bodies for the Messages panel. Links, addresses, routes, neighbours and rules come
 * from the kernel's YNL specs (rt-link.yaml, rt-addr.yaml, rt-route.yaml, rt-neigh.yaml,
 * rt-rule.yaml): the fixed header (ifinfomsg, ifaddrmsg, rtmsg, ndmsg, fib_rule_hdr) as a struct and
 * the attributes with their types, enums, flags, nests and sub-messages. The other message types
 * (netconf, nexthops, …), which those specs do not describe, get struct rtgenmsg and the message
 * type's name from the table that scripts/gen-rtnl-names.mjs generates from the uapi headers
 * (rtnl-names.gen.ts).
 */
import { decodeAttrs, structFields } from './attrs.ts';
import { hexBytes, rd8 } from './bytes.ts';
import { field, type Field } from './field.ts';
import { RTNL_NAMES } from './rtnl-names.gen.ts';
import { RTNL_OPS, specOp } from './ynl.ts';

const name = (prefix: string, v: number) => RTNL_NAMES[prefix]?.[v];
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
  const prefix = {
    rtm_table: 'RT_TABLE',
    table: 'RT_TABLE', // fib_rule_hdr's
    rtm_scope: 'RT_SCOPE',
    ifa_scope: 'RT_SCOPE',
    rtm_protocol: 'RTPROT',
  }[member];
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

/** The body of an RTM_* message the specs do not describe (netconf, nexthops, …), or undefined. */
export function rtnlBody(
  buf: Uint8Array,
  start: number,
  end: number,
  type: number,
): { fields: Field[]; summary: string } | undefined {
  const tname = name('RTM', type) ?? `${type}`;
  const f8 = (l: string, o: number, v?: string) => field(l, 'field', o, o + 1, { value: v ?? `${rd8(buf, o)}` });
  // Any other type (and a request shorter than its header): struct rtgenmsg, its family, then bytes.
  if (end - start >= 1) {
    const fields = [f8('rtgen_family', start, fam(rd8(buf, start)))];
    if (end - start > 1)
      fields.push(field('payload', 'payload', start + 1, end, { value: hexBytes(buf.subarray(start + 1, end)) }));
    return { fields, summary: `${tname} ${fam(rd8(buf, start))}` };
  }
  return undefined;
}
