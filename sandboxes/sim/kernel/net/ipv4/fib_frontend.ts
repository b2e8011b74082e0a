/**
 * IPv4 routes: the routes addresses create (fib_add_ifaddr / fib_del_ifaddr), what a device going
 * down or away does to them, RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE for AF_INET and their
 * notifications to RTNLGRP_IPV4_ROUTE. Ref: net/ipv4/fib_frontend.c, fib_semantics.c (fib_dump_info)
 */
import {
  sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb,
  nlmsghdr_flags, nlmsghdr_seq, NETLINK_CB, NLMSG_ALIGN, NLM_F_MULTI,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, NL_SET_ERR_MSG_ATTR, nla_put_u32, nla_put, __nla_parse, nla_policy, nla_policy_new, NLA_POLICY,
  NLA_U32, NLA_U8, NL_VALIDATE_LIBERAL, NL_VALIDATE_STRICT, nla_get_u32, nla_get_u8, nla_len, nla_data,
} from '../../lib/nlattr';
import {
  net_device, __dev_get_by_index, netif_running, netif_carrier_ok, register_netdevice_notifier, NETDEV_UP, NETDEV_DOWN,
  NETDEV_UNREGISTER, NETDEV_CHANGE, IFF_LOOPBACK, IFF_UP,
} from '../core/dev';
import { rtnl_register, rtnl_notify, nlmsg_report, AF_INET, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND, RTNLGRP_IPV4_ROUTE } from '../core/rtnetlink';
import {
  fib_alias, fib_aliases, fib_insert_alias, fib_table_entries, fib_find_alias, fib_remove_alias, fib_table_lookup,
  RT_TABLE_MAIN, RT_TABLE_LOCAL, RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RT_SCOPE_UNIVERSE, RT_SCOPE_LINK, RT_SCOPE_HOST, RT_SCOPE_NOWHERE, RTPROT_KERNEL,
} from './fib_trie';
import { EINVAL, EEXIST, ENOENT, ESRCH, ENODEV, ENETDOWN, ENETUNREACH, EMSGSIZE, ENOBUFS, EOPNOTSUPP } from '../../include/uapi/asm-generic/errno';

export const RTM_NEWROUTE: i32 = 24;
export const RTM_DELROUTE: i32 = 25;
export const RTM_GETROUTE: i32 = 26;
export const RTMSG_SIZE: i32 = 12;
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
export const RTA_MAX: i32 = 31;
export const RTNH_F_DEAD: u32 = 1;
export const RTNH_F_LINKDOWN: u32 = 16;
export const RTM_F_CLONED: u32 = 0x200;
export const RTM_F_PREFIX: u32 = 0x800;
export const RTM_F_FIB_MATCH: u32 = 0x2000;

const abuf = memory.data(16);

/** Put a big-endian IPv4 address. Ref: nla_put_in_addr */
function nla_put_in_addr(skb: sk_buff, type: i32, host: u32): i32 {
  store<u32>(abuf, bswap<u32>(host));
  return nla_put(skb, type, 4, abuf);
}

/** The nexthop flags a dump shows: LINKDOWN while the device is up without carrier (host routes excepted). */
function fib_nh_flags(fa: fib_alias): u32 { return fa.nh_flags; }

/** A new nexthop on a device without carrier is marked LINKDOWN (host routes excepted). Ref: fib_check_nh */
function fib_nh_init_flags(fa: fib_alias): void {
  const dev = __dev_get_by_index(fa.oif);
  fa.nh_flags = dev != null && fa.nh_scope != RT_SCOPE_NOWHERE && !netif_carrier_ok(dev) ? RTNH_F_LINKDOWN : 0;
}

