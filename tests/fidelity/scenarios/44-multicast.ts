// Scenario 44: user→user multicast on NETLINK_USERSOCK (root may send to groups).
import {
  socket,
  bind,
  setsockopt,
  sendto,
  recvmsg,
  recvfrom,
  getsockname,
  bytes,
  cstring,
  hex,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_PKTINFO,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const open = async (groups: number) => {
    const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
    await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: groups });
    await setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, 1);
    return fd;
  };
  const inBoth = await open(0b110); // groups 2 and 3
  const inThree = await open(0);
  await setsockopt(inThree, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 3);
  const sender = await open(0b010); // subscribed to group 2 itself
  const senderPort = (await getsockname(sender)).nl_pid;
  await show('sendto(pid 0, groups 2 and 3)', () =>
    sendto(sender, bytes('to the groups'), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0b110 }),
  );
  for (const [name, fd] of [
    ['member of 2 and 3', inBoth],
    ['member of 3', inThree],
  ] as const) {
    const buf = new Uint8Array(64);
    const r = await show(
      name,
      () => recvmsg(fd, { msg_iov: [buf], msg_controllen: 64 }, MSG_DONTWAIT),
      (r) =>
        `${JSON.stringify(cstring(buf.subarray(0, r.n)))} from sender: ${r.from.nl_pid === senderPort}, from groups 0x${r.from.nl_groups.toString(16)}`,
    );
    for (const c of r?.control ?? []) console.log(`  cmsg level ${c.cmsg_level} type ${c.cmsg_type}: ${hex(c.data)}`);
  }
  await show(
    'the sender itself',
    () => recvfrom(sender, new Uint8Array(64), MSG_DONTWAIT),
    (r) => `${r.n} bytes`,
  );
}

export const scenario: Scenario = {
  title:
    'user→user multicast: only the lowest group, in from and PKTINFO; sender excluded; USERSOCK sendto → ECONNREFUSED',
  expect: [
    'sendto(pid 0, groups 2 and 3): ECONNREFUSED',
    'member of 2 and 3: "to the groups" from sender: true, from groups 0x2',
    '  cmsg level 270 type 3: 02000000',
    // Only the lowest group of nl_groups is used (dst_group = ffs(nl_groups)).
    'member of 3: EAGAIN',
    'the sender itself: EAGAIN',
  ],
};
