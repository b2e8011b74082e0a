// Scenario 68: poll(2) on netlink sockets and files: POLLIN once a datagram is queued, POLLOUT always, POLLNVAL for a bad fd, a blocking poll woken by another process.
import {
  socket,
  bind,
  sendto,
  recvfrom,
  poll,
  close,
  open,
  spawn,
  waitpid,
  sleep,
  getsockname,
  nlmsg,
  bytes,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
  POLLIN,
  POLLOUT,
  POLLERR,
  O_RDONLY,
  type PollFd,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, show } from './lib.ts';

const fmt = (fds: PollFd[]) => (n: number) => `${n} [${fds.map((p) => p.revents).join(' ')}]`;

export default async function main() {
  const rt = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  let fds: PollFd[] = [{ fd: rt, events: POLLIN }];
  await show('poll(POLLIN) on an empty socket, timeout 0', () => poll(fds, 0), fmt(fds));
  fds = [{ fd: rt, events: POLLIN | POLLOUT }];
  await show('poll(POLLIN|POLLOUT), timeout 0', () => poll(fds, 0), fmt(fds));
  await sendto(rt, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 }), 0, KERNEL);
  fds = [{ fd: rt, events: POLLIN }];
  await show('poll(POLLIN) with an ACK queued', () => poll(fds, 0), fmt(fds));
  await recvfrom(rt, new Uint8Array(256));
  fds = [
    { fd: rt, events: POLLIN },
    { fd: 99, events: POLLIN },
    { fd: -1, events: POLLIN },
  ];
  await show('after reading it, with a bad fd and fd -1', () => poll(fds, 0), fmt(fds));
  fds = [{ fd: rt, events: POLLIN }];
  await show('poll(POLLIN) with a 30 ms timeout', () => poll(fds, 30), fmt(fds));
  fds = [{ fd: rt, events: 0 }];
  await show('events 0', () => poll(fds, 0), fmt(fds));
  const file = await open('/proc/sys/net/core/somaxconn', O_RDONLY);
  fds = [{ fd: file, events: POLLIN | POLLOUT | POLLERR }];
  await show('poll on a sysctl file', () => poll(fds, 0), fmt(fds));
  await close(file);

  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const to = await getsockname(rx);
  const child = await spawn(
    async () => {
      await sleep(50);
      const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await sendto(tx, bytes('wake up'), 0, to);
    },
    { name: 'waker' },
  );
  fds = [{ fd: rx, events: POLLIN }];
  await show('poll(POLLIN, no timeout) until another process sends', () => poll(fds, -1), fmt(fds));
  console.log('child exit:', await waitpid(child));
}

export const scenario: Scenario = {
  title: 'poll on netlink sockets and a sysctl: POLLIN, POLLOUT, POLLNVAL, timeouts, a wake-up',
  project: (n) => n.output,
  expect: [
    'poll(POLLIN) on an empty socket, timeout 0: 0 [0]',
    'poll(POLLIN|POLLOUT), timeout 0: 1 [4]',
    'poll(POLLIN) with an ACK queued: 1 [1]',
    'after reading it, with a bad fd and fd -1: 1 [0 32 0]',
    'poll(POLLIN) with a 30 ms timeout: 0 [0]',
    'events 0: 0 [0]',
    'poll on a sysctl file: 1 [5]',
    'poll(POLLIN, no timeout) until another process sends: 1 [1]',
    'child exit: 0',
  ],
};
