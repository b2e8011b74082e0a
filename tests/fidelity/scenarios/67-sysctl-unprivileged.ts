// Scenario 67: an unprivileged process (uid 65534) may read a sysctl but not open it for writing.
import { open, read, close, spawn, waitpid, getuid, O_RDONLY, O_WRONLY } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

async function nobody(): Promise<void> {
  console.log('uid:', getuid());
  const fd = await show(
    'open somaxconn O_RDONLY',
    () => open('/proc/sys/net/core/somaxconn', O_RDONLY),
    () => 'ok',
  );
  if (fd !== undefined) {
    await show(
      'read',
      () => read(fd, new Uint8Array(16)),
      (n) => `${n > 0}`,
    );
    await close(fd);
  }
  await show('open somaxconn O_WRONLY', () => open('/proc/sys/net/core/somaxconn', O_WRONLY));
  await show('open /proc/net/netlink O_WRONLY', () => open('/proc/net/netlink', O_WRONLY));
  await show(
    'open /proc/cmdline',
    () => open('/proc/cmdline', O_RDONLY),
    () => 'ok',
  );
}

export default async function main() {
  const pid = await spawn(nobody, { uid: 65534, name: 'nobody' });
  console.log('exit status:', await waitpid(pid));
}

export const scenario: Scenario = {
  title: 'sysctl as uid 65534: readable, not writable (EACCES at open)',
  needsRoot: true,
  project: (n) => n.output,
  expect: [
    'uid: 65534',
    'open somaxconn O_RDONLY: ok',
    'read: true',
    'open somaxconn O_WRONLY: EACCES',
    'open /proc/net/netlink O_WRONLY: EACCES',
    'open /proc/cmdline: ok',
    'exit status: 0',
  ],
};
