/**
 * IPv4 addresses: RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR for AF_INET, primaries and secondaries,
 * 127.0.0.1/8 on lo when it comes up, RTNLGRP_IPV4_IFADDR notifications, the AF_INET part of a
 * link's IFLA_AF_SPEC (the devconf array). Ref: net/ipv4/devinet.c
 *
 * Models Linux 6.18: net/ipv4/devinet.c
 */
import { INFINITY_LIFE_TIME } from '../../include/net/addrconf';
import { NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import { IFA_F_NOPREFIXROUTE, IFA_F_PERMANENT, IFA_F_SECONDARY } from '../../include/uapi/linux/if_addr';

import { RTM_DELADDR, RTM_DELNETCONF, RTM_GETADDR, RTM_NEWADDR, RTM_NEWNETCONF, RT_SCOPE_HOST, RT_SCOPE_LINK } from '../../include/uapi/linux/rtnetlink';
import {
  sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, kfree_skb, nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_attrdata, nlmsg_attrlen,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, NL_SET_ERR_MSG_ATTR, nla_put_u32, nla_put_u8, nla_put, nla_put_string, nla_policy, nla_policy_new,
  NLA_POLICY, NLA_UNSPEC, NLA_U32, NLA_U8, NLA_S32, NLA_STRING, NLA_BINARY, __nla_parse, NL_VALIDATE_LIBERAL, NL_VALIDATE_STRICT, nla_get_u32, nla_get_u8,
  nla_data, nla_len, nla_get_string,
} from '../../lib/nlattr';
import {
  net_device, devices, __dev_get_by_index, jiffies_to_clock_t, register_netdevice_notifier, NETDEV_UP, NETDEV_UNREGISTER, NETDEV_REGISTER,
  NETDEV_CHANGENAME, IFF_LOOPBACK,
} from '../core/dev';
import { array_insert } from '../core/dev';
import { rtnl_register, rtnl_notify, nlmsg_report, rtnl_af_register, AF_INET, RTNLGRP_IPV4_IFADDR } from '../core/rtnetlink';
import { netconf_notify } from '../core/netconf';
import { fib_add_ifaddr, fib_del_ifaddr, set_fib_netdev_up, ip_fib_init } from './fib_frontend';
import { EINVAL, EEXIST, ENODEV, EMSGSIZE, EADDRNOTAVAIL } from '../../include/uapi/asm-generic/errno';
import { ifaddrmsg, ifa_cacheinfo } from '../../include/uapi/linux/if_addr';
import {
  IPV4_DEVCONF_MAX, IPV4_DEVCONF_ACCEPT_REDIRECTS, IPV4_DEVCONF_SECURE_REDIRECTS, IPV4_DEVCONF_SEND_REDIRECTS, IPV4_DEVCONF_SHARED_MEDIA,
  IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE, IPV4_DEVCONF_NOXFRM, IPV4_DEVCONF_NOPOLICY, IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL,
  IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL, IPV4_DEVCONF_ARP_EVICT_NOCARRIER,
} from '../../include/uapi/linux/ip';

export const IFA_ADDRESS: i32 = 1;
export const IFA_LOCAL: i32 = 2;
export const IFA_LABEL: i32 = 3;
export const IFA_BROADCAST: i32 = 4;
export const IFA_ANYCAST: i32 = 5;
export const IFA_CACHEINFO: i32 = 6;
export const IFA_FLAGS: i32 = 8;
export const IFA_RT_PRIORITY: i32 = 9;
export const IFA_TARGET_NETNSID: i32 = 10;
export const IFA_PROTO: i32 = 11;
export const IFA_MAX: i32 = 11;
/** IFLA_AF_SPEC / AF_INET: the one attribute inet_fill_link_af puts. Ref: include/uapi/linux/if_link.h */
const IFLA_INET_CONF: i32 = 1;

/** struct in_ifaddr */
export class in_ifaddr {
  dev: net_device;
  local: u32 = 0;
  address: u32 = 0;
  broadcast: u32 = 0;
  prefixlen: u8 = 0;
  flags: u32 = 0;
  scope: u8 = 0;
  label: string = '';
  proto: u8 = 0;
  rt_priority: u32 = 0;
  cstamp: u32 = 0;
  tstamp: u32 = 0;
  constructor(dev: net_device) { this.dev = dev; }
  get mask(): u32 { return this.prefixlen == 0 ? 0 : <u32>(0xffffffff << (32 - this.prefixlen)); }
}

/** Every IPv4 address; a device's addresses in its list order (in_dev->ifa_list). */
export const ifa_list: in_ifaddr[] = [];

const abuf = memory.data(16);
/** sim: the `struct ifa_cacheinfo ci` that put_cacheinfo keeps on its stack. */
const ci = changetype<ifa_cacheinfo>(memory.data(offsetof<ifa_cacheinfo>()));

/** One RTM_NEWADDR / RTM_DELADDR. Ref: inet_fill_ifaddr */
function inet_fill_ifaddr(skb: sk_buff, ifa: in_ifaddr, event: i32, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, event, offsetof<ifaddrmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  ifm.ifa_family = AF_INET;
  ifm.ifa_prefixlen = ifa.prefixlen;
  ifm.ifa_flags = <u8>ifa.flags;
  ifm.ifa_scope = ifa.scope;
  ifm.ifa_index = ifa.dev.ifindex;
  // put_cacheinfo: a permanent address's lifetimes are INFINITY_LIFE_TIME.
  ci.cstamp = ifa.cstamp;
  ci.tstamp = ifa.tstamp;
  ci.ifa_prefered = INFINITY_LIFE_TIME;
  ci.ifa_valid = INFINITY_LIFE_TIME;
  let err = 0;
  if (ifa.address) { store<u32>(abuf, bswap<u32>(ifa.address)); err = nla_put(skb, IFA_ADDRESS, 4, abuf); }
  if (!err && ifa.local) { store<u32>(abuf, bswap<u32>(ifa.local)); err = nla_put(skb, IFA_LOCAL, 4, abuf); }
  if (!err && ifa.broadcast) { store<u32>(abuf, bswap<u32>(ifa.broadcast)); err = nla_put(skb, IFA_BROADCAST, 4, abuf); }
  if (!err && ifa.label.length) err = nla_put_string(skb, IFA_LABEL, ifa.label);
  if (!err) err = nla_put_u32(skb, IFA_FLAGS, ifa.flags);
  if (!err && ifa.rt_priority) err = nla_put_u32(skb, IFA_RT_PRIORITY, ifa.rt_priority);
  if (!err && ifa.proto) err = nla_put_u8(skb, IFA_PROTO, ifa.proto);
  if (!err) err = nla_put(skb, IFA_CACHEINFO, offsetof<ifa_cacheinfo>(), changetype<usize>(ci));
  if (err) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Tell RTNLGRP_IPV4_IFADDR. Ref: rtmsg_ifa */
function rtmsg_ifa(event: i32, ifa: in_ifaddr, nlh: nlmsghdr | null, portid: u32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (inet_fill_ifaddr(skb, ifa, event, portid, nlh ? nlh.nlmsg_seq : 0, 0)) { kfree_skb(skb); return; }
  rtnl_notify(skb, portid, RTNLGRP_IPV4_IFADDR, nlmsg_report(nlh));
}

/** sim: the device's addresses (Linux walks in_dev->ifa_list). */
function dev_ifas(dev: net_device): in_ifaddr[] {
  const out: in_ifaddr[] = [];
  for (let i = 0; i < ifa_list.length; i++) if (unchecked(ifa_list[i]).dev == dev) out.push(unchecked(ifa_list[i]));
  return out;
}

/**
 * A source address for a destination through dev: its first primary address of a scope no wider
 * than `scope` (one on dst's subnet preferred), else the first fitting primary of any device in
 * device order (lo first), never a link-scope one. Ref: inet_select_addr, in_dev_select_addr
 */
export function inet_select_addr(dev: net_device, dst: u32, scope: u8): u32 {
  let addr: u32 = 0;
  const l = dev_ifas(dev);
  for (let i = 0; i < l.length; i++) {
    const ifa = unchecked(l[i]);
    if (ifa.flags & IFA_F_SECONDARY) continue;
    // localnet_scope: RT_SCOPE_HOST (route_localnet is 0)
    if ((ifa.scope < RT_SCOPE_HOST ? ifa.scope : RT_SCOPE_HOST) > scope) continue;
    if (!dst || (dst & ifa.mask) == (ifa.address & ifa.mask)) { addr = ifa.local; break; }
    if (!addr) addr = ifa.local;
  }
  if (addr) return addr;
  for (let d = 0; d < devices.length; d++) {
    const o = dev_ifas(unchecked(devices[d]));
    for (let i = 0; i < o.length; i++) {
      const ifa = unchecked(o[i]);
      if (ifa.flags & IFA_F_SECONDARY) continue;
      if (ifa.scope != RT_SCOPE_LINK && (ifa.scope < RT_SCOPE_HOST ? ifa.scope : RT_SCOPE_HOST) <= scope) return ifa.local;
    }
  }
  return 0;
}

/** The device that has `addr` as a local address. Ref: __ip_dev_find */
export function __ip_dev_find(addr: u32): net_device | null {
  for (let i = 0; i < ifa_list.length; i++) if (unchecked(ifa_list[i]).local == addr) return unchecked(ifa_list[i]).dev;
  return null;
}

/** sim: The primary address a secondary hangs from (its routes' prefsrc). */
function primary_of(ifa: in_ifaddr): in_ifaddr {
  if (!(ifa.flags & IFA_F_SECONDARY)) return ifa;
  const l = dev_ifas(ifa.dev);
  for (let i = 0; i < l.length; i++) {
    const p = l[i];
    if (!(p.flags & IFA_F_SECONDARY) && p.mask == ifa.mask && (p.address & p.mask) == (ifa.address & ifa.mask)) return p;
  }
  return ifa;
}

/** Add an address: primary or secondary, announce it, then its routes. Ref: __inet_insert_ifa */
function __inet_insert_ifa(ifa: in_ifaddr, nlh: nlmsghdr | null, portid: u32, extack: netlink_ext_ack | null): i32 {
  if (ifa.local == 0) return 0;
  ifa.flags &= ~IFA_F_SECONDARY;
  const l = dev_ifas(ifa.dev);
  let last_primary = -1;
  for (let i = 0; i < l.length; i++) {
    const ifa1 = l[i];
    if (!(ifa1.flags & IFA_F_SECONDARY) && ifa.scope <= ifa1.scope) last_primary = ifa_list.indexOf(ifa1);
    if (ifa1.mask == ifa.mask && (ifa1.address & ifa1.mask) == (ifa.address & ifa.mask)) {
      if (ifa1.local == ifa.local) { NL_SET_ERR_MSG(extack, 'ipv4: Address already assigned'); return -EEXIST; }
      if (ifa1.scope != ifa.scope) { NL_SET_ERR_MSG(extack, 'ipv4: Invalid scope value'); return -EINVAL; }
      ifa.flags |= IFA_F_SECONDARY;
    }
  }
  ifa.cstamp = jiffies_to_clock_t();
  ifa.tstamp = ifa.cstamp;
  // A primary goes after the last primary of its scope, a secondary at the end of the device's list.
  if (!(ifa.flags & IFA_F_SECONDARY) && last_primary >= 0) array_insert(ifa_list, last_primary + 1, ifa);
  else if (!(ifa.flags & IFA_F_SECONDARY) && l.length) array_insert(ifa_list, ifa_list.indexOf(l[0]), ifa);
  else ifa_list.push(ifa);
  rtmsg_ifa(RTM_NEWADDR, ifa, nlh, portid);
  // The inetaddr notifier: fib_inetaddr_event → fib_add_ifaddr.
  const prim = primary_of(ifa);
  fib_add_ifaddr(ifa.dev, ifa.local, ifa.address, ifa.prefixlen, (ifa.flags & IFA_F_SECONDARY) != 0, prim.local, ifa.rt_priority,
    (ifa.flags & IFA_F_NOPREFIXROUTE) != 0);
  return 0;
}

/** Remove an address (and, with promote_secondaries off, its secondaries first). Ref: __inet_del_ifa */
function __inet_del_ifa(ifa: in_ifaddr, nlh: nlmsghdr | null, portid: u32): void {
  if (!(ifa.flags & IFA_F_SECONDARY)) {
    const l = dev_ifas(ifa.dev);
    for (let i = 0; i < l.length; i++) {
      const s = l[i];
      if (s != ifa && (s.flags & IFA_F_SECONDARY) && s.mask == ifa.mask && (s.address & s.mask) == (ifa.address & ifa.mask)) {
        ifa_list.splice(ifa_list.indexOf(s), 1);
        rtmsg_ifa(RTM_DELADDR, s, nlh, portid);
        fib_del(s, ifa.local);
      }
    }
  }
  const prim = primary_of(ifa);
  ifa_list.splice(ifa_list.indexOf(ifa), 1);
  rtmsg_ifa(RTM_DELADDR, ifa, nlh, portid);
  fib_del(ifa, prim.local);
}

/** sim: The routes of a removed address, keeping those another address of the device still uses. Ref: fib_del_ifaddr */
function fib_del(ifa: in_ifaddr, prim_local: u32): void {
  let brd_ok = false;
  let local_ok = false;
  const l = dev_ifas(ifa.dev);
  for (let i = 0; i < l.length; i++) {
    const o = l[i];
    if (o == ifa) continue;
    if (o.local == ifa.local) local_ok = true;
    if ((o.address | ~o.mask) == (ifa.address | ~ifa.mask) && o.prefixlen < 31) brd_ok = true;
  }
  fib_del_ifaddr(ifa.dev, ifa.local, ifa.address, ifa.prefixlen, (ifa.flags & IFA_F_SECONDARY) != 0, prim_local, ifa.rt_priority, brd_ok, local_ok);
}

let ifa_ipv4_policy: nla_policy[] = [];
/** sim: an IPv4 address attribute in host order (Linux: nla_get_in_addr, kept in network order). */
function in_addr(a: usize): u32 { return bswap<u32>(load<u32>(nla_data(a))); }

/** RTM_NEWADDR for AF_INET. Ref: inet_rtm_newaddr → rtm_to_ifaddr */
function inet_rtm_newaddr(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFA_MAX + 1);
  if (nlmsg_len(nlh) < <i32>offsetof<ifaddrmsg>()) return -EINVAL;
  const err = __nla_parse(tb, IFA_MAX, nlmsg_attrdata(nlh, offsetof<ifaddrmsg>()), nlmsg_attrlen(nlh, offsetof<ifaddrmsg>()), ifa_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  const prefixlen = ifm.ifa_prefixlen;
  if (prefixlen > 32) { NL_SET_ERR_MSG(extack, 'ipv4: Invalid prefix length'); return -EINVAL; }
  if (!tb[IFA_LOCAL]) { NL_SET_ERR_MSG(extack, 'ipv4: Local address is not supplied'); return -EINVAL; }
  const dev = __dev_get_by_index(<i32>ifm.ifa_index);
  if (dev == null) { NL_SET_ERR_MSG(extack, 'ipv4: Device not found'); return -ENODEV; }
  const ifa = new in_ifaddr(dev);
  ifa.prefixlen = prefixlen;
  ifa.local = in_addr(tb[IFA_LOCAL]);
  ifa.address = tb[IFA_ADDRESS] ? in_addr(tb[IFA_ADDRESS]) : ifa.local;
  if (tb[IFA_BROADCAST]) ifa.broadcast = in_addr(tb[IFA_BROADCAST]);
  ifa.flags = (tb[IFA_FLAGS] ? nla_get_u32(tb[IFA_FLAGS]) : <u32>ifm.ifa_flags) | IFA_F_PERMANENT;
  ifa.scope = ifm.ifa_scope;
  ifa.label = tb[IFA_LABEL] ? nla_get_string(tb[IFA_LABEL]) : dev.name;
  if (tb[IFA_RT_PRIORITY]) ifa.rt_priority = nla_get_u32(tb[IFA_RT_PRIORITY]);
  if (tb[IFA_PROTO]) ifa.proto = nla_get_u8(tb[IFA_PROTO]);
  // find_matching_ifa: same mask, same subnet, same local.
  const l = dev_ifas(dev);
  for (let i = 0; i < l.length; i++) {
    const o = l[i];
    if (o.mask == ifa.mask && (o.address & o.mask) == (ifa.address & ifa.mask) && o.local == ifa.local) {
      const flags = nlh.nlmsg_flags;
      if ((flags & NLM_F_EXCL) || !(flags & NLM_F_REPLACE)) { NL_SET_ERR_MSG(extack, 'ipv4: Address already assigned'); return -EEXIST; }
      // Replace: new priority, protocol, lifetimes; announced again.
      o.rt_priority = ifa.rt_priority;
      o.proto = ifa.proto;
      o.tstamp = jiffies_to_clock_t();
      rtmsg_ifa(RTM_NEWADDR, o, nlh, NETLINK_CB(skb).portid);
      return 0;
    }
  }
  return __inet_insert_ifa(ifa, nlh, NETLINK_CB(skb).portid, extack);
}

/** RTM_DELADDR for AF_INET. Ref: inet_rtm_deladdr */
function inet_rtm_deladdr(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFA_MAX + 1);
  if (nlmsg_len(nlh) < <i32>offsetof<ifaddrmsg>()) return -EINVAL;
  const err = __nla_parse(tb, IFA_MAX, nlmsg_attrdata(nlh, offsetof<ifaddrmsg>()), nlmsg_attrlen(nlh, offsetof<ifaddrmsg>()), ifa_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  const dev = __dev_get_by_index(<i32>ifm.ifa_index);
  if (dev == null) { NL_SET_ERR_MSG(extack, 'ipv4: Device not found'); return -ENODEV; }
  const prefixlen = ifm.ifa_prefixlen;
  const l = dev_ifas(dev);
  for (let i = 0; i < l.length; i++) {
    const ifa = l[i];
    if (tb[IFA_LOCAL] && ifa.local != in_addr(tb[IFA_LOCAL])) continue;
    if (tb[IFA_LABEL] && ifa.label != nla_get_string(tb[IFA_LABEL])) continue;
    if (tb[IFA_ADDRESS] && (prefixlen != ifa.prefixlen || (in_addr(tb[IFA_ADDRESS]) & ifa.mask) != (ifa.address & ifa.mask))) continue;
    __inet_del_ifa(ifa, nlh, NETLINK_CB(skb).portid);
    return 0;
  }
  NL_SET_ERR_MSG(extack, 'ipv4: Address not found');
  return -EADDRNOTAVAIL;
}

/** The address dump's request check. Ref: inet_valid_dump_ifaddr_req */
export function inet_valid_dump_ifaddr_req(cb: netlink_callback, tb: StaticArray<usize>, family: u8): i32 {
  const nlh = cb.nlh;
  if (nlmsg_len(nlh) < <i32>offsetof<ifaddrmsg>()) {
    NL_SET_ERR_MSG(cb.extack, family == AF_INET ? 'ipv4: Invalid header for address dump request' : 'ipv6: Invalid header for address dump request');
    return -EINVAL;
  }
  const ifm = changetype<ifaddrmsg>(nlmsg_data(nlh));
  if (ifm.ifa_prefixlen || ifm.ifa_flags || ifm.ifa_scope) {
    NL_SET_ERR_MSG(cb.extack, family == AF_INET ? 'ipv4: Invalid values in header for address dump request' : 'ipv6: Invalid values in header for address dump request');
    return -EINVAL;
  }
  const err = __nla_parse(tb, IFA_MAX, nlmsg_attrdata(nlh, offsetof<ifaddrmsg>()), nlmsg_attrlen(nlh, offsetof<ifaddrmsg>()), ifa_ipv4_policy, NL_VALIDATE_STRICT, cb.extack);
  if (err < 0) return err;
  for (let i = 0; i <= IFA_MAX; i++) {
    if (!tb[i]) continue;
    if (i != IFA_TARGET_NETNSID) {
      NL_SET_ERR_MSG(cb.extack, family == AF_INET ? 'ipv4: Unsupported attribute in dump request' : 'ipv6: Unsupported attribute in dump request');
      return -EINVAL;
    }
  }
  return 0;
}

/** The AF_INET address dump, device by device. Ref: inet_dump_ifaddr */
function inet_dump_ifaddr(skb: sk_buff, cb: netlink_callback): i32 {
  let ifindex = 0;
  if (cb.strict_check && cb.args[2] == 0) {
    const tb = new StaticArray<usize>(IFA_MAX + 1);
    const err = inet_valid_dump_ifaddr_req(cb, tb, AF_INET);
    if (err < 0) return err;
    ifindex = <i32>changetype<ifaddrmsg>(nlmsg_data(cb.nlh)).ifa_index;
    if (ifindex) cb.answer_flags = NLM_F_DUMP_FILTERED;
    if (ifindex && __dev_get_by_index(ifindex) == null) return -ENODEV;
    cb.args[2] = 1 | (<i64>ifindex << 8);
  } else if (cb.args[2]) ifindex = <i32>(cb.args[2] >> 8);
  const list: in_ifaddr[] = [];
  for (let d = 0; d < devices.length; d++) {
    const dev = unchecked(devices[d]);
    if (ifindex && dev.ifindex != ifindex) continue;
    const l = dev_ifas(dev);
    for (let i = 0; i < l.length; i++) list.push(l[i]);
  }
  let idx = <i32>cb.args[0];
  // A dump filtered by device says so in every message and in NLMSG_DONE.
  const mflags = ifindex ? NLM_F_MULTI | NLM_F_DUMP_FILTERED : NLM_F_MULTI;
  if (ifindex) cb.answer_flags = 0x20;
  for (; idx < list.length; idx++) {
    if (inet_fill_ifaddr(skb, list[idx], RTM_NEWADDR, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, mflags) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

/** sim: in_dev->cnf.data, `s32 data[IPV4_DEVCONF_MAX]` indexed by IPV4_DEVCONF_* - 1 (Linux: IPV4_DEVCONF(cnf, attr)). */
const devconf_data = new StaticArray<i32>(IPV4_DEVCONF_MAX);

/** IPv4's devconf as 6.18 reports it in IFLA_INET_CONF (lo also has NOXFRM and NOPOLICY). Ref: inet_fill_link_af */
function inet_fill_link_af(skb: sk_buff, dev: net_device): i32 {
  // The defaults every device of a fresh namespace has (ipv4_devconf_dflt); every other value is 0.
  const data = devconf_data;
  data.fill(0);
  data[IPV4_DEVCONF_ACCEPT_REDIRECTS - 1] = 1;
  data[IPV4_DEVCONF_SECURE_REDIRECTS - 1] = 1;
  data[IPV4_DEVCONF_SEND_REDIRECTS - 1] = 1;
  data[IPV4_DEVCONF_SHARED_MEDIA - 1] = 1;
  data[IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE - 1] = 1;
  if (dev.flags & IFF_LOOPBACK) {
    data[IPV4_DEVCONF_NOXFRM - 1] = 1;
    data[IPV4_DEVCONF_NOPOLICY - 1] = 1;
  }
  data[IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL - 1] = 10000; // ms
  data[IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL - 1] = 1000; // ms
  data[IPV4_DEVCONF_ARP_EVICT_NOCARRIER - 1] = 1;
  return nla_put(skb, IFLA_INET_CONF, IPV4_DEVCONF_MAX * 4, changetype<usize>(data));
}

/** Bring up lo: 127.0.0.1/8. Addresses of any device get their routes again. Ref: inetdev_event */
function inetdev_event(event: i32, dev: net_device): void {
  if (event == NETDEV_REGISTER) {
    // inetdev_init: the device's IPv4 settings exist from now on, and are announced.
    netconf_notify(AF_INET, RTM_NEWNETCONF, dev);
  } else if (event == NETDEV_UP) {
    if (dev.flags & IFF_LOOPBACK) {
      const ifa = new in_ifaddr(dev);
      ifa.local = 0x7f000001;
      ifa.address = 0x7f000001;
      ifa.prefixlen = 8;
      ifa.flags = IFA_F_PERMANENT;
      ifa.scope = RT_SCOPE_HOST;
      ifa.label = dev.name;
      __inet_insert_ifa(ifa, null, 0, null);
    }
  } else if (event == NETDEV_UNREGISTER) {
    // inetdev_destroy: every address goes, each announced, its routes with it.
    let l = dev_ifas(dev);
    while (l.length) {
      __inet_del_ifa(l[0], null, 0);
      l = dev_ifas(dev);
    }
    netconf_notify(AF_INET, RTM_DELNETCONF, dev);
  } else if (event == NETDEV_CHANGENAME) {
    const l = dev_ifas(dev);
    for (let i = 0; i < l.length; i++) if (l[i].label.startsWith(dev.name) == false) l[i].label = dev.name;
  }
}

/** sim: fib_netdev_event NETDEV_UP: every address's routes. Ref: fib_netdev_event → fib_add_ifaddr */
function fib_readd(dev: net_device): void {
  const l = dev_ifas(dev);
  for (let i = 0; i < l.length; i++) {
    const ifa = l[i];
    fib_add_ifaddr(dev, ifa.local, ifa.address, ifa.prefixlen, (ifa.flags & IFA_F_SECONDARY) != 0, primary_of(ifa).local, ifa.rt_priority,
      (ifa.flags & IFA_F_NOPREFIXROUTE) != 0);
  }
}

export function devinet_init(): void {
  ifa_ipv4_policy = nla_policy_new(IFA_MAX);
  ifa_ipv4_policy[IFA_LOCAL] = NLA_POLICY(NLA_U32);
  ifa_ipv4_policy[IFA_ADDRESS] = NLA_POLICY(NLA_U32);
  ifa_ipv4_policy[IFA_BROADCAST] = NLA_POLICY(NLA_U32);
  ifa_ipv4_policy[IFA_LABEL] = NLA_POLICY(NLA_STRING, 15);
  ifa_ipv4_policy[IFA_CACHEINFO] = NLA_POLICY(NLA_UNSPEC, <u16>offsetof<ifa_cacheinfo>());
  ifa_ipv4_policy[IFA_FLAGS] = NLA_POLICY(NLA_U32);
  ifa_ipv4_policy[IFA_RT_PRIORITY] = NLA_POLICY(NLA_U32);
  ifa_ipv4_policy[IFA_TARGET_NETNSID] = NLA_POLICY(NLA_S32);
  ifa_ipv4_policy[IFA_PROTO] = NLA_POLICY(NLA_U8);
  register_netdevice_notifier(inetdev_event);
  set_fib_netdev_up(fib_readd);
  ip_fib_init();
  rtnl_af_register(AF_INET, inet_fill_link_af);
  rtnl_register(AF_INET, RTM_NEWADDR, inet_rtm_newaddr, null);
  rtnl_register(AF_INET, RTM_DELADDR, inet_rtm_deladdr, null);
  rtnl_register(AF_INET, RTM_GETADDR, null, inet_dump_ifaddr);
}
