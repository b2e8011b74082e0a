/**
 * Describing attribute policies to user space: the writer behind CTRL_CMD_GETPOLICY and the
 * NLMSGERR_ATTR_POLICY nest of an extended ACK.
 *
 * Models Linux 6.18: net/netlink/policy.c
 */
import {
  nla_policy, nla_get_range_unsigned, nla_get_range_signed,
  NLA_UNSPEC, NLA_REJECT, NLA_NESTED, NLA_NESTED_ARRAY, NLA_U8, NLA_U16, NLA_U32, NLA_U64, NLA_MSECS,
  NLA_S8, NLA_S16, NLA_S32, NLA_S64, NLA_SINT, NLA_UINT, NLA_BITFIELD32, NLA_STRING, NLA_NUL_STRING, NLA_BINARY, NLA_FLAG,
  NLA_VALIDATE_MASK, NLA_VALIDATE_RANGE, NLA_VALIDATE_RANGE_WARN_TOO_LONG,
  nla_nest_start, nla_nest_end, nla_nest_cancel, nla_put_u32, nla_put_u64_64bit, nla_put_s64,
} from '../../lib/nlattr';
import { sk_buff } from '../core/skbuff';

// enum netlink_attribute_type. Ref: include/uapi/linux/netlink.h
export const NL_ATTR_TYPE_INVALID: u32 = 0;
export const NL_ATTR_TYPE_FLAG: u32 = 1;
export const NL_ATTR_TYPE_U8: u32 = 2;
export const NL_ATTR_TYPE_U16: u32 = 3;
export const NL_ATTR_TYPE_U32: u32 = 4;
export const NL_ATTR_TYPE_U64: u32 = 5;
export const NL_ATTR_TYPE_S8: u32 = 6;
export const NL_ATTR_TYPE_S16: u32 = 7;
export const NL_ATTR_TYPE_S32: u32 = 8;
export const NL_ATTR_TYPE_S64: u32 = 9;
export const NL_ATTR_TYPE_BINARY: u32 = 10;
export const NL_ATTR_TYPE_STRING: u32 = 11;
export const NL_ATTR_TYPE_NUL_STRING: u32 = 12;
export const NL_ATTR_TYPE_NESTED: u32 = 13;
export const NL_ATTR_TYPE_NESTED_ARRAY: u32 = 14;
export const NL_ATTR_TYPE_BITFIELD32: u32 = 15;
export const NL_ATTR_TYPE_SINT: u32 = 16;
export const NL_ATTR_TYPE_UINT: u32 = 17;

// enum netlink_policy_type_attr. Ref: include/uapi/linux/netlink.h
export const NL_POLICY_TYPE_ATTR_TYPE: i32 = 1;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S: i32 = 2;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S: i32 = 3;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U: i32 = 4;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U: i32 = 5;
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH: i32 = 6;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH: i32 = 7;
export const NL_POLICY_TYPE_ATTR_POLICY_IDX: i32 = 8;
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE: i32 = 9;
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK: i32 = 10;
export const NL_POLICY_TYPE_ATTR_PAD: i32 = 11;
export const NL_POLICY_TYPE_ATTR_MASK: i32 = 12;

const ENOBUFS: i32 = 105;
const ENODATA: i32 = 61;

/** One policy known to a dump: the array and the maxtype it is used with. */
class policy_entry {
  constructor(public policy: nla_policy[], public maxtype: u32) {}
}

/**
 * struct netlink_policy_dump_state: the policies of a dump, in the order they were found (the
 * index of each is what CTRL_ATTR_POLICY_DO / _DUMP and POLICY_IDX refer to), and where the
 * writer is.
 */
export class netlink_policy_dump_state {
  policy_idx: u32 = 0;
  attr_idx: u32 = 0;
  policies: policy_entry[] = [];
}

/** Ref: net/netlink/policy.c:add_policy */
function add_policy(state: netlink_policy_dump_state, policy: nla_policy[] | null, maxtype: u32): void {
  if (!policy || !maxtype) return;
  for (let i = 0; i < state.policies.length; i++) {
    const e = state.policies[i];
    if (e.policy == policy && e.maxtype == maxtype) return;
  }
  state.policies.push(new policy_entry(policy, maxtype));
}

/** The index of a policy added earlier. Ref: net/netlink/policy.c:netlink_policy_dump_get_policy_idx */
export function netlink_policy_dump_get_policy_idx(state: netlink_policy_dump_state, policy: nla_policy[], maxtype: u32): u32 {
  for (let i = 0; i < state.policies.length; i++) {
    const e = state.policies[i];
    if (e.policy == policy && e.maxtype == maxtype) return <u32>i;
  }
  return 0;
}

/**
 * Add a policy and, breadth first, every policy nested in it. Pass null to start a new state.
 * Ref: net/netlink/policy.c:netlink_policy_dump_add_policy
 */
