/**
 * What netlink_recvmsg hands back besides the bytes: who sent them and to which group, the
 * sender's credentials, whether the buffer was too short — and, for a dump, the next part, made
 * only once the queue has drained below half of the receive buffer. The numbered steps are yours.
 */
import {
  socket, bind, sendto, recvfrom, recvmsg, setsockopt, insmod, close, getpid,
  AF_NETLINK, SOCK_RAW, SOL_SOCKET, SOL_NETLINK, SO_RCVBUF, SO_PASSCRED, NETLINK_PKTINFO, SCM_CREDENTIALS,
  MSG_PEEK, MSG_TRUNC, NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE, nlmsg, parseNlmsgs,
} from 'netlink-lab/user';
import nl_flood, { NETLINK_FLOOD, NL_FLOOD_UNICAST, NL_FLOOD_BROADCAST, NL_FLOOD_DUMP, NL_FLOOD_DATA } from './module.ts';

const to = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });

/** struct nl_flood_req { u32 target; u32 count; u32 size; } (see module.ts). */
function floodRequest(target: number, count: number, size: number): Uint8Array {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, target, true);
  v.setUint32(4, count, true);
  v.setUint32(8, size, true);
  return b;
}

await insmod(nl_flood);
const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
const peer = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
await bind(peer, to(600));
const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
await bind(rx, to(500, 1 << 0)); // port 500, group 1
// Step 1. Ask for two control messages on every receive of rx: the destination group
//    (NETLINK_PKTINFO, at level SOL_NETLINK) and the sender's credentials (SO_PASSCRED, at
//    SOL_SOCKET). receive() below already prints them when they come.

/** Ask nl_flood for something, and read (and ignore) its report. */
async function ask(type: number, req: Uint8Array): Promise<void> {
  await sendto(ctl, nlmsg({ type, flags: NLM_F_REQUEST, seq: 1, payload: req }), 0, to(0));
  await recvfrom(ctl, new Uint8Array(512));
}

/** One recvmsg on rx: the length, the flags, the source address and the control messages. */
async function receive(what: string, len: number, flags = 0): Promise<void> {
  const r = await recvmsg(rx, { msg_iov: [new Uint8Array(len)], msg_controllen: 64 }, flags);
  const notes = [`from (${r.from.nl_pid}, 0x${r.from.nl_groups.toString(16)})`];
  if (r.msg_flags & MSG_TRUNC) notes.push('MSG_TRUNC');
  for (const c of r.control) {
    const v = new DataView(c.data.buffer, c.data.byteOffset, c.data.byteLength);
    if (c.cmsg_level === SOL_NETLINK && c.cmsg_type === NETLINK_PKTINFO) notes.push(`pktinfo group ${v.getUint32(0, true)}`);
    if (c.cmsg_level === SOL_SOCKET && c.cmsg_type === SCM_CREDENTIALS) {
      const pid = v.getInt32(0, true);
      notes.push(`creds pid ${pid === 0 ? '0 (the kernel)' : pid === getpid() ? 'mine' : pid} uid ${v.getInt32(4, true)}`);
    }
  }
  console.log(`${what}: ${r.n} bytes, ${notes.join(', ')}`);
}

// A. Who sent it, to which group, with which credentials.
await ask(NL_FLOOD_BROADCAST, floodRequest(1, 1, 84)); // one 100-byte message to group 1
await receive('the module\'s broadcast', 4096);
await sendto(peer, nlmsg({ type: NL_FLOOD_DATA, payload: new Uint8Array(84) }), 0, to(500));
await receive('a process\'s unicast', 4096);

// B. A buffer that is too short, and how to size it first.
await ask(NL_FLOOD_UNICAST, floodRequest(500, 2, 984)); // two 1000-byte messages to port 500
await receive('into 100 bytes', 100);
// Step 2. The second message is still queued. Learn its length without taking it (a 0-byte buffer
//    and MSG_PEEK | MSG_TRUNC), then receive it with a buffer of exactly that length.

// C. A dump read with an 8192-byte buffer behind nine queued 3000-byte datagrams.
const d = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
await bind(d, to(400));
await setsockopt(d, SOL_SOCKET, SO_RCVBUF, 32768); // sk_rcvbuf 65536: the dump goes on below 32768
for (let i = 0; i < 9; i++) await sendto(peer, new Uint8Array(3000), 0, to(400));
await sendto(d, nlmsg({ type: NL_FLOOD_DUMP, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 7, payload: floodRequest(0, 20, 984) }), 0, to(0));
const buf = new Uint8Array(8192);
// Step 3. This reads only once. Receive until NLMSG_DONE instead, printing for each receive whether
//    it was a peer's datagram or which records of the dump it carried.
const { n } = await recvfrom(d, buf);
const msgs = parseNlmsgs(buf.subarray(0, n));
console.log(`dump socket, receive 1: ${n} bytes, ${msgs.length} message(s)`);

await close(d);
await close(rx);
await close(peer);
await close(ctl);
