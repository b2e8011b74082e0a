// Scenario 38: a family name without its NUL, and one of 20 characters, fail ctrl_policy_family
// (NLA_NUL_STRING, max 15): EINVAL with the extended ACK's MSG, OFFS and POLICY nest.
import {
  socket,
  bind,
  setsockopt,
  recvfrom,
  nlmsg,
  genlmsghdr,
  nla_string,
  nla_string_nonul,
  parseNlmsgs,
  parseNlmsgerr,
  parseExtAck,
  hex,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  const cases: [string, Uint8Array][] = [
    ['no NUL', nla_string_nonul(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
    ['20 characters', nla_string(CTRL_ATTR_FAMILY_NAME, 'abcdefghijklmnopqrst')],
    ['15 characters', nla_string(CTRL_ATTR_FAMILY_NAME, 'abcdefghijklmno')],
  ];
  for (const [label, attr] of cases) {
    await toKernel(
      fd,
      nlmsg({
        type: GENL_ID_CTRL,
        flags: NLM_F_REQUEST | NLM_F_ACK,
        seq: 1,
        payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), attr],
      }),
    );
    const buf = new Uint8Array(4096);
    const { n } = await recvfrom(fd, buf);
    const [m] = parseNlmsgs(buf.subarray(0, n));
    const e = parseNlmsgerr(m)!;
    const x = parseExtAck(e.tlvs);
    const pol = e.tlvs.find((t) => t.type === 4);
    console.log(
      `${label}: len ${m.nlmsg_len} flags 0x${m.nlmsg_flags.toString(16)} error ${e.error} msg "${x.msg ?? ''}" offs ${x.offs ?? '-'} policy ${pol ? `${pol.nested ? 'nested ' : ''}${hex(pol.payload)}` : '-'}`,
    );
  }
}

export const scenario: Scenario = {
  title: 'name without NUL, and a 20-character name → EINVAL with the extack MSG, OFFS and POLICY nest',
  expect: [
    'no NUL: len 120 flags 0x200 error -22 msg "Attribute failed policy validation" offs 20 policy nested 080007000f000000080001000c000000',
    '20 characters: len 136 flags 0x200 error -22 msg "Attribute failed policy validation" offs 20 policy nested 080007000f000000080001000c000000',
    '15 characters: len 60 flags 0x0 error -2 msg "" offs - policy -',
  ],
};
