// Scenario 14: a socket connected to one peer refuses datagrams from any other.
import {
  socket,
  bind,
  connect,
  sendto,
  getsockname,
  bytes,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const open = async () => {
    const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
    await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
    return fd;
  };
  const rx = await open();
  const friend = await open();
  const stranger = await open();
  await connect(rx, await getsockname(friend));
  const to = await getsockname(rx);
  await show('stranger → receiver', () => sendto(stranger, bytes('hi'), 0, to));
  await show('friend → receiver', () => sendto(friend, bytes('hi'), 0, to));
}

export const scenario: Scenario = {
  title: 'receiver connected to someone else → ECONNREFUSED',
  expect: ['stranger → receiver: ECONNREFUSED', 'friend → receiver: 2'],
};
