/**
 * nl_flood: a kernel sender for part 5 — the kernel side of every delivery path af_netlink has.
 * The TypeScript twin of sandboxes/vm/modules/nl_flood.c (its README section is the message
 * spec): on request it sends a burst of messages to a port with nlmsg_unicast, or to a group with
 * netlink_broadcast, and tells the requester what each call returned; or it answers a dump.
 *
 * Protocol NETLINK_FLOOD = 27. A request's payload is struct nl_flood_req { u32 target; u32
 * count; u32 size; } (host order):
 *
 *   NL_FLOOD_UNICAST   (0x10)  `count` messages to port `target`, each nlmsg_unicast (never waits)
 *   NL_FLOOD_BROADCAST (0x11)  `count` messages to group `target`, each netlink_broadcast
 *   NL_FLOOD_DUMP      (0x12)  with NLM_F_DUMP: a dump of `count` messages (NLM_F_MULTI, then DONE)
 *
 * Every message sent is NL_FLOOD_DATA (0x13) with `size` bytes of payload: a u32 index (1 to
 * count) and zeros. Unicast and broadcast messages carry the index as nlmsg_seq and port 0; dump
 * messages the request's seq and the requester's port. After a unicast or broadcast burst the
 * requester gets NL_FLOOD_REPORT (0x14), seq of the request, payload: `count` s32, the return
 * value of each call (0, or a negative errno). count must be 1–64 and size 4–4000, else -EINVAL
 * (an NLMSG_ERROR); other types get -EOPNOTSUPP.
 *
 * One file for the simulator's tests and for the part 5 lessons (front matter: fromLibrary).
 */
