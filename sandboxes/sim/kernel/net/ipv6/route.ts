/**
 * IPv6 routes the kernel makes for addresses and links (prefix routes, local routes, ff00::/8,
 * fe80::/64), their dump (main, then local, in the order the fib6 tree is walked) and their
 * notifications to RTNLGRP_IPV6_ROUTE. Ref: net/ipv6/route.c (rt6_fill_node), ip6_fib.c
 */
import { sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb, nlmsghdr_seq, NETLINK_CB, NLM_F_MULTI } from '../netlink/af_netlink';
import { nla_put_u32, nla_put_u8, nla_put, nla_get_u32 } from '../../lib/nlattr';
import { net_device, __dev_get_by_index, netif_carrier_ok } from '../core/dev';
import { array_insert } from '../core/dev';
import { rtnl_register, rtnl_notify, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, RTNLGRP_IPV6_ROUTE } from '../core/rtnetlink';
import { ip_valid_fib_dump_req, RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE, RTMSG_SIZE, RTA_DST, RTA_OIF, RTA_PRIORITY, RTA_TABLE, RTA_CACHEINFO, RTA_PREF, RTA_MAX, RTNH_F_LINKDOWN, RTM_F_CLONED } from '../ipv4/fib_frontend';
import { RT_TABLE_MAIN, RT_TABLE_LOCAL, RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST, RTPROT_KERNEL } from '../ipv4/fib_trie';
import { EMSGSIZE } from '../../include/uapi/asm-generic/errno';

/** struct fib6_info, flattened. */
export class fib6_info {
  table: u32 = RT_TABLE_MAIN;
  dst: StaticArray<u8> = new StaticArray<u8>(16);
  dst_len: u8 = 0;
  type: u8 = RTN_UNICAST;
  protocol: u8 = RTPROT_KERNEL;
  metric: u32 = 256;
  oif: i32 = 0;
  /** RTNH_F_LINKDOWN: set when added without carrier or when the carrier goes; cleared when the link is ready. */
  nh_flags: u32 = 0;
}

export const fib6_list: fib6_info[] = [];

/** fib6 walk order: by address bits; where one prefix covers the other, the more specific first; equal prefixes by insertion. */
function fib6_cmp(a: fib6_info, b: fib6_info): i32 {
  const n = a.dst_len < b.dst_len ? a.dst_len : b.dst_len;
  for (let i = 0; i < <i32>n; i++) {
    const ba = (<i32>unchecked(a.dst[i >> 3]) >> (7 - (i & 7))) & 1;
    const bb = (<i32>unchecked(b.dst[i >> 3]) >> (7 - (i & 7))) & 1;
    if (ba != bb) return ba < bb ? -1 : 1;
  }
  if (a.dst_len != b.dst_len) return a.dst_len > b.dst_len ? -1 : 1;
  return 0;
}

const ci = memory.data(32);

