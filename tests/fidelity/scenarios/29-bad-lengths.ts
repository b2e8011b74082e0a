// Scenario 29: malformed datagrams are accepted by send and silently dropped by the kernel.
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
import { drain, show, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const flags = NLM_F_REQUEST | NLM_F_ACK;
  await show('nlmsg_len 12 in a 16-byte datagram', () =>
    toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags, seq: 1, len: 12 })),
  );
  await show('nlmsg_len 100 in a 16-byte datagram', () =>
    toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags, seq: 2, len: 100 })),
  );
  await show('an 8-byte datagram', () => toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags, seq: 3 }).subarray(0, 8)));
  await drain(fd);
}

export const scenario: Scenario = {
  title: 'nlmsg_len < 16, nlmsg_len larger than the datagram, an 8-byte datagram → no reply at all',
  expect: [
    'nlmsg_len 12 in a 16-byte datagram: 16',
    'nlmsg_len 100 in a 16-byte datagram: 16',
    'an 8-byte datagram: 8',
    'recv: EAGAIN',
  ],
};
