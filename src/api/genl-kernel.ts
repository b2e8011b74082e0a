/**
 * Generic netlink for kernel-module authors: define a family in TypeScript the way a C module
 * fills in struct genl_family, register it, and answer its commands with genlmsg_* and nla_put_*.
 *
 * Only the doit/dumpit bodies run in TypeScript. The family's policy is handed to the simulated
 * kernel (AssemblyScript, lib/nlattr.ts), which validates every request before a handler sees it,
 * exactly as lib/nlattr.c does. On a real kernel the C module of the same name runs instead.
 *
 * Handlers are synchronous, like kernel code: they return 0 or a negative errno.
 */
import { ERRNO } from './errno.ts';
import type { NlAttr, NlMsgHdr } from './nlmsg.ts';
import { backend, type Backend } from './backend.ts';
import type { SkBuff } from './kernel.ts';

// ---- policy types (include/net/netlink.h) ----------------------------------------------------

export const NLA_UNSPEC = 0;
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_STRING = 5;
export const NLA_FLAG = 6;
export const NLA_MSECS = 7;
export const NLA_NESTED = 8;
export const NLA_NESTED_ARRAY = 9;
export const NLA_NUL_STRING = 10;
export const NLA_BINARY = 11;
export const NLA_S8 = 12;
export const NLA_S16 = 13;
export const NLA_S32 = 14;
export const NLA_S64 = 15;
export const NLA_BITFIELD32 = 16;
export const NLA_REJECT = 17;
export const NLA_BE16 = 18;
export const NLA_BE32 = 19;
/** 6.6+: signed / unsigned integers of 4 or 8 bytes. */
export const NLA_SINT = 20;
export const NLA_UINT = 21;

/** enum nla_policy_validation. */
export const NLA_VALIDATE_NONE = 0;
export const NLA_VALIDATE_RANGE = 1;
export const NLA_VALIDATE_RANGE_WARN_TOO_LONG = 2;
export const NLA_VALIDATE_MIN = 3;
export const NLA_VALIDATE_MAX = 4;
export const NLA_VALIDATE_MASK = 5;
export const NLA_VALIDATE_RANGE_PTR = 6;

/** genl_ops.flags. */
export const GENL_ADMIN_PERM = 0x01;
export const GENL_UNS_ADMIN_PERM = 0x10;
/** genl_ops.validate: relaxed validation, only for commands below the family's resv_start_op. */
export const GENL_DONT_VALIDATE_STRICT = 1 << 0;
export const GENL_DONT_VALIDATE_DUMP = 1 << 1;
export const GENL_DONT_VALIDATE_DUMP_STRICT = 1 << 2;
/** genl_multicast_group.flags: joining needs CAP_NET_ADMIN / CAP_SYS_ADMIN. */
export const GENL_MCAST_CAP_NET_ADMIN = 1 << 0;
export const GENL_MCAST_CAP_SYS_ADMIN = 1 << 1;

/** The errno values genl handlers return most (negated): names for entries of ERRNO (errno.ts), the one table. */
export const EPERM = ERRNO.EPERM;
export const ENOENT = ERRNO.ENOENT;
export const ESRCH = ERRNO.ESRCH;
export const ENOMEM = ERRNO.ENOMEM;
export const EEXIST = ERRNO.EEXIST;
export const ENODEV = ERRNO.ENODEV;
export const EINVAL = ERRNO.EINVAL;
export const ERANGE = ERRNO.ERANGE;
export const ENODATA = ERRNO.ENODATA;
export const EMSGSIZE = ERRNO.EMSGSIZE;
export const EOPNOTSUPP = ERRNO.EOPNOTSUPP;
export const ENOBUFS = ERRNO.ENOBUFS;

/** NLMSG_DEFAULT_SIZE / NLMSG_GOODSIZE on x86-64 with 4 KiB pages. */
export const NLMSG_GOODSIZE = 3776;
export const NLMSG_DEFAULT_SIZE = NLMSG_GOODSIZE - 16;