/** Ref: rt6_fill_node */
function rt6_fill_node(skb: sk_buff, rt: fib6_info, event: i32, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, event, RTMSG_SIZE, flags);
  if (!nlh) return -EMSGSIZE;
  const m = nlmsg_data(nlh);
  const dev = __dev_get_by_index(rt.oif);
  store<u8>(m, AF_INET6);
  store<u8>(m, rt.dst_len, 1);
  store<u8>(m, 0, 2);
  store<u8>(m, 0, 3);
  store<u8>(m, <u8>rt.table, 4);
  store<u8>(m, rt.protocol, 5);
  store<u8>(m, 0, 6); // RT_SCOPE_UNIVERSE
  store<u8>(m, rt.type, 7);
  store<u32>(m, rt.nh_flags, 8);
  memory.fill(ci, 0, 32);
  if (nla_put_u32(skb, RTA_TABLE, rt.table) ||
    (rt.dst_len && nla_put(skb, RTA_DST, 16, changetype<usize>(rt.dst))) ||
    nla_put_u32(skb, RTA_PRIORITY, rt.metric) ||
    nla_put_u32(skb, RTA_OIF, rt.oif) ||
    nla_put(skb, RTA_CACHEINFO, 32, ci) ||
    nla_put_u8(skb, RTA_PREF, 0)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Ref: inet6_rt_notify */
function inet6_rt_notify(event: i32, rt: fib6_info, nlm_flags: i32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (rt6_fill_node(skb, rt, event, 0, 0, nlm_flags)) { kfree_skb(skb); return; }
  rtnl_notify(skb, 0, RTNLGRP_IPV6_ROUTE, false);
}

/** Add a kernel route (unless the same one exists). Ref: ip6_route_add / ip6_ins_rt → fib6_add */
export function ip6_route_add(table: u32, dst: usize, dst_len: u8, type: u8, metric: u32, dev: net_device): void {
  const rt = new fib6_info();
  rt.table = table;
  for (let i = 0; i < 16; i++) unchecked(rt.dst[i] = load<u8>(dst + <usize>i));
  // Only the prefix's bits.
  for (let i = <i32>dst_len; i < 128; i++) unchecked(rt.dst[i >> 3] = <u8>(<i32>rt.dst[i >> 3] & ~(1 << (7 - (i & 7)))));
  rt.dst_len = dst_len;
  rt.type = type;
  rt.metric = metric;
  rt.oif = dev.ifindex;
  rt.nh_flags = type != RTN_LOCAL && !netif_carrier_ok(dev) ? RTNH_F_LINKDOWN : 0;
  let i = 0;
  let sibling = false;
  for (; i < fib6_list.length; i++) {
    const o = unchecked(fib6_list[i]);
    if (o.table < rt.table) continue;
    if (o.table > rt.table) break;
    const c = fib6_cmp(o, rt);
    if (c == 0 && o.oif == rt.oif && o.metric == rt.metric && o.type == rt.type) return; // -EEXIST
    if (c == 0) sibling = true;
    if (c > 0) break;
  }
  array_insert(fib6_list, i, rt);
  // fib6_add_rt2node: NLM_F_EXCL only for the first route of its node.
  inet6_rt_notify(RTM_NEWROUTE, rt, sibling ? <i32>NLM_F_CREATE : <i32>(NLM_F_EXCL | NLM_F_CREATE));
}

/** Delete one route of a device matching dst/len/table, telling RTNLGRP_IPV6_ROUTE. Ref: ip6_del_rt */
export function ip6_route_del(table: u32, dst: usize, dst_len: u8, dev: net_device): void {
  for (let i = 0; i < fib6_list.length; i++) {
    const o = unchecked(fib6_list[i]);
    if (o.table != table || o.dst_len != dst_len || o.oif != dev.ifindex) continue;
    let same = true;
    for (let k = 0; k < <i32>dst_len; k++) {
      if (((<i32>unchecked(o.dst[k >> 3]) >> (7 - (k & 7))) & 1) != ((<i32>load<u8>(dst + <usize>(k >> 3)) >> (7 - (k & 7))) & 1)) { same = false; break; }
    }
    if (!same) continue;
    fib6_list.splice(i, 1);
    inet6_rt_notify(RTM_DELROUTE, o, 0);
    return;
  }
}

/** A device going down or away loses every route through it, each announced. Ref: rt6_sync_down_dev */
export function rt6_sync_down_dev(dev: net_device): void {
  const gone: fib6_info[] = [];
  for (let i = 0; i < fib6_list.length; i++) if (unchecked(fib6_list[i]).oif == dev.ifindex) gone.push(unchecked(fib6_list[i]));
  for (let i = 0; i < gone.length; i++) {
    fib6_list.splice(fib6_list.indexOf(gone[i]), 1);
    inet6_rt_notify(RTM_DELROUTE, gone[i], 0);
  }
}

/** The carrier changed on a running link: mark or clear LINKDOWN. Ref: rt6_sync_down_dev(NETDEV_CHANGE), rt6_sync_up */
export function rt6_link_change(dev: net_device): void {
  for (let i = 0; i < fib6_list.length; i++) {
    const rt = unchecked(fib6_list[i]);
    if (rt.oif == dev.ifindex && rt.type != RTN_LOCAL) rt.nh_flags = netif_carrier_ok(dev) ? 0 : RTNH_F_LINKDOWN;
  }
}

/** The AF_INET6 route dump: main, then local. Ref: inet6_dump_fib */
function inet6_dump_fib(skb: sk_buff, cb: netlink_callback): i32 {
  let table: u32 = 0;
  let oif: i32 = 0;
  if (cb.strict_check && cb.args[2] == 0) {
    const tb = new StaticArray<usize>(RTA_MAX + 1);
    const err = ip_valid_fib_dump_req(cb, tb);
    if (err < 0) return err;
    if (tb[RTA_TABLE]) table = nla_get_u32(tb[RTA_TABLE]);
    if (tb[RTA_OIF]) oif = <i32>nla_get_u32(tb[RTA_OIF]);
    cb.args[2] = 1 | (<i64>table << 8) | (<i64>oif << 40);
  } else if (cb.args[2] != 0) {
    table = <u32>((cb.args[2] >> 8) & 0xffffffff);
    oif = <i32>(cb.args[2] >> 40);
  }
  if (nlmsg_len(cb.nlh) >= RTMSG_SIZE && (load<u32>(nlmsg_data(cb.nlh), 8) & RTM_F_CLONED)) return <i32>skb.len;
  // A filtered dump says so (NLM_F_DUMP_FILTERED) in its messages and its NLMSG_DONE.
  if (table || oif) cb.answer_flags = 0x20;
  let idx = <i32>cb.args[0];
  for (; idx < fib6_list.length; idx++) {
    const rt = unchecked(fib6_list[idx]);
    if (table && rt.table != table) continue;
    if (oif && rt.oif != oif) continue;
    if (rt6_fill_node(skb, rt, RTM_NEWROUTE, NETLINK_CB(cb.skb).portid, nlmsghdr_seq(cb.nlh), (table || oif ? NLM_F_MULTI | 0x20 : NLM_F_MULTI)) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

export function ip6_route_init(): void {
  rtnl_register(AF_INET6, RTM_GETROUTE, null, inet6_dump_fib);
}

export { RT_TABLE_LOCAL, RTN_LOCAL, RTN_MULTICAST };
