// Scenario 11: connect checks the family and length; AF_UNSPEC disconnects.
import {
  socket,
  connect,
  getpeername,
  sockaddr_nl,
  AF_NETLINK,
  AF_INET,
  AF_UNSPEC,
  SOCK_RAW,
  NETLINK_USERSOCK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('connect, family AF_INET', () => connect(fd, sockaddr_nl({ nl_family: AF_INET, nl_pid: 7000 })));
  await show('connect, addrlen 4', () => connect(fd, sockaddr_nl({ nl_pid: 7000 }).subarray(0, 4)));
  await show('connect(7000)', () => connect(fd, { nl_family: AF_NETLINK, nl_pid: 7000, nl_groups: 0 }));
  console.log('peer:', (await getpeername(fd)).nl_pid);
  await show('connect, AF_UNSPEC', () => connect(fd, sockaddr_nl({ nl_family: AF_UNSPEC })));
  console.log('peer after AF_UNSPEC:', (await getpeername(fd)).nl_pid);
}

export const scenario: Scenario = {
  title: 'connect with AF_INET or addrlen 4 → EINVAL; AF_UNSPEC → 0 and disconnects',
  expect: [
    'connect, family AF_INET: EINVAL',
    'connect, addrlen 4: EINVAL',
    'connect(7000): 0',
    'peer: 7000',
    'connect, AF_UNSPEC: 0',
    'peer after AF_UNSPEC: 0',
  ],
};
