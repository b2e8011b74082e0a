/**
 * Netlink attributes: policies, validation, parsing, and the nla_* accessors, as lib/nlattr.c
 * and include/net/netlink.h have them. Attributes are read in place from linear memory: an
 * attribute is a pointer (usize) to its struct nlattr { u16 nla_len; u16 nla_type; }.
 *
 * Ref: lib/nlattr.c, include/net/netlink.h; where 6.1 and 6.18 differ, the comment says so.
 *
 * Models Linux 6.18: lib/nlattr.c, include/net/netlink.h
 */

import { sk_buff, skb_put, skb_tailroom, skb_tail_pointer } from '../net/core/skbuff';
import { nlmsg_trim } from '../include/net/netlink';
import { nlattr, nla_bitfield32 } from '../include/linux/netlink';

// ---- struct nlattr and the NLA_* macros (include/uapi/linux/netlink.h) ------------------------

export const NLA_HDRLEN: i32 = 4;
export const NLA_ALIGNTO: i32 = 4;
export const NLA_F_NESTED: u16 = 1 << 15;
export const NLA_F_NET_BYTEORDER: u16 = 1 << 14;
export const NLA_TYPE_MASK: u16 = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER);

/** Round up to the 4-byte attribute alignment. Ref: include/uapi/linux/netlink.h:NLA_ALIGN */
// @ts-ignore: decorator
@inline export function NLA_ALIGN(len: i32): i32 { return (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1); }

/** nla_len of an attribute with a payload of `payload` bytes. Ref: include/net/netlink.h:nla_attr_size */
// @ts-ignore: decorator
@inline export function nla_attr_size(payload: i32): i32 { return NLA_HDRLEN + payload; }
/** Bytes an attribute with `payload` bytes occupies, padding included. Ref: nla_total_size */
// @ts-ignore: decorator
@inline export function nla_total_size(payload: i32): i32 { return NLA_ALIGN(nla_attr_size(payload)); }
/** Padding after a payload of `payload` bytes. Ref: nla_padlen */
// @ts-ignore: decorator
@inline export function nla_padlen(payload: i32): i32 { return nla_total_size(payload) - nla_attr_size(payload); }

/** The attribute type without NLA_F_NESTED / NLA_F_NET_BYTEORDER. Ref: nla_type */
// @ts-ignore: decorator
@inline export function nla_type(nla: usize): i32 { return <i32>(changetype<nlattr>(nla).nla_type & NLA_TYPE_MASK); }
/** Pointer to the payload. Ref: nla_data */
// @ts-ignore: decorator
@inline export function nla_data(nla: usize): usize { return nla + <usize>NLA_HDRLEN; }
/** Payload length. Ref: nla_len */
// @ts-ignore: decorator
@inline export function nla_len(nla: usize): i32 { return <i32>changetype<nlattr>(nla).nla_len - NLA_HDRLEN; }

/** Whether an attribute fits in the `rem` bytes left. Ref: include/net/netlink.h:nla_ok */
export function nla_ok(nla: usize, rem: i32): bool {
  return rem >= <i32>offsetof<nlattr>() && <i32>changetype<nlattr>(nla).nla_len >= <i32>offsetof<nlattr>() &&
    <i32>changetype<nlattr>(nla).nla_len <= rem;
}

/**
 * The attribute after `nla`; the bytes left are returned through nla_next_rem (AssemblyScript
 * has no out-parameters). Like the C macro, `rem` may go negative on the last, unpadded one.
 * Ref: include/net/netlink.h:nla_next
 */
export let nla_next_rem: i32 = 0;
export function nla_next(nla: usize, rem: i32): usize {
  const totlen = NLA_ALIGN(<i32>changetype<nlattr>(nla).nla_len);
  nla_next_rem = rem - totlen;
  return nla + <usize>totlen;
}

// ---- getters (include/net/netlink.h) ----------------------------------------------------------

