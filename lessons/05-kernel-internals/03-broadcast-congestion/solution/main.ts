/**
 * A kernel module broadcasts bursts to listeners that cannot keep up. What netlink_broadcast
 * returns to the module, and what each listener reads, depends on two socket options of the
 * *listener*: NETLINK_NO_ENOBUFS and NETLINK_BROADCAST_ERROR.
 */
import {
  socket, bind, sendto, recvfrom, setsockopt, insmod, close,
  AF_NETLINK, SOCK_RAW, SOL_SOCKET, SOL_NETLINK, SO_RCVBUF, MSG_DONTWAIT,
  NETLINK_NO_ENOBUFS, NETLINK_BROADCAST_ERROR, NLM_F_REQUEST, nlmsg, parseNlmsgs, ErrnoError,
} from 'netlink-lab/user';
import nl_flood, { NETLINK_FLOOD, NL_FLOOD_BROADCAST, NL_FLOOD_REPORT } from './module.ts';

const to = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });
const buf = new Uint8Array(4096);
const ERRNO_NAMES: Record<number, string> = { 3: 'ESRCH', 105: 'ENOBUFS' };
const show = (rets: number[]) => rets.map((r) => (r === 0 ? '0' : `-${ERRNO_NAMES[-r] ?? -r}`)).join(' ');

await insmod(nl_flood);
const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
let seq = 0;

/** Ask nl_flood to broadcast `count` 1000-byte messages to `group`; returns what each netlink_broadcast returned. */
async function broadcast(group: number, count: number): Promise<number[]> {
  const req = new Uint8Array(12);
  const v = new DataView(req.buffer);
  v.setUint32(0, group, true);
  v.setUint32(4, count, true);
  v.setUint32(8, 984, true); // 16 + 984 = 1000 bytes: truesize 2304 on 6.1 and 6.18
  await sendto(ctl, nlmsg({ type: NL_FLOOD_BROADCAST, flags: NLM_F_REQUEST, seq: ++seq, payload: req }), 0, to(0));
  const { n } = await recvfrom(ctl, buf);
  const report = parseNlmsgs(buf.subarray(0, n)).find((m) => m.nlmsg_type === NL_FLOOD_REPORT)!;
  const r = new DataView(report.payload.buffer, report.payload.byteOffset, report.payload.byteLength);
  return Array.from({ length: count }, (_, i) => r.getInt32(4 * i, true));
}

/** A listener bound to `port` in `group`, with room for exactly four of the messages (2 × 4608 = 9216). */
async function listener(port: number, group: number): Promise<number> {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
  await bind(fd, to(port, 1 << (group - 1)));
  await setsockopt(fd, SOL_SOCKET, SO_RCVBUF, 4608);
  return fd;
}

/** Receive once without waiting: the message's index, or the errno's name. */
async function receive(fd: number): Promise<string> {
  try {
    const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
    return `#${new DataView(buf.buffer, 16, 4).getUint32(0, true)}${n === 1000 ? '' : ` (${n} bytes)`}`;
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

/** Receive until EAGAIN; the list of what came. */
async function drain(fd: number): Promise<string> {
  const got: string[] = [];
  for (let r = await receive(fd); r !== 'EAGAIN'; r = await receive(fd)) got.push(r);
  return got.join(' ');
}

// 1. A plain listener in group 1: five messages for room of four.
const a = await listener(300, 1);
console.log(`group 1, five messages: netlink_broadcast returned ${show(await broadcast(1, 5))}`);

// 2. The listener reads once: the error first. It is still congested while anything is queued.
console.log(`listener 300 reads: ${await receive(a)}, then ${await receive(a)}`);
console.log(`group 1, one more while 300 still holds three: ${show(await broadcast(1, 1))}`);
console.log(`listener 300 drains: ${await drain(a)}`);
console.log(`group 1, one more after the drain: ${show(await broadcast(1, 1))}`);
console.log(`listener 300 reads: ${await drain(a)}`);

// 3. NETLINK_NO_ENOBUFS: the listener is not told, and never congested.
const b = await listener(301, 2);
await setsockopt(b, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1);
console.log(`group 2 (NO_ENOBUFS), five messages: ${show(await broadcast(2, 5))}`);
console.log(`listener 301 reads: ${await receive(b)}, then ${await drain(b)}`);

// 4. NETLINK_BROADCAST_ERROR on the listener: now the kernel sender is told.
const c = await listener(302, 3);
await setsockopt(c, SOL_NETLINK, NETLINK_BROADCAST_ERROR, 1);
console.log(`group 3 (BROADCAST_ERROR), five messages: ${show(await broadcast(3, 5))}`);
console.log(`listener 302 reads: ${await drain(c)}`);

await close(c);
await close(b);
await close(a);
await close(ctl);
