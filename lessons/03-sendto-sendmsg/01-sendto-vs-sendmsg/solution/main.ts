/**
 * The same exchange with nl_test (echo mode) in two styles: sendto/recvfrom, then
 * sendmsg/recvmsg with gathered and scattered buffers, a truncated receive, and a peek at the size.
 */
import {
  socket, bind, sendto, recvfrom, sendmsg, recvmsg, close, insmod,
  AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE, NLMSG_HDRLEN, MSG_TRUNC, MSG_PEEK,
  nlmsg, bytes, cstring, u32, NLMSG_DATA, NLMSG_ALIGN, NLMSG_LENGTH, parseNlmsgs,
} from 'netlink-lab/user';
import { nl_test } from './module.ts';

const MY_PORT = 100;
const kernel = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };

await insmod(nl_test({ delayed: 0 })); // echo mode: every message comes back

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: MY_PORT, nl_groups: 0 });

// sendto: one buffer holding the whole message.
const ping = nlmsg({ type: NLMSG_MIN_TYPE, seq: 1, pid: MY_PORT, payload: bytes('ping', true) });
await sendto(fd, ping, 0, kernel);

// recvfrom: one buffer, and who sent it.
const buf = new Uint8Array(256);
const { n, from } = await recvfrom(fd, buf);
const [reply] = parseNlmsgs(buf.subarray(0, n));
console.log(`recvfrom: ${n} bytes from port ${from.nl_pid}, seq ${reply!.nlmsg_seq}: "${cstring(NLMSG_DATA(buf))}"`);

/** "ping" as two iovecs: a header that counts the payload, and the payload padded to 4 bytes. */
function pingIovecs(seq: number): Uint8Array[] {
  const payload = bytes('ping', true);
  const hdr = nlmsg({ type: NLMSG_MIN_TYPE, seq, pid: MY_PORT, len: NLMSG_LENGTH(payload.length) });
  const padded = new Uint8Array(NLMSG_ALIGN(payload.length));
  padded.set(payload);
  return [hdr, padded];
}

// 1. Gather: header and payload from two buffers, one datagram.
const sent = await sendmsg(fd, { msg_name: kernel, msg_iov: pingIovecs(2) });
console.log(`sendmsg: ${sent} bytes from two iovecs`);

// 2. Scatter: the header lands in the first buffer, the payload in the second.
const header = new Uint8Array(NLMSG_HDRLEN);
const body = new Uint8Array(256);
const r = await recvmsg(fd, { msg_iov: [header, body] });
console.log(`recvmsg: ${r.n} bytes, seq ${u32(header, 8)} in the first iovec, payload in the second: "${cstring(body)}"`);

// 3. Too small a buffer: recvmsg copies 8 bytes, flags MSG_TRUNC, and the rest is lost.
await sendmsg(fd, { msg_name: kernel, msg_iov: pingIovecs(3) });
const small = await recvmsg(fd, { msg_iov: [new Uint8Array(8)] });
console.log(`recvmsg into 8 bytes: returned ${small.n}, MSG_TRUNC ${(small.msg_flags & MSG_TRUNC) ? 'set' : 'not set'}`);

// 4. Peek at the size first, then receive into a buffer that fits.
await sendmsg(fd, { msg_name: kernel, msg_iov: pingIovecs(4) });
const { n: size } = await recvfrom(fd, new Uint8Array(0), MSG_PEEK | MSG_TRUNC);
const exact = new Uint8Array(size);
const got = await recvfrom(fd, exact);
console.log(`MSG_PEEK | MSG_TRUNC says ${size} bytes; received ${got.n}: "${cstring(NLMSG_DATA(exact))}"`);

await close(fd);
