/**
 * Lesson "Port ids": autobind and EADDRINUSE as Linux does them, a forged nlmsg_pid that sends the
 * module's answer to another socket, and a module that answers port 0 and so answers itself.
 */
import { parseNlmsgs, cstring } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const EADDRINUSE = 98;
const EDEADLK = 35;
const FOR_C = 'from a, for c';
const isSend = (s: string) => s === 'sendto' || s === 'sendmsg';
const isRecv = (s: string) => s === 'recvfrom' || s === 'recvmsg';
const texts = (d?: Uint8Array) =>
  d ? parseNlmsgs(d).map((m) => ({ text: cstring(m.payload), pid: m.nlmsg_pid })) : [];

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const lines = output.split('\n');
  const autobindOk =
    lines.some((l) => l.includes('port == getpid(): true')) && lines.some((l) => l.includes('port < 0: true'));
  const autobindFailed = events.filter((e) => e.syscall === 'bind' && e.errno === EADDRINUSE).length > 1;
  const inUse = events.find((e) => e.syscall === 'bind' && e.errno === EADDRINUSE);

  const forged = events.find(
    (e) => isSend(e.syscall) && e.errno === undefined && texts(e.data).some((t) => t.text === FOR_C),
  );
  const forgedPid = forged ? texts(forged.data).find((t) => t.text === FOR_C)!.pid : undefined;
  const arrived = events.filter((e) => isRecv(e.syscall) && texts(e.data).some((t) => t.text === FOR_C));
  const atOther = forged && arrived.find((e) => e.fd !== forged.fd);
  const backHome = forged && arrived.find((e) => e.fd === forged.fd);

  const zeroSend = events.find(
    (e) => isSend(e.syscall) && e.addr?.nl_pid === 0 && (e.errno === EDEADLK || texts(e.data).some((t) => t.pid === 0)),
  );
  const looped = events.find((e) => isSend(e.syscall) && e.errno === EDEADLK);

  return [
    {
      name: 'autobind: the process id, then a negative port',
      pass: autobindOk && !autobindFailed,
      message: autobindOk
        ? 'The first autobound socket got the process id as its port, the second a negative one; no autobind failed.'
        : 'The program did not print "port == getpid(): true" and "port < 0: true" for its two autobound sockets.',
      hints: [
        'Steps 1 and 2 are given; if this fails, compare them with the starting code.',
        'bind() with nl_pid 0 asks the kernel to choose: netlink_autobind() tries the thread-group id first, then negative numbers until one is free.',
      ],
    },
    {
      name: 'two binders of port 100: EADDRINUSE',
      pass: !!inUse,
      message: inUse ? 'The second bind of port 100 failed with EADDRINUSE.' : 'No bind failed with EADDRINUSE.',
      hints: [
        'Step 2 binds two sockets to port 100 of the same protocol; keep both.',
        "netlink_insert() finds port 100 taken in protocol 25's table and returns -EADDRINUSE.",
      ],
    },
    {
      name: 'a forged header sends the answer to c',
      pass: !!atOther,
      message: forged
        ? atOther
          ? `a sent "${FOR_C}" with nlmsg_pid ${forgedPid}; the module's echo arrived on another socket (fd ${atOther.fd}), not on a (fd ${forged.fd}).`
          : `a sent "${FOR_C}" with nlmsg_pid ${forgedPid}; the echo ${backHome ? `came back to a itself (fd ${forged.fd})` : 'arrived nowhere'}.`
        : `The program never sent "${FOR_C}".`,
      hints: [
        'nl_test does not ask the kernel who sent the message: it answers the port id written in the header.',
        "The real sender is in NETLINK_CB(skb).portid, which the kernel fills in; nlmsg_pid in the header is whatever the program wrote. In step 3 that is a's own port, A.",
        "Write c's port into the header: `pid: await port(c)` (or 100) in step 3's nlmsg().",
      ],
    },
    {
      name: 'a module that answers port 0 answers itself',
      pass: !!looped,
      message: looped
        ? `${looped.syscall} with header pid 0 failed with EDEADLK: the module's input called itself over and over until the simulated kernel cut the chain where Linux's stack would overflow (see the Kernel log: "stack guard page was hit").`
        : zeroSend
          ? `${zeroSend.syscall} with header pid 0 returned ${zeroSend.ret}: the module ignored the message.`
          : 'The program did not send a message whose header pid is 0.',
      hints: [
        'The module still refuses to reply to a header that says 0. Make it reply — on the simulated kernel only.',
        'In module.ts, nl_test_handle() returns early when `dst === 0`. That line is the only thing between a pid-0 header and a loop.',
        "Delete the `if (dst === 0) return pr_info(…)` line in module.ts and run again; step 4's sendto should then fail with EDEADLK.",
      ],
    },
  ];
}
