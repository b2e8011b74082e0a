// Scenario 15: netlink refuses an empty datagram.
import { socket, sendto, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('sendto(0 bytes)', () => sendto(fd, new Uint8Array(0), 0, KERNEL));
}

export const scenario: Scenario = { title: '0-byte send → ENODATA', expect: ['sendto(0 bytes): ENODATA'] };
