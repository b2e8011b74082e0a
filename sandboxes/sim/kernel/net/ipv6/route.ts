/**
 * IPv6 routes the kernel makes for addresses and links (prefix routes, local routes, ff00::/8,
 * fe80::/64), their dump (main, then local, in the order the fib6 tree is walked) and their
 * notifications to RTNLGRP_IPV6_ROUTE. Ref: net/ipv6/route.c (rt6_fill_node), ip6_fib.c
 *
 * Models Linux 6.18: net/ipv6/route.c, ip6_fib.c
 */
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import { IFA_F_OPTIMISTIC, IFA_F_TENTATIVE } from '../../include/uapi/linux/if_addr';
import {
  RTM_DELROUTE, RTM_F_CLONED, RTM_GETROUTE, RTM_NEWROUTE, RTPROT_KERNEL, RT_SCOPE_UNIVERSE, RTPROT_UNSPEC,
  RTPROT_BOOT, RTM_F_FIB_MATCH, rtgenmsg, rtmsg, rtnexthop, rta_cacheinfo,
} from '../../include/uapi/linux/rtnetlink';
import { sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb, nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_unicast, netlink_strict_get_check, nlmsg_attrdata, nlmsg_attrlen } from '../netlink/af_netlink';
import {
  nla_put_u32, nla_put_u8, nla_put, nla_get_u32, nla_get_u8, nla_data, nla_len, nla_type, nla_ok, nla_next, nla_next_rem, nla_nest_start_noflag, nla_nest_end,
  netlink_ext_ack, NL_SET_ERR_MSG, __nla_parse, nla_policy, nla_policy_new, NLA_POLICY, NLA_U32, NLA_U8, NLA_U16, NLA_NESTED, NL_VALIDATE_LIBERAL, NL_VALIDATE_DEPRECATED_STRICT,
} from '../../lib/nlattr';
import { err_ptr, ERR_PTR, OK_PTR, IS_ERR, PTR_ERR } from '../../include/linux/err';
import {
  net_device, __dev_get_by_index, netif_carrier_ok, netif_running, IFF_LOOPBACK, array_insert,
} from '../core/dev';
import { addr6_list, inet6_ifaddr } from './addrconf';
import { skb_tailroom, skb_put_zero, skb_tail_pointer } from '../core/skbuff';
import { rtnl, rtnl_register, rtnl_notify, nlmsg_report, AF_INET6, RTNLGRP_IPV6_ROUTE } from '../core/rtnetlink';
import {
  ip_valid_fib_dump_req, fib_dump_filter, RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_PREFSRC, RTA_METRICS, RTA_MULTIPATH, RTA_TABLE, RTA_CACHEINFO, RTA_MARK, RTA_UID, RTA_PREF, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_MAX, RTNH_F_LINKDOWN,
} from '../ipv4/fib_frontend';
import { RT_TABLE_MAIN, RT_TABLE_LOCAL, RT_TABLE_COMPAT, RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST } from '../ipv4/fib_trie';
import { EMSGSIZE, EINVAL, EEXIST, ENOENT, ESRCH, ENODEV, ENETDOWN, ENETUNREACH, EHOSTUNREACH, EOPNOTSUPP, ENOBUFS } from '../../include/uapi/asm-generic/errno';

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
  /** The nexthop's gateway (fib_nh_gw6), when has_gw. */
  gw: StaticArray<u8> = new StaticArray<u8>(16);
  has_gw: bool = false;
  /** RTAX_* metrics (index = RTAX_x - 1), 0 when unset. Ref: fib6_metrics */
  metrics: StaticArray<u32> = new StaticArray<u32>(RTAX_MAX);
  /** The router preference (IPV6_EXTRACT_PREF of fib6_flags). */
  pref: u8 = 0;
  /** An ECMP group (fib6_siblings, in list order, this route included), or null. */
  siblings: fib6_info[] | null = null;
}

const RTAX_MAX: i32 = 17;
const RTAX_HOPLIMIT: i32 = 10;
const RTAX_FEATURES: i32 = 12;
const RTAX_CC_ALGO: i32 = 16;
/** The metric user routes get when RTA_PRIORITY is absent. */
const IP6_RT_PRIO_USER: u32 = 1024;

/** struct fib6_table: main and local exist from the start; others appear with their first route. */
class fib6_table {
  constructor(public tb6_id: u32, public seq: i32) {}
}
const fib6_tables: fib6_table[] = [new fib6_table(RT_TABLE_MAIN, 0), new fib6_table(RT_TABLE_LOCAL, 1)];
let fib6_table_seq = 2;
/** Ref: fib6_get_table */
function fib6_get_table(id: u32): fib6_table | null {
  if (id == 0) id = RT_TABLE_MAIN;
  for (let i = 0; i < fib6_tables.length; i++) if (unchecked(fib6_tables[i]).tb6_id == id) return unchecked(fib6_tables[i]);
  return null;
}
/** Ref: fib6_new_table */
function fib6_new_table(id: u32): fib6_table {
  if (id == 0) id = RT_TABLE_MAIN;
  const t = fib6_get_table(id);
  if (t != null) return t;
  const n = new fib6_table(id, fib6_table_seq++);
  fib6_tables.push(n);
  return n;
}
/** sim: The order inet6_dump_fib walks net->ipv6.fib_table_hash: bucket (id & 255), newest first in a bucket. */
function fib6_tables_hash_order(): fib6_table[] {
  const out = fib6_tables.slice(0);
  out.sort((a: fib6_table, b: fib6_table): i32 => {
    const ha = a.tb6_id & 255, hb = b.tb6_id & 255;
    if (ha != hb) return ha < hb ? -1 : 1;
    return b.seq - a.seq;
  });
  return out;
}

export const fib6_list: fib6_info[] = [];

/** sim: fib6 walk order: by address bits; where one prefix covers the other, the more specific first; equal prefixes by insertion. */
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

