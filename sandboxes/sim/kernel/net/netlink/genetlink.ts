/**
 * Generic netlink: families with dynamic ids, their commands, policies and multicast groups,
 * multiplexed over NETLINK_GENERIC, and the nlctrl controller that lets user space find them.
 *
 * Ref: net/netlink/genetlink.c, include/net/genetlink.h, include/uapi/linux/genetlink.h; where
 * 6.1 and 6.18 differ, the comment says so.
 *
 * Models Linux 6.18: net/netlink/genetlink.c
 */
import {
  NLM_F_ACK, NLM_F_DUMP, NLM_F_ECHO, NLM_F_MULTI, NLM_F_REQUEST, NETLINK_GENERIC, NLMSG_HDRLEN,
} from '../../include/uapi/linux/netlink';
import {
  nla_policy, netlink_ext_ack, NLA_POLICY, NLA_U16, NLA_U32, NLA_NUL_STRING, NLA_REJECT, nla_policy_new,
  __nla_parse, nla_get_u16, nla_get_u32, nla_data, nla_len, NL_VALIDATE_LIBERAL, NL_VALIDATE_STRICT,
  NL_SET_ERR_MSG, NL_SET_BAD_ATTR, nla_put_string, nla_put_u16, nla_put_u32, nla_nest_start, nla_nest_start_noflag,
  nla_nest_end,
} from '../../lib/nlattr';
import {
  netlink_policy_dump_state, netlink_policy_dump_add_policy, netlink_policy_dump_get_policy_idx,
  netlink_policy_dump_loop, netlink_policy_dump_write,
} from './policy';
import { sk_buff } from '../core/skbuff';
import { err_ptr, ERR_PTR, OK_PTR, IS_ERR, PTR_ERR } from '../../include/linux/err';
import { sock } from '../../include/net/sock';
import { netlink_callback, netlink_dump_control, netlink_kernel_cfg, NETLINK_CB, NL_CFG_F_NONROOT_RECV, nlmsghdr } from '../../include/linux/netlink';
import { genlmsghdr } from '../../include/uapi/linux/genetlink';
import {
  nlmsg_new, nlmsg_free, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_msg_size, NLMSG_ALIGN, NLMSG_DEFAULT_SIZE,
  nlmsg_attrdata, nlmsg_attrlen,
} from '../../include/net/netlink';
import { CAP_NET_ADMIN } from '../../include/linux/capability';
import {
  nlmsg_unicast, nlmsg_multicast, netlink_rcv_skb, __netlink_dump_start, netlink_capable, netlink_kernel_create,
  netlink_change_ngroups, __netlink_clear_multicast_users,
} from './af_netlink';

// ---- include/uapi/linux/genetlink.h -----------------------------------------------------------

export const GENL_NAMSIZ: i32 = 16;
export const GENL_HDRLEN: i32 = 4;
export const GENL_MIN_ID: i32 = 0x10;
export const GENL_MAX_ID: i32 = 1023;
export const GENL_ID_CTRL: i32 = 0x10;
export const GENL_ID_VFS_DQUOT: i32 = 0x11;
export const GENL_ID_PMCRAID: i32 = 0x12;
/** The first id handed out to an ordinary family. Ref: net/netlink/genetlink.c */
export const GENL_START_ALLOC: i32 = GENL_ID_PMCRAID + 1;

export const GENL_ADMIN_PERM: u8 = 0x01;
export const GENL_CMD_CAP_DO: u8 = 0x02;
export const GENL_CMD_CAP_DUMP: u8 = 0x04;
export const GENL_CMD_CAP_HASPOL: u8 = 0x08;
export const GENL_UNS_ADMIN_PERM: u8 = 0x10;

/** enum genl_validate_flags: relax validation for legacy commands. Ref: include/net/genetlink.h */
export const GENL_DONT_VALIDATE_STRICT: u8 = 1 << 0;
export const GENL_DONT_VALIDATE_DUMP: u8 = 1 << 1;
export const GENL_DONT_VALIDATE_DUMP_STRICT: u8 = 1 << 2;

export const GENL_MCAST_CAP_NET_ADMIN: u8 = 1 << 0;
export const GENL_MCAST_CAP_SYS_ADMIN: u8 = 1 << 1;

export const CTRL_CMD_UNSPEC: u8 = 0;
export const CTRL_CMD_NEWFAMILY: u8 = 1;
export const CTRL_CMD_DELFAMILY: u8 = 2;
export const CTRL_CMD_GETFAMILY: u8 = 3;
export const CTRL_CMD_NEWOPS: u8 = 4;
export const CTRL_CMD_DELOPS: u8 = 5;
export const CTRL_CMD_GETOPS: u8 = 6;
export const CTRL_CMD_NEWMCAST_GRP: u8 = 7;
export const CTRL_CMD_DELMCAST_GRP: u8 = 8;
export const CTRL_CMD_GETMCAST_GRP: u8 = 9;
export const CTRL_CMD_GETPOLICY: u8 = 10;

export const CTRL_ATTR_FAMILY_ID: i32 = 1;
export const CTRL_ATTR_FAMILY_NAME: i32 = 2;
export const CTRL_ATTR_VERSION: i32 = 3;
export const CTRL_ATTR_HDRSIZE: i32 = 4;
export const CTRL_ATTR_MAXATTR: i32 = 5;
export const CTRL_ATTR_OPS: i32 = 6;
export const CTRL_ATTR_MCAST_GROUPS: i32 = 7;
export const CTRL_ATTR_POLICY: i32 = 8;
export const CTRL_ATTR_OP_POLICY: i32 = 9;
export const CTRL_ATTR_OP: i32 = 10;
export const CTRL_ATTR_OP_ID: i32 = 1;
export const CTRL_ATTR_OP_FLAGS: i32 = 2;
export const CTRL_ATTR_MCAST_GRP_NAME: i32 = 1;
export const CTRL_ATTR_MCAST_GRP_ID: i32 = 2;
export const CTRL_ATTR_POLICY_DO: i32 = 1;
export const CTRL_ATTR_POLICY_DUMP: i32 = 2;

const EPERM: i32 = 1;
const ENOENT: i32 = 2;
const ENOMEM: i32 = 12;
const EEXIST: i32 = 17;
const EINVAL: i32 = 22;
const ENODATA: i32 = 61;
const EMSGSIZE: i32 = 90;
const EOPNOTSUPP: i32 = 95;
const ENOBUFS: i32 = 105;
const ESRCH: i32 = 3;

// ---- include/net/genetlink.h ------------------------------------------------------------------

