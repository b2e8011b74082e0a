/**
 * The record of a run holds what the kernel was given and gave back, whatever the program does
 * with its own objects: a Uint8Array subclass whose slice() lies, a buffer or an address changed
 * after the call was made, a result's address changed after it came back. (The class server
 * verifies from this record: src/server/harden.ts; src/api/user.ts copies the bytes.)
 */
import { expect, it } from 'vitest';
import * as user from '../../src/api/user.ts';
import { runSession, type SessionKernel } from '../../src/runtime/session.ts';
import type { ChecksInput } from '../../src/runtime/messages.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';

const PROGRAM = `
import { socket, bind, sendto, sendmsg, recvfrom, recvmsg, nlmsg, bytes, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';
class Liar extends Uint8Array {
  slice() { return new Uint8Array([0xde, 0xad, 0xbe, 0xef]); }
}
const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(a, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });
const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
const msg = nlmsg({ type: 0x10, seq: 7, payload: bytes('hi!', true) });

const out = new Liar(msg.length);
out.set(msg);
const to = { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 };
const sent = sendto(b, out, 0, to);
out.fill(0xee); // after the call was made: the kernel had the bytes already
to.nl_pid = 999;
await sent;

const into = new Liar(256);
const r = await recvfrom(a, into, 0);
console.log('recvfrom ' + r.n + ': ' + Array.from(into.subarray(0, r.n)).join(','));
into.fill(0xff);
r.from.nl_pid = 4242;

const iov = [new Liar(8), new Liar(msg.length - 8)];
iov[0].set(msg.subarray(0, 8));
iov[1].set(msg.subarray(8));
const m = { msg_name: { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 }, msg_iov: iov };
const p = sendmsg(b, m, 0);
iov[0].fill(0xee);
m.msg_name.nl_pid = 999;
await p;
const parts = [new Liar(4), new Liar(252)];
const q = await recvmsg(a, { msg_iov: parts }, 0);
console.log('recvmsg ' + q.n + ': ' + [...parts[0], ...parts[1].subarray(0, q.n - 4)].join(','));
parts[1].fill(0xff);
q.from.nl_pid = 4242;
`;

it('records what the kernel got and gave, not what the program says afterwards', async () => {
  const kernel = (await bootKernel()) as unknown as SessionKernel;
  let input: ChecksInput | undefined;
  const lines: string[] = [];
  const exit = await runSession(kernel, {
    runId: 1,
    files: { 'main.ts': PROGRAM },
    entry: 'main.ts',
    libs: { 'netlink-lab/user': user },
    checks: 'export default () => []',
    checksElsewhere: (i) => {
      input = i;
    },
    post: (m) => {
      if (m.type === 'batch') for (const l of m.output) lines.push(l.text);
    },
  });
  expect(exit.status, exit.error?.message).toBe('ok');
  const msg = user.nlmsg({ type: 0x10, seq: 7, payload: user.bytes('hi!', true) });
  const want = Array.from(msg).join(',');
  // The program's own buffers got the bytes.
  expect(lines).toContain(`recvfrom ${msg.length}: ${want}`);
  expect(lines).toContain(`recvmsg ${msg.length}: ${want}`);
  const ev = (name: string) => input!.events.find((e) => e.syscall === name)!;
  for (const name of ['sendto', 'recvfrom', 'sendmsg', 'recvmsg']) {
    expect(Array.from(ev(name).data!), name).toEqual(Array.from(msg));
  }
  expect(ev('sendto').addr).toMatchObject({ nl_pid: 100 });
  expect(ev('sendmsg').addr).toMatchObject({ nl_pid: 100 });
  expect(ev('recvfrom').addr!.nl_pid).not.toBe(4242);
  expect(ev('recvmsg').addr!.nl_pid).toBe(ev('recvfrom').addr!.nl_pid);
  expect(ev('recvmsg').iov).toEqual([4, 252]);
}, 60_000);