/** Ref: nla_get_u8 */ export function nla_get_u8(nla: usize): u8 { return load<u8>(nla_data(nla)); }
/** Ref: nla_get_u16 */ export function nla_get_u16(nla: usize): u16 { return load<u16>(nla_data(nla)); }
/** Ref: nla_get_u32 */ export function nla_get_u32(nla: usize): u32 { return load<u32>(nla_data(nla)); }
/** Ref: nla_get_u64 (memcpy: the payload may be unaligned) */ export function nla_get_u64(nla: usize): u64 { return load<u64>(nla_data(nla)); }
/** Ref: nla_get_s8 */ export function nla_get_s8(nla: usize): i8 { return load<i8>(nla_data(nla)); }
/** Ref: nla_get_s16 */ export function nla_get_s16(nla: usize): i16 { return load<i16>(nla_data(nla)); }
/** Ref: nla_get_s32 */ export function nla_get_s32(nla: usize): i32 { return load<i32>(nla_data(nla)); }
/** Ref: nla_get_s64 */ export function nla_get_s64(nla: usize): i64 { return load<i64>(nla_data(nla)); }
/** Ref: nla_get_be16 (returned in host order) */ export function nla_get_be16_host(nla: usize): u16 { return bswap<u16>(load<u16>(nla_data(nla))); }
/** Ref: nla_get_be32 (returned in host order) */ export function nla_get_be32_host(nla: usize): u32 { return bswap<u32>(load<u32>(nla_data(nla))); }
/** A 4- or 8-byte unsigned integer. Ref: include/net/netlink.h:nla_get_uint (6.6+) */
export function nla_get_uint(nla: usize): u64 { return nla_len(nla) == 4 ? <u64>nla_get_u32(nla) : nla_get_u64(nla); }
/** A 4- or 8-byte signed integer. Ref: include/net/netlink.h:nla_get_sint (6.6+) */
export function nla_get_sint(nla: usize): i64 { return nla_len(nla) == 4 ? <i64>nla_get_s32(nla) : nla_get_s64(nla); }
/** Ref: nla_get_flag */ export function nla_get_flag(nla: usize): bool { return nla != 0; }
/** Ref: nla_get_msecs (ms, as u64) */ export function nla_get_msecs(nla: usize): u64 { return nla_get_u64(nla); }

/** sim: The payload as a string, up to the first NUL (what C code reads with nla_data()). */
export function nla_get_string(nla: usize): string {
  const p = nla_data(nla);
  const n = nla_len(nla);
  let end = 0;
  while (end < n && load<u8>(p + <usize>end) != 0) end++;
  return String.UTF8.decodeUnsafe(p, <usize>end, false);
}

/** The first attribute of type `attrtype` in a stream. Ref: lib/nlattr.c:nla_find */
export function nla_find(head: usize, len: i32, attrtype: i32): usize {
  let nla = head;
  let rem = len;
  while (nla_ok(nla, rem)) {
    if (nla_type(nla) == attrtype) return nla;
    nla = nla_next(nla, rem);
    rem = nla_next_rem;
  }
  return 0;
}

// ---- policies (include/net/netlink.h) ---------------------------------------------------------

export const NLA_UNSPEC: u8 = 0;
export const NLA_U8: u8 = 1;
export const NLA_U16: u8 = 2;
export const NLA_U32: u8 = 3;
export const NLA_U64: u8 = 4;
export const NLA_STRING: u8 = 5;
export const NLA_FLAG: u8 = 6;
export const NLA_MSECS: u8 = 7;
export const NLA_NESTED: u8 = 8;
export const NLA_NESTED_ARRAY: u8 = 9;
export const NLA_NUL_STRING: u8 = 10;
export const NLA_BINARY: u8 = 11;
export const NLA_S8: u8 = 12;
export const NLA_S16: u8 = 13;
export const NLA_S32: u8 = 14;
export const NLA_S64: u8 = 15;
export const NLA_BITFIELD32: u8 = 16;
export const NLA_REJECT: u8 = 17;
export const NLA_BE16: u8 = 18;
export const NLA_BE32: u8 = 19;
/** 6.6+: a signed / unsigned integer of 4 or 8 bytes (the sender picks). */
export const NLA_SINT: u8 = 20;
export const NLA_UINT: u8 = 21;
export const NLA_TYPE_MAX: u8 = 21;

export const NLA_VALIDATE_NONE: u8 = 0;
export const NLA_VALIDATE_RANGE: u8 = 1;
export const NLA_VALIDATE_RANGE_WARN_TOO_LONG: u8 = 2;
export const NLA_VALIDATE_MIN: u8 = 3;
export const NLA_VALIDATE_MAX: u8 = 4;
export const NLA_VALIDATE_MASK: u8 = 5;
export const NLA_VALIDATE_RANGE_PTR: u8 = 6;
export const NLA_VALIDATE_FUNCTION: u8 = 7;