/**
 * struct nla_policy: how one attribute type is validated. `len` means what it means in C (max
 * string length, max binary length, min length for other types); min/max apply per
 * `validation_type` (use the NLA_POLICY_* helpers).
 */
export interface nla_policy {
  type: number;
  len?: number;
  validation_type?: number;
  /** NLA_VALIDATE_RANGE / MIN / MAX limits (s16 in C), or 64-bit ones with NLA_VALIDATE_RANGE_PTR. */
  min?: number | bigint;
  max?: number | bigint;
  /** NLA_VALIDATE_MASK. */
  mask?: number | bigint;
  /** NLA_BITFIELD32: the valid bits. */
  bitfield32_valid?: number;
  /** NLA_REJECT: the extack message. */
  reject_message?: string;
  /** NLA_NESTED / NLA_NESTED_ARRAY: the inner policy (its maxtype is its highest index). */
  nested_policy?: genl_policy;
  /** Entry 0 only: strict validation from this attribute type on. */
  strict_start_type?: number;
}

/** A policy: entry i describes attribute type i (sparse arrays and objects both work). */
export type genl_policy = (nla_policy | undefined)[] | Record<number, nla_policy>;

/** NLA_POLICY_RANGE(tp, min, max). */
export const NLA_POLICY_RANGE = (type: number, min: number, max: number): nla_policy => ({
  type,
  validation_type: NLA_VALIDATE_RANGE,
  min,
  max,
});
/** NLA_POLICY_MIN(tp, min). */
export const NLA_POLICY_MIN = (type: number, min: number): nla_policy => ({
  type,
  validation_type: NLA_VALIDATE_MIN,
  min,
});
/** NLA_POLICY_MAX(tp, max). */
export const NLA_POLICY_MAX = (type: number, max: number): nla_policy => ({
  type,
  validation_type: NLA_VALIDATE_MAX,
  max,
});
/** NLA_POLICY_FULL_RANGE(tp, &range): 64-bit limits. */
export const NLA_POLICY_FULL_RANGE = (type: number, min: bigint | number, max: bigint | number): nla_policy => ({
  type,
  validation_type: NLA_VALIDATE_RANGE_PTR,
  min,
  max,
});
/** NLA_POLICY_MASK(tp, mask). */
export const NLA_POLICY_MASK = (type: number, mask: number | bigint): nla_policy => ({
  type,
  validation_type: NLA_VALIDATE_MASK,
  mask,
});
/** NLA_POLICY_EXACT_LEN(len): an NLA_BINARY of exactly `len` bytes. */
export const NLA_POLICY_EXACT_LEN = (len: number): nla_policy => NLA_POLICY_RANGE(NLA_BINARY, len, len);
/** NLA_POLICY_MIN_LEN(len). */
export const NLA_POLICY_MIN_LEN = (len: number): nla_policy => NLA_POLICY_MIN(NLA_BINARY, len);
/** NLA_POLICY_MAX_LEN(len). */
export const NLA_POLICY_MAX_LEN = (len: number): nla_policy => NLA_POLICY_MAX(NLA_BINARY, len);
/** NLA_POLICY_NESTED(policy). */
export const NLA_POLICY_NESTED = (nested_policy: genl_policy): nla_policy => ({ type: NLA_NESTED, nested_policy });
/** NLA_POLICY_NESTED_ARRAY(policy). */
export const NLA_POLICY_NESTED_ARRAY = (nested_policy: genl_policy): nla_policy => ({
  type: NLA_NESTED_ARRAY,
  nested_policy,
});
/** NLA_POLICY_BITFIELD32(valid). */
export const NLA_POLICY_BITFIELD32 = (valid: number): nla_policy => ({ type: NLA_BITFIELD32, bitfield32_valid: valid });

// ---- family, ops, request and dump context -----------------------------------------------------

/**
 * An sk_buff being built: use genlmsg_* and nla_put_* on it. It is netlink-lab/kernel's SkBuff,
 * so nlmsg_free, kfree_skb and netlink_unicast accept it too.
 */
export type sk_buff = SkBuff;

