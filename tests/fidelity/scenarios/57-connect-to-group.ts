// Scenario 57: a socket connected to a multicast group: write() sends to the group's members.
import {
  socket,
  bind,
  connect,
  write,
  recvmsg,
  getpeername,
  getsockname,
  bytes,
  cstring,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

export default async function main() {
  const member = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(member, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << 3 }); // group 4
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('connect((0, group 4))', () => connect(tx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << 3 }));
  const peer = await getpeername(tx);
  console.log(`peer: pid ${peer.nl_pid} groups 0x${peer.nl_groups.toString(16)}`);
  await show('write', () => write(tx, bytes('to group 4')));
  const buf = new Uint8Array(64);
  const port = (await getsockname(tx)).nl_pid;
  await show(
    'member receives',
    () => recvmsg(member, { msg_iov: [buf] }, MSG_DONTWAIT),
    (r) =>
      `${JSON.stringify(cstring(buf.subarray(0, r.n)))} from the writer: ${r.from.nl_pid === port}, groups 0x${r.from.nl_groups.toString(16)}`,
  );
}

export const scenario: Scenario = {
  title: 'connect to (0, group): write() multicasts to the group (USERSOCK still refuses the unicast half)',
  expect: [
    'connect((0, group 4)): 0',
    'peer: pid 0 groups 0x8',
    'write: ECONNREFUSED',
    'member receives: "to group 4" from the writer: true, groups 0x8',
  ],
};
