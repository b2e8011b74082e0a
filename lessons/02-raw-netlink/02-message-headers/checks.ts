/**
 * Lesson "Message headers by hand": one datagram carried three requests that the kernel could
 * walk (so it acknowledged all three), and the program's own walker found every message of a
 * padded datagram from another socket.
 */
import { parseNlmsgs, parseNlmsgerr, cstring, NLMSG_ALIGN } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const NLMSG_ERROR = 2;
const isSend = (s: string) => s === 'sendto' || s === 'sendmsg';
const isRecv = (s: string) => s === 'recvfrom' || s === 'recvmsg';
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

export default function checks({ output, events }: CheckInput): CheckResult[] {
  // The batch: the largest datagram sent to the kernel (port 0).
  const toKernel = events.filter((e) => isSend(e.syscall) && e.errno === undefined && e.data && e.addr?.nl_pid === 0);
  const batch = toKernel.sort((a, b) => b.data!.length - a.data!.length)[0];
  const sent = batch ? parseNlmsgs(batch.data!) : [];
  let why = '';
  if (batch && sent.length > 0 && sent.length < 3) {
    const last = sent[sent.length - 1]!;
    const at = last.offset + NLMSG_ALIGN(last.nlmsg_len);
    const head = batch.data!.subarray(at, at + 4);
    why =
      at < batch.data!.length
        ? ` Message ${sent.length} has nlmsg_len ${last.nlmsg_len}, so the next header is read at byte ${at} (NLMSG_ALIGN(${last.nlmsg_len}) after it), where the bytes are ${hex(head)}: nlmsg_len ${head.length === 4 ? new DataView(head.buffer, head.byteOffset).getUint32(0, true) : '?'}, not a message. The walk stops there.`
        : '';
  }

  const acks = events
    .filter((e) => isRecv(e.syscall) && e.data && e.addr?.nl_pid === 0)
    .flatMap((e) => parseNlmsgs(e.data!))
    .filter((m) => m.nlmsg_type === NLMSG_ERROR && parseNlmsgerr(m)?.error === 0)
    .map((m) => m.nlmsg_seq);
  const sentSeqs = sent.map((m) => m.nlmsg_seq);
  const allAcked = sent.length >= 3 && sentSeqs.every((s) => acks.includes(s));

  // The peer's datagram: a receive from a user socket (port id not 0).
  const fromPeer = events.find((e) => isRecv(e.syscall) && e.data && e.addr && e.addr.nl_pid !== 0);
  const expected = fromPeer ? parseNlmsgs(fromPeer.data!) : [];
  const lines = output.split('\n');
  const found = expected.filter((m) =>
    lines.some((l) =>
      l.includes(`at ${m.offset}: seq ${m.nlmsg_seq}, nlmsg_len ${m.nlmsg_len}, "${cstring(m.payload)}"`),
    ),
  );
  const padded = expected.filter((m, i) => i > 0 && m.offset !== expected[i - 1]!.offset + expected[i - 1]!.nlmsg_len);

  return [
    {
      name: 'one datagram carries three well-formed requests',
      pass: sent.length >= 3,
      message: batch
        ? `The ${batch.data!.length}-byte datagram sent to the kernel holds ${sent.length} message${sent.length === 1 ? '' : 's'} that a walker using NLMSG_ALIGN can find.${why}`
        : 'No datagram was sent to the kernel (port 0).',
      hints: [
        'The kernel steps from one message to the next by NLMSG_ALIGN(nlmsg_len), not by nlmsg_len: after a 21-byte message it looks for the next header at byte 24.',
        'Look at how pack() advances `off` and how big it makes the buffer. NLMSG_SPACE(payload length) is header + payload + padding.',
        'In pack(), size the buffer with the sum of NLMSG_SPACE(m.payload.length) and advance with `off += NLMSG_SPACE(m.payload.length)`; keep nlmsg_len = NLMSG_LENGTH(m.payload.length).',
      ],
    },
    {
      name: 'the kernel acknowledged every request',
      pass: allAcked,
      message: `The program received ACKs (NLMSG_ERROR with error 0) for seq ${acks.length ? acks.join(', ') : '(none)'}; the kernel could find ${sent.length} request${sent.length === 1 ? '' : 's'} in the batch${sent.length ? ` (seq ${sentSeqs.join(', ')})` : ''}.`,
      hints: [
        'The kernel answers only the messages it could find in the datagram; it does not report one it could not parse.',
        'netlink_rcv_skb() stops silently at the first header whose nlmsg_len is shorter than 16 or longer than what is left. Fix the first check and this one follows.',
      ],
    },
    {
      name: "the walker found every message of the peer's datagram",
      pass: expected.length >= 3 && found.length === expected.length && padded.length > 0,
      message: fromPeer
        ? `The peer's ${fromPeer.data!.length}-byte datagram holds ${expected.length} messages at offsets ${expected.map((m) => m.offset).join(', ')} (nlmsg_len ${expected.map((m) => m.nlmsg_len).join(', ')}); the walker printed ${found.length} of them correctly.`
        : "The program did not receive the peer's datagram.",
      hints: [
        'The first message is 22 bytes long, but the second does not start at byte 22: nlmsg() padded the first to 24.',
        'walk() advances `off` by nlmsg_len. The NLMSG_OK and NLMSG_NEXT macros (imported already) do the test and the step the way the kernel does.',
        'Write the loop as `for (let off = 0; NLMSG_OK(buf, off, n - off); off = NLMSG_NEXT(buf, off)) { … }`, reading nlmsg_len, type, seq and the payload at `off` inside it.',
      ],
    },
  ];
}
