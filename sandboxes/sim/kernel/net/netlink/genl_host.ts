/**
 * The bridge for generic netlink families written in TypeScript (sandboxes/sim/host/genl.ts).
 *
 * The host describes a family (name, version, policy, ops, groups) through these exports; the
 * family is an ordinary genl_family here, so ids, policies, validation, permissions and nlctrl
 * work exactly as for built-in families. Only the doit/dumpit/start/done bodies run on the host:
 * the ops call the imported genl_host_* functions, which find the TypeScript handler by the
 * host's family id and the command. While a handler runs, the request (genl_info or the dump's
 * callback) is "current" and the host reads it with genl_host_req_* and writes replies with the
 * genlmsg_* / nla_* exports below, on skb addresses (sk_buff is unmanaged, so addresses are stable).
 *
 * Models Linux 6.18: no file of its own (sim: the bridge to generic netlink families written in TypeScript; every function here is ours)
 */
import {
  nla_policy, nla_policy_new, netlink_ext_ack, NLA_REJECT, nla_put, nla_nest_start_noflag, nla_nest_end, nla_nest_cancel,
  NL_SET_ERR_MSG, NL_SET_BAD_ATTR, NL_SET_ERR_ATTR_MISS,
} from '../../lib/nlattr';
import { sk_buff } from '../core/skbuff';
import { EINVAL, ENOENT } from '../../include/uapi/asm-generic/errno';
import { netlink_callback } from '../../include/linux/netlink';
import { genlmsghdr } from '../../include/uapi/linux/genetlink';
import { nlmsg_free } from '../../include/net/netlink';
import {
  genl_family, genl_ops, genl_info, genl_multicast_group, genl_dumpit_info_of, genl_register_family, genl_unregister_family,
  genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_cancel, genlmsg_unicast, genlmsg_multicast, genl_families_info,
} from './genetlink';

// ---- the host's handlers ----------------------------------------------------------------------

@external('env', 'genl_host_doit')
declare function host_genl_doit(family: i32, cmd: i32, skb: usize): i32;
@external('env', 'genl_host_dumpit')
declare function host_genl_dumpit(family: i32, cmd: i32, skb: usize, dump: i32): i32;
@external('env', 'genl_host_start')
declare function host_genl_start(family: i32, cmd: i32, dump: i32): i32;
@external('env', 'genl_host_done')
declare function host_genl_done(family: i32, cmd: i32, dump: i32): i32;

const families = new Map<i32, genl_family>();
const host_ids = new Map<genl_family, i32>();
const policies = new Map<i32, nla_policy[]>();
let next_policy: i32 = 1;
let next_dump: i32 = 1;

// The request a host handler is working on: a doit's info, or a dump's callback (nested calls
// are possible — a handler may send to another family — so these are stacks).
const cur_info: genl_info[] = [];
const cur_cb: netlink_callback[] = [];
// Dump ids, by callback.
const dump_ids = new Map<netlink_callback, i32>();

function host_id_of(f: genl_family | null): i32 { return f && host_ids.has(f) ? host_ids.get(f) : 0; }

function host_doit(skb: sk_buff, info: genl_info): i32 {
  cur_info.push(info);
  const genlhdr = info.genlhdr;
  const r = host_genl_doit(host_id_of(info.family), <i32>genlhdr.cmd, changetype<usize>(skb));
  cur_info.pop();
  return r;
}

function dump_id(cb: netlink_callback): i32 {
  if (dump_ids.has(cb)) return dump_ids.get(cb);
  const id = next_dump++;
  dump_ids.set(cb, id);
  return id;
}

function host_dumpit(skb: sk_buff, cb: netlink_callback): i32 {
  const info = genl_dumpit_info_of(cb);
  cur_cb.push(cb);
  const r = host_genl_dumpit(host_id_of(info.family), <i32>info.op.cmd, changetype<usize>(skb), dump_id(cb));
  cur_cb.pop();
  return r;
}