/** enum netlink_validation. Ref: include/net/netlink.h */
export const NL_VALIDATE_LIBERAL: u32 = 0;
export const NL_VALIDATE_TRAILING: u32 = 1 << 0;
export const NL_VALIDATE_MAXTYPE: u32 = 1 << 1;
export const NL_VALIDATE_UNSPEC: u32 = 1 << 2;
export const NL_VALIDATE_STRICT_ATTRS: u32 = 1 << 3;
export const NL_VALIDATE_NESTED: u32 = 1 << 4;
export const NL_VALIDATE_DEPRECATED_STRICT: u32 = NL_VALIDATE_TRAILING | NL_VALIDATE_MAXTYPE;
export const NL_VALIDATE_STRICT: u32 = NL_VALIDATE_TRAILING | NL_VALIDATE_MAXTYPE | NL_VALIDATE_UNSPEC |
  NL_VALIDATE_STRICT_ATTRS | NL_VALIDATE_NESTED;

/**
 * struct nla_policy. C packs the validation data in a union; here each member has its own field.
 * `min`/`max` are the s16 limits of NLA_POLICY_RANGE/MIN/MAX; `range_*` the 64-bit limits of
 * NLA_POLICY_FULL_RANGE(_SIGNED) (validation_type NLA_VALIDATE_RANGE_PTR).
 */
export class nla_policy {
  type: u8 = NLA_UNSPEC;
  validation_type: u8 = NLA_VALIDATE_NONE;
  len: u16 = 0;
  /** Only read from entry 0: the first attribute type validated strictly. */
  strict_start_type: u16 = 0;
  min: i16 = 0;
  max: i16 = 0;
  range_umin: u64 = 0;
  range_umax: u64 = 0;
  range_smin: i64 = 0;
  range_smax: i64 = 0;
  mask: u64 = 0;
  bitfield32_valid: u32 = 0;
  reject_message: string | null = null;
  /** NLA_NESTED / NLA_NESTED_ARRAY: the inner policy; `len` is then its maxtype. */
  nested_policy: nla_policy[] | null = null;
}

/** sim: A policy array of maxtype + 1 entries, all NLA_UNSPEC, to fill in. */
export function nla_policy_new(maxtype: i32): nla_policy[] {
  const p = new Array<nla_policy>(maxtype + 1);
  for (let i = 0; i <= maxtype; i++) p[i] = new nla_policy();
  return p;
}

/** sim: One policy entry: { .type = t, .len = len }. */
export function NLA_POLICY(t: u8, len: u16 = 0): nla_policy {
  const p = new nla_policy();
  p.type = t;
  p.len = len;
  return p;
}

// ---- extended ACK (include/linux/netlink.h) ---------------------------------------------------

/**
 * struct netlink_ext_ack: what went wrong, reported in the NLMSG_ERROR (or ACK) as NLMSGERR_ATTR_*.
 * bad_attr and miss_nest are pointers into the request, turned into offsets by netlink_ack().
 */
export class netlink_ext_ack {
  _msg: string | null = null;
  bad_attr: usize = 0;
  policy: nla_policy | null = null;
  miss_type: u32 = 0;
  miss_nest: usize = 0;
  cookie: Uint8Array | null = null;
}

/** NL_SET_ERR_MSG. */
export function NL_SET_ERR_MSG(extack: netlink_ext_ack | null, msg: string): void {
  if (extack) extack._msg = msg;
}
/** NL_SET_ERR_MSG_ATTR_POL. */
export function NL_SET_ERR_MSG_ATTR_POL(extack: netlink_ext_ack | null, attr: usize, pol: nla_policy | null, msg: string): void {
  if (extack) {
    extack._msg = msg;
    extack.bad_attr = attr;
    extack.policy = pol;
  }
}
/** NL_SET_ERR_MSG_ATTR. */
export function NL_SET_ERR_MSG_ATTR(extack: netlink_ext_ack | null, attr: usize, msg: string): void {
  NL_SET_ERR_MSG_ATTR_POL(extack, attr, null, msg);
}
/** NL_SET_BAD_ATTR_POLICY. */
export function NL_SET_BAD_ATTR_POLICY(extack: netlink_ext_ack | null, attr: usize, pol: nla_policy | null): void {
  if (extack) {
    extack.bad_attr = attr;
    extack.policy = pol;
  }
}
/** NL_SET_BAD_ATTR. */
export function NL_SET_BAD_ATTR(extack: netlink_ext_ack | null, attr: usize): void {
  NL_SET_BAD_ATTR_POLICY(extack, attr, null);
}
/** NL_SET_ERR_ATTR_MISS. */
export function NL_SET_ERR_ATTR_MISS(extack: netlink_ext_ack | null, nest: usize, type: u32): void {
  if (extack) {
    extack.miss_nest = nest;
    extack.miss_type = type;
  }
}

