// Scenario 3: an unbound socket has no address and no peer.
import {
  socket,
  getsockname,
  getpeername,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  type SockaddrNl,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const fmt = (a: SockaddrNl) => `family=${a.nl_family} pid=${a.nl_pid} groups=${a.nl_groups}`;

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('getsockname', () => getsockname(fd), fmt);
  await show('getpeername', () => getpeername(fd), fmt);
}

export const scenario: Scenario = {
  title: 'unbound getsockname / getpeername → (0, 0)',
  expect: ['getsockname: family=16 pid=0 groups=0', 'getpeername: family=16 pid=0 groups=0'],
};
