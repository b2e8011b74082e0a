// Scenario 8: once an autobound socket holds the pid, nobody can bind it explicitly.
import {
  socket,
  bind,
  getpid,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show, toKernel } from './lib.ts';

export default async function main() {
  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await toKernel(a, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST }));
  const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('bind(b, getpid())', () => bind(b, { nl_family: AF_NETLINK, nl_pid: getpid(), nl_groups: 0 }));
}

export const scenario: Scenario = {
  title: 'binding the tgid while an autobound socket holds it → EADDRINUSE',
  expect: ['bind(b, getpid()): EADDRINUSE'],
};
