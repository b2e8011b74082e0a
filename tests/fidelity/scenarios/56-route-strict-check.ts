// Scenario 56: NETLINK_GET_STRICT_CHK makes a link dump check its header; the error comes in NLMSG_DONE with an extack message.
import {
  socket,
  setsockopt,
  recvfrom,
  nlmsg,
  parseNlmsgs,
  parseAttrs,
  i32,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_NETLINK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_EXT_ACK,
  RTM_GETLINK,
  RTM_NEWLINK,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSGERR_ATTR_MSG,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

/** Dump the links with a struct ifinfomsg whose ifi_change is not 0 (not allowed in a strict dump). */
async function dump(fd: number, seq: number): Promise<void> {
  const ifi = new Uint8Array(16);
  new DataView(ifi.buffer).setUint32(12, 0xffffffff, true);
  await toKernel(fd, nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload: ifi }));
  const buf = new Uint8Array(32768);
  for (;;) {
    const { n } = await recvfrom(fd, buf);
    for (const m of parseNlmsgs(buf.subarray(0, n))) {
      if (m.nlmsg_type === RTM_NEWLINK) {
        console.log('  RTM_NEWLINK');
        continue;
      }
      const err = i32(m.payload, 0);
      // What follows the error: in NLMSG_DONE the extack attributes, after the int.
      const tlvs = m.nlmsg_type === NLMSG_DONE ? parseAttrs(m.payload.subarray(4)) : [];
      console.log(
        `  ${m.nlmsg_type === NLMSG_DONE ? 'NLMSG_DONE' : m.nlmsg_type === NLMSG_ERROR ? 'NLMSG_ERROR' : m.nlmsg_type} flags 0x${m.nlmsg_flags.toString(16)} error ${err} extack message: ${tlvs.some((a) => a.type === NLMSGERR_ATTR_MSG)}`,
      );
      return;
    }
  }
}

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  console.log('without strict checking:');
  await dump(fd, 1);
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  console.log('with NETLINK_GET_STRICT_CHK and NETLINK_EXT_ACK:');
  await dump(fd, 2);
}

export const scenario: Scenario = {
  title: 'strict link dump with a bad ifinfomsg → NLMSG_DONE carrying -EINVAL and an extack message',
  expect: [
    'without strict checking:',
    '  RTM_NEWLINK',
    '  NLMSG_DONE flags 0x2 error 0 extack message: false',
    'with NETLINK_GET_STRICT_CHK and NETLINK_EXT_ACK:',
    '  NLMSG_DONE flags 0x202 error -22 extack message: true',
  ],
  // Extack texts and RTM_NEWLINK's attributes differ between kernels: compare the conclusions.
  project: (n) => n.output,
};