// ---- validation (lib/nlattr.c) ----------------------------------------------------------------

const EINVAL: i32 = 22;
const ERANGE: i32 = 34;
const EMSGSIZE: i32 = 90;

/** sim: Exact sizes that strict validation enforces. Ref: lib/nlattr.c:nla_attr_len */
function nla_attr_len(t: u8): i32 {
  switch (t) {
    case NLA_U8: case NLA_S8: return 1;
    case NLA_U16: case NLA_S16: case NLA_BE16: return 2;
    case NLA_U32: case NLA_S32: case NLA_BE32: return 4;
    case NLA_U64: case NLA_S64: return 8;
  }
  return 0;
}

/** sim: Minimum payload sizes. Ref: lib/nlattr.c:nla_attr_minlen */
export function nla_attr_minlen(t: u8): i32 {
  switch (t) {
    case NLA_MSECS: return 8;
    case NLA_NESTED: return NLA_HDRLEN;
  }
  return nla_attr_len(t);
}

// Nested policies may refer back to themselves; user space must not make us recurse forever.
const MAX_POLICY_RECURSION_DEPTH: u32 = 10;

/** Ref: lib/nlattr.c:validate_nla_bitfield32 */
function validate_nla_bitfield32(nla: usize, valid_flags_mask: u32): i32 {
  const bf = changetype<nla_bitfield32>(nla_data(nla));
  const value = bf.value;
  const selector = bf.selector;
  if (!valid_flags_mask) return -EINVAL;
  if (selector & ~valid_flags_mask) return -EINVAL;
  if (value & ~valid_flags_mask) return -EINVAL;
  if (value & ~selector) return -EINVAL;
  return 0;
}

/** Ref: lib/nlattr.c:nla_validate_array */
function nla_validate_array(head: usize, len: i32, maxtype: i32, policy: nla_policy[],
  extack: netlink_ext_ack | null, validate: u32, depth: u32): i32 {
  let entry = head;
  let rem = len;
  while (nla_ok(entry, rem)) {
    if (nla_len(entry) != 0) {
      if (nla_len(entry) < NLA_HDRLEN) {
        NL_SET_ERR_MSG_ATTR_POL(extack, entry, policy[0], 'Array element too short');
        return -ERANGE;
      }
      const ret = __nla_validate_parse(nla_data(entry), nla_len(entry), maxtype, policy, validate, extack, null, depth + 1);
      if (ret < 0) return ret;
    }
    entry = nla_next(entry, rem);
    rem = nla_next_rem;
  }
  return 0;
}

/** The unsigned limits a policy entry allows. Ref: lib/nlattr.c:nla_get_range_unsigned */
export class nla_range_u { min: u64 = 0; max: u64 = 0; }
export function nla_get_range_unsigned(pt: nla_policy): nla_range_u {
  const r = new nla_range_u();
  switch (pt.type) {
    case NLA_U8: r.max = <u64>u8.MAX_VALUE; break;
    case NLA_U16: case NLA_BE16: case NLA_BINARY: r.max = <u64>u16.MAX_VALUE; break;
    case NLA_U32: case NLA_BE32: r.max = <u64>u32.MAX_VALUE; break;
    case NLA_U64: case NLA_UINT: case NLA_MSECS: r.max = u64.MAX_VALUE; break;
    default: return r;
  }
  switch (pt.validation_type) {
    case NLA_VALIDATE_RANGE: case NLA_VALIDATE_RANGE_WARN_TOO_LONG:
      r.min = <u64><i64>pt.min; r.max = <u64><i64>pt.max; break;
    case NLA_VALIDATE_RANGE_PTR:
      r.min = pt.range_umin; r.max = pt.range_umax; break;
    case NLA_VALIDATE_MIN: r.min = <u64><i64>pt.min; break;
    case NLA_VALIDATE_MAX: r.max = <u64><i64>pt.max; break;
  }
  return r;
}

