// Scenario 9: a bound socket keeps its port id.
import { socket, bind, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const at = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('bind(5000)', () => bind(fd, at(5000)));
  await show('bind(5001)', () => bind(fd, at(5001)));
  await show('bind(5000) again', () => bind(fd, at(5000)));
  await show('bind(0)', () => bind(fd, at(0)));
}

export const scenario: Scenario = {
  title: 'rebind: different pid → EINVAL; same pid → 0; pid 0 → EINVAL',
  expect: ['bind(5000): 0', 'bind(5001): EINVAL', 'bind(5000) again: 0', 'bind(0): EINVAL'],
};
