// Scenario 2: a protocol nothing registered cannot be opened; USERSOCK can.
import { socket, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NETLINK_GENERIC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  await show('protocol 25 (no module loaded)', () => socket(AF_NETLINK, SOCK_RAW, 25));
  await show('protocol 32 (MAX_LINKS)', () => socket(AF_NETLINK, SOCK_RAW, 32));
  await show('protocol -1', () => socket(AF_NETLINK, SOCK_RAW, -1));
  await show('NETLINK_USERSOCK', () => socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK));
  await show('NETLINK_GENERIC', () => socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC));
}

export const scenario: Scenario = {
  title: 'unregistered protocols → EPROTONOSUPPORT; USERSOCK and GENERIC work',
  expect: [
    'protocol 25 (no module loaded): EPROTONOSUPPORT',
    'protocol 32 (MAX_LINKS): EPROTONOSUPPORT',
    'protocol -1: EPROTONOSUPPORT',
    'NETLINK_USERSOCK: 3',
    'NETLINK_GENERIC: 4',
  ],
};
