/**
 * Lesson "sendto vs sendmsg": sendmsg gathered one datagram from several iovecs and it equals
 * sendto's; recvmsg scattered an echo over several iovecs; a truncated receive was detected; and
 * a peek learned a datagram's size. The iovec lengths come from the recorded events (`iov`).
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const MSG_TRUNC = 0x20;

/** The bytes with the sequence number (offset 8–11 of the header) zeroed. */
const withoutSeq = (d: Uint8Array) => {
  const c = d.slice();
  c.fill(0, 8, 12);
  return c.join(',');
};
const ok = (events: SyscallEvent[], syscall: string) =>
  events.filter((e) => e.syscall === syscall && e.errno === undefined && e.data);
const lens = (e: SyscallEvent) => (e.iov ?? []).join(' + ');

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const viaSendto = ok(events, 'sendto');
  const viaSendmsg = ok(events, 'sendmsg');
  const gathered = viaSendmsg.filter((m) => (m.iov?.filter((n) => n > 0).length ?? 0) >= 2);
  const same = gathered.some((m) => viaSendto.some((t) => withoutSeq(t.data!) === withoutSeq(m.data!)));
  const recvmsgs = ok(events, 'recvmsg');
  // Scattered: the datagram ran past the first iovec into the next, and was not cut short.
  const scattered = recvmsgs.filter(
    (e) => (e.iov?.length ?? 0) >= 2 && (e.ret ?? 0) > e.iov![0]! && e.data!.length === e.ret,
  );
  const headerFirst = scattered.filter((e) => e.iov![0] === 16);
  const truncLine = output.split('\n').find((l) => /MSG_TRUNC/.test(l) && /\bset\b/.test(l) && !/not set/.test(l));
  const smallRecv = recvmsgs.find((e) => e.ret === 8 && (e.iov ?? []).reduce((s, n) => s + n, 0) === 8);
  const peek = events.find(
    (e) =>
      (e.syscall === 'recvfrom' || e.syscall === 'recvmsg') && e.data !== undefined && (e.ret ?? 0) > e.data.length,
  );

  return [
    {
      name: 'sendmsg gathers what sendto sends',
      pass: same,
      message:
        viaSendmsg.length === 0
          ? 'No sendmsg call succeeded yet.'
          : gathered.length === 0
            ? `sendmsg sent from ${viaSendmsg.map(lens).join(', ')} byte iovec(s): one buffer, nothing gathered.`
            : same
              ? `sendmsg gathered ${lens(gathered[0]!)} bytes into one datagram, the same bytes sendto sent (apart from the sequence number).`
              : `sendmsg gathered ${lens(gathered[0]!)} bytes, but the datagram differs from sendto's.`,
      hints: [
        'The checks want the header and the payload in two separate iovecs, and the joined bytes equal to the sendto datagram.',
        'Compare the two datagrams in the Messages panel: nlmsg_len must count header and payload although they sit in different buffers, and the payload iovec must be padded to 4 bytes.',
        'msg_iov: [nlmsg({ type: NLMSG_MIN_TYPE, seq, pid: MY_PORT, len: NLMSG_LENGTH(payload.length) }), padded] with padded = a Uint8Array of NLMSG_ALIGN(payload.length) holding the payload.',
      ],
    },
    {
      name: 'recvmsg scatters an echo over two iovecs',
      pass: headerFirst.length > 0,
      message:
        headerFirst.length > 0
          ? `recvmsg spread a ${headerFirst[0]!.ret}-byte echo over iovecs of ${lens(headerFirst[0]!)} bytes: the header in the first, the payload in the next.`
          : scattered.length > 0
            ? `recvmsg scattered a datagram over ${lens(scattered[0]!)} bytes, but the first iovec was not 16 bytes: the header did not land on its own.`
            : recvmsgs.length
              ? `No recvmsg filled more than its first iovec (iovecs seen: ${recvmsgs.map(lens).join('; ')}).`
              : 'No recvmsg call succeeded yet.',
      hints: [
        'Pass recvmsg several buffers in msg_iov; the kernel fills them in order.',
        'A netlink header is NLMSG_HDRLEN (16) bytes: make that the first iovec, so the payload starts the second.',
        'await recvmsg(fd, { msg_iov: [new Uint8Array(NLMSG_HDRLEN), new Uint8Array(256)] }), then print cstring() of the second buffer.',
      ],
    },
    {
      name: 'truncation is detected',
      pass: !!smallRecv && !!truncLine,
      message:
        smallRecv && truncLine
          ? `recvmsg into 8 bytes returned 8 and the program saw MSG_TRUNC (0x${MSG_TRUNC.toString(16)}) in msg_flags.`
          : !smallRecv
            ? 'No recvmsg into an 8-byte buffer yet.'
            : 'recvmsg returned 8 bytes, but the output does not say "MSG_TRUNC set".',
      hints: [
        'A recv into a buffer smaller than the datagram returns what fitted; only msg_flags says the rest was lost.',
        'recvmsg resolves to { n, msg_flags, … }: test msg_flags & MSG_TRUNC.',
        "const small = await recvmsg(fd, { msg_iov: [new Uint8Array(8)] }); print `MSG_TRUNC ${(small.msg_flags & MSG_TRUNC) ? 'set' : 'not set'}`.",
      ],
    },
    {
      name: 'the size is learned with MSG_PEEK | MSG_TRUNC',
      pass: !!peek,
      message: peek
        ? `A receive returned ${peek.ret}, more than the ${peek.data!.length} bytes it copied: the datagram's real size.`
        : 'No receive returned more than it copied.',
      hints: [
        "As an input flag, MSG_TRUNC makes a receive return the datagram's real length even when it copied less.",
        'Add MSG_PEEK so the datagram stays queued for the real receive.',
        'const { n: size } = await recvfrom(fd, new Uint8Array(0), MSG_PEEK | MSG_TRUNC); then receive into new Uint8Array(size).',
      ],
    },
  ];
}
