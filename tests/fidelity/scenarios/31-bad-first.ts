// Scenario 31: a malformed first message ends the walk: nothing after it is processed.
import {
  socket,
  concat,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const good = nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 2 });
  await toKernel(fd, concat(nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, len: 8 }), good));
  await drain(fd, 'short first message');
  await toKernel(fd, concat(nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, len: 200 }), good));
  await drain(fd, 'overlong first message');
  await toKernel(fd, concat(good, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 3, len: 8 }), good));
  await drain(fd, 'good, short, good');
}

export const scenario: Scenario = {
  title: 'a bad first message → nothing processed (and a bad middle one ends the walk)',
  expect: [
    'short first message: EAGAIN',
    'overlong first message: EAGAIN',
    'good, short, good: type=0x2 len=36 flags=0x100 error=0',
    'good, short, good: EAGAIN',
  ],
};