const cibuf = memory.data(offsetof<rta_cacheinfo>());

/** Ref: rt6_fill_node */
function rt6_fill_node(skb: sk_buff, rt: fib6_info, event: i32, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, event, offsetof<rtmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const dev = __dev_get_by_index(rt.oif);
  rtm.rtm_family = AF_INET6;
  rtm.rtm_dst_len = rt.dst_len;
  rtm.rtm_src_len = 0;
  rtm.rtm_tos = 0;
  rtm.rtm_table = <u8>(rt.table < 256 ? rt.table : RT_TABLE_COMPAT);
  rtm.rtm_protocol = rt.protocol;
  rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  rtm.rtm_type = rt.type;
  rtm.rtm_flags = rt.nh_flags;
  memory.fill(cibuf, 0, offsetof<rta_cacheinfo>());
  if (nla_put_u32(skb, RTA_TABLE, rt.table) ||
    (rt.dst_len && nla_put(skb, RTA_DST, 16, changetype<usize>(rt.dst))) ||
    rtnetlink_put_metrics(skb, rt.metrics) ||
    nla_put_u32(skb, RTA_PRIORITY, rt.metric) ||
    rt6_nexthop_info(skb, rt, rtm) ||
    nla_put(skb, RTA_CACHEINFO, offsetof<rta_cacheinfo>(), cibuf) ||
    nla_put_u8(skb, RTA_PREF, rt.pref)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/**
 * sim: The next hop: RTA_GATEWAY and RTA_OIF, or for an ECMP group an RTA_MULTIPATH nest (no
 * NLA_F_NESTED) of struct rtnexthop + RTA_GATEWAY, this route first, then its siblings in list order.
 * Ref: rt6_fill_node, fib_add_nexthop, fib_nexthop_info
 */
function rt6_nexthop_info(skb: sk_buff, rt: fib6_info, rtm: rtmsg): i32 {
  const group = rt.siblings;
  if (group == null || group.length < 2) {
    if ((rt.has_gw && nla_put(skb, RTA_GATEWAY, 16, changetype<usize>(rt.gw))) || nla_put_u32(skb, RTA_OIF, rt.oif)) return -EMSGSIZE;
    return 0;
  }
  const mp = nla_nest_start_noflag(skb, RTA_MULTIPATH);
  if (!mp) return -EMSGSIZE;
  const at = group.indexOf(rt);
  for (let k = 0; k < group.length; k++) {
    const nh = unchecked(group[(at + k) % group.length]);
    // nla_reserve_nohdr(skb, sizeof(*rtnh))
    if (skb_tailroom(skb) < <i32>offsetof<rtnexthop>()) return -EMSGSIZE;
    const rtnh = changetype<rtnexthop>(skb_put_zero(skb, offsetof<rtnexthop>()));
    rtnh.rtnh_hops = 0; // weight - 1
    if (nh.has_gw && nla_put(skb, RTA_GATEWAY, 16, changetype<usize>(nh.gw))) return -EMSGSIZE;
    rtnh.rtnh_flags = <u8>nh.nh_flags;
    rtnh.rtnh_ifindex = nh.oif;
    // length of rtnetlink header + attributes
    rtnh.rtnh_len = <u16>(skb_tail_pointer(skb) - changetype<usize>(rtnh));
  }
  nla_nest_end(skb, mp);
  return 0;
}

/** The metrics that are set, as a nest without NLA_F_NESTED; nothing when none is. Ref: rtnetlink_put_metrics */
function rtnetlink_put_metrics(skb: sk_buff, metrics: StaticArray<u32>): i32 {
  let any = false;
  for (let i = 0; i < RTAX_MAX; i++) if (unchecked(metrics[i])) any = true;
  if (!any) return 0;
  const mx = nla_nest_start_noflag(skb, RTA_METRICS);
  if (!mx) return -EMSGSIZE;
  for (let i = 0; i < RTAX_MAX; i++) {
    if (!unchecked(metrics[i])) continue;
    if (nla_put_u32(skb, i + 1, unchecked(metrics[i]))) return -EMSGSIZE;
  }
  nla_nest_end(skb, mx);
  return 0;
}

/** Ref: inet6_rt_notify (portid and seq of the request that caused it, if any) */
function inet6_rt_notify(event: i32, rt: fib6_info, nlm_flags: i32, portid: u32 = 0, nlh: nlmsghdr | null = null): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (rt6_fill_node(skb, rt, event, portid, nlh ? nlh.nlmsg_seq : 0, nlm_flags)) { kfree_skb(skb); return; }
  rtnl_notify(skb, portid, RTNLGRP_IPV6_ROUTE, nlmsg_report(nlh));
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
    if (c == 0 && o.metric == rt.metric) sibling = true;
    if (c > 0 || (c == 0 && o.metric > rt.metric)) break;
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
    // sim: Linux marks an ECMP group's next hops dead and rebalances it; here each route leaves its group.
    fib6_unlink_sibling(gone[i]);
    inet6_rt_notify(RTM_DELROUTE, gone[i], 0);
  }
}

/** sim: The carrier changed on a running link: mark or clear LINKDOWN. Ref: rt6_sync_down_dev(NETDEV_CHANGE), rt6_sync_up */
export function rt6_link_change(dev: net_device): void {
  for (let i = 0; i < fib6_list.length; i++) {
    const rt = unchecked(fib6_list[i]);
    if (rt.oif == dev.ifindex && rt.type != RTN_LOCAL) rt.nh_flags = netif_carrier_ok(dev) ? 0 : RTNH_F_LINKDOWN;
  }
}

/** sim: Whether rt comes first of its ECMP group in the dump's order. */
function first_of_group(all: fib6_info[], rt: fib6_info, group: fib6_info[]): bool {
  const at = all.indexOf(rt);
  for (let k = 0; k < group.length; k++) if (all.indexOf(unchecked(group[k])) < at) return false;
  return true;
}

