/**
 * Lesson "Generic netlink": the program found the group id, joined it on a bound socket, and
 * received DOC_EXMPL's multicast notification carrying its own message.
 */
import { parseNlmsgs, parseGenlmsg, nla_get_string, NLMSG_MIN_TYPE } from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const DOC_EXMPL_A_MSG = 1;

/** The DOC_EXMPL_A_MSG strings of the generic netlink messages in one datagram. */
const messages = (d: Uint8Array): string[] => parseNlmsgs(d)
  .filter((m) => m.nlmsg_type >= NLMSG_MIN_TYPE)
  .map((m) => parseGenlmsg(m))
  .flatMap((g) => { const a = g.attr.get(DOC_EXMPL_A_MSG); return a ? [nla_get_string(a)] : []; });

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const joins = events.filter((e) => e.syscall === 'setsockopt' && e.ret === 0);
  const echoes = events.filter((e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.data && e.data.length > 20 && messages(e.data).length > 0);
  const sentText = echoes.flatMap((e) => messages(e.data!));
  const notes = events.filter((e) => e.dir === 'in' && e.addr && e.addr.nl_groups !== 0 && e.data && messages(e.data).some((m) => sentText.includes(m)));
  const groupLine = output.split('\n').find((l) => /DOC_EXMPL_GRP/.test(l) && /\d/.test(l));

  return [
    {
      name: 'the group id is printed',
      pass: !!groupLine,
      message: groupLine ? `Printed: ${groupLine.trim()}` : 'Print the id of DOC_EXMPL_GRP from family.groups (a line naming DOC_EXMPL_GRP and its id).',
    },
    {
      name: 'a socket joins the group',
      pass: joins.length > 0,
      message: joins.length > 0 ? `setsockopt succeeded on fd ${joins[0]!.fd}.` : 'No setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groupId) succeeded yet.',
    },
    {
      name: 'the notification arrives',
      pass: notes.length > 0,
      message: notes.length > 0
        ? `Received "${messages(notes[0]!.data!)[0]}" from group mask 0x${notes[0]!.addr!.nl_groups.toString(16)}.`
        : joins.length > 0
          ? 'The socket joined the group but no notification with your message arrived on it. Was it bound (port id not 0) before DOC_EXMPL sent the notification, and did you receive on it?'
          : 'No multicast message arrived: join DOC_EXMPL_GRP on a bound listener before sending the ECHO, then receive on the listener.',
    },
  ];
}
