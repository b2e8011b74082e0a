// Scenario 22: a buffer smaller than the datagram gets its start; the rest is lost.
import { socket, recvmsg, recvfrom, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, MSG_TRUNC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl'));
  const small = new Uint8Array(10);
  const r = await recvmsg(fd, { msg_iov: [small] });
  console.log('recvmsg into 10 bytes:', r.n, 'MSG_TRUNC set:', (r.msg_flags & MSG_TRUNC) !== 0);
  const buf = new Uint8Array(4096);
  const next = await recvfrom(fd, buf);
  console.log('next datagram:', describe(buf.subarray(0, next.n)).join('; '));
}

export const scenario: Scenario = {
  title: '10-byte buffer on a 136-byte reply → 10, MSG_TRUNC, rest lost',
  expect: ['recvmsg into 10 bytes: 10 MSG_TRUNC set: true', 'next datagram: type=0x2 len=36 flags=0x100 error=0'],
};
