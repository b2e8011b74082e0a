/**
 * Lesson "A dump": every row of NLLAB_TABLE arrived exactly once, the program read until
 * NLMSG_DONE, and the dump needed more than one datagram.
 */
import {
  parseNlmsgs,
  parseGenlmsg,
  nla_get_u32,
  NLMSG_DONE,
  NLMSG_MIN_TYPE,
  GENL_ID_CTRL,
  NLM_F_DUMP,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const ROWS = 1000;
const A_ID = 1;

export default function checks({ events }: CheckInput): CheckResult[] {
  const dumpReq = events
    .flatMap((e) =>
      (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.data ? parseNlmsgs(e.data).map((m) => ({ e, m })) : [],
    )
    .find(
      ({ m }) =>
        m.nlmsg_type >= NLMSG_MIN_TYPE && m.nlmsg_type !== GENL_ID_CTRL && (m.nlmsg_flags & NLM_F_DUMP) === NLM_F_DUMP,
    );
  const after = dumpReq ? events.slice(events.indexOf(dumpReq.e) + 1) : [];
  const reads = dumpReq
    ? after.filter((e) => e.dir === 'in' && e.fd === dumpReq.e.fd && e.data && (e.ret ?? 0) > 0)
    : [];
  // A datagram whose messages do not end exactly where the data ends was cut by a short buffer.
  const cut = reads.filter((e) => {
    const ms = parseNlmsgs(e.data!);
    const last = ms[ms.length - 1];
    return !last || last.offset + ((last.nlmsg_len + 3) & ~3) < e.data!.length - 3;
  });
  const msgs = reads.flatMap((e) => parseNlmsgs(e.data!)).filter((m) => dumpReq && m.nlmsg_seq === dumpReq.m.nlmsg_seq);
  const counts = new Map<number, number>();
  for (const m of msgs) {
    if (m.nlmsg_type < NLMSG_MIN_TYPE) continue;
    const id = parseGenlmsg(m).attr.get(A_ID);
    if (id) counts.set(nla_get_u32(id), (counts.get(nla_get_u32(id)) ?? 0) + 1);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const repeated = [...counts.values()].filter((c) => c > 1).length;
  const doneAt = reads.findIndex((e) =>
    parseNlmsgs(e.data!).some((m) => m.nlmsg_type === NLMSG_DONE && m.nlmsg_seq === dumpReq?.m.nlmsg_seq),
  );
  const bytes = reads.slice(0, doneAt < 0 ? reads.length : doneAt + 1).reduce((s, e) => s + (e.ret ?? 0), 0);
  const missing = ROWS - [...counts.keys()].filter((k) => k < ROWS).length;

  return [
    {
      name: 'every row arrives exactly once',
      pass: counts.size === ROWS && repeated === 0,
      message: !dumpReq
        ? 'No dump request (NLM_F_DUMP) was sent to NLLAB_TABLE.'
        : cut.length
          ? `${counts.size} of ${ROWS} rows arrived, and ${cut.length} datagram${cut.length === 1 ? ' was' : 's were'} cut short at ${cut[0]!.data!.length} bytes: the receive buffer is smaller than the skbs the kernel sends (MSG_TRUNC), and the rest of each is lost.`
          : repeated
            ? `${total} row messages arrived for ${counts.size} distinct rows: ${repeated} rows came more than once (row 0 ${counts.get(0) ?? 0} times). The dump starts over at every call.`
            : counts.size === ROWS
              ? `All ${ROWS} rows arrived, each once.`
              : `${counts.size} of ${ROWS} rows arrived (ids ${counts.size ? `0 to ${Math.max(...counts.keys())}` : 'none'}); ${missing} are missing.`,
      hints: cut.length
        ? [
            'recvfrom returns one datagram; bytes that do not fit in the buffer are dropped (the kernel sets MSG_TRUNC).',
            'For a dump, netlink_dump() allocates skbs as large as the largest receive buffer the socket has used (max_recvmsg_len), up to 32 KiB, so a smaller buffer cannot hold what comes next.',
            "Receive into a 32768-byte buffer (or peek with MSG_PEEK | MSG_TRUNC to learn each datagram's size first).",
          ]
        : repeated
          ? [
              'The kernel calls the dumpit again and again with a fresh skb for as long as it returns a positive length; each call must carry on where the previous one stopped.',
              "cb.args (cb->args[] in C) is kept between the calls of one dump and starts at 0: it is the dumpit's bookmark.",
              'Start the loop at cb.args[0] and store the first row that did not fit back into cb.args[0] before returning skb.len.',
            ]
          : [
              'The dumpit is called with an skb of a few kilobytes; 1000 rows of 52 bytes do not fit in one. When it returns 0 the kernel considers the dump finished and appends NLMSG_DONE.',
              'Return skb.len (the bytes this call added) to be called again with a new skb, and remember in cb.args[0] which row comes next — the callback keeps cb.args between the calls of one dump.',
              'let i = cb.args[0]; for (; i < NLLAB_TABLE_ROWS; i++) if (table_fill(…, i)) break; cb.args[0] = i; return skb.len;',
            ],
    },
    {
      name: 'the program reads until NLMSG_DONE',
      pass: doneAt >= 0,
      message:
        doneAt >= 0
          ? `NLMSG_DONE came in datagram ${doneAt + 1} of the dump, after ${bytes} bytes in all.`
          : `The program read ${reads.length} datagram${reads.length === 1 ? '' : 's'} (${bytes} bytes) on the dump's socket and stopped before NLMSG_DONE arrived.`,
      hints: [
        'A dump arrives as a series of datagrams; one recvfrom returns one of them. The last message of the dump is NLMSG_DONE.',
        'The kernel produces the next part of the dump while you read: netlink_recvmsg() calls netlink_dump() again once the receive queue is less than half full. So keep reading.',
        'Wrap the recvfrom and the message loop in while (!done) { … }, setting done when a message of type NLMSG_DONE arrives.',
      ],
    },
    {
      name: 'the dump is larger than one receive buffer',
      pass: doneAt > 0,
      message:
        doneAt > 0
          ? `${doneAt + 1} datagrams: the ${bytes} bytes of the dump could not come in one.`
          : doneAt === 0
            ? 'The whole dump came in one datagram.'
            : 'The dump was not read to its end.',
      hints: [
        'This follows from the two checks above: 1000 rows of 52 bytes are about 52 KB, more than any skb the kernel allocates for a dump (at most 32 KiB) and so more than one datagram.',
        'If the whole dump came in one datagram, fewer rows were sent than the table holds: see the first check.',
      ],
    },
  ];
}