/** One RTM_NEWROUTE / RTM_DELROUTE. Ref: fib_dump_info */
function fib_dump_info(skb: sk_buff, portid: u32, seq: u32, event: i32, fa: fib_alias, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, event, RTMSG_SIZE, flags);
  if (!nlh) return -EMSGSIZE;
  const rtm = nlmsg_data(nlh);
  store<u8>(rtm, AF_INET);
  store<u8>(rtm, fa.dst_len, 1);
  store<u8>(rtm, 0, 2);
  store<u8>(rtm, fa.tos, 3);
  store<u8>(rtm, <u8>(fa.table < 256 ? fa.table : 252), 4);
  store<u8>(rtm, fa.protocol, 5);
  store<u8>(rtm, fa.scope, 6);
  store<u8>(rtm, fa.type, 7);
  store<u32>(rtm, fib_nh_flags(fa), 8);
  if (nla_put_u32(skb, RTA_TABLE, fa.table) ||
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
function rtmsg_fib(event: i32, fa: fib_alias, portid: u32, nlh: usize, nlm_flags: i32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (fib_dump_info(skb, portid, nlh ? nlmsghdr_seq(nlh) : 0, event, fa, nlm_flags)) { kfree_skb(skb); return; }
  rtnl_notify(skb, portid, RTNLGRP_IPV4_ROUTE, nlmsg_report(nlh));
}

/** A route the kernel adds or removes for an address. Ref: fib_magic */
function fib_magic(cmd: i32, type: u8, dst: u32, dst_len: u8, prim_local: u32, oif: i32, rt_priority: u32): void {
  const table = type == RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL;
  const scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_LINK;
  const existing = fib_find_alias(table, dst, dst_len, 0, rt_priority);
  if (cmd == RTM_DELROUTE) {
    if (existing == null || existing.oif != oif || existing.type != type) return;
    fib_remove_alias(existing);
    rtmsg_fib(RTM_DELROUTE, existing, 0, 0, 0);
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
  rtmsg_fib(RTM_NEWROUTE, fa, 0, 0, <i32>(NLM_F_EXCL | NLM_F_CREATE));
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
export function set_fib_netdev_up(f: (dev: net_device) => void): void { fib_netdev_up_hook = f; }

// ---- requests -------------------------------------------------------------------------------------

let rtm_ipv4_policy: nla_policy[] = [];

function rtm_attrs(nlh: usize): usize { return nlh + 16 + <usize>NLMSG_ALIGN(RTMSG_SIZE); }
function rtm_attrs_len(nlh: usize): i32 { return <i32>load<u32>(nlh) - 16 - NLMSG_ALIGN(RTMSG_SIZE); }

/** Ref: rtm_to_fib_config (the part that shows) */
function rtm_to_fib_config(nlh: usize, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < RTMSG_SIZE) return -EINVAL;
  const err = __nla_parse(tb, RTA_MAX, rtm_attrs(nlh), rtm_attrs_len(nlh), rtm_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const rtm = nlmsg_data(nlh);
  if (load<u8>(rtm, 1) > 32) { NL_SET_ERR_MSG(extack, 'Invalid prefix length'); return -EINVAL; }
  if (tb[RTA_DST] && nla_len(tb[RTA_DST]) != 4) return -EINVAL;
  return 0;
}

function get_dst(tb: StaticArray<usize>): u32 { return tb[RTA_DST] ? bswap<u32>(load<u32>(nla_data(tb[RTA_DST]))) : 0; }
function get_table(rtm: usize, tb: StaticArray<usize>): u32 {
  let t: u32 = tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : <u32>load<u8>(rtm, 4);
  return t == 0 ? RT_TABLE_MAIN : t;
}

/** RTM_NEWROUTE for AF_INET. Ref: inet_rtm_newroute → fib_table_insert */
function inet_rtm_newroute(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  let err = rtm_to_fib_config(nlh, tb, extack);
  if (err < 0) return err;
  const rtm = nlmsg_data(nlh);
  const dst_len = load<u8>(rtm, 1);
  const dst = get_dst(tb);
  const mask: u32 = dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - dst_len));
  if (dst & ~mask) { NL_SET_ERR_MSG(extack, 'Invalid prefix for given prefix length'); return -EINVAL; }
  const table = get_table(rtm, tb);
  if (table != RT_TABLE_MAIN && table != RT_TABLE_LOCAL) {
    // sim: only the two tables of a fresh namespace exist; others are not modelled.
    NL_SET_ERR_MSG(extack, 'sim: only the local and main tables are modelled');
    return -EOPNOTSUPP;
  }
  const type = load<u8>(rtm, 7);
  const scope = load<u8>(rtm, 6);
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

  const flags = nlmsghdr_flags(nlh);
  const existing = fib_find_alias(table, dst, dst_len, load<u8>(rtm, 3), priority);
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
  fa.tos = load<u8>(rtm, 3);
  fa.type = type;
  fa.scope = scope;
  fa.protocol = load<u8>(rtm, 5);
  fa.priority = priority;
  fa.gw = gw;
  fa.oif = oif;
  fa.prefsrc = tb[RTA_PREFSRC] ? bswap<u32>(load<u32>(nla_data(tb[RTA_PREFSRC]))) : 0;
  fa.nh_scope = gw ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  fib_nh_init_flags(fa);
  fib_insert_alias(fa);
  rtmsg_fib(RTM_NEWROUTE, fa, NETLINK_CB(skb).portid, nlh, nlflags);
  return 0;
}

/** RTM_DELROUTE for AF_INET. Ref: inet_rtm_delroute → fib_table_delete */
function inet_rtm_delroute(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  const err = rtm_to_fib_config(nlh, tb, extack);
  if (err < 0) return err;
  const rtm = nlmsg_data(nlh);
  const dst_len = load<u8>(rtm, 1);
  const dst = get_dst(tb);
  const mask: u32 = dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - dst_len));
  if (dst & ~mask) { NL_SET_ERR_MSG(extack, 'Invalid prefix for given prefix length'); return -EINVAL; }
  const table = get_table(rtm, tb);
  const type = load<u8>(rtm, 7);
  const scope = load<u8>(rtm, 6);
  const oif: i32 = tb[RTA_OIF] ? <i32>nla_get_u32(tb[RTA_OIF]) : 0;
  const gw: u32 = tb[RTA_GATEWAY] ? bswap<u32>(load<u32>(nla_data(tb[RTA_GATEWAY]))) : 0;
  const prio: u32 = tb[RTA_PRIORITY] ? nla_get_u32(tb[RTA_PRIORITY]) : 0;
  for (let i = 0; i < fib_aliases.length; i++) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.table != table || fa.dst != dst || fa.dst_len != dst_len) continue;
    if (type && fa.type != type) continue;
    if (scope != RT_SCOPE_NOWHERE && scope && fa.scope != scope) continue;
    if (tb[RTA_PRIORITY] && fa.priority != prio) continue;
    if (oif && fa.oif != oif) continue;
    if (gw && fa.gw != gw) continue;
    if (load<u8>(rtm, 5) && fa.protocol != load<u8>(rtm, 5)) continue;
    fib_remove_alias(fa);
    rtmsg_fib(RTM_DELROUTE, fa, NETLINK_CB(skb).portid, nlh, 0);
    return 0;
  }
  return -ESRCH;
}