/** What a doit handler learns about the request. Ref: include/net/genetlink.h:struct genl_info */
export class genl_info {
  snd_seq: u32 = 0;
  snd_portid: u32 = 0;
  /** The request's struct nlmsghdr. */
  nlhdr: nlmsghdr = changetype<nlmsghdr>(0);
  /** Its struct genlmsghdr. */
  genlhdr: genlmsghdr = changetype<genlmsghdr>(0);
  /** The family's own header (family.hdrsize bytes) after the genlmsghdr. */
  userhdr: usize = 0;
  /** attrs[type]: the parsed attributes (0 when absent); null when the command has no policy. */
  attrs: StaticArray<usize> | null = null;
  extack: netlink_ext_ack | null = null;
  family: genl_family | null = null;
  /** The request skb (NETLINK_CB(skb) is the sender). */
  skb: sk_buff | null = null;
}

/** A doit handler: 0 or a negative errno. */
export type genl_doit_t = (skb: sk_buff, info: genl_info) => i32;
/** A dumpit handler: skb.len to be called again, 0 when done, or a negative errno. */
export type genl_dumpit_t = (skb: sk_buff, cb: netlink_callback) => i32;
/** A dump's start / done hook. */
export type genl_cb_t = (cb: netlink_callback) => i32;

/** One command. Ref: include/net/genetlink.h:struct genl_ops */
export class genl_ops {
  cmd: u8 = 0;
  /** GENL_ADMIN_PERM / GENL_UNS_ADMIN_PERM. */
  flags: u8 = 0;
  /** GENL_DONT_VALIDATE_* (only for commands below the family's resv_start_op). */
  validate: u8 = 0;
  /** 0: use the family's maxattr and policy. */
  maxattr: u32 = 0;
  policy: nla_policy[] | null = null;
  doit: genl_doit_t | null = null;
  dumpit: genl_dumpit_t | null = null;
  start: genl_cb_t | null = null;
  done: genl_cb_t | null = null;
}

/** Ref: include/net/genetlink.h:struct genl_multicast_group */
export class genl_multicast_group {
  constructor(public name: string, public flags: u8 = 0) {}
}

/** Ref: include/net/genetlink.h:struct genl_family */
export class genl_family {
  /** Assigned by genl_register_family. */
  id: i32 = 0;
  name: string = '';
  version: u32 = 0;
  hdrsize: u32 = 0;
  maxattr: u32 = 0;
  netnsok: bool = false;
  parallel_ops: bool = false;
  policy: nla_policy[] | null = null;
  /** Commands from this one on get the strict checks of new families. 0: all of them. */
  resv_start_op: u8 = 0;
  /**
   * The commands: full ops (doit and/or dumpit sharing a policy), or, when `split` is set, 6.2+
   * split ops (each with exactly one of doit / dumpit, and its own policy).
   */
  ops: genl_ops[] = [];
  split: bool = false;
  mcgrps: genl_multicast_group[] = [];
  /** The id of mcgrps[0]; the others follow. */
  mcgrp_offset: u32 = 0;
  /** The module that registered it ('' for built-in), as lsmod names it. */
  module: string = '';
}

/** What genl_start hands to a dump: the family, the op and the parsed attributes. Ref: struct genl_dumpit_info */
export class genl_dumpit_info {
  family: genl_family;
  op: genl_ops;
  attrs: StaticArray<usize> | null = null;
  /** Room for a family's own dump state (like cb->ctx). */
  ctx: Object | null = null;
  constructor(family: genl_family, op: genl_ops) { this.family = family; this.op = op; }
}

/** sim: The dump info of a generic netlink dump callback. Ref: include/net/genetlink.h:genl_dumpit_info */
export function genl_dumpit_info_of(cb: netlink_callback): genl_dumpit_info {
  return changetype<genl_dumpit_info>(cb.data);
}

// ---- the family registry ----------------------------------------------------------------------

// The idr of families: id → family, allocated cyclically like idr_alloc_cyclic.
const genl_fam_idr = new Map<i32, genl_family>();
let genl_idr_next: i32 = GENL_START_ALLOC;

// Bitmap of used multicast group ids. Bits 0 (invalid), 1 (drop monitor's abuse), 16 (nlctrl),
// 17 (VFS_DQUOT) and 18 (pmcraid) are taken from the start. Ref: genetlink.c:mc_group_start
const mc_groups: bool[] = [];
let mc_groups_longs: i32 = 1;
/** sim: test_bit on mc_groups. */
function mc_test(i: i32): bool { return i < mc_groups.length && mc_groups[i]; }
/** sim: set_bit / clear_bit on mc_groups. */
function mc_set(i: i32, v: bool): void { while (mc_groups.length <= i) mc_groups.push(false); mc_groups[i] = v; }
mc_set(0, true); mc_set(1, true); mc_set(GENL_ID_CTRL, true); mc_set(GENL_ID_VFS_DQUOT, true); mc_set(GENL_ID_PMCRAID, true);

/** The kernel socket of NETLINK_GENERIC (net->genl_sock). */
export let genl_sock: sock | null = null;

/** A family by id. Ref: genetlink.c:genl_family_find_byid */
export function genl_family_find_byid(id: i32): genl_family | null {
  return genl_fam_idr.has(id) ? genl_fam_idr.get(id) : null;
}

/** A family by name, in id order. Ref: genetlink.c:genl_family_find_byname */
export function genl_family_find_byname(name: string): genl_family | null {
  const ids = genl_fam_ids();
  for (let i = 0; i < ids.length; i++) {
    const f = genl_fam_idr.get(ids[i]);
    if (f.name == name) return f;
  }
  return null;
}

/** sim: The registered ids in ascending order (idr_for_each_entry walks them so). */
function genl_fam_ids(): i32[] {
  const ids = genl_fam_idr.keys();
  ids.sort((a: i32, b: i32): i32 => a - b);
  return ids;
}

// 6.1 rejects every attribute of a new-style command without a policy. Ref: genl_policy_reject_all
const genl_policy_reject_all: nla_policy[] = [NLA_POLICY(NLA_REJECT), NLA_POLICY(NLA_REJECT)];

/**
 * The half of a command that handles a do (dump false) or a dump (dump true) request, with the
 * family's policy and maxattr filled in, or null. Ref: genetlink.c:genl_get_cmd (6.2+)
 */
export function genl_get_cmd(cmd: u32, family: genl_family, dump: bool): genl_ops | null {
  for (let i = 0; i < family.ops.length; i++) {
    const o = family.ops[i];
    if (<u32>o.cmd == cmd && (dump ? o.dumpit != null : o.doit != null)) return genl_op_effective(family, o, dump, false);
  }
  return null;
}

/** sim: Whether the family has command `cmd` at all. */
function genl_has_cmd(cmd: u32, family: genl_family): bool {
  for (let i = 0; i < family.ops.length; i++) if (<u32>family.ops[i].cmd == cmd) return true;
  return false;
}

