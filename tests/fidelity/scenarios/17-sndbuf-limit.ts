// Scenario 17: a datagram must fit in the send buffer minus 32 bytes.
import {
  socket,
  setsockopt,
  getsockopt,
  sendto,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SO_SNDBUF,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 0);
  const sndbuf = (await getsockopt(fd, SOL_SOCKET, SO_SNDBUF)) as number;
  console.log('SO_SNDBUF after setting 0:', sndbuf);
  // Zero bytes: nlmsg_len 0 < 16, so the kernel drops the datagram silently after accepting it.
  await show('send sndbuf - 32 bytes', () => sendto(fd, new Uint8Array(sndbuf - 32), 0, KERNEL));
  await show('send sndbuf - 31 bytes', () => sendto(fd, new Uint8Array(sndbuf - 31), 0, KERNEL));
}

export const scenario: Scenario = {
  title: 'SO_SNDBUF 0 (→ 4608): sndbuf − 32 bytes pass, sndbuf − 31 → EMSGSIZE',
  expect: ['SO_SNDBUF after setting 0: 4608', 'send sndbuf - 32 bytes: 4576', 'send sndbuf - 31 bytes: EMSGSIZE'],
};
