/**
 * Generic netlink families for the simulated kernel whose policies copy real families of this
 * machine's kernel (as their GETPOLICY dumps describe them), so the same malformed request can be
 * sent to both kernels and the answers compared. Only validation is under test: the handlers do
 * the little the real ones do before their first observable answer, and say so.
 */
import {
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLA_S32,
  NLA_BE32,
  NLA_UINT,
  NLA_NESTED,
  NLA_POLICY_MIN,
  NLA_POLICY_MASK,
  NLA_POLICY_EXACT_LEN,
  GENL_DONT_VALIDATE_STRICT,
  GENL_DONT_VALIDATE_DUMP,
  GENL_UNS_ADMIN_PERM,
  GENL_ADMIN_PERM,
  NLA_STRING,
  GENL_REQ_ATTR_CHECK,
  NL_SET_ERR_MSG_ATTR,
  genl_register_family,
  genl_unregister_family,
  type genl_family,
  type genl_policy,
} from '../../src/api/genl-kernel.ts';
import type { KernelModule } from '../../src/api/types.ts';

/**
 * netdev's NETDEV_CMD_DEV_GET (cmd 1): a new-style family (strict validation, header check) with
 * split ops: the do half has the policy { NETDEV_A_DEV_IFINDEX (1): NLA_U32, min 1 }, the dump
 * half none (so genl gives it the reject-all policy). The real doit answers -ENODEV for an ifindex
 * with no device, and GENL_REQ_ATTR_CHECK's MISS_TYPE when the attribute is missing.
 * And NETDEV_CMD_QSTATS_GET (cmd 12), dump only: { IFINDEX (1): U32 min 1, SCOPE (4): NLA_UINT
 * with mask 1 } — a 6.6+ type (4 or 8 bytes) with a mask; its dump itself is not mirrored.
 */
export const netdevLike: genl_family = {
  name: 'MIRROR_NETDEV',
  version: 1,
  split_ops: [
    {
      cmd: 1,
      policy: { 1: NLA_POLICY_MIN(NLA_U32, 1) },
      maxattr: 1,
      doit: (_skb, info) => (GENL_REQ_ATTR_CHECK(info, 1) ? -22 : -19),
    },
    {
      cmd: 1,
      dumpit: () => 0,
    },
    {
      cmd: 12,
      policy: { 1: NLA_POLICY_MIN(NLA_U32, 1), 4: NLA_POLICY_MASK(NLA_UINT, 1) },
      maxattr: 4,
      dumpit: () => 0,
    },
  ],
};

/**
 * tcp_metrics' TCP_METRICS_CMD_GET (cmd 1, legacy: liberal validation): policy of maxattr 13 with
 * ADDR_IPV4 (1) and SADDR_IPV4 (11) NLA_U32, ADDR_IPV6 (2) and SADDR_IPV6 (12) exactly 16 bytes.
 * The real doit answers -EAFNOSUPPORT without an address and -ESRCH when no metrics exist.
 */
const tcpmPolicy: genl_policy = {
  1: { type: NLA_U32 },
  2: NLA_POLICY_EXACT_LEN(16),
  11: { type: NLA_U32 },
  12: NLA_POLICY_EXACT_LEN(16),
};
export const tcpMetricsLike: genl_family = {
  name: 'MIRROR_TCPM',
  version: 1,
  maxattr: 13,
  policy: tcpmPolicy,
  resv_start_op: 3,
  ops: [
    {
      cmd: 1,
      validate: GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP,
      doit: (_skb, info) => (info.attrs[1] || info.attrs[2] ? -3 : -97),
    },
  ],
};

/**
 * mptcp_pm's MPTCP_PM_CMD_ADD_ADDR (cmd 1, legacy, GENL_UNS_ADMIN_PERM): { ADDR (1): NLA_NESTED
 * of the address policy { FAMILY u16, ID u8, ADDR4 be32 (a type policy dumps do not describe),
 * ADDR6 16 bytes, PORT u16, FLAGS u32, IF_IDX s32 } }.
 * The real doit fails with "missing family" at the ADDR attribute when the nest has no FAMILY.
 */
const mptcpAddr: genl_policy = {
  1: { type: NLA_U16 },
  2: { type: NLA_U8 },
  3: { type: NLA_BE32 },
  4: NLA_POLICY_EXACT_LEN(16),
  5: { type: NLA_U16 },
  6: { type: NLA_U32 },
  7: { type: NLA_S32 },
};
export const mptcpLike: genl_family = {
  name: 'MIRROR_MPTCP',
  version: 1,
  maxattr: 1,
  policy: { 1: { type: NLA_NESTED, nested_policy: mptcpAddr } },
  resv_start_op: 12,
  ops: [
    {
      cmd: 1,
      flags: GENL_UNS_ADMIN_PERM,
      validate: GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP,
      doit: (_skb, info) => {
        NL_SET_ERR_MSG_ATTR(info.extack, info.attrs[1], 'missing family');
        return -22;
      },
    },
  ],
};

/**
 * TASKSTATS' TASKSTATS_CMD_GET (cmd 1, GENL_ADMIN_PERM) and CGROUPSTATS_CMD_GET (cmd 4): legacy,
 * liberal. Only the permission check is compared (as uid 65534): the real doit needs a task.
 */
export const taskstatsLike: genl_family = {
  name: 'MIRROR_TSTATS',
  version: 1,
  resv_start_op: 5,
  ops: [
    {
      cmd: 1,
      flags: GENL_ADMIN_PERM,
      validate: GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP,
      maxattr: 4,
      policy: { 1: { type: NLA_U32 }, 2: { type: NLA_U32 }, 3: { type: NLA_STRING }, 4: { type: NLA_STRING } },
      doit: () => -22,
    },
    {
      cmd: 4,
      validate: GENL_DONT_VALIDATE_STRICT | GENL_DONT_VALIDATE_DUMP,
      maxattr: 1,
      policy: { 1: { type: NLA_U32 } },
      doit: () => -22,
    },
  ],
};

const ALL = [netdevLike, tcpMetricsLike, mptcpLike, taskstatsLike];

/** A module registering the mirrors. */
export const mirrors: KernelModule = {
  name: 'genl_mirrors',
  init: () => {
    for (const f of ALL) {
      const err = genl_register_family(f);
      if (err) return err;
    }
    return 0;
  },
  exit: () => {
    for (const f of ALL) genl_unregister_family(f);
  },
};
