// Scenario 83: NETLINK_GET_STRICT_CHK on address, route and neighbour dumps (bad headers, filters,
// unsupported attributes, with extended-ACK messages), rule dumps without a family, the number of
// rtnetlink multicast groups on 6.18 (RTNLGRP_MAX 39), and `ip link add br0 type bridge`.
import {
  socket,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  nla_string,
  nla_nest,
  ifinfomsg,
  ifaddrmsg,
  rtmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_ADD_MEMBERSHIP,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_GETADDR,
  RTM_GETROUTE,
  RTM_GETNEIGH,
  RTM_GETRULE,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_DELLINK,
  RTM_NEWADDR,
  IFLA_IFNAME,
  IFLA_ADDRESS,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFA_LOCAL,
  RTA_TABLE,
  RTA_DST,
  AF_INET,
  AF_INET6,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { rtreq, show } from './lib.ts';

const req = (type: number, flags: number, seq: number, payload: Uint8Array[]) =>
  nlmsg({ type, flags: NLM_F_REQUEST | flags, seq, payload });

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, req(RTM_GETRULE, NLM_F_DUMP, 1, [rtmsg()]), 'rules, AF_UNSPEC');
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 2, [ifaddrmsg({ prefixlen: 8 })]), 'addr dump, prefixlen 8, not strict');
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 3, [ifaddrmsg({ prefixlen: 8 })]), 'addr dump, prefixlen 8');
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 4, [ifaddrmsg({ family: AF_INET6, scope: 1 })]), 'addr6 dump, scope 1');
  await rtreq(
    fd,
    req(RTM_GETADDR, NLM_F_DUMP, 5, [ifaddrmsg({ family: AF_INET }), nla(IFA_LOCAL, new Uint8Array(4))]),
    'addr dump, IFA_LOCAL',
  );
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 6, [ifaddrmsg({ family: AF_INET, index: 7 })]), 'addr dump, index 7');
  await rtreq(fd, req(RTM_GETADDR, NLM_F_DUMP, 7, [new Uint8Array([AF_INET, 0, 0, 0])]), 'addr dump, short header');
  await rtreq(fd, req(RTM_GETROUTE, NLM_F_DUMP, 8, [rtmsg({ family: AF_INET, dst_len: 8 })]), 'route dump, dst_len 8');
  await rtreq(fd, req(RTM_GETROUTE, NLM_F_DUMP, 9, [rtmsg({ family: AF_INET, flags: 1 })]), 'route dump, flags 1');
  await rtreq(
    fd,
    req(RTM_GETROUTE, NLM_F_DUMP, 10, [rtmsg({ family: AF_INET }), nla(RTA_DST, new Uint8Array(4))]),
    'route dump, RTA_DST',
  );
  await rtreq(
    fd,
    req(RTM_GETROUTE, NLM_F_DUMP, 11, [rtmsg({ family: AF_INET6 }), nla_u32(RTA_TABLE, 255)]),
    'route6 dump, table 255',
  );
  await rtreq(fd, req(RTM_GETNEIGH, NLM_F_DUMP, 12, [new Uint8Array(12)]), 'neigh dump');
  await rtreq(
    fd,
    req(RTM_GETNEIGH, NLM_F_DUMP, 13, [new Uint8Array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])]),
    'neigh dump, pad set',
  );
  await rtreq(fd, req(RTM_GETLINK, 0, 14, [ifinfomsg(), nla_u32(IFLA_ADDRESS, 0)]), 'getlink with IFLA_ADDRESS');
  await rtreq(fd, req(RTM_GETLINK, 0, 15, [ifinfomsg(), nla_string(IFLA_IFNAME, 'nope')]), 'getlink nope');
  await rtreq(
    fd,
    req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 16, [
      ifinfomsg(),
      nla_string(IFLA_IFNAME, 'x0'),
      nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'nosuchkind')]),
    ]),
    'newlink nosuchkind',
  );
  await rtreq(
    fd,
    req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 17, [
      ifinfomsg(),
      nla_string(IFLA_IFNAME, 'a-name-far-too-long'),
    ]),
    'newlink long name',
  );
  await rtreq(
    fd,
    req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 18, [
      ifinfomsg(),
      nla_string(IFLA_IFNAME, 'br0'),
      nla(IFLA_ADDRESS, new Uint8Array([2, 0, 0, 0, 0, 9])),
      nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'bridge')]),
    ]),
    'bridge',
  );
  await rtreq(fd, req(RTM_GETLINK, 0, 19, [ifinfomsg(), nla_string(IFLA_IFNAME, 'br0')]), 'get br0');
  await rtreq(
    fd,
    req(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, 20, [ifaddrmsg({ family: AF_INET, prefixlen: 24, index: 2 })]),
    'v4 addr without IFA_LOCAL',
  );
  await rtreq(
    fd,
    req(RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE, 21, [
      ifaddrmsg({ family: AF_INET, prefixlen: 24, index: 99 }),
      nla(IFA_LOCAL, new Uint8Array([10, 0, 0, 1])),
    ]),
    'v4 addr index 99',
  );
  await rtreq(fd, req(RTM_DELLINK, NLM_F_ACK, 22, [ifinfomsg(), nla_string(IFLA_IFNAME, 'br0')]), 'delete br0');
  for (const g of [38, 39, 40])
    await show(`join group ${g}`, () => setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g));
}

export const scenario: Scenario = {
  title: 'strict dump checks with extack, rule dump without family, groups up to 39, a bridge',
  project: (n) => n.output,
};
