// Scenario 69: SO_SNDTIMEO bounds a send to a full receiver (lesson 3.2): the send waits, fails
// with EAGAIN, and leaves nothing of its datagram behind.
import {
  socket,
  bind,
  connect,
  getsockname,
  setsockopt,
  write,
  recvfrom,
  now,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  NLMSG_MIN_TYPE,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDTIMEO,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname } from './lib.ts';

/** struct timeval as x86-64 lays it out. */
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1);
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await connect(tx, await getsockname(rx));
  await setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(150));
  const msg = nlmsg({ type: NLMSG_MIN_TYPE, payload: new Uint8Array(500) });
  let sent = 0;
  let waited = 0;
  for (let i = 0; i < 100; i++) {
    const t = now();
    try {
      await write(tx, msg);
      sent++;
    } catch (e) {
      waited = now() - t;
      console.log(`write ${sent + 1}: ${errname(e)}`);
      break;
    }
  }
  console.log(`it waited 150 ms first: ${waited >= 140 && waited < 2000}`);
  let queued = 0;
  const buf = new Uint8Array(1024);
  for (;;) {
    try {
      const r = await recvfrom(rx, buf, MSG_DONTWAIT);
      if (r.n === msg.length) queued++;
    } catch {
      break;
    }
  }
  console.log(`queued = sent: ${queued === sent}`);
}

export const scenario: Scenario = {
  title: 'SO_SNDTIMEO: a send to a full receiver waits, then EAGAIN, and queues nothing',
  expect: [
    // 6.18 admits one datagram into the minimum receive buffer (how many fit is kernel accounting).
    'write 2: EAGAIN',
    'it waited 150 ms first: true',
    'queued = sent: true',
  ],
};
