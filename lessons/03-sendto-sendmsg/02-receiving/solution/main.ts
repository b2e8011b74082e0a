/**
 * Receiving, datagram by datagram: a socket connected to another (NETLINK_USERSOCK, user to
 * user), three datagrams of different sizes, and the ways a receive or a send can wait.
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

// 1. Drain the queue without blocking: one datagram per call, however big the buffer.
const buf = new Uint8Array(4096);
let got = 0;
for (;;) {
  try {
    const n = await recv(rx, buf, MSG_DONTWAIT);
    got++;
    console.log(`recv: ${n} bytes: "${cstring(buf.subarray(NLMSG_HDRLEN, n))}"`);
  } catch (e) {
    if (!isEagain(e)) throw e;
    console.log(`recv with MSG_DONTWAIT on an empty queue: EAGAIN, after ${got} datagrams`);
    break;
  }
}

// 2. A blocking receive, bounded by SO_RCVTIMEO.
await setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, timeval(250));
const t0 = now();
try {
  await read(rx, buf);
} catch (e) {
  if (!isEagain(e)) throw e;
  console.log(`read with SO_RCVTIMEO 250 ms: EAGAIN after at least 250 ms: ${now() - t0 >= 250}`);
}

// 3. A blocking send, bounded by SO_SNDTIMEO: fill the receiver, then one more write waits and gives up.
await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1); // the kernel raises it to its minimum
await setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(100));
const big = nlmsg({ type: NLMSG_MIN_TYPE, payload: new Uint8Array(1000) });
let sent = 0;
for (;;) {
  try {
    await write(tx, big);
    sent++;
  } catch (e) {
    if (!isEagain(e)) throw e;
    console.log(`after ${sent} datagram(s) the receiver is full: write waited 100 ms, then EAGAIN`);
    break;
  }
}

// The failed write sent nothing, not part of its datagram: the queue holds exactly `sent`.
let queued = 0;
for (;;) {
  try {
    const n = await recv(rx, buf, MSG_DONTWAIT);
    if (n !== big.length) console.log(`a datagram of ${n} bytes!`);
    queued++;
  } catch (e) {
    if (!isEagain(e)) throw e;
    break;
  }
}
console.log(`queued: ${queued} whole datagram(s) of ${big.length} bytes`);