/** The AF_INET6 route dump: every table in hash order (main before local), or the one a strict request names. Ref: inet6_dump_fib */
function inet6_dump_fib(skb: sk_buff, cb: netlink_callback): i32 {
  const filter = new fib_dump_filter();
  if (cb.strict_check) {
    const err = ip_valid_fib_dump_req(cb, filter);
    if (err < 0) return err;
  }
  // RTM_F_CLONED asks for the exceptions (route cache entries) only: none without traffic.
  const rtm = changetype<rtmsg>(nlmsg_data(cb.nlh));
  if (nlmsg_len(cb.nlh) >= offsetof<rtmsg>() && (rtm.rtm_flags & RTM_F_CLONED)) return <i32>skb.len;
  let tables = fib6_tables_hash_order();
  if (filter.table_id) {
    const tb = fib6_get_table(filter.table_id);
    if (tb == null) {
      if (changetype<rtgenmsg>(nlmsg_data(cb.nlh)).rtgen_family != AF_INET6) return <i32>skb.len;
      NL_SET_ERR_MSG(cb.extack, 'ipv6: FIB table does not exist');
      return -ENOENT;
    }
    tables = [tb];
  }
  const all: fib6_info[] = [];
  for (let t = 0; t < tables.length; t++) {
    const id = unchecked(tables[t]).tb6_id;
    for (let i = 0; i < fib6_list.length; i++) if (unchecked(fib6_list[i]).table == id) all.push(unchecked(fib6_list[i]));
  }
  const flags = filter.filter_set ? NLM_F_MULTI | NLM_F_DUMP_FILTERED : NLM_F_MULTI;
  let idx = <i32>cb.args[0];
  for (; idx < all.length; idx++) {
    const rt = unchecked(all[idx]);
    if (filter.filter_set && ((filter.rt_type && rt.type != filter.rt_type) || (filter.dev && rt.oif != filter.dev) || (filter.protocol && rt.protocol != filter.protocol))) continue;
    // An ECMP group is dumped once, as its first route with RTA_MULTIPATH (fib6_dump_node).
    const group = rt.siblings;
    if (group != null && !first_of_group(all, rt, group)) continue;
    if (rt6_fill_node(skb, rt, RTM_NEWROUTE, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, flags) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

// ---- routes from user space ----------------------------------------------------------------------

let rtm_ipv6_policy: nla_policy[] = [];
const RTA_ENCAP_TYPE: i32 = 21;
const RTA_ENCAP: i32 = 22;
const RTA_EXPIRES: i32 = 23;
const RTA_NH_ID: i32 = 30;
const RTN_MAX: u8 = 11;
const ICMPV6_ROUTER_PREF_LOW: u8 = 3;
const ICMPV6_ROUTER_PREF_HIGH: u8 = 1;


/** struct fib6_config, as far as it is modelled. */
class fib6_config {
  table: u32 = 0;
  dst: StaticArray<u8> = new StaticArray<u8>(16);
  dst_len: u8 = 0;
  src_len: u8 = 0;
  type: u8 = 0;
  protocol: u8 = 0;
  metric: u32 = 0;
  ifindex: i32 = 0;
  gw: StaticArray<u8> = new StaticArray<u8>(16);
  has_gw: bool = false;
  metrics: StaticArray<u32> = new StaticArray<u32>(RTAX_MAX);
  pref: u8 = 0;
  nlflags: u16 = 0;
}

/** sim: ipv6_addr_equal on byte arrays. */
function in6_equal(a: StaticArray<u8>, b: StaticArray<u8>): bool {
  for (let i = 0; i < 16; i++) if (unchecked(a[i]) != unchecked(b[i])) return false;
  return true;
}
/** sim: ipv6_prefix_equal on byte arrays. */
function in6_prefix_match(a: StaticArray<u8>, b: StaticArray<u8>, plen: i32): bool {
  for (let k = 0; k < plen; k++) if (((<i32>unchecked(a[k >> 3]) >> (7 - (k & 7))) & 1) != ((<i32>unchecked(b[k >> 3]) >> (7 - (k & 7))) & 1)) return false;
  return true;
}
function ipv6_addr_prefix(a: StaticArray<u8>, plen: i32): void {
  for (let i = plen; i < 128; i++) unchecked(a[i >> 3] = <u8>(<i32>a[i >> 3] & ~(1 << (7 - (i & 7)))));
}

/** Parse an RTM_NEWROUTE / RTM_DELROUTE for AF_INET6. Ref: rtm_to_fib6_config */
function rtm_to_fib6_config(skb: sk_buff, nlh: nlmsghdr, cfg: fib6_config, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<rtmsg>()) return -EINVAL;
  const err = __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  cfg.dst_len = rtm.rtm_dst_len;
  cfg.src_len = rtm.rtm_src_len;
  cfg.table = rtm.rtm_table;
  cfg.protocol = rtm.rtm_protocol;
  cfg.type = rtm.rtm_type;
  cfg.nlflags = nlh.nlmsg_flags;
  if (rtm.rtm_flags & RTM_F_CLONED) { NL_SET_ERR_MSG(extack, 'Userspace can not set RTF_CACHE'); return -EINVAL; }
  if (tb[RTA_NH_ID] || tb[RTA_MULTIPATH] || tb[RTA_ENCAP] || tb[RTA_EXPIRES] || tb[RTA_PREFSRC] || tb[RTA_SRC] || tb[RTA_IIF]) {
    // sim: nexthop objects, multipath, encapsulation, expiring routes, preferred sources and source routes are not modelled.
    NL_SET_ERR_MSG(extack, 'sim: this IPv6 route attribute is not modelled');
    return -EOPNOTSUPP;
  }
  if (tb[RTA_GATEWAY]) {
    for (let i = 0; i < 16; i++) unchecked(cfg.gw[i] = load<u8>(nla_data(tb[RTA_GATEWAY]) + <usize>i));
    cfg.has_gw = true;
  }
  if (tb[RTA_DST]) {
    const plen = (<i32>cfg.dst_len + 7) >> 3;
    if (nla_len(tb[RTA_DST]) < plen) return -EINVAL;
    for (let i = 0; i < plen && i < 16; i++) unchecked(cfg.dst[i] = load<u8>(nla_data(tb[RTA_DST]) + <usize>i));
  }
  if (tb[RTA_OIF]) cfg.ifindex = <i32>nla_get_u32(tb[RTA_OIF]);
  if (tb[RTA_PRIORITY]) cfg.metric = nla_get_u32(tb[RTA_PRIORITY]);
  if (tb[RTA_METRICS]) {
    // ip_metrics_convert
    let nla = nla_data(tb[RTA_METRICS]);
    let rem = nla_len(tb[RTA_METRICS]);
    while (nla_ok(nla, rem)) {
      const type = <i32>nla_type(nla);
      if (type) {
        if (type > RTAX_MAX) { NL_SET_ERR_MSG(extack, 'Invalid metric type'); return -EINVAL; }
        if (type == RTAX_CC_ALGO) { NL_SET_ERR_MSG(extack, 'sim: congestion control metrics are not modelled'); return -EOPNOTSUPP; }
        if (nla_len(nla) != 4) { NL_SET_ERR_MSG(extack, 'Invalid attribute in metrics'); return -EINVAL; }
        let val = nla_get_u32(nla);
        if (type == RTAX_HOPLIMIT && val > 255) val = 255;
        if (type == RTAX_FEATURES && (val & ~<u32>0x1f)) { NL_SET_ERR_MSG(extack, 'Unknown flag set in feature mask in metrics attribute'); return -EINVAL; }
        unchecked(cfg.metrics[type - 1] = val);
      }
      nla = nla_next(nla, rem);
      rem = nla_next_rem;
    }
  }
  if (tb[RTA_PREF]) {
    const pref = nla_get_u8(tb[RTA_PREF]);
    cfg.pref = pref != ICMPV6_ROUTER_PREF_LOW && pref != ICMPV6_ROUTER_PREF_HIGH ? 0 : pref;
  }
  if (tb[RTA_TABLE]) cfg.table = nla_get_u32(tb[RTA_TABLE]);
  return 0;
}

/** Whether an address is configured (on dev, or on any device when dev is null). Ref: ipv6_chk_addr_and_flags */
function ipv6_chk_addr(addr: StaticArray<u8>, dev: net_device | null): bool {
  for (let i = 0; i < addr6_list.length; i++) {
    const ifa = unchecked(addr6_list[i]);
    if (dev != null && ifa.dev != dev) continue;
    if (in6_equal(ifa.addr, addr)) return true;
  }
  return false;
}

/** Longest-prefix match in one table, on oif when given (first route of the node). Ref: fib6_table_lookup */
function fib6_table_lookup(table: u32, addr: StaticArray<u8>, oif: i32): fib6_info | null {
  let best: fib6_info | null = null;
  for (let i = 0; i < fib6_list.length; i++) {
    const rt = unchecked(fib6_list[i]);
    if (rt.table != table || (oif && rt.oif != oif)) continue;
    if (!in6_prefix_match(rt.dst, addr, rt.dst_len)) continue;
    if (best == null || rt.dst_len > best.dst_len) best = rt;
  }
  return best;
}

/** The rules of a fresh namespace: local, then main. Ref: fib6_lookup → fib6_rule_lookup */
function fib6_lookup(addr: StaticArray<u8>, oif: i32): fib6_info | null {
  const l = fib6_table_lookup(RT_TABLE_LOCAL, addr, oif);
  return l != null ? l : fib6_table_lookup(RT_TABLE_MAIN, addr, oif);
}

/** sim: Ref: ipv6_addr_type, the bits ip6_validate_gw looks at */
function gw_is_linklocal(a: StaticArray<u8>): bool { return unchecked(a[0]) == 0xfe && (unchecked(a[1]) & 0xc0) == 0x80; }
/** sim: ipv6_addr_is_multicast on a byte array. */
function gw_is_multicast(a: StaticArray<u8>): bool { return unchecked(a[0]) == 0xff; }
/** sim: ipv6_addr_any || ipv6_addr_loopback on a byte array. */
function gw_is_any_or_loopback(a: StaticArray<u8>): bool {
  for (let i = 0; i < 15; i++) if (unchecked(a[i])) return false;
  return unchecked(a[15]) <= 1;
}

/** A gateway must be reachable on link (a route without a gateway), not local. Ref: ip6_validate_gw, ip6_route_check_nh */
function ip6_validate_gw(cfg: fib6_config, devp: StaticArray<i32>, extack: netlink_ext_ack | null): i32 {
  let dev = devp[0] ? __dev_get_by_index(devp[0]) : null;
  const skip_dev = !gw_is_linklocal(cfg.gw);
  const need_addr_check = dev == null;
  if (dev != null && ipv6_chk_addr(cfg.gw, skip_dev ? null : dev)) { NL_SET_ERR_MSG(extack, 'Gateway can not be a local address'); return -EINVAL; }
  if (!gw_is_linklocal(cfg.gw)) {
    if (gw_is_multicast(cfg.gw) || gw_is_any_or_loopback(cfg.gw)) { NL_SET_ERR_MSG(extack, 'Invalid gateway address'); return -EINVAL; }
    let err = -EHOSTUNREACH;
    let res: fib6_info | null = null;
    if (cfg.table) {
      res = fib6_table_lookup(cfg.table == 0 ? RT_TABLE_MAIN : cfg.table, cfg.gw, 0);
      err = res == null || res.has_gw || res.type != RTN_UNICAST && res.type != RTN_LOCAL || (dev != null && dev.ifindex != res.oif) ? -EHOSTUNREACH : 0;
    }
    if (err < 0) {
      res = fib6_lookup(cfg.gw, cfg.ifindex);
      if (res == null || res.has_gw || res.type == RTN_MULTICAST) return -EHOSTUNREACH;
    }
    if (dev != null) {
      if (dev.ifindex != res!.oif) return -EHOSTUNREACH;
    } else {
      dev = __dev_get_by_index(res!.oif);
      devp[0] = res!.oif;
    }
  }
  if (dev == null) { NL_SET_ERR_MSG(extack, 'Egress device not specified'); return -EINVAL; }
  if (dev.flags & IFF_LOOPBACK) { NL_SET_ERR_MSG(extack, 'Egress device can not be loopback device for this route'); return -EINVAL; }
  if (need_addr_check && ipv6_chk_addr(cfg.gw, skip_dev ? null : dev)) { NL_SET_ERR_MSG(extack, 'Gateway can not be a local address'); return -EINVAL; }
  return 0;
}

/** Build the route a request describes. Ref: ip6_route_info_create, fib6_nh_init */
function ip6_route_info_create(cfg: fib6_config, extack: netlink_ext_ack | null): err_ptr<fib6_info> {
  if (cfg.type > RTN_MAX) { NL_SET_ERR_MSG(extack, 'Invalid route type'); return ERR_PTR<fib6_info>(-EINVAL); }
  if (cfg.dst_len > 128) { NL_SET_ERR_MSG(extack, 'Invalid prefix length'); return ERR_PTR<fib6_info>(-EINVAL); }
  if (cfg.src_len > 128) { NL_SET_ERR_MSG(extack, 'Invalid source address length'); return ERR_PTR<fib6_info>(-EINVAL); }
  if (cfg.src_len) { NL_SET_ERR_MSG(extack, 'sim: source-specific IPv6 routes (IPV6_SUBTREES) are not modelled'); return ERR_PTR<fib6_info>(-EOPNOTSUPP); }
  if (cfg.type && cfg.type != RTN_UNICAST) {
    // sim: reject (unreachable, blackhole, prohibit, throw), local and anycast routes from user space are not modelled.
    NL_SET_ERR_MSG(extack, 'sim: only unicast IPv6 routes are modelled');
    return ERR_PTR<fib6_info>(-EOPNOTSUPP);
  }
  const rt = new fib6_info();
  rt.table = cfg.table == 0 ? RT_TABLE_MAIN : cfg.table;
  for (let i = 0; i < RTAX_MAX; i++) unchecked(rt.metrics[i] = cfg.metrics[i]);
  rt.protocol = cfg.protocol == RTPROT_UNSPEC ? RTPROT_BOOT : cfg.protocol;
  rt.metric = cfg.metric;
  rt.type = RTN_UNICAST;
  rt.pref = cfg.pref;
  for (let i = 0; i < 16; i++) unchecked(rt.dst[i] = cfg.dst[i]);
  ipv6_addr_prefix(rt.dst, cfg.dst_len);
  rt.dst_len = cfg.dst_len;
  // fib6_nh_init
  let dev: net_device | null = null;
  if (cfg.ifindex) {
    dev = __dev_get_by_index(cfg.ifindex);
    if (dev == null) { return ERR_PTR<fib6_info>(-ENODEV); }
  }
  if (dev != null && (dev.flags & IFF_LOOPBACK)) {
    // sim: Linux turns a route through lo into a reject route (fib6_is_reject); not modelled.
    NL_SET_ERR_MSG(extack, 'sim: IPv6 routes through the loopback device are not modelled');
    return ERR_PTR<fib6_info>(-EOPNOTSUPP);
  }
  if (cfg.has_gw) {
    const devp = new StaticArray<i32>(1);
    devp[0] = cfg.ifindex;
    const e = ip6_validate_gw(cfg, devp, extack);
    if (e) { return ERR_PTR<fib6_info>(e); }
    dev = __dev_get_by_index(devp[0]);
    for (let i = 0; i < 16; i++) unchecked(rt.gw[i] = cfg.gw[i]);
    rt.has_gw = true;
  }
  if (dev == null) { return ERR_PTR<fib6_info>(-ENODEV); }
  if (!netif_running(dev)) { NL_SET_ERR_MSG(extack, 'Nexthop device is not up'); return ERR_PTR<fib6_info>(-ENETDOWN); }
  rt.oif = dev.ifindex;
  rt.nh_flags = netif_carrier_ok(dev) ? 0 : RTNH_F_LINKDOWN;
  return OK_PTR<fib6_info>(rt);
}

/** sim: Remove a route from its ECMP group. Ref: fib6_del_route (fib6_siblings) */
function fib6_unlink_sibling(rt: fib6_info): void {
  const group = rt.siblings;
  if (group == null) return;
  group.splice(group.indexOf(rt), 1);
  rt.siblings = null;
  if (group.length == 1) unchecked(group[0]).siblings = null;
}

/** Same device and gateway. Ref: rt6_duplicate_nexthop */
function rt6_duplicate_nexthop(a: fib6_info, b: fib6_info): bool {
  return a.oif == b.oif && a.has_gw == b.has_gw && (!a.has_gw || in6_equal(a.gw, b.gw));
}

/** Insert into the table's node for the prefix, by metric. Ref: fib6_add → fib6_add_rt2node */
function fib6_add(rt: fib6_info, cfg: fib6_config, portid: u32, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const replace = (cfg.nlflags & NLM_F_REPLACE) != 0;
  const add = (cfg.nlflags & NLM_F_CREATE) != 0;
  let nlflags: i32 = NLM_F_EXCL;
  if (cfg.nlflags & NLM_F_APPEND) nlflags |= NLM_F_APPEND;
  let node_exists = false;
  let found: fib6_info | null = null;
  let sibling: fib6_info | null = null;
  let fallback: fib6_info | null = null;
  let ins = -1;
  let i = 0;
  for (; i < fib6_list.length; i++) {
    const o = unchecked(fib6_list[i]);
    if (o.table < rt.table) continue;
    if (o.table > rt.table) break;
    const c = fib6_cmp(o, rt);
    if (c < 0) continue;
    if (c > 0) break;
    node_exists = true;
    if (o.metric == rt.metric) {
      if (cfg.nlflags & NLM_F_EXCL) return -EEXIST;
      nlflags &= ~NLM_F_EXCL;
      if (replace) {
        // The first route of the same ECMP-ability; else the first of the metric (fallback_ins).
        if (rt.has_gw == o.has_gw) { found = o; break; }
        if (fallback == null) fallback = o;
        continue;
      }
      if (rt6_duplicate_nexthop(o, rt)) return -EEXIST;
      // Two gateway routes of one prefix and metric are ECMP siblings (rt6_qualify_for_ecmp).
      if (rt.has_gw && o.has_gw && sibling == null) sibling = o;
    }
    if (o.metric > rt.metric) break;
  }
  ins = i;
  if (replace && !node_exists && !add) {
    NL_SET_ERR_MSG(extack, 'Can not replace route - no match found');
    return -ENOENT;
  }
  if (replace && found == null) found = fallback;
  if (replace && found != null) {
    // The new route takes the place of the one found; an ECMP group it belonged to goes with it.
    const at = fib6_list.indexOf(found);
    unchecked(fib6_list[at] = rt);
    const group = found.siblings;
    if (group != null) {
      for (let k = 0; k < group.length; k++) {
        const g = unchecked(group[k]);
        g.siblings = null;
        if (g != found) fib6_list.splice(fib6_list.indexOf(g), 1);
      }
    }
    inet6_rt_notify(RTM_NEWROUTE, rt, NLM_F_REPLACE, portid, nlh);
    return 0;
  }
  if (replace && !add) {
    NL_SET_ERR_MSG(extack, 'Can not replace route - no match found');
    return -ENOENT;
  }
  nlflags |= NLM_F_CREATE;
  if (sibling != null) {
    // Link this route to the others of its group: at the tail of the sibling list.
    let group = sibling.siblings;
    if (group == null) { group = [sibling]; sibling.siblings = group; }
    group.push(rt);
    rt.siblings = group;
  }
  array_insert(fib6_list, ins, rt);
  fib6_new_table(rt.table);
  inet6_rt_notify(RTM_NEWROUTE, rt, nlflags, portid, nlh);
  return 0;
}

/** RTM_NEWROUTE for AF_INET6 (`ip -6 route add`). Ref: inet6_rtm_newroute → ip6_route_add */
function inet6_rtm_newroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const cfg = new fib6_config();
  const err = rtm_to_fib6_config(skb, nlh, cfg, extack);
  if (err < 0) return err;
  if (cfg.metric == 0) cfg.metric = IP6_RT_PRIO_USER;
  const rt = ip6_route_info_create(cfg, extack);
  if (IS_ERR(rt)) return PTR_ERR(rt);
  return fib6_add(rt.ptr!, cfg, NETLINK_CB(skb).portid, nlh, extack);
}

/** RTM_DELROUTE for AF_INET6: the first route of the exact prefix that matches. Ref: inet6_rtm_delroute → ip6_route_del */
function inet6_rtm_delroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const cfg = new fib6_config();
  const err = rtm_to_fib6_config(skb, nlh, cfg, extack);
  if (err < 0) return err;
  const table = cfg.table == 0 ? RT_TABLE_MAIN : cfg.table;
  if (fib6_get_table(table) == null) { NL_SET_ERR_MSG(extack, 'FIB table does not exist'); return -ESRCH; }
  const dst = new StaticArray<u8>(16);
  for (let i = 0; i < 16; i++) unchecked(dst[i] = cfg.dst[i]);
  ipv6_addr_prefix(dst, cfg.dst_len);
  for (let i = 0; i < fib6_list.length; i++) {
    const rt = unchecked(fib6_list[i]);
    if (rt.table != table || rt.dst_len != cfg.dst_len || !in6_equal(rt.dst, dst)) continue;
    if (cfg.ifindex && rt.oif != cfg.ifindex) continue;
    if (cfg.has_gw && (!rt.has_gw || !in6_equal(rt.gw, cfg.gw))) continue;
    if (cfg.metric && cfg.metric != rt.metric) continue;
    if (cfg.protocol && cfg.protocol != rt.protocol) continue;
    const group = rt.siblings;
    if (group != null && !cfg.has_gw) {
      // __ip6_del_rt_siblings: the whole group goes, announced once (with RTA_MULTIPATH).
      inet6_rt_notify(RTM_DELROUTE, rt, 0, NETLINK_CB(skb).portid, nlh);
      for (let k = 0; k < group.length; k++) {
        const g = unchecked(group[k]);
        fib6_list.splice(fib6_list.indexOf(g), 1);
        g.siblings = null;
      }
      return 0;
    }
    fib6_list.splice(i, 1);
    fib6_unlink_sibling(rt);
    inet6_rt_notify(RTM_DELROUTE, rt, 0, NETLINK_CB(skb).portid, nlh);
    return 0;
  }
  return -ESRCH;
}

