// Scenario 78: a bind with groups that fails with EADDRINUSE joins no group, but the socket's group
// bitmap was already sized for the protocol (netlink_realloc_groups runs before the port is
// claimed), so NETLINK_LIST_MEMBERSHIPS reports a longer, empty list afterwards.
import {
  socket,
  bind,
  getsockname,
  getsockopt_raw,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  SOL_NETLINK,
  NETLINK_LIST_MEMBERSHIPS,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const at = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });
const list = async (fd: number) => {
  const r = await getsockopt_raw(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 16);
  return `optlen ${r.optlen}, groups ${Array.from(r.bytes.subarray(0, r.optlen)).some((b) => b !== 0) ? 'some' : 'none'}`;
};

export default async function main() {
  for (const [name, proto] of [
    ['ROUTE', NETLINK_ROUTE],
    ['USERSOCK', NETLINK_USERSOCK],
  ] as const) {
    const holder = await socket(AF_NETLINK, SOCK_RAW, proto);
    await bind(holder, at(7800));
    const s = await socket(AF_NETLINK, SOCK_RAW, proto);
    await show(
      `${name}: memberships before`,
      () => list(s),
      (v) => v,
    );
    await show(`${name}: bind(7800, groups 0x3)`, () => bind(s, at(7800, 3)));
    await show(
      `${name}: memberships after`,
      () => list(s),
      (v) => v,
    );
    await show(`${name}: nl_groups in getsockname`, async () => (await getsockname(s)).nl_groups);
  }
}

export const scenario: Scenario = {
  title: "failed bind with groups: no membership, but LIST_MEMBERSHIPS grows to the protocol's group count",
  expect: [
    'ROUTE: memberships before: optlen 0, groups none',
    'ROUTE: bind(7800, groups 0x3): EADDRINUSE',
    'ROUTE: memberships after: optlen 8, groups none',
    'ROUTE: nl_groups in getsockname: 0',
    'USERSOCK: memberships before: optlen 0, groups none',
    'USERSOCK: bind(7800, groups 0x3): EADDRINUSE',
    'USERSOCK: memberships after: optlen 4, groups none',
    'USERSOCK: nl_groups in getsockname: 0',
  ],
};