/**
 * sim: One half of an op as the kernel sees it. A full op takes the family's policy and, from
 * resv_start_op on, the reject-all policy when it has none (genl_op_from_full); its dump half
 * loses the policy with GENL_DONT_VALIDATE_DUMP (genl_cmd_full_to_split). A split op keeps its own
 * policy; only walking the family (genl_op_iter, as nlctrl does for OPS and GETPOLICY) gives a
 * policy-less split op the reject-all policy — receiving and single-op GETPOLICY do not (seen on
 * 6.18: netdev's DEV_GET dump accepts any attribute, yet a full GETPOLICY lists a policy for it).
 * Ref: genetlink.c:genl_op_from_full, genl_cmd_full_to_split, genl_op_from_split (6.2+)
 */
function genl_op_effective(family: genl_family, o: genl_ops, dump: bool, iter: bool): genl_ops {
  const op = new genl_ops();
  op.cmd = o.cmd; op.flags = o.flags; op.validate = o.validate;
  if (dump) { op.dumpit = o.dumpit; op.start = o.start; op.done = o.done; }
  else op.doit = o.doit;
  if (family.split) {
    op.maxattr = o.maxattr;
    op.policy = o.policy;
    if (iter && !op.policy) {
      op.policy = genl_policy_reject_all;
      op.maxattr = 1;
    }
    return op;
  }
  op.maxattr = o.maxattr ? o.maxattr : family.maxattr;
  op.policy = o.policy ? o.policy : family.policy;
  if (!op.policy && op.cmd >= family.resv_start_op) {
    op.policy = genl_policy_reject_all;
    op.maxattr = 1;
  }
  // A dump that skips validation has no policy of its own.
  if (dump && (o.validate & GENL_DONT_VALIDATE_DUMP)) {
    op.policy = null;
    op.maxattr = 0;
  }
  return op;
}

/** sim: The half `dump` of command `cmd` as genl_op_iter sees it. */
function genl_iter_half(cmd: u8, family: genl_family, dump: bool): genl_ops | null {
  for (let i = 0; i < family.ops.length; i++) {
    const o = family.ops[i];
    if (o.cmd == cmd && (dump ? o.dumpit != null : o.doit != null)) return genl_op_effective(family, o, dump, true);
  }
  return null;
}

/** A command's do and dump halves, as genl_op_iter walks them (6.2+). */
class genl_cmd_halves {
  constructor(public cmd: u8, public doit: genl_ops | null, public dumpit: genl_ops | null) {}
}

/** sim: CTRL_ATTR_OP_FLAGS of a command: its halves' flags, CAP_DO / CAP_DUMP, HASPOL. Ref: genetlink.c:ctrl_fill_info */
function genl_cmd_flags(h: genl_cmd_halves): u32 {
  const d = h.doit;
  const u = h.dumpit;
  let fl: u32 = 0;
  if (d) fl |= <u32>d.flags | GENL_CMD_CAP_DO;
  if (u) fl |= <u32>u.flags | GENL_CMD_CAP_DUMP;
  if ((d && d.policy) || (u && u.policy)) fl |= GENL_CMD_CAP_HASPOL;
  return fl;
}

/** sim: Every command of the family once, in the order they are listed. Ref: genetlink.c:genl_op_iter_next */
function genl_family_cmds(family: genl_family): genl_cmd_halves[] {
  const out: genl_cmd_halves[] = [];
  for (let i = 0; i < family.ops.length; i++) {
    const cmd = family.ops[i].cmd;
    let seen = false;
    for (let j = 0; j < out.length; j++) if (out[j].cmd == cmd) seen = true;
    if (seen) continue;
    out.push(new genl_cmd_halves(cmd, genl_iter_half(cmd, family, false), genl_iter_half(cmd, family, true)));
  }
  return out;
}

/** Ref: genetlink.c:genl_allocate_reserve_groups */
function genl_allocate_reserve_groups(n_groups: i32): i32 {
  let id = 0;
  for (;;) {
    while (mc_test(id)) id++;
    let fits = true;
    for (let i = id; i < id + n_groups; i++) if (mc_test(i)) { fits = false; id = i; break; }
    if (fits) break;
  }
  for (let i = id; i < id + n_groups; i++) mc_set(i, true);
  while (id + n_groups > mc_groups_longs * 64) mc_groups_longs++;
  return id;
}

/** Ref: genetlink.c:genl_validate_assign_mc_groups */
function genl_validate_assign_mc_groups(family: genl_family): i32 {
  const n_groups = family.mcgrps.length;
  if (!n_groups) return 0;
  for (let i = 0; i < n_groups; i++) {
    const name = family.mcgrps[i].name;
    if (name.length == 0 || String.UTF8.byteLength(name) >= GENL_NAMSIZ) return -EINVAL;
  }
  // The families that once abused the API keep their fixed group (Linux BUG()s on more than one).
  let first_id: i32 = -1;
  if (family.name == 'nlctrl' && family.id == GENL_ID_CTRL) first_id = GENL_ID_CTRL;
  else if (family.name == 'NET_DM') first_id = 1;
  else if (family.id == GENL_ID_VFS_DQUOT) first_id = GENL_ID_VFS_DQUOT;
  else if (family.id == GENL_ID_PMCRAID) first_id = GENL_ID_PMCRAID;
  if (first_id >= 0 && n_groups != 1) return -EINVAL;
  if (first_id < 0) first_id = genl_allocate_reserve_groups(n_groups);
  family.mcgrp_offset = <u32>first_id;
  const sk = genl_sock;
  if (sk) netlink_change_ngroups(sk, <u32>(mc_groups_longs * 64));
  return 0;
}

/**
 * Every op needs a handler. Full ops: one per command, relaxed validation only below
 * resv_start_op. Split ops: exactly one handler each, at most one do and one dump per command, no
 * relaxed validation. Ref: genetlink.c:genl_validate_ops
 */
function genl_validate_ops(family: genl_family): i32 {
  for (let i = 0; i < family.ops.length; i++) {
    const op = family.ops[i];
    if (op.dumpit == null && op.doit == null) return -EINVAL;
    if (family.split) {
      if (op.doit != null && op.dumpit != null) return -EINVAL;
      if (op.validate) return -EINVAL;
    } else if (op.cmd >= family.resv_start_op && op.validate) {
      return -EINVAL;
    }
    for (let j = i + 1; j < family.ops.length; j++) {
      const o2 = family.ops[j];
      if (op.cmd != o2.cmd) continue;
      if (!family.split || (op.doit != null) == (o2.doit != null)) return -EINVAL;
    }
  }
  return 0;
}

/**
 * Register a family: validate its ops, give it an id and its multicast groups their ids, and
 * tell nlctrl's "notify" group (NEWFAMILY, then NEWMCAST_GRP per group).
 * Ref: genetlink.c:genl_register_family
 */