// ---- RTM_GETROUTE for one destination -------------------------------------------------------------


/** The scope ipv6 source selection compares: 1 loopback, 2 link, 5 site, 14 global; a multicast address's own. Ref: __ipv6_addr_src_scope */
function ipv6_addr_src_scope(a: StaticArray<u8>): i32 {
  if (unchecked(a[0]) == 0xff) return unchecked(a[1]) & 0xf;
  if (unchecked(a[0]) == 0xfe && (unchecked(a[1]) & 0xc0) == 0x80) return 2;
  if (unchecked(a[0]) == 0xfe && (unchecked(a[1]) & 0xc0) == 0xc0) return 5;
  if (gw_is_any_or_loopback(a) && unchecked(a[15]) == 1) return 1;
  return 14;
}
/** sim: ipv6_addr_diff on byte arrays (the length of the common prefix). */
function common_prefix_len(a: StaticArray<u8>, b: StaticArray<u8>): i32 {
  for (let k = 0; k < 128; k++) if (((<i32>unchecked(a[k >> 3]) >> (7 - (k & 7))) & 1) != ((<i32>unchecked(b[k >> 3]) >> (7 - (k & 7))) & 1)) return k;
  return 128;
}

/**
 * Source address selection (RFC 6724 as Linux does it, the rules a fresh namespace can tell
 * apart): tentative addresses never; the destination itself first; then a scope at least the
 * destination's and the smallest such; the outgoing device; the longest common prefix. For a
 * link-scope or multicast destination only the outgoing device's addresses count.
 * Ref: ipv6_dev_get_saddr, ipv6_get_saddr_eval
 */
