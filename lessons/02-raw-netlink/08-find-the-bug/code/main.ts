/**
 * Talk to nl_fixme: one datagram holding two messages — a hello, and a message of another type
 * that the module must ignore — then collect the replies. (Nothing to change here: the bugs are
 * in module.ts.)
 */
import {
  socket, bind, sendto, recvfrom, close, insmod, nlmsg, bytes, cstring, errnoName,
  AF_NETLINK, SOCK_RAW, NLMSG_HDRLEN, MSG_DONTWAIT, ErrnoError,
} from 'netlink-lab/user';
import { nl_fixme } from './module.ts';

const NETLINK_FIXME = 27;
const NL_FIXME_HELLO = 0x10;
const NL_FIXME_OTHER = 0x12;
const kernel = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };

await insmod(nl_fixme);
const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FIXME);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 }); // a port the kernel picks

const hello = nlmsg({ type: NL_FIXME_HELLO, seq: 1, payload: bytes('hello', true) });
const other = nlmsg({ type: NL_FIXME_OTHER, seq: 2, payload: bytes('not for you', true) });
const datagram = new Uint8Array(hello.length + other.length);
datagram.set(hello);
datagram.set(other, hello.length);

try {
  console.log(`sendto: ${await sendto(fd, datagram, 0, kernel)} bytes, two messages`);
} catch (e) {
  console.log(`sendto failed: ${e instanceof ErrnoError ? errnoName(e.errno) : e}`);
}

const buf = new Uint8Array(256);
let replies = 0;
for (;;) {
  try {
    const { n, from } = await recvfrom(fd, buf, MSG_DONTWAIT);
    replies++;
    console.log(`reply ${replies}: ${n} bytes from port ${from.nl_pid}: "${cstring(buf.subarray(NLMSG_HDRLEN, n))}"`);
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
}
console.log(`${replies} repl${replies === 1 ? 'y' : 'ies'}`);
await close(fd);
