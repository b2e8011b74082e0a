/**
 * Port ids: who picks them, who may share them, and what the kernel believes about the port id in
 * a message header. nl_test runs in echo mode: it sends every message back to the port id written
 * in the message's header (nlmsg_pid) — and, as the module is written, ignores a header that says 0.
 *
 * Steps 1 and 2 run as they are. Step 3 and step 4 are the exercise.
 */
import {
  socket, bind, getsockname, sendto, recvfrom, close, getpid, insmod, nlmsg, bytes, cstring, NLMSG_DATA, ErrnoError,
  AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE, MSG_DONTWAIT,
} from 'netlink-lab/user';
import { nl_test } from './module.ts';

const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
const at = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });
const port = async (fd: number) => (await getsockname(fd)).nl_pid;

/** Print every message waiting on `fd`, then EAGAIN. */
async function drain(name: string, fd: number): Promise<void> {
  const buf = new Uint8Array(1024);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      console.log(`  ${name} received ${n} bytes: "${cstring(NLMSG_DATA(buf))}"`);
    } catch (e) {
      if (e instanceof ErrnoError && e.code === 'EAGAIN') return console.log(`  ${name}: nothing (more)`);
      throw e;
    }
  }
}

await insmod(nl_test({ delayed: 0 })); // echo mode

// 1. Autobind: bind() to port 0 lets the kernel choose. The first socket gets the process id,
//    the next ones a negative number: autobind never fails with EADDRINUSE.
const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
console.log(`a: port ${await port(a)} before bind`);
await bind(a, at(0));
const A = await port(a);
console.log(`a: autobound, port == getpid(): ${A === getpid()}`);
const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
await bind(b, at(0));
console.log(`b: autobound, port < 0: ${(await port(b)) < 0}`);

// 2. An explicit port id is yours only if nobody holds it.
const c = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
await bind(c, at(100));
const d = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
try {
  await bind(d, at(100));
} catch (e) {
  console.log(`d: bind(100): ${(e as Error).message}`);
}
console.log(`d: getsockname after the failed bind: port ${await port(d)}`);

// 3. The header's nlmsg_pid is whatever the sender wrote. Make nl_test deliver a's message to c.
await sendto(a, nlmsg({ type: NLMSG_MIN_TYPE, pid: A, payload: bytes('from a, for c', true) }), 0, KERNEL);
await drain('a', a);
await drain('c', c);

// 4. A header that says 0. The module refuses to answer it — for now.
try {
  await sendto(a, nlmsg({ type: NLMSG_MIN_TYPE, pid: 0, payload: bytes('to port 0', true) }), 0, KERNEL);
  console.log('a: sendto with header pid 0 returned');
} catch (e) {
  console.log(`a: sendto with header pid 0: ${(e as Error).message}`);
}
await drain('a', a);

for (const fd of [a, b, c, d]) await close(fd);