function ipv6_dev_get_saddr(dev: i32, daddr: StaticArray<u8>): StaticArray<u8> | null {
  const dscope = ipv6_addr_src_scope(daddr);
  const only_dev = dev != 0 && (unchecked(daddr[0]) == 0xff || dscope <= 2);
  let best: inet6_ifaddr | null = null;
  let best_score: i64 = -1;
  for (let i = 0; i < addr6_list.length; i++) {
    const ifa = unchecked(addr6_list[i]);
    if ((ifa.flags & IFA_F_TENTATIVE) && !(ifa.flags & IFA_F_OPTIMISTIC)) continue;
    if (only_dev && ifa.dev.ifindex != dev) continue;
    const sc = ipv6_addr_src_scope(ifa.addr);
    let score: i64 = 0;
    if (in6_equal(ifa.addr, daddr)) score |= <i64>1 << 40;
    // rule 2: scopes at least the destination's beat smaller ones; among them the smallest wins.
    score |= <i64>(sc >= dscope ? 64 + (32 - sc) : sc) << 24;
    if (dev && ifa.dev.ifindex == dev) score |= <i64>1 << 16;
    score |= <i64>common_prefix_len(ifa.addr, daddr);
    if (score > best_score) { best = ifa; best_score = score; }
  }
  return best != null ? best.addr : null;
}

