// Scenario 76: a broadcast from user space skips members whose port id equals the destination's
// nl_pid (0 here): a member never bound has port id 0 and hears nothing; a member whose bind failed
// keeps the port id it asked for and hears the message.
import {
  socket,
  bind,
  setsockopt,
  sendto,
  recvfrom,
  bytes,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const at = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });

export default async function main() {
  const sender = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(sender, at(7600));

  // Two members of group 1, neither bound: one after a failed bind(7600), one never bound.
  const stale = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show("stale: bind(the sender's port)", () => bind(stale, at(7600)));
  await show('stale: join group 1', () => setsockopt(stale, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1));
  const fresh = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('fresh: join group 1', () => setsockopt(fresh, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1));

  // USERSOCK has no kernel socket at port 0, so the unicast part of the send is refused after the broadcast.
  await show('sender: sendto(group 1)', () => sendto(sender, bytes('hello group'), 0, at(0, 1)));
  await show(
    'fresh: recv',
    () => recvfrom(fresh, new Uint8Array(64), MSG_DONTWAIT),
    (r) => `${r.n} bytes`,
  );
  await show(
    'stale: recv',
    () => recvfrom(stale, new Uint8Array(64), MSG_DONTWAIT),
    (r) => `${r.n} bytes`,
  );
}

export const scenario: Scenario = {
  title: 'user broadcast to nl_pid 0 skips never-bound members (port id 0) but reaches one whose bind failed',
  expect: [
    "stale: bind(the sender's port): EADDRINUSE",
    'stale: join group 1: 0',
    'fresh: join group 1: 0',
    'sender: sendto(group 1): ECONNREFUSED',
    // netlink_sendmsg() passes dst_portid (the nl_pid of the destination, 0) to netlink_broadcast(),
    // and do_one_broadcast() skips a member with nlk->portid == that, bound or not.
    'fresh: recv: EAGAIN',
    'stale: recv: 11 bytes',
  ],
};
