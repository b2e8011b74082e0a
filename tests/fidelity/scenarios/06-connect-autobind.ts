// Scenario 6: connect to the kernel binds the socket but leaves the peer at (0, 0).
import {
  socket,
  connect,
  getsockname,
  getpeername,
  getpid,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('connect((0, 0))', () => connect(fd, KERNEL));
  console.log('port == getpid():', (await getsockname(fd)).nl_pid === getpid());
  const peer = await getpeername(fd);
  console.log('peer:', peer.nl_pid, peer.nl_groups);
}

export const scenario: Scenario = {
  title: 'connect((0, 0)) autobinds; peer stays (0, 0)',
  expect: ['connect((0, 0)): 0', 'port == getpid(): true', 'peer: 0 0'],
};
