/**
 * Lesson "Parameters": `percent` stays within 0..100 both ways it can be set — init_module with
 * "percent=150" fails with EINVAL, and a write of 150 to /sys/module/param_exam/parameters/percent
 * fails with EINVAL — while a valid 75 is stored and read back.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const PERCENT = '/sys/module/param_exam/parameters/percent';
const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');
const how = (e: SyscallEvent) => (e.errno !== undefined ? `failed with ${errnoName(e.errno)}` : `returned ${e.ret}`);

/** The reads and writes made on descriptors opened on `path` (an fd is matched to its latest open). */
function onPath(events: SyscallEvent[], path: string, syscall: string): SyscallEvent[] {
  const paths = new Map<string, string>();
  const out: SyscallEvent[] = [];
  for (const e of events) {
    const key = `${e.pid}:${e.ret}`;
    if (e.syscall === 'open' && e.errno === undefined) paths.set(key, e.args ?? '');
    else if (e.syscall === syscall && paths.get(`${e.pid}:${e.fd}`) === path) out.push(e);
  }
  return out;
}

export default function checks({ events }: CheckInput): CheckResult[] {
  const load = events.find((e) => e.syscall === 'init_module' && /\bpercent=150\b/.test(e.args ?? ''));
  const writes = onPath(events, PERCENT, 'write');
  const w150 = writes.find((e) => text(e.data) === '150');
  const w75 = writes.find((e) => text(e.data) === '75');
  const reads = onPath(events, PERCENT, 'read');
  const last = reads.at(-1);

  return [
    {
      name: 'insmod percent=150 is refused',
      pass: load?.errno === 22,
      message: load
        ? `init_module with "${load.args}" ${how(load)}${load.errno === 22 ? ': the parameter\'s set() refused the value, so the module never loaded.' : ': the module loaded with percent = 150.'}`
        : 'The program never called insmod with "percent=150".',
      hints: [
        'A plain int parameter accepts any int. The module has to check the value itself, and only its parameter\'s set() sees it at load time.',
        'module_param_cb(name, ops, cell, perm) gives a parameter its own kernel_param_ops; its set(val, kp) runs for "percent=…" at insmod and for every write to the sysfs file. A negative errno from set() fails init_module (parse_args) — compare param_exam.c.',
        'Replace module_param(\'percent\', …) with module_param_cb(\'percent\', { set, get: param_get_int }, cell, 0o644), where set parses val with kstrtoint(val, 0, n) and returns -EINVAL when n.value < 0 or > 100, else stores it in kp.arg.value.',
      ],
    },
    {
      name: 'writing 150 to the sysfs file is refused',
      pass: w150?.errno === 22,
      message: w150
        ? `write("150") to ${PERCENT} ${how(w150)}${w150.errno === 22 ? ': sysfs handed the text to the parameter\'s set(), which refused it.' : '.'}`
        : `The program never wrote "150" to ${PERCENT}.`,
      hints: [
        'After the load, a write to /sys/module/param_exam/parameters/percent goes to the same set() as the insmod line did (param_attr_store in kernel/params.c).',
        'Fix set() once (see the first check) and both paths refuse 150 with EINVAL.',
      ],
    },
    {
      name: '75 is stored and read back',
      pass: w75?.errno === undefined && !!w75 && text(last?.data) === '75\n',
      message: w75
        ? `write("75") ${how(w75)}; the last read of percent gave ${JSON.stringify(text(last?.data))}.`
        : 'The program never wrote "75" to percent.',
      hints: [
        'A value inside 0..100 must still be stored: set() writes it to kp.arg.value and returns 0.',
        'Reading runs the get() of the ops: param_get_int prints the value and a newline.',
      ],
    },
  ];
}
