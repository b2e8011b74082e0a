/**
 * param_exam: module parameters and /sys/module. The TypeScript twin of
 * sandboxes/vm/modules/param_exam.c: an int hidden from sysfs, an int and a string root may change
 * there, and `percent`, whose own kernel_param_ops keep it within 0..100.
 */
import {
  defineModule, module_param, module_param_cb, MODULE_PARM_DESC, param_get_int, kstrtoint, pr_info, EINVAL,
  type kernel_param, type kernel_param_ops, type Ptr,
} from 'netlink-lab/kernel';

const my_invisible_int = module_param('my_invisible_int', 'int', 0, 10);
MODULE_PARM_DESC(my_invisible_int, 'an int set at load time only: perm 0 keeps it out of sysfs');

const my_visible_int = module_param('my_visible_int', 'int', 0o644, 20);
MODULE_PARM_DESC(my_visible_int, 'an int anyone may read and root may write in sysfs');

const mystring = module_param('mystring', 'charp', 0o644, 'Hello,World');
MODULE_PARM_DESC(mystring, 'a string (charp)');

/** The variable, a cell: C's `static int percent = 50;` whose address module_param_cb takes. */
const percent: Ptr<number> = { value: 50 };

/** Runs for "percent=…" on the insmod line and for every write to its sysfs file. */
function percent_set(val: string, kp: kernel_param): number {
  const n: Ptr<number> = { value: 0 };
  const err = kstrtoint(val, 0, n);
  if (err) return err;
  if (n.value < 0 || n.value > 100) return -EINVAL;
  (kp.arg as Ptr<number>).value = n.value;
  return 0;
}

const percent_ops: kernel_param_ops = { set: percent_set, get: param_get_int };
MODULE_PARM_DESC(module_param_cb('percent', percent_ops, percent, 0o644), '0..100; anything else is refused');

export default defineModule({
  name: 'param_exam',
  description: 'module parameters in /sys/module/param_exam/parameters',
  init() {
    pr_info(`param_exam: my_invisible_int=${my_invisible_int.value} my_visible_int=${my_visible_int.value} mystring='${mystring.value}' percent=${percent.value}`);
    return 0;
  },
  exit() {
    pr_info(`param_exam: at unload my_visible_int=${my_visible_int.value} mystring='${mystring.value}' percent=${percent.value}`);
  },
});
