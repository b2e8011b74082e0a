/**
 * Lesson "debugfs and relay": relay_exam loads (its create_buf_file gives relay a debugfs file for
 * each CPU's buffer), /sys/kernel/debug/relay_exam/cpu0 yields the ten records the program asked
 * for through `emit`, and the debugfs counter `records` says 10.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const DIR = '/sys/kernel/debug/relay_exam';
const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');
const TEN = Array.from({ length: 10 }, (_, i) => `record ${String(i + 1).padStart(8)}\n`).join('');

/** Per open of `path`, the text its reads returned. */
function readsOf(events: SyscallEvent[], path: string): string[] {
  const open = new Map<string, number>();
  const all: string[] = [];
  for (const e of events) {
    if (e.syscall === 'open' && e.errno === undefined && e.args === path) {
      open.set(`${e.pid}:${e.ret}`, all.length);
      all.push('');
    } else if (e.syscall === 'close') open.delete(`${e.pid}:${e.fd}`);
    else if (e.syscall === 'read' && e.errno === undefined) {
      const i = open.get(`${e.pid}:${e.fd}`);
      if (i !== undefined) all[i] += text(e.data);
    }
  }
  return all;
}

export default function checks({ events }: CheckInput): CheckResult[] {
  const load = events.find((e) => e.syscall === 'init_module');
  const cpu0 = readsOf(events, `${DIR}/cpu0`);
  const records = readsOf(events, `${DIR}/records`);

  return [
    {
      name: 'relay_exam loads',
      pass: !!load && load.errno === undefined,
      message: load
        ? load.errno === undefined
          ? 'init_module returned 0: relay_open made the channel and its buffer files.'
          : `init_module failed with ${errnoName(load.errno)}: the module's init gave up, and the kernel unloaded it.`
        : 'The program never called insmod.',
      hints: [
        "The init returns -ENOMEM when relay_open() returns null. relay_open() fails when it cannot make a file for a CPU's buffer.",
        "relay does not choose where its files go: it calls the channel's create_buf_file callback for each CPU and expects a dentry back. Look at relay_exam_create_buf_file in module.ts, and at the C twin relay_exam.c.",
        "Make the file in debugfs, with relay's own file operations: return debugfs_create_file(filename, mode, parent, buf, relay_file_operations);",
      ],
    },
    {
      name: 'cpu0 gives the ten records',
      pass: cpu0[0] === TEN,
      message: cpu0.length
        ? cpu0[0] === TEN
          ? `The first reading of cpu0 returned the ten 16-byte records, "record        1" to "record       10".`
          : `The first reading of cpu0 returned ${cpu0[0]!.length} bytes: ${JSON.stringify(cpu0[0]!.slice(0, 80))}.`
        : `The program never opened ${DIR}/cpu0.`,
      hints: [
        'The records reach cpu0 only if the module loads and the program writes 10 to emit before reading.',
        "cpu0 is the file relay reads one CPU's sub-buffers through: whatever create_buf_file returned, with relay_file_operations.",
      ],
    },
    {
      name: 'debugfs counts them',
      pass: records.includes('10\n'),
      message: records.length
        ? `Reading ${DIR}/records gave ${records.map((r) => JSON.stringify(r)).join(', ')}.`
        : `The program never read ${DIR}/records.`,
      hints: ['debugfs_create_u32 shows the variable as decimal text; the module adds one for each record it writes.'],
    },
  ];
}
