// Scenario 54: recvmsg scatters one datagram over its iovecs, in order, and MSG_TRUNC counts them all.
import {
  socket,
  recvmsg,
  u16,
  u32,
  hex,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  MSG_TRUNC,
  NLMSG_HDRLEN,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl'));
  const header = new Uint8Array(NLMSG_HDRLEN);
  const genl = new Uint8Array(4);
  const rest = new Uint8Array(512);
  const r = await recvmsg(fd, { msg_iov: [header, genl, rest] });
  console.log(
    `reply: ${r.n} bytes; iovec 1 holds the header: len ${u32(header, 0)} type 0x${u16(header, 4).toString(16)}; iovec 2 the genlmsghdr: ${hex(genl)}; iovec 3 starts ${hex(rest.subarray(0, 4))}`,
  );
  // Two 8-byte iovecs for a 36-byte ACK: 16 bytes land, the rest is cut off.
  const a = new Uint8Array(8);
  const b = new Uint8Array(8);
  const ack = await recvmsg(fd, { msg_iov: [a, b] });
  console.log(
    `ACK into 8 + 8 bytes: returned ${ack.n}, MSG_TRUNC ${(ack.msg_flags & MSG_TRUNC) !== 0}, second iovec starts with the seq: ${hex(b.subarray(0, 4))}`,
  );
}

export const scenario: Scenario = {
  title: 'recvmsg scatters a datagram over its iovecs in order; too little room → MSG_TRUNC',
  expect: [
    'reply: 136 bytes; iovec 1 holds the header: len 136 type 0x10; iovec 2 the genlmsghdr: 01020000; iovec 3 starts 0b000200',
    'ACK into 8 + 8 bytes: returned 16, MSG_TRUNC true, second iovec starts with the seq: 01000000',
  ],
};
