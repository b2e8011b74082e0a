/**
 * doc_exmpl: the DOC_EXMPL generic netlink family of the course, in TypeScript.
 *
 * The same family as sandboxes/vm/modules/doc_exmpl.c (its README is the message-level spec):
 * one command, ECHO, takes a NUL-terminated string; the family answers the sender with a greeting
 * and tells the members of its multicast group what it received.
 */
import {
  genl_register_family, genl_unregister_family, genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_cancel,
  genlmsg_reply, genlmsg_multicast, nlmsg_free, nla_put_string, nla_total_size, nla_get_string,
  GENL_REQ_ATTR_CHECK, NLA_NUL_STRING, type genl_family, type genl_info, type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

export const DOC_EXMPL_A_MSG = 1;
export const DOC_EXMPL_C_ECHO = 1;
export const DOC_EXMPL_GRP = 0;
const GREETING = 'Hello from kernel space!!!';
const EINVAL = 22;
const ENOMEM = 12;
const EMSGSIZE = 90;

/** One ECHO message carrying `text`. */
function doc_exmpl_put_msg(skb: sk_buff, portid: number, seq: number, text: string): number {
  const hdr = genlmsg_put(skb, portid, seq, family, 0, DOC_EXMPL_C_ECHO);
  if (!hdr) return -EMSGSIZE;
  if (nla_put_string(skb, DOC_EXMPL_A_MSG, text)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
}

/** Tell DOC_EXMPL_GRP what was received (-ESRCH, nobody listening, is normal). */
function doc_exmpl_notify(text: string): void {
  const skb = genlmsg_new(nla_total_size(new TextEncoder().encode(text).length + 1));
  if (!skb) return;
  if (doc_exmpl_put_msg(skb, 0, 0, text)) {
    nlmsg_free(skb);
    return;
  }
  genlmsg_multicast(family, skb, 0, DOC_EXMPL_GRP);
}

/** DOC_EXMPL_C_ECHO: greet the sender, then notify the group. */
function doc_exmpl_echo(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, DOC_EXMPL_A_MSG)) return -EINVAL;
  const text = nla_get_string(info.attrs[DOC_EXMPL_A_MSG]!);
  const reply = genlmsg_new(nla_total_size(GREETING.length + 1));
  if (!reply) return -ENOMEM;
  const err = doc_exmpl_put_msg(reply, info.snd_portid, info.snd_seq, GREETING);
  if (err) {
    nlmsg_free(reply);
    return err;
  }
  const rerr = genlmsg_reply(reply, info);
  if (rerr) return rerr;
  doc_exmpl_notify(text);
  return 0;
}

/** The family, as the C module's struct genl_family. */
export const family: genl_family = {
  name: 'DOC_EXMPL',
  version: 1,
  hdrsize: 0,
  maxattr: DOC_EXMPL_A_MSG,
  policy: { [DOC_EXMPL_A_MSG]: { type: NLA_NUL_STRING } },
  ops: [{ cmd: DOC_EXMPL_C_ECHO, doit: doc_exmpl_echo }],
  mcgrps: [{ name: 'DOC_EXMPL_GRP' }],
};

/** The module: insmod registers the family, rmmod unregisters it. */
const doc_exmpl: KernelModule = {
  name: 'doc_exmpl',
  description: 'netlink-lab: the DOC_EXMPL generic netlink family (ECHO and a multicast group)',
  init: () => genl_register_family(family),
  exit: () => { genl_unregister_family(family); },
};
export default doc_exmpl;
