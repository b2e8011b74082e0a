/**
 * IPv4 routes: the routes addresses create (fib_add_ifaddr / fib_del_ifaddr), what a device going
 * down or away does to them, RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE for AF_INET and their
 * notifications to RTNLGRP_IPV4_ROUTE. Ref: net/ipv4/fib_frontend.c, fib_semantics.c (fib_dump_info)
 *
 * Models Linux 6.18: net/ipv4/fib_frontend.c, fib_semantics.c
 */
import { NLM_F_APPEND, NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import {
  RTM_DELROUTE, RTM_F_CLONED, RTM_F_FIB_MATCH, RTM_F_LOOKUP_TABLE, RTM_F_NOTIFY, RTM_F_PREFIX, RTM_GETROUTE,
  RTM_NEWROUTE, RTPROT_KERNEL, RTPROT_UNSPEC, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_NOWHERE,
  RT_SCOPE_UNIVERSE, rtgenmsg, rtmsg, rta_cacheinfo,
} from '../../include/uapi/linux/rtnetlink';
import {
  sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb,
  nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_attrdata, nlmsg_attrlen, nlmsg_unicast, netlink_strict_get_check,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, NL_SET_ERR_MSG_ATTR, nla_put_u32, nla_put, __nla_parse, nla_policy,
  nla_policy_new, NLA_POLICY, NLA_U32, NLA_U8, NL_VALIDATE_LIBERAL, NL_VALIDATE_STRICT,
  NL_VALIDATE_DEPRECATED_STRICT, nla_get_u32, nla_get_u8, nla_len, nla_data, NLA_U16,
} from '../../lib/nlattr';
import {
  net_device, __dev_get_by_index, netif_running, netif_carrier_ok, register_netdevice_notifier, NETDEV_UP, NETDEV_DOWN,
  NETDEV_UNREGISTER, NETDEV_CHANGE, IFF_LOOPBACK, IFF_UP,
} from '../core/dev';
import {
  rtnl_register, rtnl_notify, nlmsg_report, AF_INET, RTNLGRP_IPV4_ROUTE, rtnl,
} from '../core/rtnetlink';
import {
  fib_alias, fib_aliases, fib_insert_alias, fib_table_entries, fib_find_alias, fib_remove_alias, fib_table_lookup, RT_TABLE_MAIN, RT_TABLE_LOCAL, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST, RT_TABLE_COMPAT, fib_new_table, fib_get_table, fib_tables_hash_order,
} from './fib_trie';
import { inet_select_addr, __ip_dev_find } from './devinet';
import { current } from '../../kernel/sched';
import { EINVAL, EEXIST, ENOENT, ESRCH, ENODEV, ENETDOWN, ENETUNREACH, EHOSTUNREACH, EMSGSIZE, ENOBUFS, EOPNOTSUPP } from '../../include/uapi/asm-generic/errno';

export const RTA_DST: i32 = 1;
export const RTA_SRC: i32 = 2;
export const RTA_IIF: i32 = 3;
export const RTA_OIF: i32 = 4;
export const RTA_GATEWAY: i32 = 5;
export const RTA_PRIORITY: i32 = 6;
export const RTA_PREFSRC: i32 = 7;
export const RTA_METRICS: i32 = 8;
export const RTA_MULTIPATH: i32 = 9;
export const RTA_FLOW: i32 = 11;
export const RTA_CACHEINFO: i32 = 12;
export const RTA_TABLE: i32 = 15;
export const RTA_MARK: i32 = 16;
export const RTA_PREF: i32 = 20;
export const RTA_UID: i32 = 25;
export const RTA_IP_PROTO: i32 = 27;
export const RTA_SPORT: i32 = 28;
export const RTA_DPORT: i32 = 29;
export const RTA_MAX: i32 = 31;
export const RTNH_F_DEAD: u32 = 1;
export const RTNH_F_LINKDOWN: u32 = 16;

const abuf = memory.data(16);

/** Put a big-endian IPv4 address. Ref: nla_put_in_addr */
function nla_put_in_addr(skb: sk_buff, type: i32, host: u32): i32 {
  store<u32>(abuf, bswap<u32>(host));
  return nla_put(skb, type, 4, abuf);
}

/** The nexthop flags a dump shows: LINKDOWN while the device is up without carrier (host routes excepted). */
function fib_nh_flags(fa: fib_alias): u32 { return fa.nh_flags; }

/** sim: A new nexthop on a device without carrier is marked LINKDOWN (host routes excepted). Ref: fib_check_nh */
function fib_nh_init_flags(fa: fib_alias): void {
  const dev = __dev_get_by_index(fa.oif);
  fa.nh_flags = dev != null && fa.nh_scope != RT_SCOPE_NOWHERE && !netif_carrier_ok(dev) ? RTNH_F_LINKDOWN : 0;
}

/** One RTM_NEWROUTE / RTM_DELROUTE. Ref: fib_dump_info */
function fib_dump_info(skb: sk_buff, portid: u32, seq: u32, event: i32, fa: fib_alias, flags: i32, tb_id: u32 = 0xffffffff): i32 {
  const table = tb_id == 0xffffffff ? fa.table : tb_id;
  const nlh = nlmsg_put(skb, portid, seq, event, offsetof<rtmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  rtm.rtm_family = AF_INET;
  rtm.rtm_dst_len = fa.dst_len;
  rtm.rtm_src_len = 0;
  rtm.rtm_tos = fa.tos;
  rtm.rtm_table = <u8>(table < 256 ? table : RT_TABLE_COMPAT);
  rtm.rtm_protocol = fa.protocol;
  rtm.rtm_scope = fa.scope;
  rtm.rtm_type = fa.type;
  rtm.rtm_flags = fib_nh_flags(fa);
  if (nla_put_u32(skb, RTA_TABLE, table) ||
    (fa.dst_len && nla_put_in_addr(skb, RTA_DST, fa.dst)) ||
    (fa.priority && nla_put_u32(skb, RTA_PRIORITY, fa.priority)) ||
    (fa.prefsrc && nla_put_in_addr(skb, RTA_PREFSRC, fa.prefsrc)) ||
    (fa.gw && nla_put_in_addr(skb, RTA_GATEWAY, fa.gw)) ||
    (fa.oif && nla_put_u32(skb, RTA_OIF, fa.oif))) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Tell RTNLGRP_IPV4_ROUTE. Ref: rtmsg_fib */
function rtmsg_fib(event: i32, fa: fib_alias, portid: u32, nlh: nlmsghdr | null, nlm_flags: i32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (fib_dump_info(skb, portid, nlh ? nlh.nlmsg_seq : 0, event, fa, nlm_flags)) { kfree_skb(skb); return; }
  rtnl_notify(skb, portid, RTNLGRP_IPV4_ROUTE, nlmsg_report(nlh));
}

/** A route the kernel adds or removes for an address. Ref: fib_magic */
function fib_magic(cmd: i32, type: u8, dst: u32, dst_len: u8, prim_local: u32, oif: i32, rt_priority: u32): void {
  const table = type == RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
  fib_new_table(table);
  const scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK;
  const existing = fib_find_alias(table, dst, dst_len, 0, rt_priority);
  if (cmd == RTM_DELROUTE) {
    if (existing == null || existing.oif != oif || existing.type != type) return;
    fib_remove_alias(existing);
    rtmsg_fib(RTM_DELROUTE, existing, 0, null, 0);
    return;
  }
  if (existing != null && existing.type == type && existing.oif == oif && existing.prefsrc == prim_local) return; // -EEXIST, silently
  const fa = new fib_alias();
  fa.table = table;
  fa.dst = dst;
  fa.dst_len = dst_len;
  fa.type = type;
  fa.scope = scope;
  fa.protocol = RTPROT_KERNEL;
  fa.prefsrc = prim_local;
  fa.oif = oif;
  fa.priority = rt_priority;
  fa.nh_scope = scope == RT_SCOPE_HOST ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
  fib_nh_init_flags(fa);
  fib_insert_alias(fa);
  rtmsg_fib(RTM_NEWROUTE, fa, 0, null, <i32>(NLM_F_EXCL | NLM_F_CREATE));
}

/** The routes of a new address: local, then (device up) the prefix and its broadcast. Ref: fib_add_ifaddr */
export function fib_add_ifaddr(dev: net_device, local: u32, address: u32, prefixlen: u8, secondary: bool, prim_local: u32, rt_priority: u32, noprefixroute: bool): void {
  const mask: u32 = prefixlen == 0 ? 0 : <u32>(0xffffffff << (32 - prefixlen));
  const prefix = address & mask;
  fib_magic(RTM_NEWROUTE, RTN_LOCAL, local, 32, prim_local, dev.ifindex, 0);
  if (!(dev.flags & IFF_UP)) return;
  if (prefix != 0 && !secondary && (prefix != address || prefixlen < 32)) {
    if (!noprefixroute) fib_magic(RTM_NEWROUTE, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, prefix, prefixlen, prim_local, dev.ifindex, rt_priority);
    if (prefixlen < 31) fib_magic(RTM_NEWROUTE, RTN_BROADCAST, prefix | ~mask, 32, prim_local, dev.ifindex, 0);
  }
}

/** The routes of an address going away: prefix, broadcast, local. Ref: fib_del_ifaddr */
export function fib_del_ifaddr(dev: net_device, local: u32, address: u32, prefixlen: u8, secondary: bool, prim_local: u32, rt_priority: u32,
  brd_ok: bool, local_ok: bool): void {
  const mask: u32 = prefixlen == 0 ? 0 : <u32>(0xffffffff << (32 - prefixlen));
  const prefix = address & mask;
  if (!secondary) fib_magic(RTM_DELROUTE, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, prefix, prefixlen, prim_local, dev.ifindex, rt_priority);
  // Routes another address of the device still needs stay (the "ok" bits of fib_del_ifaddr).
  if (prefixlen < 31 && !brd_ok) fib_magic(RTM_DELROUTE, RTN_BROADCAST, prefix | ~mask, 32, prim_local, dev.ifindex, 0);
  if (!local_ok) fib_magic(RTM_DELROUTE, RTN_LOCAL, local, 32, prim_local, dev.ifindex, 0);
}

/** Drop a device's routes without telling anyone (host routes stay unless it is unregistered). Ref: fib_sync_down_dev + fib_flush */
function fib_sync_down_dev(dev: net_device, force: bool): void {
  for (let i = fib_aliases.length - 1; i >= 0; i--) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.oif != dev.ifindex) continue;
    if (!force && fa.nh_scope == RT_SCOPE_NOWHERE) continue;
    fib_aliases.splice(i, 1);
  }
}

/** Ref: fib_netdev_event */
function fib_netdev_event(event: i32, dev: net_device): void {
  if (event == NETDEV_CHANGE) {
    // Carrier lost: LINKDOWN on the device's nexthops; carrier back: cleared. Ref: fib_sync_down_dev / fib_sync_up
    for (let i = 0; i < fib_aliases.length; i++) {
      const fa = unchecked(fib_aliases[i]);
      if (fa.oif != dev.ifindex || fa.nh_scope == RT_SCOPE_NOWHERE) continue;
      fa.nh_flags = netif_carrier_ok(dev) ? 0 : RTNH_F_LINKDOWN;
    }
  }
  if (event == NETDEV_DOWN) fib_sync_down_dev(dev, false);
  else if (event == NETDEV_UNREGISTER) fib_sync_down_dev(dev, true);
  else if (event == NETDEV_UP) fib_netdev_up_hook(dev);
}
/** Set by devinet: re-add the routes of every address when a device comes up. */
let fib_netdev_up_hook: (dev: net_device) => void = (dev: net_device): void => {};
/** sim: devinet registers here what a device coming up does to its addresses' routes (Linux: fib_netdev_event on the notifier chain). */
export function set_fib_netdev_up(f: (dev: net_device) => void): void { fib_netdev_up_hook = f; }

// ---- requests -------------------------------------------------------------------------------------

let rtm_ipv4_policy: nla_policy[] = [];


/** Ref: rtm_to_fib_config (the part that shows) */
function rtm_to_fib_config(nlh: nlmsghdr, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < offsetof<rtmsg>()) return -EINVAL;
  const err = __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  if (rtm.rtm_dst_len > 32) { NL_SET_ERR_MSG(extack, 'Invalid prefix length'); return -EINVAL; }
  if (tb[RTA_DST] && nla_len(tb[RTA_DST]) != 4) return -EINVAL;
  return 0;
}

