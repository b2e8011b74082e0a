/**
 * Say hello to nl_test on protocol 25 and collect its replies.
 *
 * It runs, but no reply arrives: one of the three port ids is wrong (see "Three port ids, three
 * meanings"). Parts 0 and 2 of the exercise are marked below.
 */
import {
  socket, bind, sendmsg, recvfrom, close, now, insmod,
  AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE, MSG_DONTWAIT,
  nlmsg, bytes, cstring, NLMSG_DATA, ErrnoError,
} from 'netlink-lab/user';
import nl_test from './module.ts';

const MY_PORT = 100;

// Part 0: before this insmod, try to open a NETLINK_TEST socket and print the error you get.

await insmod(nl_test);

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: MY_PORT, nl_groups: 0 }); // A: my mailbox

const hello = nlmsg({
  type: NLMSG_MIN_TYPE,
  pid: 0, // C: the return address the module replies to
  payload: bytes('Hello you!', true),
});
const kernel = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 }; // B: port 0 is the kernel

const start = now();
await sendmsg(fd, { msg_name: kernel, msg_iov: [hello] });
console.log(`sendmsg returned after ${((now() - start) / 1000).toFixed(0)} s`);

// Whatever the module sent was queued while sendmsg waited: read until the queue is empty.
const buf = new Uint8Array(1024);
let replies = 0;
for (;;) {
  try {
    await recvfrom(fd, buf, MSG_DONTWAIT);
    replies += 1;
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
}
console.log(`${replies} replies`);

// Part 2: spawn() a second process that opens its own NETLINK_TEST socket and binds MY_PORT
// while fd still holds it. Print the error its bind() rejects with, then waitpid() for it.

await close(fd);
