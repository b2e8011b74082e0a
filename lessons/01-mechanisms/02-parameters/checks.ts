/**
 * Lesson "Parameters": the built-in boot_example's __setup handler parses the whole comma list of
 * setup_example_int_array= (its values, read back from /sys/module/boot_example/parameters/int_array,
 * match the list /proc/cmdline shows); and `percent` stays within 0..100 both ways it can be set — init_module with
 * "percent=150" fails with EINVAL, and a write of 150 to /sys/module/param_exam/parameters/percent
 * fails with EINVAL — while a valid 75 is stored and read back.
 */
import { errnoName } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

const PERCENT = '/sys/module/param_exam/parameters/percent';
const INT_ARRAY = '/sys/module/boot_example/parameters/int_array';
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

  // Boot parameters: the list on the command line, and what the built-in handler made of it.
  const cmdline = text(onPath(events, '/proc/cmdline', 'read')[0]?.data);
  const listed = /(?:^|\s)setup_example_int_array=(\S*)/.exec(cmdline)?.[1];
  const expected = listed
    ?.split(',')
    .slice(0, 4)
    .map((w) => String(Number.parseInt(w, w.startsWith('0x') ? 16 : 10)))
    .join(',');
  const arrayOpen = events.find((e) => e.syscall === 'open' && e.args === INT_ARRAY);
  const parsed = onPath(events, INT_ARRAY, 'read')[0];
  const builtIn = arrayOpen?.errno !== 2;

  return [
    {
      name: 'the boot handler parses the whole comma list',
      pass: builtIn ? !!parsed && expected !== undefined && text(parsed.data) === `${expected}\n` : true,
      message: !arrayOpen
        ? `The program never read ${INT_ARRAY}.`
        : !builtIn
          ? `${INT_ARRAY} does not exist: boot_example is not built into this kernel (a real kernel needs rebuilding for that), so only the command line can be seen here.`
          : `/proc/cmdline gives setup_example_int_array=${listed ?? '(missing)'}; the handler stored ${JSON.stringify(text(parsed?.data))}${text(parsed?.data) === `${expected}\n` ? '.' : `, not "${expected}\\n".`}`,
      hints: [
        'The handler for setup_example_int_array= stops after the first number of the list: look at how many times it calls get_option().',
        "get_option() returns 2 when a comma follows the number it read, 1 at the end of the text and 0 when there is no number. lib/cmdline.c's get_options() calls it again while it returns 2, and stores the count in element [0].",
        'In boot.ts, loop in parse_int_array: while there is room in setup_example_int_array, call get_option(rest, v); stop on 0; store v.value at the next index; stop after a 1. Then set element [0] to the number stored.',
      ],
    },
    {
      name: 'insmod percent=150 is refused',
      pass: load?.errno === 22,
      message: load
        ? `init_module with "${load.args}" ${how(load)}${load.errno === 22 ? ": the parameter's set() refused the value, so the module never loaded." : ': the module loaded with percent = 150.'}`
        : 'The program never called insmod with "percent=150".',
      hints: [
        "A plain int parameter accepts any int. The module has to check the value itself, and only its parameter's set() sees it at load time.",
        'module_param_cb(name, ops, cell, perm) gives a parameter its own kernel_param_ops; its set(val, kp) runs for "percent=…" at insmod and for every write to the sysfs file. A negative errno from set() fails init_module (parse_args) — compare param_exam.c.',
        "Replace module_param('percent', …) with module_param_cb('percent', { set, get: param_get_int }, cell, 0o644), where set parses val with kstrtoint(val, 0, n) and returns -EINVAL when n.value < 0 or > 100, else stores it in kp.arg.value.",
      ],
    },
    {
      name: 'writing 150 to the sysfs file is refused',
      pass: w150?.errno === 22,
      message: w150
        ? `write("150") to ${PERCENT} ${how(w150)}${w150.errno === 22 ? ": sysfs handed the text to the parameter's set(), which refused it." : '.'}`
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