/** sim: RTA_DST in host order, 0 when absent (rtm_to_fib_config's part for the key). */
function get_dst(tb: StaticArray<usize>): u32 { return tb[RTA_DST] ? bswap<u32>(load<u32>(nla_data(tb[RTA_DST]))) : 0; }
/** sim: RTA_TABLE, else rtm_table, and main for 0 (rtm_to_fib_config's part for the table). */
function get_table(rtm: rtmsg, tb: StaticArray<usize>): u32 {
  let t: u32 = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : <u32>rtm.rtm_table;
  return t == 0 ? RT_TABLE_MAIN : t;
}

/** RTM_NEWROUTE for AF_INET. Ref: inet_rtm_newroute → fib_table_insert */
function inet_rtm_newroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  let err = rtm_to_fib_config(nlh, tb, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const dst_len = rtm.rtm_dst_len;
  const dst = get_dst(tb);
  const mask: u32 = dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - dst_len));
  if (dst & ~mask) { NL_SET_ERR_MSG(extack, 'Invalid prefix for given prefix length'); return -EINVAL; }
  const table = get_table(rtm, tb);
  const type = rtm.rtm_type;
  const scope = rtm.rtm_scope;
  if (type != RTN_UNICAST) { NL_SET_ERR_MSG(extack, 'sim: only unicast routes are modelled'); return -EOPNOTSUPP; }
  if (scope > RT_SCOPE_HOST) { NL_SET_ERR_MSG(extack, 'Invalid scope'); return -EINVAL; }
  const priority: u32 = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
  const gw: u32 = tb[RTA_GATEWAY] ? bswap<u32>(load<u32>(nla_data(tb[RTA_GATEWAY]))) : 0;
  let oif: i32 = tb[RTA_OIF] ? <i32>nla_get_u32(tb[RTA_OIF]) : 0;
  // fib_check_nh: the nexthop's device must exist and be up; a gateway must be on a link route.
  let dev: net_device | null = null;
  if (oif) {
    dev = __dev_get_by_index(oif);
    if (dev == null) return -ENODEV;
  }
  if (gw) {
    const via = fib_table_lookup(RT_TABLE_MAIN, gw);
    const local = fib_table_lookup(RT_TABLE_LOCAL, gw);
    if (local != null && local.type == RTN_LOCAL) { NL_SET_ERR_MSG(extack, 'Nexthop has invalid gateway'); return -EINVAL; }
    if (via == null || via.scope < RT_SCOPE_LINK || via.type != RTN_UNICAST || (oif && via.oif != oif)) {
      NL_SET_ERR_MSG(extack, 'Nexthop has invalid gateway');
      return -ENETUNREACH;
    }
    oif = via.oif;
    dev = __dev_get_by_index(oif);
  } else if (dev == null) {
    return -ENODEV; // fib_check_nh_nongw: no inet device for oif 0
  }
  if (dev == null || !netif_running(dev)) { NL_SET_ERR_MSG(extack, 'Device for nexthop is not up'); return -ENETDOWN; }

  const flags = nlh.nlmsg_flags;
  const existing = fib_find_alias(table, dst, dst_len, rtm.rtm_tos, priority);
  let nlflags: i32 = NLM_F_EXCL;
  if (existing != null) {
    if (flags & NLM_F_EXCL) return -EEXIST;
    if (flags & NLM_F_REPLACE) {
      fib_remove_alias(existing);
      nlflags = NLM_F_REPLACE;
    } else if (existing.type == type && existing.gw == gw && existing.oif == oif && existing.scope == scope) {
      return -EEXIST;
    }
  } else {
    if (!(flags & NLM_F_CREATE)) return -ENOENT;
  }
  nlflags |= NLM_F_CREATE;
  if (flags & NLM_F_APPEND) nlflags |= NLM_F_APPEND;
  const fa = new fib_alias();
  fa.table = table;
  fa.dst = dst;
  fa.dst_len = dst_len;
  fa.tos = rtm.rtm_tos;
  fa.type = type;
  fa.scope = scope;
  fa.protocol = rtm.rtm_protocol;
  fa.priority = priority;
  fa.gw = gw;
  fa.oif = oif;
  fa.prefsrc = tb[RTA_PREFSRC] ? bswap<u32>(load<u32>(nla_data(tb[RTA_PREFSRC]))) : 0;
  fa.nh_scope = gw ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  fib_nh_init_flags(fa);
  fib_new_table(table);
  fib_insert_alias(fa);
  rtmsg_fib(RTM_NEWROUTE, fa, NETLINK_CB(skb).portid, nlh, nlflags);
  return 0;
}

