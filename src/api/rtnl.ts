/**
 * NETLINK_ROUTE helpers: the fixed headers of link, address, route and neighbour messages (struct
 * ifinfomsg, ifaddrmsg, rtmsg, ndmsg) as builders and parsers, and the constants a small `ip` needs. Everything is
 * little-endian, as on x86-64; addresses inside attributes are in network order, as the kernel
 * wants them. (The full tables of names, generated from the uapi headers, are in rtnl-names.ts.)
 */
import { concat, parseAttrs, type NlAttr, type NlMsg } from './nlmsg.ts';

// Message types (linux/rtnetlink.h)
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_GETRULE = 34;

// Multicast groups (enum rtnetlink_groups): bind with nl_groups = 1 << (group - 1)
export const RTNLGRP_NEIGH = 3;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;

// Families (AF_UNSPEC, AF_INET are in uapi.ts)
export const AF_INET6 = 10;

// Link flags (linux/if.h)
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;

// Link attributes (linux/if_link.h)
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKINFO = 18;
export const IFLA_AF_SPEC = 26;
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const VETH_INFO_PEER = 1;

// Address attributes and flags (linux/if_addr.h)
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_CACHEINFO = 6;
export const IFA_FLAGS = 8;
export const IFA_PROTO = 11;
export const IFA_F_SECONDARY = 0x01;
export const IFA_F_NODAD = 0x02;
export const IFA_F_TENTATIVE = 0x40;
export const IFA_F_PERMANENT = 0x80;

// Route attributes and header values (linux/rtnetlink.h)
export const RTA_DST = 1;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_SRC = 2;
export const RTA_METRICS = 8;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_PREF = 20;
export const RTA_UID = 25;
/** Inside RTA_METRICS: the path MTU (linux/rtnetlink.h, enum RTAX_*). */
export const RTAX_MTU = 2;
// rtm_flags of a RTM_GETROUTE request: report the table the lookup used; answer with the FIB entry itself.
export const RTM_F_CLONED = 0x200;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RTPROT_KERNEL = 2;
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_MULTICAST = 5;

/** How a fixed header's fields lie in its bytes: field → [offset, type] (ours: the four structs differ only in this). */
type Layout<T> = { size: number; fields: { [K in keyof T]: [offset: number, type: 'u8' | 'u16' | 's32' | 'u32'] } };

function pack<T extends object>(layout: Layout<T>, values: Partial<T>): Uint8Array {
  const b = new Uint8Array(layout.size);
  const v = new DataView(b.buffer);
  for (const [name, [at, type]] of Object.entries(layout.fields) as [
    keyof T & string,
    Layout<T>['fields'][keyof T],
  ][]) {
    const x = Number(values[name] ?? 0);
    if (type === 'u8') v.setUint8(at, x);
    else if (type === 'u16') v.setUint16(at, x, true);
    else if (type === 's32') v.setInt32(at, x, true);
    else v.setUint32(at, x >>> 0, true);
  }
  return b;
}

function unpack<T extends object>(layout: Layout<T>, m: NlMsg | Uint8Array): T & { attrs: NlAttr[] } {
  const p = m instanceof Uint8Array ? m : m.payload;
  const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const out: Record<string, unknown> = {};
  for (const [name, [at, type]] of Object.entries(layout.fields) as [string, Layout<T>['fields'][keyof T]][]) {
    out[name] =
      type === 'u8'
        ? v.getUint8(at)
        : type === 'u16'
          ? v.getUint16(at, true)
          : type === 's32'
            ? v.getInt32(at, true)
            : v.getUint32(at, true);
  }
  out.attrs = parseAttrs(p.subarray(layout.size));
  return out as T & { attrs: NlAttr[] };
}

// ---- struct ifinfomsg (16 bytes) ------------------------------------------------------------------

export interface IfInfoMsg {
  family: number;
  type: number;
  index: number;
  flags: number;
  change: number;
}

const IFINFOMSG: Layout<IfInfoMsg> = {
  size: 16,
  fields: { family: [0, 'u8'], type: [2, 'u16'], index: [4, 's32'], flags: [8, 'u32'], change: [12, 'u32'] },
};

/** struct ifinfomsg { family, pad, type, index, flags, change }. For a dump or a request by name, index 0. */
export function ifinfomsg(values: Partial<IfInfoMsg> = {}): Uint8Array {
  return pack(IFINFOMSG, values);
}