/** The extended ACK of a request: what NL_SET_ERR_MSG and friends fill in. */
export interface netlink_ext_ack {
  /** Set by NL_SET_ERR_MSG*. */
  _msg?: string;
  /** The offending attribute (from info.attrs), reported as NLMSGERR_ATTR_OFFS. */
  bad_attr?: NlAttr;
  miss_type?: number;
}

/** struct genl_info: what a doit handler learns about the request. */
export interface genl_info {
  snd_portid: number;
  snd_seq: number;
  /** The request's netlink header. */
  nlhdr: NlMsgHdr;
  /** Its genlmsghdr. */
  genlhdr: { cmd: number; version: number; reserved: number };
  /** The family's own header (hdrsize bytes). */
  userhdr: Uint8Array;
  /** attrs[type]: the validated attributes (undefined when absent). */
  attrs: (NlAttr | undefined)[];
  extack: netlink_ext_ack;
}

/** struct netlink_callback, as a dumpit handler sees it. */
export interface netlink_callback {
  /** cb->args: kept between calls of the same dump, initially all 0. */
  args: number[];
  /** The dump request's header. */
  nlh: NlMsgHdr;
  /** NETLINK_CB(cb->skb).portid: who asked. */
  portid: number;
  /** genl_dumpit_info(cb)->attrs: the validated attributes of the request. */
  attrs: (NlAttr | undefined)[];
  extack: netlink_ext_ack;
}

/** struct genl_ops: one command. */
export interface genl_ops {
  cmd: number;
  /** GENL_ADMIN_PERM / GENL_UNS_ADMIN_PERM. */
  flags?: number;
  /** GENL_DONT_VALIDATE_* (legacy commands only). */
  validate?: number;
  /** A policy of its own (default: the family's). */
  policy?: genl_policy;
  maxattr?: number;
  doit?: (skb: sk_buff, info: genl_info) => number;
  /** Called until it returns 0 (done) or a negative errno; return skb.len to be called again. */
  dumpit?: (skb: sk_buff, cb: netlink_callback) => number;
  start?: (cb: netlink_callback) => number;
  done?: (cb: netlink_callback) => number;
}

/** struct genl_multicast_group. */
export interface genl_multicast_group {
  name: string;
  flags?: number;
}

/** struct genl_family. `id` and `mcgrp_offset` are filled in by genl_register_family. */
export interface genl_family {
  name: string;
  version?: number;
  hdrsize?: number;
  maxattr?: number;
  policy?: genl_policy;
  netnsok?: boolean;
  parallel_ops?: boolean;
  /** Commands from this number on get the strict checks of new families (default 0: all). */
  resv_start_op?: number;
  /** The commands (struct genl_ops: doit and/or dumpit per command, sharing a policy). */
  ops?: genl_ops[];
  /**
   * Or 6.2+ split ops (struct genl_split_ops): each has exactly one of doit / dumpit and its own
   * policy; a command may appear twice, once for do and once for dump. Use one of ops / split_ops.
   */
  split_ops?: genl_ops[];
  mcgrps?: genl_multicast_group[];
  /** Assigned at registration. */
  id?: number;
  /** The id of mcgrps[0] (the others follow), assigned at registration. */
  mcgrp_offset?: number;
}

// ---- the kernel that runs it ---------------------------------------------------------------

/** What the simulated kernel provides to these functions (sandboxes/sim/host/genl.ts). */
export interface GenlHost {
  register(f: genl_family): number;
  unregister(f: genl_family): number;
  genlmsg_new(payload: number): sk_buff | null;
  nlmsg_free(skb: sk_buff): void;
  genlmsg_put(skb: sk_buff, portid: number, seq: number, f: genl_family, flags: number, cmd: number): number;
  genlmsg_end(skb: sk_buff, hdr: number): void;
  genlmsg_cancel(skb: sk_buff, hdr: number): void;
  genlmsg_unicast(skb: sk_buff, portid: number): number;
  genlmsg_multicast(f: genl_family, skb: sk_buff, portid: number, group: number): number;
  nla_put(skb: sk_buff, type: number, data: Uint8Array): number;
  nla_nest_start(skb: sk_buff, type: number): number;
  nla_nest_end(skb: sk_buff, start: number): number;
  nla_nest_cancel(skb: sk_buff, start: number): void;
  /** Write into the user header returned by genlmsg_put. */
  write(skb: sk_buff, addr: number, data: Uint8Array): void;
}

