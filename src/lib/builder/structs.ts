/**
 * The fixed family headers the builder edits, field by field, with the names of their enums and
 * flag bits (include/uapi/linux/genetlink.h, rtnetlink.h, if_link.h, if_addr.h, neighbour.h,
 * fib_rules.h, if.h, socket.h).
 */

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
const RT_SCOPE = {
  0: 'RT_SCOPE_UNIVERSE',
  200: 'RT_SCOPE_SITE',
  253: 'RT_SCOPE_LINK',
  254: 'RT_SCOPE_HOST',
  255: 'RT_SCOPE_NOWHERE',
};
const RT_TABLE = {
  0: 'RT_TABLE_UNSPEC',
  252: 'RT_TABLE_COMPAT',
  253: 'RT_TABLE_DEFAULT',
  254: 'RT_TABLE_MAIN',
  255: 'RT_TABLE_LOCAL',
};
const RTPROT = {
  0: 'RTPROT_UNSPEC',
  1: 'RTPROT_REDIRECT',
  2: 'RTPROT_KERNEL',
  3: 'RTPROT_BOOT',
  4: 'RTPROT_STATIC',
  16: 'RTPROT_DHCP',
};
const RTN = {
  0: 'RTN_UNSPEC',
  1: 'RTN_UNICAST',
  2: 'RTN_LOCAL',
  3: 'RTN_BROADCAST',
  4: 'RTN_ANYCAST',
  5: 'RTN_MULTICAST',
  6: 'RTN_BLACKHOLE',
  7: 'RTN_UNREACHABLE',
  8: 'RTN_PROHIBIT',
  9: 'RTN_THROW',
  10: 'RTN_NAT',
  11: 'RTN_XRESOLVE',
};
const FR_ACT = {
  0: 'FR_ACT_UNSPEC',
  1: 'FR_ACT_TO_TBL',
  2: 'FR_ACT_GOTO',
  3: 'FR_ACT_NOP',
  6: 'FR_ACT_BLACKHOLE',
  7: 'FR_ACT_UNREACHABLE',
  8: 'FR_ACT_PROHIBIT',
};
const ARPHRD = { 1: 'ARPHRD_ETHER', 772: 'ARPHRD_LOOPBACK', 65534: 'ARPHRD_NONE' };
const IFF: [number, string][] = [
  [0x1, 'IFF_UP'],
  [0x2, 'IFF_BROADCAST'],
  [0x4, 'IFF_DEBUG'],
  [0x8, 'IFF_LOOPBACK'],
  [0x10, 'IFF_POINTOPOINT'],
  [0x20, 'IFF_NOTRAILERS'],
  [0x40, 'IFF_RUNNING'],
  [0x80, 'IFF_NOARP'],
  [0x100, 'IFF_PROMISC'],
  [0x200, 'IFF_ALLMULTI'],
  [0x1000, 'IFF_MULTICAST'],
  [0x10000, 'IFF_LOWER_UP'],
  [0x20000, 'IFF_DORMANT'],
  [0x40000, 'IFF_ECHO'],
];
const IFA_F: [number, string][] = [
  [0x01, 'IFA_F_SECONDARY'],
  [0x02, 'IFA_F_NODAD'],
  [0x04, 'IFA_F_OPTIMISTIC'],
  [0x08, 'IFA_F_DADFAILED'],
  [0x10, 'IFA_F_HOMEADDRESS'],
  [0x20, 'IFA_F_DEPRECATED'],
  [0x40, 'IFA_F_TENTATIVE'],
  [0x80, 'IFA_F_PERMANENT'],
];
const NUD: [number, string][] = [
  [0x01, 'NUD_INCOMPLETE'],
  [0x02, 'NUD_REACHABLE'],
  [0x04, 'NUD_STALE'],
  [0x08, 'NUD_DELAY'],
  [0x10, 'NUD_PROBE'],
  [0x20, 'NUD_FAILED'],
  [0x40, 'NUD_NOARP'],
  [0x80, 'NUD_PERMANENT'],
];
const RTM_F: [number, string][] = [
  [0x100, 'RTM_F_NOTIFY'],
  [0x200, 'RTM_F_CLONED'],
  [0x400, 'RTM_F_EQUALIZE'],
  [0x800, 'RTM_F_PREFIX'],
  [0x1000, 'RTM_F_LOOKUP_TABLE'],
  [0x2000, 'RTM_F_FIB_MATCH'],
];

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
      u8('ndm_flags'),
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