/** The signed limits a policy entry allows. Ref: lib/nlattr.c:nla_get_range_signed */
export class nla_range_s { min: i64 = 0; max: i64 = 0; }
export function nla_get_range_signed(pt: nla_policy): nla_range_s {
  const r = new nla_range_s();
  switch (pt.type) {
    case NLA_S8: r.min = <i64>i8.MIN_VALUE; r.max = <i64>i8.MAX_VALUE; break;
    case NLA_S16: r.min = <i64>i16.MIN_VALUE; r.max = <i64>i16.MAX_VALUE; break;
    case NLA_S32: r.min = <i64>i32.MIN_VALUE; r.max = <i64>i32.MAX_VALUE; break;
    case NLA_S64: case NLA_SINT: r.min = i64.MIN_VALUE; r.max = i64.MAX_VALUE; break;
    default: return r;
  }
  switch (pt.validation_type) {
    case NLA_VALIDATE_RANGE: r.min = <i64>pt.min; r.max = <i64>pt.max; break;
    case NLA_VALIDATE_RANGE_PTR: r.min = pt.range_smin; r.max = pt.range_smax; break;
    case NLA_VALIDATE_MIN: r.min = <i64>pt.min; break;
    case NLA_VALIDATE_MAX: r.max = <i64>pt.max; break;
  }
  return r;
}

/** Ref: lib/nlattr.c:nla_validate_range_unsigned */
function nla_validate_range_unsigned(pt: nla_policy, nla: usize, extack: netlink_ext_ack | null, validate: u32): i32 {
  let value: u64;
  switch (pt.type) {
    case NLA_U8: value = <u64>nla_get_u8(nla); break;
    case NLA_U16: value = <u64>nla_get_u16(nla); break;
    case NLA_U32: value = <u64>nla_get_u32(nla); break;
    case NLA_U64: case NLA_MSECS: value = nla_get_u64(nla); break;
    case NLA_UINT: value = nla_get_uint(nla); break;
    case NLA_BINARY: value = <u64>nla_len(nla); break;
    case NLA_BE16: value = <u64>nla_get_be16_host(nla); break;
    case NLA_BE32: value = <u64>nla_get_be32_host(nla); break;
    default: return -EINVAL;
  }
  const range = nla_get_range_unsigned(pt);
  if (pt.validation_type == NLA_VALIDATE_RANGE_WARN_TOO_LONG && pt.type == NLA_BINARY && value > range.max) {
    if (validate & NL_VALIDATE_STRICT_ATTRS) {
      NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'invalid attribute length');
      return -EINVAL;
    }
    return 0;
  }
  if (value < range.min || value > range.max) {
    NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, pt.type == NLA_BINARY ? 'binary attribute size out of range' : 'integer out of range');
    return -ERANGE;
  }
  return 0;
}

/** Ref: lib/nlattr.c:nla_validate_int_range_signed */
function nla_validate_int_range_signed(pt: nla_policy, nla: usize, extack: netlink_ext_ack | null): i32 {
  let value: i64;
  switch (pt.type) {
    case NLA_S8: value = <i64>nla_get_s8(nla); break;
    case NLA_S16: value = <i64>nla_get_s16(nla); break;
    case NLA_S32: value = <i64>nla_get_s32(nla); break;
    case NLA_S64: value = nla_get_s64(nla); break;
    case NLA_SINT: value = nla_get_sint(nla); break;
    default: return -EINVAL;
  }
  const range = nla_get_range_signed(pt);
  if (value < range.min || value > range.max) {
    NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'integer out of range');
    return -ERANGE;
  }
  return 0;
}

/** Ref: lib/nlattr.c:nla_validate_int_range */
function nla_validate_int_range(pt: nla_policy, nla: usize, extack: netlink_ext_ack | null, validate: u32): i32 {
  switch (pt.type) {
    case NLA_U8: case NLA_U16: case NLA_U32: case NLA_U64: case NLA_UINT: case NLA_MSECS: case NLA_BINARY: case NLA_BE16: case NLA_BE32:
      return nla_validate_range_unsigned(pt, nla, extack, validate);
    case NLA_S8: case NLA_S16: case NLA_S32: case NLA_S64: case NLA_SINT:
      return nla_validate_int_range_signed(pt, nla, extack);
  }
  return -EINVAL;
}

/** Ref: lib/nlattr.c:nla_validate_mask */
function nla_validate_mask(pt: nla_policy, nla: usize, extack: netlink_ext_ack | null): i32 {
  let value: u64;
  switch (pt.type) {
    case NLA_U8: value = <u64>nla_get_u8(nla); break;
    case NLA_U16: value = <u64>nla_get_u16(nla); break;
    case NLA_U32: value = <u64>nla_get_u32(nla); break;
    case NLA_U64: value = nla_get_u64(nla); break;
    case NLA_UINT: value = nla_get_uint(nla); break;
    case NLA_BE16: value = <u64>nla_get_be16_host(nla); break;
    case NLA_BE32: value = <u64>nla_get_be32_host(nla); break;
    default: return -EINVAL;
  }
  if (value & ~pt.mask) {
    NL_SET_ERR_MSG_ATTR(extack, nla, 'reserved bit set');
    return -EINVAL;
  }
  return 0;
}

