/**
 * Three senders meet a full receiver: one that will not wait (done), one that waits — until the
 * reader drains, or until SO_SNDTIMEO runs out — and a kernel module, which never waits. The
 * numbered steps are the exercise.
 */
import {
  socket, bind, sendto, recvfrom, setsockopt, spawn, waitpid, sleep, now, insmod, close,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, SOL_SOCKET, SO_RCVBUF, SO_SNDTIMEO, MSG_DONTWAIT,
  NLM_F_REQUEST, nlmsg, parseNlmsgs, ErrnoError,
} from 'netlink-lab/user';
import nl_flood, { NETLINK_FLOOD, NL_FLOOD_UNICAST, NL_FLOOD_REPORT } from './module.ts';

/** Make one call, print what the kernel answered, and return the errno's name ('ok' on success). */
async function attempt(what: string, call: () => Promise<unknown>): Promise<string> {
  try {
    const r = await call();
    console.log(`${what}: ok (${typeof r === 'number' ? r : 'done'})`);
    return 'ok';
  } catch (e) {
    if (!(e instanceof ErrnoError)) throw e;
    console.log(`${what}: ${e.code}`);
    return e.code;
  }
}

/** struct timeval { tv_sec; tv_usec } as x86-64 lays it out. */
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}

/** struct nl_flood_req { u32 target; u32 count; u32 size; } (see module.ts). */
function floodRequest(target: number, count: number, size: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, target, true);
  v.setUint32(4, count, true);
  v.setUint32(8, size, true);
  return b;
}

const to = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });
// 1000 bytes cost 2304 of receive buffer (their truesize) on Linux 6.1 and 6.18 alike, which is
// exactly the smallest SO_RCVBUF: one such datagram fills a receiver.
const datagram = new Uint8Array(1000);
const buf = new Uint8Array(4096);

// A receiver with the smallest buffer, holding one datagram: full.
const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, to(200));
await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1);
const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await attempt('first datagram', () => sendto(tx, datagram, MSG_DONTWAIT, to(200)));

// 1. A sender that will not wait: netlink_attachskb says EAGAIN, and nothing else happens.
await attempt('second datagram, MSG_DONTWAIT', () => sendto(tx, datagram, MSG_DONTWAIT, to(200)));

// 2. A sender that may wait. Spawn a reader process that sleeps 50 ms and then reads one
//    datagram from rx (it need not print anything); meanwhile send the second datagram again,
//    this time without MSG_DONTWAIT. Print whether it returned at least 50 ms after you spawned
//    the reader (take now() before spawn), then waitpid.
//
// 3. A sender that waits at most 100 ms: give tx SO_SNDTIMEO = timeval(100) and send a third
//    datagram while nobody reads. What does it get, and after how long?
//
// 4. A kernel sender. Load nl_flood, open two NETLINK_FLOOD sockets: `ctl` to make requests and
//    `victim` bound to port 300 with SO_RCVBUF 1. Ask nl_flood (an NL_FLOOD_UNICAST request to
//    port 0 from ctl, with floodRequest(300, 3, 984)) to send three 1000-byte messages to port 300.
//    Read its NL_FLOOD_REPORT on ctl and print the three return values of nlmsg_unicast; then
//    receive on the victim with MSG_DONTWAIT until EAGAIN. What comes first?

await close(tx);
await close(rx);
