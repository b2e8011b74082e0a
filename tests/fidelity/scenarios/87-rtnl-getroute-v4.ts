// Scenario 87: RTM_GETROUTE for one IPv4 destination (`ip route get`): the route Linux resolves
// (unicast through a prefix route, a gateway, a local and a broadcast address), RTM_F_FIB_MATCH
// (the FIB entry instead of the resolved route), RTA_OIF, RTM_F_LOOKUP_TABLE with RTA_TABLE, and the
// errors: ENETUNREACH with no route, strict checking's header and attribute checks.
import {
  socket,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  ifaddrmsg,
  rtmsg,
  inet_pton4,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { linkUp, newVethPair, rtreq } from './lib.ts';

const get = (
  seq: number,
  dst: string | null,
  o: {
    flags?: number;
    table?: number;
    oif?: number;
    dst_len?: number;
    src_len?: number;
    tos?: number;
    extra?: Uint8Array[];
  } = {},
) =>
  nlmsg({
    type: 26,
    flags: 0x1,
    seq,
    payload: [
      rtmsg({
        family: 2,
        dst_len: o.dst_len ?? (dst ? 32 : 0),
        src_len: o.src_len ?? 0,
        tos: o.tos ?? 0,
        flags: o.flags ?? 0,
        table: o.table ?? 0,
      }),
      ...(dst ? [nla(1, inet_pton4(dst))] : []),
      ...(o.oif ? [nla_u32(4, o.oif)] : []),
      ...(o.extra ?? []),
    ],
  });

export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, newVethPair(1), 'veth');
  await rtreq(fd, get(2, '10.0.0.2'), 'no route');
  for (const [i, s] of [
    [1, 3],
    [2, 4],
    [3, 5],
  ])
    await rtreq(fd, linkUp(i, s), `up ${i}`);
  await rtreq(
    fd,
    nlmsg({
      type: 20,
      flags: 0x605,
      seq: 6,
      payload: [
        ifaddrmsg({ family: 2, prefixlen: 24, index: 3 }),
        nla(2, inet_pton4('10.0.0.1')),
        nla(1, inet_pton4('10.0.0.1')),
      ],
    }),
    'addr',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 7,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 254, protocol: 3, type: 1 }),
        nla(1, inet_pton4('10.1.0.0')),
        nla(5, inet_pton4('10.0.0.254')),
      ],
    }),
    'via',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 8,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 100, protocol: 3, scope: 253, type: 1 }),
        nla(1, inet_pton4('10.2.0.0')),
        nla_u32(4, 3),
      ],
    }),
    'table 100',
  );
  await rtreq(fd, get(10, '10.0.0.2'), 'get neighbour');
  await rtreq(fd, get(11, '10.0.0.1'), 'get local');
  await rtreq(fd, get(12, '127.0.0.1'), 'get loopback');
  await rtreq(fd, get(13, '10.0.0.255'), 'get broadcast');
  await rtreq(fd, get(14, '10.1.2.3'), 'get via');
  await rtreq(fd, get(15, '8.8.8.8'), 'get unreachable');
  await rtreq(fd, get(16, '10.2.0.5'), 'get table 100 (main)');
  await rtreq(fd, get(17, '10.2.0.5', { flags: 0x1000, extra: [nla_u32(15, 100)] }), 'get lookup table 100');
  await rtreq(fd, get(18, '10.0.0.9', { flags: 0x1000, extra: [nla_u32(15, 100)] }), 'get lookup table 100 miss');
  await rtreq(fd, get(19, '10.1.2.3', { flags: 0x2000 }), 'fib match via');
  await rtreq(fd, get(20, '10.0.0.2', { flags: 0x2000 }), 'fib match prefix');
  await rtreq(fd, get(21, '10.0.0.1', { flags: 0x2000 }), 'fib match local');
  await rtreq(fd, get(22, '10.0.0.2', { oif: 3 }), 'get oif');
  await rtreq(fd, get(23, '10.0.0.2', { oif: 2 }), 'get oif other');
  await rtreq(fd, get(24, '10.0.0.2', { oif: 99 }), 'get oif 99');
  await rtreq(fd, get(25, null), 'get no dst');
  await rtreq(fd, get(26, '10.0.0.2', { dst_len: 24 }), 'liberal dst_len 24');
  await rtreq(fd, get(27, '224.0.0.1', { oif: 3 }), 'get all-hosts oif');
  await rtreq(fd, get(28, '224.0.0.5', { oif: 3 }), 'get 224.0.0.5 oif');
  await rtreq(fd, get(29, '239.1.2.3'), 'get multicast no route');
  await rtreq(fd, get(40, '10.0.0.2', { oif: 2, flags: 0x2000 }), 'fib match on-link');
  await rtreq(fd, get(41, '10.0.0.2', { oif: 2, flags: 0x1000 }), 'lookup table on-link');
  await rtreq(fd, get(42, '10.0.0.2', { extra: [nla(2, inet_pton4('10.0.0.1'))], src_len: 32 }), 'get src');
  await rtreq(fd, get(43, '10.0.0.2', { extra: [nla(2, inet_pton4('10.9.9.9'))], src_len: 32 }), 'get src not local');
  await rtreq(fd, get(44, '10.0.0.2', { extra: [nla_u32(16, 7)] }), 'get mark');
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(fd, get(30, '10.0.0.2'), 'strict ok');
  await rtreq(fd, get(31, '10.0.0.2', { dst_len: 24 }), 'strict dst_len 24');
  await rtreq(fd, get(32, '10.0.0.2', { tos: 4 }), 'strict tos');
  await rtreq(fd, get(33, '10.0.0.2', { flags: 0x200 }), 'strict flags');
  await rtreq(fd, get(34, '10.0.0.2', { extra: [nla_u32(6, 5)] }), 'strict priority attr');
  await rtreq(fd, get(35, '10.0.0.2', { table: 100 }), 'strict table');
}

export const scenario: Scenario = {
  title:
    'RTM_GETROUTE for one IPv4 destination: resolved routes, FIB_MATCH, LOOKUP_TABLE, RTA_OIF, ENETUNREACH, strict checks',
  project: (n) => n.output,
};