/** sim: Whether a NUL byte is among the first `n` bytes at `p` (memchr). */
function has_nul(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 0) return true;
  return false;
}

/** Validate one attribute against its policy entry. Ref: lib/nlattr.c:validate_nla */
function validate_nla(nla: usize, maxtype: i32, policy: nla_policy[], validate: u32,
  extack: netlink_ext_ack | null, depth: u32): i32 {
  const strict_start_type = policy[0].strict_start_type;
  let minlen = 0;
  let attrlen = nla_len(nla);
  const type = nla_type(nla);
  let err = -ERANGE;

  if (strict_start_type && type >= <i32>strict_start_type) validate |= NL_VALIDATE_STRICT;
  if (type <= 0 || type > maxtype) return 0;

  const pt = policy[type];

  if (nla_attr_len(pt.type) && attrlen != nla_attr_len(pt.type)) {
    // Linux also prints "netlink: '<comm>': attribute type N has an invalid length." here.
    if (validate & NL_VALIDATE_STRICT_ATTRS) {
      NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'invalid attribute length');
      return -EINVAL;
    }
  }

  if (validate & NL_VALIDATE_NESTED) {
    const nested = (changetype<nlattr>(nla).nla_type & NLA_F_NESTED) != 0;
    if ((pt.type == NLA_NESTED || pt.type == NLA_NESTED_ARRAY) && !nested) {
      NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'NLA_F_NESTED is missing');
      return -EINVAL;
    }
    if (pt.type != NLA_NESTED && pt.type != NLA_NESTED_ARRAY && pt.type != NLA_UNSPEC && nested) {
      NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'NLA_F_NESTED not expected');
      return -EINVAL;
    }
  }

  let failed = false;
  switch (pt.type) {
    case NLA_REJECT: {
      const rm = pt.reject_message;
      if (extack && rm !== null) {
        NL_SET_BAD_ATTR(extack, nla);
        extack._msg = rm;
        return -EINVAL;
      }
      err = -EINVAL;
      failed = true;
      break;
    }
    case NLA_FLAG:
      if (attrlen > 0) failed = true;
      break;
    case NLA_BITFIELD32:
      if (attrlen != 8) { failed = true; break; }
      err = validate_nla_bitfield32(nla, pt.bitfield32_valid);
      if (err) failed = true;
      break;
    case NLA_NUL_STRING:
    case NLA_STRING: {
      if (pt.type == NLA_NUL_STRING) {
        minlen = pt.len ? min(attrlen, <i32>pt.len + 1) : attrlen;
        if (!minlen || !has_nul(nla_data(nla), minlen)) { err = -EINVAL; failed = true; break; }
      }
      // fallthrough to NLA_STRING
      if (attrlen < 1) { failed = true; break; }
      if (pt.len) {
        if (load<u8>(nla_data(nla) + <usize>(attrlen - 1)) == 0) attrlen--;
        if (attrlen > <i32>pt.len) failed = true;
      }
      break;
    }
    case NLA_SINT:
    case NLA_UINT:
      // 6.6+: the sender may use 4 or 8 bytes, nothing else. Ref: lib/nlattr.c:validate_nla (6.18)
      if (attrlen != 4 && attrlen != 8) {
        NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'invalid attribute length');
        return -EINVAL;
      }
      break;
    case NLA_BINARY:
      if (pt.len && attrlen > <i32>pt.len) failed = true;
      break;
    case NLA_NESTED: {
      // An empty nest is allowed; otherwise it must hold at least one attribute header.
      if (attrlen == 0) break;
      if (attrlen < NLA_HDRLEN) { failed = true; break; }
      const np = pt.nested_policy;
      if (np !== null) {
        const e = __nla_validate_parse(nla_data(nla), nla_len(nla), <i32>pt.len, np, validate, extack, null, depth + 1);
        // Returned directly to keep the inner error message and attribute.
        if (e < 0) return e;
      }
      break;
    }
    case NLA_NESTED_ARRAY: {
      if (attrlen == 0) break;
      if (attrlen < NLA_HDRLEN) { failed = true; break; }
      const np = pt.nested_policy;
      if (np !== null) {
        const e = nla_validate_array(nla_data(nla), nla_len(nla), <i32>pt.len, np, extack, validate, depth);
        if (e < 0) return e;
      }
      break;
    }
    case NLA_UNSPEC:
      if (validate & NL_VALIDATE_UNSPEC) {
        NL_SET_ERR_MSG_ATTR(extack, nla, 'Unsupported attribute');
        return -EINVAL;
      }
      if (attrlen < <i32>pt.len) failed = true;
      break;
    default:
      minlen = pt.len ? <i32>pt.len : nla_attr_minlen(pt.type);
      if (attrlen < minlen) failed = true;
  }

  if (failed) {
    NL_SET_ERR_MSG_ATTR_POL(extack, nla, pt, 'Attribute failed policy validation');
    return err;
  }

  switch (pt.validation_type) {
    case NLA_VALIDATE_RANGE_PTR: case NLA_VALIDATE_RANGE: case NLA_VALIDATE_RANGE_WARN_TOO_LONG:
    case NLA_VALIDATE_MIN: case NLA_VALIDATE_MAX: {
      const e = nla_validate_int_range(pt, nla, extack, validate);
      if (e) return e;
      break;
    }
    case NLA_VALIDATE_MASK: {
      const e = nla_validate_mask(pt, nla, extack);
      if (e) return e;
      break;
    }
  }
  return 0;
}

