// Scenario 68: a send to a group and a port at once (lessons 2.7, 3.3): the member at the port is
// skipped by the broadcast (netlink_broadcast's portid argument) and gets the unicast instead, one
// copy, still marked with the group; the sending socket never gets its own broadcast; a send to
// getsockname()'s address carries its groups along.
import {
  socket,
  bind,
  setsockopt,
  getsockname,
  sendto,
  recvmsg,
  bytes,
  cstring,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_NETLINK,
  NETLINK_PKTINFO,
  MSG_DONTWAIT,
  type SockaddrNl,
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
  const a = await open(0b100); // group 3
  const b = await open(0b101); // groups 1 and 3
  const sender = await open(0b100); // group 3 too
  const portA = (await getsockname(a)).nl_pid;
  const drain = async (name: string, fd: number) => {
    const got: string[] = [];
    for (;;) {
      const buf = new Uint8Array(64);
      try {
        const r = await recvmsg(fd, { msg_iov: [buf], msg_controllen: 64 }, MSG_DONTWAIT);
        const group = r.control.length
          ? new DataView(r.control[0]!.data.buffer, r.control[0]!.data.byteOffset).getUint32(0, true)
          : -1;
        got.push(
          `${JSON.stringify(cstring(buf.subarray(0, r.n)))} groups 0x${r.from.nl_groups.toString(16)} pktinfo ${group}`,
        );
      } catch {
        break;
      }
    }
    console.log(`${name}: ${got.join('; ') || 'nothing'}`);
  };
  const to = (pid: number, groups: number): SockaddrNl => ({ nl_family: AF_NETLINK, nl_pid: pid, nl_groups: groups });
  await show("sendto(a's port, group 3)", () => sendto(sender, bytes('group 3 and a'), 0, to(portA, 0b100)));
  await drain('a', a);
  await drain('b', b);
  await drain('the sender', sender);
  // getsockname(b) has b's groups: a send to it goes to b's lowest group (1) as well as to b.
  await show('sendto(getsockname(b))', async () => sendto(sender, bytes('to b'), 0, await getsockname(b)));
  await drain('b', b);
}

export const scenario: Scenario = {
  title:
    'a send to a group and a port: the member at the port gets one copy (the unicast, marked with the group); the sender none',
  expect: [
    "sendto(a's port, group 3): 13",
    'a: "group 3 and a" groups 0x4 pktinfo 3',
    'b: "group 3 and a" groups 0x4 pktinfo 3',
    'the sender: nothing',
    'sendto(getsockname(b)): 4',
    'b: "to b" groups 0x1 pktinfo 1',
  ],
};
