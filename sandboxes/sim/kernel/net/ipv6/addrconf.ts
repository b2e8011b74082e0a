/**
 * IPv6 addresses: ::1 when lo comes up, an EUI-64 link-local address and the fe80::/64 and
 * ff00::/8 routes when another link becomes ready (up with carrier), RTM_NEWADDR / RTM_DELADDR /
 * RTM_GETADDR for AF_INET6, every address dropped when its link goes down (keep_addr_on_down 0),
 * RTNLGRP_IPV6_IFADDR notifications, and the AF_INET6 part of IFLA_AF_SPEC.
 * sim: duplicate address detection never completes: an address added without IFA_F_NODAD stays
 * IFA_F_TENTATIVE (Linux clears it about a second later and then announces the address).
 * Models Linux 6.18: net/ipv6/addrconf.c
 */
import { INFINITY_LIFE_TIME } from '../../include/net/addrconf';
import {
  IN6_ADDR_GEN_MODE_NONE, IFLA_INET6_FLAGS, IFLA_INET6_CONF, IFLA_INET6_STATS, IFLA_INET6_CACHEINFO,
  IFLA_INET6_ICMP6STATS, IFLA_INET6_TOKEN, IFLA_INET6_ADDR_GEN_MODE, ifla_cacheinfo,
} from '../../include/uapi/linux/if_link';
import { NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import {
  IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE,
  IFA_F_OPTIMISTIC, IFA_F_PERMANENT, IFA_F_TENTATIVE, ifaddrmsg, ifa_cacheinfo,
} from '../../include/uapi/linux/if_addr';

import { RTM_DELADDR, RTM_DELNETCONF, RTM_GETADDR, RTM_NEWADDR, RTM_NEWNETCONF, RT_SCOPE_HOST, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../../include/uapi/linux/rtnetlink';
import { sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb, nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_attrdata, nlmsg_attrlen } from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, nla_put_u32, nla_put_u8, nla_put, nla_policy, nla_policy_new, NLA_POLICY, NLA_U32, NLA_U8,
  NLA_UNSPEC, NLA_S32, __nla_parse, NL_VALIDATE_LIBERAL, nla_get_u32, nla_data, nla_len, nla_put_u64_64bit,
} from '../../lib/nlattr';
import {
  net_device, devices, __dev_get_by_index, jiffies_to_clock_t, register_netdevice_notifier, netif_running,
  netif_oper_up, NETDEV_UP, NETDEV_DOWN, NETDEV_CHANGE, NETDEV_UNREGISTER, NETDEV_CHANGEMTU, NETDEV_REGISTER,
  IFF_LOOPBACK, IFF_NOARP, ARPHRD_LOOPBACK, array_insert,
} from '../core/dev';
import { rtnl_register, rtnl_notify, nlmsg_report, rtnl_af_register, AF_INET6, RTNLGRP_IPV6_IFADDR } from '../core/rtnetlink';
import { IFA_ADDRESS, IFA_LOCAL, IFA_CACHEINFO, IFA_FLAGS, IFA_PROTO, IFA_RT_PRIORITY, IFA_MAX, IFA_TARGET_NETNSID, inet_valid_dump_ifaddr_req } from '../ipv4/devinet';
import { netconf_notify } from '../core/netconf';
import { ip6_route_add, ip6_route_del, rt6_sync_down_dev, ip6_route_init, rt6_link_change } from './route';
import { RT_TABLE_MAIN, RT_TABLE_LOCAL, RTN_UNICAST, RTN_LOCAL, RTN_MULTICAST } from '../ipv4/fib_trie';
import { EINVAL, EEXIST, ENODEV, EMSGSIZE, EADDRNOTAVAIL } from '../../include/uapi/asm-generic/errno';
import { in6_addr } from '../../include/uapi/linux/in6';
import {
  DEVCONF_MAX, DEVCONF_HOPLIMIT, DEVCONF_MTU6, DEVCONF_ACCEPT_RA, DEVCONF_ACCEPT_REDIRECTS, DEVCONF_AUTOCONF, DEVCONF_DAD_TRANSMITS,
  DEVCONF_RTR_SOLICITS, DEVCONF_RTR_SOLICIT_INTERVAL, DEVCONF_RTR_SOLICIT_DELAY, DEVCONF_USE_TEMPADDR, DEVCONF_TEMP_VALID_LFT,
  DEVCONF_TEMP_PREFERED_LFT, DEVCONF_REGEN_MAX_RETRY, DEVCONF_MAX_DESYNC_FACTOR, DEVCONF_MAX_ADDRESSES, DEVCONF_ACCEPT_RA_DEFRTR,
  DEVCONF_ACCEPT_RA_PINFO, DEVCONF_ACCEPT_RA_RTR_PREF, DEVCONF_RTR_PROBE_INTERVAL, DEVCONF_ACCEPT_DAD,
  DEVCONF_MLDV1_UNSOLICITED_REPORT_INTERVAL, DEVCONF_MLDV2_UNSOLICITED_REPORT_INTERVAL, DEVCONF_SUPPRESS_FRAG_NDISC, DEVCONF_ACCEPT_RA_MTU,
  DEVCONF_ACCEPT_RA_MIN_HOP_LIMIT, DEVCONF_RTR_SOLICIT_MAX_INTERVAL, DEVCONF_ENHANCED_DAD, DEVCONF_RA_DEFRTR_METRIC, DEVCONF_IOAM6_ID,
  DEVCONF_IOAM6_ID_WIDE, DEVCONF_NDISC_EVICT_NOCARRIER,
} from '../../include/uapi/linux/ipv6';

/** The default ioam6_id of a device. Ref: include/uapi/linux/ioam6.h:IOAM6_DEFAULT_IF_ID (IOAM6_U16_UNAVAILABLE) */
const IOAM6_DEFAULT_IF_ID: i32 = 0xffff;
const IFAPROT_KERNEL_LO: u8 = 1;
const IFAPROT_KERNEL_LL: u8 = 3;
const IF_READY: u32 = 0x80000000;
const IP6_RT_PRIO_ADDRCONF: u32 = 256;
const IPV6_MIN_MTU: u32 = 1280;
const IPV6_MAXPLEN: u32 = 65535;
// The counters of IFLA_INET6_STATS and IFLA_INET6_ICMP6STATS: __IPSTATS_MIB_MAX, __ICMP6_MIB_MAX (include/uapi/linux/snmp.h).
const IPSTATS_MIB_MAX: i32 = 38;
const ICMP6_MIB_MAX: i32 = 7;

/** struct inet6_ifaddr */
export class inet6_ifaddr {
  dev: net_device;
  addr: StaticArray<u8> = new StaticArray<u8>(16);
  prefix_len: u8 = 0;
  flags: u32 = 0;
  scope: u8 = 0;
  proto: u8 = 0;
  rt_priority: u32 = 0;
  cstamp: u32 = 0;
  tstamp: u32 = 0;
  constructor(dev: net_device) { this.dev = dev; }
}

export const addr6_list: inet6_ifaddr[] = [];
/** idev->if_flags & IF_READY, by ifindex. */
const ready = new Set<i32>();

/** sim: Scope of an address as rtnetlink shows it (ifa_scope). Ref: ipv6_addr_scope → RT_SCOPE_* */
function ifa_scope_of(addr: usize): u8 {
  const a = changetype<in6_addr>(addr);
  // ipv6_addr_loopback: ::1
  if ((a.s6_addr32[0] | a.s6_addr32[1] | a.s6_addr32[2] | (a.s6_addr32[3] ^ bswap<u32>(1))) == 0) return RT_SCOPE_HOST;
  // fe80::/10
  if (a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0x80) return RT_SCOPE_LINK;
  return RT_SCOPE_UNIVERSE;
}
/** sim: The order of a device's address list: larger IPV6_ADDR_SCOPE first (global 14, link 2, host 1). */
function scope_rank(s: u8): i32 { return s == RT_SCOPE_UNIVERSE ? 14 : s == RT_SCOPE_LINK ? 2 : 1; }

/** sim: the `struct ifa_cacheinfo ci` that put_cacheinfo keeps on its stack. */
const ci = changetype<ifa_cacheinfo>(memory.data(offsetof<ifa_cacheinfo>()));

/** One RTM_NEWADDR / RTM_DELADDR. Ref: inet6_fill_ifaddr */
function inet6_fill_ifaddr(skb: sk_buff, ifa: inet6_ifaddr, event: i32, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, event, offsetof<ifaddrmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  // put_ifaddrmsg
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  ifm.ifa_family = AF_INET6;
  ifm.ifa_prefixlen = ifa.prefix_len;
  ifm.ifa_flags = <u8>ifa.flags;
  ifm.ifa_scope = ifa.scope;
  ifm.ifa_index = ifa.dev.ifindex;
  // put_cacheinfo: a permanent address's lifetimes are INFINITY_LIFE_TIME.
  ci.cstamp = ifa.cstamp;
  ci.tstamp = ifa.tstamp;
  ci.ifa_prefered = INFINITY_LIFE_TIME;
  ci.ifa_valid = INFINITY_LIFE_TIME;
  if (nla_put(skb, IFA_ADDRESS, offsetof<in6_addr>(), changetype<usize>(ifa.addr)) ||
    (ifa.rt_priority && nla_put_u32(skb, IFA_RT_PRIORITY, ifa.rt_priority)) ||
    nla_put(skb, IFA_CACHEINFO, offsetof<ifa_cacheinfo>(), changetype<usize>(ci)) ||
    nla_put_u32(skb, IFA_FLAGS, ifa.flags) ||
    (ifa.proto && nla_put_u8(skb, IFA_PROTO, ifa.proto))) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Ref: inet6_ifa_notify */
function inet6_ifa_notify(event: i32, ifa: inet6_ifaddr, nlh: nlmsghdr | null, portid: u32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (inet6_fill_ifaddr(skb, ifa, event, portid, nlh ? nlh.nlmsg_seq : 0, 0)) { kfree_skb(skb); return; }
  rtnl_notify(skb, portid, RTNLGRP_IPV6_IFADDR, nlmsg_report(nlh));
}

/** A new address: announced and given its local route at once when it needs no DAD. Ref: ipv6_add_addr + addrconf_dad_start */
function ipv6_add_addr(dev: net_device, addr: usize, plen: u8, flags: u32, proto: u8, rt_priority: u32, prefix_route: bool, nlh: nlmsghdr | null, portid: u32): inet6_ifaddr {
  const ifa = new inet6_ifaddr(dev);
  for (let i = 0; i < 16; i++) unchecked(ifa.addr[i] = load<u8>(addr + <usize>i));
  ifa.prefix_len = plen;
  ifa.scope = ifa_scope_of(addr);
  ifa.proto = proto;
  ifa.rt_priority = rt_priority;
  ifa.flags = flags | IFA_F_PERMANENT;
  ifa.cstamp = jiffies_to_clock_t();
  ifa.tstamp = ifa.cstamp;
  // ipv6_link_dev_addr: sorted by scope, larger first; after the addresses of the same scope.
  let at = addr6_list.length;
  for (let i = 0; i < addr6_list.length; i++) {
    const o = unchecked(addr6_list[i]);
    if (o.dev.ifindex > dev.ifindex) { at = i; break; }
    if (o.dev == dev && scope_rank(ifa.scope) >= scope_rank(o.scope)) { at = i; break; }
  }
  array_insert(addr6_list, at, ifa);
  if (prefix_route && !(flags & IFA_F_NOPREFIXROUTE) && netif_running(dev)) {
    ip6_route_add(RT_TABLE_MAIN, changetype<usize>(ifa.addr), plen, RTN_UNICAST, rt_priority ? rt_priority : IP6_RT_PRIO_ADDRCONF, dev);
  }
  // inet6_addr_add: an address from user space that will go through DAD is announced at once,
  // tentative (ipv6_ifa_notify(0, ifp): pid 0, seq 0, no route change), before DAD starts.
  if (prefix_route && !(flags & (IFA_F_OPTIMISTIC | IFA_F_NODAD))) {
    ifa.flags |= IFA_F_TENTATIVE;
    inet6_ifa_notify(RTM_NEWADDR, ifa, null, 0);
  }
  // addrconf_dad_begin: no DAD needed on lo / NOARP links or with IFA_F_NODAD → completed now.
  if ((dev.flags & (IFF_LOOPBACK | IFF_NOARP)) || (flags & IFA_F_NODAD)) {
    ifa.flags &= ~IFA_F_TENTATIVE;
    // The announcement comes from DAD's completion, not from the request: pid 0, seq 0.
    addrconf_dad_completed(ifa, null, 0);
  } else {
    ifa.flags |= IFA_F_TENTATIVE;
  }
  return ifa;
}

/** Announce an address and insert its local route. Ref: addrconf_dad_completed → ipv6_ifa_notify → __ipv6_ifa_notify */
function addrconf_dad_completed(ifa: inet6_ifaddr, nlh: nlmsghdr | null, portid: u32): void {
  inet6_ifa_notify(RTM_NEWADDR, ifa, nlh, portid);
  ip6_route_add(RT_TABLE_LOCAL, changetype<usize>(ifa.addr), 128, RTN_LOCAL, 0, ifa.dev);
}

/** sim: the device's address equal to addr (Linux: ipv6_get_ifaddr for one device). */
function find_addr(dev: net_device, addr: usize): inet6_ifaddr | null {
  for (let i = 0; i < addr6_list.length; i++) {
    const o = unchecked(addr6_list[i]);
    if (o.dev != dev) continue;
    let same = true;
    for (let k = 0; k < 16; k++) if (unchecked(o.addr[k]) != load<u8>(addr + <usize>k)) { same = false; break; }
    if (same) return o;
  }
  return null;
}

/** Remove an address: RTM_DELADDR, then its local and prefix routes. Ref: ipv6_del_addr */
function ipv6_del_addr(ifa: inet6_ifaddr, nlh: nlmsghdr | null, portid: u32): void {
  addr6_list.splice(addr6_list.indexOf(ifa), 1);
  inet6_ifa_notify(RTM_DELADDR, ifa, nlh, portid);
  ip6_route_del(RT_TABLE_LOCAL, changetype<usize>(ifa.addr), 128, ifa.dev);
  if (!(ifa.flags & IFA_F_NOPREFIXROUTE)) ip6_route_del(RT_TABLE_MAIN, changetype<usize>(ifa.addr), ifa.prefix_len, ifa.dev);
}

let ifa_ipv6_policy: nla_policy[] = [];

/** IFA_LOCAL wins over IFA_ADDRESS (then IFA_ADDRESS is the peer). Ref: extract_addr */
function extract_addr(tb: StaticArray<usize>): usize {
  const a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
  if (!a || nla_len(a) < <i32>offsetof<in6_addr>()) return 0;
  return nla_data(a);
}

/** RTM_NEWADDR for AF_INET6. Ref: inet6_rtm_newaddr */
function inet6_rtm_newaddr(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFA_MAX + 1);
  if (nlmsg_len(nlh) < <i32>offsetof<ifaddrmsg>()) return -EINVAL;
  const err = __nla_parse(tb, IFA_MAX, nlmsg_attrdata(nlh, offsetof<ifaddrmsg>()), nlmsg_attrlen(nlh, offsetof<ifaddrmsg>()), ifa_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  const pfx = extract_addr(tb);
  if (!pfx) return -EINVAL;
  const plen = ifm.ifa_prefixlen;
  if (plen > 128) { NL_SET_ERR_MSG(extack, 'ipv6: Invalid prefix length'); return -EINVAL; }
  const dev = __dev_get_by_index(<i32>ifm.ifa_index);
  if (dev == null) { NL_SET_ERR_MSG(extack, 'ipv6: Unable to find the device'); return -ENODEV; }
  if (dev.mtu < IPV6_MIN_MTU) return -EINVAL;
  let flags: u32 = tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : <u32>ifm.ifa_flags;
  // Only these flags may be set by user space.
  flags &= IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN | IFA_F_OPTIMISTIC;
  const rt_priority: u32 = tb[IFA_RT_PRIORITY] ? nla_get_u32(tb[IFA_RT_PRIORITY]) : 0;
  const proto: u8 = tb[IFA_PROTO] ? load<u8>(nla_data(tb[IFA_PROTO])) : 0;
  const existing = find_addr(dev, pfx);
  if (existing != null) {
    const f = nlh.nlmsg_flags;
    if ((f & NLM_F_EXCL) || !(f & NLM_F_REPLACE)) { NL_SET_ERR_MSG(extack, 'ipv6: address already assigned'); return -EEXIST; }
    // inet6_addr_modify: new flags / priority; the address is announced again if it is not tentative.
    existing.flags = (existing.flags & ~(IFA_F_NODAD | IFA_F_NOPREFIXROUTE | 0x100 | 0x10)) | (flags & ~0x4);
    existing.rt_priority = rt_priority;
    existing.proto = proto;
    existing.tstamp = jiffies_to_clock_t();
    if (!(existing.flags & IFA_F_TENTATIVE)) inet6_ifa_notify(RTM_NEWADDR, existing, nlh, NETLINK_CB(skb).portid);
    return 0;
  }
  ipv6_add_addr(dev, pfx, plen, flags, proto, rt_priority, true, nlh, NETLINK_CB(skb).portid);
  return 0;
}

/** RTM_DELADDR for AF_INET6. Ref: inet6_rtm_deladdr → inet6_addr_del */
function inet6_rtm_deladdr(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFA_MAX + 1);
  if (nlmsg_len(nlh) < <i32>offsetof<ifaddrmsg>()) return -EINVAL;
  const err = __nla_parse(tb, IFA_MAX, nlmsg_attrdata(nlh, offsetof<ifaddrmsg>()), nlmsg_attrlen(nlh, offsetof<ifaddrmsg>()), ifa_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  const pfx = extract_addr(tb);
  if (!pfx) return -EINVAL;
  const dev = __dev_get_by_index(<i32>ifm.ifa_index);
  if (dev == null) return -ENODEV;
  const ifa = find_addr(dev, pfx);
  if (ifa == null || ifa.prefix_len != ifm.ifa_prefixlen) return -EADDRNOTAVAIL;
  ipv6_del_addr(ifa, nlh, NETLINK_CB(skb).portid);
  return 0;
}

/** The AF_INET6 address dump. Ref: inet6_dump_ifaddr */
function inet6_dump_ifaddr(skb: sk_buff, cb: netlink_callback): i32 {
  let ifindex = 0;
  if (cb.strict_check && cb.args[2] == 0) {
    const tb = new StaticArray<usize>(IFA_MAX + 1);
    const err = inet_valid_dump_ifaddr_req(cb, tb, AF_INET6);
    if (err < 0) return err;
    ifindex = <i32>changetype<ifaddrmsg>(nlmsg_data(cb.nlh)).ifa_index;
    if (ifindex) cb.answer_flags = NLM_F_DUMP_FILTERED;
    if (ifindex && __dev_get_by_index(ifindex) == null) return -ENODEV;
    cb.args[2] = 1 | (<i64>ifindex << 8);
  } else if (cb.args[2]) ifindex = <i32>(cb.args[2] >> 8);
  let idx = <i32>cb.args[0];
  const mflags = ifindex ? NLM_F_MULTI | NLM_F_DUMP_FILTERED : NLM_F_MULTI;
  if (ifindex) cb.answer_flags = 0x20;
  for (; idx < addr6_list.length; idx++) {
    const ifa = unchecked(addr6_list[idx]);
    if (ifindex && ifa.dev.ifindex != ifindex) continue;
    if (inet6_fill_ifaddr(skb, ifa, RTM_NEWADDR, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, mflags) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

/** sim: the `struct in6_addr addr` that addrconf_dev_config and init_loopback keep on their stacks. */
const in6 = changetype<in6_addr>(memory.data(offsetof<in6_addr>()));

/** The link became ready: ff00::/8, then the EUI-64 link-local address and fe80::/64. Ref: addrconf_dev_config */
function addrconf_dev_config(dev: net_device): void {
  // addrconf_add_mroute: ff00::/8
  memory.fill(changetype<usize>(in6), 0, offsetof<in6_addr>());
  in6.s6_addr[0] = 0xff;
  ip6_route_add(RT_TABLE_LOCAL, changetype<usize>(in6), 8, RTN_MULTICAST, IP6_RT_PRIO_ADDRCONF, dev);
  if (dev.addr_gen_mode == IN6_ADDR_GEN_MODE_NONE) return;
  // addrconf_addr_gen → addrconf_add_linklocal: fe80:: + EUI-64 of the MAC (U/L bit flipped).
  memory.fill(changetype<usize>(in6), 0, offsetof<in6_addr>());
  in6.s6_addr[0] = 0xfe;
  in6.s6_addr[1] = 0x80;
  // addrconf_ifid_eui48 into addr.s6_addr + 8
  const a = dev.dev_addr;
  in6.s6_addr[8] = unchecked(a[0]) ^ 2;
  in6.s6_addr[9] = unchecked(a[1]);
  in6.s6_addr[10] = unchecked(a[2]);
  in6.s6_addr[11] = 0xff;
  in6.s6_addr[12] = 0xfe;
  in6.s6_addr[13] = unchecked(a[3]);
  in6.s6_addr[14] = unchecked(a[4]);
  in6.s6_addr[15] = unchecked(a[5]);
  const ifa = ipv6_add_addr(dev, changetype<usize>(in6), 64, 0, IFAPROT_KERNEL_LL, 0, false, null, 0);
  ip6_route_add(RT_TABLE_MAIN, changetype<usize>(ifa.addr), 64, RTN_UNICAST, IP6_RT_PRIO_ADDRCONF, dev);
}

/** The link lost its IPv6 life: routes first, then every address (announced). Ref: addrconf_ifdown */
function addrconf_ifdown(dev: net_device): void {
  ready.delete(dev.ifindex);
  rt6_sync_down_dev(dev);
  for (let i = 0; i < addr6_list.length;) {
    const ifa = unchecked(addr6_list[i]);
    if (ifa.dev != dev) { i++; continue; }
    addr6_list.splice(i, 1);
    inet6_ifa_notify(RTM_DELADDR, ifa, null, 0);
  }
}

/** Ref: addrconf_notify */
function addrconf_notify(event: i32, dev: net_device): void {
  if (event == NETDEV_REGISTER) {
    // ipv6_add_dev: the inet6 device exists from now on, and is announced.
    netconf_notify(AF_INET6, RTM_NEWNETCONF, dev);
  } else if (event == NETDEV_UP || event == NETDEV_CHANGE) {
    if (event == NETDEV_UP) {
      // addrconf_permanent_addr: addresses added while the link was down get their prefix route.
      for (let i = 0; i < addr6_list.length; i++) {
        const ifa = unchecked(addr6_list[i]);
        if (ifa.dev == dev && !(ifa.flags & IFA_F_NOPREFIXROUTE)) {
          ip6_route_add(RT_TABLE_MAIN, changetype<usize>(ifa.addr), ifa.prefix_len, RTN_UNICAST, ifa.rt_priority ? ifa.rt_priority : IP6_RT_PRIO_ADDRCONF, dev);
        }
      }
      if (!netif_oper_up(dev)) return;
      if (dev.mtu < IPV6_MIN_MTU) return;
      ready.add(dev.ifindex);
    } else {
      if (!netif_oper_up(dev)) { rt6_link_change(dev); return; }
      if (ready.has(dev.ifindex)) { rt6_link_change(dev); return; }
      ready.add(dev.ifindex);
    }
    dev.in6_flags = IF_READY;
    if (dev.type == ARPHRD_LOOPBACK) {
      // init_loopback: ::1/128.
      memory.fill(changetype<usize>(in6), 0, offsetof<in6_addr>());
      in6.s6_addr[15] = 1;
      ipv6_add_addr(dev, changetype<usize>(in6), 128, 0, IFAPROT_KERNEL_LO, 0, false, null, 0);
    } else {
      addrconf_dev_config(dev);
    }
  } else if (event == NETDEV_CHANGEMTU) {
    if (dev.mtu >= IPV6_MIN_MTU) dev.mtu6 = dev.mtu;
  } else if (event == NETDEV_DOWN || event == NETDEV_UNREGISTER) {
    dev.in6_flags = 0;
    addrconf_ifdown(dev);
    if (event == NETDEV_UNREGISTER) netconf_notify(AF_INET6, RTM_DELNETCONF, dev);
  }
}

/** sim: the `struct ifla_cacheinfo ci` that inet6_fill_ifla6_attrs keeps on its stack. */
const ifla_ci = changetype<ifla_cacheinfo>(memory.data(offsetof<ifla_cacheinfo>()));
/** sim: idev->cnf as ipv6_store_devconf lays it out: `s32 array[DEVCONF_MAX]`, indexed by DEVCONF_*. */
const devconf_array = new StaticArray<i32>(DEVCONF_MAX);
/** sim: the counters and the token, staged here (Linux writes them into room nla_reserve made in the skb). */
const stats = memory.data(IPSTATS_MIB_MAX * 8);

/** IFLA_AF_SPEC / AF_INET6. Ref: inet6_fill_link_af → inet6_fill_ifla6_attrs */
function inet6_fill_link_af(skb: sk_buff, dev: net_device): i32 {
  if (nla_put_u32(skb, IFLA_INET6_FLAGS, dev.in6_flags)) return -1;
  const ci = ifla_ci;
  ci.max_reasm_len = IPV6_MAXPLEN;
  ci.tstamp = dev.in6_tstamp;
  ci.reachable_time = dev.in6_reachable_time;
  ci.retrans_time = 1000; // jiffies_to_msecs(NEIGH_VAR(idev->nd_parms, RETRANS_TIME))
  if (nla_put(skb, IFLA_INET6_CACHEINFO, offsetof<ifla_cacheinfo>(), changetype<usize>(ci))) return -1;
  // ipv6_store_devconf: the values 6.18's defaults give; lo differs in mtu6, use_tempaddr, accept_dad.
  const array = devconf_array;
  const lo = (dev.flags & IFF_LOOPBACK) != 0;
  array.fill(0);
  array[DEVCONF_HOPLIMIT] = 64;
  array[DEVCONF_MTU6] = <i32>dev.mtu6;
  array[DEVCONF_ACCEPT_RA] = 1;
  array[DEVCONF_ACCEPT_REDIRECTS] = 1;
  array[DEVCONF_AUTOCONF] = 1;
  array[DEVCONF_DAD_TRANSMITS] = 1;
  array[DEVCONF_RTR_SOLICITS] = -1;
  array[DEVCONF_RTR_SOLICIT_INTERVAL] = 4000;
  array[DEVCONF_RTR_SOLICIT_DELAY] = 1000;
  array[DEVCONF_USE_TEMPADDR] = lo ? -1 : 0;
  array[DEVCONF_TEMP_VALID_LFT] = 604800;
  array[DEVCONF_TEMP_PREFERED_LFT] = 86400;
  array[DEVCONF_REGEN_MAX_RETRY] = 3;
  array[DEVCONF_MAX_DESYNC_FACTOR] = 600;
  array[DEVCONF_MAX_ADDRESSES] = 16;
  array[DEVCONF_ACCEPT_RA_DEFRTR] = 1;
  array[DEVCONF_ACCEPT_RA_PINFO] = 1;
  array[DEVCONF_ACCEPT_RA_RTR_PREF] = 1;
  array[DEVCONF_RTR_PROBE_INTERVAL] = 60000;
  array[DEVCONF_ACCEPT_DAD] = lo ? -1 : 1;
  array[DEVCONF_MLDV1_UNSOLICITED_REPORT_INTERVAL] = 10000;
  array[DEVCONF_MLDV2_UNSOLICITED_REPORT_INTERVAL] = 1000;
  array[DEVCONF_SUPPRESS_FRAG_NDISC] = 1;
  array[DEVCONF_ACCEPT_RA_MTU] = 1;
  array[DEVCONF_ACCEPT_RA_MIN_HOP_LIMIT] = 1;
  array[DEVCONF_RTR_SOLICIT_MAX_INTERVAL] = 3600000;
  array[DEVCONF_ENHANCED_DAD] = 1;
  array[DEVCONF_RA_DEFRTR_METRIC] = 1024;
  array[DEVCONF_IOAM6_ID] = IOAM6_DEFAULT_IF_ID;
  array[DEVCONF_IOAM6_ID_WIDE] = -1; // IOAM6_DEFAULT_IF_ID_WIDE is 0xffffffff
  array[DEVCONF_NDISC_EVICT_NOCARRIER] = 1;
  if (nla_put(skb, IFLA_INET6_CONF, DEVCONF_MAX * 4, changetype<usize>(array))) return -1;
  // IFLA_INET6_STATS and IFLA_INET6_ICMP6STATS: each its number of counters (stats[0]), then zeros.
  memory.fill(stats, 0, IPSTATS_MIB_MAX * 8);
  store<u64>(stats, IPSTATS_MIB_MAX);
  if (nla_put(skb, IFLA_INET6_STATS, IPSTATS_MIB_MAX * 8, stats)) return -1;
  store<u64>(stats, ICMP6_MIB_MAX);
  if (nla_put(skb, IFLA_INET6_ICMP6STATS, ICMP6_MIB_MAX * 8, stats)) return -1;
  // idev->token: ::
  memory.fill(stats, 0, offsetof<in6_addr>());
  if (nla_put(skb, IFLA_INET6_TOKEN, offsetof<in6_addr>(), stats)) return -1;
  if (nla_put_u8(skb, IFLA_INET6_ADDR_GEN_MODE, dev.addr_gen_mode)) return -1;
  return 0;
}

export function addrconf_init(): void {
  ifa_ipv6_policy = nla_policy_new(IFA_MAX);
  ifa_ipv6_policy[IFA_ADDRESS] = NLA_POLICY(NLA_UNSPEC, <u16>offsetof<in6_addr>());
  ifa_ipv6_policy[IFA_LOCAL] = NLA_POLICY(NLA_UNSPEC, <u16>offsetof<in6_addr>());
  ifa_ipv6_policy[IFA_CACHEINFO] = NLA_POLICY(NLA_UNSPEC, <u16>offsetof<ifa_cacheinfo>());
  ifa_ipv6_policy[IFA_FLAGS] = NLA_POLICY(NLA_U32);
  ifa_ipv6_policy[IFA_RT_PRIORITY] = NLA_POLICY(NLA_U32);
  ifa_ipv6_policy[IFA_TARGET_NETNSID] = NLA_POLICY(NLA_S32);
  ifa_ipv6_policy[IFA_PROTO] = NLA_POLICY(NLA_U8);
  register_netdevice_notifier(addrconf_notify);
  ip6_route_init();
  rtnl_af_register(AF_INET6, inet6_fill_link_af);
  rtnl_register(AF_INET6, RTM_NEWADDR, inet6_rtm_newaddr, null);
  rtnl_register(AF_INET6, RTM_DELADDR, inet6_rtm_deladdr, null);
  rtnl_register(AF_INET6, RTM_GETADDR, null, inet6_dump_ifaddr);
}
