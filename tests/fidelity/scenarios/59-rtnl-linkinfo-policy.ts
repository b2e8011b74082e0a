// Scenario 59: the policy of IFLA_LINKINFO's own attributes (ifla_info_policy): KIND and SLAVE_KIND
// are strings, DATA and SLAVE_DATA nested, XSTATS has no policy. An RTM_NEWLINK for a veth pair
// carries one more attribute of each type with a 2-byte payload: too short for a nest, fine for a
// string or an attribute without a policy.
import {
  socket,
  nlmsg,
  nla,
  nla_string,
  nla_nest,
  ifinfomsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  RTM_NEWLINK,
  RTM_DELLINK,
  IFLA_IFNAME,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
  IFLA_INFO_DATA,
  VETH_INFO_PEER,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { rtreq } from './lib.ts';

/** include/uapi/linux/if_link.h: IFLA_INFO_XSTATS, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA. */
const EXTRA: [string, number][] = [
  ['XSTATS', 3],
  ['SLAVE_KIND', 4],
  ['SLAVE_DATA', 5],
];

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  let seq = 1;
  for (const [name, type] of EXTRA) {
    const add = nlmsg({
      type: RTM_NEWLINK,
      flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
      seq: seq++,
      payload: [
        ifinfomsg(),
        nla_string(IFLA_IFNAME, 'v0'),
        nla_nest(IFLA_LINKINFO, [
          nla_string(IFLA_INFO_KIND, 'veth'),
          nla_nest(IFLA_INFO_DATA, [nla_nest(VETH_INFO_PEER, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v1')])]),
          nla(type, new Uint8Array([0x61, 0x62])),
        ]),
      ],
    });
    await rtreq(fd, add, `add with ${name}`);
    const del = nlmsg({
      type: RTM_DELLINK,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: seq++,
      payload: [ifinfomsg(), nla_string(IFLA_IFNAME, 'v0')],
    });
    await rtreq(fd, del, `delete after ${name}`);
  }
}

export const scenario: Scenario = {
  title: 'IFLA_LINKINFO policy: XSTATS none, SLAVE_KIND a string, SLAVE_DATA a nest',
  expect: [
    'add with XSTATS: type=2 flags=0x100 seq=1 | 00000000 60000000 10000506 01000000 00000000',
    'delete after XSTATS: type=2 flags=0x100 seq=2 | 00000000 28000000 11000500 02000000 00000000',
    'add with SLAVE_KIND: type=2 flags=0x100 seq=3 | 00000000 60000000 10000506 03000000 00000000',
    'delete after SLAVE_KIND: type=2 flags=0x100 seq=4 | 00000000 28000000 11000500 04000000 00000000',
    'add with SLAVE_DATA: type=2 flags=0x0 seq=5 | deffffff 60000000 10000506 05000000 00000000 00000000 00000000 00000000 00000000 07000300 76300000 38001200 09000100 76657468 00000000 20000200 1c000100 00000000 00000000 00000000 00000000 07000300 76310000 06000500 61620000',
    'delete after SLAVE_DATA: type=2 flags=0x0 seq=6 | edffffff 28000000 11000500 06000000 00000000 00000000 00000000 00000000 00000000 07000300 76300000',
  ],
};
