/**
 * RTM_NEWNETCONF / RTM_DELNETCONF / RTM_GETNETCONF for IPv4 and IPv6: the per-device forwarding
 * settings `ip netconf` shows, announced to RTNLGRP_IPV4_NETCONF / RTNLGRP_IPV6_NETCONF when a device
 * is registered or unregistered. A fresh namespace forwards nothing: every value is 0.
 * Ref: net/ipv4/devinet.c (inet_netconf_fill_devconf, inet_netconf_get_devconf, inet_netconf_dump_devconf),
 * net/ipv6/addrconf.c (inet6_netconf_*)
 *
 * Models Linux 6.18: net/ipv4/devinet.c, net/ipv6/addrconf.c (their netconf parts)
 */
import { NLM_F_MULTI } from '../../include/uapi/linux/netlink';
import { RTM_DELNETCONF, RTM_GETNETCONF, RTM_NEWNETCONF } from '../../include/uapi/linux/rtnetlink';
import { netconfmsg } from '../../include/uapi/linux/netconf';
import { sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, nlmsg_unicast, kfree_skb, nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_attrdata, nlmsg_attrlen } from '../netlink/af_netlink';
import { netlink_ext_ack, nla_put_u32, nla_put_s32, nla_find, nla_get_s32 } from '../../lib/nlattr';
import { net_device, devices, __dev_get_by_index } from './dev';
import { rtnl, rtnl_register, rtnl_notify, AF_INET, AF_INET6, RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF } from './rtnetlink';
import { EINVAL, ENODEV, EMSGSIZE, ENOBUFS } from '../../include/uapi/asm-generic/errno';

const NETCONFA_IFINDEX: i32 = 1;
const NETCONFA_FORWARDING: i32 = 2;
const NETCONFA_RP_FILTER: i32 = 3;
const NETCONFA_MC_FORWARDING: i32 = 4;
const NETCONFA_PROXY_NEIGH: i32 = 5;
const NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN: i32 = 6;
const NETCONFA_BC_FORWARDING: i32 = 8;
/** The "all" and "default" pseudo-devices. */
const NETCONFA_IFINDEX_ALL: i32 = -1;
const NETCONFA_IFINDEX_DEFAULT: i32 = -2;

/** sim: One netconf message: struct netconfmsg (nlmsg_put pads it to 4 bytes), the index, and (not for DEL) every setting. */
function netconf_fill(skb: sk_buff, family: u8, ifindex: i32, type: i32, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, type, offsetof<netconfmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const ncm = changetype<netconfmsg>(nlmsg_data(nlh));
  ncm.ncm_family = family;
  let err = nla_put_s32(skb, NETCONFA_IFINDEX, ifindex);
  if (!err && type != RTM_DELNETCONF) {
    err = nla_put_s32(skb, NETCONFA_FORWARDING, 0);
    if (!err && family == AF_INET) err = nla_put_s32(skb, NETCONFA_RP_FILTER, 0);
    if (!err) err = nla_put_s32(skb, NETCONFA_MC_FORWARDING, 0);
    if (!err && family == AF_INET) err = nla_put_s32(skb, NETCONFA_BC_FORWARDING, 0);
    if (!err) err = nla_put_s32(skb, NETCONFA_PROXY_NEIGH, 0);
    if (!err) err = nla_put_s32(skb, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, 0);
  }
  if (err) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nlmsg_end(skb, nlh);
  return 0;
}

/** sim: Announce a device's settings (registered) or their end (unregistered). Ref: inet_netconf_notify_devconf */
export function netconf_notify(family: u8, type: i32, dev: net_device): void {
  const skb = nlmsg_new(128);
  if (skb == null) return;
  if (netconf_fill(skb, family, dev.ifindex, type, 0, 0, 0)) { kfree_skb(skb); return; }
  rtnl_notify(skb, 0, family == AF_INET ? RTNLGRP_IPV4_NETCONF : RTNLGRP_IPV6_NETCONF, false);
}

/** sim: RTM_GETNETCONF for one device (NETCONFA_IFINDEX, or -1 / -2). Ref: inet_netconf_get_devconf */
function netconf_get(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < 4) return -EINVAL;
  const ncm = changetype<netconfmsg>(nlmsg_data(nlh));
  const family = ncm.ncm_family;
  const len = nlmsg_attrlen(nlh, offsetof<netconfmsg>());
  const a = len > 0 ? nla_find(nlmsg_attrdata(nlh, offsetof<netconfmsg>()), len, NETCONFA_IFINDEX) : 0;
  if (!a) return -EINVAL;
  const ifindex = nla_get_s32(a);
  if (ifindex != NETCONFA_IFINDEX_ALL && ifindex != NETCONFA_IFINDEX_DEFAULT && __dev_get_by_index(ifindex) == null) return -ENODEV;
  const out = nlmsg_new(128);
  if (out == null) return -ENOBUFS;
  if (netconf_fill(out, family, ifindex, RTM_NEWNETCONF, NETLINK_CB(skb).portid, nlh.nlmsg_seq, 0)) { kfree_skb(out); return -EMSGSIZE; }
  return nlmsg_unicast(rtnl!, out, NETLINK_CB(skb).portid);
}

/** sim: Every device, then "all" and "default". Ref: inet_netconf_dump_devconf */
function netconf_dump(skb: sk_buff, cb: netlink_callback, family: u8): i32 {
  const list: i32[] = [];
  for (let i = 0; i < devices.length; i++) list.push(unchecked(devices[i]).ifindex);
  list.push(NETCONFA_IFINDEX_ALL);
  list.push(NETCONFA_IFINDEX_DEFAULT);
  let idx = <i32>cb.args[0];
  for (; idx < list.length; idx++) {
    if (netconf_fill(skb, family, list[idx], RTM_NEWNETCONF, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq, NLM_F_MULTI) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

function inet_netconf_dump_devconf(skb: sk_buff, cb: netlink_callback): i32 { return netconf_dump(skb, cb, AF_INET); }
function inet6_netconf_dump_devconf(skb: sk_buff, cb: netlink_callback): i32 { return netconf_dump(skb, cb, AF_INET6); }

/** sim: registers RTM_GETNETCONF for both families (Linux does it in devinet_init and addrconf_init). */
export function netconf_init(): void {
  rtnl_register(AF_INET, RTM_GETNETCONF, netconf_get, inet_netconf_dump_devconf);
  rtnl_register(AF_INET6, RTM_GETNETCONF, netconf_get, inet6_netconf_dump_devconf);
}