export function netlink_policy_dump_add_policy(state: netlink_policy_dump_state | null, policy: nla_policy[], maxtype: u32): netlink_policy_dump_state {
  const st = state ? state : new netlink_policy_dump_state();
  add_policy(st, policy, maxtype);
  for (let idx = 0; idx < st.policies.length; idx++) {
    const e = st.policies[idx];
    for (let type: u32 = 0; type <= e.maxtype; type++) {
      const pt = e.policy[type];
      if (pt.type == NLA_NESTED || pt.type == NLA_NESTED_ARRAY) add_policy(st, pt.nested_policy, <u32>pt.len);
    }
  }
  return st;
}

/** Ref: net/netlink/policy.c:netlink_policy_dump_finished */
function netlink_policy_dump_finished(state: netlink_policy_dump_state): bool {
  return state.policy_idx >= <u32>state.policies.length;
}

/** Whether there is more to write. Ref: net/netlink/policy.c:netlink_policy_dump_loop */
export function netlink_policy_dump_loop(state: netlink_policy_dump_state): bool {
  return !netlink_policy_dump_finished(state);
}

/** Ref: net/netlink/policy.c:__netlink_policy_dump_write_attr */
function __netlink_policy_dump_write_attr(state: netlink_policy_dump_state | null, skb: sk_buff, pt: nla_policy, nestattr: i32): i32 {
  let type: u32 = NL_ATTR_TYPE_INVALID;
  const attr = nla_nest_start(skb, nestattr);
  if (!attr) return -ENOBUFS;

  switch (pt.type) {
    case NLA_NESTED:
    case NLA_NESTED_ARRAY: {
      type = pt.type == NLA_NESTED ? NL_ATTR_TYPE_NESTED : NL_ATTR_TYPE_NESTED_ARRAY;
      const np = pt.nested_policy;
      if (state && np && pt.len &&
        (nla_put_u32(skb, NL_POLICY_TYPE_ATTR_POLICY_IDX, netlink_policy_dump_get_policy_idx(state, np, <u32>pt.len)) ||
          nla_put_u32(skb, NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE, <u32>pt.len))) {
        nla_nest_cancel(skb, attr);
        return -ENOBUFS;
      }
      break;
    }
    case NLA_U8: case NLA_U16: case NLA_U32: case NLA_U64: case NLA_UINT: case NLA_MSECS: {
      if (pt.type == NLA_U8) type = NL_ATTR_TYPE_U8;
      else if (pt.type == NLA_U16) type = NL_ATTR_TYPE_U16;
      else if (pt.type == NLA_U32) type = NL_ATTR_TYPE_U32;
      else if (pt.type == NLA_UINT) type = NL_ATTR_TYPE_UINT;
      else type = NL_ATTR_TYPE_U64;
      if (pt.validation_type == NLA_VALIDATE_MASK) {
        if (nla_put_u64_64bit(skb, NL_POLICY_TYPE_ATTR_MASK, pt.mask, NL_POLICY_TYPE_ATTR_PAD)) {
          nla_nest_cancel(skb, attr);
          return -ENOBUFS;
        }
        break;
      }
      const range = nla_get_range_unsigned(pt);
      if (nla_put_u64_64bit(skb, NL_POLICY_TYPE_ATTR_MIN_VALUE_U, range.min, NL_POLICY_TYPE_ATTR_PAD) ||
        nla_put_u64_64bit(skb, NL_POLICY_TYPE_ATTR_MAX_VALUE_U, range.max, NL_POLICY_TYPE_ATTR_PAD)) {
        nla_nest_cancel(skb, attr);
        return -ENOBUFS;
      }
      break;
    }
    case NLA_S8: case NLA_S16: case NLA_S32: case NLA_S64: case NLA_SINT: {
      if (pt.type == NLA_S8) type = NL_ATTR_TYPE_S8;
      else if (pt.type == NLA_S16) type = NL_ATTR_TYPE_S16;
      else if (pt.type == NLA_S32) type = NL_ATTR_TYPE_S32;
      else if (pt.type == NLA_SINT) type = NL_ATTR_TYPE_SINT;
      else type = NL_ATTR_TYPE_S64;
      const range = nla_get_range_signed(pt);
      if (nla_put_s64(skb, NL_POLICY_TYPE_ATTR_MIN_VALUE_S, range.min, NL_POLICY_TYPE_ATTR_PAD) ||
        nla_put_s64(skb, NL_POLICY_TYPE_ATTR_MAX_VALUE_S, range.max, NL_POLICY_TYPE_ATTR_PAD)) {
        nla_nest_cancel(skb, attr);
        return -ENOBUFS;
      }
      break;
    }
    case NLA_BITFIELD32:
      type = NL_ATTR_TYPE_BITFIELD32;
      if (nla_put_u32(skb, NL_POLICY_TYPE_ATTR_BITFIELD32_MASK, pt.bitfield32_valid)) {
        nla_nest_cancel(skb, attr);
        return -ENOBUFS;
      }
      break;
    case NLA_STRING: case NLA_NUL_STRING: case NLA_BINARY: {
      if (pt.type == NLA_STRING) type = NL_ATTR_TYPE_STRING;
      else if (pt.type == NLA_NUL_STRING) type = NL_ATTR_TYPE_NUL_STRING;
      else type = NL_ATTR_TYPE_BINARY;
      let failed = false;
      if (pt.validation_type == NLA_VALIDATE_RANGE || pt.validation_type == NLA_VALIDATE_RANGE_WARN_TOO_LONG) {
        const range = nla_get_range_unsigned(pt);
        if (range.min && nla_put_u32(skb, NL_POLICY_TYPE_ATTR_MIN_LENGTH, <u32>range.min)) failed = true;
        else if (range.max < <u64>u16.MAX_VALUE && nla_put_u32(skb, NL_POLICY_TYPE_ATTR_MAX_LENGTH, <u32>range.max)) failed = true;
      } else if (pt.len && nla_put_u32(skb, NL_POLICY_TYPE_ATTR_MAX_LENGTH, <u32>pt.len)) {
        failed = true;
      }
      if (failed) {
        nla_nest_cancel(skb, attr);
        return -ENOBUFS;
      }
      break;
    }
    case NLA_FLAG:
      type = NL_ATTR_TYPE_FLAG;
      break;
    default:
      // NLA_UNSPEC, NLA_REJECT and anything else: nothing to describe.
      nla_nest_cancel(skb, attr);
      return -ENODATA;
  }

  if (nla_put_u32(skb, NL_POLICY_TYPE_ATTR_TYPE, type)) {
    nla_nest_cancel(skb, attr);
    return -ENOBUFS;
  }
  nla_nest_end(skb, attr);
  return 0;
}

