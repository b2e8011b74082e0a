// Scenario 20: the kernel doubles buffer sizes and enforces minimums.
import {
  socket,
  setsockopt,
  getsockopt,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  console.log(
    'default SO_RCVBUF:',
    await getsockopt(fd, SOL_SOCKET, SO_RCVBUF),
    'SO_SNDBUF:',
    await getsockopt(fd, SOL_SOCKET, SO_SNDBUF),
  );
  for (const [name, opt] of [
    ['SO_RCVBUF', SO_RCVBUF],
    ['SO_SNDBUF', SO_SNDBUF],
  ] as const) {
    for (const v of [0, 1000, 10000]) {
      await setsockopt(fd, SOL_SOCKET, opt, v);
      console.log(`${name} set ${v} → ${await getsockopt(fd, SOL_SOCKET, opt)}`);
    }
  }
}

export const scenario: Scenario = {
  title: 'SO_RCVBUF / SO_SNDBUF: stored doubled, minimums 2304 and 4608',
  expect: [
    'default SO_RCVBUF: 212992 SO_SNDBUF: 212992',
    'SO_RCVBUF set 0 → 2304',
    'SO_RCVBUF set 1000 → 2304',
    'SO_RCVBUF set 10000 → 20000',
    'SO_SNDBUF set 0 → 4608',
    'SO_SNDBUF set 1000 → 4608',
    'SO_SNDBUF set 10000 → 20000',
  ],
};
