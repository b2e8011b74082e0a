/**
 * Building netlink messages in an sk_buff: the nlmsg_* helpers of include/net/netlink.h.
 * A message is addressed by its struct nlmsghdr, a view over linear memory (include/linux/netlink.ts).
 *
 * Ref: include/net/netlink.h, include/uapi/linux/netlink.h
 *
 * Models Linux 6.18: include/net/netlink.h
 */
import {
  sk_buff, alloc_skb, kfree_skb, skb_put, skb_tailroom, skb_tail_pointer, skb_trim,
  SKB_WITH_OVERHEAD, PAGE_SIZE,
} from '../../net/core/skbuff';
import { NLMSG_HDRLEN } from '../uapi/linux/netlink';
import { nlmsghdr } from '../linux/netlink';

/** Round up to 4 bytes. Ref: NLMSG_ALIGN */
// @ts-ignore: decorator
@inline export function NLMSG_ALIGN(len: i32): i32 { return (len + 3) & ~3; }

/** The biggest message that fits a page-sized skb. Ref: include/linux/netlink.h:NLMSG_GOODSIZE */
export const NLMSG_GOODSIZE: i32 = SKB_WITH_OVERHEAD(PAGE_SIZE);
/** The payload room of such a message. Ref: NLMSG_DEFAULT_SIZE */
export const NLMSG_DEFAULT_SIZE: i32 = NLMSG_GOODSIZE - NLMSG_HDRLEN;

/** nlmsg_len for a payload. Ref: nlmsg_msg_size */
export function nlmsg_msg_size(payload: i32): i32 { return NLMSG_HDRLEN + payload; }
/** Bytes a message occupies, padding included. Ref: nlmsg_total_size */
export function nlmsg_total_size(payload: i32): i32 { return NLMSG_ALIGN(nlmsg_msg_size(payload)); }
/** The payload. Ref: nlmsg_data */
export function nlmsg_data(nlh: nlmsghdr): usize { return changetype<usize>(nlh) + <usize>NLMSG_HDRLEN; }
/** The payload length. Ref: nlmsg_len */
export function nlmsg_len(nlh: nlmsghdr): i32 { return <i32>nlh.nlmsg_len - NLMSG_HDRLEN; }
/** The attributes after a fixed header of `hdrlen` bytes. Ref: nlmsg_attrdata */
export function nlmsg_attrdata(nlh: nlmsghdr, hdrlen: i32): usize { return nlmsg_data(nlh) + <usize>NLMSG_ALIGN(hdrlen); }
/** The length of those attributes. Ref: nlmsg_attrlen */
export function nlmsg_attrlen(nlh: nlmsghdr, hdrlen: i32): i32 { return nlmsg_len(nlh) - NLMSG_ALIGN(hdrlen); }
/** The first message of an skb. Ref: nlmsg_hdr */
export function nlmsg_hdr(skb: sk_buff): nlmsghdr { return changetype<nlmsghdr>(skb.data); }

/** An skb for one message with `payload` bytes. Ref: nlmsg_new */
export function nlmsg_new(payload: i32): sk_buff | null { return alloc_skb(nlmsg_total_size(payload)); }
/** Ref: nlmsg_free */
export function nlmsg_free(skb: sk_buff | null): void { kfree_skb(skb); }

/** Write a header for a message with `len` payload bytes; no room check. Ref: af_netlink.c:__nlmsg_put */
export function __nlmsg_put(skb: sk_buff, portid: u32, seq: u32, type: i32, len: i32, flags: i32): nlmsghdr {
  const size = nlmsg_msg_size(len);
  const nlh = changetype<nlmsghdr>(skb_put(skb, NLMSG_ALIGN(size)));
  nlh.nlmsg_type = <u16>type;
  nlh.nlmsg_len = <u32>size;
  nlh.nlmsg_flags = <u16>flags;
  nlh.nlmsg_pid = portid;
  nlh.nlmsg_seq = seq;
  if (NLMSG_ALIGN(size) - size != 0) memory.fill(nlmsg_data(nlh) + <usize>len, 0, <usize>(NLMSG_ALIGN(size) - size));
  return nlh;
}

/** Start a message; 0 when the skb has no room. Ref: nlmsg_put */
export function nlmsg_put(skb: sk_buff, portid: u32, seq: u32, type: i32, payload: i32, flags: i32): nlmsghdr | null {
  if (payload < 0 || skb_tailroom(skb) < nlmsg_total_size(payload)) return null;
  return __nlmsg_put(skb, portid, seq, type, payload, flags);
}

/** Close a message: nlmsg_len covers everything written since nlh. Ref: nlmsg_end */
export function nlmsg_end(skb: sk_buff, nlh: nlmsghdr): void {
  nlh.nlmsg_len = <u32>(skb_tail_pointer(skb) - changetype<usize>(nlh));
}

/** Cut the skb back to `mark`. Ref: nlmsg_trim */
export function nlmsg_trim(skb: sk_buff, mark: usize): void {
  if (mark) skb_trim(skb, <i32>(mark - skb.data));
}

/** Drop a message being built. Ref: nlmsg_cancel */
export function nlmsg_cancel(skb: sk_buff, nlh: nlmsghdr): void { nlmsg_trim(skb, changetype<usize>(nlh)); }

/** Add `size` zeroed bytes (padded) to the last message; 0 when there is no room. Ref: nlmsg_append */
export function nlmsg_append(skb: sk_buff, size: i32): usize {
  if (size < 0 || skb_tailroom(skb) < NLMSG_ALIGN(size)) return 0;
  const p = skb_put(skb, NLMSG_ALIGN(size));
  if (NLMSG_ALIGN(size) - size) memory.fill(p + <usize>size, 0, <usize>(NLMSG_ALIGN(size) - size));
  return p;
}
