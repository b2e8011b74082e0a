// Scenario 52: a blocking recv sleeps until another process sends; SO_RCVTIMEO bounds the wait.
import {
  socket,
  bind,
  setsockopt,
  recvfrom,
  sendto,
  getsockname,
  spawn,
  waitpid,
  sleep,
  now,
  bytes,
  cstring,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_SOCKET,
  SO_RCVTIMEO,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

/** struct timeval { tv_sec; tv_usec } as x86-64 lays it out. */
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const to = await getsockname(rx);
  const child = await spawn(
    async () => {
      await sleep(200);
      const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await sendto(tx, bytes('wake up'), 0, to);
    },
    { name: 'waker' },
  );
  const t0 = now();
  const buf = new Uint8Array(64);
  const r = await recvfrom(rx, buf);
  console.log(
    `blocking recv returned ${JSON.stringify(cstring(buf.subarray(0, r.n)))} after at least 150 ms: ${now() - t0 >= 150}`,
  );
  await waitpid(child);

  await setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, timeval(100));
  const t1 = now();
  await show(
    'recv with SO_RCVTIMEO 100 ms and nothing to read',
    () => recvfrom(rx, buf),
    (x) => String(x.n),
  );
  const waited = now() - t1;
  console.log(`it waited about 100 ms: ${waited >= 90 && waited < 1000}`);
}

export const scenario: Scenario = {
  title: 'a blocking recv wakes when another process sends; SO_RCVTIMEO → EAGAIN after the timeout',
  expect: [
    'blocking recv returned "wake up" after at least 150 ms: true',
    'recv with SO_RCVTIMEO 100 ms and nothing to read: EAGAIN',
    'it waited about 100 ms: true',
  ],
  // The waker's events and the parent's interleave by timing: compare each process's own.
  perProcess: true,
};
