// Scenario 49: the kernel multicasts RTM_NEWLINK to RTNLGRP_LINK when a link goes up (`ip link set lo up`).
import {
  socket,
  bind,
  recvfrom,
  nlmsg,
  parseNlmsgs,
  i32,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  RTM_NEWLINK,
  RTNLGRP_LINK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, toKernel } from './lib.ts';

const IFF_UP = 1;

export default async function main() {
  const listener = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(listener, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << (RTNLGRP_LINK - 1) });
  const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const buf = new Uint8Array(8192);
  /** RTM_NEWLINK for lo (index 1) with IFF_UP set or cleared, like `ip link set lo up|down`. */
  const setLo = async (up: boolean, seq: number) => {
    const ifi = new Uint8Array(16); // struct ifinfomsg { family, pad, type, index, flags, change }
    const v = new DataView(ifi.buffer);
    v.setInt32(4, 1, true);
    v.setUint32(8, up ? IFF_UP : 0, true);
    v.setUint32(12, IFF_UP, true);
    await toKernel(ctl, nlmsg({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK, seq, payload: ifi }));
    const r = await recvfrom(ctl, buf);
    return describe(buf.subarray(0, r.n)).join('; ');
  };
  // Down first, so that "up" is a change wherever lo starts (down in a fresh namespace, up in a VM).
  console.log('set lo down:', await setLo(false, 1));
  for (;;) {
    try {
      await recvfrom(listener, buf, MSG_DONTWAIT);
    } catch {
      break;
    }
  }
  console.log('set lo up:', await setLo(true, 2));
  const { n, from } = await recvfrom(listener, buf);
  const m = parseNlmsgs(buf.subarray(0, n))[0];
  console.log(
    `listener got type ${m.nlmsg_type === RTM_NEWLINK ? 'RTM_NEWLINK' : m.nlmsg_type} seq ${m.nlmsg_seq} pid ${m.nlmsg_pid} index ${i32(m.payload, 4)} up ${(i32(m.payload, 8) & IFF_UP) !== 0} from (${from.nl_pid}, ${from.nl_groups})`,
  );
}

export const scenario: Scenario = {
  title: 'a member of RTNLGRP_LINK receives RTM_NEWLINK (seq 0, pid 0, from (0, 1)) when lo goes up',
  expect: [
    'set lo down: type=0x2 len=36 flags=0x100 error=0',
    'set lo up: type=0x2 len=36 flags=0x100 error=0',
    'listener got type RTM_NEWLINK seq 0 pid 0 index 1 up true from (0, 1)',
  ],
  // RTM_NEWLINK's size and attributes differ between kernels, and so may the number of notifications.
  project: (n) => n.output,
};