const hosts: GenlHost[] = [];

/** Run `fn` with `host` as the kernel these functions talk to (the sim host does this around module code). */
export function withGenlHost<T>(host: GenlHost, fn: () => T): T {
  hosts.push(host);
  try {
    return fn();
  } finally {
    hosts.pop();
  }
}

function host(): GenlHost {
  const h = hosts[hosts.length - 1] ?? (backend() as Backend & { genlHost?: GenlHost }).genlHost;
  if (!h)
    throw new Error(
      'netlink-lab/kernel: the attached kernel runs no TypeScript modules (a real kernel loads the C module of the same name with insmod). Run with the simulated kernel (--kernel sim).',
    );
  return h;
}

// ---- the API -----------------------------------------------------------------------------------

/** Register a family; fills in family.id and family.mcgrp_offset. 0 or a negative errno. */
export const genl_register_family = (family: genl_family): number => host().register(family);
/** Unregister a family (its groups' members are dropped). 0 or -ENOENT. */
export const genl_unregister_family = (family: genl_family): number => host().unregister(family);

/** An sk_buff for a genl message with `payload` bytes of attributes (null when out of memory). */
export const genlmsg_new = (payload: number): sk_buff | null => host().genlmsg_new(payload);
/** Free an sk_buff that will not be sent. */
export const nlmsg_free = (skb: sk_buff): void => host().nlmsg_free(skb);
/**
 * Start a message: nlmsghdr (type = family.id, flags) and genlmsghdr (cmd, family.version).
 * Returns a handle to the user header (for genlmsg_end), 0 when the skb is full.
 */
export const genlmsg_put = (
  skb: sk_buff,
  portid: number,
  seq: number,
  family: genl_family,
  flags: number,
  cmd: number,
): number => host().genlmsg_put(skb, portid, seq, family, flags, cmd);
/** Finish the message started by genlmsg_put (sets nlmsg_len). */
export const genlmsg_end = (skb: sk_buff, hdr: number): void => host().genlmsg_end(skb, hdr);
/** Remove the message started by genlmsg_put. */
export const genlmsg_cancel = (skb: sk_buff, hdr: number): void => host().genlmsg_cancel(skb, hdr);
/** Send to one port; the skb is consumed. 0 or a negative errno (-ECONNREFUSED, -EAGAIN …). */
export const genlmsg_unicast = (skb: sk_buff, portid: number): number => host().genlmsg_unicast(skb, portid);
/** Answer the sender of the request. */
export const genlmsg_reply = (skb: sk_buff, info: genl_info): number => host().genlmsg_unicast(skb, info.snd_portid);
/** Send to the members of family.mcgrps[group] except `portid`; -ESRCH when nobody listens. */
export const genlmsg_multicast = (family: genl_family, skb: sk_buff, portid: number, group: number): number =>
  host().genlmsg_multicast(family, skb, portid, group);
/** Write the family's user header (hdrsize bytes) at the handle genlmsg_put returned. */
export const genlmsg_put_userhdr = (skb: sk_buff, hdr: number, data: Uint8Array): void => host().write(skb, hdr, data);

/** Bytes an attribute with `payload` bytes takes, padding included. */
export const nla_total_size = (payload: number): number => (payload + 4 + 3) & ~3;

const le = (n: number, f: (v: DataView) => void): Uint8Array => {
  const b = new Uint8Array(n);
  f(new DataView(b.buffer));
  return b;
};
/** Add an attribute with raw bytes. 0 or -EMSGSIZE. */
export const nla_put = (skb: sk_buff, type: number, data: Uint8Array): number => host().nla_put(skb, type, data);
export const nla_put_u8 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(1, (d) => d.setUint8(0, v)),
  );