/** RTM_DELROUTE for AF_INET. Ref: inet_rtm_delroute → fib_table_delete */
function inet_rtm_delroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  const err = rtm_to_fib_config(nlh, tb, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const dst_len = rtm.rtm_dst_len;
  const dst = get_dst(tb);
  const mask: u32 = dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - dst_len));
  if (dst & ~mask) { NL_SET_ERR_MSG(extack, 'Invalid prefix for given prefix length'); return -EINVAL; }
  const table = get_table(rtm, tb);
  if (fib_get_table(table) == null) { NL_SET_ERR_MSG(extack, 'FIB table does not exist'); return -ESRCH; }
  const type = rtm.rtm_type;
  const scope = rtm.rtm_scope;
  const oif: i32 = tb[RTA_OIF] ? <i32>nla_get_u32(tb[RTA_OIF]) : 0;
  const gw: u32 = tb[RTA_GATEWAY] ? bswap<u32>(load<u32>(nla_data(tb[RTA_GATEWAY]))) : 0;
  const prio: u32 = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
  for (let i = 0; i < fib_aliases.length; i++) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.table != table || fa.dst != dst || fa.dst_len != dst_len) continue;
    if (type && fa.type != type) continue;
    if (scope != RT_SCOPE_NOWHERE && fa.scope != scope) continue;
    if (tb[RTA_PRIORITY] && fa.priority != prio) continue;
    if (oif && fa.oif != oif) continue;
    if (gw && fa.gw != gw) continue;
    if (rtm.rtm_protocol && fa.protocol != rtm.rtm_protocol) continue;
    fib_remove_alias(fa);
    rtmsg_fib(RTM_DELROUTE, fa, NETLINK_CB(skb).portid, nlh, 0);
    return 0;
  }
  return -ESRCH;
}


