/**
 * Lesson "Your first netlink socket": the module's ten replies reach the program, sendmsg waited
 * for the module's input callback, and a second binder of the same port gets EADDRINUSE.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';

const GREETING = 'I am from kernel!';
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const EADDRINUSE = 98;

const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const replies = events.filter((e) => RECV.has(e.syscall) && e.ret === 36 && text(e.data).includes(GREETING));
  const send = events.find((e) => (e.syscall === 'sendmsg' || e.syscall === 'sendto') && e.errno === undefined);
  const before = send ? events[events.indexOf(send) - 1] : undefined;
  const waited = send && before ? send.time - before.time : 0;
  const inUse = events.filter((e) => e.syscall === 'bind' && e.errno === EADDRINUSE);
  const firstBind = events.find((e) => e.syscall === 'bind' && e.ret === 0);
  const printed = output.split('\n').filter((l) => l.includes(GREETING)).length;

  return [
    {
      name: 'ten replies arrive',
      pass: replies.length === 10,
      message: replies.length === 10
        ? 'The program received the module\'s ten 36-byte replies.'
        : `The program received ${replies.length} of the module's ten replies. nl_test replies to the port id written in the message header (nlmsg_pid), and ignores 0: write the port you bound there.`,
    },
    {
      name: 'each reply is printed',
      pass: printed >= 10,
      message: printed >= 10 ? `"${GREETING}" was printed ${printed} times.` : `"${GREETING}" was printed ${printed} times; print the text of each reply (cstring(NLMSG_DATA(buf)) reads it).`,
    },
    {
      name: 'sendmsg waited for the module',
      pass: waited >= 30_000,
      message: send
        ? `${send.syscall} returned ${(waited / 1000).toFixed(1)} s after the call before it${waited >= 30_000 ? ': the input callback ran inside it, sleeping 3 s before each of its ten replies.' : '; with the module answering it should take 30 s (10 × 3 s).'}`
        : 'The program never sent a message successfully.',
    },
    {
      name: 'a second binder gets EADDRINUSE',
      pass: inUse.length > 0 && !!firstBind && inUse.some((e) => e.pid !== firstBind.pid || e.fd !== firstBind.fd),
      message: inUse.length > 0
        ? `bind failed with EADDRINUSE in process ${inUse[0]!.pid}: port 100 was taken.`
        : 'No bind failed with EADDRINUSE. Spawn a second process that opens a protocol-25 socket and binds port 100 while the first socket still holds it.',
    },
  ];
}
