// Scenario 30: each message of a datagram gets its own answers, in order.
import { socket, concat, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, concat(getfamily('nlctrl', undefined, 1), getfamily('no-such-family', undefined, 2)));
  await drain(fd);
}

export const scenario: Scenario = {
  title: 'good + bad message in one datagram → reply, ACK, then the error for the second',
  expect: [
    'recv: type=0x10 len=136 flags=0x0',
    'recv: type=0x2 len=36 flags=0x100 error=0',
    'recv: type=0x2 len=60 flags=0x0 error=-ENOENT',
    'recv: EAGAIN',
  ],
  streams: true,
};
