/**
 * nl_fixme: the source article's kernel module, modernised and with its bugs fixed. Protocol 27.
 * The TypeScript twin of sandboxes/vm/modules/nl_fixme.c.
 *
 * For each message of type NL_FIXME_HELLO it copies the text it received into a local buffer and
 * replies to the sending socket with 'kernel got "<text>"'. Messages of any other type are
 * ignored.
 */
import {
  netlink_kernel_create, netlink_kernel_release, netlink_unicast, nlmsg_new, nlmsg_put, nlmsg_data,
  nlmsg_hdr, nlmsg_ok, nlmsg_next, nlmsg_len, kfree_skb, NETLINK_CB, pr_info, pr_err, init_net,
  GFP_KERNEL, MSG_DONTWAIT, EBUSY,
  type sock, type sk_buff, type nlmsghdr,
} from 'netlink-lab/kernel';

const NETLINK_FIXME = 27;
const NL_FIXME_HELLO = 0x10;
const NL_FIXME_REPLY = 0x11;
const MAX_TEXT = 64;

let nl_sk: sock | null = null;

/** Send `message` and its NUL to `portid`. */
function sendnlmsg(message: string, portid: number, seq: number): void {
  const text = new TextEncoder().encode(`${message}\0`);
  const slen = text.length - 1;
  const skb = nlmsg_new(slen + 1, GFP_KERNEL);
  if (!skb) {
    pr_err('nl_fixme: nlmsg_new failed');
    return;
  }
  const nlh = nlmsg_put(skb, 0, seq, NL_FIXME_REPLY, slen + 1, 0);
  if (!nlh) {
    kfree_skb(skb);
    return;
  }
  NETLINK_CB(skb).portid = 0; // from the kernel
  NETLINK_CB(skb).dst_group = 0; // a unicast
  nlmsg_data(nlh).set(text.subarray(0, slen + 1)); // memcpy(nlmsg_data(nlh), message, slen + 1)
  const err = netlink_unicast(nl_sk!, skb, portid, MSG_DONTWAIT);
  if (err < 0) pr_info(`nl_fixme: reply to port ${portid} failed: ${err}`);
}

function nl_fixme_handle(skb: sk_buff, nlh: nlmsghdr): void {
  if (nlh.nlmsg_type !== NL_FIXME_HELLO) {
    pr_info(`nl_fixme: ignoring a message of type 0x${nlh.nlmsg_type.toString(16)}`);
    return;
  }
  const str = new Uint8Array(MAX_TEXT); // char str[MAX_TEXT]: a buffer, not a pointer to nowhere
  const len = Math.min(nlmsg_len(nlh), MAX_TEXT - 1);
  str.set(nlmsg_data(nlh).subarray(0, len));
  const end = str.indexOf(0);
  const text = new TextDecoder().decode(str.subarray(0, end < 0 ? len : end));
  const portid = NETLINK_CB(skb).portid; // the sending socket (the field was called pid before Linux 3.7)
  pr_info(`nl_fixme: "${text}" from port ${portid}`);
  sendnlmsg(`kernel got "${text}"`, portid, nlh.nlmsg_seq);
}

function nl_fixme_rcv(skb: sk_buff): void {
  let nlh = nlmsg_hdr(skb);
  let remaining = skb.len;
  while (nlmsg_ok(nlh, remaining)) {
    nl_fixme_handle(skb, nlh);
    [nlh, remaining] = nlmsg_next(nlh, remaining);
  }
}

export const nl_fixme = {
  name: 'nl_fixme',
  description: 'netlink-lab: protocol 27, the source article\'s module with its bugs fixed',
  init(): number {
    nl_sk = netlink_kernel_create(init_net, NETLINK_FIXME, { input: nl_fixme_rcv });
    if (!nl_sk) return -EBUSY;
    pr_info(`nl_fixme: protocol ${NETLINK_FIXME} ready`);
    return 0;
  },
  exit(): void {
    netlink_kernel_release(nl_sk);
    pr_info(`nl_fixme: protocol ${NETLINK_FIXME} closed`);
  },
};
