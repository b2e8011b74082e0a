/**
 * Lesson "Resolve a family by hand": the GETFAMILY request was built right, the reply's attributes
 * were measured right, the family and group ids printed are the ones nlctrl sent, and the ECHO
 * built with the same helpers got DOC_EXMPL's answer.
 */
import {
  parseNlmsgs,
  parseGenlmsg,
  parseNlmsgerr,
  nla_get_string,
  nla_get_u16,
  nla_get_u32,
  parseAttrs,
  attrMap,
  errnoName,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_MCAST_GRP_ID,
  NLMSG_ERROR,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const GREETING = 'Hello from kernel space!!!';

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const lines = output.split('\n');
  const sent = events.filter((e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.dir === 'out' && e.data);
  const received = events.filter((e) => e.dir === 'in' && e.data && (e.ret ?? 0) > 0);

  // 1. The request: one message of exactly the bytes sent, nlctrl, GETFAMILY, FAMILY_NAME "DOC_EXMPL".
  const request = sent.find(
    (e) => e.data!.length >= 20 && new DataView(e.data!.buffer, e.data!.byteOffset).getUint16(4, true) === GENL_ID_CTRL,
  );
  let requestProblem = 'No message to nlctrl (nlmsg_type 0x10) was sent.';
  if (request) {
    const d = request.data!;
    const [m] = parseNlmsgs(d);
    const g = m ? parseGenlmsg(m) : undefined;
    const name = g?.attr.get(CTRL_ATTR_FAMILY_NAME);
    if (!m)
      requestProblem = `The ${d.length}-byte datagram sent to nlctrl does not start with a whole netlink message (nlmsg_len ${new DataView(d.buffer, d.byteOffset).getUint32(0, true)}).`;
    else if (g!.cmd !== CTRL_CMD_GETFAMILY)
      requestProblem = `The message to nlctrl has cmd ${g!.cmd}, not CTRL_CMD_GETFAMILY (3).`;
    else if (!name)
      requestProblem = `The GETFAMILY message carries no CTRL_ATTR_FAMILY_NAME attribute (attributes seen: ${g!.attrs.map((a) => `type ${a.type} len ${a.len}`).join(', ') || 'none'}).`;
    else if (name.payload[name.payload.length - 1] !== 0)
      requestProblem = `CTRL_ATTR_FAMILY_NAME holds ${name.payload.length} bytes without a terminating NUL.`;
    else if (nla_get_string(name) !== 'DOC_EXMPL')
      requestProblem = `CTRL_ATTR_FAMILY_NAME says "${nla_get_string(name)}".`;
    else requestProblem = '';
  }

  // What nlctrl answered.
  const replyMsg = received
    .flatMap((e) => parseNlmsgs(e.data!))
    .find((m) => m.nlmsg_type === GENL_ID_CTRL && m.payload[0] === CTRL_CMD_NEWFAMILY);
  const ctrlError = received
    .flatMap((e) => parseNlmsgs(e.data!))
    .filter((m) => m.nlmsg_type === NLMSG_ERROR)
    .map(parseNlmsgerr)
    .find((x) => x && x.error < 0);
  const reply = replyMsg ? parseGenlmsg(replyMsg) : undefined;
  const familyId = reply?.attr.get(CTRL_ATTR_FAMILY_ID) ? nla_get_u16(reply.attr.get(CTRL_ATTR_FAMILY_ID)!) : undefined;
  let groupId: number | undefined;
  const grps = reply?.attr.get(CTRL_ATTR_MCAST_GROUPS);
  if (grps)
    for (const g of parseAttrs(grps.payload)) {
      const a = attrMap(g.payload);
      if (a.get(CTRL_ATTR_MCAST_GRP_NAME) && nla_get_string(a.get(CTRL_ATTR_MCAST_GRP_NAME)!) === 'DOC_EXMPL_GRP')
        groupId = nla_get_u32(a.get(CTRL_ATTR_MCAST_GRP_ID)!);
    }
  const attrBytes = replyMsg ? replyMsg.nlmsg_len - 16 - 4 : 0;
  const measured = lines
    .map((l) => /message of family id 16, cmd 1: (-?\d+) bytes of attributes/.exec(l))
    .find(Boolean);
  const printedId = lines.map((l) => /^family DOC_EXMPL: id (\d+)/.exec(l)).find(Boolean);
  const printedGroup = lines.map((l) => /^group DOC_EXMPL_GRP: id (\d+)/.exec(l)).find(Boolean);
  const noReply = ctrlError
    ? `nlctrl answered with ${errnoName(-ctrlError.error)} instead of a NEWFAMILY message.`
    : 'No NEWFAMILY reply from nlctrl was received.';

  const echoed = lines.some((l) => l.includes(GREETING));
  const echoSent =
    familyId !== undefined &&
    sent.some(
      (e) => e.data!.length >= 20 && new DataView(e.data!.buffer, e.data!.byteOffset).getUint16(4, true) === familyId,
    );

  return [
    {
      name: 'the GETFAMILY request is well formed',
      pass: !!request && !requestProblem,
      message: !requestProblem
        ? `Sent ${request!.data!.length} bytes to nlctrl: nlmsghdr, genlmsghdr cmd 3, CTRL_ATTR_FAMILY_NAME "DOC_EXMPL\\0".`
        : requestProblem,
      hints: [
        'genlmsg_send fills the 16-byte nlmsghdr and the 4-byte genlmsghdr but leaves the attribute area zero, so nlctrl finds no family name.',
        'An attribute is struct nlattr { u16 nla_len; u16 nla_type; } followed by the value: nla_len counts the 4-byte header and the value but not the padding. The buffer is already long enough (NLMSG_SPACE of GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + value.length)).',
        'At offset 20: v.setUint16(20, NLA_HDRLEN + value.length, true); v.setUint16(22, nla_type, true); buf.set(value, 24);',
      ],
    },
    {
      name: 'the family id printed is the one nlctrl sent',
      pass: familyId !== undefined && !!printedId && Number(printedId[1]) === familyId,
      message:
        familyId === undefined
          ? noReply
          : printedId
            ? `Printed id ${printedId[1]}; nlctrl's CTRL_ATTR_FAMILY_ID was ${familyId}.`
            : `nlctrl sent CTRL_ATTR_FAMILY_ID ${familyId}, but no line "family DOC_EXMPL: id N" was printed.`,
      hints: [
        'The reply arrived (it is in the Messages panel) but genlmsg_get_family_id read none of it: genlmsg_dispatch was given a length of 0.',
        "Look at what genlmsg_recv returns. The article's C version has the same hole: it calls recvmsg() and falls off the end of a function declared to return int.",
        'In genlmsg_recv: const { n } = await recvfrom(fd, buf, 0); return n;',
      ],
    },
    {
      name: 'the attributes are measured from the right length',
      pass: !!measured && !!replyMsg && Number(measured[1]) === attrBytes,
      message: !replyMsg
        ? noReply
        : !measured
          ? 'genlmsg_dispatch printed no "message of family id 16, cmd 1: N bytes of attributes" line for the reply.'
          : Number(measured[1]) === attrBytes
            ? `${measured[1]} bytes: nlmsg_len ${replyMsg.nlmsg_len} minus the 16-byte nlmsghdr and the 4-byte genlmsghdr.`
            : `genlmsg_dispatch says the reply holds ${measured[1]} bytes of attributes; its nlmsg_len is ${replyMsg.nlmsg_len}, so the walk would run ${Number(measured[1]) - attrBytes} bytes past the end of the message.`,
      hints: [
        'nlmsg_len counts the whole message, the nlmsghdr included; the attribute walk starts after both headers.',
        'The article computes nlh->nlmsg_len - GENL_HDRLEN: it subtracts the genlmsghdr but forgets NLMSG_HDRLEN (16).',
        'const attrlen = nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;',
      ],
    },
    {
      name: 'the group id printed is the one nlctrl sent',
      pass: groupId !== undefined && !!printedGroup && Number(printedGroup[1]) === groupId,
      message:
        groupId === undefined
          ? replyMsg
            ? 'The NEWFAMILY reply has no DOC_EXMPL_GRP in CTRL_ATTR_MCAST_GROUPS.'
            : noReply
          : printedGroup
            ? `Printed id ${printedGroup[1]}; nlctrl's CTRL_ATTR_MCAST_GRP_ID for DOC_EXMPL_GRP was ${groupId}.`
            : `nlctrl listed DOC_EXMPL_GRP with id ${groupId}, but the program printed no "group DOC_EXMPL_GRP: id N" line.`,
      hints: [
        'CTRL_ATTR_MCAST_GROUPS (7) is a nest whose value is more attributes: one nest per group (types 1, 2, …), each holding CTRL_ATTR_MCAST_GRP_NAME (1) and CTRL_ATTR_MCAST_GRP_ID (2).',
        'Walk it with the same NLA_OK / NLA_NEXT loop as the top level, starting at `off` with `len` bytes (the callback gets both); inside each group, walk again from its offset + NLA_HDRLEN.',
        'for (let g = off, gl = len; NLA_OK(buf, g, gl);) { for (let a = g + NLA_HDRLEN, al = u16(buf, g) - NLA_HDRLEN; NLA_OK(buf, a, al);) { …read name / id… } out.groups.set(name, id); …advance g… }',
      ],
    },
    {
      name: 'the ECHO is answered',
      pass: echoSent && echoed,
      message: echoed
        ? `Printed "${GREETING}", read from the reply with genlmsg_dispatch.`
        : echoSent
          ? 'An ECHO went to DOC_EXMPL but its greeting was never printed.'
          : 'No message was sent to the DOC_EXMPL family id.',
      hints: [
        'The ECHO uses the same helpers: it can only work once genlmsg_send writes its attribute, genlmsg_recv returns a length and the family id is right.',
        'Fix the checks above in order; main.ts needs no change.',
      ],
    },
  ];
}