/**
 * Walk a stream of attributes, validate each against `policy` and, when `tb` is given, store a
 * pointer to the last one of each type in tb[type] (tb has maxtype + 1 slots).
 * Ref: lib/nlattr.c:__nla_validate_parse
 */
export function __nla_validate_parse(head: usize, len: i32, maxtype: i32, policy: nla_policy[] | null,
  validate: u32, extack: netlink_ext_ack | null, tb: StaticArray<usize> | null, depth: u32): i32 {
  if (depth >= MAX_POLICY_RECURSION_DEPTH) {
    NL_SET_ERR_MSG(extack, 'allowed policy recursion depth exceeded');
    return -EINVAL;
  }
  if (tb) for (let i = 0; i <= maxtype; i++) tb[i] = 0;

  let nla = head;
  let rem = len;
  while (nla_ok(nla, rem)) {
    const type = nla_type(nla);
    if (type == 0 || type > maxtype) {
      if (validate & NL_VALIDATE_MAXTYPE) {
        NL_SET_ERR_MSG_ATTR(extack, nla, 'Unknown attribute type');
        return -EINVAL;
      }
    } else {
      if (policy) {
        const err = validate_nla(nla, maxtype, policy, validate, extack, depth);
        if (err < 0) return err;
      }
      if (tb) tb[type] = nla;
    }
    nla = nla_next(nla, rem);
    rem = nla_next_rem;
  }

  if (rem > 0) {
    // Set even when the caller is liberal: the message then rides on the ACK as a warning.
    NL_SET_ERR_MSG(extack, 'bytes leftover after parsing attributes');
    if (validate & NL_VALIDATE_TRAILING) return -EINVAL;
  }
  return 0;
}

/** Parse a stream of attributes into tb. Ref: lib/nlattr.c:__nla_parse */
export function __nla_parse(tb: StaticArray<usize>, maxtype: i32, head: usize, len: i32, policy: nla_policy[] | null,
  validate: u32, extack: netlink_ext_ack | null): i32 {
  return __nla_validate_parse(head, len, maxtype, policy, validate, extack, tb, 0);
}

// ---- writing attributes into an sk_buff (lib/nlattr.c, include/net/netlink.h) ------------------

/** Reserve room for an attribute and write its header and padding. Ref: lib/nlattr.c:__nla_reserve */
export function __nla_reserve(skb: sk_buff, attrtype: i32, attrlen: i32): usize {
  const nla = changetype<nlattr>(skb_put(skb, nla_total_size(attrlen)));
  nla.nla_type = <u16>attrtype;
  nla.nla_len = <u16>nla_attr_size(attrlen);
  memory.fill(changetype<usize>(nla) + <usize>nla_attr_size(attrlen), 0, <usize>nla_padlen(attrlen));
  return changetype<usize>(nla);
}

/** Add an attribute with `attrlen` bytes from `data`. Ref: lib/nlattr.c:nla_put */
export function nla_put(skb: sk_buff, attrtype: i32, attrlen: i32, data: usize): i32 {
  if (skb_tailroom(skb) < nla_total_size(attrlen)) return -EMSGSIZE;
  const nla = __nla_reserve(skb, attrtype, attrlen);
  if (attrlen) memory.copy(nla_data(nla), data, <usize>attrlen);
  return 0;
}