export const nla_put_u16 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(2, (d) => d.setUint16(0, v, true)),
  );
export const nla_put_u32 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(4, (d) => d.setUint32(0, v >>> 0, true)),
  );
export const nla_put_u64_64bit = (skb: sk_buff, type: number, v: bigint, _padattr = 0): number =>
  nla_put(
    skb,
    type,
    le(8, (d) => d.setBigUint64(0, v, true)),
  );
export const nla_put_s8 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(1, (d) => d.setInt8(0, v)),
  );
export const nla_put_s16 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(2, (d) => d.setInt16(0, v, true)),
  );
export const nla_put_s32 = (skb: sk_buff, type: number, v: number): number =>
  nla_put(
    skb,
    type,
    le(4, (d) => d.setInt32(0, v, true)),
  );
export const nla_put_s64 = (skb: sk_buff, type: number, v: bigint, _padattr = 0): number =>
  nla_put(
    skb,
    type,
    le(8, (d) => d.setBigInt64(0, v, true)),
  );
/** NLA_UINT: 4 bytes when the value fits, else 8 (nla_put_uint). */
export const nla_put_uint = (skb: sk_buff, type: number, v: bigint | number): number =>
  BigInt(v) <= 0xffffffffn ? nla_put_u32(skb, type, Number(v)) : nla_put_u64_64bit(skb, type, BigInt(v));
/** NLA_SINT: 4 bytes when the value fits, else 8 (nla_put_sint). */
export const nla_put_sint = (skb: sk_buff, type: number, v: bigint | number): number =>
  BigInt(v) >= -0x80000000n && BigInt(v) <= 0x7fffffffn
    ? nla_put_s32(skb, type, Number(v))
    : nla_put_s64(skb, type, BigInt(v));
/** A NUL-terminated string, like the kernel's nla_put_string. */
export const nla_put_string = (skb: sk_buff, type: number, s: string): number =>
  nla_put(skb, type, new TextEncoder().encode(s + '\0'));
export const nla_put_flag = (skb: sk_buff, type: number): number => nla_put(skb, type, new Uint8Array(0));
/** Open a nest with NLA_F_NESTED; returns its handle for nla_nest_end (0 when the skb is full). */
export const nla_nest_start = (skb: sk_buff, type: number): number => host().nla_nest_start(skb, type | 0x8000);
/** Open a nest without NLA_F_NESTED (as older families and nlctrl do). */
export const nla_nest_start_noflag = (skb: sk_buff, type: number): number => host().nla_nest_start(skb, type);
/** Close a nest. Returns skb.len. */
export const nla_nest_end = (skb: sk_buff, start: number): number => host().nla_nest_end(skb, start);
/** Drop a nest and everything in it. */
export const nla_nest_cancel = (skb: sk_buff, start: number): void => host().nla_nest_cancel(skb, start);

/** NL_SET_ERR_MSG. */
export const NL_SET_ERR_MSG = (extack: netlink_ext_ack, msg: string): void => {
  extack._msg = msg;
};
/** NL_SET_ERR_MSG_ATTR: a message and the offending attribute. */
export const NL_SET_ERR_MSG_ATTR = (extack: netlink_ext_ack, attr: NlAttr | undefined, msg: string): void => {
  extack._msg = msg;
  extack.bad_attr = attr;
};
/** NL_SET_BAD_ATTR. */
export const NL_SET_BAD_ATTR = (extack: netlink_ext_ack, attr: NlAttr | undefined): void => {
  extack.bad_attr = attr;
};
/** GENL_REQ_ATTR_CHECK: true, and the extack's MISS_TYPE set, when a required attribute is missing. */
export const GENL_REQ_ATTR_CHECK = (info: genl_info, type: number): boolean => {
  if (info.attrs[type]) return false;
  info.extack.miss_type = type;
  return true;
};

export {
  nla_get_u8,
  nla_get_u16,
  nla_get_u32,
  nla_get_u64,
  nla_get_s8,
  nla_get_s16,
  nla_get_s32,
  nla_get_s64,
  nla_get_string,
  nla_get_nested,
} from './genl.ts';
