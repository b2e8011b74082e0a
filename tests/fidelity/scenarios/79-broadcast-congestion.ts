// Scenario 79: an overrun listener is congested until its queue is empty; NETLINK_NO_ENOBUFS never is.
import {
  socket,
  bind,
  setsockopt,
  sendto,
  recvfrom,
  close,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_SOCKET,
  SOL_NETLINK,
  SO_RCVBUF,
  NETLINK_NO_ENOBUFS,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname } from './lib.ts';

const to = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });
let index = 0;

/** Broadcast one 1000-byte datagram (truesize 2304 on 6.1 and 6.18) to group 1; its first u32 is its index. */
async function broadcast(tx: number): Promise<void> {
  const d = new Uint8Array(1000);
  new DataView(d.buffer).setUint32(0, ++index, true);
  // USERSOCK has no kernel socket: the unicast half of the send fails, the broadcast is done.
  await sendto(tx, d, 0, to(0, 1)).catch(() => 0);
}

async function read(fd: number): Promise<string> {
  const got: string[] = [];
  for (;;) {
    try {
      const buf = new Uint8Array(2000);
      await recvfrom(fd, buf, MSG_DONTWAIT);
      got.push(`#${new DataView(buf.buffer).getUint32(0, true)}`);
    } catch (e) {
      const name = errname(e);
      if (name === 'EAGAIN') break;
      got.push(name);
    }
  }
  return got.join(' ');
}

async function one(fd: number): Promise<string> {
  try {
    const buf = new Uint8Array(2000);
    await recvfrom(fd, buf, MSG_DONTWAIT);
    return `#${new DataView(buf.buffer).getUint32(0, true)}`;
  } catch (e) {
    return errname(e);
  }
}

export default async function main() {
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  for (const quiet of [false, true]) {
    index = 0;
    const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
    await bind(rx, to(300, 1));
    await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 4608); // 9216: four of them
    if (quiet) await setsockopt(rx, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
    const label = quiet ? 'NO_ENOBUFS' : 'plain';
    for (let i = 0; i < 5; i++) await broadcast(tx);
    console.log(`${label}, five broadcasts, two receives: ${await one(rx)} ${await one(rx)}`);
    await broadcast(tx);
    console.log(`${label}, one more with room for it, then drain: ${await read(rx)}`);
    await broadcast(tx);
    console.log(`${label}, one more after the drain: ${await read(rx)}`);
    await close(rx);
  }
}

export const scenario: Scenario = {
  title: 'broadcast overrun: ENOBUFS once, then refused until the queue is empty; NETLINK_NO_ENOBUFS: drops only',
  expect: [
    'plain, five broadcasts, two receives: ENOBUFS #1',
    'plain, one more with room for it, then drain: #2 #3 #4',
    'plain, one more after the drain: #7',
    'NO_ENOBUFS, five broadcasts, two receives: #1 #2',
    'NO_ENOBUFS, one more with room for it, then drain: #3 #4 #6',
    'NO_ENOBUFS, one more after the drain: #7',
  ],
};
