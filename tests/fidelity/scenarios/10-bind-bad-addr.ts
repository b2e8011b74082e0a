// Scenario 10: bind checks the address length and family.
import { socket, bind, sockaddr_nl, AF_NETLINK, AF_INET, SOCK_RAW, NETLINK_ROUTE, concat } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('bind, addrlen 8', () => bind(fd, sockaddr_nl({ nl_pid: 6000 }).subarray(0, 8)));
  await show('bind, family AF_INET', () => bind(fd, sockaddr_nl({ nl_family: AF_INET, nl_pid: 6000 })));
  await show('bind, addrlen 16', () => bind(fd, concat(sockaddr_nl({ nl_pid: 6000 }), new Uint8Array(4))));
}

export const scenario: Scenario = {
  title: 'bind with addrlen 8 or family AF_INET → EINVAL; addrlen 16 accepted',
  expect: ['bind, addrlen 8: EINVAL', 'bind, family AF_INET: EINVAL', 'bind, addrlen 16: 0'],
};
