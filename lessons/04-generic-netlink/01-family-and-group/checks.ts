/**
 * Lesson "Generic netlink": the program found the group id, joined it on a bound socket, and
 * received DOC_EXMPL's multicast notification carrying its own message.
 */
import { parseNlmsgs, parseGenlmsg, nla_get_string, NLMSG_MIN_TYPE } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const DOC_EXMPL_A_MSG = 1;

/** The DOC_EXMPL_A_MSG strings of the generic netlink messages in one datagram. */
const messages = (d: Uint8Array): string[] =>
  parseNlmsgs(d)
    .filter((m) => m.nlmsg_type >= NLMSG_MIN_TYPE)
    .map((m) => parseGenlmsg(m))
    .flatMap((g) => {
      const a = g.attr.get(DOC_EXMPL_A_MSG);
      return a ? [nla_get_string(a)] : [];
    });

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const joins = events.filter((e) => e.syscall === 'setsockopt' && e.ret === 0);
  const echoes = events.filter(
    (e) =>
      (e.syscall === 'sendto' || e.syscall === 'sendmsg') &&
      e.data &&
      e.data.length > 20 &&
      messages(e.data).length > 0,
  );
  const sentText = echoes.flatMap((e) => messages(e.data!));
  const notes = events.filter(
    (e) =>
      e.dir === 'in' &&
      e.addr &&
      e.addr.nl_groups !== 0 &&
      e.data &&
      messages(e.data).some((m) => sentText.includes(m)),
  );
  const groupLine = output.split('\n').find((l) => /DOC_EXMPL_GRP/.test(l) && /\d/.test(l));

  const unboundJoin =
    joins.length > 0 &&
    notes.length === 0 &&
    !events.some((e) => e.syscall === 'bind' && e.fd === joins[0]!.fd && e.ret === 0);
  return [
    {
      name: 'the group id is printed',
      pass: !!groupLine,
      message: groupLine ? `Printed: ${groupLine.trim()}` : 'No output line names DOC_EXMPL_GRP with its id.',
      hints: [
        'The group id is not a constant: the kernel allocated it when doc_exmpl registered its family, and nlctrl reported it in the GETFAMILY reply.',
        'genl_ctrl_resolve() decoded that reply for you: family.groups maps each group name (from CTRL_ATTR_MCAST_GRP_NAME) to its id (CTRL_ATTR_MCAST_GRP_ID).',
        "const groupId = family.groups.get('DOC_EXMPL_GRP'); console.log(`group DOC_EXMPL_GRP: id ${groupId}`);",
      ],
    },
    {
      name: 'a socket joins the group',
      pass: joins.length > 0,
      message:
        joins.length > 0
          ? `setsockopt succeeded on fd ${joins[0]!.fd}.`
          : 'No setsockopt call succeeded, so no socket is a member of any group.',
      hints: [
        'Joining a generic netlink group is a socket option on the listening socket, with the group id as its value.',
        'setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, id): both constants come from netlink-lab/user. bind() with nl_groups only reaches ids 1 to 32.',
        'const listener = await genl_socket(); await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groupId); — before the ECHO is sent.',
      ],
    },
    {
      name: 'the notification arrives',
      pass: notes.length > 0,
      message:
        notes.length > 0
          ? `Received "${messages(notes[0]!.data!)[0]}" from group mask 0x${notes[0]!.addr!.nl_groups.toString(16)}.`
          : joins.length > 0
            ? `fd ${joins[0]!.fd} joined the group, but no message carrying your text arrived from a group (nl_groups ≠ 0)${unboundJoin ? '; that socket was never bound, so its port id is 0' : ''}.`
            : 'No message carrying your text arrived from a multicast group.',
      hints: [
        unboundJoin
          ? 'doc_exmpl calls genlmsg_multicast(family, skb, 0, group): do_one_broadcast() skips every member whose port id equals that 0, and an unbound socket has port id 0.'
          : "The notification is sent while the ECHO is handled, to the members the group has at that moment; then it waits in each member's receive queue.",
        'Bind the listener before joining (genl_socket() binds with nl_pid 0, so the kernel picks a port), join before sending the ECHO, and call recvfrom on the listener, not on the socket that sent the ECHO.',
        'After genl_request(...) returns, const { n, from } = await recvfrom(listener, buf); then parseNlmsgs(buf.subarray(0, n)), parseGenlmsg(m).attr.get(DOC_EXMPL_A_MSG), and print it with from.nl_groups.',
      ],
    },
  ];
}