/** What a strict route dump asked for. Ref: struct fib_dump_filter */
export class fib_dump_filter {
  table_id: u32 = 0;
  dev: i32 = 0;
  protocol: u8 = 0;
  rt_type: u8 = 0;
  flags: u32 = 0;
  filter_set: bool = false;
}

/** The route dump's request check (strict checking), filling the filter. Ref: ip_valid_fib_dump_req */
export function ip_valid_fib_dump_req(cb: netlink_callback, filter: fib_dump_filter): i32 {
  const nlh = cb.nlh;
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<rtmsg>()) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid header for FIB dump request');
    return -EINVAL;
  }
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  if (rtm.rtm_dst_len || rtm.rtm_src_len || rtm.rtm_tos || rtm.rtm_scope) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for FIB dump request');
    return -EINVAL;
  }
  if (rtm.rtm_flags & ~(RTM_F_CLONED | RTM_F_PREFIX)) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid flags for FIB dump request');
    return -EINVAL;
  }
  filter.flags = rtm.rtm_flags;
  filter.protocol = rtm.rtm_protocol;
  filter.rt_type = rtm.rtm_type;
  filter.table_id = rtm.rtm_table;
  const err = __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv4_policy, NL_VALIDATE_DEPRECATED_STRICT, cb.extack);
  if (err < 0) return err;
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb[i]) continue;
    if (i == RTA_TABLE) filter.table_id = nla_get_u32(tb[i]);
    else if (i == RTA_OIF) {
      const ifindex = <i32>nla_get_u32(tb[i]);
      if (__dev_get_by_index(ifindex) == null) return -ENODEV;
      filter.dev = ifindex;
    } else {
      NL_SET_ERR_MSG(cb.extack, 'Unsupported attribute in dump request');
      return -EINVAL;
    }
  }
  if (filter.flags || filter.protocol || filter.rt_type || filter.table_id || filter.dev) {
    filter.filter_set = true;
    cb.answer_flags = <u16>NLM_F_DUMP_FILTERED;
  }
  return 0;
}

