// Scenario 12: unicast to a port nobody bound is refused.
import {
  socket,
  sendto,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLMSG_NOOP,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const msg = nlmsg({ type: NLMSG_NOOP });
  const r = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('ROUTE sendto(port 77777)', () =>
    sendto(r, msg, 0, { nl_family: AF_NETLINK, nl_pid: 77777, nl_groups: 0 }),
  );
  const u = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('USERSOCK sendto(port 77777)', () =>
    sendto(u, msg, 0, { nl_family: AF_NETLINK, nl_pid: 77777, nl_groups: 0 }),
  );
  await show('USERSOCK sendto(port 0, no kernel socket)', () =>
    sendto(u, msg, 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 }),
  );
}

export const scenario: Scenario = {
  title: 'sendto an unbound user pid → ECONNREFUSED (and USERSOCK to pid 0)',
  expect: [
    'ROUTE sendto(port 77777): ECONNREFUSED',
    'USERSOCK sendto(port 77777): ECONNREFUSED',
    'USERSOCK sendto(port 0, no kernel socket): ECONNREFUSED',
  ],
};