/** A link message (RTM_NEWLINK, RTM_DELLINK): its header and attributes. */
export function parseIfinfomsg(m: NlMsg | Uint8Array): IfInfoMsg & { attrs: NlAttr[] } {
  return unpack(IFINFOMSG, m);
}

// ---- struct ifaddrmsg (8 bytes) -------------------------------------------------------------------

export interface IfAddrMsg {
  family: number;
  prefixlen: number;
  flags: number;
  scope: number;
  index: number;
}

const IFADDRMSG: Layout<IfAddrMsg> = {
  size: 8,
  fields: { family: [0, 'u8'], prefixlen: [1, 'u8'], flags: [2, 'u8'], scope: [3, 'u8'], index: [4, 's32'] },
};

/** struct ifaddrmsg { family, prefixlen, flags, scope, index }. */
export function ifaddrmsg(values: Partial<IfAddrMsg> = {}): Uint8Array {
  return pack(IFADDRMSG, values);
}

/** An address message (RTM_NEWADDR, RTM_DELADDR): its header and attributes. */
export function parseIfaddrmsg(m: NlMsg | Uint8Array): IfAddrMsg & { attrs: NlAttr[] } {
  return unpack(IFADDRMSG, m);
}

// ---- struct rtmsg (12 bytes) ----------------------------------------------------------------------

export interface RtMsg {
  family: number;
  dst_len: number;
  src_len: number;
  tos: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

const RTMSG: Layout<RtMsg> = {
  size: 12,
  fields: {
    family: [0, 'u8'],
    dst_len: [1, 'u8'],
    src_len: [2, 'u8'],
    tos: [3, 'u8'],
    table: [4, 'u8'],
    protocol: [5, 'u8'],
    scope: [6, 'u8'],
    type: [7, 'u8'],
    flags: [8, 'u32'],
  },
};

/** struct rtmsg { family, dst_len, src_len, tos, table, protocol, scope, type, flags }. */
export function rtmsg(values: Partial<RtMsg> = {}): Uint8Array {
  return pack(RTMSG, values);
}

/** A route message (RTM_NEWROUTE, RTM_DELROUTE): its header and attributes. */
export function parseRtmsg(m: NlMsg | Uint8Array): RtMsg & { attrs: NlAttr[] } {
  return unpack(RTMSG, m);
}

// ---- struct ndmsg (12 bytes) ----------------------------------------------------------------------

// Neighbour attributes, states and flags (linux/neighbour.h)
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_IFINDEX = 8;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
export const NTF_PROXY = 0x08;
export const NTF_ROUTER = 0x80;

export interface NdMsg {
  family: number;
  index: number;
  state: number;
  flags: number;
  type: number;
}

const NDMSG: Layout<NdMsg> = {
  size: 12,
  fields: { family: [0, 'u8'], index: [4, 's32'], state: [8, 'u16'], flags: [10, 'u8'], type: [11, 'u8'] },
};

/** struct ndmsg { family, pad1, pad2, ifindex, state, flags, type }. */
export function ndmsg(values: Partial<NdMsg> = {}): Uint8Array {
  return pack(NDMSG, values);
}

/** A neighbour message (RTM_NEWNEIGH, RTM_DELNEIGH): its header and attributes. */
export function parseNdmsg(m: NlMsg | Uint8Array): NdMsg & { attrs: NlAttr[] } {
  return unpack(NDMSG, m);
}

// ---- addresses --------------------------------------------------------------------------------------

/** "10.0.0.1" → 4 bytes in network order. */
export function inet_pton4(s: string): Uint8Array {
  const parts = s.split('.').map(Number);
  if (parts.length !== 4 || parts.some((x) => !(x >= 0 && x <= 255))) throw new Error(`not an IPv4 address: ${s}`);
  return new Uint8Array(parts);
}

/** "2001:db8::1" → 16 bytes in network order. */
export function inet_pton6(s: string): Uint8Array {
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`not an IPv6 address: ${s}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  });
  return out;
}

/** 4 or 16 bytes → text (IPv6 with the longest run of zero groups as ::). */
export function inet_ntop(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const g = Array.from({ length: 8 }, (_, i) => (b[2 * i] << 8) | b[2 * i + 1]);
  let best = -1,
    len = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > len && j - i > 1) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  const hx = g.map((x) => x.toString(16));
  if (best < 0) return hx.join(':');
  return `${hx.slice(0, best).join(':')}::${hx.slice(best + len).join(':')}`;
}

/** A MAC address as text. */
export const mac_ntop = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');

export { concat };