/** sim: Whether a route passes a dump filter. Ref: fn_trie_dump_leaf's checks */
function fib_filter_match(fa: fib_alias, f: fib_dump_filter): bool {
  if (!f.filter_set) return true;
  if (f.rt_type && fa.type != f.rt_type) return false;
  if (f.protocol && fa.protocol != f.protocol) return false;
  if (f.dev && fa.oif != f.dev) return false;
  return true;
}

/** The AF_INET route dump: every table in hash order, or the one a strict request names. Ref: inet_dump_fib */
function inet_dump_fib(skb: sk_buff, cb: netlink_callback): i32 {
  const filter = new fib_dump_filter();
  const nlh = cb.nlh;
  if (cb.strict_check) {
    const err = ip_valid_fib_dump_req(cb, filter);
    if (err < 0) return err;
  } else if (nlmsg_len(nlh) >= offsetof<rtmsg>()) {
    const rtm = changetype<rtmsg>(nlmsg_data(nlh));
    filter.flags = rtm.rtm_flags & (RTM_F_PREFIX | RTM_F_CLONED);
  }
  // ipv4 does not use the prefix flag; RTM_F_CLONED asks for exceptions only (PMTU, redirects),
  // which need traffic: none here.
  if (filter.flags & (RTM_F_PREFIX | RTM_F_CLONED)) return <i32>skb.len;
  let tables = fib_tables_hash_order();
  if (filter.table_id) {
    const tb = fib_get_table(filter.table_id);
    if (tb == null) {
      if (changetype<rtgenmsg>(nlmsg_data(nlh)).rtgen_family != AF_INET) return <i32>skb.len;
      NL_SET_ERR_MSG(cb.extack, 'ipv4: FIB table does not exist');
      return -ENOENT;
    }
    tables = [tb];
  }
  const all: fib_alias[] = [];
  for (let t = 0; t < tables.length; t++) {
    const e = fib_table_entries(unchecked(tables[t]).tb_id);
    for (let i = 0; i < e.length; i++) all.push(unchecked(e[i]));
  }
  const flags = filter.filter_set ? NLM_F_MULTI | NLM_F_DUMP_FILTERED : NLM_F_MULTI;
  let idx = <i32>cb.args[0];
  for (; idx < all.length; idx++) {
    const fa = unchecked(all[idx]);
    if (!fib_filter_match(fa, filter)) continue;
    if (fib_dump_info(skb, NETLINK_CB(cb.skb).portid, nlh.nlmsg_seq, RTM_NEWROUTE, fa, flags) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

// ---- RTM_GETROUTE for one destination -------------------------------------------------------------

const RTCF_NOTIFY: u32 = 0x00010000;
const RTCF_BROADCAST: u32 = 0x10000000;
const RTCF_MULTICAST: u32 = 0x20000000;
const RTCF_LOCAL: u32 = 0x80000000;
const LOOPBACK_IFINDEX: i32 = 1;
const INADDR_LOOPBACK: u32 = 0x7f000001;

function ipv4_is_multicast(a: u32): bool { return (a & 0xf0000000) == 0xe0000000; }
function ipv4_is_lbcast(a: u32): bool { return a == 0xffffffff; }
function ipv4_is_zeronet(a: u32): bool { return (a & 0xff000000) == 0; }
function ipv4_is_loopback(a: u32): bool { return (a & 0xff000000) == 0x7f000000; }
function ipv4_is_local_multicast(a: u32): bool { return (a & 0xffffff00) == 0xe0000000; }

/** struct flowi4 and the struct rtable made from it, as far as a route lookup shows them. */
class flowi4 {
  daddr: u32 = 0;
  saddr: u32 = 0;
  oif: i32 = 0;
  mark: u32 = 0;
  uid: u32 = 0;
}
class rtable {
  rt_type: u8 = RTN_UNICAST;
  rt_flags: u32 = 0;
  dev: i32 = 0;
  gw: u32 = 0;
  /** What the lookup found (struct fib_result): the alias, or null for the on-link fallback. */
  res: fib_alias | null = null;
}

/**
 * fib_lookup without custom rules: one trie holds local and main (the tables are merged until a
 * rule is added), longest prefix first; among one prefix the first alias in table order.
 * Ref: fib_lookup, fib_table_lookup
 */
function fib_lookup(fl4: flowi4): fib_alias | null {
  let best: fib_alias | null = null;
  for (let i = 0; i < fib_aliases.length; i++) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.table != RT_TABLE_MAIN && fa.table != RT_TABLE_LOCAL) continue;
    const mask: u32 = fa.dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - fa.dst_len));
    if ((fl4.daddr & mask) != fa.dst) continue;
    if (fa.nh_flags & RTNH_F_DEAD) continue;
    if (fl4.oif && fa.oif != fl4.oif) continue;
    if (best == null || fa.dst_len > best.dst_len || (fa.dst_len == best.dst_len && fa.table == RT_TABLE_LOCAL && best.table != RT_TABLE_LOCAL)) best = fa;
  }
  return best;
}

