/**
 * Lesson "Generic netlink": the program found the group id, joined it on a bound socket, and
 * received DOC_EXMPL's multicast notification carrying its own message.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';

const NLMSG_HDRLEN = 16;
const GENL_HDRLEN = 4;
const DOC_EXMPL_A_MSG = 1;

/** The DOC_EXMPL_A_MSG strings of the generic netlink messages in one datagram. */
function messages(d: Uint8Array): string[] {
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: string[] = [];
  for (let off = 0; off + NLMSG_HDRLEN <= d.length;) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN || off + len > d.length) break;
    for (let a = off + NLMSG_HDRLEN + GENL_HDRLEN; a + 4 <= off + len;) {
      const alen = v.getUint16(a, true);
      if (alen < 4 || a + alen > off + len) break;
      if ((v.getUint16(a + 2, true) & 0x3fff) === DOC_EXMPL_A_MSG) {
        const s = d.subarray(a + 4, a + alen);
        const z = s.indexOf(0);
        out.push(new TextDecoder().decode(z < 0 ? s : s.subarray(0, z)));
      }
      a += (alen + 3) & ~3;
    }
    off += (len + 3) & ~3;
  }
  return out;
}

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
