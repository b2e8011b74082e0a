// Scenario 1: only SOCK_RAW and SOCK_DGRAM make netlink sockets.
import {
  socket,
  close,
  AF_NETLINK,
  SOCK_STREAM,
  SOCK_SEQPACKET,
  SOCK_DGRAM,
  SOCK_RAW,
  NETLINK_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const types: [string, number][] = [
    ['SOCK_STREAM', SOCK_STREAM],
    ['SOCK_SEQPACKET', SOCK_SEQPACKET],
    ['SOCK_DGRAM', SOCK_DGRAM],
    ['SOCK_RAW', SOCK_RAW],
  ];
  for (const [name, type] of types) {
    const fd = await show(`socket(AF_NETLINK, ${name}, NETLINK_ROUTE)`, () => socket(AF_NETLINK, type, NETLINK_ROUTE));
    if (fd !== undefined) await close(fd);
  }
}

export const scenario: Scenario = {
  title: 'socket types: STREAM and SEQPACKET → ESOCKTNOSUPPORT; DGRAM and RAW work',
  expect: [
    'socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE): ESOCKTNOSUPPORT',
    'socket(AF_NETLINK, SOCK_SEQPACKET, NETLINK_ROUTE): ESOCKTNOSUPPORT',
    'socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE): 3',
    'socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE): 3',
  ],
};
