// Scenario 82: `ip addr add` / `ip -6 addr add … nodad` / `ip route add … via` on a veth pair, the
// errors (EEXIST, REPLACE, bad prefixes, unreachable gateway) with extended ACK messages, what link
// down does to each family's addresses and routes, and the notifications a second socket receives.
import {
  socket,
  bind,
  setsockopt,
  sleep,
  nlmsg,
  nla,
  nla_string,
  nla_u32,
  nla_nest,
  ifinfomsg,
  ifaddrmsg,
  rtmsg,
  inet_pton4,
  inet_pton6,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  RTM_NEWLINK,
  RTM_NEWADDR,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_NEWROUTE,
  RTM_DELROUTE,
  RTM_GETROUTE,
  IFLA_IFNAME,
  IFLA_ADDRESS,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_INFO_DATA,
  VETH_INFO_PEER,
  IFA_LOCAL,
  IFA_ADDRESS,
  IFA_F_NODAD,
  RTA_DST,
  RTA_GATEWAY,
  RTA_OIF,
  IFF_UP,
  AF_INET,
  AF_INET6,
  RT_TABLE_MAIN,
  RTPROT_BOOT,
  RT_SCOPE_UNIVERSE,
  RT_SCOPE_LINK,
  RTN_UNICAST,
  RTNLGRP_LINK,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { IF_OPER_LOWERLAYERDOWN, localRoute6, operstate, operUp, rtreq, rtdrain, watch } from './lib.ts';

const mac = (last: number) => new Uint8Array([0x02, 0, 0, 0, 0, last]);
const req = (type: number, flags: number, seq: number, payload: Uint8Array[]) =>
  nlmsg({ type, flags: NLM_F_REQUEST | flags, seq, payload });
const grp = (g: number) => 1 << (g - 1);

export default async function main() {
  const mon = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(mon, {
    nl_family: AF_NETLINK,
    nl_pid: 0,
    nl_groups:
      grp(RTNLGRP_LINK) |
      grp(RTNLGRP_IPV4_IFADDR) |
      grp(RTNLGRP_IPV4_ROUTE) |
      grp(RTNLGRP_IPV6_IFADDR) |
      grp(RTNLGRP_IPV6_ROUTE),
  });
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(
    fd,
    req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, [
      ifinfomsg(),
      nla_string(IFLA_IFNAME, 'v0'),
      nla(IFLA_ADDRESS, mac(1)),
      nla_nest(IFLA_LINKINFO, [
        nla_string(IFLA_INFO_KIND, 'veth'),
        nla_nest(IFLA_INFO_DATA, [
          nla_nest(VETH_INFO_PEER, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v1'), nla(IFLA_ADDRESS, mac(2))]),
        ]),
      ]),
    ]),
    'create',
  );
  // v0 is index 3, v1 index 2. An IPv4 and an IPv6 address on v0 while it is down.
  const v4 = (seq: number, flags: number, plen: number, a: string) =>
    req(RTM_NEWADDR, NLM_F_ACK | flags, seq, [
      ifaddrmsg({ family: AF_INET, prefixlen: plen, index: 3 }),
      nla(IFA_LOCAL, inet_pton4(a)),
      nla(IFA_ADDRESS, inet_pton4(a)),
    ]);
  const v6 = (seq: number, flags: number, plen: number, a: string) =>
    req(RTM_NEWADDR, NLM_F_ACK | flags, seq, [
      ifaddrmsg({ family: AF_INET6, prefixlen: plen, flags: IFA_F_NODAD, index: 3 }),
      nla(IFA_ADDRESS, inet_pton6(a)),
    ]);
  await rtreq(fd, v4(2, NLM_F_CREATE | NLM_F_EXCL, 24, '10.0.0.1'), 'v4 add (down)');
  await rtreq(fd, v6(3, NLM_F_CREATE | NLM_F_EXCL, 64, '2001:db8::1'), 'v6 add (down)');
  // Even with IFA_F_NODAD, Linux announces the address from its DAD work item, just after the
  // request; and its link watcher records the new links' missing carrier from a work queue, for
  // links that are down at most once a second. That it has run shows nowhere while the links are
  // down (no notification; IFLA_OPERSTATE reads DOWN whatever it recorded), and it decides the
  // operstate 'v1 up' announces: so this waits the second it may take, not on an event.
  await sleep(1100);
  await rtdrain(mon, 'monitor');
  let work = await watch(grp(RTNLGRP_LINK));
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK, 4, [ifinfomsg({ index: 2, flags: IFF_UP, change: IFF_UP })]), 'v1 up');
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK, 5, [ifinfomsg({ index: 3, flags: IFF_UP, change: IFF_UP })]), 'v0 up');
  // Both ends up: the link watcher announces the carrier (IPv6 configures the links first).
  await work.until('v1 and v0 up', operUp([2, 3]));
  await work.close();
  await rtdrain(mon, 'monitor');
  await rtreq(fd, v4(6, NLM_F_CREATE | NLM_F_EXCL, 24, '10.0.0.1'), 'v4 again EXCL');
  await rtreq(fd, v4(7, NLM_F_CREATE, 24, '10.0.0.1'), 'v4 again CREATE');
  await rtreq(fd, v4(8, NLM_F_REPLACE, 24, '10.0.0.1'), 'v4 REPLACE');
  await rtreq(fd, v4(9, NLM_F_CREATE, 33, '10.0.0.9'), 'v4 /33');
  await rtreq(fd, v4(10, NLM_F_CREATE, 24, '10.0.0.2'), 'v4 secondary');
  await rtreq(fd, v6(11, NLM_F_CREATE, 129, '2001:db8::9'), 'v6 /129');
  await rtreq(fd, v6(12, NLM_F_CREATE | NLM_F_EXCL, 64, '2001:db8::1'), 'v6 again EXCL');
  work = await watch(grp(RTNLGRP_IPV6_ROUTE));
  await rtreq(fd, v6(13, NLM_F_CREATE | NLM_F_EXCL, 64, '2001:db8:1::1'), 'v6 second');
  // The DAD work item announces the address (IFA_F_NODAD too), then adds its local route.
  await work.until('the local route of 2001:db8:1::1', localRoute6('2001:db8:1::1'));
  await work.close();
  await rtdrain(mon, 'monitor');
  const route = (seq: number, type: number, flags: number, dst: string, plen: number, gw?: string) =>
    req(type, NLM_F_ACK | flags, seq, [
      rtmsg({
        family: AF_INET,
        dst_len: plen,
        table: RT_TABLE_MAIN,
        protocol: RTPROT_BOOT,
        scope: gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK,
        type: RTN_UNICAST,
      }),
      nla(RTA_DST, inet_pton4(dst)),
      ...(gw ? [nla(RTA_GATEWAY, inet_pton4(gw))] : [nla_u32(RTA_OIF, 3)]),
    ]);
  await rtreq(fd, route(20, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, '10.1.0.0', 16, '10.0.0.254'), 'route via');
  await rtreq(fd, route(21, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, '10.1.0.0', 16, '10.0.0.254'), 'route via again');
  await rtreq(
    fd,
    route(22, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, '10.2.0.0', 16, '192.168.1.1'),
    'route unreachable gw',
  );
  await rtreq(fd, route(23, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, '10.3.0.1', 16, '10.0.0.254'), 'route bad prefix');
  await rtreq(fd, route(24, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, '10.4.0.0', 16), 'route dev');
  await rtreq(fd, route(25, RTM_DELROUTE, 0, '10.4.0.0', 16), 'route del');
  await rtreq(fd, route(26, RTM_DELROUTE, 0, '10.4.0.0', 16), 'route del again');
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 30, [ifaddrmsg()]), 'addrs');
  await rtreq(fd, req(RTM_GETROUTE, NLM_F_DUMP, 31, [rtmsg()]), 'routes');
  await rtreq(
    fd,
    req(RTM_DELADDR, NLM_F_ACK, 32, [
      ifaddrmsg({ family: AF_INET, prefixlen: 24, index: 3 }),
      nla(IFA_LOCAL, inet_pton4('10.0.0.1')),
    ]),
    'v4 del primary',
  );
  await rtreq(
    fd,
    req(RTM_DELADDR, NLM_F_ACK, 33, [
      ifaddrmsg({ family: AF_INET, prefixlen: 24, index: 3 }),
      nla(IFA_LOCAL, inet_pton4('10.0.0.1')),
    ]),
    'v4 del again',
  );
  await rtreq(fd, v4(34, NLM_F_CREATE, 24, '10.0.0.1'), 'v4 add back');
  await rtdrain(mon, 'monitor');
  work = await watch(grp(RTNLGRP_LINK));
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK, 35, [ifinfomsg({ index: 3, flags: 0, change: IFF_UP })]), 'v0 down');
  // v1 loses its carrier with v0: the link watcher announces it (a work item).
  await work.until('v1 without carrier', operstate(IF_OPER_LOWERLAYERDOWN, [2]));
  await work.close();
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 36, [ifaddrmsg()]), 'addrs');
  await rtreq(fd, req(RTM_GETROUTE, NLM_F_DUMP, 37, [rtmsg()]), 'routes');
}

export const scenario: Scenario = {
  title: 'addresses and routes on a veth: add, EEXIST/REPLACE, bad prefixes, gateway routes, link down, notifications',
  project: (n) => n.output,
};
