/**
 * Generic netlink from user space: build and read genl messages, resolve a family and its
 * multicast groups by name through nlctrl, send a command and collect its answer.
 *
 * The spirit of the classic C helpers (genlmsg_open / get_family_id / send / recv / dispatch, or
 * libnl's genl_ctrl_resolve), as async TypeScript over the syscalls of netlink-lab/user, so every
 * send and recv shows up in the message panels like any other syscall.
 */
import {
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLMSG_ERROR,
  NLMSG_DONE,
  GENL_ID_CTRL,
  GENL_HDRLEN,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_VERSION,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_OPS,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_POLICY,
  CTRL_ATTR_OP_POLICY,
  CTRL_ATTR_OP,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_POLICY,
} from './uapi.ts';
import {
  nlmsg,
  parseNlmsgs,
  parseNlmsgerr,
  parseAttrs,
  attrMap,
  genlmsghdr,
  cstring,
  concat,
  nla,
  u16,
  u32,
  NLMSG_ALIGN,
  type NlMsg,
  type NlAttr,
} from './nlmsg.ts';
import { ErrnoError } from './errno.ts';
import { socket, bind, sendto, recvfrom, close } from './user.ts';

// ---- constants missing from uapi.ts (include/uapi/linux/genetlink.h, netlink.h) ---------------

/** CTRL_ATTR_POLICY_DO / _DUMP: inside CTRL_ATTR_OP_POLICY, the policy index of the do / dump op. */
export const CTRL_ATTR_POLICY_DO = 1;
export const CTRL_ATTR_POLICY_DUMP = 2;

/** enum netlink_attribute_type: the attribute types a policy dump reports (NL_POLICY_TYPE_ATTR_TYPE). */
export const NL_ATTR_TYPE = {
  INVALID: 0,
  FLAG: 1,
  U8: 2,
  U16: 3,
  U32: 4,
  U64: 5,
  S8: 6,
  S16: 7,
  S32: 8,
  S64: 9,
  BINARY: 10,
  STRING: 11,
  NUL_STRING: 12,
  NESTED: 13,
  NESTED_ARRAY: 14,
  BITFIELD32: 15,
  SINT: 16,
  UINT: 17,
} as const;

/** enum netlink_policy_type_attr: the attributes describing one policy entry. */
export const NL_POLICY_TYPE_ATTR = {
  UNSPEC: 0,
  TYPE: 1,
  MIN_VALUE_S: 2,
  MAX_VALUE_S: 3,
  MIN_VALUE_U: 4,
  MAX_VALUE_U: 5,
  MIN_LENGTH: 6,
  MAX_LENGTH: 7,
  POLICY_IDX: 8,
  POLICY_MAXTYPE: 9,
  BITFIELD32_MASK: 10,
  PAD: 11,
  MASK: 12,
} as const;

// ---- attribute builders not in nlmsg.ts -------------------------------------------------------

const le = (size: number, set: (v: DataView) => void): Uint8Array => {
  const b = new Uint8Array(size);
  set(new DataView(b.buffer));
  return b;
};
/** An NLA_S8 attribute. */
export const nla_s8 = (type: number, v: number): Uint8Array =>
  nla(
    type,
    le(1, (d) => d.setInt8(0, v)),
  );
/** An NLA_S16 attribute. */
export const nla_s16 = (type: number, v: number): Uint8Array =>
  nla(
    type,
    le(2, (d) => d.setInt16(0, v, true)),
  );
/** An NLA_S64 attribute. */
export const nla_s64 = (type: number, v: bigint): Uint8Array =>
  nla(
    type,
    le(8, (d) => d.setBigInt64(0, v, true)),
  );
/** An NLA_MSECS attribute (a u64 count of milliseconds). */
export const nla_msecs = (type: number, ms: bigint | number): Uint8Array =>
  nla(
    type,
    le(8, (d) => d.setBigUint64(0, BigInt(ms), true)),
  );
/** An attribute holding raw bytes (NLA_BINARY, or a deliberately malformed payload). */
export const nla_binary = (type: number, data: Uint8Array): Uint8Array => nla(type, data);
/** A string attribute WITHOUT the terminating NUL (NLA_STRING allows it; NLA_NUL_STRING rejects it). */
export const nla_string_nonul = (type: number, s: string): Uint8Array => nla(type, new TextEncoder().encode(s));
/**
 * An NLA_NESTED_ARRAY: element i (1-based) is a nest holding elements[i - 1]'s attributes.
 * `flagNested` sets NLA_F_NESTED on the outer and the element nests, as strict families require.
 */
