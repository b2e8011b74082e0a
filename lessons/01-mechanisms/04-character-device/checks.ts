/**
 * Lesson "A character device": the driver's ioctl knows MYCHRDEV_TRIM — TRIM 5 succeeds, TRIM 100
 * (past the end) fails with EINVAL, as the ioctl events show — and after it a read(2) of
 * /dev/mychrdev returns the five bytes left, while the mapping of the module's page (which the
 * program prints: reading memory is no system call) shows the cut without a read.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');

/** The events on descriptors opened on `path`. */
function onPath(events: SyscallEvent[], path: string): SyscallEvent[] {
  const fds = new Set<string>();
  const out: SyscallEvent[] = [];
  for (const e of events) {
    if (e.syscall === 'open' && e.errno === undefined) {
      if (e.args === path) fds.add(`${e.pid}:${e.ret}`);
      else fds.delete(`${e.pid}:${e.ret}`);
    } else if (e.fd !== undefined && fds.has(`${e.pid}:${e.fd}`)) out.push(e);
  }
  return out;
}

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const dev = onPath(events, '/dev/mychrdev');
  const ioctls = dev.filter((e) => e.syscall === 'ioctl');
  const enotty = ioctls.filter((e) => e.errno === 25).length;
  const lines = output.split('\n');
  // MYCHRDEV_TRIM is _IO('m', 2) = 0x6d02; an ioctl event's args are "request, arg".
  const trim = (n: number) => ioctls.find((e) => e.args === `0x6d02, ${n}`);
  const trim5 = trim(5);
  const trim100 = trim(100);
  const how = (e: SyscallEvent) => (e.errno !== undefined ? `failed with ${errnoName(e.errno)}` : `returned ${e.ret}`);
  const lastRead = dev.filter((e) => e.syscall === 'read' && e.errno === undefined).at(-1);
  const views = lines.filter((l) => l.startsWith('mmap view:'));

  return [
    {
      name: 'the driver knows MYCHRDEV_TRIM',
      pass: !!trim5 && trim5.errno === undefined && trim5.ret === 0,
      message: trim5
        ? `ioctl(fd, MYCHRDEV_TRIM, 5) ${how(trim5)}; ${enotty} ioctl call${enotty === 1 ? '' : 's'} on /dev/mychrdev failed with ENOTTY.`
        : 'The program never called ioctl(fd, MYCHRDEV_TRIM, 5) on /dev/mychrdev.',
      hints: [
        'ENOTTY ("Inappropriate ioctl for device") is what a driver answers for a command it does not know. The kernel passes every ioctl on /dev/mychrdev to the module\'s unlocked_ioctl, which decides.',
        "Look at mychrdev_ioctl in module.ts: its switch has a case for MYCHRDEV_GET_INFO and a default. MYCHRDEV_TRIM is _IO('m', 2): no data to copy, arg is the new length itself. Compare mychrdev.c.",
        'Add case MYCHRDEV_TRIM: if (arg > mychrdev_len) return -EINVAL; mychrdev_page.fill(0, arg, mychrdev_len); mychrdev_len = arg; return 0;',
      ],
    },
    {
      name: 'a TRIM past the end is refused with EINVAL',
      pass: trim100?.errno === 22,
      message: trim100
        ? `ioctl(fd, MYCHRDEV_TRIM, 100) ${how(trim100)}.`
        : 'The program never called ioctl(fd, MYCHRDEV_TRIM, 100) on /dev/mychrdev.',
      hints: [
        'The contents are 26 bytes long; trimming them to 100 makes no sense, and the driver must say so with an errno, not ignore it.',
        'Check arg against mychrdev_len before changing anything, and return -EINVAL when it is larger.',
      ],
    },
    {
      name: 'read and the mapping both show the cut',
      pass: text(lastRead?.data) === 'abcde' && views.length >= 2 && views.at(-1)!.includes('"abcde"'),
      message: lastRead
        ? `The last read of /dev/mychrdev returned ${JSON.stringify(text(lastRead.data))}; the mapping showed ${views.map((l) => l.slice('mmap view: '.length)).join(', then ')}.`
        : 'The program never read /dev/mychrdev successfully.',
      hints: [
        'After TRIM 5 the device holds "abcde": read() copies what is there (simple_read_from_buffer up to mychrdev_len), and the page the program mapped is the same page, so the bytes the driver zeroed are zero in the mapping too.',
        'TRIM must both shorten mychrdev_len and zero the bytes it cut (mychrdev_page.fill(0, arg, mychrdev_len)): read() looks at the length, the mapping at the bytes.',
      ],
    },
  ];
}
