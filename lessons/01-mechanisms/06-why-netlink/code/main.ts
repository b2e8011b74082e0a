/**
 * One question — "is the DOC_EXMPL family there yet?" — asked two ways, through procfs and through
 * netlink, before and after the module that provides it is loaded. So far the program only asks;
 * the exercise is to let the kernel tell it.
 */
import {
  readFile, insmod, open, write, close, setsockopt, genl_socket, genl_ctrl_resolve, genl_recv, nla_get_string, ErrnoError,
  O_WRONLY, MSG_DONTWAIT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, type GenlFamily,
} from 'netlink-lab/user';
import doc_exmpl from './module.ts';
import nl_news from './news.ts';

/** The attribute that carries the line in an NL_NEWS message (news.ts). */
const NL_NEWS_A_TEXT = 1;

/** procfs: the kernel prints a table when the file is read; the module's name is the first column. */
async function inProcModules(name: string): Promise<string> {
  const text = await readFile('/proc/modules');
  return text.split('\n').some((line) => line.split(' ')[0] === name) ? 'listed' : 'not listed';
}

/** A family in one line, e.g. "DOC_EXMPL id 19, group DOC_EXMPL_GRP id 2"; each kernel allocates its own ids. */
function describe(f: GenlFamily): string {
  return [`${f.name} id ${f.id}`, ...[...f.groups].map(([name, id]) => `group ${name} id ${id}`)].join(', ');
}

/** netlink: a request to nlctrl, answered by a structured message or by an errno. */
async function getFamily(fd: number, name: string): Promise<string> {
  try {
    return describe(await genl_ctrl_resolve(fd, name));
  } catch (e) {
    if (e instanceof ErrnoError) return e.code;
    throw e;
  }
}

const fd = await genl_socket();
console.log(`procfs:  doc_exmpl ${await inProcModules('doc_exmpl')} in /proc/modules`);
console.log(`netlink: GETFAMILY DOC_EXMPL → ${await getFamily(fd, 'DOC_EXMPL')}`);

// 1. Subscribe here, on a socket of its own, to nlctrl's multicast group "notify".

// The change. Here the program loads the module itself; on a real system it would be modprobe in
// another terminal, or udev reacting to new hardware, at a moment nobody tells you about.
await insmod(doc_exmpl);

// 2. Receive here what the kernel announced on the group, and print it.

// A pull interface shows a change only to those who ask again.
console.log(`procfs:  doc_exmpl ${await inProcModules('doc_exmpl')} in /proc/modules`);
console.log(`netlink: GETFAMILY DOC_EXMPL → ${await getFamily(fd, 'DOC_EXMPL')}`);

// 3. The kernel side: this lesson's module nl_news (news.ts) keeps the latest line written to
// /proc/nl_news, and has a generic netlink family NL_NEWS with a group "news". Join the group,
// write a line, and see who hears of it: the file when read again, the group only if the module
// tells it (the exercise in news.ts).
await insmod(nl_news);
const newsGroup = (await genl_ctrl_resolve(fd, 'NL_NEWS')).groups.get('news');
if (newsGroup === undefined) throw new Error('NL_NEWS has no group "news"');
const newsListener = await genl_socket();
await setsockopt(newsListener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, newsGroup);
const wfd = await open('/proc/nl_news', O_WRONLY);
await write(wfd, new TextEncoder().encode('nl_news is loaded\n'));
await close(wfd);
console.log(`procfs:  /proc/nl_news reads "${(await readFile('/proc/nl_news')).trim()}"`);
try {
  // MSG_DONTWAIT: what the module pushed is already queued; nothing queued is EAGAIN, not a wait.
  const pushed = await genl_recv(newsListener, { flags: MSG_DONTWAIT });
  for (const m of pushed.msgs) {
    const text = m.attr.get(NL_NEWS_A_TEXT);
    console.log(`netlink: group mask 0x${pushed.from.nl_groups.toString(16)} pushed NL_NEWS "${text ? nla_get_string(text) : '?'}"`);
  }
} catch (e) {
  if (!(e instanceof ErrnoError) || e.code !== 'EAGAIN') throw e;
  console.log('netlink: nothing arrived on the group "news" (recv: EAGAIN)');
}
