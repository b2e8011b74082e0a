// Scenario 58: SOL_SOCKET options that carry a struct (linger, timeval, ucred) or a flag, on a
// netlink socket: the bytes getsockopt returns after setsockopt, and the lengths it accepts.
import {
  socket,
  setsockopt,
  getsockopt_raw,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SO_LINGER,
  SO_PEERCRED,
  SO_RCVTIMEO_OLD,
  SO_SNDTIMEO_OLD,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_PRIORITY,
  SO_RCVLOWAT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname } from './lib.ts';

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** struct linger { int l_onoff; int l_linger; }. */
function linger(onoff: number, secs: number): Uint8Array {
  return new Uint8Array(new Int32Array([onoff, secs]).buffer);
}

/** struct timeval on x86-64 (and __kernel_sock_timeval): two 64-bit fields. */
function timeval(sec: number, usec: number): Uint8Array {
  return new Uint8Array(new BigInt64Array([BigInt(sec), BigInt(usec)]).buffer);
}

async function show(fd: number, label: string, name: number, optlen: number) {
  const r = await getsockopt_raw(fd, SOL_SOCKET, name, optlen);
  console.log(`${label}: optlen ${r.optlen} bytes ${hex(r.bytes.subarray(0, r.optlen))}`);
}

async function attempt(label: string, f: () => Promise<unknown>) {
  try {
    await f();
    console.log(`${label}: ok`);
  } catch (e) {
    console.log(`${label}: ${errname(e)}`);
  }
}

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show(fd, 'linger before', SO_LINGER, 8);
  await attempt('set linger, 4 bytes', () => setsockopt(fd, SOL_SOCKET, SO_LINGER, new Uint8Array(4)));
  await attempt('set linger {7, 42}', () => setsockopt(fd, SOL_SOCKET, SO_LINGER, linger(7, 42)));
  await show(fd, 'linger after', SO_LINGER, 8);
  await show(fd, 'linger, optlen 6', SO_LINGER, 6);
  await show(fd, 'peercred', SO_PEERCRED, 12);
  await show(fd, 'peercred, optlen 20', SO_PEERCRED, 20);
  await attempt('set rcvtimeo, 8 bytes', () => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO_OLD, new Uint8Array(8)));
  await attempt('set rcvtimeo {1, 1000000}', () => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO_OLD, timeval(1, 1000000)));
  await attempt('set rcvtimeo {2, 500000}', () => setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO_OLD, timeval(2, 500000)));
  await show(fd, 'rcvtimeo', SO_RCVTIMEO_OLD, 16);
  await show(fd, 'sndtimeo', SO_SNDTIMEO_OLD, 16);
  await show(fd, 'rcvtimeo, optlen 8', SO_RCVTIMEO_OLD, 8);
  await attempt('set keepalive 5', () => setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, 5));
  await show(fd, 'keepalive', SO_KEEPALIVE, 4);
  await show(fd, 'reuseaddr', SO_REUSEADDR, 4);
  await attempt('set priority 3', () => setsockopt(fd, SOL_SOCKET, SO_PRIORITY, 3));
  await show(fd, 'priority', SO_PRIORITY, 4);
  await attempt('set rcvlowat 0', () => setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, 0));
  await show(fd, 'rcvlowat', SO_RCVLOWAT, 4);
}

export const scenario: Scenario = {
  title: 'SOL_SOCKET struct options: linger, timeval, ucred, flags',
  expect: [
    'linger before: optlen 8 bytes 0000000000000000',
    'set linger, 4 bytes: EINVAL',
    'set linger {7, 42}: ok',
    'linger after: optlen 8 bytes 010000002a000000',
    'linger, optlen 6: optlen 6 bytes 010000002a00',
    'peercred: optlen 12 bytes 00000000ffffffffffffffff',
    'peercred, optlen 20: optlen 12 bytes 00000000ffffffffffffffff',
    'set rcvtimeo, 8 bytes: EINVAL',
    'set rcvtimeo {1, 1000000}: EDOM',
    'set rcvtimeo {2, 500000}: ok',
    'rcvtimeo: optlen 16 bytes 020000000000000020a1070000000000',
    'sndtimeo: optlen 16 bytes 00000000000000000000000000000000',
    'rcvtimeo, optlen 8: optlen 8 bytes 0200000000000000',
    'set keepalive 5: ok',
    'keepalive: optlen 4 bytes 01000000',
    'reuseaddr: optlen 4 bytes 00000000',
    'set priority 3: ok',
    'priority: optlen 4 bytes 03000000',
    'set rcvlowat 0: ok',
    'rcvlowat: optlen 4 bytes 01000000',
  ],
};
