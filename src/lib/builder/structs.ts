/**
 * The fixed family headers the builder edits, field by field, with the names of their enums and
 * flag bits. The names come from the kernel's YNL specs (content/specs/kernel: rt-link's
 * ifinfo-flags, rt-addr's ifa-flags, rt-route's rtm-type, rt-neigh's nud-state and ntf-flags,
 * rt-rule's fr-act) and from the uapi headers through scripts/gen-rtnl-names.mjs (RT_SCOPE_*,
 * RT_TABLE_*, RTPROT_*, RTM_F_*). AF_* and ARPHRD_* (socket.h, if_arp.h), which neither
 * describes, are listed here.
 */
import compiled from '../decode/specs.gen.json';
import { RTNL_NAMES } from '../decode/rtnl-names.gen.ts';

/** One field of a C struct: its name, its size, and the names of its values or bits. */
export interface StructField {
  name: string;
  size: 1 | 2 | 4;
  signed?: boolean;
  /** Value names (a select). */
  enum?: Record<number, string>;
  /** Bit names (checkboxes). */
  flags?: [number, string][];
}

export interface StructSpec {
  size: number;
  fields: StructField[];
}

/** AF_* as rtnetlink uses them. */
export const AF: Record<number, string> = {
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
/** The entries of a spec's enum or flags, by value. */
function specEnum(family: string, name: string): Record<number, string> {
  const f = compiled.families.find((x) => x.name === family);
  const e = (f?.enums as Record<string, { entries: Record<string, string> }> | undefined)?.[name];
  if (!e) throw new Error(`content/specs: ${family} has no enum ${name}`);
  return Object.fromEntries(Object.entries(e.entries).map(([v, n]) => [Number(v), n]));
}
/** Value names that fit a field of `max`. */
const fit = (e: Record<number, string>, max: number): Record<number, string> =>
  Object.fromEntries(Object.entries(e).filter(([v]) => Number(v) <= max));
/** Bit names (no zero) that fit a field of `max`, lowest bit first. */
const bits = (e: Record<number, string>, max: number): [number, string][] =>
  Object.entries(e)
    .map(([v, n]) => [Number(v), n] as [number, string])
    .filter(([v]) => v > 0 && v <= max)
    .sort((a, b) => a[0] - b[0]);
const generated = (prefix: string) => RTNL_NAMES[prefix] ?? {};

const RT_SCOPE = fit(generated('RT_SCOPE'), 0xff);
const RT_TABLE = fit(generated('RT_TABLE'), 0xff);
const RTPROT = fit(generated('RTPROT'), 0xff);
const RTN = specEnum('rt-route', 'rtm-type');
const FR_ACT = specEnum('rt-rule', 'fr-act');
const ARPHRD = { 1: 'ARPHRD_ETHER', 772: 'ARPHRD_LOOPBACK', 65534: 'ARPHRD_NONE' };
const IFF = bits(specEnum('rt-link', 'ifinfo-flags'), 0xffffffff);
const IFA_F = bits(specEnum('rt-addr', 'ifa-flags'), 0xff);
const NUD = bits(specEnum('rt-neigh', 'nud-state'), 0xffff);
const NTF = bits(specEnum('rt-neigh', 'ntf-flags'), 0xff);
const RTM_F = bits(generated('RTM_F'), 0xffffffff);

const u8 = (name: string, extra: Partial<StructField> = {}): StructField => ({ name, size: 1, ...extra });
const u16 = (name: string, extra: Partial<StructField> = {}): StructField => ({ name, size: 2, ...extra });
const u32 = (name: string, extra: Partial<StructField> = {}): StructField => ({ name, size: 4, ...extra });

/** Each family header the builder knows, in wire order (all little-endian, as on x86-64). */
export const STRUCTS = {
  genlmsghdr: { size: 4, fields: [u8('cmd'), u8('version'), u16('reserved')] },
  ifinfomsg: {
    size: 16,
    fields: [
      u8('ifi_family', { enum: AF }),
      u8('__ifi_pad'),
      u16('ifi_type', { enum: ARPHRD }),
      u32('ifi_index', { signed: true }),
      u32('ifi_flags', { flags: IFF }),
      u32('ifi_change', { flags: IFF }),
    ],
  },
  ifaddrmsg: {
    size: 8,
    fields: [
      u8('ifa_family', { enum: AF }),
      u8('ifa_prefixlen'),
      u8('ifa_flags', { flags: IFA_F }),
      u8('ifa_scope', { enum: RT_SCOPE }),
      u32('ifa_index'),
    ],
  },
  rtmsg: {
    size: 12,
    fields: [
      u8('rtm_family', { enum: AF }),
      u8('rtm_dst_len'),
      u8('rtm_src_len'),
      u8('rtm_tos'),
      u8('rtm_table', { enum: RT_TABLE }),
      u8('rtm_protocol', { enum: RTPROT }),
      u8('rtm_scope', { enum: RT_SCOPE }),
      u8('rtm_type', { enum: RTN }),
      u32('rtm_flags', { flags: RTM_F }),
    ],
  },
  ndmsg: {
    size: 12,
    fields: [
      u8('ndm_family', { enum: AF }),
      u8('ndm_pad1'),
      u16('ndm_pad2'),
      u32('ndm_ifindex', { signed: true }),
      u16('ndm_state', { flags: NUD }),
      u8('ndm_flags', { flags: NTF }),
      u8('ndm_type', { enum: RTN }),
    ],
  },
  fib_rule_hdr: {
    size: 12,
    fields: [
      u8('family', { enum: AF }),
      u8('dst_len'),
      u8('src_len'),
      u8('tos'),
      u8('table', { enum: RT_TABLE }),
      u8('res1'),
      u8('res2'),
      u8('action', { enum: FR_ACT }),
      u32('flags'),
    ],
  },
  rtgenmsg: { size: 1, fields: [u8('rtgen_family', { enum: AF })] },
} satisfies Record<string, StructSpec>;

export type StructName = keyof typeof STRUCTS;

/** nlmsg_flags bits by meaning; the upper bits depend on the kind of request. */
export const NLM_F_LOW: [number, string][] = [
  [0x01, 'NLM_F_REQUEST'],
  [0x02, 'NLM_F_MULTI'],
  [0x04, 'NLM_F_ACK'],
  [0x08, 'NLM_F_ECHO'],
  [0x10, 'NLM_F_DUMP_INTR'],
  [0x20, 'NLM_F_DUMP_FILTERED'],
];
export const NLM_F_HIGH: Record<'get' | 'new' | 'delete' | 'ack', [number, string][]> = {
  get: [
    [0x100, 'NLM_F_ROOT'],
    [0x200, 'NLM_F_MATCH'],
    [0x400, 'NLM_F_ATOMIC'],
  ],
  new: [
    [0x100, 'NLM_F_REPLACE'],
    [0x200, 'NLM_F_EXCL'],
    [0x400, 'NLM_F_CREATE'],
    [0x800, 'NLM_F_APPEND'],
  ],
  delete: [
    [0x100, 'NLM_F_NONREC'],
    [0x200, 'NLM_F_BULK'],
  ],
  ack: [
    [0x100, 'NLM_F_CAPPED'],
    [0x200, 'NLM_F_ACK_TLVS'],
  ],
};
