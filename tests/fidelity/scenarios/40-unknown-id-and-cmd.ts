// Scenario 40: an unregistered family id → ENOENT; nlctrl commands it does not have (99, and
// NEWFAMILY, which only the kernel sends) → EOPNOTSUPP.
import {
  socket,
  bind,
  nlmsg,
  genlmsghdr,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_NEWFAMILY,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const cases: [string, number, number][] = [
    ['family 0x3ff', 0x3ff, 3],
    ['nlctrl cmd 99', GENL_ID_CTRL, 99],
    ['nlctrl NEWFAMILY', GENL_ID_CTRL, CTRL_CMD_NEWFAMILY],
  ];
  for (const [label, type, cmd] of cases) {
    await toKernel(fd, nlmsg({ type, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: genlmsghdr(cmd, 1) }));
    await drain(fd, label);
  }
}

export const scenario: Scenario = {
  title: 'unknown family id → ENOENT; nlctrl cmd 99 and NEWFAMILY → EOPNOTSUPP',
  expect: [
    'family 0x3ff: type=0x2 len=40 flags=0x0 error=-ENOENT',
    'family 0x3ff: EAGAIN',
    'nlctrl cmd 99: type=0x2 len=40 flags=0x0 error=-EOPNOTSUPP',
    'nlctrl cmd 99: EAGAIN',
    'nlctrl NEWFAMILY: type=0x2 len=40 flags=0x0 error=-EOPNOTSUPP',
    'nlctrl NEWFAMILY: EAGAIN',
  ],
};
