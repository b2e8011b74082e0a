/**
 * hello: the smallest kernel module. It offers nothing to user space — no file, no socket, no
 * parameter — so a program can see only that it is there (/proc/modules), not what it does.
 * The C twin the VM loads is sandboxes/vm/modules/hello.c.
 */
import { defineModule, pr_info } from 'netlink-lab/kernel';

export default defineModule({
  name: 'hello',
  description: 'the smallest module, loaded and unloaded by a program',
  /** Runs inside the init_module system call of the process that loads the module. */
  init() {
    pr_info('hello: loaded');
    return 0; // a negative errno here would make init_module fail with it
  },
});
