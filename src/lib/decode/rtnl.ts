/**
 * NETLINK_ROUTE bodies for the Messages panel: the fixed header of each message family (ifinfomsg,
 * ifaddrmsg, rtmsg, ndmsg, fib_rule_hdr, rtgenmsg) and its attributes, named from the table that
 * scripts/gen-rtnl-names.mjs generates from the uapi headers (rtnl-names.gen.ts). Payload types come
 * from the attribute specs where the decoder has one (IFLA_ATTRS), otherwise from the payload's size.
 */
import { decodeAttrs } from './attrs.ts';
import { hexBytes, num, rd16, rd32, rd8, rds32 } from './bytes.ts';
import { field, type Field } from './field.ts';
import { RTNL_NAMES } from './rtnl-names.gen.ts';
import { IFLA_ATTRS, type AttrSet, type AttrSpec } from './specs.ts';

/** The generated names of one prefix as an attribute set (types guessed unless `typed` knows them). */
function named(prefix: string, typed: AttrSet = {}, nested: Record<number, AttrSpec['nested']> = {}): AttrSet {
  const out: AttrSet = {};
  for (const [v, name] of Object.entries(RTNL_NAMES[prefix] ?? {})) {
    const t = Number(v);
    out[t] = typed[t] ? { ...typed[t], name } : nested[t] ? { name, type: 'nest', nested: nested[t] } : { name, type: 'auto' };
  }
  return out;
}

const IFLA_INET = named('IFLA_INET');
const IFLA_INET6 = named('IFLA_INET6');
/** IFLA_AF_SPEC holds one nest per address family, numbered by AF_*. */
const AF_SPEC: AttrSet = { 2: { name: 'AF_INET', type: 'nest', nested: IFLA_INET }, 10: { name: 'AF_INET6', type: 'nest', nested: IFLA_INET6 } };
const IFLA_INFO = named('IFLA_INFO', { 1: { name: '', type: 'string' } });
const IFLA_XDP = named('IFLA_XDP');
export const IFLA_SET = named('IFLA', IFLA_ATTRS, { 18: IFLA_INFO, 26: AF_SPEC, 43: IFLA_XDP, 62: {}, 65: {} });
export const IFA_SET = named('IFA', { 3: { name: '', type: 'string' }, 8: { name: '', type: 'u32' } });
export const RTA_SET = named('RTA', { 15: { name: '', type: 'u32' }, 4: { name: '', type: 'u32' }, 6: { name: '', type: 'u32' } });
export const NDA_SET = named('NDA');
export const FRA_SET = named('FRA');

const name = (prefix: string, v: number) => RTNL_NAMES[prefix]?.[v];
const withName = (prefix: string, v: number) => (name(prefix, v) ? `${name(prefix, v)} (${v})` : `${v}`);
const FAMILIES: Record<number, string> = { 0: 'AF_UNSPEC', 1: 'AF_UNIX', 2: 'AF_INET', 7: 'AF_BRIDGE', 10: 'AF_INET6', 16: 'AF_NETLINK', 17: 'AF_PACKET', 128: 'RTNL_FAMILY_IPMR', 129: 'RTNL_FAMILY_IP6MR' };
const fam = (v: number) => (FAMILIES[v] ? `${FAMILIES[v]} (${v})` : `${v}`);

