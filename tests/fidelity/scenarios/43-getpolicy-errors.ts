// Scenario 43: CTRL_CMD_GETPOLICY is dump-only: without NLM_F_DUMP → EOPNOTSUPP; a dump naming no
// family → EINVAL; an unknown family → ENOENT; an unknown op → ENOENT with OFFS at CTRL_ATTR_OP.
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  genlmsghdr,
  nla_string,
  nla_u32,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  GENL_ID_CTRL,
  CTRL_CMD_GETPOLICY,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_OP,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  const req = (flags: number, attrs: Uint8Array[]) =>
    nlmsg({ type: GENL_ID_CTRL, flags, seq: 1, payload: [genlmsghdr(CTRL_CMD_GETPOLICY, 1), ...attrs] });
  const cases: [string, Uint8Array][] = [
    ['without DUMP', req(NLM_F_REQUEST | NLM_F_ACK, [nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')])],
    ['dump, no family', req(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, [])],
    ['dump, unknown family', req(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, [nla_string(CTRL_ATTR_FAMILY_NAME, 'zz')])],
    [
      'dump, unknown op',
      req(NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, [
        nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl'),
        nla_u32(CTRL_ATTR_OP, 99),
      ]),
    ],
  ];
  for (const [label, m] of cases) {
    await toKernel(fd, m);
    await drain(fd, label);
  }
}

export const scenario: Scenario = {
  title: 'GETPOLICY without DUMP → EOPNOTSUPP; GETPOLICY dump without a family → EINVAL',
  expect: [
    'without DUMP: type=0x2 len=52 flags=0x0 error=-EOPNOTSUPP',
    'without DUMP: EAGAIN',
    'dump, no family: type=0x2 len=40 flags=0x0 error=-EINVAL',
    'dump, no family: EAGAIN',
    'dump, unknown family: type=0x2 len=48 flags=0x0 error=-ENOENT',
    'dump, unknown family: EAGAIN',
    'dump, unknown op: type=0x2 len=68 flags=0x200 error=-ENOENT',
    'dump, unknown op: EAGAIN',
  ],
};
