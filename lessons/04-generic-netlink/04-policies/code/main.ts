/**
 * Send NLLAB_CONF's SET a series of requests, good and bad, and print what the kernel answers to
 * each: the errno and the extended ACK. Then ask nlctrl for the family's policy. This file needs
 * no change: the exercise is the policy in module.ts.
 */
import {
  insmod, setsockopt, errnoName, genl_socket, genl_ctrl_resolve, genl_ctrl_policy, genl_request, NetlinkError,
  nla, nla_string, nla_string_nonul, nla_u8, nla_u16, nla_u32, nla_flag, nla_nest,
  SOL_NETLINK, NETLINK_EXT_ACK, NL_ATTR_TYPE,
} from 'netlink-lab/user';
import nllab_conf, {
  NLLAB_CONF_C_SET, NLLAB_CONF_A_NAME, NLLAB_CONF_A_MTU, NLLAB_CONF_A_OPTS, NLLAB_CONF_OPT_VERBOSE, NLLAB_CONF_OPT_LEVEL,
} from './module.ts';

await insmod(nllab_conf);
const fd = await genl_socket();
await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
const family = await genl_ctrl_resolve(fd, 'NLLAB_CONF');
const typeName = (t: number) => Object.entries(NL_ATTR_TYPE).find(([, v]) => v === t)?.[0] ?? String(t);

/** Send SET with these attributes and print the verdict. */
async function set(label: string, attrs: Uint8Array[]): Promise<void> {
  try {
    await genl_request(fd, { family: family.id, cmd: NLLAB_CONF_C_SET, attrs });
    console.log(`${label}: ACK 0`);
  } catch (e) {
    if (!(e instanceof NetlinkError)) throw e;
    const x = e.extack;
    const parts = [x.msg && `"${x.msg}"`, x.offs !== undefined && `at byte ${x.offs}`,
      x.policy && `policy ${typeName(x.policy.type)}${x.policy.maxLength !== undefined ? ` max length ${x.policy.maxLength}` : ''}`
        + `${x.policy.minValue !== undefined ? ` range ${x.policy.minValue}..${x.policy.maxValue}` : ''}`].filter(Boolean);
    console.log(`${label}: ${errnoName(e.errno)}${parts.length ? ` (${parts.join(', ')})` : ''}`);
  }
}

const opts = (...a: Uint8Array[]) => nla_nest(NLLAB_CONF_A_OPTS, a, true);
await set('good request', [nla_string(NLLAB_CONF_A_NAME, 'eth0'), nla_u32(NLLAB_CONF_A_MTU, 1500), opts(nla_flag(NLLAB_CONF_OPT_VERBOSE), nla_u8(NLLAB_CONF_OPT_LEVEL, 3))]);
await set('name of 20 characters', [nla_string(NLLAB_CONF_A_NAME, 'a-very-long-name-x20')]);
await set('name without its NUL', [nla_string_nonul(NLLAB_CONF_A_NAME, 'eth0')]);
await set('MTU 10', [nla_u32(NLLAB_CONF_A_MTU, 10)]);
await set('MTU in 2 bytes', [nla_u16(NLLAB_CONF_A_MTU, 1500)]);
await set('level 9 in the options', [opts(nla_u8(NLLAB_CONF_OPT_LEVEL, 9))]);
await set('options without NLA_F_NESTED', [nla_nest(NLLAB_CONF_A_OPTS, [nla_u8(NLLAB_CONF_OPT_LEVEL, 3)], false)]);
await set('unknown attribute 9', [nla(9, new Uint8Array(4))]);

// What the kernel itself says about the policy: CTRL_CMD_GETPOLICY for SET.
const pol = await genl_ctrl_policy(fd, 'NLLAB_CONF', NLLAB_CONF_C_SET);
for (const [idx, table] of pol.policies) {
  for (const [type, p] of table) {
    const extra = [p.maxLength !== undefined && `max length ${p.maxLength}`, p.minValue !== undefined && `range ${p.minValue}..${p.maxValue}`,
      p.policyIdx !== undefined && `nested policy ${p.policyIdx} (maxtype ${p.policyMaxtype})`].filter(Boolean).join(', ');
    console.log(`policy ${idx} attribute ${type}: ${typeName(p.type)}${extra ? `, ${extra}` : ''}`);
  }
}
