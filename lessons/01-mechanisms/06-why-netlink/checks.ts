/**
 * Lesson "Why netlink": the program joined a multicast group before loading doc_exmpl, and the
 * kernel's CTRL_CMD_NEWFAMILY announcement of DOC_EXMPL reached it through the group (not as the
 * reply to a question), and the program printed it; and on the kernel side, the lesson's module
 * nl_news pushed the line written to /proc/nl_news to its group "news".
 */
import {
  parseNlmsgs,
  parseGenlmsg,
  nla_get_string,
  GENL_ID_CTRL,
  CTRL_CMD_NEWFAMILY,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

type SyscallEvent = CheckInput['events'][number];

/** The family names of the nlctrl NEWFAMILY messages in one datagram. */
const newFamilies = (d: Uint8Array): string[] =>
  parseNlmsgs(d)
    .filter((m) => m.nlmsg_type === GENL_ID_CTRL)
    .map((m) => parseGenlmsg(m))
    .filter((g) => g.cmd === CTRL_CMD_NEWFAMILY)
    .flatMap((g) => {
      const a = g.attr.get(CTRL_ATTR_FAMILY_NAME);
      return a ? [nla_get_string(a)] : [];
    });

/** The NL_NEWS attribute and command (news.ts). */
const NL_NEWS_A_TEXT = 1;
const NL_NEWS_C_NEWS = 1;

/** The lines of the NL_NEWS_C_NEWS messages of another family than nlctrl in one datagram. */
const newsLines = (d: Uint8Array): string[] =>
  parseNlmsgs(d)
    .filter((m) => m.nlmsg_type >= 0x10 && m.nlmsg_type !== GENL_ID_CTRL)
    .map((m) => parseGenlmsg(m))
    .filter((g) => g.cmd === NL_NEWS_C_NEWS)
    .flatMap((g) => {
      const a = g.attr.get(NL_NEWS_A_TEXT);
      return a ? [nla_get_string(a)] : [];
    });

const received = (e: SyscallEvent) => e.dir === 'in' && !!e.data && newFamilies(e.data).includes('DOC_EXMPL');

export default function checks({ output, events }: CheckInput): CheckResult[] {
  const load = events.findIndex((e) => e.syscall === 'init_module' && e.ret === 0);
  const joins = events.map((e, i) => ({ e, i })).filter(({ e }) => e.syscall === 'setsockopt' && e.ret === 0);
  const joinedBefore = joins.find(({ i }) => load < 0 || i < load);
  const pushed = events.find((e) => received(e) && !!e.addr && e.addr.nl_groups !== 0);
  const asked = events.find((e) => received(e) && (!e.addr || e.addr.nl_groups === 0));
  const line = output.split('\n').find((l) => /NEWFAMILY/.test(l) && /DOC_EXMPL/.test(l));

  // The kernel side: a line written to /proc/nl_news, and what the group "news" delivered.
  const newsFds = new Set(
    events
      .filter(
        (e) => e.syscall === 'open' && e.ret !== undefined && e.ret >= 0 && (e.args ?? '').includes('/proc/nl_news'),
      )
      .map((e) => e.ret!),
  );
  const wrote = events.find(
    (e) => e.syscall === 'write' && (e.ret ?? 0) > 0 && e.fd !== undefined && newsFds.has(e.fd) && !!e.data,
  );
  const written = wrote ? new TextDecoder().decode(wrote.data).replace(/\n$/, '') : undefined;
  const newsPushed = events.find(
    (e) => e.dir === 'in' && !!e.data && !!e.addr && e.addr.nl_groups !== 0 && newsLines(e.data).length > 0,
  );
  const pushedLine = newsPushed ? newsLines(newsPushed.data!)[0] : undefined;
  const readBack = /\/proc\/nl_news reads "([^"]*)"/.exec(output)?.[1];

  return [
    {
      name: 'a socket joins a group before the module is loaded',
      pass: !!joinedBefore,
      message: joinedBefore
        ? `setsockopt succeeded on fd ${joinedBefore.e.fd}${load >= 0 ? ', before init_module' : ''}.`
        : joins.length > 0
          ? `setsockopt succeeded on fd ${joins[0]!.e.fd}, but only after init_module: the announcement went out while nobody listened, and it is not kept. Join before insmod(doc_exmpl).`
          : 'No setsockopt succeeded, so no socket is in a multicast group and the kernel has nobody to tell.',
      hints: [
        'A multicast message reaches the sockets that are members when it is sent; nothing is kept for later. The subscription must come before insmod(doc_exmpl).',
        "nlctrl's group is called \"notify\": genl_ctrl_resolve(fd, 'nlctrl') returns the family, and family.groups maps group names to ids. Joining is a socket option at level SOL_NETLINK.",
        "Before insmod: const id = (await genl_ctrl_resolve(fd, 'nlctrl')).groups.get('notify')!; const listener = await genl_socket(); await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, id);",
      ],
    },
    {
      name: 'the kernel announces DOC_EXMPL without being asked',
      pass: !!pushed,
      message: pushed
        ? `fd ${pushed.fd} received CTRL_CMD_NEWFAMILY for DOC_EXMPL from group mask 0x${pushed.addr!.nl_groups.toString(16)}: nobody asked for it.`
        : asked
          ? `fd ${asked.fd} received a NEWFAMILY for DOC_EXMPL, but from group mask 0 — that is nlctrl's reply to your own GETFAMILY, an answer to a question. Receive on the socket that joined "notify" (genl_recv(listener)) after insmod: that copy comes from the group.`
          : joinedBefore
            ? `fd ${joinedBefore.e.fd} joined a group before the load, but no NEWFAMILY for DOC_EXMPL arrived on it. After insmod, receive on that socket (genl_recv(listener)). Check that it was bound — genl_socket() binds; a socket still at port id 0 is skipped by every kernel broadcast — and that the group is nlctrl's "notify".`
            : 'No NEWFAMILY announcement for DOC_EXMPL was received.',
      hints: [
        "The announcement waits in the listener's receive queue; a program sees it only when it receives on that socket.",
        "Receive on the socket that joined, not on fd: the requests on fd read fd's queue. genl_recv(listener) returns { msgs, from }, and from.nl_groups is the group mask it came through.",
        'After insmod: const { msgs, from } = await genl_recv(listener); then look for m.cmd === CTRL_CMD_NEWFAMILY among msgs.',
      ],
    },
    {
      name: 'the announcement is printed',
      pass: !!line,
      message: line ? `Printed: ${line.trim()}` : 'No printed line names both NEWFAMILY and DOC_EXMPL.',
      hints: [
        "Print what the announcement says: a line with NEWFAMILY and the family's name.",
        'parseCtrlFamily(m.nlmsg) decodes a NEWFAMILY message into the same GenlFamily that genl_ctrl_resolve returns; describe() prints one.',
      ],
    },
    {
      name: 'the module nl_news pushes the new line to its group "news"',
      pass: !!newsPushed && (written === undefined || pushedLine === written),
      message: newsPushed
        ? pushedLine === written || written === undefined
          ? `fd ${newsPushed.fd} received NL_NEWS_C_NEWS "${pushedLine}" from group mask 0x${newsPushed.addr!.nl_groups.toString(16)}, sent by the module while the write to /proc/nl_news ran: the program did not ask.`
          : `The group delivered "${pushedLine}", but the line written to /proc/nl_news was "${written}": the message should carry the line that was stored.`
        : !wrote
          ? 'The program wrote nothing to /proc/nl_news, so the module had no news to tell. Keep the part of main.ts that writes the line.'
          : `The write reached the module${readBack !== undefined ? ` (/proc/nl_news reads "${readBack}")` : ''}, but nothing arrived on the group "news": the module stores the line and tells nobody, so a program learns of it only by reading the file again. The change is in news.ts, the kernel side.`,
      hints: [
        'A push is a message the kernel sends when something happens. Here it happens in nl_news_write, right after the line is stored: that is where the module must tell its group.',
        "nl_news_notify builds the message, but nobody calls it, and it frees the message unsent. genlmsg_multicast(family, skb, portid, group) hands it to every member of a group; the group is the index into the family's mcgrps (NL_NEWS_GRP), not the id user space sees.",
        'In news.ts: in nl_news_notify replace nlmsg_free(skb) after genlmsg_end by genlmsg_multicast(nl_news_family, skb, 0, NL_NEWS_GRP); and in nl_news_write call nl_news_notify(latest) before return count.',
      ],
    },
  ];
}
