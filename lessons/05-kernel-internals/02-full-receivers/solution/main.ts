/**
 * Three senders meet a full receiver: one that will not wait, one that waits (until the reader
 * drains, or until SO_SNDTIMEO runs out), and a kernel module, which never waits — and whose drop
 * the receiver hears about.
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

// 2. A sender that may wait: it sleeps in netlink_attachskb until the reader makes room.
// The reader is another process; it prints nothing, its recvfrom shows in the syscalls.
const t0 = now();
const reader = await spawn(async () => {
  await sleep(50);
  await recvfrom(rx, new Uint8Array(4096));
}, { name: 'reader' });
await attempt('second datagram, blocking', () => sendto(tx, datagram, 0, to(200)));
console.log(`the blocking send returned only after the reader's 50 ms: ${now() - t0 >= 50}`);
await waitpid(reader);

// 3. A sender that waits at most 100 ms: SO_SNDTIMEO, and nobody reads.
await setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(100));
const t1 = now();
await attempt('third datagram, SO_SNDTIMEO 100 ms', () => sendto(tx, datagram, 0, to(200)));
console.log(`it gave up after the timeout: ${now() - t1 >= 95}`);

// 4. A kernel sender: nl_flood sends three 1000-byte messages to port 300 with nlmsg_unicast.
await insmod(nl_flood);
const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
const victim = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
await bind(victim, to(300));
await setsockopt(victim, SOL_SOCKET, SO_RCVBUF, 1);
const req = floodRequest(300, 3, 984); // three messages of 16 + 984 = 1000 bytes to port 300
await sendto(ctl, nlmsg({ type: NL_FLOOD_UNICAST, flags: NLM_F_REQUEST, seq: 1, payload: req }), 0, to(0));
const { n } = await recvfrom(ctl, buf);
const report = parseNlmsgs(buf.subarray(0, n)).find((m) => m.nlmsg_type === NL_FLOOD_REPORT)!;
const rets = new Int32Array(report.payload.slice().buffer);
console.log(`nlmsg_unicast returned: ${[...rets].join(', ')}`);
for (let i = 0; i < 4; i++) {
  if ((await attempt(`port 300, receive ${i + 1}`, () => recvfrom(victim, buf, MSG_DONTWAIT).then((r) => r.n))) === 'EAGAIN') break;
}

await close(victim);
await close(ctl);
await close(tx);
await close(rx);
