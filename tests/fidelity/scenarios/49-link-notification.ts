// Scenario 49: the kernel multicasts RTM_NEWLINK to RTNLGRP_LINK when a link goes up (`ip link set lo up`).
import { socket, bind, recvfrom, nlmsg, parseNlmsgs, i32, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, RTM_NEWLINK, RTNLGRP_LINK, NLM_F_REQUEST, NLM_F_ACK } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, toKernel } from './lib.ts';

const IFF_UP = 1;

export default async function main() {
  const listener = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(listener, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << (RTNLGRP_LINK - 1) });
  const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  // struct ifinfomsg { family, pad, type, index = 1 (lo), flags = IFF_UP, change = IFF_UP }
  const ifi = new Uint8Array(16);
  const v = new DataView(ifi.buffer);
  v.setInt32(4, 1, true);
  v.setUint32(8, IFF_UP, true);
  v.setUint32(12, IFF_UP, true);
  await toKernel(ctl, nlmsg({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: ifi }));
  const buf = new Uint8Array(8192);
  const r = await recvfrom(ctl, buf);
  console.log('set lo up:', describe(buf.subarray(0, r.n)).join('; '));
  const { n, from } = await recvfrom(listener, buf);
  const m = parseNlmsgs(buf.subarray(0, n))[0];
  console.log(`listener got type ${m.nlmsg_type === RTM_NEWLINK ? 'RTM_NEWLINK' : m.nlmsg_type} seq ${m.nlmsg_seq} pid ${m.nlmsg_pid} index ${i32(m.payload, 4)} up ${(i32(m.payload, 8) & IFF_UP) !== 0} from (${from.nl_pid}, ${from.nl_groups})`);
}

export const scenario: Scenario = {
  title: 'a member of RTNLGRP_LINK receives RTM_NEWLINK (seq 0, pid 0, from (0, 1)) when lo goes up',
  expect: [
    'set lo up: type=0x2 len=36 flags=0x100 error=0',
    'listener got type RTM_NEWLINK seq 0 pid 0 index 1 up true from (0, 1)',
  ],
  // RTM_NEWLINK's size and attributes differ between kernels, and so may the number of notifications.
  project: (n) => n.output,
};
