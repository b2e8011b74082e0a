// Scenario 88: IPv6 routes from user space (`ip -6 route add/del/replace`): device and gateway
// routes, metrics, tables 100, 101 and 1000 (IPv4 too), NLM_F_EXCL / REPLACE / CREATE, their errors with extended ACK,
// the notifications RTNLGRP_IPV6_ROUTE hears, and the dumps (filtered by table under strict checking).
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  nla_nest,
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
import { linkUp, localRoute6, newVethPair, operUp, watch, notLinkLocalLocal, rtdrain, rtreq } from './lib.ts';

const route = (
  type: number,
  flags: number,
  seq: number,
  dst: string,
  plen: number,
  o: {
    gw?: string;
    oif?: number;
    table?: number;
    metric?: number;
    mtu?: number;
    rtm_table?: number;
    proto?: number;
    rtype?: number;
  } = {},
) =>
  nlmsg({
    type,
    flags: 0x1 | 0x4 | flags,
    seq,
    payload: [
      rtmsg({ family: 10, dst_len: plen, table: o.rtm_table ?? 254, protocol: o.proto ?? 3, type: o.rtype ?? 1 }),
      nla(1, inet_pton6(dst)),
      ...(o.gw ? [nla(5, inet_pton6(o.gw))] : []),
      ...(o.oif ? [nla_u32(4, o.oif)] : []),
      ...(o.table ? [nla_u32(15, o.table)] : []),
      ...(o.metric ? [nla_u32(6, o.metric)] : []),
      ...(o.mtu ? [nla_nest(8, [nla_u32(2, o.mtu)])] : []),
    ],
  });
const C = 0x400,
  X = 0x200,
  R = 0x100;

