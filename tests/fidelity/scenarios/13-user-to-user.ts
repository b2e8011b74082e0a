// Scenario 13: one user socket sends another bytes that are not netlink messages at all.
import {
  socket,
  bind,
  sendto,
  recvfrom,
  getsockname,
  bytes,
  cstring,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  const to = await getsockname(rx);
  console.log('sent:', await sendto(tx, bytes('hello, netlink!'), 0, to));
  const buf = new Uint8Array(100);
  const { n, from } = await recvfrom(rx, buf);
  console.log('received:', n, JSON.stringify(cstring(buf.subarray(0, n))));
  console.log('from the sender port:', from.nl_pid === (await getsockname(tx)).nl_pid, 'groups', from.nl_groups);
}

export const scenario: Scenario = {
  title: 'user→user unicast: raw bytes delivered; from = (sender port, 0)',
  expect: ['sent: 15', 'received: 15 "hello, netlink!"', 'from the sender port: true groups 0'],
};
