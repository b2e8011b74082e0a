// Scenario 33: NLMSG_NOOP is a control message: ACKed on request, otherwise ignored.
import {
  socket,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 }));
  await drain(fd, 'NOOP with ACK');
  await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST, seq: 2 }));
  await drain(fd, 'NOOP without ACK');
}

export const scenario: Scenario = {
  title: 'NLMSG_NOOP with ACK → ACK 0; without → silence',
  expect: ['NOOP with ACK: type=0x2 len=36 flags=0x100 error=0', 'NOOP with ACK: EAGAIN', 'NOOP without ACK: EAGAIN'],
};
