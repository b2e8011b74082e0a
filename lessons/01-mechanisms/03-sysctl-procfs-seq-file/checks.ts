/**
 * Lesson "sysctl, procfs and seq_file": the sysctl refuses 1000 (proc_dointvec_minmax), and
 * /proc/proc_exam gives the same text read 16 bytes at a time as in one read — which needs the
 * seq_file's start() to begin at *pos, since every read after the first restarts the walk there.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');

/** Per descriptor opened on `path`, its reads in order. */
function readsOf(events: SyscallEvent[], path: string): SyscallEvent[][] {
  const open = new Map<string, SyscallEvent[]>();
  const all: SyscallEvent[][] = [];
  for (const e of events) {
    if (e.syscall === 'open' && e.errno === undefined && e.args === path) {
      const list: SyscallEvent[] = [];
      open.set(`${e.pid}:${e.ret}`, list);
      all.push(list);
    } else if (e.syscall === 'close') open.delete(`${e.pid}:${e.fd}`);
    else if (e.syscall === 'read') open.get(`${e.pid}:${e.fd}`)?.push(e);
  }
  return all;
}

/** The writes made on descriptors opened on `path`. */
function writesTo(events: SyscallEvent[], path: string): SyscallEvent[] {
  const fds = new Set<string>();
  const out: SyscallEvent[] = [];
  for (const e of events) {
    if (e.syscall === 'open' && e.errno === undefined) {
      if (e.args === path) fds.add(`${e.pid}:${e.ret}`);
      else fds.delete(`${e.pid}:${e.ret}`);
    } else if (e.syscall === 'write' && fds.has(`${e.pid}:${e.fd}`)) out.push(e);
  }
  return out;
}

export default function checks({ events }: CheckInput): CheckResult[] {
  const w1000 = writesTo(events, '/proc/sys/mysysctl/myint').find((e) => text(e.data) === '1000');
  const opens = readsOf(events, '/proc/proc_exam');
  const big = opens.find((r) => r.some((e) => (e.ret ?? 0) > 16));
  const small = opens.find((r) => r.length > 2 && r.every((e) => (e.ret ?? 0) <= 16));
  const whole = big ? big.map((e) => text(e.data)).join('') : '';
  const pieces = small ? small.map((e) => text(e.data)).join('') : '';
  const ended = !!small && small.at(-1)?.ret === 0;
  const lines = pieces.split('\n').filter(Boolean);
  const firsts = lines.filter((l) => l.startsWith('record 0 ')).length;
  const records = whole.split('\n').filter(Boolean).length;

  return [
    {
      name: 'the sysctl refuses an out-of-range value',
      pass: w1000?.errno === 22,
      message: w1000
        ? w1000.errno !== undefined
          ? `write("1000") to /proc/sys/mysysctl/myint failed with ${errnoName(w1000.errno)}: proc_dointvec_minmax checked it against extra1..extra2.`
          : `write("1000") to /proc/sys/mysysctl/myint returned ${w1000.ret}: the sysctl took a value outside 0..100.`
        : 'The program never wrote "1000" to /proc/sys/mysysctl/myint.',
      hints: [
        'proc_dointvec accepts any int; proc_dointvec_minmax compares with *extra1 and *extra2.',
        'The myint entry of the ctl_table needs proc_handler: proc_dointvec_minmax, extra1: SYSCTL_ZERO, extra2: SYSCTL_ONE_HUNDRED.',
      ],
    },
    {
      name: 'small reads reach the end of /proc/proc_exam',
      pass: ended,
      message: small
        ? ended
          ? `Reading 16 bytes at a time took ${small.length} reads, the last returning 0 (end of file).`
          : `After ${small.length} reads of 16 bytes the file still had not ended: the kernel kept producing text, and the program gave up.`
        : 'The program did not read /proc/proc_exam in reads of 16 bytes.',
      hints: [
        "A seq_file is read in rounds. A round ends when the reader's buffer is full, and the next read() starts a new round by calling start() again — with *pos where the walk stopped.",
        'Look at start() in module.ts: what does it return when *pos (pos.value) is 2? When it is equal to myint? Compare proc_exam_start() in proc_exam.c.',
        'start() must return the record at *pos, and null once *pos has passed the last: return pos.value < myint.value ? pos.value + 1 : null.',
      ],
    },
    {
      name: 'the same records both ways',
      pass: !!big && !!small && pieces === whole && records > 0,
      message:
        big && small
          ? pieces === whole
            ? `Both reads gave the same ${records} records.`
            : `One read gave ${records} records; the 16-byte reads gave ${lines.length} lines, ${firsts} of them "record 0 …".`
          : 'The program did not read /proc/proc_exam both in one read and in 16-byte reads.',
      hints: [
        'With one big read, everything is made in one round and start() runs once, at *pos = 0. With 16-byte reads, start() runs at every read.',
        'A record that appears again after each restart comes from a start() that ignores *pos.',
      ],
    },
  ];
}
