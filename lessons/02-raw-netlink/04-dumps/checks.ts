/**
 * Lesson "Dumps": the program read its dump to NLMSG_DONE without losing the end of a datagram,
 * counted only the dump's own messages (by nlmsg_seq), and recognised the event (seq 0).
 */
import { parseNlmsgs, NLMSG_ALIGN } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const NLM_F_DUMP = 0x300;
const NLMSG_DONE = 3;
const isRecv = (s: string) => s === 'recvfrom' || s === 'recvmsg';

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const dumpReq = events
    .filter((e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.data && e.addr?.nl_pid === 0)
    .flatMap((e) => parseNlmsgs(e.data!).map((m) => ({ e, m })))
    .find(({ m }) => (m.nlmsg_flags & NLM_F_DUMP) === NLM_F_DUMP);
  const seq = dumpReq?.m.nlmsg_seq;
  const rx = events.filter((e) => isRecv(e.syscall) && e.data && e.fd === dumpReq?.e.fd && e.pid === dumpReq?.e.pid);

  // A datagram cut short: after the last whole message, bytes remain that start a longer one.
  let cut = '';
  for (const e of rx) {
    const d = e.data!;
    const msgs = parseNlmsgs(d);
    const last = msgs[msgs.length - 1];
    const end = last ? last.offset + NLMSG_ALIGN(last.nlmsg_len) : 0;
    if (end < d.length && d.length - end >= 4) {
      const claimed = new DataView(d.buffer, d.byteOffset + end).getUint32(0, true);
      if (claimed > d.length - end) {
        cut = `a ${d.length}-byte datagram ends in the middle of a message: the header at byte ${end} says nlmsg_len ${claimed}, and ${d.length - end} bytes of it arrived`;
        break;
      }
    }
  }

  const received = rx.flatMap((e) => parseNlmsgs(e.data!));
  const done = received.find((m) => m.nlmsg_type === NLMSG_DONE && m.nlmsg_seq === seq);
  const mine = received.filter((m) => m.nlmsg_seq === seq && m.nlmsg_type !== NLMSG_DONE && m.nlmsg_type !== 2);
  const bytes = mine.reduce((s, m) => s + m.nlmsg_len, 0);
  const countLine = `dump seq ${seq}: ${mine.length} messages, ${bytes} bytes`;
  const others = received.filter((m) => m.nlmsg_seq !== seq);
  const events0 = others.filter((m) => m.nlmsg_seq === 0 && m.nlmsg_pid === 0);
  const lines = output.split('\n').map((l) => l.trim());
  const printedEvents = lines.filter((l) => /^set aside: an event, type \d+, seq 0$/.test(l)).length;
  const printedEarlier = lines.filter((l) =>
    /^set aside: type \d+, seq [1-9]\d*, answers an earlier request$/.test(l),
  ).length;

  return [
    {
      name: 'no datagram was cut short',
      pass: !!dumpReq && !cut,
      message: cut
        ? `${cut}; the rest was discarded by the kernel.`
        : dumpReq
          ? 'Every datagram the program received ended on a whole message.'
          : 'The program sent no dump request (NLM_F_DUMP).',
      hints: [
        'A datagram is read whole or not at all: a receive buffer shorter than the datagram gets its beginning, and the end is thrown away.',
        'The kernel fills a dump datagram up to NLMSG_GOODSIZE (about a page) or more; recvmsg() sets MSG_TRUNC in msg_flags when it had to cut. Read "A receive loop that is too small".',
        'Give dump() a buffer of 32768 bytes (what libmnl and iproute2 use), and throw if `msg_flags & MSG_TRUNC` ever comes back.',
      ],
    },
    {
      name: 'the dump was read to its NLMSG_DONE',
      pass: !!done,
      message: done
        ? `NLMSG_DONE for seq ${seq} arrived (${done.nlmsg_len} bytes, flags 0x${done.nlmsg_flags.toString(16)}).`
        : `No NLMSG_DONE with seq ${seq ?? '?'} was received.`,
      hints: [
        'A dump answer ends with NLMSG_DONE; keep receiving until the one with your sequence number arrives.',
        "Only an NLMSG_DONE (or NLMSG_ERROR) whose nlmsg_seq is the dump's own ends the loop.",
      ],
    },
    {
      name: "the count is the dump's own messages",
      pass: !!done && !cut && lines.includes(countLine),
      message: lines.includes(countLine)
        ? `The program printed "${countLine}", the ${mine.length} messages with seq ${seq} before NLMSG_DONE.`
        : `The messages with seq ${seq} before NLMSG_DONE are ${mine.length} (${bytes} bytes); the program printed "${lines.find((l) => l.startsWith(`dump seq ${seq}:`) && l.includes('messages')) ?? 'no count'}". ${others.length} other message${others.length === 1 ? '' : 's'} (seq ${[...new Set(others.map((m) => m.nlmsg_seq))].join(', ')}) came through the same socket.`,
      hints: [
        "Not everything in the socket's queue is an answer to the dump: earlier requests' replies and multicast events wait there too.",
        "Every answer carries the request's nlmsg_seq. Compare each message's nlmsg_seq (bytes 8–11) with `seq` before you count it.",
        'In the loop: if the message\'s seq is not `seq`, print the "set aside" line and `continue`; only then look for NLMSG_DONE and push the rest.',
      ],
    },
    {
      name: 'the event and the earlier answers were set aside',
      pass: events0.length > 0 && printedEvents === events0.length && printedEarlier === others.length - events0.length,
      message: `The socket received ${events0.length} event${events0.length === 1 ? '' : 's'} (seq 0, pid 0) and ${others.length - events0.length} answer${others.length - events0.length === 1 ? '' : 's'} to earlier requests; the program printed ${printedEvents} "set aside: an event" and ${printedEarlier} "answers an earlier request" lines.`,
      hints: [
        'Something arrived that nobody requested: a message that the kernel (or another socket) multicast to a group this socket joined.',
        'Multicast notifications carry nlmsg_seq 0 and nlmsg_pid 0 — no request, no requester. Test for that before testing for "another seq".',
        'Print exactly "  set aside: an event, type <type>, seq 0" for those and "  set aside: type <type>, seq <seq>, answers an earlier request" for the others.',
      ],
    },
  ];
}
