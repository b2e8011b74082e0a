// Scenario 63: reading /proc/sys: the value is made whole at offset 0; a read at any other offset gives 0 bytes.
import { open, read, close, lseek, O_RDONLY, SEEK_SET, SEEK_CUR, SEEK_END } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const text = (b: Uint8Array, n: number) => JSON.stringify(new TextDecoder().decode(b.subarray(0, n)));

export default async function main() {
  for (const path of [
    '/proc/sys/net/core/somaxconn',
    '/proc/sys/net/ipv4/ip_forward',
    '/proc/sys/net/unix/max_dgram_qlen',
    '/proc/sys/net/ipv4/ip_local_port_range',
  ]) {
    const fd = await open(path, O_RDONLY);
    const buf = new Uint8Array(64);
    await show(
      `read ${path}`,
      () => read(fd, buf),
      (n) => `${n} ${text(buf, n)}`,
    );
    await show(
      '  read again (offset > 0)',
      () => read(fd, buf),
      (n) => `${n}`,
    );
    await close(fd);
  }
  // Small reads: only the first gets bytes; the rest of the value is not handed out later.
  const fd = await open('/proc/sys/net/core/somaxconn', O_RDONLY);
  const two = new Uint8Array(2);
  await show(
    '2-byte read',
    () => read(fd, two),
    (n) => `${n} ${text(two, n)}`,
  );
  await show(
    '2-byte read again',
    () => read(fd, two),
    (n) => `${n}`,
  );
  await show('lseek(0, SEEK_SET)', () => lseek(fd, 0, SEEK_SET));
  await show(
    '2-byte read after rewinding',
    () => read(fd, two),
    (n) => `${n} ${text(two, n)}`,
  );
  await show('lseek(1, SEEK_SET)', () => lseek(fd, 1, SEEK_SET));
  await show(
    'read at offset 1',
    () => read(fd, two),
    (n) => `${n}`,
  );
  await show('lseek(0, SEEK_CUR)', () => lseek(fd, 0, SEEK_CUR));
  await show('lseek(0, SEEK_END)', () => lseek(fd, 0, SEEK_END));
  await show('lseek(-1, SEEK_SET)', () => lseek(fd, -1, SEEK_SET));
  await show('lseek(0, 7)', () => lseek(fd, 0, 7));
  const zero = new Uint8Array(0);
  await show('lseek back to 0', () => lseek(fd, 0, SEEK_SET));
  await show('0-byte read', () => read(fd, zero));
  await close(fd);
  const vec = await open('/proc/sys/net/ipv4/tcp_rmem', O_RDONLY);
  const five = new Uint8Array(5);
  await show(
    'tcp_rmem in 5 bytes',
    () => read(vec, five),
    (n) => `${n} ${text(five, n)}`,
  );
  await close(vec);
}

export const scenario: Scenario = {
  title: '/proc/sys reads: whole value at offset 0, nothing at offset > 0, lseek rules',
  expect: [
    'read /proc/sys/net/core/somaxconn: 5 "4096\\n"',
    '  read again (offset > 0): 0',
    'read /proc/sys/net/ipv4/ip_forward: 2 "0\\n"',
    '  read again (offset > 0): 0',
    'read /proc/sys/net/unix/max_dgram_qlen: 3 "10\\n"',
    '  read again (offset > 0): 0',
    'read /proc/sys/net/ipv4/ip_local_port_range: 12 "32768\\t60999\\n"',
    '  read again (offset > 0): 0',
    '2-byte read: 2 "40"',
    '2-byte read again: 0',
    'lseek(0, SEEK_SET): 0',
    '2-byte read after rewinding: 2 "40"',
    'lseek(1, SEEK_SET): 1',
    'read at offset 1: 0',
    'lseek(0, SEEK_CUR): 1',
    'lseek(0, SEEK_END): 0',
    'lseek(-1, SEEK_SET): EINVAL',
    'lseek(0, 7): EINVAL',
    'lseek back to 0: 0',
    '0-byte read: 0',
    'tcp_rmem in 5 bytes: 5 "4096\\t"',
  ],
};