import {
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_rcv_skb,
  netlink_dump_start,
  netlink_broadcast,
  nlmsg_unicast,
  nlmsg_new,
  nlmsg_put,
  nlmsg_data,
  nlmsg_end,
  nlmsg_len,
  kfree_skb,
  pr_info,
  init_net,
  NETLINK_CB,
  EBUSY,
  EINVAL,
  ENOMEM,
  EMSGSIZE,
  EOPNOTSUPP,
  type sock,
  type sk_buff,
  type nlmsghdr,
  type NetlinkCallback,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

export const NETLINK_FLOOD = 27;
export const NL_FLOOD_UNICAST = 0x10;
export const NL_FLOOD_BROADCAST = 0x11;
export const NL_FLOOD_DUMP = 0x12;
export const NL_FLOOD_DATA = 0x13;
export const NL_FLOOD_REPORT = 0x14;
export const NL_FLOOD_MAX_COUNT = 64;
export const NL_FLOOD_MAX_SIZE = 4000;

const NLM_F_MULTI = 0x2;
const NLM_F_DUMP = 0x300;

let nl_sk: sock | null = null;

interface nl_flood_req {
  target: number;
  count: number;
  size: number;
}

/** The request in nlh's payload, or null if it is malformed. */
function nl_flood_parse(nlh: nlmsghdr): nl_flood_req | null {
  if (nlmsg_len(nlh) < 12) return null;
  const d = nlmsg_data(nlh);
  const v = new DataView(d.buffer, d.byteOffset, 12);
  const req = { target: v.getUint32(0, true), count: v.getUint32(4, true), size: v.getUint32(8, true) };
  if (req.count < 1 || req.count > NL_FLOOD_MAX_COUNT || req.size < 4 || req.size > NL_FLOOD_MAX_SIZE) return null;
  return req;
}

/** One NL_FLOOD_DATA message with index `index` in a new skb (null: no memory). */
function nl_flood_data(req: nl_flood_req, index: number): sk_buff | null {
  const skb = nlmsg_new(req.size);
  if (!skb) return null;
  const nlh = nlmsg_put(skb, 0, index, NL_FLOOD_DATA, req.size, 0);
  if (!nlh) {
    kfree_skb(skb);
    return null;
  }
  const d = nlmsg_data(nlh);
  d.fill(0, 0, req.size);
  new DataView(d.buffer, d.byteOffset, 4).setUint32(0, index, true);
  nlmsg_end(skb, nlh);
  return skb;
}

/** Tell the requester what each call returned. */
function nl_flood_report(portid: number, seq: number, results: number[]): number {
  const skb = nlmsg_new(4 * results.length);
  if (!skb) return -ENOMEM;
  const nlh = nlmsg_put(skb, 0, seq, NL_FLOOD_REPORT, 4 * results.length, 0);
  if (!nlh) {
    kfree_skb(skb);
    return -EMSGSIZE;
  }
  const d = nlmsg_data(nlh);
  const v = new DataView(d.buffer, d.byteOffset, 4 * results.length);
  results.forEach((r, i) => {
    v.setInt32(4 * i, r, true);
  });
  nlmsg_end(skb, nlh);
  return nlmsg_unicast(nl_sk!, skb, portid);
}

/** The dump: as many messages as fit in each skb; cb.args[0] counts those sent. */
function nl_flood_dump(skb: sk_buff, cb: NetlinkCallback): number {
  const req = nl_flood_parse(cb.nlh)!;
  while (cb.args[0]! < req.count) {
    const nlh = nlmsg_put(skb, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, NL_FLOOD_DATA, req.size, NLM_F_MULTI);
    if (!nlh) return skb.len; // full: netlink_dump sends it and calls again when the reader drained
    const d = nlmsg_data(nlh);
    d.fill(0, 0, req.size);
    new DataView(d.buffer, d.byteOffset, 4).setUint32(0, cb.args[0]! + 1, true);
    nlmsg_end(skb, nlh);
    cb.args[0]!++;
  }
  return 0; // done: netlink_dump appends NLMSG_DONE
}

function nl_flood_rcv_msg(skb: sk_buff, nlh: nlmsghdr): number {
  const req = nl_flood_parse(nlh);
  if (nlh.nlmsg_type === NL_FLOOD_DUMP) {
    if (!(nlh.nlmsg_flags & NLM_F_DUMP) || !req) return -EINVAL;
    return netlink_dump_start(nl_sk!, skb, nlh, { dump: nl_flood_dump });
  }
  if (nlh.nlmsg_type !== NL_FLOOD_UNICAST && nlh.nlmsg_type !== NL_FLOOD_BROADCAST) return -EOPNOTSUPP;
  if (!req) return -EINVAL;

  const results: number[] = [];
  for (let i = 1; i <= req.count; i++) {
    const data = nl_flood_data(req, i);
    if (!data) {
      results.push(-ENOMEM);
      continue;
    }
    if (nlh.nlmsg_type === NL_FLOOD_UNICAST) {
      results.push(nlmsg_unicast(nl_sk!, data, req.target));
    } else {
      NETLINK_CB(data).dst_group = req.target;
      results.push(netlink_broadcast(nl_sk!, data, 0, req.target));
    }
  }
  const err = nl_flood_report(NETLINK_CB(skb).portid, nlh.nlmsg_seq, results);
  if (err) pr_info(`nl_flood: report to port ${NETLINK_CB(skb).portid} failed: ${err}`);
  return 0;
}

/** Runs in the sender's sendmsg(). */
function nl_flood_rcv(skb: sk_buff): void {
  netlink_rcv_skb(skb, nl_flood_rcv_msg);
}

const nl_flood: KernelModule = {
  name: 'nl_flood',
  description: 'netlink-lab: a kernel sender that unicasts, broadcasts and dumps bursts (protocol 27)',
  init(): number {
    nl_sk = netlink_kernel_create(init_net, NETLINK_FLOOD, { input: nl_flood_rcv });
    if (!nl_sk) return -EBUSY;
    pr_info(`nl_flood: protocol ${NETLINK_FLOOD} ready`);
    return 0;
  },
  exit(): void {
    netlink_kernel_release(nl_sk);
    nl_sk = null;
    pr_info(`nl_flood: protocol ${NETLINK_FLOOD} closed`);
  },
};
export default nl_flood;
