// Scenario 55: sending to a user socket whose receive queue is full: EAGAIN with MSG_DONTWAIT, else the sender sleeps.
import {
  socket,
  bind,
  setsockopt,
  sendto,
  recvfrom,
  getsockname,
  spawn,
  waitpid,
  sleep,
  now,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_SOCKET,
  SO_RCVBUF,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname } from './lib.ts';

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 0);
  const to = await getsockname(rx);
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  const datagram = new Uint8Array(200);
  let sent = 0;
  let error = '';
  while (sent < 100) {
    try {
      await sendto(tx, datagram, MSG_DONTWAIT, to);
      sent++;
    } catch (e) {
      error = errname(e);
      break;
    }
  }
  console.log(
    `MSG_DONTWAIT sends until the queue is full: ${error} after ${sent > 0 && sent < 100 ? 'a few' : sent} datagrams`,
  );

  const reader = await spawn(
    async () => {
      await sleep(100);
      await recvfrom(rx, new Uint8Array(256));
    },
    { name: 'reader' },
  );
  const t0 = now();
  console.log('blocking sendto:', await sendto(tx, datagram, 0, to));
  console.log('it slept until the reader made room:', now() - t0 >= 90);
  await waitpid(reader);
}

export const scenario: Scenario = {
  title: 'a full receiver: MSG_DONTWAIT → EAGAIN; a blocking send sleeps until the receiver reads',
  expect: [
    'MSG_DONTWAIT sends until the queue is full: EAGAIN after a few datagrams',
    'blocking sendto: 200',
    'it slept until the reader made room: true',
  ],
  // How many datagrams fit depends on each kernel's buffer accounting: compare the conclusions.
  project: (n) => n.output,
};