function host_start(cb: netlink_callback): i32 {
  const info = genl_dumpit_info_of(cb);
  cur_cb.push(cb);
  const r = host_genl_start(host_id_of(info.family), <i32>info.op.cmd, dump_id(cb));
  cur_cb.pop();
  return r;
}

function host_done(cb: netlink_callback): i32 {
  const info = genl_dumpit_info_of(cb);
  cur_cb.push(cb);
  const r = host_genl_done(host_id_of(info.family), <i32>info.op.cmd, dump_id(cb));
  cur_cb.pop();
  if (dump_ids.has(cb)) dump_ids.delete(cb);
  return r;
}

// Strings arrive as UTF-8 at (ptr, len) in linear memory the host wrote through genl_host_alloc.
function str(ptr: usize, len: i32): string { return String.UTF8.decodeUnsafe(ptr, <usize>len, false); }

/** Memory for the host to write arguments into; free it with genl_host_free. */
export function genl_host_alloc(len: i32): usize { return heap.alloc(<usize>max(len, 1)); }
/** Free memory from genl_host_alloc. */
export function genl_host_free(ptr: usize): void { heap.free(ptr); }

// ---- describing a family ----------------------------------------------------------------------

/** A new, unregistered family under the host's id `fam`. */
export function genl_host_family_new(fam: i32, name: usize, name_len: i32, version: u32, hdrsize: u32, maxattr: u32,
  netnsok: bool, parallel_ops: bool, resv_start_op: u8, module: usize, module_len: i32): void {
  const f = new genl_family();
  f.name = str(name, name_len);
  f.version = version;
  f.hdrsize = hdrsize;
  f.maxattr = maxattr;
  f.netnsok = netnsok;
  f.parallel_ops = parallel_ops;
  f.resv_start_op = resv_start_op;
  f.module = str(module, module_len);
  families.set(fam, f);
  host_ids.set(f, fam);
}

/** Mark the family's ops as 6.2+ split ops (each with one handler and its own policy). */
export function genl_host_family_split(fam: i32): void { families.get(fam).split = true; }

/** A new policy of maxtype + 1 entries (all NLA_UNSPEC); returns its id. */
export function genl_host_policy_new(maxtype: i32): i32 {
  const id = next_policy++;
  policies.set(id, nla_policy_new(maxtype));
  return id;
}

/**
 * Fill in entry `type` of policy `pol`. min/max are the s16 limits, or with NLA_VALIDATE_RANGE_PTR
 * the 64-bit ones (umin/umax for unsigned types, smin/smax for signed). `nested` is a policy id or 0.
 */
export function genl_host_policy_set(pol: i32, type: i32, ptype: u8, validation_type: u8, len: u16, min: i16, max: i16,
  umin: u64, umax: u64, smin: i64, smax: i64, mask: u64, bitfield32_valid: u32, nested: i32, strict_start_type: u16): i32 {
  if (!policies.has(pol)) return -EINVAL;
  const p = policies.get(pol);
  if (type < 0 || type >= p.length) return -EINVAL;
  const e = p[type];
  e.type = ptype;
  e.validation_type = validation_type;
  e.len = len;
  e.min = min;
  e.max = max;
  e.range_umin = umin;
  e.range_umax = umax;
  e.range_smin = smin;
  e.range_smax = smax;
  e.mask = mask;
  e.bitfield32_valid = bitfield32_valid;
  e.strict_start_type = strict_start_type;
  if (nested) {
    if (!policies.has(nested)) return -EINVAL;
    e.nested_policy = policies.get(nested);
  }
  return 0;
}

/** NLA_REJECT's message for entry `type`. */
export function genl_host_policy_reject_message(pol: i32, type: i32, msg: usize, msg_len: i32): void {
  const p = policies.get(pol);
  p[type].type = NLA_REJECT;
  p[type].reject_message = str(msg, msg_len);
}