export function genl_register_family(family: genl_family): i32 {
  let err = genl_validate_ops(family);
  if (err) return err;
  if (String.UTF8.byteLength(family.name) >= GENL_NAMSIZ || family.name.length == 0) return -EINVAL;
  if (genl_family_find_byname(family.name)) return -EEXIST;

  let start = GENL_START_ALLOC;
  let end = GENL_MAX_ID;
  if (family.name == 'nlctrl' && genl_fam_idr.size == 0) { start = GENL_ID_CTRL; end = GENL_ID_CTRL; }
  else if (family.name == 'pmcraid') { start = GENL_ID_PMCRAID; end = GENL_ID_PMCRAID; }
  else if (family.name == 'VFS_DQUOT') { start = GENL_ID_VFS_DQUOT; end = GENL_ID_VFS_DQUOT; }
  const id = idr_alloc_cyclic(start, end);
  if (id < 0) return id;
  family.id = id;
  genl_fam_idr.set(id, family);

  err = genl_validate_assign_mc_groups(family);
  if (err) {
    genl_fam_idr.delete(id);
    return err;
  }

  genl_ctrl_event(CTRL_CMD_NEWFAMILY, family, null, 0);
  for (let i = 0; i < family.mcgrps.length; i++)
    genl_ctrl_event(CTRL_CMD_NEWMCAST_GRP, family, family.mcgrps[i], <i32>family.mcgrp_offset + i);
  return 0;
}

/** idr_alloc_cyclic over [start, end]: the next free id at or after the cursor, wrapping. */
function idr_alloc_cyclic(start: i32, end: i32): i32 {
  if (start == end) return genl_fam_idr.has(start) ? -ENOSPC_IDR : start;
  const span = end - start + 1;
  let cur = genl_idr_next < start || genl_idr_next > end ? start : genl_idr_next;
  for (let n = 0; n < span; n++) {
    if (!genl_fam_idr.has(cur)) {
      genl_idr_next = cur + 1;
      return cur;
    }
    cur = cur == end ? start : cur + 1;
  }
  return -ENOSPC_IDR;
}
const ENOSPC_IDR: i32 = 28;

/**
 * Unregister a family: its groups lose their members and announce DELMCAST_GRP, then
 * DELFAMILY. Ref: genetlink.c:genl_unregister_family, genl_unregister_mc_groups
 */
export function genl_unregister_family(family: genl_family): i32 {
  if (genl_family_find_byid(family.id) != family) return -ENOENT;
  for (let i = 0; i < family.mcgrps.length; i++) {
    const sk = genl_sock;
    if (sk) __netlink_clear_multicast_users(sk, family.mcgrp_offset + <u32>i);
  }
  for (let i = 0; i < family.mcgrps.length; i++) {
    const grp_id = <i32>family.mcgrp_offset + i;
    if (grp_id != 1) mc_set(grp_id, false);
    genl_ctrl_event(CTRL_CMD_DELMCAST_GRP, family, family.mcgrps[i], grp_id);
  }
  genl_fam_idr.delete(family.id);
  genl_ctrl_event(CTRL_CMD_DELFAMILY, family, null, 0);
  return 0;
}

// ---- building messages (include/net/genetlink.h) ----------------------------------------------

/** An skb for a genl message with `payload` bytes of attributes. Ref: genlmsg_new */
export function genlmsg_new(payload: i32): sk_buff | null {
  return nlmsg_new(genlmsg_total_size(payload));
}

/** Ref: include/net/genetlink.h:genlmsg_msg_size / genlmsg_total_size */
export function genlmsg_msg_size(payload: i32): i32 { return GENL_HDRLEN + payload; }
export function genlmsg_total_size(payload: i32): i32 { return NLMSG_ALIGN(genlmsg_msg_size(payload)); }

/**
 * Start a genl message: nlmsghdr (type = family id) and genlmsghdr (cmd, the family's version).
 * Returns the address of the user header (after the genlmsghdr), or 0 when the skb is full.
 * Ref: genetlink.c:genlmsg_put
 */
export function genlmsg_put(skb: sk_buff, portid: u32, seq: u32, family: genl_family, flags: i32, cmd: u8): usize {
  const nlh = nlmsg_put(skb, portid, seq, family.id, GENL_HDRLEN + <i32>family.hdrsize, flags);
  if (!nlh) return 0;
  const hdr = changetype<genlmsghdr>(nlmsg_data(nlh));
  hdr.cmd = cmd;
  hdr.version = <u8>family.version;
  hdr.reserved = 0;
  return changetype<usize>(hdr) + <usize>GENL_HDRLEN;
}

/** Finish a message started with genlmsg_put. Ref: genlmsg_end */
export function genlmsg_end(skb: sk_buff, hdr: usize): void {
  nlmsg_end(skb, changetype<nlmsghdr>(hdr - <usize>GENL_HDRLEN - <usize>NLMSG_HDRLEN));
}

/** Drop a message started with genlmsg_put. Ref: genlmsg_cancel */
export function genlmsg_cancel(skb: sk_buff, hdr: usize): void {
  if (hdr) nlmsg_cancel(skb, changetype<nlmsghdr>(hdr - <usize>GENL_HDRLEN - <usize>NLMSG_HDRLEN));
}

/** Send to one port: 0 or a negative errno (never the byte count). Ref: genlmsg_unicast → nlmsg_unicast */
export function genlmsg_unicast(skb: sk_buff, portid: u32): i32 {
  const sk = genl_sock;
  if (!sk) return -ENOENT;
  return nlmsg_unicast(sk, skb, portid);
}

/** Answer the sender of the request. Ref: genlmsg_reply */
export function genlmsg_reply(skb: sk_buff, info: genl_info): i32 {
  return genlmsg_unicast(skb, info.snd_portid);
}

/**
 * Send to the members of the family's group number `group` (an index into its mcgrps), except
 * `portid`. -ESRCH when nobody listens, which callers usually ignore.
 * Ref: genlmsg_multicast, genlmsg_multicast_netns
 */
export function genlmsg_multicast(family: genl_family, skb: sk_buff, portid: u32, group: u32): i32 {
  if (group >= <u32>family.mcgrps.length) {
    nlmsg_free(skb);
    return -EINVAL;
  }
  const sk = genl_sock;
  if (!sk) return -ESRCH;
  return nlmsg_multicast(sk, skb, portid, family.mcgrp_offset + group);
}

// ---- the receive path -------------------------------------------------------------------------

