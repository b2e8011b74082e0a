// Scenario 25: a zero-length recv without flags consumes the datagram.
import { socket, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl'));
  console.log('recv(0 bytes):', (await recvfrom(fd, new Uint8Array(0))).n);
  const buf = new Uint8Array(4096);
  const r = await recvfrom(fd, buf);
  console.log('next:', describe(buf.subarray(0, r.n)).join('; '));
}

export const scenario: Scenario = {
  title: 'recv(0, 0) → 0 and the datagram is consumed',
  expect: ['recv(0 bytes): 0', 'next: type=0x2 len=36 flags=0x100 error=0'],
};
