// Scenario 66: a seq_file read in small pieces gives the same text as one read; lseek to an offset resumes there.
import {
  open,
  read,
  close,
  lseek,
  socket,
  bind,
  sleep,
  O_RDONLY,
  SEEK_SET,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';

async function readAll(path: string, chunk: number): Promise<{ text: string; reads: number }> {
  const fd = await open(path, O_RDONLY);
  const buf = new Uint8Array(chunk);
  let text = '';
  let reads = 0;
  for (;;) {
    const n = await read(fd, buf);
    reads++;
    if (n === 0) break;
    text += new TextDecoder().decode(buf.subarray(0, n));
  }
  await close(fd);
  return { text, reads };
}

/** The header and the rows of the sockets bound here (ports 5000–5005). */
const ours = (text: string) =>
  text
    .split('\n')
    .filter((l, i) => i === 0 || / 50\d\d /.test(l))
    .join('\n');

export default async function main() {
  for (let i = 0; i < 6; i++) {
    const s = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
    await bind(s, { nl_family: AF_NETLINK, nl_pid: 5000 + i, nl_groups: 0 });
  }
  // Sockets of processes that just exited may still be going away: wait until the table is still
  // (polled: nothing announces a socket's release).
  let whole = await readAll('/proc/net/netlink', 65536);
  for (let i = 0; i < 20; i++) {
    await sleep(50);
    const again = await readAll('/proc/net/netlink', 65536);
    if (again.text === whole.text) break;
    whole = again;
  }
  console.log(
    'one read: more than 7 lines',
    whole.text.split('\n').length - 1 > 7,
    'ends with newline',
    whole.text.endsWith('\n'),
  );
  for (const chunk of [1, 7, 80, 150]) {
    const r = await readAll('/proc/net/netlink', chunk);
    // Only our rows: sockets of other programs' exiting processes may come and go meanwhile.
    console.log(
      `${chunk}-byte reads give the same text: ${ours(r.text) === ours(whole.text) && ours(whole.text).split('\n').length === 7}`,
    );
  }
  const fd = await open('/proc/net/netlink', O_RDONLY);
  const buf = new Uint8Array(65536);
  for (const off of [0, 5, 100, whole.text.length - 3, whole.text.length, whole.text.length + 50]) {
    whole = await readAll('/proc/net/netlink', 65536);
    const at = await lseek(fd, off, SEEK_SET);
    const n = await read(fd, buf);
    console.log(
      `lseek(${off === whole.text.length ? 'len' : off > whole.text.length ? 'len+50' : off === whole.text.length - 3 ? 'len-3' : off}) = ${at === off}, read gives the rest: ${new TextDecoder().decode(buf.subarray(0, n)) === whole.text.slice(off)}`,
    );
  }
  await close(fd);
  const cmd = await readAll('/proc/cmdline', 3);
  console.log(
    '/proc/cmdline ends with a newline:',
    cmd.text.endsWith('\n'),
    'one line:',
    cmd.text.split('\n').length === 2,
  );
}

export const scenario: Scenario = {
  title: 'seq_file: small reads and lseek give the same text as one read (/proc/net/netlink, /proc/cmdline)',
  project: (n) => n.output,
  // The number of reads depends on how long the table is, which differs (the simulator has fewer kernel sockets).
  expect: [
    'one read: more than 7 lines true ends with newline true',
    '1-byte reads give the same text: true',
    '7-byte reads give the same text: true',
    '80-byte reads give the same text: true',
    '150-byte reads give the same text: true',
    'lseek(0) = true, read gives the rest: true',
    'lseek(5) = true, read gives the rest: true',
    'lseek(100) = true, read gives the rest: true',
    'lseek(len-3) = true, read gives the rest: true',
    'lseek(len) = true, read gives the rest: true',
    'lseek(len+50) = true, read gives the rest: true',
    '/proc/cmdline ends with a newline: true one line: true',
  ],
};
