/**
 * Lesson "sendto vs sendmsg": sendmsg's gathered datagram equals sendto's, recvmsg scattered an
 * echo, a truncated receive was detected, and a peek learned a datagram's size.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const MSG_TRUNC = 0x20;

/** The bytes with the sequence number (offset 8–11 of the header) zeroed. */
const withoutSeq = (d: Uint8Array) => { const c = d.slice(); c.fill(0, 8, 12); return c.join(','); };
const sent = (events: SyscallEvent[], syscall: string) => events.filter((e) => e.syscall === syscall && e.errno === undefined && e.data);

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const viaSendto = sent(events, 'sendto');
  const viaSendmsg = sent(events, 'sendmsg');
  const same = viaSendmsg.some((m) => viaSendto.some((t) => withoutSeq(t.data!) === withoutSeq(m.data!)));
  const scattered = events.filter((e) => e.syscall === 'recvmsg' && (e.ret ?? 0) > 16 && e.data && e.data.length === e.ret);
  const truncLine = output.split('\n').find((l) => /MSG_TRUNC/.test(l) && /\bset\b/.test(l) && !/not set/.test(l));
  const smallRecv = events.find((e) => e.syscall === 'recvmsg' && e.ret === 8);
  const peek = events.find((e) => (e.syscall === 'recvfrom' || e.syscall === 'recvmsg') && e.data !== undefined && (e.ret ?? 0) > e.data.length);

  return [
    {
      name: 'sendmsg sends what sendto sends',
      pass: viaSendmsg.length > 0 && same,
      message: viaSendmsg.length === 0
        ? 'No sendmsg call succeeded yet: send "ping" with sendmsg, the header and the payload as two iovecs.'
        : same ? 'sendmsg gathered its iovecs into the same datagram sendto sent (apart from the sequence number).'
          : 'sendmsg sent different bytes from sendto. nlmsg_len in the header iovec must count the payload too (NLMSG_LENGTH), and the payload iovec must be padded to 4 bytes.',
    },
    {
      name: 'recvmsg receives an echo',
      pass: scattered.length > 0,
      message: scattered.length > 0 ? `recvmsg received a whole ${scattered[0]!.ret}-byte echo.` : 'No recvmsg received a whole echo: receive into two iovecs, 16 bytes then 256.',
    },
    {
      name: 'truncation is detected',
      pass: !!smallRecv && !!truncLine,
      message: smallRecv && truncLine ? `recvmsg into 8 bytes returned 8 and the program saw MSG_TRUNC (0x${MSG_TRUNC.toString(16)}) in msg_flags.`
        : !smallRecv ? 'No recvmsg into an 8-byte buffer yet.' : 'recvmsg returned 8 bytes, but the output does not say "MSG_TRUNC set": test msg_flags & MSG_TRUNC and print it.',
    },
    {
      name: 'the size is learned with MSG_PEEK | MSG_TRUNC',
      pass: !!peek,
      message: peek ? `A receive returned ${peek.ret}, more than the ${peek.data!.length} bytes it copied: the datagram's real size.` : 'No receive returned more than it copied: call recvfrom with MSG_PEEK | MSG_TRUNC and an empty buffer.',
    },
  ];
}
