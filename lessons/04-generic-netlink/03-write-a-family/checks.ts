/**
 * Lesson "Write a family": GREET is acknowledged, its reply reaches the requester with the
 * request's sequence number and a header that covers its attributes, a GREET without a name is
 * refused with EINVAL and MISS_TYPE, and the group hears who was greeted.
 */
import {
  parseNlmsgs,
  parseNlmsgerr,
  parseGenlmsg,
  parseExtAck,
  nla_get_string,
  errnoName,
  GENL_ID_CTRL,
  NLMSG_ERROR,
  NLMSG_MIN_TYPE,
  type NlMsg,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const A_NAME = 1;
const A_TEXT = 2;
const EINVAL = 22;

export default function checks({ events }: CheckInput): CheckResult[] {
  const sends = events.filter(
    (e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.data && e.ret !== undefined,
  );
  const familyMsg = (m: NlMsg) => m.nlmsg_type >= NLMSG_MIN_TYPE && m.nlmsg_type !== GENL_ID_CTRL;
  const greets = sends.flatMap((e) =>
    parseNlmsgs(e.data!)
      .filter(familyMsg)
      .map((m) => ({ e, m, g: parseGenlmsg(m) })),
  );
  const named = greets.find((x) => x.g.attr.get(A_NAME));
  const unnamed = greets.find((x) => !x.g.attr.get(A_NAME));
  const ins = events.filter((e) => e.dir === 'in' && e.data && (e.ret ?? 0) > 0);
  const ackFor = (seq: number, fd: number) =>
    ins
      .filter((e) => e.fd === fd)
      .flatMap((e) => parseNlmsgs(e.data!))
      .filter((m) => m.nlmsg_type === NLMSG_ERROR && m.nlmsg_seq === seq)
      .map((m) => parseNlmsgerr(m))
      .find(Boolean);

  // 1. GREET Ada acknowledged.
  const ack = named ? ackFor(named.m.nlmsg_seq, named.e.fd!) : undefined;

  // 2-3. The reply on the requesting socket: family message, cmd GREET, received before the ACK.
  const unicasts = named
    ? ins
        .filter((e) => e.fd === named.e.fd && e.addr?.nl_groups === 0)
        .flatMap((e) =>
          parseNlmsgs(e.data!)
            .filter(familyMsg)
            .map((m) => ({ e, m })),
        )
    : [];
  const reply = unicasts.find((r) => r.m.nlmsg_seq === named!.m.nlmsg_seq) ?? unicasts[0];
  const replyText = reply ? parseGenlmsg(reply.m).attr.get(A_TEXT) : undefined;

  // 4. GREET without a name.
  const refusal = unnamed ? ackFor(unnamed.m.nlmsg_seq, unnamed.e.fd!) : undefined;
  const missType = refusal ? parseExtAck(refusal.tlvs).missType : undefined;

  // 5. The notification on another socket.
  const notes = ins
    .filter((e) => e.addr && e.addr.nl_groups !== 0)
    .flatMap((e) =>
      parseNlmsgs(e.data!)
        .filter(familyMsg)
        .map((m) => ({ e, g: parseGenlmsg(m) })),
    )
    .filter((n) => n.g.attr.get(A_NAME));

  return [
    {
      name: 'GREET is acknowledged',
      pass: !!ack && ack.error === 0,
      message: !named
        ? 'No GREET carrying NLLAB_GREET_A_NAME was sent.'
        : !ack
          ? 'No ACK for the GREET arrived.'
          : ack.error === 0
            ? 'The genetlink core ACKed GREET with error 0: greet_doit returned 0.'
            : `The GREET was answered with ${errnoName(-ack.error)}: greet_doit did not return 0. (The simulated kernel also wrote an oops to dmesg.)`,
      hints: [
        "A doit's return value is the request's verdict: genl_family_rcv_msg_doit() hands it to netlink_rcv_skb(), which puts it in the ACK. greet_doit returns nothing at all.",
        'In C, falling off the end of an int function compiles with a -Wreturn-type warning and returns whatever is in the return register. TypeScript refuses, which is why the ops table needed a cast: remove the cast and the editor shows the error.',
        'End greet_doit with `return 0;` (and return the negative errno of anything that fails on the way), declare it `: number`, and drop the `as …` cast in ops.',
      ],
    },
    {
      name: 'the reply reaches the requester',
      pass: !!reply && reply.m.nlmsg_seq === named!.m.nlmsg_seq,
      message: !named
        ? 'No GREET carrying NLLAB_GREET_A_NAME was sent.'
        : !reply
          ? `No NLLAB_GREET message arrived on fd ${named.e.fd}, the socket that sent the GREET (request header: nlmsg_pid ${named.m.nlmsg_pid}, seq ${named.m.nlmsg_seq}).`
          : reply.m.nlmsg_seq === named.m.nlmsg_seq
            ? `The reply arrived on fd ${reply.e.fd} with seq ${reply.m.nlmsg_seq}, the request's.`
            : `A reply arrived on fd ${reply.e.fd}, but with seq ${reply.m.nlmsg_seq}; the request's was ${named.m.nlmsg_seq}, so a program matching replies to requests would drop it.`,
      hints: [
        reply
          ? "The reply must carry the request's sequence number, so the program can tell which request it answers."
          : `The reply went to the port written in the request's nlmsg_pid (${named?.m.nlmsg_pid ?? 0}). Port 0 is the kernel itself: genl_rcv() received the reply, saw no NLM_F_REQUEST and dropped it without a word.`,
        'struct genl_info carries who really sent the request and which sequence number it used: snd_portid (NETLINK_CB(skb).portid, set by the kernel from the sending socket) and snd_seq. nlmsg_pid is only what the sender chose to write.',
        'genlmsg_put(reply, info.snd_portid, info.snd_seq, greet_family, 0, NLLAB_GREET_C_GREET), and send it with genlmsg_reply(reply, info).',
      ],
    },
    {
      name: "the reply's header covers its attributes",
      pass: !!replyText && nla_get_string(replyText).startsWith('Hello, '),
      message: !reply
        ? 'No reply to measure yet.'
        : replyText
          ? `nlmsg_len ${reply.m.nlmsg_len}, TEXT "${nla_get_string(replyText)}".`
          : `The reply's nlmsg_len is ${reply.m.nlmsg_len} in a ${reply.e.ret}-byte datagram: the attributes after byte ${reply.m.nlmsg_len} lie outside the message, so no reader sees them.`,
      hints: [
        'genlmsg_put() writes nlmsg_len for a message of headers only (20 bytes); nla_put() appends attributes to the skb but does not touch the header.',
        "genlmsg_end(skb, hdr) sets nlmsg_len from the skb's tail. `hdr` is what genlmsg_put() returned — the source article throws it away and recomputes it from nlmsg_hdr(skb), which is only the same while the skb holds exactly one message.",
        'const hdr = genlmsg_put(…); if (!hdr) …; the nla_put calls; genlmsg_end(reply, hdr); then send.',
      ],
    },
    {
      name: 'a GREET without a name is refused',
      pass: !!refusal && refusal.error === -EINVAL && missType === A_NAME,
      message: !unnamed
        ? 'No GREET without NLLAB_GREET_A_NAME was sent.'
        : !refusal
          ? 'No answer to the GREET without a name arrived.'
          : refusal.error === -EINVAL && missType === A_NAME
            ? 'Refused with EINVAL, and the extended ACK names the missing attribute (NLMSGERR_ATTR_MISS_TYPE 1).'
            : `Answered with ${refusal.error === 0 ? 'ACK 0' : errnoName(-refusal.error)}${missType !== undefined ? `, MISS_TYPE ${missType}` : ', no MISS_TYPE in the extended ACK'}${refusal.error === -14 ? " — the simulated kernel's answer when a handler throws, here reading an attribute that is not there (in C: a NULL dereference and an oops; see dmesg)" : ''}.`,
      hints: [
        "The policy checks the attributes that are present; whether a required one is there at all is the doit's job. greet_doit reads info.attrs[NLLAB_GREET_A_NAME] without looking.",
        'GENL_REQ_ATTR_CHECK(info, type) is true when the attribute is missing, and records its type in the extended ACK (NLMSGERR_ATTR_MISS_TYPE).',
        'if (GENL_REQ_ATTR_CHECK(info, NLLAB_GREET_A_NAME)) return -EINVAL; — first thing in greet_doit.',
      ],
    },
    {
      name: 'the group hears who was greeted',
      pass: notes.some((n) => nla_get_string(n.g.attr.get(A_NAME)!) === 'Ada'),
      message: notes.length
        ? `fd ${notes[0]!.e.fd} received NAME "${nla_get_string(notes[0]!.g.attr.get(A_NAME)!)}" from group mask 0x${notes[0]!.e.addr!.nl_groups.toString(16)}.`
        : 'Nothing carrying NLLAB_GREET_A_NAME arrived from a multicast group.',
      hints: [
        'The listener joined "greetings", but the module never sends to it.',
        'A notification is a message of its own: genlmsg_new, genlmsg_put with portid 0 and seq 0 (nobody asked for it), the attributes, genlmsg_end, then genlmsg_multicast(greet_family, skb, 0, NLLAB_GREET_GRP_GREETINGS) — the group is the index into mcgrps.',
        'Write greet_notify(name) that puts NLLAB_GREET_A_NAME and NLLAB_GREET_A_COUNT, and call it from greet_doit after the reply was sent.',
      ],
    },
  ];
}