/** An output route for fl4: the error, or the rtable in `rt`. Ref: ip_route_output_key_hash_rcu, __mkroute_output */
function ip_route_output_key_hash_rcu(fl4: flowi4, rt: rtable): i32 {
  let flags: u32 = 0;
  let dev_out: net_device | null = null;
  let type: u8 = RTN_UNICAST;
  let make = false;
  if (fl4.saddr) {
    if (ipv4_is_multicast(fl4.saddr) || ipv4_is_lbcast(fl4.saddr) || ipv4_is_zeronet(fl4.saddr)) return -EINVAL;
    // It is equivalent to inet_addr_type(saddr) == RTN_LOCAL
    if (__ip_dev_find(fl4.saddr) == null) return -ENETUNREACH;
  }
  if (fl4.oif) {
    dev_out = __dev_get_by_index(fl4.oif);
    if (dev_out == null) return -ENODEV;
    if (!netif_running(dev_out)) return -ENETUNREACH;
    if (ipv4_is_local_multicast(fl4.daddr) || ipv4_is_lbcast(fl4.daddr)) {
      if (!fl4.saddr) fl4.saddr = inet_select_addr(dev_out, 0, RT_SCOPE_LINK);
      make = true;
    } else if (!fl4.saddr) {
      if (ipv4_is_multicast(fl4.daddr)) fl4.saddr = inet_select_addr(dev_out, 0, RT_SCOPE_UNIVERSE);
      else if (!fl4.daddr) fl4.saddr = inet_select_addr(dev_out, 0, RT_SCOPE_HOST);
    }
  }
  if (!make && !fl4.daddr) {
    fl4.daddr = fl4.saddr;
    if (!fl4.daddr) fl4.daddr = fl4.saddr = INADDR_LOOPBACK;
    dev_out = __dev_get_by_index(LOOPBACK_IFINDEX);
    fl4.oif = LOOPBACK_IFINDEX;
    type = RTN_LOCAL;
    flags |= RTCF_LOCAL;
    make = true;
  }
  if (!make) {
    const res = fib_lookup(fl4);
    if (res == null) {
      if (fl4.oif) {
        // Apparently, routing tables are wrong. Assume, that the destination is on link.
        if (!fl4.saddr) fl4.saddr = inet_select_addr(dev_out!, 0, RT_SCOPE_LINK);
        type = RTN_UNICAST;
      } else return -ENETUNREACH;
    } else {
      rt.res = res;
      type = res.type;
      if (res.type == RTN_LOCAL) {
        if (!fl4.saddr) fl4.saddr = res.prefsrc ? res.prefsrc : fl4.daddr;
        dev_out = __dev_get_by_index(LOOPBACK_IFINDEX);
        fl4.oif = LOOPBACK_IFINDEX;
        flags |= RTCF_LOCAL;
      } else {
        // fib_select_path: the nexthop's preferred source, else one picked on its device.
        dev_out = __dev_get_by_index(res.oif);
        if (!fl4.saddr) fl4.saddr = res.prefsrc ? res.prefsrc : inet_select_addr(dev_out!, res.gw, res.gw ? RT_SCOPE_LINK : RT_SCOPE_HOST);
        if (res.type != RTN_BROADCAST && res.gw && res.nh_scope == RT_SCOPE_LINK) rt.gw = res.gw;
      }
    }
  }
  // __mkroute_output
  if (dev_out == null) return -ENODEV;
  if (ipv4_is_loopback(fl4.daddr) && !(dev_out.flags & IFF_LOOPBACK)) return -EINVAL;
  if (ipv4_is_lbcast(fl4.daddr)) type = RTN_BROADCAST;
  else if (ipv4_is_multicast(fl4.daddr)) type = RTN_MULTICAST;
  else if (ipv4_is_zeronet(fl4.daddr)) return -EINVAL;
  if (dev_out.flags & IFF_LOOPBACK) flags |= RTCF_LOCAL;
  if (type == RTN_BROADCAST) { flags |= RTCF_BROADCAST | RTCF_LOCAL; rt.gw = 0; }
  else if (type == RTN_MULTICAST) {
    // RTCF_LOCAL when the device has joined the group (ip_check_mc_rcu). sim: groups are not
    // modelled beyond all-hosts (224.0.0.1), which every running IPv4 device joins (ip_mc_up).
    flags |= RTCF_MULTICAST | RTCF_LOCAL;
    if (!(fl4.daddr == 0xe0000001 && netif_running(dev_out))) flags &= ~RTCF_LOCAL;
    // fib_info of a default-ish multicast route is not used for the gateway (res->prefixlen < 4).
    if (rt.res != null && rt.res!.dst_len < 4) rt.gw = 0;
  }
  rt.rt_type = type;
  rt.rt_flags = flags;
  rt.dev = dev_out.ifindex;
  return 0;
}

