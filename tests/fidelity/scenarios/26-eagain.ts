// Scenario 26: a non-blocking recv on an empty queue.
import {
  socket,
  recvfrom,
  read,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  MSG_DONTWAIT,
  SOCK_NONBLOCK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show(
    'recvfrom(MSG_DONTWAIT)',
    () => recvfrom(fd, new Uint8Array(64), MSG_DONTWAIT),
    (r) => String(r.n),
  );
  const nb = await socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_ROUTE);
  await show('read(SOCK_NONBLOCK socket)', () => read(nb, new Uint8Array(64)));
}

export const scenario: Scenario = {
  title: 'empty queue with MSG_DONTWAIT → EAGAIN',
  expect: ['recvfrom(MSG_DONTWAIT): EAGAIN', 'read(SOCK_NONBLOCK socket): EAGAIN'],
};