/** The body of an RTM_* message, or undefined for a type this file does not know. */
export function rtnlBody(buf: Uint8Array, start: number, end: number, type: number): { fields: Field[]; summary: string } | undefined {
  const kind = Math.floor((type - 16) / 4);
  const tname = name('RTM', type) ?? `${type}`;
  const f8 = (l: string, o: number, v?: string) => field(l, 'field', o, o + 1, { value: v ?? `${rd8(buf, o)}` });
  if (kind === 0) return undefined; // links: decode.ts's ifinfomsg, with IFLA_SET
  if (kind === 1 && end - start >= 8) {
    const hdr = field('ifaddrmsg', 'header', start, start + 8, {
      value: `${fam(rd8(buf, start))}/${rd8(buf, start + 1)} index ${rds32(buf, start + 4)}`,
      children: [
        f8('ifa_family', start, fam(rd8(buf, start))), f8('ifa_prefixlen', start + 1),
        f8('ifa_flags', start + 2, num(rd8(buf, start + 2))), f8('ifa_scope', start + 3, withName('RT_SCOPE', rd8(buf, start + 3))),
        field('ifa_index', 'field', start + 4, start + 8, { value: `${rds32(buf, start + 4)}` }),
      ],
    });
    return { fields: [hdr, ...decodeAttrs(buf, start + 8, end, IFA_SET)], summary: `${tname} ${fam(rd8(buf, start))} index ${rds32(buf, start + 4)}` };
  }
  if ((kind === 2 || kind === 8) && end - start >= 12) {
    const rule = kind === 8;
    const hdr = field(rule ? 'fib_rule_hdr' : 'rtmsg', 'header', start, start + 12, {
      value: `${fam(rd8(buf, start))} table ${withName('RT_TABLE', rd8(buf, start + 4))}`,
      children: rule ? [
        f8('family', start, fam(rd8(buf, start))), f8('dst_len', start + 1), f8('src_len', start + 2), f8('tos', start + 3),
        f8('table', start + 4, withName('RT_TABLE', rd8(buf, start + 4))), f8('res1', start + 5), f8('res2', start + 6),
        f8('action', start + 7, withName('FR_ACT', rd8(buf, start + 7))), field('flags', 'field', start + 8, start + 12, { value: num(rd32(buf, start + 8)) }),
      ] : [
        f8('rtm_family', start, fam(rd8(buf, start))), f8('rtm_dst_len', start + 1), f8('rtm_src_len', start + 2), f8('rtm_tos', start + 3),
        f8('rtm_table', start + 4, withName('RT_TABLE', rd8(buf, start + 4))), f8('rtm_protocol', start + 5, withName('RTPROT', rd8(buf, start + 5))),
        f8('rtm_scope', start + 6, withName('RT_SCOPE', rd8(buf, start + 6))), f8('rtm_type', start + 7, withName('RTN', rd8(buf, start + 7))),
        field('rtm_flags', 'field', start + 8, start + 12, { value: num(rd32(buf, start + 8)) }),
      ],
    });
    return { fields: [hdr, ...decodeAttrs(buf, start + 12, end, rule ? FRA_SET : RTA_SET)], summary: `${tname} ${fam(rd8(buf, start))}` };
  }
  if (kind === 3 && end - start >= 12) {
    const hdr = field('ndmsg', 'header', start, start + 12, {
      value: `${fam(rd8(buf, start))} index ${rds32(buf, start + 4)}`,
      children: [
        f8('ndm_family', start, fam(rd8(buf, start))), f8('ndm_pad1', start + 1), field('ndm_pad2', 'field', start + 2, start + 4, { value: `${rd16(buf, start + 2)}` }),
        field('ndm_ifindex', 'field', start + 4, start + 8, { value: `${rds32(buf, start + 4)}` }),
        field('ndm_state', 'field', start + 8, start + 10, { value: num(rd16(buf, start + 8)) }), f8('ndm_flags', start + 10, num(rd8(buf, start + 10))),
        f8('ndm_type', start + 11, withName('RTN', rd8(buf, start + 11))),
      ],
    });
    return { fields: [hdr, ...decodeAttrs(buf, start + 12, end, NDA_SET)], summary: `${tname} ${fam(rd8(buf, start))}` };
  }
  // Any other type (and a request shorter than its header): struct rtgenmsg, its family, then bytes.
  if (end - start >= 1) {
    const fields = [f8('rtgen_family', start, fam(rd8(buf, start)))];
    if (end - start > 1) fields.push(field('payload', 'payload', start + 1, end, { value: hexBytes(buf.subarray(start + 1, end)) }));
    return { fields, summary: `${tname} ${fam(rd8(buf, start))}` };
  }
  return undefined;
}

/** The name of a NETLINK_ROUTE message type (RTM_*), from the generated table. */
export const rtnlTypeName = (type: number): string | undefined => name('RTM', type);
/** The name of a NETLINK_ROUTE multicast group (RTNLGRP_*), from the generated table. */
export const rtnlGroupName = (group: number): string | undefined => name('RTNLGRP', group);
