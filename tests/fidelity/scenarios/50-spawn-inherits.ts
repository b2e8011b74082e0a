// Scenario 50: a spawned process is a fork: it inherits its parent's sockets, which stay open until the last close.
import {
  socket,
  bind,
  close,
  sendto,
  recvfrom,
  getsockname,
  spawn,
  waitpid,
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
  const shared = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(shared, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const port = (await getsockname(shared)).nl_pid;
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const to = await getsockname(rx);
  const child = await spawn(
    async () => {
      console.log(`child: fd ${shared} has the parent's port:`, (await getsockname(shared)).nl_pid === port);
      await show('child: sendto on the inherited fd', () => sendto(shared, bytes('from the child'), 0, to));
      await show('child: its first new socket', () => socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK));
    },
    { name: 'child' },
  );
  // Closed while the child may still use it: the child's reference keeps the socket open.
  const closed = await close(shared);
  console.log('child exit status:', await waitpid(child));
  console.log('parent: close(shared) while the child ran:', closed);
  const buf = new Uint8Array(64);
  // The child has exited: its datagram is queued already (or never came), so do not wait.
  await show(
    'received',
    () => recvfrom(rx, buf, MSG_DONTWAIT),
    (r) => `${JSON.stringify(cstring(buf.subarray(0, r.n)))} from the shared port: ${r.from.nl_pid === port}`,
  );
}

export const scenario: Scenario = {
  title: 'spawn is fork + exec: the child inherits open sockets under the same fds; the last close releases them',
  expect: [
    "child: fd 3 has the parent's port: true",
    'child: sendto on the inherited fd: 14',
    'child: its first new socket: 5',
    'child exit status: 0',
    'parent: close(shared) while the child ran: 0',
    'received: "from the child" from the shared port: true',
  ],
  // The two processes interleave differently (the simulator's scheduler runs the parent until it
  // blocks, Linux runs both at once): compare what each process did, not how their events interleave.
  perProcess: true,
};
