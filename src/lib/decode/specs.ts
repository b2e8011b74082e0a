/**
 * What the attributes of the families the decoder knows mean: a small schema per attribute set,
 * after the YAML specs in Documentation/netlink/specs/ (nlctrl.yaml, rt_link.yaml).
 */
import * as U from '../../api/uapi.ts';

/** How an attribute's payload is read. `nest-array` holds nests numbered 1, 2, … of `nested`; `auto` is read by its size. */
export type AttrType = 'u8' | 'u16' | 'u32' | 'u64' | 's32' | 's64' | 'string' | 'flag' | 'binary' | 'nest' | 'nest-array' | 'auto';

/** One attribute type of a set. */
export interface AttrSpec {
  name: string;
  type: AttrType;
  /** The attribute set inside a nest. */
  nested?: AttrSet;
  /** Names of the values of a number (an enum). */
  values?: Record<number, string>;
}

/** Attribute specs by attribute type. */
export type AttrSet = Record<number, AttrSpec>;

/** A generic netlink family as the decoder knows it. */
export interface GenlFamilySpec {
  id: number;
  name: string;
  /** Command names by number. */
  cmds?: Record<number, string>;
  /** The family's top-level attributes. */
  attrs?: AttrSet;
  /** Bytes of the family's own header after genlmsghdr (genl_family.hdrsize). */
  hdrsize?: number;
}

/** enum netlink_attribute_type: the types a policy dump and extended ACK name. */
const NL_ATTR_TYPE: Record<number, string> = {
  0: 'INVALID', 1: 'FLAG', 2: 'U8', 3: 'U16', 4: 'U32', 5: 'U64', 6: 'S8', 7: 'S16', 8: 'S32', 9: 'S64',
  10: 'BINARY', 11: 'STRING', 12: 'NUL_STRING', 13: 'NESTED', 14: 'NESTED_ARRAY', 15: 'BITFIELD32', 16: 'SINT', 17: 'UINT',
};

