// Scenario 19: the SOL_NETLINK flags read back as 0 or 1.
import {
  socket,
  setsockopt,
  getsockopt,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_NETLINK,
  NETLINK_PKTINFO,
  NETLINK_BROADCAST_ERROR,
  NETLINK_NO_ENOBUFS,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const opts: [string, number][] = [
    ['NETLINK_PKTINFO', NETLINK_PKTINFO],
    ['NETLINK_BROADCAST_ERROR', NETLINK_BROADCAST_ERROR],
    ['NETLINK_NO_ENOBUFS', NETLINK_NO_ENOBUFS],
    ['NETLINK_CAP_ACK', NETLINK_CAP_ACK],
    ['NETLINK_EXT_ACK', NETLINK_EXT_ACK],
    ['NETLINK_GET_STRICT_CHK', NETLINK_GET_STRICT_CHK],
  ];
  for (const [name, opt] of opts) {
    const before = await getsockopt(fd, SOL_NETLINK, opt);
    await setsockopt(fd, SOL_NETLINK, opt, 5);
    const after = await getsockopt(fd, SOL_NETLINK, opt);
    await setsockopt(fd, SOL_NETLINK, opt, 0);
    console.log(
      `${name}: default ${before}, after setting 5: ${after}, after setting 0: ${await getsockopt(fd, SOL_NETLINK, opt)}`,
    );
  }
  await show('getsockopt(option 99)', () => getsockopt(fd, SOL_NETLINK, 99));
  await show('setsockopt(option 99)', () => setsockopt(fd, SOL_NETLINK, 99, 1));
  await show('getsockopt(NETLINK_PKTINFO, optlen 2)', () => getsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, 2));
}

export const scenario: Scenario = {
  title: 'NETLINK_* boolean options: default 0, set 5 reads 1; unknown → ENOPROTOOPT; optlen 2 → EINVAL',
  expect: [
    'NETLINK_PKTINFO: default 0, after setting 5: 1, after setting 0: 0',
    'NETLINK_BROADCAST_ERROR: default 0, after setting 5: 1, after setting 0: 0',
    'NETLINK_NO_ENOBUFS: default 0, after setting 5: 1, after setting 0: 0',
    'NETLINK_CAP_ACK: default 0, after setting 5: 1, after setting 0: 0',
    'NETLINK_EXT_ACK: default 0, after setting 5: 1, after setting 0: 0',
    'NETLINK_GET_STRICT_CHK: default 0, after setting 5: 1, after setting 0: 0',
    'getsockopt(option 99): ENOPROTOOPT',
    'setsockopt(option 99): ENOPROTOOPT',
    'getsockopt(NETLINK_PKTINFO, optlen 2): EINVAL',
  ],
};