export const nla_nest_array = (type: number, elements: Uint8Array[][], flagNested = true): Uint8Array =>
  nla(
    flagNested ? type | 0x8000 : type,
    elements.map((attrs, i) => nla(flagNested ? (i + 1) | 0x8000 : i + 1, attrs)),
  );

// ---- attribute readers ------------------------------------------------------------------------

const dv = (a: NlAttr) => new DataView(a.payload.buffer, a.payload.byteOffset, a.payload.byteLength);
/** The payload of an NLA_U8 attribute. */
export const nla_get_u8 = (a: NlAttr): number => dv(a).getUint8(0);
/** The payload of an NLA_U16 attribute. */
export const nla_get_u16 = (a: NlAttr): number => dv(a).getUint16(0, true);
/** The payload of an NLA_U32 attribute. */
export const nla_get_u32 = (a: NlAttr): number => dv(a).getUint32(0, true);
/** The payload of an NLA_U64 attribute. */
export const nla_get_u64 = (a: NlAttr): bigint => dv(a).getBigUint64(0, true);
/** The payload of an NLA_S8 attribute. */
export const nla_get_s8 = (a: NlAttr): number => dv(a).getInt8(0);
/** The payload of an NLA_S16 attribute. */
export const nla_get_s16 = (a: NlAttr): number => dv(a).getInt16(0, true);
/** The payload of an NLA_S32 attribute. */
export const nla_get_s32 = (a: NlAttr): number => dv(a).getInt32(0, true);
/** The payload of an NLA_S64 attribute. */
export const nla_get_s64 = (a: NlAttr): bigint => dv(a).getBigInt64(0, true);
/** The payload of a string attribute, up to its first NUL. */
export const nla_get_string = (a: NlAttr): string => cstring(a.payload);
/** The attributes inside a nest. */
export const nla_get_nested = (a: NlAttr): NlAttr[] => parseAttrs(a.payload);

// ---- genl messages ----------------------------------------------------------------------------

/** What a generic netlink request is made of. */
export interface GenlMsgInit {
  /** The family id (nlmsg_type): 0x10 for nlctrl, otherwise resolved with genl_ctrl_resolve. */
  family: number;
  /** genlmsghdr.cmd. */
  cmd: number;
  /** genlmsghdr.version (most families ignore it; nlctrl's is 2). */
  version?: number;
  /** nlmsg_flags; defaults to NLM_F_REQUEST | NLM_F_ACK. */
  flags?: number;
  seq?: number;
  pid?: number;
  /** The family's own fixed header (hdrsize bytes), if it has one. */
  userhdr?: Uint8Array;
  /** Attributes, already encoded (nla_u32(…), nla_string(…), nla_nest(…)). */
  attrs?: Uint8Array[];
  /** genlmsghdr.reserved (must stay 0 for new commands: the kernel rejects anything else). */
  reserved?: number;
}

/** One generic netlink message: nlmsghdr, genlmsghdr, the user header, then the attributes. */
export function genlmsg({
  family,
  cmd,
  version = 1,
  flags = NLM_F_REQUEST | NLM_F_ACK,
  seq = 0,
  pid = 0,
  userhdr,
  attrs = [],
  reserved = 0,
}: GenlMsgInit): Uint8Array {
  const hdr = genlmsghdr(cmd, version);
  hdr[2] = reserved & 0xff;
  hdr[3] = (reserved >> 8) & 0xff;
  const uh = userhdr
    ? concat(userhdr, new Uint8Array(NLMSG_ALIGN(userhdr.length) - userhdr.length))
    : new Uint8Array(0);
  return nlmsg({ type: family, flags, seq, pid, payload: [hdr, uh, ...attrs] });
}

/** A decoded generic netlink message. */
export interface GenlMsg {
  /** The netlink message it came in (header fields, payload, offset). */
  nlmsg: NlMsg;
  cmd: number;
  version: number;
  reserved: number;
  userhdr: Uint8Array;
  /** The top-level attributes, in order. */
  attrs: NlAttr[];
  /** The top-level attributes by type (the last of each type, as nla_parse keeps). */
  attr: Map<number, NlAttr>;
}

