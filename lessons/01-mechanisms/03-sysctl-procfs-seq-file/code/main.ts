/**
 * sysctl and seq_file from both sides. The program sets the module's two sysctls through
 * /proc/sys/mysysctl, then reads /proc/proc_exam twice: in one big read, as `cat` does, and a few
 * bytes at a time, as a program with a small buffer does. Both must give the same text.
 */
import { insmod, rmmod, open, read, write, close, ErrnoError, O_RDONLY, O_WRONLY } from 'netlink-lab/user';
import proc_exam from './module.ts';

/** How a call ended: its result, or the errno's name. */
async function attempt<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

/** Read `path` in reads of `chunk` bytes, to the end or until `limit` reads. */
async function readAll(path: string, chunk: number, limit = 200): Promise<{ text: string; reads: number; eof: boolean }> {
  const fd = await open(path, O_RDONLY);
  const buf = new Uint8Array(chunk);
  let text = '';
  let reads = 0;
  let eof = false;
  while (reads < limit) {
    const n = await read(fd, buf);
    reads++;
    if (n === 0) { eof = true; break; }
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  await close(fd);
  return { text, reads, eof };
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

await insmod(proc_exam);

// sysctl: each entry is a file under /proc/sys; its handler parses what is written.
console.log(`myint:    ${JSON.stringify((await readAll('/proc/sys/mysysctl/myint', 4096)).text)}`);
console.log(`mystring: ${JSON.stringify((await readAll('/proc/sys/mysysctl/mystring', 4096)).text)}`);
console.log(`echo 1000 > myint: ${await echo('/proc/sys/mysysctl/myint', '1000')}`);
console.log(`echo 5 > myint: ${await echo('/proc/sys/mysysctl/myint', '5')}`);
console.log(`echo "Hello, seq_file" > mystring: ${await echo('/proc/sys/mysysctl/mystring', 'Hello, seq_file')}`);

// seq_file: the same file in one read of 4096 bytes, and read to the end 16 bytes at a time.
const whole = await readAll('/proc/proc_exam', 4096, 1);
const bits = await readAll('/proc/proc_exam', 16);
console.log(`one read of 4096 bytes:\n${whole.text}`);
console.log(`${bits.reads} reads of 16 bytes${bits.eof ? '' : ' (stopped before the end)'}:\n${bits.text.slice(0, 600)}`);
console.log(bits.text === whole.text ? 'the same text both ways' : 'the texts differ');

await rmmod('proc_exam');
