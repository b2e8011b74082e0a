// Scenario 5: the pid is taken by the first socket, so a second one gets a negative port id.
import {
  socket,
  getsockname,
  getpid,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_GENERIC,
  NLMSG_NOOP,
  NLM_F_REQUEST,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

export default async function main() {
  const noop = nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST });
  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const g = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(a, noop);
  await toKernel(b, noop);
  await toKernel(g, noop);
  const pa = (await getsockname(a)).nl_pid;
  const pb = (await getsockname(b)).nl_pid;
  const pg = (await getsockname(g)).nl_pid;
  console.log('first ROUTE socket: port == getpid():', pa === getpid());
  console.log('second ROUTE socket: port negative:', pb < 0);
  console.log('GENERIC socket (other protocol): port == getpid():', pg === getpid());
}

export const scenario: Scenario = {
  title: 'a second autobound socket of the same protocol gets a negative port',
  expect: [
    'first ROUTE socket: port == getpid(): true',
    'second ROUTE socket: port negative: true',
    'GENERIC socket (other protocol): port == getpid(): true',
  ],
};
