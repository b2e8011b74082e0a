/**
 * nl_news: the kernel side of lesson 1.6. A line written to /proc/nl_news becomes the latest
 * news; reading the file shows it (pull). The module also has a generic netlink family, NL_NEWS,
 * with one multicast group, "news". So far nobody is told of a new line: a program learns of it
 * only by reading the file again. Make nl_news_write tell the group (push).
 * The TypeScript twin of sandboxes/vm/modules/nl_news.c.
 */
import {
  defineModule, genl_register_family, genl_unregister_family, genlmsg_new, genlmsg_put, genlmsg_end,
  genlmsg_cancel, genlmsg_multicast, nlmsg_free, nla_put_string, nla_total_size,
  proc_create, remove_proc_entry, single_open, single_release, seq_read, seq_lseek, seq_printf, copy_from_user,
  NLA_NUL_STRING, EINVAL, EFAULT, ENOMEM,
  type genl_family, type sk_buff, type proc_ops, type file, type inode, type seq_file, type user_ptr, type loff_t, type Ptr,
} from 'netlink-lab/kernel';

/** Attributes, commands and groups, as the C module's enums. */
const NL_NEWS_A_TEXT = 1;
const NL_NEWS_C_NEWS = 1;
const NL_NEWS_GRP = 0;
/** The longest line kept (the C module's char buffer holds it and a NUL). */
const NL_NEWS_MAX = 255;

let latest = '';

const nl_news_family: genl_family = {
  name: 'NL_NEWS',
  version: 1,
  hdrsize: 0,
  maxattr: NL_NEWS_A_TEXT,
  policy: { [NL_NEWS_A_TEXT]: { type: NLA_NUL_STRING } },
  ops: [],
  mcgrps: [{ name: 'news' }],
};

/**
 * Tell the members of the group "news" the new line: a message NL_NEWS_C_NEWS with the line in
 * NL_NEWS_A_TEXT, from port 0 (the kernel), sent with genlmsg_multicast to NL_NEWS_GRP.
 */
function nl_news_notify(text: string): void {
  const skb: sk_buff | null = genlmsg_new(nla_total_size(new TextEncoder().encode(text).length + 1));
  if (!skb) return;
  const hdr = genlmsg_put(skb, 0, 0, nl_news_family, 0, NL_NEWS_C_NEWS);
  if (!hdr || nla_put_string(skb, NL_NEWS_A_TEXT, text)) {
    if (hdr) genlmsg_cancel(skb, hdr);
    nlmsg_free(skb);
    return;
  }
  genlmsg_end(skb, hdr);
  // TODO: hand skb to genlmsg_multicast(family, skb, portid 0, group index); until then it is
  // freed unsent.
  nlmsg_free(skb);
}

/** Reading /proc/nl_news: the latest line. */
function nl_news_show(m: seq_file): number {
  seq_printf(m, '%s\n', latest);
  return 0;
}

/** Writing /proc/nl_news: one line (a trailing newline is dropped) becomes the latest news. */
function nl_news_write(_file: file, buf: user_ptr, count: number, _ppos: Ptr<loff_t>): number {
  if (count === 0 || count > NL_NEWS_MAX) return -EINVAL;
  const bytes = new Uint8Array(count);
  if (copy_from_user(bytes, buf, count)) return -EFAULT;
  let text = new TextDecoder().decode(bytes);
  if (text.endsWith('\n')) text = text.slice(0, -1);
  latest = text;
  // TODO: tell the members of the group "news" (nl_news_notify builds the message; it is not
  // called yet).
  return count;
}

const nl_news_proc_ops: proc_ops = {
  proc_open: (_inode: inode, f: file) => single_open(f, nl_news_show),
  proc_read: seq_read,
  proc_lseek: seq_lseek,
  proc_release: single_release,
  proc_write: nl_news_write,
};

export default defineModule({
  name: 'nl_news',
  description: 'netlink-lab: /proc/nl_news, and the NL_NEWS family that announces each new line to its group "news"',
  init() {
    const err = genl_register_family(nl_news_family);
    if (err) return err;
    if (!proc_create('nl_news', 0o644, null, nl_news_proc_ops)) {
      genl_unregister_family(nl_news_family);
      return -ENOMEM;
    }
    return 0;
  },
  exit() {
    remove_proc_entry('nl_news', null);
    genl_unregister_family(nl_news_family);
  },
});

