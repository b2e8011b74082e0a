/**
 * nllab_greet: a generic netlink family with one command. GREET takes a name, answers the sender
 * with a greeting and the number of greetings so far, and tells the members of its multicast
 * group "greetings" who was greeted. The C twin is sandboxes/vm/modules/nllab_greet.c.
 */
import {
  genl_register_family, genl_unregister_family, genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_reply,
  genlmsg_multicast, nlmsg_free, nla_put_string, nla_put_u32, nla_get_string, nla_total_size,
  GENL_REQ_ATTR_CHECK, NLA_NUL_STRING, EINVAL, ENOMEM, EMSGSIZE,
  type genl_family, type genl_info, type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

/** Attributes. */
export const NLLAB_GREET_A_NAME = 1;    // NLA_NUL_STRING: who to greet (requests, notifications)
export const NLLAB_GREET_A_TEXT = 2;    // NLA_NUL_STRING: the greeting (replies)
export const NLLAB_GREET_A_COUNT = 3;   // NLA_U32: greetings since the module loaded
const NLLAB_GREET_A_MAX = NLLAB_GREET_A_COUNT;

/** Commands. */
export const NLLAB_GREET_C_GREET = 1;

/** Multicast groups, by index into mcgrps. */
export const NLLAB_GREET_GRP_GREETINGS = 0;

const strsize = (s: string): number => new TextEncoder().encode(s).length + 1;

let greeted = 0;

/** Tell the members of "greetings" who was greeted (nobody listening is fine). */
function greet_notify(name: string): void {
  const skb = genlmsg_new(nla_total_size(strsize(name)) + nla_total_size(4));
  if (!skb) return;
  const hdr = genlmsg_put(skb, 0, 0, greet_family, 0, NLLAB_GREET_C_GREET);
  if (!hdr || nla_put_string(skb, NLLAB_GREET_A_NAME, name) || nla_put_u32(skb, NLLAB_GREET_A_COUNT, greeted)) {
    nlmsg_free(skb);
    return;
  }
  genlmsg_end(skb, hdr);
  genlmsg_multicast(greet_family, skb, 0, NLLAB_GREET_GRP_GREETINGS);
}

/** GREET's doit: validate, answer the sender, then notify the group. */
function greet_doit(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, NLLAB_GREET_A_NAME)) return -EINVAL;
  const name = nla_get_string(info.attrs[NLLAB_GREET_A_NAME]!);
  const text = `Hello, ${name}!`;
  greeted++;

  const reply = genlmsg_new(nla_total_size(strsize(text)) + nla_total_size(4));
  if (!reply) return -ENOMEM;
  const hdr = genlmsg_put(reply, info.snd_portid, info.snd_seq, greet_family, 0, NLLAB_GREET_C_GREET);
  if (!hdr || nla_put_string(reply, NLLAB_GREET_A_TEXT, text) || nla_put_u32(reply, NLLAB_GREET_A_COUNT, greeted)) {
    nlmsg_free(reply);
    return -EMSGSIZE;
  }
  genlmsg_end(reply, hdr);
  const err = genlmsg_reply(reply, info);
  if (err) return err;

  greet_notify(name);
  return 0;
}

export const greet_family: genl_family = {
  name: 'NLLAB_GREET',
  version: 1,
  maxattr: NLLAB_GREET_A_MAX,
  policy: { [NLLAB_GREET_A_NAME]: { type: NLA_NUL_STRING } },
  ops: [{ cmd: NLLAB_GREET_C_GREET, doit: greet_doit }],
  mcgrps: [{ name: 'greetings' }],
};

const nllab_greet: KernelModule = {
  name: 'nllab_greet',
  description: 'netlink-lab: the NLLAB_GREET generic netlink family (lesson 4.3)',
  init: () => {
    greeted = 0;
    return genl_register_family(greet_family);
  },
  exit: () => { genl_unregister_family(greet_family); },
};
export default nllab_greet;
