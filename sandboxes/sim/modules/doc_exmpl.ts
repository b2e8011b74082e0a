/**
 * doc_exmpl: the DOC_EXMPL generic netlink family — one command, ECHO, and one multicast group,
 * DOC_EXMPL_GRP. The TypeScript twin of the C module the real kernel loads
 * (sandboxes/vm/modules/doc_exmpl.c, whose README is the message-level spec): the same messages,
 * in the same order. ECHO takes a NUL-terminated string; the family answers the sender with a
 * greeting and tells the members of its group what it received.
 *
 * One file for the simulator's tests and for lesson 04 (whose front matter takes it as module.ts).
 */
import {
  genl_register_family,
  genl_unregister_family,
  genlmsg_new,
  nlmsg_free,
  genlmsg_put,
  genlmsg_end,
  genlmsg_cancel,
  genlmsg_reply,
  genlmsg_multicast,
  nla_put_string,
  nla_total_size,
  nla_get_string,
  GENL_REQ_ATTR_CHECK,
  NLA_NUL_STRING,
  EINVAL,
  ENOMEM,
  EMSGSIZE,
  type genl_family,
  type genl_info,
  type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

const DOC_EXMPL_GREETING = 'Hello from kernel space!!!';

/** Attributes. */
export const DOC_EXMPL_A_MSG = 1;
const DOC_EXMPL_A_MAX = DOC_EXMPL_A_MSG;

/** Commands. */
export const DOC_EXMPL_C_ECHO = 1;

/** Multicast groups, by index into mcgrps. */
export const DOC_EXMPL_GRP = 0;

function doc_exmpl_put_msg(skb: sk_buff, portid: number, seq: number, text: string): number {
  const hdr = genlmsg_put(skb, portid, seq, doc_exmpl_family, 0, DOC_EXMPL_C_ECHO);
  if (!hdr) return -EMSGSIZE;
  if (nla_put_string(skb, DOC_EXMPL_A_MSG, text)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
}

/** Tell the members of DOC_EXMPL_GRP what was received (nobody listening is fine). */
function doc_exmpl_notify(text: string): void {
  const skb = genlmsg_new(nla_total_size(new TextEncoder().encode(text).length + 1));
  if (!skb) return;
  if (doc_exmpl_put_msg(skb, 0, 0, text)) {
    nlmsg_free(skb);
    return;
  }
  genlmsg_multicast(doc_exmpl_family, skb, 0, DOC_EXMPL_GRP);
}

/** ECHO's doit: greet the sender, then tell the group what the sender said. */
function doc_exmpl_echo(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, DOC_EXMPL_A_MSG)) return -EINVAL;
  const text = nla_get_string(info.attrs[DOC_EXMPL_A_MSG]!);

  const reply = genlmsg_new(nla_total_size(DOC_EXMPL_GREETING.length + 1));
  if (!reply) return -ENOMEM;
  const err = doc_exmpl_put_msg(reply, info.snd_portid, info.snd_seq, DOC_EXMPL_GREETING);
  if (err) {
    nlmsg_free(reply);
    return err;
  }
  const sent = genlmsg_reply(reply, info);
  if (sent) return sent;

  doc_exmpl_notify(text);
  return 0;
}

/** The family, as the C module's struct genl_family. */
export const doc_exmpl_family: genl_family = {
  name: 'DOC_EXMPL',
  version: 1,
  hdrsize: 0,
  maxattr: DOC_EXMPL_A_MAX,
  policy: { [DOC_EXMPL_A_MSG]: { type: NLA_NUL_STRING } },
  ops: [{ cmd: DOC_EXMPL_C_ECHO, doit: doc_exmpl_echo }],
  mcgrps: [{ name: 'DOC_EXMPL_GRP' }],
};

/** The module: insmod registers the family, rmmod unregisters it. */
const doc_exmpl: KernelModule = {
  name: 'doc_exmpl',
  description: 'netlink-lab: the DOC_EXMPL generic netlink family (ECHO and a multicast group)',
  init: () => genl_register_family(doc_exmpl_family),
  exit: () => {
    genl_unregister_family(doc_exmpl_family);
  },
};
export default doc_exmpl;
