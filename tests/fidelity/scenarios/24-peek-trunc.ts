// Scenario 24: peeking with a zero-length buffer tells the size and leaves the datagram queued.
import { socket, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, MSG_TRUNC, MSG_PEEK } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl'));
  const empty = new Uint8Array(0);
  console.log('peek 1:', (await recvfrom(fd, empty, MSG_PEEK | MSG_TRUNC)).n);
  console.log('peek 2:', (await recvfrom(fd, empty, MSG_PEEK | MSG_TRUNC)).n);
  const buf = new Uint8Array(4096);
  console.log('then recv:', (await recvfrom(fd, buf)).n);
}

export const scenario: Scenario = {
  title: 'recv(0, MSG_PEEK|MSG_TRUNC) twice → full length both times, still queued',
  expect: ['peek 1: 136', 'peek 2: 136', 'then recv: 136'],
};
