/**
 * Lesson "Flags, ACKs and errors": the NEW flags made rtnetlink refuse with EEXIST and EOPNOTSUPP,
 * the program read an extended ACK down to the attribute it blames, got its RTM_NEWADDR echoed with
 * NLM_F_ECHO, and saw an address dump answered the same with NLM_F_ATOMIC.
 */
import { parseNlmsgs, parseNlmsgerr, parseExtAck, type NlMsg } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const NETLINK_ROUTE = 0;
const NETLINK_GENERIC = 16;
const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const RTM_GETADDR = 22;
const NLM_F_ECHO = 0x8;
const NLM_F_DUMP = 0x300;
const NLM_F_ATOMIC = 0x400;
const GENL_ID_CTRL = 16;
const NLM_F_REPLACE = 0x100;
const NLM_F_EXCL = 0x200;
const NLM_F_ACK_TLVS = 0x200;
const EEXIST = 17;
const EOPNOTSUPP = 95;
const EINVAL = 22;
const errname: Record<number, string> = {
  0: 'ACK',
  2: 'ENOENT',
  17: 'EEXIST',
  19: 'ENODEV',
  22: 'EINVAL',
  95: 'EOPNOTSUPP',
};
const name = (e: number) => errname[-e] ?? `error ${e}`;

interface Sent {
  protocol: number;
  sock: string;
  msg: NlMsg;
  bytes: Uint8Array;
}