const rci = memory.data(offsetof<rta_cacheinfo>());

/** One resolved route. Ref: rt_fill_info */
function rt_fill_info(skb: sk_buff, dst: u32, src: u32, rt: rtable, table_id: u32, fl4: flowi4, portid: u32, seq: u32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWROUTE, offsetof<rtmsg>(), 0);
  if (!nlh) return -EMSGSIZE;
  const r = changetype<rtmsg>(nlmsg_data(nlh));
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 32;
  r.rtm_src_len = 0;
  // 6.18 answers rtm_tos 0 whatever the request carried (observed: tos 4 comes back as 0).
  r.rtm_tos = 0;
  r.rtm_table = <u8>(table_id < 256 ? table_id : RT_TABLE_COMPAT);
  r.rtm_protocol = RTPROT_UNSPEC;
  r.rtm_scope = RT_SCOPE_UNIVERSE;
  r.rtm_type = rt.rt_type;
  r.rtm_flags = (rt.rt_flags & ~<u32>0xffff) | RTM_F_CLONED;
  if (rt.rt_flags & RTCF_NOTIFY) r.rtm_flags |= RTM_F_NOTIFY;
  if (nla_put_u32(skb, RTA_TABLE, table_id) || nla_put_in_addr(skb, RTA_DST, dst)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  if (src) {
    r.rtm_src_len = 32;
    if (nla_put_in_addr(skb, RTA_SRC, src)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  }
  if ((rt.dev && nla_put_u32(skb, RTA_OIF, rt.dev)) ||
    (fl4.saddr != src && nla_put_in_addr(skb, RTA_PREFSRC, fl4.saddr)) ||
    (rt.gw && nla_put_in_addr(skb, RTA_GATEWAY, rt.gw)) ||
    (fl4.mark && nla_put_u32(skb, RTA_MARK, fl4.mark)) ||
    nla_put_u32(skb, RTA_UID, fl4.uid)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  // rtnl_put_cacheinfo: the dst's reference count and last use (sim: 1 and 0 — in Linux they
  // depend on the per-CPU route cache and on time), no expiry, no error.
  const ci = changetype<rta_cacheinfo>(rci);
  memory.fill(rci, 0, offsetof<rta_cacheinfo>());
  ci.rta_clntref = 1;
  if (nla_put(skb, RTA_CACHEINFO, offsetof<rta_cacheinfo>(), rci)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nlmsg_end(skb, nlh);
  return 0;
}

/** The strict checks of a route get request, and its attributes. Ref: inet_rtm_valid_getroute_req */
function inet_rtm_valid_getroute_req(skb: sk_buff, nlh: nlmsghdr, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (!netlink_strict_get_check(skb)) {
    if (nlmsg_len(nlh) < offsetof<rtmsg>()) return -EINVAL;
    return __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  }
  if (nlmsg_len(nlh) < offsetof<rtmsg>()) {
    NL_SET_ERR_MSG(extack, 'ipv4: Invalid header for route get request');
    return -EINVAL;
  }
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const src_len = rtm.rtm_src_len, dst_len = rtm.rtm_dst_len;
  if ((src_len && src_len != 32) || (dst_len && dst_len != 32) || rtm.rtm_table || rtm.rtm_protocol || rtm.rtm_scope || rtm.rtm_type) {
    NL_SET_ERR_MSG(extack, 'ipv4: Invalid values in header for route get request');
    return -EINVAL;
  }
  if (rtm.rtm_flags & ~(RTM_F_NOTIFY | RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH)) {
    NL_SET_ERR_MSG(extack, 'ipv4: Unsupported rtm_flags for route get request');
    return -EINVAL;
  }
  const err = __nla_parse(tb, RTA_MAX, nlmsg_attrdata(nlh, offsetof<rtmsg>()), nlmsg_attrlen(nlh, offsetof<rtmsg>()), rtm_ipv4_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (err) return err;
  if ((tb[RTA_SRC] && !src_len) || (tb[RTA_DST] && !dst_len)) {
    NL_SET_ERR_MSG(extack, 'ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4');
    return -EINVAL;
  }
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb[i]) continue;
    if (i == RTA_IIF || i == RTA_OIF || i == RTA_SRC || i == RTA_DST || i == RTA_IP_PROTO || i == RTA_SPORT || i == RTA_DPORT || i == RTA_MARK || i == RTA_UID) continue;
    NL_SET_ERR_MSG(extack, 'ipv4: Unsupported attribute in route get request');
    return -EINVAL;
  }
  return 0;
}

/** RTM_GETROUTE for one IPv4 destination (`ip route get`). Ref: inet_rtm_getroute */
function inet_rtm_getroute(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  let err = inet_rtm_valid_getroute_req(skb, nlh, tb, extack);
  if (err < 0) return err;
  const rtm = changetype<rtmsg>(nlmsg_data(nlh));
  const rflags = rtm.rtm_flags;
  const src: u32 = tb[RTA_SRC] ? bswap<u32>(load<u32>(nla_data(tb[RTA_SRC]))) : 0;
  const dst: u32 = tb[RTA_DST] ? bswap<u32>(load<u32>(nla_data(tb[RTA_DST]))) : 0;
  const iif: u32 = tb[RTA_IIF] ? nla_get_u32(tb[RTA_IIF]) : 0;
  if (iif) {
    // sim: input routes (a packet arriving on iif) are not modelled.
    NL_SET_ERR_MSG(extack, 'sim: route lookups for input (RTA_IIF) are not modelled');
    return -EOPNOTSUPP;
  }
  const fl4 = new flowi4();
  fl4.daddr = dst;
  fl4.saddr = src;
  fl4.oif = tb[RTA_OIF] ? <i32>nla_get_u32(tb[RTA_OIF]) : 0;
  fl4.mark = tb[RTA_MARK] ? nla_get_u32(tb[RTA_MARK]) : 0;
  fl4.uid = tb[RTA_UID] ? nla_get_u32(tb[RTA_UID]) : current.uid;
  const rt = new rtable();
  err = ip_route_output_key_hash_rcu(fl4, rt);
  if (err) return err;
  if (rflags & RTM_F_NOTIFY) rt.rt_flags |= RTCF_NOTIFY;
  // The lookup's table: the merged main table (its id, 254), none for the on-link fallback.
  let table_id: u32 = RT_TABLE_MAIN;
  if (rflags & RTM_F_LOOKUP_TABLE) table_id = rt.res != null ? RT_TABLE_MAIN : 0;
  const nskb = nlmsg_new(512);
  if (nskb == null) return -ENOBUFS;
  const portid = NETLINK_CB(skb).portid;
  if (rflags & RTM_F_FIB_MATCH) {
    const res = rt.res;
    if (res == null) { kfree_skb(nskb); return -EHOSTUNREACH; }
    err = fib_dump_info(nskb, portid, nlh.nlmsg_seq, RTM_NEWROUTE, res, 0, table_id);
  } else {
    err = rt_fill_info(nskb, dst, src, rt, table_id, fl4, portid, nlh.nlmsg_seq);
  }
  if (err < 0) { kfree_skb(nskb); return err; }
  return nlmsg_unicast(rtnl!, nskb, portid);
}

export function ip_fib_init(): void {
  rtm_ipv4_policy = nla_policy_new(RTA_MAX);
  rtm_ipv4_policy[RTA_DST] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_SRC] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_IIF] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_OIF] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_GATEWAY] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_PRIORITY] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_PREFSRC] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_FLOW] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_TABLE] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_MARK] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_UID] = NLA_POLICY(NLA_U32);
  rtm_ipv4_policy[RTA_IP_PROTO] = NLA_POLICY(NLA_U8);
  rtm_ipv4_policy[RTA_SPORT] = NLA_POLICY(NLA_U16);
  rtm_ipv4_policy[RTA_DPORT] = NLA_POLICY(NLA_U16);
  register_netdevice_notifier(fib_netdev_event);
  rtnl_register(AF_INET, RTM_NEWROUTE, inet_rtm_newroute, null);
  rtnl_register(AF_INET, RTM_DELROUTE, inet_rtm_delroute, null);
  rtnl_register(AF_INET, RTM_GETROUTE, inet_rtm_getroute, inet_dump_fib);
}
