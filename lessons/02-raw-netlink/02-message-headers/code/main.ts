/**
 * Three netlink messages in one datagram, built by hand, and a walker that reads a datagram of
 * several messages back.
 *
 * Both halves have the same mistake: they step from one message to the next by nlmsg_len. Run it,
 * count the ACKs, and read what the walker printed. Fix pack() and walk() (see "Padding" and
 * "Walking a datagram").
 */
import {
  socket, bind, sendto, recvfrom, getsockname, close, nlmsg, bytes, cstring, ErrnoError,
  NLMSG_HDRLEN, NLMSG_LENGTH, NLMSG_SPACE, NLMSG_ALIGN, NLMSG_OK, NLMSG_NEXT, NLMSG_ERROR, NLMSG_NOOP, NLMSG_MIN_TYPE,
  NLM_F_REQUEST, NLM_F_ACK, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, MSG_DONTWAIT,
} from 'netlink-lab/user';

interface Msg { type: number; flags: number; seq: number; pid: number; payload: Uint8Array }

/** Lay `msgs` out one after another in one buffer, each a struct nlmsghdr and its payload. */
function pack(msgs: Msg[]): Uint8Array {
  const total = msgs.reduce((n, m) => n + NLMSG_LENGTH(m.payload.length), 0);
  const buf = new Uint8Array(total);
  const v = new DataView(buf.buffer);
  let off = 0;
  for (const m of msgs) {
    v.setUint32(off, NLMSG_LENGTH(m.payload.length), true); // nlmsg_len: header + payload
    v.setUint16(off + 4, m.type, true);                     // nlmsg_type
    v.setUint16(off + 6, m.flags, true);                    // nlmsg_flags
    v.setUint32(off + 8, m.seq, true);                      // nlmsg_seq
    v.setUint32(off + 12, m.pid, true);                     // nlmsg_pid
    buf.set(m.payload, off + NLMSG_HDRLEN);
    off += NLMSG_LENGTH(m.payload.length);
  }
  return buf;
}

/** The messages in the first `n` bytes of `buf`, with their offsets. */
function walk(buf: Uint8Array, n: number): { offset: number; len: number; type: number; seq: number; payload: Uint8Array }[] {
  const out = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (n - off >= NLMSG_HDRLEN) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || len > n - off) break;
    out.push({ offset: off, len, type: v.getUint16(off + 4, true), seq: v.getUint32(off + 8, true), payload: buf.subarray(off + NLMSG_HDRLEN, off + len) });
    off += len;
  }
  return out;
}

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };

// 1. Three NLMSG_NOOP requests with odd payload lengths, one datagram, each asking for an ACK.
const batch = pack([
  { type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, pid: 0, payload: bytes('abcde') },
  { type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 2, pid: 0, payload: bytes('12345678') },
  { type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 3, pid: 0, payload: bytes('xyz') },
]);
console.log(`batch: ${batch.length} bytes; NLMSG_LENGTH(5) = ${NLMSG_LENGTH(5)}, NLMSG_SPACE(5) = ${NLMSG_SPACE(5)}, NLMSG_ALIGN(21) = ${NLMSG_ALIGN(21)}`);
await sendto(fd, batch, 0, KERNEL);

// Each ACK comes in a datagram of its own: read until the queue is empty.
const buf = new Uint8Array(8192);
for (;;) {
  let n: number;
  try {
    ({ n } = await recvfrom(fd, buf, MSG_DONTWAIT));
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
  for (const m of walk(buf, n)) {
    const error = m.type === NLMSG_ERROR ? new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true) : undefined;
    console.log(`kernel: type ${m.type}, seq ${m.seq}${error !== undefined ? `, error ${error}` : ''}`);
  }
}

// 2. Another socket sends us three messages in one datagram, built with nlmsg() (which pads).
const peer = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await bind(peer, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const letter = [
  nlmsg({ type: NLMSG_MIN_TYPE, seq: 10, payload: bytes('Hello', true) }),
  nlmsg({ type: NLMSG_MIN_TYPE, seq: 11, payload: bytes('netlink', true) }),
  nlmsg({ type: NLMSG_MIN_TYPE, seq: 12, payload: bytes('world!', true) }),
];
const me = await getsockname(fd);
await sendto(peer, new Uint8Array(letter.flatMap((m) => [...m])), 0, me);

const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
console.log(`peer's datagram: ${n} bytes`);
for (const m of walk(buf, n)) console.log(`  at ${m.offset}: seq ${m.seq}, nlmsg_len ${m.len}, "${cstring(m.payload)}"`);

await close(peer);
await close(fd);
