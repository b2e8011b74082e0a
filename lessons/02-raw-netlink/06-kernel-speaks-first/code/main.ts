/**
 * Listen to nl_ticker: load it, stay away for 1.5 s (its first tick finds nobody), then bind
 * port 100 in group 1 and print every message until none comes for 1.5 s.
 */
import {
  socket, bind, setsockopt, recvfrom, close, insmod, sleep, cstring,
  AF_NETLINK, SOCK_RAW, SOL_SOCKET, SO_RCVTIMEO, ErrnoError,
} from 'netlink-lab/user';
import { nl_ticker } from './module.ts';

const NETLINK_TICKER = 26;
const GROUP = 1;
const PORT = 100;

/** struct timeval { tv_sec, tv_usec } as x86-64 lays it out. */
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}

await insmod(nl_ticker);
console.log('nl_ticker loaded; nobody listens for 1.5 s');
await sleep(1500);

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TICKER);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: PORT, nl_groups: 1 << (GROUP - 1) });
await setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(1500));

const buf = new Uint8Array(256);
for (;;) {
  try {
    const { n, from } = await recvfrom(fd, buf);
    const how = from.nl_groups ? `group mask 0x${from.nl_groups.toString(16)}` : `port ${from.nl_pid} (unicast)`;
    console.log(`${n} bytes from ${how}: "${cstring(buf.subarray(16, n))}"`);
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
}
console.log('nothing for 1.5 s: the module has stopped');
await close(fd);
