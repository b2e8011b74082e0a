// Scenario 90: RTM_GETROUTE for one IPv6 destination (`ip -6 route get`): the route Linux resolves
// for a neighbour on a prefix route, a gateway route, a local address and ::1, RTM_F_FIB_MATCH,
// RTA_OIF, and the errors: ENETUNREACH with no route, ENODEV, strict checking's header checks.
import {
  socket,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  ifaddrmsg,
  rtmsg,
  inet_pton6,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  RTNLGRP_LINK,
  RTNLGRP_IPV6_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { allOf, linkUp, localRoute6, newVethPair, operUp, rtreq, watch } from './lib.ts';

const get = (
  seq: number,
  dst: string | null,
  o: { flags?: number; oif?: number; dst_len?: number; table?: number; extra?: Uint8Array[] } = {},
) =>
  nlmsg({
    type: 26,
    flags: 0x1,
    seq,
    payload: [
      rtmsg({ family: 10, dst_len: o.dst_len ?? (dst ? 128 : 0), flags: o.flags ?? 0, table: o.table ?? 0 }),
      ...(dst ? [nla(1, inet_pton6(dst))] : []),
      ...(o.oif ? [nla_u32(4, o.oif)] : []),
      ...(o.extra ?? []),
    ],
  });

export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, newVethPair(1), 'veth');
  await rtreq(fd, get(2, '2001:db8::2'), 'no route');
  await rtreq(fd, get(3, '::1'), 'loopback down');
  const ready = await watch((1 << (RTNLGRP_LINK - 1)) | (1 << (RTNLGRP_IPV6_ROUTE - 1)));
  for (const [i, s] of [
    [1, 4],
    [2, 5],
    [3, 6],
  ])
    await rtreq(fd, linkUp(i, s), `up ${i}`);
  await rtreq(
    fd,
    nlmsg({
      type: 20,
      flags: 0x605,
      seq: 7,
      payload: [ifaddrmsg({ family: 10, prefixlen: 64, flags: 0x2, index: 3 }), nla(1, inet_pton6('2001:db8::1'))],
    }),
    'addr',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 8,
      payload: [
        rtmsg({ family: 10, dst_len: 48, table: 254, protocol: 3, type: 1 }),
        nla(1, inet_pton6('2001:db8:2::')),
        nla(5, inet_pton6('2001:db8::fe')),
      ],
    }),
    'via',
  );
  // Linux's link watcher records the carrier, and the DAD work adds the local route of the
  // address (IFA_F_NODAD too), after the requests were answered.
  await ready.until('v1 and v0 up, the local route of 2001:db8::1', allOf(operUp([2, 3]), localRoute6('2001:db8::1')));
  await ready.close();
  await rtreq(fd, get(10, '2001:db8::2'), 'get neighbour');
  await rtreq(fd, get(11, '2001:db8::1'), 'get local');
  await rtreq(fd, get(12, '::1'), 'get loopback');
  await rtreq(fd, get(13, '2001:db8:2::5'), 'get via');
  await rtreq(fd, get(14, '2001:db9::1'), 'get unreachable');
  await rtreq(fd, get(15, 'fe80::5'), 'get link-local');
  await rtreq(fd, get(16, 'fe80::5', { oif: 2 }), 'get link-local oif');
  await rtreq(fd, get(17, '2001:db8::2', { oif: 99 }), 'get oif 99');
  await rtreq(fd, get(18, '2001:db8:2::5', { flags: 0x2000 }), 'fib match via');
  await rtreq(fd, get(19, '2001:db8::2', { flags: 0x2000 }), 'fib match prefix');
  await rtreq(fd, get(20, '2001:db8::1', { flags: 0x2000 }), 'fib match local');
  await rtreq(fd, get(21, '2001:db9::1', { flags: 0x2000 }), 'fib match unreachable');
  await rtreq(fd, get(22, null), 'get no dst');
  await rtreq(fd, get(23, 'ff02::1'), 'get multicast');
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(fd, get(30, '2001:db8::2'), 'strict ok');
  await rtreq(fd, get(31, '2001:db8::2', { dst_len: 64 }), 'strict dst_len 64');
  await rtreq(fd, get(32, '2001:db8::2', { flags: 0x200 }), 'strict flags');
  await rtreq(fd, get(33, '2001:db8::2', { extra: [nla_u32(15, 254)] }), 'strict table attr');
  await rtreq(fd, get(34, '2001:db8::2', { table: 254 }), 'strict table');
}

export const scenario: Scenario = {
  title: 'RTM_GETROUTE for one IPv6 destination: resolved routes, FIB_MATCH, RTA_OIF, ENETUNREACH, strict checks',
  project: (n) => n.output,
};