/** The route dump's request check. Ref: ip_valid_fib_dump_req */
export function ip_valid_fib_dump_req(cb: netlink_callback, tb: StaticArray<usize>): i32 {
  const nlh = cb.nlh;
  if (nlmsg_len(nlh) < RTMSG_SIZE) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid header for FIB dump request');
    return -EINVAL;
  }
  const rtm = nlmsg_data(nlh);
  if (load<u8>(rtm, 1) || load<u8>(rtm, 2) || load<u8>(rtm, 3) || load<u8>(rtm, 6) || load<u8>(rtm, 7)) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for FIB dump request');
    return -EINVAL;
  }
  if (load<u32>(rtm, 8) & ~(RTM_F_CLONED | RTM_F_PREFIX)) {
    NL_SET_ERR_MSG(cb.extack, 'Invalid flags for FIB dump request');
    return -EINVAL;
  }
  const err = __nla_parse(tb, RTA_MAX, rtm_attrs(nlh), rtm_attrs_len(nlh), rtm_ipv4_policy, NL_VALIDATE_STRICT, cb.extack);
  if (err < 0) return err;
  for (let i = 0; i <= RTA_MAX; i++) {
    if (!tb[i]) continue;
    if (i != RTA_TABLE && i != RTA_OIF && i != 21 /* RTA_ENCAP_TYPE? RTA_PROTOCOL is a header field */) {
      NL_SET_ERR_MSG(cb.extack, 'Unsupported attribute in dump request');
      return -EINVAL;
    }
  }
  return 0;
}

/** The AF_INET route dump: main, then local. Ref: inet_dump_fib */
function inet_dump_fib(skb: sk_buff, cb: netlink_callback): i32 {
  const tb = new StaticArray<usize>(RTA_MAX + 1);
  let table: u32 = 0;
  let oif: i32 = 0;
  if (cb.strict_check && cb.args[2] == 0) {
    const err = ip_valid_fib_dump_req(cb, tb);
    if (err < 0) return err;
    if (tb[RTA_TABLE]) table = nla_get_u32(tb[RTA_TABLE]);
    if (tb[RTA_OIF]) oif = <i32>nla_get_u32(tb[RTA_OIF]);
    cb.args[2] = 1 | (<i64>table << 8) | (<i64>oif << 40);
  } else if (cb.args[2] != 0) {
    table = <u32>((cb.args[2] >> 8) & 0xffffffff);
    oif = <i32>(cb.args[2] >> 40);
  }
  const nlh = cb.nlh;
  // RTM_F_CLONED asks for the route cache, which IPv4 no longer has: nothing to dump.
  if (nlmsg_len(nlh) >= RTMSG_SIZE && (load<u32>(nlmsg_data(nlh), 8) & RTM_F_CLONED)) return <i32>skb.len;
  const all = fib_table_entries(RT_TABLE_MAIN).concat(fib_table_entries(RT_TABLE_LOCAL));
  // A filtered dump says so (NLM_F_DUMP_FILTERED) in its messages and its NLMSG_DONE.
  if (table || oif) cb.answer_flags = 0x20;
  let idx = <i32>cb.args[0];
  for (; idx < all.length; idx++) {
    const fa = unchecked(all[idx]);
    if (table && fa.table != table) continue;
    if (oif && fa.oif != oif) continue;
    if (fib_dump_info(skb, NETLINK_CB(cb.skb).portid, nlmsghdr_seq(nlh), RTM_NEWROUTE, fa, (table || oif ? NLM_F_MULTI | 0x20 : NLM_F_MULTI)) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
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
  register_netdevice_notifier(fib_netdev_event);
  rtnl_register(AF_INET, RTM_NEWROUTE, inet_rtm_newroute, null);
  rtnl_register(AF_INET, RTM_DELROUTE, inet_rtm_delroute, null);
  rtnl_register(AF_INET, RTM_GETROUTE, null, inet_dump_fib);
}