// x86-64 has efficient unaligned access, so nla_put_64bit never adds a pad attribute
// (nla_need_padding_for_64bit is false there).
/** Ref: lib/nlattr.c:nla_put_64bit */
export function nla_put_64bit(skb: sk_buff, attrtype: i32, attrlen: i32, data: usize, padattr: i32): i32 {
  return nla_put(skb, attrtype, attrlen, data);
}

// A scratch word for the fixed-size puts (wasm is single-threaded).
const scratch = memory.data(8);

/** Ref: nla_put_u8 */ export function nla_put_u8(skb: sk_buff, t: i32, v: u8): i32 { store<u8>(scratch, v); return nla_put(skb, t, 1, scratch); }
/** Ref: nla_put_u16 */ export function nla_put_u16(skb: sk_buff, t: i32, v: u16): i32 { store<u16>(scratch, v); return nla_put(skb, t, 2, scratch); }
/** Ref: nla_put_u32 */ export function nla_put_u32(skb: sk_buff, t: i32, v: u32): i32 { store<u32>(scratch, v); return nla_put(skb, t, 4, scratch); }
/** Ref: nla_put_s8 */ export function nla_put_s8(skb: sk_buff, t: i32, v: i8): i32 { store<i8>(scratch, v); return nla_put(skb, t, 1, scratch); }
/** Ref: nla_put_s16 */ export function nla_put_s16(skb: sk_buff, t: i32, v: i16): i32 { store<i16>(scratch, v); return nla_put(skb, t, 2, scratch); }
/** Ref: nla_put_s32 */ export function nla_put_s32(skb: sk_buff, t: i32, v: i32): i32 { store<i32>(scratch, v); return nla_put(skb, t, 4, scratch); }
/** Ref: nla_put_u64_64bit */ export function nla_put_u64_64bit(skb: sk_buff, t: i32, v: u64, padattr: i32): i32 { store<u64>(scratch, v); return nla_put_64bit(skb, t, 8, scratch, padattr); }
/** Ref: nla_put_s64 */ export function nla_put_s64(skb: sk_buff, t: i32, v: i64, padattr: i32): i32 { store<i64>(scratch, v); return nla_put_64bit(skb, t, 8, scratch, padattr); }
/** Ref: nla_put_msecs */ export function nla_put_msecs(skb: sk_buff, t: i32, ms: u64, padattr: i32): i32 { return nla_put_u64_64bit(skb, t, ms, padattr); }
/** Ref: nla_put_be16 (given in host order) */ export function nla_put_be16(skb: sk_buff, t: i32, v: u16): i32 { return nla_put_u16(skb, t, bswap<u16>(v)); }
/** Ref: nla_put_be32 (given in host order) */ export function nla_put_be32(skb: sk_buff, t: i32, v: u32): i32 { return nla_put_u32(skb, t, bswap<u32>(v)); }
/** A flag: an attribute with no payload. Ref: nla_put_flag */ export function nla_put_flag(skb: sk_buff, t: i32): i32 { return nla_put(skb, t, 0, 0); }

/** A NUL-terminated string (strlen + 1 bytes). Ref: include/net/netlink.h:nla_put_string */
export function nla_put_string(skb: sk_buff, attrtype: i32, s: string): i32 {
  const buf = String.UTF8.encode(s, true);
  return nla_put(skb, attrtype, buf.byteLength, changetype<usize>(buf));
}

/**
 * Open a nest without NLA_F_NESTED (generic netlink's own replies use this form); returns the
 * nest's address for nla_nest_end, or 0 when the skb is full. Ref: nla_nest_start_noflag
 */
export function nla_nest_start_noflag(skb: sk_buff, attrtype: i32): usize {
  const start = skb_tail_pointer(skb);
  if (nla_put(skb, attrtype, 0, 0)) return 0;
  return start;
}

/** Open a nest with NLA_F_NESTED set. Ref: include/net/netlink.h:nla_nest_start */
export function nla_nest_start(skb: sk_buff, attrtype: i32): usize {
  return nla_nest_start_noflag(skb, attrtype | <i32>NLA_F_NESTED);
}

/** Close a nest: its length becomes everything written since it started. Ref: nla_nest_end */
export function nla_nest_end(skb: sk_buff, start: usize): i32 {
  changetype<nlattr>(start).nla_len = <u16>(skb_tail_pointer(skb) - start);
  return <i32>skb.len;
}

/** Drop a nest and everything written in it. Ref: nla_nest_cancel → nlmsg_trim */
export function nla_nest_cancel(skb: sk_buff, start: usize): void {
  if (start) nlmsg_trim(skb, start);
}