/** sim: Lookup flags: a link-scope, multicast or loopback destination, or an oif with no source, asks for that device. Ref: ip6_route_output_flags */
function fib6_table_lookup_strict(table: u32, addr: StaticArray<u8>, oif: i32): fib6_info | null {
  let best: fib6_info | null = null;
  for (let i = 0; i < fib6_list.length; i++) {
    const rt = unchecked(fib6_list[i]);
    if (rt.table != table || (oif && rt.oif != oif)) continue;
    if (!in6_prefix_match(rt.dst, addr, rt.dst_len)) continue;
    // The first route of the longest prefix: the node's routes are in metric order.
    if (best == null || rt.dst_len > best.dst_len) best = rt;
  }
  return best;
}

/**
 * Ref: ip6_route_output → fib6_rule_lookup (local, then main). sim: of an ECMP group the first
 * route answers; Linux picks a next hop by the flow's hash (fib6_select_path).
 */
function ip6_route_output(daddr: StaticArray<u8>, oif: i32): fib6_info | null {
  const l = fib6_table_lookup_strict(RT_TABLE_LOCAL, daddr, oif);
  if (l != null) return l;
  const m = fib6_table_lookup_strict(RT_TABLE_MAIN, daddr, oif);
  if (m != null) return m;
  // sim: other tables are reached only through rules, and rules cannot be changed here.
  return null;
}

