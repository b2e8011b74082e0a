// Scenario 39: a generic netlink message whose payload is shorter than struct genlmsghdr → EINVAL.
import {
  socket,
  bind,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await toKernel(fd, nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 }));
  await drain(fd, '0 bytes');
  await toKernel(
    fd,
    nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 2, payload: new Uint8Array([3, 1]) }),
  );
  await drain(fd, '2 bytes');
}

export const scenario: Scenario = {
  title: 'genl payload of 0 or 2 bytes → EINVAL',
  expect: [
    '0 bytes: type=0x2 len=36 flags=0x0 error=-EINVAL',
    '0 bytes: EAGAIN',
    '2 bytes: type=0x2 len=40 flags=0x0 error=-EINVAL',
    '2 bytes: EAGAIN',
  ],
};