export default function checks({ output, events }: CheckInput): CheckResult[] {
  // Which protocol each (process, fd) speaks, from the socket() events.
  const proto = new Map<string, number>();
  const sent: Sent[] = [];
  const answers = new Map<string, NlMsg[]>(); // protocol:seq → NLMSG_ERRORs from the kernel
  const received: { sock: string; msg: NlMsg; bytes: Uint8Array }[] = []; // everything, by socket
  for (const e of events) {
    const key = `${e.pid}:${e.fd}`;
    if (e.syscall === 'socket' && e.ret !== undefined && e.socket) proto.set(`${e.pid}:${e.ret}`, e.socket.protocol);
    const p = proto.get(key);
    if (p === undefined || !e.data || e.errno !== undefined) continue;
    if ((e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.addr?.nl_pid === 0) {
      for (const m of parseNlmsgs(e.data))
        sent.push({ protocol: p, sock: key, msg: m, bytes: e.data.subarray(m.offset, m.offset + m.nlmsg_len) });
    }
    if (e.syscall === 'recvfrom' || e.syscall === 'recvmsg') {
      for (const m of parseNlmsgs(e.data)) {
        received.push({ sock: key, msg: m, bytes: e.data.subarray(m.offset, m.offset + m.nlmsg_len) });
        if (m.nlmsg_type !== 2) continue;
        const k = `${p}:${m.nlmsg_seq}`;
        answers.set(k, [...(answers.get(k) ?? []), m]);
      }
    }
  }
  const answerTo = (s: Sent) => answers.get(`${s.protocol}:${s.msg.nlmsg_seq}`)?.[0];
  const errorOf = (s: Sent) => {
    const a = answerTo(s);
    return a ? parseNlmsgerr(a)?.error : undefined;
  };

  const newlinks = sent.filter((s) => s.protocol === NETLINK_ROUTE && s.msg.nlmsg_type === RTM_NEWLINK);
  const describe = (list: Sent[]) =>
    list.length
      ? list
          .map(
            (s) =>
              `flags 0x${s.msg.nlmsg_flags.toString(16)} → ${errorOf(s) === undefined ? 'no answer' : name(errorOf(s)!)}`,
          )
          .join('; ')
      : 'no RTM_NEWLINK was sent';
  const excl = newlinks.find((s) => s.msg.nlmsg_flags & NLM_F_EXCL && errorOf(s) === -EEXIST);
  const replace = newlinks.find(
    (s) => s.msg.nlmsg_flags & NLM_F_REPLACE && !(s.msg.nlmsg_flags & NLM_F_EXCL) && errorOf(s) === -EOPNOTSUPP,
  );

  // The extended ACK: an EINVAL from nlctrl for a GETFAMILY request.
  const getfamilies = sent.filter((s) => s.protocol === NETLINK_GENERIC && s.msg.nlmsg_type === GENL_ID_CTRL);
  const invalid = getfamilies
    .map((s) => ({ s, a: answerTo(s) }))
    .find(({ a }) => a && parseNlmsgerr(a)?.error === -EINVAL);
  const tlvs =
    invalid && invalid.a!.nlmsg_flags & NLM_F_ACK_TLVS ? parseExtAck(parseNlmsgerr(invalid.a!)!.tlvs) : undefined;
  const lines = output.split('\n').map((l) => l.trim());
  const msgLine = tlvs?.msg !== undefined ? `message: ${tlvs.msg}` : undefined;
  const offsLine = tlvs?.offs !== undefined ? `offset: ${tlvs.offs}` : undefined;
  let attrLine: string | undefined;
  if (invalid && tlvs?.offs !== undefined && tlvs.offs + 4 <= invalid.s.bytes.length) {
    const v = new DataView(invalid.s.bytes.buffer, invalid.s.bytes.byteOffset, invalid.s.bytes.byteLength);
    attrLine = `offending attribute: type ${v.getUint16(tlvs.offs + 2, true) & 0x3fff}, nla_len ${v.getUint16(tlvs.offs, true)}`;
  }

  // NLM_F_ECHO: an RTM_NEWADDR request, and the RTM_NEWADDR the kernel sent back to the same socket
  // with the request's nlmsg_seq and the socket's port id (the one its ACK or error carries too).
  const newaddrs = sent.filter((s) => s.protocol === NETLINK_ROUTE && s.msg.nlmsg_type === RTM_NEWADDR);
  const echoOf = (s: Sent) =>
    received.find((r) => r.sock === s.sock && r.msg.nlmsg_type === RTM_NEWADDR && r.msg.nlmsg_seq === s.msg.nlmsg_seq);
  const echoed = newaddrs.find(
    (s) =>
      s.msg.nlmsg_flags & NLM_F_ECHO &&
      echoOf(s) &&
      errorOf(s) === 0 &&
      echoOf(s)!.msg.nlmsg_pid === answerTo(s)!.nlmsg_pid,
  );
  const describeAddr = (s: Sent) => {
    const echo = echoOf(s);
    const err = errorOf(s);
    return `flags 0x${s.msg.nlmsg_flags.toString(16)} (seq ${s.msg.nlmsg_seq}): ${err === undefined ? 'no ACK' : name(err)}, ${echo ? `an RTM_NEWADDR back with seq ${echo.msg.nlmsg_seq}, pid ${echo.msg.nlmsg_pid}` : 'no RTM_NEWADDR back'}`;
  };

  // NLM_F_ATOMIC: two RTM_GETADDR dumps on one socket, one with ATOMIC; their answers, seq aside.
  const dumps = sent.filter(
    (s) =>
      s.protocol === NETLINK_ROUTE &&
      s.msg.nlmsg_type === RTM_GETADDR &&
      (s.msg.nlmsg_flags & NLM_F_DUMP) === NLM_F_DUMP,
  );
  const replyOf = (s: Sent) =>
    received.filter((r) => r.sock === s.sock && r.msg.nlmsg_seq === s.msg.nlmsg_seq && r.msg.nlmsg_type !== 2);
  const withoutSeq = (b: Uint8Array) => {
    const c = b.slice();
    new DataView(c.buffer).setUint32(8, 0, true);
    return c.join(',');
  };
  const atomicDump = dumps.find((s) => s.msg.nlmsg_flags & NLM_F_ATOMIC);
  const plainDump = dumps.find(
    (s) => !(s.msg.nlmsg_flags & NLM_F_ATOMIC) && (!atomicDump || s.sock === atomicDump.sock),
  );
  const shape = (s: Sent) => {
    const r = replyOf(s);
    return `${r.length} message${r.length === 1 ? '' : 's'} (${r.map((x) => `type ${x.msg.nlmsg_type}, ${x.msg.nlmsg_len} bytes`).join('; ')})`;
  };
  const complete = (s: Sent) => replyOf(s).some((r) => r.msg.nlmsg_type === 3);
  const sameDump =
    !!atomicDump &&
    !!plainDump &&
    complete(atomicDump) &&
    complete(plainDump) &&
    replyOf(atomicDump)
      .map((r) => withoutSeq(r.bytes))
      .join('|') ===
      replyOf(plainDump)
        .map((r) => withoutSeq(r.bytes))
        .join('|');

  return [
    {
      name: 'NLM_F_EXCL: EEXIST for a link that exists',
      pass: !!excl,
      message: excl
        ? `RTM_NEWLINK for lo with NLM_F_EXCL was refused with EEXIST. (${describe(newlinks)})`
        : `RTM_NEWLINK for lo: ${describe(newlinks)}. None carried NLM_F_EXCL and got EEXIST.`,
      hints: [
        'With no NEW flags, RTM_NEWLINK on a link that exists changes it (here: nothing) and the kernel ACKs. One flag says "only if it does not exist yet".',
        'The NEW flags share their bits with the GET flags: NLM_F_REPLACE 0x100, NLM_F_EXCL 0x200, NLM_F_CREATE 0x400, NLM_F_APPEND 0x800. Read "The NEW flags".',
        'Give the entry that wants EEXIST `flags: NLM_F_EXCL`.',
      ],
    },
    {
      name: 'NLM_F_REPLACE: EOPNOTSUPP for a link',
      pass: !!replace,
      message: replace
        ? 'RTM_NEWLINK for lo with NLM_F_REPLACE was refused with EOPNOTSUPP: rtnetlink cannot replace a link.'
        : `RTM_NEWLINK for lo: ${describe(newlinks)}. None carried NLM_F_REPLACE (without EXCL) and got EOPNOTSUPP.`,
      hints: [
        'Some objects can be replaced (a route, an address), a network device cannot: rtnetlink refuses the flag that asks for it.',
        'rtnl_newlink() checks NLM_F_EXCL first and NLM_F_REPLACE second, on a device it found.',
        'Give the entry that wants EOPNOTSUPP `flags: NLM_F_REPLACE` (and not NLM_F_EXCL, which is tested first).',
      ],
    },
    {
      name: 'the error carries an extended ACK',
      pass: !!tlvs && tlvs.offs !== undefined,
      message: invalid
        ? tlvs
          ? `nlctrl refused the GETFAMILY request (seq ${invalid.s.msg.nlmsg_seq}) with EINVAL and NLM_F_ACK_TLVS: ${invalid.a!.nlmsg_len} bytes with message "${tlvs.msg ?? ''}" and offset ${tlvs.offs ?? '(none)'}.`
          : `nlctrl refused the GETFAMILY request (seq ${invalid.s.msg.nlmsg_seq}) with EINVAL in ${invalid.a!.nlmsg_len} bytes, flags 0x${invalid.a!.nlmsg_flags.toString(16)}: no NLM_F_ACK_TLVS, so it says nothing about why.`
        : 'No GETFAMILY request was refused with EINVAL.',
      hints: [
        'The kernel knows which attribute it rejected, but it only says so to a socket that asked for extended ACKs.',
        'NETLINK_EXT_ACK is a SOL_NETLINK socket option, like NETLINK_CAP_ACK in part 1; it must be on before the request is sent.',
        'Before sending `bad`: `await setsockopt(genl, SOL_NETLINK, NETLINK_EXT_ACK, 1);`',
      ],
    },
    {
      name: 'explain() prints the message and the offset',
      pass: !!msgLine && !!offsLine && lines.includes(msgLine) && lines.includes(offsLine),
      message:
        msgLine && offsLine
          ? `The error's TLVs say "${msgLine}" and "${offsLine}"; the program printed ${[msgLine, offsLine].filter((l) => lines.includes(l)).length} of these two lines.`
          : 'There is no extended ACK to read yet (see the previous check).',
      hints: [
        'The TLVs are attributes (struct nlattr: nla_len, nla_type, payload, padded to 4) after struct nlmsgerr. Where does struct nlmsgerr end?',
        "struct nlmsgerr is the 4-byte error, then a copy of the request's nlmsghdr, then the request's payload — unless NLM_F_CAPPED is set in the answer's flags. Part 1 turned NETLINK_CAP_ACK on for this socket.",
        'Start at NLMSG_HDRLEN + 4 + (capped ? NLMSG_HDRLEN : NLMSG_ALIGN(echoed nlmsg_len)); step by NLMSG_ALIGN(nla_len); NLMSGERR_ATTR_MSG (1) is a C string, NLMSGERR_ATTR_OFFS (2) a u32.',
      ],
    },
    {
      name: 'explain() finds the attribute the kernel blames',
      pass: !!attrLine && lines.includes(attrLine),
      message: attrLine
        ? lines.includes(attrLine)
          ? `At byte ${tlvs!.offs} of the request is the family-name attribute: "${attrLine}".`
          : `The program did not print "offending attribute: …" with the type and nla_len found at byte ${tlvs!.offs} of the request it sent.`
        : 'There is no offset to follow yet.',
      hints: [
        'NLMSGERR_ATTR_OFFS is an offset into the request you sent, not into the error message.',
        "It counts from the first byte of the request's nlmsghdr: 16 bytes of header, 4 of genlmsghdr, then the attributes.",
        'Read the struct nlattr at req[offs]: nla_len is the u16 at offs, nla_type the u16 at offs + 2 (mask off the top two flag bits).',
      ],
    },
    {
      name: 'NLM_F_ECHO: the change comes back to the requester',
      pass: !!echoed,
      message: echoed
        ? `RTM_NEWADDR with NLM_F_ECHO: the kernel sent its RTM_NEWADDR notification to the requesting socket, with the request's seq ${echoed.msg.nlmsg_seq} and port id ${echoOf(echoed)!.msg.nlmsg_pid}, then the ACK.`
        : newaddrs.length
          ? `RTM_NEWADDR: ${newaddrs.map(describeAddr).join('; ')}. No request carried NLM_F_ECHO and got its notification back.`
          : 'No RTM_NEWADDR request was sent.',
      hints: [
        'The ACK only says the address was added. The kernel also announces the new address to RTNLGRP_IPV4_IFADDR, and your socket is not in that group — but one flag asks for the announcement anyway.',
        'Read "The flags of a request": one of the low-byte flags sends the notification a request causes to the requester as well.',
        "Add NLM_F_ECHO (0x08) to the RTM_NEWADDR request's flags in part 4.",
      ],
    },
    {
      name: 'NLM_F_ATOMIC: a dump with it answers the same',
      pass: sameDump,
      message: !atomicDump
        ? `${dumps.length} RTM_GETADDR dump${dumps.length === 1 ? '' : 's'} sent, none with NLM_F_ATOMIC (flags ${dumps.map((s) => `0x${s.msg.nlmsg_flags.toString(16)}`).join(', ') || 'none'}).`
        : !plainDump
          ? 'There is a dump with NLM_F_ATOMIC, but none without it on the same socket to compare it with.'
          : sameDump
            ? `The dump with NLM_F_ATOMIC (flags 0x${atomicDump.msg.nlmsg_flags.toString(16)}) got ${shape(atomicDump)}, byte for byte what the dump without it got apart from nlmsg_seq: rtnetlink ignores the flag.`
            : `Without NLM_F_ATOMIC: ${shape(plainDump)}; with it: ${shape(atomicDump)}. They should both end in NLMSG_DONE and match apart from nlmsg_seq.`,
      hints: [
        'Part 4 compares two dumps of the IPv4 addresses; as it stands both requests carry the same flags, so the comparison proves nothing.',
        'NLM_F_ATOMIC is a GET flag (0x400), next to NLM_F_ROOT and NLM_F_MATCH; it goes on the second dump only.',
        'Give the second dumpAddrs() call `NLM_F_DUMP | NLM_F_ATOMIC`.',
      ],
    },
  ];
}