/** The family's own policy. */
export function genl_host_family_policy(fam: i32, pol: i32): void {
  families.get(fam).policy = pol ? policies.get(pol) : null;
}

/** Add a command; `pol` 0 for the family's policy. */
export function genl_host_family_op(fam: i32, cmd: u8, flags: u8, validate: u8, maxattr: u32, pol: i32,
  has_doit: bool, has_dumpit: bool, has_start: bool, has_done: bool): void {
  const op = new genl_ops();
  op.cmd = cmd;
  op.flags = flags;
  op.validate = validate;
  op.maxattr = maxattr;
  op.policy = pol ? policies.get(pol) : null;
  if (has_doit) op.doit = host_doit;
  if (has_dumpit) op.dumpit = host_dumpit;
  if (has_start) op.start = host_start;
  if (has_done) op.done = host_done;
  families.get(fam).ops.push(op);
}

/** Add a multicast group. */
export function genl_host_family_grp(fam: i32, name: usize, name_len: i32, flags: u8): void {
  families.get(fam).mcgrps.push(new genl_multicast_group(str(name, name_len), flags));
}

/** genl_register_family; 0 or a negative errno. */
export function genl_host_register(fam: i32): i32 {
  if (!families.has(fam)) return -EINVAL;
  return genl_register_family(families.get(fam));
}

/** The id the family got. */
export function genl_host_family_id(fam: i32): i32 { return families.has(fam) ? families.get(fam).id : 0; }
/** The id of the family's first group. */
export function genl_host_family_mcgrp_offset(fam: i32): u32 { return families.has(fam) ? families.get(fam).mcgrp_offset : 0; }

/** genl_unregister_family, and forget the family. */
export function genl_host_unregister(fam: i32): i32 {
  if (!families.has(fam)) return -ENOENT;
  const f = families.get(fam);
  const err = genl_unregister_family(f);
  families.delete(fam);
  host_ids.delete(f);
  return err;
}

/** Forget a family that failed to register (nothing else refers to it). */
export function genl_host_family_forget(fam: i32): void {
  if (!families.has(fam)) return;
  host_ids.delete(families.get(fam));
  families.delete(fam);
}

// ---- the current request ----------------------------------------------------------------------

// genl_host_req's fields; sandboxes/sim/host/genl.ts has the same numbers.
const GENL_REQ_PORTID: i32 = 0;
const GENL_REQ_SEQ: i32 = 1;
const GENL_REQ_NLH: i32 = 2;
const GENL_REQ_MAXATTR: i32 = 3;

/** A field of the current request (GENL_REQ_*): the doit's info, or the dump's callback. */
export function genl_host_req(field: i32): u32 {
  if (cur_info.length) {
    const info = cur_info[cur_info.length - 1];
    switch (field) {
      case GENL_REQ_PORTID: return info.snd_portid;
      case GENL_REQ_SEQ: return info.snd_seq;
      case GENL_REQ_NLH: return <u32>changetype<usize>(info.nlhdr);
      case GENL_REQ_MAXATTR: { const a = info.attrs; return a ? <u32>(a.length - 1) : 0; }
    }
    return 0;
  }
  if (cur_cb.length) {
    const cb = cur_cb[cur_cb.length - 1];
    switch (field) {
      case GENL_REQ_PORTID: return cb.skb.portid;
      case GENL_REQ_SEQ: return cb.nlh.nlmsg_seq;
      case GENL_REQ_NLH: return <u32>changetype<usize>(cb.nlh);
      case GENL_REQ_MAXATTR: { const a = genl_dumpit_info_of(cb).attrs; return a ? <u32>(a.length - 1) : 0; }
    }
  }
  return 0;
}

/** The address of attribute `type` of the current request (0 when absent). */
export function genl_host_req_attr(type: i32): usize {
  let attrs: StaticArray<usize> | null = null;
  if (cur_info.length) attrs = cur_info[cur_info.length - 1].attrs;
  else if (cur_cb.length) attrs = genl_dumpit_info_of(cur_cb[cur_cb.length - 1]).attrs;
  if (!attrs || type < 0 || type >= attrs.length) return 0;
  return attrs[type];
}

