// Scenario 65: the errors of open/read/write/lseek/ioctl/mmap on /proc files and on sockets.
import {
  open,
  read,
  write,
  close,
  lseek,
  ioctl,
  mmap,
  socket,
  getsockopt,
  sendto,
  O_RDONLY,
  O_WRONLY,
  O_DIRECTORY,
  O_CREAT,
  O_EXCL,
  SEEK_SET,
  PROT_READ,
  MAP_SHARED,
  MAP_PRIVATE,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SO_RCVBUF,
  _IOR,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show, KERNEL } from './lib.ts';

export default async function main() {
  await show('open a missing file', () => open('/proc/sys/net/core/no_such_entry'));
  await show('open through a file', () => open('/proc/cmdline/x'));
  await show('open a directory for writing', () => open('/proc/sys/net', O_WRONLY));
  await show('O_DIRECTORY on a file', () => open('/proc/cmdline', O_DIRECTORY));
  await show('O_CREAT|O_EXCL on an existing file', () =>
    open('/proc/sys/net/core/somaxconn', O_CREAT | O_EXCL | O_WRONLY),
  );
  await show('open an empty path', () => open(''));
  const dir = await show('open a directory', () => open('/proc/sys/net/core', O_RDONLY));
  if (dir !== undefined) {
    await show('read a directory', () => read(dir, new Uint8Array(16)));
    await close(dir);
  }
  const fd = await open('/proc/sys/net/core/somaxconn', O_RDONLY);
  await show('ioctl with an unknown request', () => ioctl(fd, _IOR('z', 1, 4), new Uint8Array(4)));
  await show(
    'mmap of a sysctl',
    () => mmap(fd, 4096, PROT_READ, MAP_SHARED),
    (m) => `ok ${m.length}`,
  );
  await show('getsockopt on a file', () => getsockopt(fd, SOL_SOCKET, SO_RCVBUF));
  await show('sendto on a file', () => sendto(fd, new Uint8Array(16), 0, KERNEL));
  await show('close', () => close(fd));
  await show('close again', () => close(fd));
  await show('read a closed descriptor', () => read(fd, new Uint8Array(4)));
  await show('write a closed descriptor', () => write(fd, new Uint8Array(4)));
  await show('lseek a closed descriptor', () => lseek(fd, 0, SEEK_SET));
  await show('ioctl a closed descriptor', () => ioctl(fd, 0x5401));
  const sk = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('lseek on a socket', () => lseek(sk, 0, SEEK_SET));
  await show(
    'mmap of a socket',
    () => mmap(sk, 4096, PROT_READ, MAP_PRIVATE),
    (m) => `ok ${m.length}`,
  );
  await show('ioctl on a socket', () => ioctl(sk, _IOR('z', 1, 4), new Uint8Array(4)));
  const seq = await open('/proc/net/netlink', O_RDONLY);
  await show(
    'mmap of a seq_file',
    () => mmap(seq, 4096, PROT_READ, MAP_PRIVATE),
    (m) => `ok ${m.length}`,
  );
  await show('lseek a seq_file to SEEK_END', () => lseek(seq, 0, 2));
  await show('lseek a seq_file to -1', () => lseek(seq, -1, SEEK_SET));
  await show('write a seq_file opened read-only', () => write(seq, new Uint8Array(1)));
  await close(seq);
}

export const scenario: Scenario = {
  title: 'file syscall errors: ENOENT, ENOTDIR, EISDIR, EEXIST, EBADF, ENOTTY, ENODEV, ENOTSOCK, ESPIPE, EINVAL',
  expect: [
    'open a missing file: ENOENT',
    'open through a file: ENOTDIR',
    'open a directory for writing: EISDIR',
    'O_DIRECTORY on a file: ENOTDIR',
    'O_CREAT|O_EXCL on an existing file: EEXIST',
    'open an empty path: ENOENT',
    'open a directory: 3',
    'read a directory: EISDIR',
    'ioctl with an unknown request: ENOTTY',
    'mmap of a sysctl: ENODEV',
    'getsockopt on a file: ENOTSOCK',
    'sendto on a file: ENOTSOCK',
    'close: 0',
    'close again: EBADF',
    'read a closed descriptor: EBADF',
    'write a closed descriptor: EBADF',
    'lseek a closed descriptor: EBADF',
    'ioctl a closed descriptor: EBADF',
    'lseek on a socket: ESPIPE',
    'mmap of a socket: ENODEV',
    'ioctl on a socket: ENOTTY',
    'mmap of a seq_file: EIO',
    'lseek a seq_file to SEEK_END: EINVAL',
    'lseek a seq_file to -1: EINVAL',
    'write a seq_file opened read-only: EBADF',
  ],
};
