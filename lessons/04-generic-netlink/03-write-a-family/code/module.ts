/**
 * nllab_greet: a generic netlink family with one command. GREET takes a name, answers the sender
 * with a greeting and the number of greetings so far, and tells the members of its multicast
 * group "greetings" who was greeted. The C twin is sandboxes/vm/modules/nllab_greet.c.
 */
import {
  genl_register_family, genl_unregister_family, genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_reply,
  genlmsg_unicast, genlmsg_multicast, nlmsg_free, nla_put_string, nla_put_u32, nla_get_string, nla_total_size,
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

/**
 * GREET's doit, written the way the source article writes its echo handler. It compiles, but it
 * has the article's three bugs, and it does not validate its request or notify the group yet.
 */
function greet_doit(_skb: sk_buff, info: genl_info) {
  const name = nla_get_string(info.attrs[NLLAB_GREET_A_NAME]!);
  const text = `Hello, ${name}!`;
  greeted++;

  const reply = genlmsg_new(nla_total_size(strsize(text)) + nla_total_size(4))!;
  const pid = info.nlhdr.nlmsg_pid;
  genlmsg_put(reply, pid, 0, greet_family, 0, NLLAB_GREET_C_GREET);
  nla_put_string(reply, NLLAB_GREET_A_TEXT, text);
  nla_put_u32(reply, NLLAB_GREET_A_COUNT, greeted);
  genlmsg_unicast(reply, pid);

  // Then tell the members of the group "greetings" who was greeted: a message with cmd GREET,
  // NLLAB_GREET_A_NAME and NLLAB_GREET_A_COUNT, sent with genlmsg_multicast().
}

export const greet_family: genl_family = {
  name: 'NLLAB_GREET',
  version: 1,
  maxattr: NLLAB_GREET_A_MAX,
  policy: { [NLLAB_GREET_A_NAME]: { type: NLA_NUL_STRING } },
  // The cast makes TypeScript accept greet_doit; gcc accepts the C version with a warning.
  ops: [{ cmd: NLLAB_GREET_C_GREET, doit: greet_doit as (skb: sk_buff, info: genl_info) => number }],
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