/** Ref: genetlink.c:genl_family_rcv_msg_attrs_parse */
function genl_family_rcv_msg_attrs_parse(nlh: nlmsghdr, extack: netlink_ext_ack | null, ops: genl_ops, hdrlen: i32,
  no_strict_flag: u8): err_ptr<StaticArray<usize>> {
  if (!ops.maxattr) return OK_PTR<StaticArray<usize>>(null);
  const validate = ops.validate & no_strict_flag ? NL_VALIDATE_LIBERAL : NL_VALIDATE_STRICT;
  const attrbuf = new StaticArray<usize>(<i32>ops.maxattr + 1);
  // Ref: include/net/netlink.h:__nlmsg_parse
  if (<i32>nlh.nlmsg_len < nlmsg_msg_size(hdrlen)) {
    NL_SET_ERR_MSG(extack, 'Invalid header length');
    return ERR_PTR<StaticArray<usize>>(-EINVAL);
  }
  const err = __nla_parse(attrbuf, <i32>ops.maxattr, nlmsg_attrdata(nlh, hdrlen), nlmsg_attrlen(nlh, hdrlen), ops.policy, validate, extack);
  if (err) return ERR_PTR<StaticArray<usize>>(err);
  return OK_PTR<StaticArray<usize>>(attrbuf);
}

/** Ref: genetlink.c:genl_family_rcv_msg_doit */
function genl_family_rcv_msg_doit(family: genl_family, skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null,
  ops: genl_ops, hdrlen: i32): i32 {
  const doit = ops.doit;
  if (doit == null) return -EOPNOTSUPP;
  const attrbuf = genl_family_rcv_msg_attrs_parse(nlh, extack, ops, hdrlen, GENL_DONT_VALIDATE_STRICT);
  if (IS_ERR(attrbuf)) return PTR_ERR(attrbuf);

  const info = new genl_info();
  info.snd_seq = nlh.nlmsg_seq;
  info.snd_portid = NETLINK_CB(skb).portid;
  info.nlhdr = nlh;
  info.genlhdr = changetype<genlmsghdr>(nlmsg_data(nlh));
  info.userhdr = nlmsg_data(nlh) + <usize>GENL_HDRLEN;
  info.attrs = attrbuf.ptr;
  info.extack = extack;
  info.family = family;
  info.skb = skb;
  return doit(skb, info);
}

/** The dump context genl_start needs. Ref: genetlink.c:struct genl_start_context */
class genl_start_context {
  constructor(public family: genl_family, public nlh: nlmsghdr, public extack: netlink_ext_ack | null,
    public ops: genl_ops, public hdrlen: i32) {}
}

/** Parse a dump's attributes before the first dumpit call. Ref: genetlink.c:genl_start */
function genl_start(cb: netlink_callback): i32 {
  const ctx = changetype<genl_start_context>(cb.data);
  const ops = ctx.ops;
  let attrs: StaticArray<usize> | null = null;
  if (!(ops.validate & GENL_DONT_VALIDATE_DUMP)) {
    if (<i32>ctx.nlh.nlmsg_len < nlmsg_msg_size(ctx.hdrlen)) return -EINVAL;
    const parsed = genl_family_rcv_msg_attrs_parse(ctx.nlh, ctx.extack, ops, ctx.hdrlen, GENL_DONT_VALIDATE_DUMP_STRICT);
    if (IS_ERR(parsed)) return PTR_ERR(parsed);
    attrs = parsed.ptr;
  }
  const info = new genl_dumpit_info(ctx.family, ops);
  info.attrs = attrs;
  cb.data = changetype<usize>(info);
  cb.data_ref = info;
  let rc = 0;
  const start = ops.start;
  // cb.extack is the request's: __netlink_dump_start set it from control->extack (6.18), so a start
  // hook can point at the offending attribute (GETPOLICY with an unknown CTRL_ATTR_OP does).
  if (start) rc = start(cb);
  if (rc) {
    cb.data = 0;
    cb.data_ref = null;
  }
  return rc;
}

/** Ref: genetlink.c:genl_lock_dumpit */
function genl_lock_dumpit(skb: sk_buff, cb: netlink_callback): i32 {
  const dumpit = genl_dumpit_info_of(cb).op.dumpit;
  return dumpit ? dumpit(skb, cb) : 0;
}

/** Ref: genetlink.c:genl_lock_done */
function genl_lock_done(cb: netlink_callback): i32 {
  if (!cb.data) return 0;
  const done = genl_dumpit_info_of(cb).op.done;
  let rc = 0;
  if (done) rc = done(cb);
  cb.data = 0;
  cb.data_ref = null;
  return rc;
}

/** Ref: genetlink.c:genl_family_rcv_msg_dumpit */
function genl_family_rcv_msg_dumpit(family: genl_family, skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null,
  ops: genl_ops, hdrlen: i32): i32 {
  if (ops.dumpit == null) return -EOPNOTSUPP;
  const ctx = new genl_start_context(family, nlh, extack, ops, hdrlen);
  const c = new netlink_dump_control();
  c.data = changetype<usize>(ctx);
  c.data_ref = ctx;
  c.start = genl_start;
  c.dump = genl_lock_dumpit;
  c.done = genl_lock_done;
  c.module = family.module;
  c.extack = extack;
  const sk = genl_sock;
  if (!sk) return -ENOENT;
  return __netlink_dump_start(sk, skb, nlh, c);
}

/** New commands must have a zero reserved field and only the core's flags. Ref: genetlink.c:genl_header_check */
function genl_header_check(family: genl_family, nlh: nlmsghdr, hdr: genlmsghdr, extack: netlink_ext_ack | null): i32 {
  if (hdr.cmd < family.resv_start_op) return 0;
  if (hdr.reserved) {
    NL_SET_ERR_MSG(extack, 'genlmsghdr.reserved field is not 0');
    return -EINVAL;
  }
  let flags = <u32>nlh.nlmsg_flags;
  if ((flags & NLM_F_DUMP) == NLM_F_DUMP) flags &= ~NLM_F_DUMP;
  if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
    NL_SET_ERR_MSG(extack, 'ambiguous or reserved bits set in nlmsg_flags');
    return -EINVAL;
  }
  return 0;
}

