// Scenario 4: the first send binds the socket to the process's pid; replies carry it.
import {
  socket,
  getsockname,
  getpid,
  recvfrom,
  nlmsg,
  parseNlmsgs,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  console.log('port before send:', (await getsockname(fd)).nl_pid);
  console.log('sent:', await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7 })));
  const port = (await getsockname(fd)).nl_pid;
  console.log('port == getpid():', port === getpid());
  const buf = new Uint8Array(4096);
  const { n, from } = await recvfrom(fd, buf);
  console.log('reply:', describe(buf.subarray(0, n)).join('; '), 'from', from.nl_pid, from.nl_groups);
  console.log('reply nlmsg_pid == port:', parseNlmsgs(buf.subarray(0, n))[0].nlmsg_pid === port);
}

export const scenario: Scenario = {
  title: 'autobind on first send: port == getpid(); replies carry it in nlmsg_pid',
  expect: [
    'port before send: 0',
    'sent: 16',
    'port == getpid(): true',
    'reply: type=0x2 len=36 flags=0x100 error=0 from 0 0',
    'reply nlmsg_pid == port: true',
  ],
};
