// Scenario 47: read and write work on netlink sockets: write sends to the connected peer.
import {
  socket,
  bind,
  connect,
  read,
  write,
  getsockname,
  bytes,
  cstring,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, describe, show } from './lib.ts';

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await connect(tx, await getsockname(rx));
  await show('write to the connected peer', () => write(tx, bytes('via write')));
  const buf = new Uint8Array(64);
  await show(
    'read',
    () => read(rx, buf),
    (n) => `${n} ${JSON.stringify(cstring(buf.subarray(0, n)))}`,
  );

  const rt = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await connect(rt, KERNEL);
  await show('write a request to the kernel', () =>
    write(rt, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 9 })),
  );
  await show(
    'read the ACK',
    () => read(rt, buf),
    (n) => describe(buf.subarray(0, n)).join('; '),
  );
  const unconnected = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await show('write on an unconnected USERSOCK socket', () => write(unconnected, bytes('x')));
}

export const scenario: Scenario = {
  title: 'read/write on netlink sockets: write goes to the connected peer',
  expect: [
    'write to the connected peer: 9',
    'read: 9 "via write"',
    'write a request to the kernel: 16',
    'read the ACK: type=0x2 len=36 flags=0x100 error=0',
    'write on an unconnected USERSOCK socket: ECONNREFUSED',
  ],
};
