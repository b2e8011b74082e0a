/**
 * param_exam: module parameters and /sys/module. The TypeScript twin of
 * sandboxes/vm/modules/param_exam.c: an int hidden from sysfs, an int and a string root may change
 * there, and `percent`, which should only ever hold 0..100.
 */
import { defineModule, module_param, MODULE_PARM_DESC, pr_info } from 'netlink-lab/kernel';

const my_invisible_int = module_param('my_invisible_int', 'int', 0, 10);
MODULE_PARM_DESC(my_invisible_int, 'an int set at load time only: perm 0 keeps it out of sysfs');

const my_visible_int = module_param('my_visible_int', 'int', 0o644, 20);
MODULE_PARM_DESC(my_visible_int, 'an int anyone may read and root may write in sysfs');

const mystring = module_param('mystring', 'charp', 0o644, 'Hello,World');
MODULE_PARM_DESC(mystring, 'a string (charp)');

// TODO: percent must stay within 0..100, whoever sets it: insmod's parameters or a write to
// /sys/module/param_exam/parameters/percent. A plain int parameter takes any int.
const percent = module_param('percent', 'int', 0o644, 50);
MODULE_PARM_DESC(percent, '0..100; anything else is refused');

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