/** Ref: genetlink.c:genl_family_rcv_msg */
function genl_family_rcv_msg(family: genl_family, skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const hdr = changetype<genlmsghdr>(nlmsg_data(nlh));
  const hdrlen = GENL_HDRLEN + <i32>family.hdrsize;
  if (<i32>nlh.nlmsg_len < nlmsg_msg_size(hdrlen)) return -EINVAL;
  if (genl_header_check(family, nlh, hdr, extack)) return -EINVAL;

  const is_dump = (<u32>nlh.nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  const op = genl_get_cmd(<u32>hdr.cmd, family, is_dump);
  if (op == null) return -EOPNOTSUPP;
  if ((op.flags & GENL_ADMIN_PERM) && !netlink_capable(skb, CAP_NET_ADMIN)) return -EPERM;
  if ((op.flags & GENL_UNS_ADMIN_PERM) && !netlink_capable(skb, CAP_NET_ADMIN)) return -EPERM;

  if (is_dump)
    return genl_family_rcv_msg_dumpit(family, skb, nlh, extack, op, hdrlen);
  return genl_family_rcv_msg_doit(family, skb, nlh, extack, op, hdrlen);
}

/** Find the family named by nlmsg_type. Ref: genetlink.c:genl_rcv_msg */
function genl_rcv_msg(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const family = genl_family_find_byid(<i32>nlh.nlmsg_type);
  if (family == null) return -ENOENT;
  return genl_family_rcv_msg(family, skb, nlh, extack);
}

/** NETLINK_GENERIC's input: every message of the datagram goes through genl_rcv_msg. Ref: genl_rcv */
function genl_rcv(skb: sk_buff): void {
  netlink_rcv_skb(skb, genl_rcv_msg);
}

/** Who may join a group: groups flagged CAP_NET_ADMIN / CAP_SYS_ADMIN need root. Ref: genetlink.c:genl_bind */
function genl_bind(group: i32, capable: bool): i32 {
  const ids = genl_fam_ids();
  for (let k = 0; k < ids.length; k++) {
    const family = genl_fam_idr.get(ids[k]);
    if (!family.mcgrps.length) continue;
    const i = group - <i32>family.mcgrp_offset;
    if (i < 0 || i >= family.mcgrps.length) continue;
    const grp = family.mcgrps[i];
    if ((grp.flags & (GENL_MCAST_CAP_NET_ADMIN | GENL_MCAST_CAP_SYS_ADMIN)) && !capable) return -EPERM;
    break;
  }
  return 0;
}

// ---- nlctrl -----------------------------------------------------------------------------------

const genl_ctrl = new genl_family();

/** CTRL_CMD_NEWFAMILY-style description of a family. Ref: genetlink.c:ctrl_fill_info */
function ctrl_fill_info(family: genl_family, portid: u32, seq: u32, flags: i32, skb: sk_buff, cmd: u8): i32 {
  const hdr = genlmsg_put(skb, portid, seq, genl_ctrl, flags, cmd);
  if (!hdr) return -EMSGSIZE;
  if (nla_put_string(skb, CTRL_ATTR_FAMILY_NAME, family.name) ||
    nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, <u16>family.id) ||
    nla_put_u32(skb, CTRL_ATTR_VERSION, family.version) ||
    nla_put_u32(skb, CTRL_ATTR_HDRSIZE, family.hdrsize) ||
    nla_put_u32(skb, CTRL_ATTR_MAXATTR, family.maxattr)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  const cmds = genl_family_cmds(family);
  if (cmds.length) {
    const nla_ops = nla_nest_start_noflag(skb, CTRL_ATTR_OPS);
    if (!nla_ops) { genlmsg_cancel(skb, hdr); return -EMSGSIZE; }
    for (let i = 0; i < cmds.length; i++) {
      const h = cmds[i];
      const op_flags = genl_cmd_flags(h);
      const nest = nla_nest_start_noflag(skb, i + 1);
      if (!nest || nla_put_u32(skb, CTRL_ATTR_OP_ID, h.cmd) || nla_put_u32(skb, CTRL_ATTR_OP_FLAGS, op_flags)) {
        genlmsg_cancel(skb, hdr);
        return -EMSGSIZE;
      }
      nla_nest_end(skb, nest);
    }
    nla_nest_end(skb, nla_ops);
  }
  if (family.mcgrps.length) {
    const nla_grps = nla_nest_start_noflag(skb, CTRL_ATTR_MCAST_GROUPS);
    if (!nla_grps) { genlmsg_cancel(skb, hdr); return -EMSGSIZE; }
    for (let i = 0; i < family.mcgrps.length; i++) {
      const nest = nla_nest_start_noflag(skb, i + 1);
      if (!nest || nla_put_u32(skb, CTRL_ATTR_MCAST_GRP_ID, family.mcgrp_offset + <u32>i) ||
        nla_put_string(skb, CTRL_ATTR_MCAST_GRP_NAME, family.mcgrps[i].name)) {
        genlmsg_cancel(skb, hdr);
        return -EMSGSIZE;
      }
      nla_nest_end(skb, nest);
    }
    nla_nest_end(skb, nla_grps);
  }
  genlmsg_end(skb, hdr);
  return 0;
}

/** A group's (NEW|DEL)MCAST_GRP description. Ref: genetlink.c:ctrl_fill_mcgrp_info */
function ctrl_fill_mcgrp_info(family: genl_family, grp: genl_multicast_group, grp_id: i32, portid: u32, seq: u32,
  flags: i32, skb: sk_buff, cmd: u8): i32 {
  const hdr = genlmsg_put(skb, portid, seq, genl_ctrl, flags, cmd);
  if (!hdr) return -1;
  if (nla_put_string(skb, CTRL_ATTR_FAMILY_NAME, family.name) || nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, <u16>family.id)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  const nla_grps = nla_nest_start_noflag(skb, CTRL_ATTR_MCAST_GROUPS);
  const nest = nla_grps ? nla_nest_start_noflag(skb, 1) : 0;
  if (!nest || nla_put_u32(skb, CTRL_ATTR_MCAST_GRP_ID, <u32>grp_id) || nla_put_string(skb, CTRL_ATTR_MCAST_GRP_NAME, grp.name)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  nla_nest_end(skb, nest);
  nla_nest_end(skb, nla_grps);
  genlmsg_end(skb, hdr);
  return 0;
}

/**
 * One NEWFAMILY per family, resuming at cb.args[0]. Since 6.10 it returns 0 when every family is
 * in and -EMSGSIZE when the skb filled up (the core turns that into "call again"), so a dump that
 * fits carries its NLMSG_DONE in the same datagram — as seen on this machine's 6.18.
 * Ref: genetlink.c:ctrl_dumpfamily (commit "genetlink: fit NLMSG_DONE into same read() as families")
 */
function ctrl_dumpfamily(skb: sk_buff, cb: netlink_callback): i32 {
  let n = 0;
  let err = 0;
  const fams_to_skip = <i32>cb.args[0];
  const ids = genl_fam_ids();
  for (let k = 0; k < ids.length; k++) {
    const rt = genl_fam_idr.get(ids[k]);
    if (n++ < fams_to_skip) continue;
    err = ctrl_fill_info(rt, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, skb, CTRL_CMD_NEWFAMILY);
    if (err) {
      n--;
      break;
    }
  }
  cb.args[0] = n;
  return err;
}

/** Ref: genetlink.c:ctrl_build_family_msg */
function ctrl_build_family_msg(family: genl_family, portid: u32, seq: u32, cmd: u8): sk_buff | null {
  const skb = nlmsg_new(NLMSG_DEFAULT_SIZE);
  if (!skb) return null;
  if (ctrl_fill_info(family, portid, seq, 0, skb, cmd) < 0) {
    nlmsg_free(skb);
    return null;
  }
  return skb;
}

/** Ref: genetlink.c:ctrl_build_mcgrp_msg */
function ctrl_build_mcgrp_msg(family: genl_family, grp: genl_multicast_group, grp_id: i32, portid: u32, seq: u32, cmd: u8): sk_buff | null {
  const skb = nlmsg_new(NLMSG_DEFAULT_SIZE);
  if (!skb) return null;
  if (ctrl_fill_mcgrp_info(family, grp, grp_id, portid, seq, 0, skb, cmd) < 0) {
    nlmsg_free(skb);
    return null;
  }
  return skb;
}

// Ref: genetlink.c:ctrl_policy_family
const ctrl_policy_family: nla_policy[] = [NLA_POLICY(0), NLA_POLICY(NLA_U16), NLA_POLICY(NLA_NUL_STRING, <u16>(GENL_NAMSIZ - 1))];

/** GETFAMILY by id or by name (the name wins when both are given). Ref: genetlink.c:ctrl_getfamily */
function ctrl_getfamily(skb: sk_buff, info: genl_info): i32 {
  let res: genl_family | null = null;
  let err = -EINVAL;
  const attrs = info.attrs!;
  if (attrs[CTRL_ATTR_FAMILY_ID]) {
    res = genl_family_find_byid(<i32>nla_get_u16(attrs[CTRL_ATTR_FAMILY_ID]));
    err = -ENOENT;
  }
  if (attrs[CTRL_ATTR_FAMILY_NAME]) {
    res = genl_family_find_byname(c_string_at(nla_data(attrs[CTRL_ATTR_FAMILY_NAME])));
    err = -ENOENT;
  }
  if (res == null) return err;
  const msg = ctrl_build_family_msg(res, info.snd_portid, info.snd_seq, CTRL_CMD_NEWFAMILY);
  if (!msg) return -ENOBUFS;
  return genlmsg_reply(msg, info);
}

/** sim: The NUL-terminated string at p (validation already guaranteed the NUL). */
function c_string_at(p: usize): string {
  let n: usize = 0;
  while (load<u8>(p + n) != 0) n++;
  return String.UTF8.decodeUnsafe(p, n, false);
}

/** Tell nlctrl's "notify" group that a family or group came or went. Ref: genetlink.c:genl_ctrl_event */
function genl_ctrl_event(event: u8, family: genl_family, grp: genl_multicast_group | null, grp_id: i32): i32 {
  if (!genl_sock) return 0;
  let msg: sk_buff | null = null;
  if (event == CTRL_CMD_NEWFAMILY || event == CTRL_CMD_DELFAMILY) msg = ctrl_build_family_msg(family, 0, 0, event);
  else if (grp) msg = ctrl_build_mcgrp_msg(family, grp, grp_id, 0, 0, event);
  else return -EINVAL;
  if (!msg) return -ENOBUFS;
  genlmsg_multicast(genl_ctrl, msg, 0, 0);
  return 0;
}

// ---- GETPOLICY --------------------------------------------------------------------------------

/** Ref: genetlink.c:struct ctrl_dump_policy_ctx */
class ctrl_dump_policy_ctx {
  state: netlink_policy_dump_state | null = null;
  rt: genl_family | null = null;
  /** The commands to describe (one with CTRL_ATTR_OP). */
  cmds: genl_cmd_halves[] = [];
  opidx: i32 = 0;
  op: u32 = 0;
  fam_id: u16 = 0;
  policies: bool = false;
  single_op: bool = false;
}

// Ref: genetlink.c:ctrl_policy_policy
const ctrl_policy_policy: nla_policy[] = ((): nla_policy[] => {
  const p = nla_policy_new(CTRL_ATTR_OP);
  p[CTRL_ATTR_FAMILY_ID] = NLA_POLICY(NLA_U16);
  p[CTRL_ATTR_FAMILY_NAME] = NLA_POLICY(NLA_NUL_STRING, <u16>(GENL_NAMSIZ - 1));
  p[CTRL_ATTR_OP] = NLA_POLICY(NLA_U32);
  return p;
})();

/** sim: The policies of a command's halves (a missing half, or a dump that skips validation, has none). */
function half_policy(op: genl_ops | null): nla_policy[] | null { return op ? op.policy : null; }

/** sim: Add a half's policy to the dump state. */
function add_half(ctx: ctrl_dump_policy_ctx, op: genl_ops | null): void {
  const p = half_policy(op);
  if (op && p) ctx.state = netlink_policy_dump_add_policy(ctx.state, p, op.maxattr);
}

/** Find the family and collect the policies to describe. Ref: genetlink.c:ctrl_dumppolicy_start (6.2+) */
function ctrl_dumppolicy_start(cb: netlink_callback): i32 {
  const info = genl_dumpit_info_of(cb);
  const ctx = new ctrl_dump_policy_ctx();
  info.ctx = ctx;
  const tb = info.attrs!;
  if (!tb[CTRL_ATTR_FAMILY_ID] && !tb[CTRL_ATTR_FAMILY_NAME]) return -EINVAL;
  if (tb[CTRL_ATTR_FAMILY_ID]) {
    ctx.fam_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
  } else {
    const rt = genl_family_find_byname(c_string_at(nla_data(tb[CTRL_ATTR_FAMILY_NAME])));
    if (!rt) return -ENOENT;
    ctx.fam_id = <u16>rt.id;
  }
  const rt = genl_family_find_byid(<i32>ctx.fam_id);
  if (!rt) return -ENOENT;
  ctx.rt = rt;
  ctx.cmds = genl_family_cmds(rt);

  if (tb[CTRL_ATTR_OP]) {
    ctx.single_op = true;
    ctx.op = nla_get_u32(tb[CTRL_ATTR_OP]);
    if (!genl_has_cmd(ctx.op, rt)) {
      NL_SET_BAD_ATTR(cb.extack, tb[CTRL_ATTR_OP]);
      return -ENOENT;
    }
    const d = genl_get_cmd(ctx.op, rt, false);
    const u = genl_get_cmd(ctx.op, rt, true);
    if (!half_policy(d) && !half_policy(u)) return -ENODATA;
    add_half(ctx, d);
    add_half(ctx, u);
    ctx.cmds = [new genl_cmd_halves(<u8>ctx.op, d, u)];
    return 0;
  }
  for (let i = 0; i < ctx.cmds.length; i++) {
    add_half(ctx, ctx.cmds[i].doit);
    add_half(ctx, ctx.cmds[i].dumpit);
  }
  if (!ctx.state) return -ENODATA;
  return 0;
}

/** Ref: genetlink.c:ctrl_dumppolicy_prep */
function ctrl_dumppolicy_prep(skb: sk_buff, cb: netlink_callback, ctx: ctrl_dump_policy_ctx): usize {
  const hdr = genlmsg_put(skb, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, genl_ctrl, NLM_F_MULTI, CTRL_CMD_GETPOLICY);
  if (!hdr) return 0;
  if (nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, ctx.fam_id)) return 0;
  return hdr;
}

/**
 * One message per command with a policy: OP_POLICY { [cmd] { DO idx, DUMP idx } }. 6.18 names
 * the inner nest after the do half's cmd, which is 0 for a dump-only command (seen on the real
 * kernel: nlctrl's own GETPOLICY is listed under 0). Ref: genetlink.c:ctrl_dumppolicy_put_op (6.2+)
 */
function ctrl_dumppolicy_put_op(skb: sk_buff, cb: netlink_callback, ctx: ctrl_dump_policy_ctx, h: genl_cmd_halves): i32 {
  const d = h.doit;
  const u = h.dumpit;
  const dp = half_policy(d);
  const up = half_policy(u);
  if (!dp && !up) return 0;
  const state = ctx.state!;
  const hdr = ctrl_dumppolicy_prep(skb, cb, ctx);
  if (!hdr) return -ENOBUFS;
  const nest_pol = nla_nest_start(skb, CTRL_ATTR_OP_POLICY);
  const nest_op = nest_pol ? nla_nest_start(skb, d ? <i32>d.cmd : 0) : 0;
  if (!nest_op ||
    (d && dp && nla_put_u32(skb, CTRL_ATTR_POLICY_DO, netlink_policy_dump_get_policy_idx(state, dp, d.maxattr))) ||
    (u && up && nla_put_u32(skb, CTRL_ATTR_POLICY_DUMP, netlink_policy_dump_get_policy_idx(state, up, u.maxattr)))) {
    genlmsg_cancel(skb, hdr);
    return -ENOBUFS;
  }
  nla_nest_end(skb, nest_op);
  nla_nest_end(skb, nest_pol);
  genlmsg_end(skb, hdr);
  return 0;
}

/** First the per-command policy indexes, then every policy entry in its own message. Ref: ctrl_dumppolicy */
function ctrl_dumppolicy(skb: sk_buff, cb: netlink_callback): i32 {
  const ctx = changetype<ctrl_dump_policy_ctx>(genl_dumpit_info_of(cb).ctx);
  if (!ctx.policies) {
    while (ctx.opidx < ctx.cmds.length) {
      if (ctrl_dumppolicy_put_op(skb, cb, ctx, ctx.cmds[ctx.opidx])) return <i32>skb.len;
      ctx.opidx++;
    }
    ctx.policies = true;
  }
  const state = ctx.state!;
  while (netlink_policy_dump_loop(state)) {
    const hdr = ctrl_dumppolicy_prep(skb, cb, ctx);
    if (!hdr) return <i32>skb.len;
    const nest = nla_nest_start(skb, CTRL_ATTR_POLICY);
    if (!nest || netlink_policy_dump_write(skb, state)) {
      genlmsg_cancel(skb, hdr);
      return <i32>skb.len;
    }
    nla_nest_end(skb, nest);
    genlmsg_end(skb, hdr);
  }
  return <i32>skb.len;
}

/**
 * Register nlctrl (id 0x10, version 2, group "notify") and create the NETLINK_GENERIC kernel
 * socket. The op table is 6.18's: GETFAMILY do is liberal, its dump strict, both with
 * ctrl_policy_family; GETPOLICY is dump-only with ctrl_policy_policy. Ref: genetlink.c:genl_init
 */
export function genl_init(): i32 {
  genl_ctrl.name = 'nlctrl';
  genl_ctrl.version = 2;
  genl_ctrl.netnsok = true;
  genl_ctrl.resv_start_op = CTRL_CMD_GETPOLICY + 1;
  const getfamily = new genl_ops();
  getfamily.cmd = CTRL_CMD_GETFAMILY;
  getfamily.validate = GENL_DONT_VALIDATE_STRICT;
  getfamily.policy = ctrl_policy_family;
  getfamily.maxattr = <u32>(ctrl_policy_family.length - 1);
  getfamily.doit = ctrl_getfamily;
  getfamily.dumpit = ctrl_dumpfamily;
  const getpolicy = new genl_ops();
  getpolicy.cmd = CTRL_CMD_GETPOLICY;
  getpolicy.policy = ctrl_policy_policy;
  getpolicy.maxattr = <u32>(ctrl_policy_policy.length - 1);
  getpolicy.start = ctrl_dumppolicy_start;
  getpolicy.dumpit = ctrl_dumppolicy;
  genl_ctrl.ops = [getfamily, getpolicy];
  genl_ctrl.mcgrps = [new genl_multicast_group('notify')];
  const err = genl_register_family(genl_ctrl);
  if (err) return err;

  const cfg = new netlink_kernel_cfg();
  cfg.input = genl_rcv;
  cfg.flags = NL_CFG_F_NONROOT_RECV;
  cfg.bind = genl_bind;
  genl_sock = netlink_kernel_create(NETLINK_GENERIC, cfg);
  if (!genl_sock) return -ENOMEM;
  // "we'll bump the group number right afterwards" (genl_pernet_init): the groups of the families
  // registered before the socket existed (LIST_MEMBERSHIPS then reports 64 bits, as on Linux).
  netlink_change_ngroups(genl_sock!, <u32>(mc_groups_longs * 64));
  return 0;
}

/** sim: a JSON string literal, for the host's view of the families. */
function json_str(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c == 0x22 || c == 0x5c) out += '\\' + String.fromCharCode(c);
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += String.fromCharCode(c);
  }
  return out + '"';
}

