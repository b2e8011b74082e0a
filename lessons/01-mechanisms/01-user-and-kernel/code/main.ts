/**
 * A program meets the kernel only through system calls. Loading a module is one (init_module),
 * unloading it another (delete_module), and /proc/modules, read with open/read/close, is how the
 * kernel shows which modules it holds. Run it, read what rmmod answered, then fix the module.
 */
import { insmod, rmmod, readFile, ErrnoError } from 'netlink-lab/user';
import hello from './module.ts';

/** Is `name` in /proc/modules? The kernel writes one line per module, its name first. */
async function listed(name: string): Promise<string> {
  const text = await readFile('/proc/modules');
  return text.split('\n').some((line) => line.split(' ')[0] === name) ? 'listed' : 'not listed';
}

/** Run a system call's wrapper and say how it ended: 0, or the errno's name. */
async function result(call: () => Promise<number>): Promise<string> {
  try {
    return String(await call());
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

console.log(`before:      hello ${await listed('hello')} in /proc/modules`);
console.log(`insmod:      ${await result(() => insmod(hello))}`);
console.log(`after load:  hello ${await listed('hello')} in /proc/modules`);
console.log(`rmmod:       ${await result(() => rmmod('hello'))}`);
console.log(`after rmmod: hello ${await listed('hello')} in /proc/modules`);
