// Scenario 46: NETLINK_ROUTE in a fresh network namespace knows only the loopback device.
import {
  socket,
  nlmsg,
  parseNlmsgs,
  parseAttrs,
  parseNlmsgerr,
  recvfrom,
  cstring,
  errnoName,
  i32,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  RTM_GETLINK,
  RTM_NEWLINK,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLMSG_DONE,
  NLMSG_ERROR,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

const IFLA_IFNAME = 3;

/** struct ifinfomsg: family, pad, type, index, flags, change. */
function ifinfomsg(index: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setInt32(4, index, true);
  return b;
}

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await toKernel(fd, nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 1, payload: ifinfomsg(0) }));
  const buf = new Uint8Array(32768);
  for (let done = false; !done; ) {
    const { n } = await recvfrom(fd, buf);
    for (const m of parseNlmsgs(buf.subarray(0, n))) {
      const multi = (m.nlmsg_flags & NLM_F_MULTI) !== 0;
      if (m.nlmsg_type === RTM_NEWLINK) {
        const name = parseAttrs(m.payload.subarray(16)).find((a) => a.type === IFLA_IFNAME);
        console.log(`RTM_NEWLINK index ${i32(m.payload, 4)} name ${name ? cstring(name.payload) : '?'} multi ${multi}`);
      } else if (m.nlmsg_type === NLMSG_DONE) {
        console.log(`NLMSG_DONE len ${m.nlmsg_len} value ${i32(m.payload, 0)} multi ${multi}`);
        done = true;
      } else {
        console.log(`unexpected type ${m.nlmsg_type}`);
        done = true;
      }
    }
  }
  await toKernel(fd, nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST, seq: 2, payload: ifinfomsg(999) }));
  const { n } = await recvfrom(fd, buf);
  const m = parseNlmsgs(buf.subarray(0, n))[0];
  const err = m.nlmsg_type === NLMSG_ERROR ? parseNlmsgerr(m) : null;
  console.log('RTM_GETLINK index 999:', err ? `error -${errnoName(-err.error)}` : `type ${m.nlmsg_type}`);
}

export const scenario: Scenario = {
  title: 'NETLINK_ROUTE in a fresh namespace: RTM_GETLINK dump lists lo; index 999 → ENODEV',
  expect: [
    'RTM_NEWLINK index 1 name lo multi true',
    'NLMSG_DONE len 20 value 0 multi true',
    'RTM_GETLINK index 999: error -ENODEV',
  ],
  // RTM_NEWLINK's size and attributes differ between kernels: compare what the program saw.
  project: (n) => n.output,
};