/**
 * sim: Every registered family as JSON, in id order: id, name, version, hdrsize, maxattr, module, ops
 * (cmd and the flags nlctrl reports), groups (name and id). For the host's state view.
 */
export function genl_families_info(): string {
  const ids = genl_fam_ids();
  let out = '[';
  for (let k = 0; k < ids.length; k++) {
    const f = genl_fam_idr.get(ids[k]);
    if (k) out += ',';
    out += '{"id":' + f.id.toString() + ',"name":' + json_str(f.name) + ',"version":' + f.version.toString() +
      ',"hdrsize":' + f.hdrsize.toString() + ',"maxattr":' + f.maxattr.toString() + ',"module":' + json_str(f.module) + ',"ops":[';
    const cmds = genl_family_cmds(f);
    for (let i = 0; i < cmds.length; i++) {
      if (i) out += ',';
      out += '{"cmd":' + cmds[i].cmd.toString() + ',"flags":' + genl_cmd_flags(cmds[i]).toString() + '}';
    }
    out += '],"groups":[';
    for (let i = 0; i < f.mcgrps.length; i++) {
      if (i) out += ',';
      out += '{"name":' + json_str(f.mcgrps[i].name) + ',"id":' + (f.mcgrp_offset + <u32>i).toString() + '}';
    }
    out += ']}';
  }
  return out + ']';
}
