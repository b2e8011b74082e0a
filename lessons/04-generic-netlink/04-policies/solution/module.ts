/**
 * nllab_conf: a generic netlink family whose one command, SET, takes an interface-like
 * configuration — a name, an MTU and a nest of options — and does nothing with it but accept it.
 * The point is the policy: everything a request may contain is described there, and the kernel
 * refuses anything else before set_doit runs. The C twin is sandboxes/vm/modules/nllab_conf.c.
 */
import {
  genl_register_family, genl_unregister_family, NLA_NUL_STRING, NLA_U32, NLA_U8, NLA_FLAG,
  NLA_POLICY_RANGE, NLA_POLICY_MAX, NLA_POLICY_NESTED,
  type genl_family, type genl_info, type genl_policy, type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

/** Top-level attributes. */
export const NLLAB_CONF_A_NAME = 1;     // a name of at most 15 characters, NUL-terminated
export const NLLAB_CONF_A_MTU = 2;      // u32, 68 to 9000
export const NLLAB_CONF_A_OPTS = 3;     // a nest of NLLAB_CONF_OPT_*
const NLLAB_CONF_A_MAX = NLLAB_CONF_A_OPTS;

/** Attributes inside NLLAB_CONF_A_OPTS. */
export const NLLAB_CONF_OPT_VERBOSE = 1;  // a flag: present or absent
export const NLLAB_CONF_OPT_LEVEL = 2;    // u8, 0 to 7
const NLLAB_CONF_OPT_MAX = NLLAB_CONF_OPT_LEVEL;

/** Commands. */
export const NLLAB_CONF_C_SET = 1;

const opts_policy: genl_policy = {
  [NLLAB_CONF_OPT_VERBOSE]: { type: NLA_FLAG },
  [NLLAB_CONF_OPT_LEVEL]: NLA_POLICY_MAX(NLA_U8, 7),
};

const conf_policy: genl_policy = {
  [NLLAB_CONF_A_NAME]: { type: NLA_NUL_STRING, len: 15 },
  [NLLAB_CONF_A_MTU]: NLA_POLICY_RANGE(NLA_U32, 68, 9000),
  [NLLAB_CONF_A_OPTS]: NLA_POLICY_NESTED(opts_policy),
};

/** SET's doit: by the time it runs, every attribute present has passed the policy. */
function set_doit(_skb: sk_buff, _info: genl_info): number {
  return 0;
}

export const conf_family: genl_family = {
  name: 'NLLAB_CONF',
  version: 1,
  maxattr: NLLAB_CONF_A_MAX,
  policy: conf_policy,
  ops: [{ cmd: NLLAB_CONF_C_SET, doit: set_doit }],
};

const nllab_conf: KernelModule = {
  name: 'nllab_conf',
  description: 'netlink-lab: the NLLAB_CONF generic netlink family, attribute policies (lesson 4.4)',
  init: () => genl_register_family(conf_family),
  exit: () => { genl_unregister_family(conf_family); },
};
export default nllab_conf;