export default async function main() {
  const mon = await socket(16, 3, 0);
  await bind(mon, { nl_family: 16, nl_pid: 0, nl_groups: 1 << 10 });
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, newVethPair(1), 'veth');
  await rtreq(fd, route(24, C | X, 2, '2001:db8:1::', 64, { oif: 3 }), 'dev down');
  const links = await watch(1 << (RTNLGRP_LINK - 1));
  for (const [i, s] of [
    [1, 3],
    [2, 4],
    [3, 5],
  ])
    await rtreq(fd, linkUp(i, s), `up ${i}`);
  // v1's carrier comes from Linux's link watcher (a work item): let it run before the address is added.
  await links.until('v1 and v0 up', operUp([2, 3]));
  await links.close();
  const routes = await watch(1 << (RTNLGRP_IPV6_ROUTE - 1));
  await rtreq(
    fd,
    nlmsg({
      type: 20,
      flags: 0x605,
      seq: 6,
      payload: [ifaddrmsg({ family: 10, prefixlen: 64, flags: 0x2, index: 3 }), nla(1, inet_pton6('2001:db8::1'))],
    }),
    'addr',
  );
  // Even with IFA_F_NODAD, Linux adds the address's local route from its DAD work item.
  await routes.until('the local route of 2001:db8::1', localRoute6('2001:db8::1'));
  await routes.close();
  await rtdrain(mon, 'mon setup', notLinkLocalLocal);
  await rtreq(fd, route(24, C | X, 10, '2001:db8:1::', 64, { oif: 3 }), 'dev');
  await rtreq(fd, route(24, C | X, 11, '2001:db8:1::', 64, { oif: 3 }), 'dev again EXCL');
  await rtreq(fd, route(24, C, 12, '2001:db8:1::', 64, { oif: 3 }), 'dev again CREATE');
  await rtreq(fd, route(24, C | X, 13, '2001:db8:2::', 48, { gw: '2001:db8::fe' }), 'via');
  await rtreq(fd, route(24, C | X, 14, '2001:db8:3::', 48, { gw: '2001:db8:99::fe' }), 'via unreachable');
  await rtreq(fd, route(24, C | X, 15, '2001:db8:4::', 48, { gw: '2001:db8::1' }), 'via local');
  await rtreq(fd, route(24, C | X, 16, '2001:db8:5::1', 48, { oif: 3 }), 'host bits');
  await rtreq(fd, route(24, C | X, 17, '2001:db8:6::', 129, { oif: 3 }), 'len 129');
  await rtreq(fd, route(24, C | X, 18, '2001:db8:7::', 64, { oif: 99 }), 'oif 99');
  await rtreq(fd, route(24, C | X, 19, '2001:db8:8::', 64, {}), 'no nexthop');
  await rtreq(fd, route(24, 0, 20, '2001:db8:9::', 64, { oif: 3 }), 'no create');
  await rtreq(fd, route(24, C | X, 21, '2001:db8:a::', 64, { oif: 3, metric: 100, mtu: 1400 }), 'metric mtu');
  await rtreq(fd, route(24, C | X, 22, '2001:db8:b::', 64, { oif: 3, table: 100 }), 'table 100');
  await rtreq(fd, route(24, C | X, 23, '2001:db8:c::', 64, { oif: 3, rtm_table: 101 }), 'rtm_table 101');
  await rtreq(fd, route(24, C | R, 24, '2001:db8:1::', 64, { oif: 2 }), 'replace');
  await rtreq(fd, route(24, C, 25, '2001:db8:2::', 48, { gw: '2001:db8::fd', metric: 2000 }), 'second metric');
  await rtreq(fd, route(24, C | X, 26, '::', 0, { gw: '2001:db8::fe' }), 'default');
  await rtdrain(mon, 'mon', notLinkLocalLocal);
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 30, payload: [rtmsg({ family: 10 })] }),
    'dump',
    notLinkLocalLocal,
  );
  await rtreq(fd, route(25, 0, 31, '2001:db8:1::', 64, {}), 'del');
  await rtreq(fd, route(25, 0, 32, '2001:db8:1::', 64, {}), 'del again');
  await rtreq(fd, route(25, 0, 33, '2001:db8:2::', 48, { gw: '2001:db8::fd', metric: 2000 }), 'del via fd');
  await rtreq(fd, route(25, 0, 34, '2001:db8:b::', 64, { table: 100 }), 'del table 100');
  await rtreq(fd, route(25, 0, 35, '2001:db8:c::', 64, { rtm_table: 101, oif: 2 }), 'del wrong oif');
  await rtreq(fd, route(25, 0, 36, '2001:db8:a::', 64, { metric: 1 }), 'del wrong metric');
  await rtdrain(mon, 'mon', notLinkLocalLocal);
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 37,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 100, protocol: 3, scope: 253, type: 1 }),
        nla(1, new Uint8Array([10, 9, 0, 0])),
        nla_u32(4, 3),
      ],
    }),
    'v4 table 100',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 38,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 0, protocol: 3, scope: 253, type: 1 }),
        nla(1, new Uint8Array([10, 8, 0, 0])),
        nla_u32(4, 3),
        nla_u32(15, 1000),
      ],
    }),
    'v4 table 1000',
  );
  await rtreq(fd, nlmsg({ type: 26, flags: 0x301, seq: 39, payload: [rtmsg({ family: 2 })] }), 'dump v4');
  await rtreq(
    fd,
    nlmsg({
      type: 25,
      flags: 0x5,
      seq: 45,
      payload: [rtmsg({ family: 2, dst_len: 16, table: 200 }), nla(1, new Uint8Array([10, 9, 0, 0]))],
    }),
    'v4 del table 200',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 25,
      flags: 0x5,
      seq: 46,
      payload: [rtmsg({ family: 2, dst_len: 16, table: 100 }), nla(1, new Uint8Array([10, 9, 0, 0]))],
    }),
    'v4 del table 100',
  );
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 47, payload: [rtmsg({ family: 2 }), nla_u32(15, 100)] }),
    'dump v4 table 100 empty',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 48, payload: [rtmsg({ family: 0 }), nla_u32(15, 1000)] }),
    'dump unspec table 1000',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 49, payload: [rtmsg({ family: 0 }), nla_u32(15, 200)] }),
    'dump unspec table 200',
  );
  // Unicast only: a link-local address may finish DAD (a random 1–2 s) during this run, and Linux
  // then adds its local route.
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 50, payload: [rtmsg({ family: 10, protocol: 2, type: 1 })] }),
    'dump v6 proto kernel unicast',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 51, payload: [rtmsg({ family: 2, type: 2 })] }),
    'dump v4 type local',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 40, payload: [rtmsg({ family: 10 }), nla_u32(15, 101)] }),
    'dump table 101',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 41, payload: [rtmsg({ family: 10 }), nla_u32(15, 100)] }),
    'dump table 100 empty',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 42, payload: [rtmsg({ family: 10, table: 101 })] }),
    'dump rtm_table 101',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 43, payload: [rtmsg({ family: 10 }), nla_u32(15, 200)] }),
    'dump table 200',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 44, payload: [rtmsg({ family: 2 }), nla_u32(15, 200)] }),
    'dump v4 table 200',
  );
}

export const scenario: Scenario = {
  title:
    'IPv6 RTM_NEWROUTE / DELROUTE: device, gateway, metrics, tables 100/101/1000, EXCL/REPLACE/CREATE, errors, notifications, table dumps',
  project: (n) => n.output,
};
