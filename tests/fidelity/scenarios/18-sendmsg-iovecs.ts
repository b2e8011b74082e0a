// Scenario 18: sendmsg gathers its iovecs into one datagram.
import {
  socket,
  bind,
  sendmsg,
  recvfrom,
  getsockname,
  nlmsg,
  bytes,
  cstring,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, describe } from './lib.ts';

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  console.log(
    'sendmsg two iovecs:',
    await sendmsg(tx, { msg_name: await getsockname(rx), msg_iov: [bytes('net'), bytes('link')] }),
  );
  const buf = new Uint8Array(64);
  const { n } = await recvfrom(rx, buf);
  console.log('received:', n, cstring(buf.subarray(0, n)));

  // A request split across two iovecs is one message to the kernel.
  const rt = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const req = nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 3 });
  console.log(
    'split request:',
    await sendmsg(rt, { msg_name: KERNEL, msg_iov: [req.subarray(0, 6), req.subarray(6)] }),
  );
  const r = await recvfrom(rt, buf);
  console.log('reply:', describe(buf.subarray(0, r.n)).join('; '));
}

export const scenario: Scenario = {
  title: 'sendmsg with two iovecs sends their concatenation',
  expect: [
    'sendmsg two iovecs: 7',
    'received: 7 netlink',
    'split request: 16',
    'reply: type=0x2 len=36 flags=0x100 error=0',
  ],
};
