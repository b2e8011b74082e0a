/**
 * Lesson "Your first netlink socket": protocol 25 does not exist before nl_test loads, the
 * module's ten replies reach the program, sendmsg waited for the module's input callback, and a
 * second binder of the same port gets EADDRINUSE.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';

const GREETING = 'I am from kernel!';
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const EADDRINUSE = 98;
const EPROTONOSUPPORT = 93;
const NETLINK_TEST = 25;

const text = (d?: Uint8Array) => (d ? new TextDecoder().decode(d) : '');

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const loaded = events.findIndex((e) => e.syscall === 'init_module' && e.errno === undefined);
  const tests = events
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => e.syscall === 'socket' && e.socket?.protocol === NETLINK_TEST);
  const early = tests.filter(({ i }) => loaded < 0 || i < loaded);
  const refused = early.find(({ e }) => e.errno === EPROTONOSUPPORT);
  const replies = events.filter((e) => RECV.has(e.syscall) && e.ret === 36 && text(e.data).includes(GREETING));
  const send = events.find((e) => (e.syscall === 'sendmsg' || e.syscall === 'sendto') && e.errno === undefined);
  const waited = send ? send.time - (send.start ?? send.time) : 0;
  const inUse = events.filter((e) => e.syscall === 'bind' && e.errno === EADDRINUSE);
  const firstBind = events.find((e) => e.syscall === 'bind' && e.ret === 0);
  const printed = output.split('\n').filter((l) => l.includes(GREETING)).length;

  return [
    {
      name: 'protocol 25 does not exist before the module',
      pass: !!refused,
      message: refused
        ? 'socket(AF_NETLINK, SOCK_RAW, 25) failed with EPROTONOSUPPORT before insmod: no kernel socket had registered protocol 25 yet.'
        : early.length > 0
          ? `A protocol-25 socket was opened before insmod, and it ${early[0]!.e.errno === undefined ? 'succeeded' : `failed with errno ${early[0]!.e.errno}`}, not EPROTONOSUPPORT.`
          : 'The program never tried a protocol-25 socket before the module was loaded, so it never saw what the kernel says about a protocol nobody registered.',
      hints: [
        'The first part of the exercise is an experiment: ask for a protocol-25 socket while nl_test is not loaded yet.',
        'Move one socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST) above `await insmod(nl_test)`; it rejects with an ErrnoError. netlink_create() is the function that refuses it.',
        'Wrap it: `try { await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST); } catch (e) { console.log((e as Error).message); }` before insmod, and print what it says.',
      ],
    },
    {
      name: 'ten replies arrive',
      pass: replies.length === 10,
      message:
        replies.length === 10
          ? "The program received the module's ten 36-byte replies."
          : `The program received ${replies.length} of the module's ten 36-byte replies.`,
      hints: [
        'The module sent its replies somewhere other than your socket, or did not send them at all: of the three port ids in the program, one does not say "100".',
        'nl_test does not look at who sent the message; it replies to the port id written inside the message, nlmsg_pid (the `pid` field of nlmsg()), and ignores a message whose header says 0.',
        'Write the port you bound into the header: `nlmsg({ …, pid: MY_PORT, … })`.',
      ],
    },
    {
      name: 'each reply is printed',
      pass: printed >= 10,
      message: `"${GREETING}" was printed ${printed} time${printed === 1 ? '' : 's'}${printed >= 10 ? '.' : ' of 10.'}`,
      hints: [
        'The receive loop counts the replies but does not show what they say.',
        "Each reply is a 16-byte nlmsghdr followed by the module's text; NLMSG_DATA(buf) is the text, and cstring() stops at its NUL.",
        'Inside the loop: `console.log(cstring(NLMSG_DATA(buf)))`.',
      ],
    },
    {
      name: 'sendmsg waited for the module',
      pass: waited >= 30_000,
      message: send
        ? `${send.syscall} took ${(waited / 1000).toFixed(1)} s${waited >= 30_000 ? ': the input callback ran inside it, sleeping 3 s before each of its ten replies.' : '; with the module answering, the input callback runs inside it and sleeps 10 × 3 s.'}`
        : 'The program never sent a message successfully.',
      hints: [
        'The module only sleeps when it answers: a message whose header port id is 0 is ignored at once.',
        'Fix the "ten replies arrive" check first; this one follows from it.',
      ],
    },
    {
      name: 'a second binder gets EADDRINUSE',
      pass: inUse.length > 0 && !!firstBind && inUse.some((e) => e.pid !== firstBind.pid || e.fd !== firstBind.fd),
      message:
        inUse.length > 0
          ? `bind failed with EADDRINUSE in process ${inUse[0]!.pid}: port 100 was taken.`
          : 'No bind failed with EADDRINUSE.',
      hints: [
        'Part 2 of the exercise is missing: a second socket must ask for port 100 of protocol 25 while the first still holds it.',
        'spawn(async () => { … }) starts a second process; in it, open a protocol-25 socket and bind it to MY_PORT before the first socket is closed.',
        'Catch the rejection of that bind() and print its message; then `await waitpid(pid)` in the first process before `close(fd)`.',
      ],
    },
  ];
}