/** enum netlink_policy_type_attr: one attribute's policy. */
export const POLICY_ATTRS: AttrSet = {
  1: { name: 'NL_POLICY_TYPE_ATTR_TYPE', type: 'u32', values: Object.fromEntries(Object.entries(NL_ATTR_TYPE).map(([k, v]) => [k, `NL_ATTR_TYPE_${v}`])) },
  2: { name: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_S', type: 's64' },
  3: { name: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_S', type: 's64' },
  4: { name: 'NL_POLICY_TYPE_ATTR_MIN_VALUE_U', type: 'u64' },
  5: { name: 'NL_POLICY_TYPE_ATTR_MAX_VALUE_U', type: 'u64' },
  6: { name: 'NL_POLICY_TYPE_ATTR_MIN_LENGTH', type: 'u32' },
  7: { name: 'NL_POLICY_TYPE_ATTR_MAX_LENGTH', type: 'u32' },
  8: { name: 'NL_POLICY_TYPE_ATTR_POLICY_IDX', type: 'u32' },
  9: { name: 'NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE', type: 'u32' },
  10: { name: 'NL_POLICY_TYPE_ATTR_BITFIELD32_MASK', type: 'u32' },
  11: { name: 'NL_POLICY_TYPE_ATTR_PAD', type: 'binary' },
  12: { name: 'NL_POLICY_TYPE_ATTR_MASK', type: 'u64' },
};

/** enum nlmsgerr_attrs: the extended ACK's TLVs after struct nlmsgerr. */
export const NLMSGERR_ATTRS: AttrSet = {
  [U.NLMSGERR_ATTR_MSG]: { name: 'NLMSGERR_ATTR_MSG', type: 'string' },
  [U.NLMSGERR_ATTR_OFFS]: { name: 'NLMSGERR_ATTR_OFFS', type: 'u32' },
  [U.NLMSGERR_ATTR_COOKIE]: { name: 'NLMSGERR_ATTR_COOKIE', type: 'binary' },
  [U.NLMSGERR_ATTR_POLICY]: { name: 'NLMSGERR_ATTR_POLICY', type: 'nest', nested: POLICY_ATTRS },
  [U.NLMSGERR_ATTR_MISS_TYPE]: { name: 'NLMSGERR_ATTR_MISS_TYPE', type: 'u32' },
  [U.NLMSGERR_ATTR_MISS_NEST]: { name: 'NLMSGERR_ATTR_MISS_NEST', type: 'u32' },
};

const CTRL_OP: AttrSet = {
  [U.CTRL_ATTR_OP_ID]: { name: 'CTRL_ATTR_OP_ID', type: 'u32' },
  [U.CTRL_ATTR_OP_FLAGS]: { name: 'CTRL_ATTR_OP_FLAGS', type: 'u32' },
};
const CTRL_MCAST_GRP: AttrSet = {
  [U.CTRL_ATTR_MCAST_GRP_NAME]: { name: 'CTRL_ATTR_MCAST_GRP_NAME', type: 'string' },
  [U.CTRL_ATTR_MCAST_GRP_ID]: { name: 'CTRL_ATTR_MCAST_GRP_ID', type: 'u32' },
};

/** nlctrl, the generic netlink controller (GENL_ID_CTRL = 0x10), which every kernel has. */
export const NLCTRL: GenlFamilySpec = {
  id: U.GENL_ID_CTRL,
  name: 'nlctrl',
  cmds: {
    [U.CTRL_CMD_UNSPEC]: 'CTRL_CMD_UNSPEC', [U.CTRL_CMD_NEWFAMILY]: 'CTRL_CMD_NEWFAMILY', [U.CTRL_CMD_DELFAMILY]: 'CTRL_CMD_DELFAMILY',
    [U.CTRL_CMD_GETFAMILY]: 'CTRL_CMD_GETFAMILY', [U.CTRL_CMD_NEWOPS]: 'CTRL_CMD_NEWOPS', [U.CTRL_CMD_DELOPS]: 'CTRL_CMD_DELOPS',
    [U.CTRL_CMD_GETOPS]: 'CTRL_CMD_GETOPS', [U.CTRL_CMD_NEWMCAST_GRP]: 'CTRL_CMD_NEWMCAST_GRP',
    [U.CTRL_CMD_DELMCAST_GRP]: 'CTRL_CMD_DELMCAST_GRP', [U.CTRL_CMD_GETMCAST_GRP]: 'CTRL_CMD_GETMCAST_GRP',
    [U.CTRL_CMD_GETPOLICY]: 'CTRL_CMD_GETPOLICY',
  },
  attrs: {
    [U.CTRL_ATTR_FAMILY_ID]: { name: 'CTRL_ATTR_FAMILY_ID', type: 'u16' },
    [U.CTRL_ATTR_FAMILY_NAME]: { name: 'CTRL_ATTR_FAMILY_NAME', type: 'string' },
    [U.CTRL_ATTR_VERSION]: { name: 'CTRL_ATTR_VERSION', type: 'u32' },
    [U.CTRL_ATTR_HDRSIZE]: { name: 'CTRL_ATTR_HDRSIZE', type: 'u32' },
    [U.CTRL_ATTR_MAXATTR]: { name: 'CTRL_ATTR_MAXATTR', type: 'u32' },
    [U.CTRL_ATTR_OPS]: { name: 'CTRL_ATTR_OPS', type: 'nest-array', nested: CTRL_OP },
    [U.CTRL_ATTR_MCAST_GROUPS]: { name: 'CTRL_ATTR_MCAST_GROUPS', type: 'nest-array', nested: CTRL_MCAST_GRP },
    [U.CTRL_ATTR_POLICY]: { name: 'CTRL_ATTR_POLICY', type: 'binary' },
    [U.CTRL_ATTR_OP_POLICY]: { name: 'CTRL_ATTR_OP_POLICY', type: 'binary' },
    [U.CTRL_ATTR_OP]: { name: 'CTRL_ATTR_OP', type: 'u32' },
  },
};

/** enum IFLA_*: the link attributes of RTM_NEWLINK (the ones the course meets). */
export const IFLA_ATTRS: AttrSet = {
  1: { name: 'IFLA_ADDRESS', type: 'binary' },
  2: { name: 'IFLA_BROADCAST', type: 'binary' },
  3: { name: 'IFLA_IFNAME', type: 'string' },
  4: { name: 'IFLA_MTU', type: 'u32' },
  5: { name: 'IFLA_LINK', type: 'u32' },
  6: { name: 'IFLA_QDISC', type: 'string' },
  7: { name: 'IFLA_STATS', type: 'binary' },
  13: { name: 'IFLA_TXQLEN', type: 'u32' },
  16: { name: 'IFLA_OPERSTATE', type: 'u8', values: { 0: 'UNKNOWN', 1: 'NOTPRESENT', 2: 'DOWN', 3: 'LOWERLAYERDOWN', 4: 'TESTING', 5: 'DORMANT', 6: 'UP' } },
  17: { name: 'IFLA_LINKMODE', type: 'u8' },
  23: { name: 'IFLA_STATS64', type: 'binary' },
  27: { name: 'IFLA_GROUP', type: 'u32' },
  29: { name: 'IFLA_EXT_MASK', type: 'u32' },
  30: { name: 'IFLA_PROMISCUITY', type: 'u32' },
  31: { name: 'IFLA_NUM_TX_QUEUES', type: 'u32' },
  32: { name: 'IFLA_NUM_RX_QUEUES', type: 'u32' },
  33: { name: 'IFLA_CARRIER', type: 'u8' },
  35: { name: 'IFLA_CARRIER_CHANGES', type: 'u32' },
  41: { name: 'IFLA_GSO_MAX_SEGS', type: 'u32' },
  40: { name: 'IFLA_GSO_MAX_SIZE', type: 'u32' },
  50: { name: 'IFLA_MIN_MTU', type: 'u32' },
  51: { name: 'IFLA_MAX_MTU', type: 'u32' },
};

/**
 * The course's own generic netlink families, whose ids the kernel allocates at registration: their
 * names for commands and attributes, as a YNL spec would give them (the kernel itself knows only
 * numbers). Source of truth: sandboxes/sim/modules/*.ts, the lessons' module.ts and sandboxes/vm/modules/*.c.
 */
export const COURSE_FAMILIES: Record<string, Omit<GenlFamilySpec, 'id' | 'name'>> = {
  DOC_EXMPL: {
    cmds: { 1: 'DOC_EXMPL_C_ECHO' },
    attrs: { 1: { name: 'DOC_EXMPL_A_MSG', type: 'string' } },
  },
  NLLAB_KV: {
    cmds: { 1: 'NLLAB_KV_C_SET', 2: 'NLLAB_KV_C_GET', 3: 'NLLAB_KV_C_DEL', 4: 'NLLAB_KV_C_NEWENTRY', 5: 'NLLAB_KV_C_DELENTRY' },
    attrs: {
      1: {
        name: 'NLLAB_KV_A_ENTRY', type: 'nest',
        nested: { 1: { name: 'NLLAB_KV_E_KEY', type: 'string' }, 2: { name: 'NLLAB_KV_E_VALUE', type: 'u32' } },
      },
      2: { name: 'NLLAB_KV_A_COUNT', type: 'u32' },
    },
  },
  NLLAB_GREET: {
    cmds: { 1: 'NLLAB_GREET_C_GREET' },
    attrs: {
      1: { name: 'NLLAB_GREET_A_NAME', type: 'string' },
      2: { name: 'NLLAB_GREET_A_TEXT', type: 'string' },
      3: { name: 'NLLAB_GREET_A_COUNT', type: 'u32' },
    },
  },
  NLLAB_CONF: {
    cmds: { 1: 'NLLAB_CONF_C_SET' },
    attrs: {
      1: { name: 'NLLAB_CONF_A_NAME', type: 'string' },
      2: { name: 'NLLAB_CONF_A_MTU', type: 'u32' },
      3: {
        name: 'NLLAB_CONF_A_OPTS', type: 'nest',
        nested: { 1: { name: 'NLLAB_CONF_OPT_VERBOSE', type: 'flag' }, 2: { name: 'NLLAB_CONF_OPT_LEVEL', type: 'u8' } },
      },
    },
  },
  NLLAB_TABLE: {
    cmds: { 1: 'NLLAB_TABLE_C_GET' },
    attrs: {
      1: { name: 'NLLAB_TABLE_A_ID', type: 'u32' },
      2: { name: 'NLLAB_TABLE_A_NAME', type: 'string' },
      3: { name: 'NLLAB_TABLE_A_VALUE', type: 'u32' },
    },
  },
  NLLAB_COUNTER: {
    cmds: { 1: 'NLLAB_COUNTER_C_GET', 2: 'NLLAB_COUNTER_C_ADD', 3: 'NLLAB_COUNTER_C_RESET' },
    attrs: {
      1: { name: 'NLLAB_COUNTER_A_VALUE', type: 'u32' },
      2: { name: 'NLLAB_COUNTER_A_DELTA', type: 'u32' },
    },
  },
};

/** A family by the id the kernel gave it and its name, with the names the decoder knows for it. */
export function genlFamilySpec(id: number, name: string, hdrsize?: number): GenlFamilySpec {
  return { ...COURSE_FAMILIES[name], id, name, ...(hdrsize ? { hdrsize } : {}) };
}
