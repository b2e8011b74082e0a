/**
 * Boot parameters as a program sees them (/proc/cmdline, and the values built-in code parsed from
 * it), then module parameters from both sides: set at insmod (init_module's parameter string), then read
 * and written as files under /sys/module/param_exam/parameters. The checks want `percent` to stay
 * within 0..100 whichever way it is set — which only the module can enforce.
 */
import { insmod, rmmod, open, read, write, close, ErrnoError, O_RDONLY, O_WRONLY } from 'netlink-lab/user';
import param_exam from './module.ts';

const dir = '/sys/module/param_exam/parameters';

/** How a call ended: its result, or the errno's name. */
async function attempt<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

/** cat: the file's text (a sysfs attribute is one read), or the errno that stopped it. */
async function cat(path: string): Promise<string> {
  return attempt(async () => {
    const fd = await open(path, O_RDONLY);
    const buf = new Uint8Array(4096);
    const n = await read(fd, buf);
    await close(fd);
    return JSON.stringify(new TextDecoder().decode(buf.subarray(0, n)));
  });
}

/** echo -n text > path: 'ok', or the errno of open or write. */
async function echo(path: string, text: string): Promise<string> {
  return attempt(async () => {
    const fd = await open(path, O_WRONLY);
    try {
      await write(fd, new TextEncoder().encode(text));
    } finally {
      await close(fd);
    }
    return 'ok';
  });
}

// 0. Boot parameters: the kernel's command line, and what built-in code's __setup handlers parsed
// from it at boot. boot.ts is built into the simulated kernel (it cannot be a module: see the
// lesson); on the VM's Debian kernel it does not exist, so those lines start "[built-in]".
const cmdline = await cat('/proc/cmdline');
const words = cmdline.startsWith('"') ? (JSON.parse(cmdline) as string).trim().split(' ') : [];
console.log(`/proc/cmdline has ${words.filter((w) => w.startsWith('setup_example')).join(' ') || cmdline}`);
for (const p of ['int_value', 'int_array', 'string_value']) {
  console.log(`[built-in] cat boot_example ${p}: ${await cat(`/sys/module/boot_example/parameters/${p}`)}`);
}

// 1. At load time: init_module parses the parameter string with each parameter's set().
const first = await attempt(() => insmod(param_exam, 'percent=150'));
console.log(`insmod param_exam percent=150 → ${first}`);
if (first === 0) await rmmod('param_exam');
console.log(`insmod param_exam my_invisible_int=5 → ${await attempt(() => insmod(param_exam, 'my_invisible_int=5'))}`);

// 2. Afterwards: the parameters with a mode are files in sysfs.
for (const p of ['my_invisible_int', 'my_visible_int', 'mystring', 'percent']) {
  console.log(`cat ${p}: ${await cat(`${dir}/${p}`)}`);
}

// 3. Root writes them; the parameter's set() decides.
console.log(`echo 2000 > my_visible_int: ${await echo(`${dir}/my_visible_int`, '2000')}`);
console.log(`echo abc > mystring: ${await echo(`${dir}/mystring`, 'abc')}`);
console.log(`echo 150 > percent: ${await echo(`${dir}/percent`, '150')}`);
console.log(`echo 75 > percent: ${await echo(`${dir}/percent`, '75')}`);
for (const p of ['my_visible_int', 'mystring', 'percent']) {
  console.log(`cat ${p}: ${await cat(`${dir}/${p}`)}`);
}

await rmmod('param_exam');