/** Decode a generic netlink message (not an NLMSG_ERROR / DONE: check nlmsg_type first). */
export function parseGenlmsg(m: NlMsg, hdrsize = 0): GenlMsg {
  const p = m.payload;
  const body = p.subarray(GENL_HDRLEN + NLMSG_ALIGN(hdrsize));
  const attrs = parseAttrs(body);
  return {
    nlmsg: m,
    cmd: p[0] ?? 0,
    version: p[1] ?? 0,
    reserved: p.length >= 4 ? u16(p, 2) : 0,
    userhdr: p.subarray(GENL_HDRLEN, GENL_HDRLEN + hdrsize),
    attrs,
    attr: new Map(attrs.map((a) => [a.type, a])),
  };
}

/** What an NLMSG_ERROR carried beyond the errno: the extended ACK, decoded. */
export interface GenlExtAck {
  /** NLMSGERR_ATTR_MSG. */
  msg?: string;
  /** NLMSGERR_ATTR_OFFS: the byte offset of the offending attribute in the request. */
  offs?: number;
  /** NLMSGERR_ATTR_MISS_TYPE: the attribute that was required but missing. */
  missType?: number;
  /** NLMSGERR_ATTR_MISS_NEST: the offset of the nest that lacked it. */
  missNest?: number;
  /** NLMSGERR_ATTR_POLICY: what the offending attribute should have been. */
  policy?: GenlPolicyAttr;
}

/** An ErrnoError from a netlink error message, with the extended ACK's details when there were any. */
export class NetlinkError extends ErrnoError {
  readonly extack: GenlExtAck;
  constructor(errno: number, extack: GenlExtAck) {
    super('netlink', errno);
    this.extack = extack;
    if (extack.msg) this.message += `: ${extack.msg}`;
  }
}

/** Decode the extended-ACK attributes of an NLMSG_ERROR. */
export function parseExtAck(tlvs: NlAttr[]): GenlExtAck {
  const out: GenlExtAck = {};
  for (const a of tlvs) {
    if (a.type === NLMSGERR_ATTR_MSG) out.msg = cstring(a.payload);
    else if (a.type === NLMSGERR_ATTR_OFFS) out.offs = u32(a.payload, 0);
    else if (a.type === NLMSGERR_ATTR_MISS_TYPE) out.missType = u32(a.payload, 0);
    else if (a.type === NLMSGERR_ATTR_MISS_NEST) out.missNest = u32(a.payload, 0);
    else if (a.type === NLMSGERR_ATTR_POLICY) out.policy = parsePolicyAttr(parseAttrs(a.payload));
  }
  return out;
}

let nextSeq = 1;

/** Options for genl_request. */
export interface GenlRequestOptions {
  /** Send with NLM_F_DUMP and collect every message until NLMSG_DONE. */
  dump?: boolean;
  /** Receive buffer size per recv (default 32768). */
  bufsize?: number;
}

/**
 * Send one generic netlink request on `fd` and collect its answer: the messages that carry its
 * sequence number, until the ACK (or NLMSG_DONE for a dump). Rejects with NetlinkError when the
 * kernel answers with an error. Requests NLM_F_ACK, so a command without a reply resolves to [].
 */
