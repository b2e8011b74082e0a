// Scenario 37: GETFAMILY without any attribute → EINVAL (ctrl_getfamily finds neither id nor name).
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  genlmsghdr,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await toKernel(
    fd,
    nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: genlmsghdr(CTRL_CMD_GETFAMILY, 1) }),
  );
  await drain(fd);
}

export const scenario: Scenario = {
  title: 'GETFAMILY with no attributes → EINVAL',
  expect: ['recv: type=0x2 len=40 flags=0x0 error=-EINVAL', 'recv: EAGAIN'],
};
