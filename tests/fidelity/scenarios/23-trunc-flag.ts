// Scenario 23: with MSG_TRUNC, recv returns the datagram's real length.
import { socket, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, MSG_TRUNC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl'));
  const r = await recvfrom(fd, new Uint8Array(10), MSG_TRUNC);
  console.log('recv(10 bytes, MSG_TRUNC):', r.n);
}

export const scenario: Scenario = {
  title: 'MSG_TRUNC flag → the full length',
  expect: ['recv(10 bytes, MSG_TRUNC): 136'],
};
