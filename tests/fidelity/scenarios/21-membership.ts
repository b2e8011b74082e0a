// Scenario 21: joining multicast groups, and how the memberships read back.
import {
  socket,
  setsockopt,
  getsockopt,
  getsockname,
  hex,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_LIST_MEMBERSHIPS,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  console.log(
    'LIST_MEMBERSHIPS before joining:',
    JSON.stringify(hex((await getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS)) as Uint8Array)),
  );
  await show('ADD_MEMBERSHIP 0', () => setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 0));
  await show('ADD_MEMBERSHIP 0x10', () => setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 0x10));
  console.log('LIST_MEMBERSHIPS:', hex((await getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS)) as Uint8Array));
  console.log('getsockname groups:', '0x' + (await getsockname(fd)).nl_groups.toString(16));
  await show('DROP_MEMBERSHIP 0x10', () => setsockopt(fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, 0x10));
  console.log('getsockname groups after drop:', '0x' + (await getsockname(fd)).nl_groups.toString(16));
}

export const scenario: Scenario = {
  title: 'ADD_MEMBERSHIP 0 → EINVAL; joining 0x10 on GENERIC → LIST_MEMBERSHIPS 00800000 00000000, groups 0x8000',
  expect: [
    'LIST_MEMBERSHIPS before joining: ""',
    'ADD_MEMBERSHIP 0: EINVAL',
    'ADD_MEMBERSHIP 0x10: 0',
    'LIST_MEMBERSHIPS: 0080000000000000',
    'getsockname groups: 0x8000',
    'DROP_MEMBERSHIP 0x10: 0',
    'getsockname groups after drop: 0x0',
  ],
};
