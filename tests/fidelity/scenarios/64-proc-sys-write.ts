// Scenario 64: writing /proc/sys: proc_dointvec's parsing (spaces, signs, bases, overflow, junk), minmax ranges, offsets.
import { open, read, write, close, lseek, O_RDONLY, O_WRONLY, O_RDWR, SEEK_SET } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

const enc = new TextEncoder();
async function value(path: string): Promise<string> {
  const fd = await open(path, O_RDONLY);
  const b = new Uint8Array(64);
  const n = await read(fd, b);
  await close(fd);
  return JSON.stringify(new TextDecoder().decode(b.subarray(0, n)));
}

async function put(path: string, text: string, at = 0): Promise<void> {
  const fd = await open(path, O_WRONLY);
  if (at) await lseek(fd, at, SEEK_SET);
  await show(
    `write ${JSON.stringify(text)}${at ? ` at ${at}` : ''} to ${path.split('/').pop()}`,
    () => write(fd, enc.encode(text)),
    (n) => `${n}`,
  );
  await close(fd);
  console.log(`  value: ${await value(path)}`);
}

export default async function main() {
  const somax = '/proc/sys/net/core/somaxconn';
  for (const v of [
    '1024',
    ' 77\n',
    '\t 12 ',
    '+5',
    '-1',
    '0x20',
    '0X1f',
    '010',
    '09',
    '12abc',
    '12 34',
    '',
    '\n',
    '99999999999',
    '2147483647',
    '2147483648',
    '-0',
    '000000000000000000012',
    '1\x002',
  ])
    await put(somax, v);
  await put(somax, '4096');
  await put(somax, '55', 2);
  // proc_dointvec_minmax: tstamp_allow_data is 0..1.
  for (const v of ['2', '1', '0']) await put('/proc/sys/net/core/tstamp_allow_data', v);
  // proc_dointvec with no range: ip_forward takes any int.
  for (const v of ['1', '-7', '0']) await put('/proc/sys/net/ipv4/ip_forward', v);
  // A u8 (proc_dou8vec_minmax): 0..255.
  for (const v of ['3', '255', '256', '-1', '2', '1']) await put('/proc/sys/net/ipv4/tcp_syncookies', v);
  // A vector of three ints.
  await put('/proc/sys/net/ipv4/tcp_rmem', '4096 87380');
  await put('/proc/sys/net/ipv4/tcp_rmem', '4096 131072 33554432 5');
  await put('/proc/sys/net/ipv4/tcp_rmem', '0 1 2');
  // ip_default_ttl: 1..255
  for (const v of ['0', '256', '128', '64']) await put('/proc/sys/net/ipv4/ip_default_ttl', v);
  // Read-only for everyone, root included: EACCES at open.
  await show('open rmem_max O_WRONLY', () => open('/proc/sys/net/core/rmem_max', O_WRONLY));
  await show('open rmem_max O_RDWR', () => open('/proc/sys/net/core/rmem_max', O_RDWR));
  const ro = await open(somax, O_RDONLY);
  await show('write on an O_RDONLY descriptor', () => write(ro, enc.encode('1')));
  await close(ro);
  const wo = await open(somax, O_WRONLY);
  await show('read on an O_WRONLY descriptor', () => read(wo, new Uint8Array(8)));
  await close(wo);
}

export const scenario: Scenario = {
  title: '/proc/sys writes: parsing, ranges, offsets, read-only entries, access modes',
  expect: [
    'write "1024" to somaxconn: 4',
    '  value: "1024\\n"',
    'write " 77\\n" to somaxconn: 4',
    '  value: "77\\n"',
    'write "\\t 12 " to somaxconn: 5',
    '  value: "12\\n"',
    'write "+5" to somaxconn: EINVAL',
    '  value: "12\\n"',
    'write "-1" to somaxconn: EINVAL',
    '  value: "12\\n"',
    'write "0x20" to somaxconn: 4',
    '  value: "32\\n"',
    'write "0X1f" to somaxconn: 4',
    '  value: "31\\n"',
    'write "010" to somaxconn: 3',
    '  value: "8\\n"',
    'write "09" to somaxconn: EINVAL',
    '  value: "8\\n"',
    'write "12abc" to somaxconn: EINVAL',
    '  value: "8\\n"',
    'write "12 34" to somaxconn: 3',
    '  value: "12\\n"',
    'write "" to somaxconn: 0',
    '  value: "12\\n"',
    'write "\\n" to somaxconn: EINVAL',
    '  value: "12\\n"',
    'write "99999999999" to somaxconn: EINVAL',
    '  value: "12\\n"',
    'write "2147483647" to somaxconn: 10',
    '  value: "2147483647\\n"',
    'write "2147483648" to somaxconn: EINVAL',
    '  value: "2147483647\\n"',
    'write "-0" to somaxconn: 2',
    '  value: "0\\n"',
    'write "000000000000000000012" to somaxconn: EINVAL',
    '  value: "0\\n"',
    'write "1\\u00002" to somaxconn: EINVAL',
    '  value: "0\\n"',
    'write "4096" to somaxconn: 4',
    '  value: "4096\\n"',
    'write "55" at 2 to somaxconn: 2',
    '  value: "4096\\n"',
    'write "2" to tstamp_allow_data: EINVAL',
    '  value: "1\\n"',
    'write "1" to tstamp_allow_data: 1',
    '  value: "1\\n"',
    'write "0" to tstamp_allow_data: 1',
    '  value: "0\\n"',
    'write "1" to ip_forward: 1',
    '  value: "1\\n"',
    'write "-7" to ip_forward: 2',
    '  value: "-7\\n"',
    'write "0" to ip_forward: 1',
    '  value: "0\\n"',
    'write "3" to tcp_syncookies: 1',
    '  value: "3\\n"',
    'write "255" to tcp_syncookies: 3',
    '  value: "255\\n"',
    'write "256" to tcp_syncookies: EINVAL',
    '  value: "255\\n"',
    'write "-1" to tcp_syncookies: EINVAL',
    '  value: "255\\n"',
    'write "2" to tcp_syncookies: 1',
    '  value: "2\\n"',
    'write "1" to tcp_syncookies: 1',
    '  value: "1\\n"',
    'write "4096 87380" to tcp_rmem: 10',
    '  value: "4096\\t87380\\t33554432\\n"',
    'write "4096 131072 33554432 5" to tcp_rmem: 21',
    '  value: "4096\\t131072\\t33554432\\n"',
    'write "0 1 2" to tcp_rmem: EINVAL',
    '  value: "4096\\t131072\\t33554432\\n"',
    'write "0" to ip_default_ttl: EINVAL',
    '  value: "64\\n"',
    'write "256" to ip_default_ttl: EINVAL',
    '  value: "64\\n"',
    'write "128" to ip_default_ttl: 3',
    '  value: "128\\n"',
    'write "64" to ip_default_ttl: 2',
    '  value: "64\\n"',
    'open rmem_max O_WRONLY: EACCES',
    'open rmem_max O_RDWR: EACCES',
    'write on an O_RDONLY descriptor: EBADF',
    'read on an O_WRONLY descriptor: EBADF',
  ],
};