function cur_extack(): netlink_ext_ack | null {
  if (cur_info.length) return cur_info[cur_info.length - 1].extack;
  if (cur_cb.length) return cur_cb[cur_cb.length - 1].extack;
  return null;
}

/** What the handler put in its extack: a message, the offending attribute's address, a missing type. */
export function genl_host_req_extack(msg: usize, msg_len: i32, bad_attr: usize, miss_type: u32): void {
  const extack = cur_extack();
  if (msg_len >= 0) NL_SET_ERR_MSG(extack, str(msg, msg_len));
  if (bad_attr) NL_SET_BAD_ATTR(extack, bad_attr);
  if (miss_type) NL_SET_ERR_ATTR_MISS(extack, 0, miss_type);
}


// ---- building and sending messages ------------------------------------------------------------

/** genlmsg_new; 0 when out of memory. */
export function genl_host_msg_new(payload: i32): usize {
  const skb = genlmsg_new(payload);
  return skb ? changetype<usize>(skb) : 0;
}
/** nlmsg_free. */
export function genl_host_msg_free(skb: usize): void { nlmsg_free(changetype<sk_buff>(skb)); }
/** skb->len. */
export function genl_host_skb_len(skb: usize): u32 { return changetype<sk_buff>(skb).len; }
/** skb->data. */
export function genl_host_skb_data(skb: usize): usize { return changetype<sk_buff>(skb).data; }
/** genlmsg_put for the host's family `fam`; the user header's address, 0 when full. */
export function genl_host_genlmsg_put(skb: usize, portid: u32, seq: u32, fam: i32, flags: i32, cmd: u8): usize {
  if (!families.has(fam)) return 0;
  return genlmsg_put(changetype<sk_buff>(skb), portid, seq, families.get(fam), flags, cmd);
}
/** genlmsg_end. */
export function genl_host_genlmsg_end(skb: usize, hdr: usize): void { genlmsg_end(changetype<sk_buff>(skb), hdr); }
/** genlmsg_cancel. */
export function genl_host_genlmsg_cancel(skb: usize, hdr: usize): void { genlmsg_cancel(changetype<sk_buff>(skb), hdr); }
/** nla_put with `len` bytes at `data`. */
export function genl_host_nla_put(skb: usize, type: i32, data: usize, len: i32): i32 {
  return nla_put(changetype<sk_buff>(skb), type, len, data);
}
/** nla_nest_start_noflag (the host ORs NLA_F_NESTED into `type` for nla_nest_start). */
export function genl_host_nest_start(skb: usize, type: i32): usize { return nla_nest_start_noflag(changetype<sk_buff>(skb), type); }
/** nla_nest_end. */
export function genl_host_nest_end(skb: usize, start: usize): i32 { return nla_nest_end(changetype<sk_buff>(skb), start); }
/** nla_nest_cancel. */
export function genl_host_nest_cancel(skb: usize, start: usize): void { nla_nest_cancel(changetype<sk_buff>(skb), start); }
/** genlmsg_unicast (consumes the skb). */
export function genl_host_unicast(skb: usize, portid: u32): i32 { return genlmsg_unicast(changetype<sk_buff>(skb), portid); }
/** genlmsg_multicast to the family's group index `group` (consumes the skb). */
export function genl_host_multicast(fam: i32, skb: usize, portid: u32, group: u32): i32 {
  if (!families.has(fam)) {
    nlmsg_free(changetype<sk_buff>(skb));
    return -EINVAL;
  }
  return genlmsg_multicast(families.get(fam), changetype<sk_buff>(skb), portid, group);
}

/** The registered families as JSON (for the playground's state panel): an AS string address. */
export function genl_families_json(): string { return genl_families_info(); }
