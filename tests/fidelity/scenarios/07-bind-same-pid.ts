// Scenario 7: an explicit port id can be bound once per protocol.
import { socket, bind, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, NETLINK_GENERIC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const at = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });

export default async function main() {
  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const g = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await show('bind(a, 4242)', () => bind(a, at(4242)));
  await show('bind(b, 4242)', () => bind(b, at(4242)));
  await show('bind(GENERIC socket, 4242)', () => bind(g, at(4242)));
}

export const scenario: Scenario = {
  title: 'two sockets bind the same explicit pid → EADDRINUSE (per protocol)',
  expect: ['bind(a, 4242): 0', 'bind(b, 4242): EADDRINUSE', 'bind(GENERIC socket, 4242): 0'],
};
