// Scenario 28: a full receive queue drops replies and reports ENOBUFS once.
import {
  socket,
  setsockopt,
  getsockopt,
  recvfrom,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SOL_NETLINK,
  SO_RCVBUF,
  SO_ERROR,
  NETLINK_NO_ENOBUFS,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname, toKernel } from './lib.ts';

async function flood(noEnobufs: boolean): Promise<number> {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 0);
  if (noEnobufs) await setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
  for (let seq = 1; seq <= 20; seq++)
    await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq }));
  return fd;
}

async function firstRecv(fd: number): Promise<string> {
  try {
    await recvfrom(fd, new Uint8Array(64), MSG_DONTWAIT);
    return 'a message';
  } catch (e) {
    return errname(e);
  }
}

export default async function main() {
  const a = await flood(false);
  console.log('20 requests, tiny SO_RCVBUF, first recv:', await firstRecv(a));
  console.log('second recv:', await firstRecv(a));
  const b = await flood(true);
  console.log('same with NETLINK_NO_ENOBUFS, first recv:', await firstRecv(b));
  const c = await flood(false);
  console.log('SO_ERROR:', await getsockopt(c, SOL_SOCKET, SO_ERROR));
  console.log('SO_ERROR again:', await getsockopt(c, SOL_SOCKET, SO_ERROR));
  console.log('then recv:', await firstRecv(c));
}

export const scenario: Scenario = {
  title: 'overrun: the first recv fails with ENOBUFS; NETLINK_NO_ENOBUFS: no error; SO_ERROR reads and clears it',
  expect: [
    '20 requests, tiny SO_RCVBUF, first recv: ENOBUFS',
    'second recv: a message',
    'same with NETLINK_NO_ENOBUFS, first recv: a message',
    'SO_ERROR: 105',
    'SO_ERROR again: 0',
    'then recv: a message',
  ],
  // How many replies survive differs between kernels (linux-netlink-behaviour.md): compare the output only.
  project: (n) => n.output,
};
