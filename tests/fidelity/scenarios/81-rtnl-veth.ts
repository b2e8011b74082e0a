// Scenario 81: `ip link add v0 type veth peer name v1` as RTM_NEWLINK, GETLINK by index and by name,
// MTU and name changes, both ends up, DELLINK — with a second socket watching RTNLGRP_LINK.
import {
  socket,
  bind,
  sleep,
  nlmsg,
  nla,
  nla_string,
  nla_u32,
  nla_nest,
  ifinfomsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_SETLINK,
  RTM_DELLINK,
  IFLA_IFNAME,
  IFLA_ADDRESS,
  IFLA_MTU,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_INFO_DATA,
  VETH_INFO_PEER,
  IFF_UP,
  RTNLGRP_LINK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { operUp, rtreq, rtdrain, watch } from './lib.ts';

const mac = (last: number) => new Uint8Array([0x02, 0, 0, 0, 0, last]);
const req = (type: number, flags: number, seq: number, payload: Uint8Array[]) =>
  nlmsg({ type, flags: NLM_F_REQUEST | flags, seq, payload });

export default async function main() {
  const mon = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(mon, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << (RTNLGRP_LINK - 1) });
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const veth = [
    ifinfomsg(),
    nla_string(IFLA_IFNAME, 'v0'),
    nla(IFLA_ADDRESS, mac(1)),
    nla_nest(IFLA_LINKINFO, [
      nla_string(IFLA_INFO_KIND, 'veth'),
      nla_nest(IFLA_INFO_DATA, [
        nla_nest(VETH_INFO_PEER, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v1'), nla(IFLA_ADDRESS, mac(2))]),
      ]),
    ]),
  ];
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 1, veth), 'create');
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, 2, veth), 'create again');
  // Linux's link watcher records a new veth's missing carrier (operstate LOWERLAYERDOWN) from a
  // work queue, and for a link that is down at most once a second (linkwatch_schedule_work).
  // Until then the operstate reads UNKNOWN. Nothing shows that it has run: for a link that is down
  // it announces nothing, and IFLA_OPERSTATE reads DOWN whatever it recorded. So this waits the
  // second it may take (a time the kernel states, not synchronisation on an event).
  await sleep(1100);
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_GETLINK, 0, 3, [ifinfomsg({ index: 2 })]), 'get index 2');
  await rtreq(fd, req(RTM_GETLINK, 0, 4, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v0')]), 'get v0');
  await rtreq(fd, req(RTM_SETLINK, NLM_F_ACK, 5, [ifinfomsg({ index: 3 }), nla_u32(IFLA_MTU, 9000)]), 'mtu 9000');
  await rtreq(fd, req(RTM_SETLINK, NLM_F_ACK, 6, [ifinfomsg({ index: 3 }), nla_u32(IFLA_MTU, 20)]), 'mtu 20');
  await rtreq(
    fd,
    req(RTM_SETLINK, NLM_F_ACK, 7, [ifinfomsg({ index: 2 }), nla_string(IFLA_IFNAME, 'peer')]),
    'rename v1',
  );
  await rtdrain(mon, 'monitor');
  const links = await watch(1 << (RTNLGRP_LINK - 1));
  // v0 alone has no carrier (its peer is down): it is announced within the request, nothing after.
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK, 8, [ifinfomsg({ index: 3, flags: IFF_UP, change: IFF_UP })]), 'v0 up');
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_NEWLINK, NLM_F_ACK, 9, [ifinfomsg({ index: 2, flags: IFF_UP, change: IFF_UP })]), 'peer up');
  // Both ends up: the carrier comes on, and the link watcher announces both links up (a work item).
  await links.until('peer and v0 up', operUp([2, 3]));
  await links.close();
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_GETLINK, NLM_F_DUMP, 10, [ifinfomsg()]), 'dump');
  await rtreq(fd, req(RTM_DELLINK, NLM_F_ACK, 11, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v0')]), 'delete v0');
  await rtreq(fd, req(RTM_DELLINK, NLM_F_ACK, 12, [ifinfomsg({ index: 1 })]), 'delete lo');
  await rtdrain(mon, 'monitor');
  await rtreq(fd, req(RTM_GETLINK, NLM_F_DUMP, 13, [ifinfomsg()]), 'dump');
}

export const scenario: Scenario = {
  title: 'veth pair: create, get by index and name, MTU, rename, up, delete, and the RTNLGRP_LINK notifications',
  project: (n) => n.output,
};