/**
 * Describe one policy entry in a nest of type `nestattr` (the NLMSGERR_ATTR_POLICY of an
 * extended ACK). -ENODATA when the entry has nothing to describe (NLA_UNSPEC, NLA_REJECT).
 * Ref: net/netlink/policy.c:netlink_policy_dump_write_attr
 */
export function netlink_policy_dump_write_attr(skb: sk_buff, pt: nla_policy, nestattr: i32): i32 {
  return __netlink_policy_dump_write_attr(null, skb, pt, nestattr);
}

/**
 * Write the next described attribute of the dump as nest(policy_idx){ nest(attr_idx){ … } },
 * skipping entries with nothing to describe. -ENODATA when none were left.
 * Ref: net/netlink/policy.c:netlink_policy_dump_write
 */
export function netlink_policy_dump_write(skb: sk_buff, state: netlink_policy_dump_state): i32 {
  for (;;) {
    let again = false;
    const e = state.policies[state.policy_idx];
    const pt = e.policy[state.attr_idx];
    const policy = nla_nest_start(skb, <i32>state.policy_idx);
    if (!policy) return -ENOBUFS;
    const err = __netlink_policy_dump_write_attr(state, skb, pt, <i32>state.attr_idx);
    if (err == -ENODATA) {
      nla_nest_cancel(skb, policy);
      again = true;
    } else if (err) {
      nla_nest_cancel(skb, policy);
      return -ENOBUFS;
    } else {
      nla_nest_end(skb, policy);
    }
    state.attr_idx += 1;
    if (state.attr_idx > e.maxtype) {
      state.attr_idx = 0;
      state.policy_idx++;
    }
    if (!again) return 0;
    if (netlink_policy_dump_finished(state)) return -ENODATA;
  }
  return 0;
}

/** Room a described entry needs at most. Ref: net/netlink/policy.c:netlink_policy_dump_attr_size_estimate */
export function netlink_policy_dump_attr_size_estimate(pt: nla_policy): i32 {
  const common = 2 * (4 + 4);
  switch (pt.type) {
    case NLA_UNSPEC: case NLA_REJECT: return 0;
    case NLA_NESTED: case NLA_NESTED_ARRAY: return common + 2 * (4 + 4);
    case NLA_U8: case NLA_U16: case NLA_U32: case NLA_U64: case NLA_UINT: case NLA_MSECS:
    case NLA_S8: case NLA_S16: case NLA_S32: case NLA_S64: case NLA_SINT:
      return common + 2 * (4 + 4 + 8);
    case NLA_BITFIELD32: return common + 4 + 4;
    case NLA_STRING: case NLA_NUL_STRING: case NLA_BINARY: return common + 2 * (4 + 4);
    case NLA_FLAG: return common;
  }
  return 0;
}