export async function genl_request(
  fd: number,
  init: Omit<GenlMsgInit, 'seq' | 'flags'> & { flags?: number },
  opts: GenlRequestOptions = {},
): Promise<NlMsg[]> {
  const seq = nextSeq++;
  const flags = init.flags ?? NLM_F_REQUEST | NLM_F_ACK | (opts.dump ? NLM_F_DUMP : 0);
  await sendto(fd, genlmsg({ ...init, flags, seq }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const out: NlMsg[] = [];
  const buf = new Uint8Array(opts.bufsize ?? 32768);
  for (;;) {
    const { n } = await recvfrom(fd, buf, 0);
    for (const m of parseNlmsgs(buf.slice(0, n))) {
      if (m.nlmsg_seq !== seq) continue;
      if (m.nlmsg_type === NLMSG_ERROR) {
        const e = parseNlmsgerr(m);
        if (!e) throw new Error('genl_request: truncated NLMSG_ERROR from the kernel');
        if (e.error !== 0) throw new NetlinkError(-e.error, parseExtAck(e.tlvs));
        return out;
      }
      if (m.nlmsg_type === NLMSG_DONE) {
        const err = m.payload.length >= 4 ? new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true) : 0;
        if (err < 0) throw new NetlinkError(-err, parseExtAck(parseAttrs(m.payload.subarray(4))));
        // A dump ends with DONE; the kernel sends no ACK after it.
        return out;
      }
      out.push(m);
    }
  }
}

// ---- send / recv / dispatch, one step at a time ---------------------------------------------

/**
 * Send one generic netlink message to the kernel (genlmsg_send in the classic example): the
 * sequence number is chosen here unless given; resolves to it.
 */
export async function genl_send(fd: number, init: GenlMsgInit): Promise<number> {
  const seq = init.seq ?? nextSeq++;
  await sendto(fd, genlmsg({ ...init, seq }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  return seq;
}

/** What one datagram held, sorted: generic netlink messages, errors / ACKs, and whether a dump ended. */
export interface GenlRecv {
  /** Bytes received (recvfrom's return value). */
  n: number;
  /** Where it came from: (0, group mask) for a multicast, (0, 0) for a kernel reply. */
  from: { nl_pid: number; nl_groups: number };
  msgs: GenlMsg[];
  /** NLMSG_ERROR messages: error 0 is an ACK. */
  errors: { error: number; seq: number; extack: GenlExtAck }[];
  /** NLMSG_DONE seen (a dump ended), with its value (0 or -errno). */
  done?: number;
}

/** Receive one datagram and sort its messages (genlmsg_recv in the classic example). Pass MSG_DONTWAIT in flags to poll. */
export async function genl_recv(
  fd: number,
  opts: { hdrsize?: number; flags?: number; bufsize?: number } = {},
): Promise<GenlRecv> {
  const buf = new Uint8Array(opts.bufsize ?? 32768);
  const { n, from } = await recvfrom(fd, buf, opts.flags ?? 0);
  const out: GenlRecv = { n, from: { nl_pid: from.nl_pid, nl_groups: from.nl_groups }, msgs: [], errors: [] };
  for (const m of parseNlmsgs(buf.slice(0, Math.min(n, buf.length)))) {
    if (m.nlmsg_type === NLMSG_ERROR) {
      const e = parseNlmsgerr(m);
      if (e) out.errors.push({ error: e.error, seq: m.nlmsg_seq, extack: parseExtAck(e.tlvs) });
    } else if (m.nlmsg_type === NLMSG_DONE) {
      out.done = m.payload.length >= 4 ? new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true) : 0;
    } else if (m.nlmsg_type >= 0x10) {
      out.msgs.push(parseGenlmsg(m, opts.hdrsize ?? 0));
    }
  }
  return out;
}

/**
 * Call the handler registered for each message's command (genlmsg_dispatch in the classic
 * example); messages of other commands go to `other`. Returns how many were handled.
 */
export function genl_dispatch(
  msgs: GenlMsg[],
  handlers: Record<number, (m: GenlMsg) => void>,
  other?: (m: GenlMsg) => void,
): number {
  let handled = 0;
  for (const m of msgs) {
    const h = handlers[m.cmd];
    if (h) {
      h(m);
      handled++;
    } else other?.(m);
  }
  return handled;
}

// ---- nlctrl ----------------------------------------------------------------------------------

/** One command of a family as nlctrl lists it. */
export interface GenlOp {
  cmd: number;
  flags: number;
}

/** A generic netlink family as nlctrl describes it (CTRL_CMD_NEWFAMILY). */
export interface GenlFamily {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: GenlOp[];
  /** Multicast group name → group id (the number to pass to NETLINK_ADD_MEMBERSHIP). */
  groups: Map<string, number>;
}

/** Decode a CTRL_CMD_NEWFAMILY message (a GETFAMILY reply, a dump entry or a notification). */
export function parseCtrlFamily(m: NlMsg): GenlFamily {
  const g = parseGenlmsg(m);
  const a = g.attr;
  const num = (t: number, get: (x: NlAttr) => number) => {
    const x = a.get(t);
    return x ? get(x) : 0;
  };
  const ops: GenlOp[] = [];
  const opsAttr = a.get(CTRL_ATTR_OPS);
  if (opsAttr)
    for (const op of parseAttrs(opsAttr.payload)) {
      const o = attrMap(op.payload);
      ops.push({
        cmd: o.has(CTRL_ATTR_OP_ID) ? nla_get_u32(o.get(CTRL_ATTR_OP_ID)!) : 0,
        flags: o.has(CTRL_ATTR_OP_FLAGS) ? nla_get_u32(o.get(CTRL_ATTR_OP_FLAGS)!) : 0,
      });
    }
  const groups = new Map<string, number>();
  const grps = a.get(CTRL_ATTR_MCAST_GROUPS);
  if (grps)
    for (const grp of parseAttrs(grps.payload)) {
      const o = attrMap(grp.payload);
      const name = o.get(CTRL_ATTR_MCAST_GRP_NAME);
      const id = o.get(CTRL_ATTR_MCAST_GRP_ID);
      if (name && id) groups.set(nla_get_string(name), nla_get_u32(id));
    }
  const nameAttr = a.get(CTRL_ATTR_FAMILY_NAME);
  return {
    id: num(CTRL_ATTR_FAMILY_ID, nla_get_u16),
    name: nameAttr ? nla_get_string(nameAttr) : '',
    version: num(CTRL_ATTR_VERSION, nla_get_u32),
    hdrsize: num(CTRL_ATTR_HDRSIZE, nla_get_u32),
    maxattr: num(CTRL_ATTR_MAXATTR, nla_get_u32),
    ops,
    groups,
  };
}

/** Open a NETLINK_GENERIC socket and bind it (port chosen by the kernel), like genlmsg_open(). */
export async function genl_socket(): Promise<number> {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  return fd;
}

/**
 * Ask nlctrl about a family by name (or by id when given a number), like libnl's
 * genl_ctrl_resolve(): resolves to its id, version, header size, maxattr, commands and groups.
 * Rejects with NetlinkError ENOENT when no such family is registered.
 */
export async function genl_ctrl_resolve(fd: number, family: string | number): Promise<GenlFamily> {
  const attr =
    typeof family === 'string'
      ? nla(CTRL_ATTR_FAMILY_NAME, new TextEncoder().encode(family + '\0'))
      : nla(CTRL_ATTR_FAMILY_ID, new Uint8Array([family & 0xff, family >> 8]));
  const replies = await genl_request(fd, { family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 2, attrs: [attr] });
  if (replies.length !== 1) throw new Error(`genl_ctrl_resolve: expected one reply from nlctrl, got ${replies.length}`);
  return parseCtrlFamily(replies[0]);
}

/** A multicast group's id by family and group name, like libnl's genl_ctrl_resolve_grp(). Rejects with ENOENT when either is unknown. */
export async function genl_ctrl_resolve_grp(fd: number, family: string, group: string): Promise<number> {
  const f = await genl_ctrl_resolve(fd, family);
  const id = f.groups.get(group);
  if (id === undefined)
    throw new NetlinkError(2, {
      msg: `family ${family} has no multicast group "${group}" (it has: ${[...f.groups.keys()].join(', ') || 'none'})`,
    });
  return id;
}

/** Every registered family (the GETFAMILY dump). */
export async function genl_ctrl_list(fd: number): Promise<GenlFamily[]> {
  const msgs = await genl_request(fd, { family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 2 }, { dump: true });
  return msgs.map(parseCtrlFamily);
}

// ---- policies (CTRL_CMD_GETPOLICY) -------------------------------------------------------------

/** One attribute of a policy, as the kernel describes it (NL_POLICY_TYPE_ATTR_*). */
export interface GenlPolicyAttr {
  /** NL_ATTR_TYPE_* value. */
  type: number;
  minValue?: bigint;
  maxValue?: bigint;
  minLength?: number;
  maxLength?: number;
  /** For nests: the index of the inner policy and its maxtype. */
  policyIdx?: number;
  policyMaxtype?: number;
  bitfield32Mask?: number;
  mask?: bigint;
}

/** A family's policies: per command which policy do/dump use, and each policy's attributes. */
export interface GenlPolicies {
  /**
   * cmd → { do, dump } policy indexes. Linux 6.2+ keys each entry by the cmd of the command's do
   * op, so a dump-only command appears under 0 (as the kernel sends it).
   */
  ops: Map<number, { do?: number; dump?: number }>;
  /** policy index → attribute type → description. */
  policies: Map<number, Map<number, GenlPolicyAttr>>;
}

function parsePolicyAttr(attrs: NlAttr[]): GenlPolicyAttr {
  const out: GenlPolicyAttr = { type: 0 };
  for (const a of attrs) {
    switch (a.type) {
      case NL_POLICY_TYPE_ATTR.TYPE:
        out.type = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.MIN_VALUE_S:
        out.minValue = nla_get_s64(a);
        break;
      case NL_POLICY_TYPE_ATTR.MAX_VALUE_S:
        out.maxValue = nla_get_s64(a);
        break;
      case NL_POLICY_TYPE_ATTR.MIN_VALUE_U:
        out.minValue = nla_get_u64(a);
        break;
      case NL_POLICY_TYPE_ATTR.MAX_VALUE_U:
        out.maxValue = nla_get_u64(a);
        break;
      case NL_POLICY_TYPE_ATTR.MIN_LENGTH:
        out.minLength = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.MAX_LENGTH:
        out.maxLength = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.POLICY_IDX:
        out.policyIdx = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.POLICY_MAXTYPE:
        out.policyMaxtype = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.BITFIELD32_MASK:
        out.bitfield32Mask = nla_get_u32(a);
        break;
      case NL_POLICY_TYPE_ATTR.MASK:
        out.mask = nla_get_u64(a);
        break;
    }
  }
  return out;
}

/** Decode the messages of a GETPOLICY dump. */
export function parseCtrlPolicies(msgs: NlMsg[]): GenlPolicies {
  const res: GenlPolicies = { ops: new Map(), policies: new Map() };
  for (const m of msgs) {
    const g = parseGenlmsg(m);
    const opPol = g.attr.get(CTRL_ATTR_OP_POLICY);
    if (opPol)
      for (const op of parseAttrs(opPol.payload)) {
        const o = attrMap(op.payload);
        const e: { do?: number; dump?: number } = {};
        if (o.has(CTRL_ATTR_POLICY_DO)) e.do = nla_get_u32(o.get(CTRL_ATTR_POLICY_DO)!);
        if (o.has(CTRL_ATTR_POLICY_DUMP)) e.dump = nla_get_u32(o.get(CTRL_ATTR_POLICY_DUMP)!);
        res.ops.set(op.type, e);
      }
    const pol = g.attr.get(CTRL_ATTR_POLICY);
    if (pol)
      for (const p of parseAttrs(pol.payload)) {
        const table = res.policies.get(p.type) ?? new Map<number, GenlPolicyAttr>();
        res.policies.set(p.type, table);
        for (const at of parseAttrs(p.payload)) table.set(at.type, parsePolicyAttr(parseAttrs(at.payload)));
      }
  }
  return res;
}

/** A family's attribute policies (CTRL_CMD_GETPOLICY dump), optionally for one command only. */
export async function genl_ctrl_policy(fd: number, family: string, cmd?: number): Promise<GenlPolicies> {
  const attrs = [nla(CTRL_ATTR_FAMILY_NAME, new TextEncoder().encode(family + '\0'))];
  if (cmd !== undefined) attrs.push(nla(CTRL_ATTR_OP, new Uint8Array(new Uint32Array([cmd]).buffer)));
  return parseCtrlPolicies(
    await genl_request(fd, { family: GENL_ID_CTRL, cmd: CTRL_CMD_GETPOLICY, version: 2, attrs }, { dump: true }),
  );
}

// ---- one-call helpers for lessons --------------------------------------------------------------

/**
 * Send a command to a family by name and return the decoded replies, resolving the family id
 * first (and caching it per socket). For dumps pass { dump: true }.
 */
export async function genl_call(
  fd: number,
  family: string | GenlFamily,
  cmd: number,
  attrs: Uint8Array[] = [],
  opts: GenlRequestOptions & { userhdr?: Uint8Array } = {},
): Promise<GenlMsg[]> {
  const f = typeof family === 'string' ? await resolveCached(fd, family) : family;
  const msgs = await genl_request(fd, { family: f.id, cmd, version: f.version, attrs, userhdr: opts.userhdr }, opts);
  return msgs.map((m) => parseGenlmsg(m, f.hdrsize));
}

const cache = new Map<string, GenlFamily>();
async function resolveCached(fd: number, name: string): Promise<GenlFamily> {
  const key = `${fd}/${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const f = await genl_ctrl_resolve(fd, name);
  cache.set(key, f);
  return f;
}

/** Close a socket opened with genl_socket (and forget the families resolved on it). */
export async function genl_close(fd: number): Promise<number> {
  for (const k of [...cache.keys()]) if (k.startsWith(`${fd}/`)) cache.delete(k);
  return close(fd);
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(NetlinkError.prototype);
