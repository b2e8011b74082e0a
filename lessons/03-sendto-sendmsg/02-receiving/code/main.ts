/**
 * Receiving, datagram by datagram: a socket connected to another (NETLINK_USERSOCK, user to
 * user), three datagrams of different sizes, and the ways a receive or a send can wait.
 * The exercise is in the numbered TODOs at the end.
 */
import {
  socket, bind, connect, getsockname, setsockopt, write, read, recv, now, nlmsg, bytes, cstring,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NLMSG_MIN_TYPE, NLMSG_HDRLEN, MSG_DONTWAIT,
  SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVBUF, ErrnoError,
} from 'netlink-lab/user';

/** struct timeval { tv_sec, tv_usec } as x86-64 lays it out (SO_RCVTIMEO and SO_SNDTIMEO take one). */
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}
const isEagain = (e: unknown) => e instanceof ErrnoError && e.code === 'EAGAIN';

// The receiver, bound to a port the kernel picks; the sender, connected to it so write() works.
const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await connect(tx, await getsockname(rx));

for (const text of ['one', 'three', 'seventeen letters']) {
  const n = await write(tx, nlmsg({ type: NLMSG_MIN_TYPE, payload: bytes(text, true) }));
  console.log(`write: ${n} bytes ("${text}")`);
}

// A stream habit: one big read should get everything that was written. Does it?
const buf = new Uint8Array(4096);
const n = await read(rx, buf);
console.log(`read: ${n} bytes: "${cstring(buf.subarray(NLMSG_HDRLEN, n))}"`);

// 1. Receive what is left with MSG_DONTWAIT, one call at a time, until the queue is empty
//    (EAGAIN); print each datagram's size.
// 2. Set SO_RCVTIMEO to 250 ms on rx and call read() once more: it must give up with EAGAIN.
// 3. Shrink rx's SO_RCVBUF (ask for 1: the kernel raises it to its minimum), set SO_SNDTIMEO to
//    100 ms on tx, and write 1016-byte datagrams until one write gives up with EAGAIN.
//    Then drain rx and count: did the failed write leave anything behind?
void [recv, now, MSG_DONTWAIT, SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVBUF, setsockopt, timeval, isEagain];
