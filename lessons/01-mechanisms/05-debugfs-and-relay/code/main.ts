/**
 * debugfs and relay from both sides: the program asks the module for records through a debugfs
 * file, reads them out of the relay channel's buffer file, and reads a counter debugfs shows.
 * The module cannot even load yet: relay has nowhere to put its buffer files.
 */
import { insmod, rmmod, open, read, write, close, ErrnoError, O_RDONLY, O_WRONLY } from 'netlink-lab/user';
import relay_exam from './module.ts';

const dir = '/sys/kernel/debug/relay_exam';

/** How a call ended: its result, or the errno's name. */
async function attempt<T>(call: () => Promise<T>): Promise<T | string> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

/** Read `path` until read() returns 0. */
async function cat(path: string): Promise<string> {
  const fd = await open(path, O_RDONLY);
  const buf = new Uint8Array(4096);
  let text = '';
  for (let n; (n = await read(fd, buf)) > 0;) text += new TextDecoder().decode(buf.subarray(0, n));
  await close(fd);
  return text;
}

/** echo -n text > path. */
async function echo(path: string, text: string): Promise<void> {
  const fd = await open(path, O_WRONLY);
  await write(fd, new TextEncoder().encode(text));
  await close(fd);
}

/** The records in a chunk of the channel, as "first … last (n)". */
function summary(text: string): string {
  const recs = text.split('\n').filter(Boolean).map((r) => r.trim());
  return recs.length ? `${recs.length} records, "${recs[0]}" … "${recs.at(-1)}"` : 'nothing';
}

const loaded = await attempt(() => insmod(relay_exam));
console.log(`insmod relay_exam: ${loaded}`);
if (loaded === 0) {
  console.log(`records: ${JSON.stringify(await cat(`${dir}/records`))}`);
  await echo(`${dir}/emit`, '10');
  console.log(`after emit 10, records: ${JSON.stringify(await cat(`${dir}/records`))}`);
  const first = await cat(`${dir}/cpu0`);
  console.log(`cpu0: ${summary(first)}\n${first}`);

  // 30 more records are 480 bytes, for a channel of 4 sub-buffers of 64 bytes per CPU.
  await echo(`${dir}/emit`, '30');
  console.log(`after emit 30, cpu0: ${summary(await cat(`${dir}/cpu0`))}`);
  console.log(`records: ${JSON.stringify(await cat(`${dir}/records`))}`);
  await rmmod('relay_exam');
}