/** sim: One resolved route (a clone of `from` for daddr). Ref: rt6_fill_node with a dst */
function rt6_fill_dst(skb: sk_buff, from: fib6_info, daddr: StaticArray<u8>, saddr: StaticArray<u8>, portid: u32, seq: u32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWROUTE, offsetof<rtmsg>(), 0);
  if (!nlh) return -EMSGSIZE;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  rtm.rtm_family = AF_INET6;
  rtm.rtm_dst_len = 128;
  rtm.rtm_src_len = 128;
  rtm.rtm_tos = 0;
  rtm.rtm_table = <u8>(from.table < 256 ? from.table : RT_TABLE_COMPAT);
  rtm.rtm_protocol = from.protocol;
  rtm.rtm_scope = RT_SCOPE_UNIVERSE;
  rtm.rtm_type = from.type;
  rtm.rtm_flags = 0;
  // The dst's device: the loopback device for a local route.
  const oif = from.type == RTN_LOCAL ? 1 : from.oif;
  const prefsrc = ipv6_dev_get_saddr(from.oif, daddr);
  const ci = changetype<rta_cacheinfo>(cibuf);
  memory.fill(cibuf, 0, offsetof<rta_cacheinfo>());
  // sim: the dst's reference count (rta_clntref) depends on Linux's route cache; 1 here.
  ci.rta_clntref = 1;
  if (nla_put_u32(skb, RTA_TABLE, from.table) ||
    nla_put(skb, RTA_DST, 16, changetype<usize>(daddr)) ||
    nla_put(skb, RTA_SRC, 16, changetype<usize>(saddr)) ||
    (prefsrc != null && nla_put(skb, RTA_PREFSRC, 16, changetype<usize>(prefsrc))) ||
    rtnetlink_put_metrics(skb, from.metrics) ||
    nla_put_u32(skb, RTA_PRIORITY, from.metric) ||
    (from.has_gw && nla_put(skb, RTA_GATEWAY, 16, changetype<usize>(from.gw))) ||
    nla_put_u32(skb, RTA_OIF, oif) ||
    nla_put(skb, RTA_CACHEINFO, offsetof<rta_cacheinfo>(), cibuf) ||
    nla_put_u8(skb, RTA_PREF, from.pref)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Ref: inet6_rtm_valid_getroute_req */
function inet6_rtm_valid_getroute_req(skb: sk_buff, nlh: nlmsghdr, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < offsetof<rtmsg>()) {
    NL_SET_ERR_MSG(extack, 'ipv6: Invalid header for get route request');
    return -EINVAL;
  }
  if (!netlink_strict_get_check(skb)) return __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const src_len = rtm.rtm_src_len, dst_len = rtm.rtm_dst_len;
  if ((src_len && src_len != 128) || (dst_len && dst_len != 128) || rtm.rtm_table || rtm.rtm_protocol || rtm.rtm_scope || rtm.rtm_type) {
    NL_SET_ERR_MSG(extack, 'ipv6: Invalid values in header for get route request');
    return -EINVAL;
  }
  if (rtm.rtm_flags & ~RTM_F_FIB_MATCH) {
    NL_SET_ERR_MSG(extack, 'ipv6: Invalid flags for get route request');
    return -EINVAL;
  }
  const err = __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv6_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (err) return err;
  if ((tb[RTA_SRC] && !src_len) || (tb[RTA_DST] && !dst_len)) {
    NL_SET_ERR_MSG(extack, 'ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6');
    return -EINVAL;
  }
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb[i]) continue;
    if (i == RTA_SRC || i == RTA_DST || i == RTA_IIF || i == RTA_OIF || i == RTA_MARK || i == RTA_UID || i == RTA_SPORT || i == RTA_DPORT || i == RTA_IP_PROTO) continue;
    NL_SET_ERR_MSG(extack, 'ipv6: Unsupported attribute in get route request');
    return -EINVAL;
  }
  return 0;
}

