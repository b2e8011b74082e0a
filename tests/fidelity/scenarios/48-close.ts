// Scenario 48: close releases the port id; a closed descriptor is EBADF.
import {
  socket,
  bind,
  close,
  sendto,
  getsockname,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  NLMSG_NOOP,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const at = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });

export default async function main() {
  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('bind(a, 5555)', () => bind(a, at(5555)));
  const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('bind(b, 5555) while a holds it', () => bind(b, at(5555)));
  await show('close(a)', () => close(a));
  await show('bind(b, 5555) after close(a)', () => bind(b, at(5555)));
  await show('sendto on the closed fd', () => sendto(a, nlmsg({ type: NLMSG_NOOP }), 0, at(5555)));
  await show(
    'getsockname on the closed fd',
    () => getsockname(a),
    (s) => String(s.nl_pid),
  );
  await show('close(a) again', () => close(a));
  const c = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  console.log('the next socket reuses the lowest free descriptor:', c === a);
}

export const scenario: Scenario = {
  title: 'close releases the port id; a closed fd → EBADF; fds are reused lowest first',
  expect: [
    'bind(a, 5555): 0',
    'bind(b, 5555) while a holds it: EADDRINUSE',
    'close(a): 0',
    'bind(b, 5555) after close(a): 0',
    'sendto on the closed fd: EBADF',
    'getsockname on the closed fd: EBADF',
    'close(a) again: EBADF',
    'the next socket reuses the lowest free descriptor: true',
  ],
};
