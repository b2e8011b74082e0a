/**
 * nllab_counter: a counter anyone may read and add to, that only an administrator may reset, with
 * two multicast groups: "changes" (anyone may listen) and "audit" (says which port changed the
 * counter in nlmsg_pid, as rtnetlink's notifications do; joining needs CAP_NET_ADMIN). The C twin is sandboxes/vm/modules/nllab_counter.c.
 */
import {
  genl_register_family, genl_unregister_family, genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_reply,
  genlmsg_multicast, nlmsg_free, nla_put_u32, nla_get_u32, nla_total_size, GENL_REQ_ATTR_CHECK,
  GENL_ADMIN_PERM, GENL_MCAST_CAP_NET_ADMIN, NLA_U32, EINVAL, ENOMEM, EMSGSIZE,
  type genl_family, type genl_info, type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

/** Attributes. */
export const NLLAB_COUNTER_A_VALUE = 1;   // NLA_U32: the counter (replies, notifications)
export const NLLAB_COUNTER_A_DELTA = 2;   // NLA_U32: what ADD adds
const NLLAB_COUNTER_A_MAX = NLLAB_COUNTER_A_DELTA;

/** Commands. */
export const NLLAB_COUNTER_C_GET = 1;
export const NLLAB_COUNTER_C_ADD = 2;
export const NLLAB_COUNTER_C_RESET = 3;

/** Multicast groups, by index into mcgrps. */
export const NLLAB_COUNTER_GRP_CHANGES = 0;
export const NLLAB_COUNTER_GRP_AUDIT = 1;

let value = 0;

/** One message carrying VALUE; 0 or -EMSGSIZE. */
function counter_fill(skb: sk_buff, portid: number, seq: number, cmd: number): number {
  const hdr = genlmsg_put(skb, portid, seq, counter_family, 0, cmd);
  if (!hdr || nla_put_u32(skb, NLLAB_COUNTER_A_VALUE, value)) return -EMSGSIZE;
  genlmsg_end(skb, hdr);
  return 0;
}

/**
 * Tell "changes" the new value, and "audit" the new value and who set it: the audit message's
 * nlmsg_pid is the port whose request changed the counter.
 */
function counter_notify(cmd: number, changer: number): void {
  for (const [group, who] of [[NLLAB_COUNTER_GRP_CHANGES, 0], [NLLAB_COUNTER_GRP_AUDIT, changer]]) {
    const skb = genlmsg_new(nla_total_size(4));
    if (!skb) return;
    if (counter_fill(skb, who, 0, cmd)) {
      nlmsg_free(skb);
      return;
    }
    genlmsg_multicast(counter_family, skb, 0, group);
  }
}

function counter_get(_skb: sk_buff, info: genl_info): number {
  const reply = genlmsg_new(nla_total_size(4));
  if (!reply) return -ENOMEM;
  if (counter_fill(reply, info.snd_portid, info.snd_seq, NLLAB_COUNTER_C_GET)) {
    nlmsg_free(reply);
    return -EMSGSIZE;
  }
  return genlmsg_reply(reply, info);
}

function counter_add(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, NLLAB_COUNTER_A_DELTA)) return -EINVAL;
  value = (value + nla_get_u32(info.attrs[NLLAB_COUNTER_A_DELTA]!)) >>> 0;
  counter_notify(NLLAB_COUNTER_C_ADD, info.snd_portid);
  return 0;
}

function counter_reset(_skb: sk_buff, info: genl_info): number {
  value = 0;
  counter_notify(NLLAB_COUNTER_C_RESET, info.snd_portid);
  return 0;
}

export const counter_family: genl_family = {
  name: 'NLLAB_COUNTER',
  version: 1,
  maxattr: NLLAB_COUNTER_A_MAX,
  policy: { [NLLAB_COUNTER_A_DELTA]: { type: NLA_U32 } },
  ops: [
    { cmd: NLLAB_COUNTER_C_GET, doit: counter_get },
    { cmd: NLLAB_COUNTER_C_ADD, doit: counter_add },
    // The counter is global, not per network namespace: only the initial namespace's admin.
    { cmd: NLLAB_COUNTER_C_RESET, doit: counter_reset, flags: GENL_ADMIN_PERM },
  ],
  mcgrps: [
    { name: 'changes' },
    { name: 'audit', flags: GENL_MCAST_CAP_NET_ADMIN },
  ],
};

const nllab_counter: KernelModule = {
  name: 'nllab_counter',
  description: 'netlink-lab: the NLLAB_COUNTER generic netlink family, permissions and groups (lesson 4.6)',
  init: () => {
    value = 0;
    return genl_register_family(counter_family);
  },
  exit: () => { genl_unregister_family(counter_family); },
};
export default nllab_counter;