/** RTM_GETROUTE for one IPv6 destination (`ip -6 route get`). Ref: inet6_rtm_getroute */
function inet6_rtm_getroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  const err = inet6_rtm_valid_getroute_req(skb, nlh, tb, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const fibmatch = (rtm.rtm_flags & RTM_F_FIB_MATCH) != 0;
  const daddr = new StaticArray<u8>(16);
  const saddr = new StaticArray<u8>(16);
  if (tb[RTA_SRC]) {
    if (nla_len(tb[RTA_SRC]) < 16) return -EINVAL;
    for (let i = 0; i < 16; i++) unchecked(saddr[i] = load<u8>(nla_data(tb[RTA_SRC]) + <usize>i));
    // sim: a chosen source address (source-specific lookups) is not modelled.
    NL_SET_ERR_MSG(extack, 'sim: IPv6 route lookups with RTA_SRC are not modelled');
    return -EOPNOTSUPP;
  }
  if (tb[RTA_DST]) {
    if (nla_len(tb[RTA_DST]) < 16) return -EINVAL;
    for (let i = 0; i < 16; i++) unchecked(daddr[i] = load<u8>(nla_data(tb[RTA_DST]) + <usize>i));
  }
  if (tb[RTA_IIF] && nla_get_u32(tb[RTA_IIF])) {
    NL_SET_ERR_MSG(extack, 'sim: route lookups for input (RTA_IIF) are not modelled');
    return -EOPNOTSUPP;
  }
  const oif: i32 = tb[RTA_OIF] ? <i32>nla_get_u32(tb[RTA_OIF]) : 0;
  const from = ip6_route_output(daddr, oif);
  if (from == null) return -ENETUNREACH; // ip6_null_entry's dst.error
  const nskb = nlmsg_new(512);
  if (nskb == null) return -ENOBUFS;
  const portid = NETLINK_CB(skb).portid;
  const e = fibmatch ? rt6_fill_node(nskb, from, RTM_NEWROUTE, portid, nlh.nlmsg_seq, 0) : rt6_fill_dst(nskb, from, daddr, saddr, portid, nlh.nlmsg_seq);
  if (e < 0) { kfree_skb(nskb); return e; }
  return nlmsg_unicast(rtnl!, nskb, portid);
}

export function ip6_route_init(): void {
  rtm_ipv6_policy = nla_policy_new(RTA_MAX);
  rtm_ipv6_policy[RTA_PREFSRC] = NLA_POLICY(0, 16);
  rtm_ipv6_policy[RTA_GATEWAY] = NLA_POLICY(0, 16);
  rtm_ipv6_policy[RTA_OIF] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_IIF] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_PRIORITY] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_METRICS] = NLA_POLICY(NLA_NESTED);
  rtm_ipv6_policy[RTA_MULTIPATH] = NLA_POLICY(0, <u16>offsetof<rtnexthop>());
  rtm_ipv6_policy[RTA_PREF] = NLA_POLICY(NLA_U8);
  rtm_ipv6_policy[RTA_ENCAP_TYPE] = NLA_POLICY(NLA_U16);
  rtm_ipv6_policy[RTA_ENCAP] = NLA_POLICY(NLA_NESTED);
  rtm_ipv6_policy[RTA_EXPIRES] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_UID] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_MARK] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_TABLE] = NLA_POLICY(NLA_U32);
  rtm_ipv6_policy[RTA_IP_PROTO] = NLA_POLICY(NLA_U8);
  rtm_ipv6_policy[RTA_SPORT] = NLA_POLICY(NLA_U16);
  rtm_ipv6_policy[RTA_DPORT] = NLA_POLICY(NLA_U16);
  rtm_ipv6_policy[RTA_NH_ID] = NLA_POLICY(NLA_U32);
  rtnl_register(AF_INET6, RTM_NEWROUTE, inet6_rtm_newroute, null);
  rtnl_register(AF_INET6, RTM_DELROUTE, inet6_rtm_delroute, null);
  rtnl_register(AF_INET6, RTM_GETROUTE, inet6_rtm_getroute, inet6_dump_fib);
}

export { RT_TABLE_LOCAL, RTN_LOCAL, RTN_MULTICAST };
