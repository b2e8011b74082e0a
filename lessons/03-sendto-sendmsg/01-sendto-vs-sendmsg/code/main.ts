/**
 * The same exchange with nl_test (echo mode) in two styles. The sendto/recvfrom half is done;
 * the sendmsg/recvmsg half is the exercise (see the numbered TODOs).
 */
import {
  socket, bind, sendto, recvfrom, close, insmod,
  AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE,
  nlmsg, bytes, cstring, NLMSG_DATA, parseNlmsgs,
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

// 1. Send "ping" again with sendmsg, the header and the padded payload in two iovecs.
// 2. Receive its echo with recvmsg into two iovecs (16 bytes, then the rest); print the payload.
// 3. Send once more; receive into an 8-byte buffer with recvmsg; print whether MSG_TRUNC is set.
// 4. Send a last time; learn the size with MSG_PEEK | MSG_TRUNC, print it, then receive exactly that.

await close(fd);
