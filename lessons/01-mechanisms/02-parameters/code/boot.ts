/**
 * boot_example: code built into the kernel that claims three words of the kernel's command line
 * with __setup — the source article's setup_example, in TypeScript. The lesson boots the simulated
 * kernel with this file built in (front matter `builtin:`) and with
 *   setup_example_int=1234 setup_example_int_array=100,200,0x12c,400 setup_example_string=Thisisatest
 * The handlers run in start_kernel(), before any process; what they parsed is shown afterwards as
 * read-only parameters in /sys/module/boot_example/parameters.
 */
import { defineModule, __setup, module_param, kstrtoint, pr_info } from 'netlink-lab/kernel';

/** get_option() of lib/cmdline.c: 0 = no number, 1 = a number ending the text, 2 = a number then ','. */
function get_option(s: { value: string }, pint: { value: number }): number {
  const comma = s.value.indexOf(',');
  const word = comma < 0 ? s.value : s.value.slice(0, comma);
  if (!word || kstrtoint(word, 0, pint) !== 0) return 0;
  if (comma < 0) { s.value = ''; return 1; }
  s.value = s.value.slice(comma + 1);
  return 2;
}

const int_value = module_param('int_value', 'int', 0o444, 0);
const int_array = module_param('int_array', 'charp', 0o444, '');
const string_value = module_param('string_value', 'charp', 0o444, '');

/** setup_example_int_array[0] is the count, then up to four values (as get_options() fills it). */
const setup_example_int_array: number[] = [0, 0, 0, 0, 0];

function parse_int(s: string): number {
  const v = { value: 0 };
  const ret = get_option({ value: s }, v);
  if (ret !== 0) int_value.value = v.value;
  return ret !== 0 ? 1 : 0; // 1: the word was ours
}

// TODO: the command line gives four numbers, but only the first arrives. This handler was copied
// from parse_int: it calls get_option() once. C's get_options() calls it again while it
// returns 2 ("a number, then a comma"), up to the array's size.
function parse_int_array(s: string): number {
  const rest = { value: s };
  const v = { value: 0 };
  if (get_option(rest, v) !== 0) {
    setup_example_int_array[1] = v.value;
    setup_example_int_array[0] = 1;
  }
  return 1;
}

function parse_string(s: string): number {
  string_value.value = s.slice(0, 15); // strscpy into char[16]
  return 1;
}

export default defineModule({
  name: 'boot_example',
  description: 'the __setup handlers of built-in code; what they parsed, in sysfs',
  setup: [
    __setup('setup_example_int=', parse_int),
    __setup('setup_example_int_array=', parse_int_array),
    __setup('setup_example_string=', parse_string),
  ],
  init() {
    const n = setup_example_int_array[0]!;
    int_array.value = setup_example_int_array.slice(1, 1 + n).join(',');
    pr_info(`boot_example: int=${int_value.value} int_array(${n})=${int_array.value} string='${string_value.value}'`);
    return 0;
  },
});
