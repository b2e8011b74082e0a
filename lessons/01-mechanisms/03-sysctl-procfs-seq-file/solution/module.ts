/**
 * proc_exam: sysctl, procfs and seq_file. The TypeScript twin of sandboxes/vm/modules/proc_exam.c:
 * two sysctls under /proc/sys/mysysctl, and /proc/proc_exam, a seq_file that prints `myint` records.
 */
import {
  defineModule, register_sysctl, unregister_sysctl_table, proc_dointvec_minmax, proc_dostring,
  proc_create_seq, remove_proc_entry, seq_printf, SYSCTL_ZERO, SYSCTL_ONE_HUNDRED, ENOMEM,
  type ctl_table, type ctl_table_header, type seq_operations, type seq_file, type loff_t, type Ptr,
} from 'netlink-lab/kernel';

const myint: Ptr<number> = { value: 3 };
const mystring: Ptr<string> = { value: 'Hello, World' };

const proc_exam_table: ctl_table[] = [
  {
    procname: 'myint',
    data: myint,
    maxlen: 4, // sizeof(int)
    mode: 0o644,
    proc_handler: proc_dointvec_minmax,
    extra1: SYSCTL_ZERO,
    extra2: SYSCTL_ONE_HUNDRED,
  },
  {
    procname: 'mystring',
    data: mystring,
    maxlen: 64, // sizeof(mystring): 63 characters and the NUL
    mode: 0o644,
    proc_handler: proc_dostring,
  },
];

let proc_exam_header: ctl_table_header | null = null;

// A record is its index + 1, so that it is never null (null ends the walk).

/** The record at *pos: a read that stopped in the middle of the list restarts here. */
function proc_exam_start(_m: seq_file, pos: Ptr<loff_t>): number | null {
  return pos.value < myint.value ? pos.value + 1 : null;
}

/** The record after v: the walk goes on while *pos < myint. */
function proc_exam_next(_m: seq_file, _v: unknown, pos: Ptr<loff_t>): number | null {
  ++pos.value;
  return pos.value < myint.value ? pos.value + 1 : null;
}

function proc_exam_stop(_m: seq_file, _v: unknown): void {}

function proc_exam_show(m: seq_file, v: unknown): number {
  seq_printf(m, 'record %lu of %d: %s\n', (v as number) - 1, myint.value, mystring.value);
  return 0;
}

const proc_exam_seq_ops: seq_operations = {
  start: proc_exam_start,
  next: proc_exam_next,
  stop: proc_exam_stop,
  show: proc_exam_show,
};

export default defineModule({
  name: 'proc_exam',
  description: '/proc/sys/mysysctl and the seq_file /proc/proc_exam',
  init() {
    proc_exam_header = register_sysctl('mysysctl', proc_exam_table);
    if (!proc_exam_header) return -ENOMEM;
    if (!proc_create_seq('proc_exam', 0o444, null, proc_exam_seq_ops)) {
      unregister_sysctl_table(proc_exam_header);
      return -ENOMEM;
    }
    return 0;
  },
  exit() {
    remove_proc_entry('proc_exam', null);
    unregister_sysctl_table(proc_exam_header);
  },
});
