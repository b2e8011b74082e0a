/**
 * NETLINK_ROUTE, the part a fresh network namespace answers: links (RTM_GETLINK do and dump,
 * RTM_NEWLINK / RTM_SETLINK changing flags, with RTM_NEWLINK notifications to RTNLGRP_LINK).
 * Every other message type answers -EOPNOTSUPP, addresses and routes dump empty.
 *
 * Ref: net/core/rtnetlink.c (Linux 6.1)
 */
import {
  sk_buff, sock, netlink_kernel_cfg, netlink_kernel_create, netlink_rcv_skb, netlink_dump_start, netlink_dump_control,
  netlink_callback, netlink_capable, netlink_strict_get_check, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data,
  nlmsg_len, nlmsg_unicast, nlmsg_multicast, nlmsghdr_type, nlmsghdr_flags, nlmsghdr_seq, kfree_skb, NETLINK_CB,
  NLMSG_ALIGN, NLMSG_GOODSIZE, NLM_F_MULTI, NLM_F_DUMP, NL_CFG_F_NONROOT_RECV, CAP_NET_ADMIN,
  NETLINK_ROUTE,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, nla_put_string, nla_put_u32, nla_put_u16, nla_put_u8, nla_put, nla_find, nla_get_string,
  nla_nest_start_noflag, nla_nest_end,
} from '../../lib/nlattr';
import {
  net_device, devices, __dev_get_by_index, __dev_get_by_name, dev_get_flags, IFF_UP,
} from './dev';
import { EOPNOTSUPP, EPERM, EINVAL, ENODEV, EMSGSIZE, ENOBUFS, EEXIST } from '../../include/uapi/asm-generic/errno';
import { tracing, trace_enter, tr } from '../../kernel/trace';
import { ktime_get_ms } from '../../kernel/time';

export const RTM_BASE: i32 = 16;
export const RTM_NEWLINK: i32 = 16;
export const RTM_DELLINK: i32 = 17;
export const RTM_GETLINK: i32 = 18;
export const RTM_SETLINK: i32 = 19;
export const RTM_GETADDR: i32 = 22;
export const RTM_GETROUTE: i32 = 26;
/** The highest message type of 6.1. Ref: include/uapi/linux/rtnetlink.h:RTM_MAX */
export const RTM_MAX: i32 = 123;
export const RTNLGRP_LINK: u32 = 1;
export const RTNLGRP_IPV4_MROUTE_R: i32 = 30;
export const RTNLGRP_IPV6_MROUTE_R: i32 = 31;
/** Ref: enum rtnetlink_groups (6.1) */
export const RTNLGRP_MAX: u32 = 36;

const IFLA_ADDRESS: i32 = 1;
const IFLA_BROADCAST: i32 = 2;
const IFLA_IFNAME: i32 = 3;
const IFLA_MTU: i32 = 4;
const IFLA_QDISC: i32 = 6;
const IFLA_TXQLEN: i32 = 13;
const IFLA_OPERSTATE: i32 = 16;
const IFLA_LINKMODE: i32 = 17;
const IFLA_GROUP: i32 = 27;
const IFLA_PROMISCUITY: i32 = 30;
const IFLA_NUM_TX_QUEUES: i32 = 31;
const IFLA_NUM_RX_QUEUES: i32 = 32;
const IFLA_CARRIER: i32 = 33;
const IFLA_CARRIER_CHANGES: i32 = 35;
const IFLA_PROTO_DOWN: i32 = 39;
const IFLA_GSO_MAX_SEGS: i32 = 40;
const IFLA_GSO_MAX_SIZE: i32 = 41;
const IFLA_MIN_MTU: i32 = 50;
const IFLA_MAX_MTU: i32 = 51;
const IFLA_STATS: i32 = 7;
const IFLA_MAP: i32 = 14;
const IFLA_STATS64: i32 = 23;
const IFLA_XDP: i32 = 43;
const IFLA_XDP_ATTACHED: i32 = 2;
const IFLA_CARRIER_UP_COUNT: i32 = 47;
const IFLA_CARRIER_DOWN_COUNT: i32 = 48;
const IFLA_GRO_MAX_SIZE: i32 = 58;
const IFLA_TSO_MAX_SIZE: i32 = 59;
const IFLA_TSO_MAX_SEGS: i32 = 60;
const IFLA_ALLMULTI: i32 = 61;
// Attribute 62 and 65 come empty from this machine's kernel for lo (IFLA_DEVLINK_PORT, IFLA_DPLL_PIN).
const IFLA_DEVLINK_PORT_EMPTY: i32 = 62;
const IFLA_GSO_IPV4_MAX_SIZE: i32 = 63;
const IFLA_GRO_IPV4_MAX_SIZE: i32 = 64;
const IFLA_DPLL_PIN_EMPTY: i32 = 65;
const IFLA_MAX_PACING_OFFLOAD_HORIZON: i32 = 66;
const IFLA_NETNS_IMMUTABLE: i32 = 67;
const IFLA_HEADROOM: i32 = 68;
const IFLA_TAILROOM: i32 = 69;
const IF_OPER_UNKNOWN: u8 = 0;
const IF_OPER_DOWN: u8 = 2;

/** sizeof(struct ifinfomsg). */
const IFINFOMSG_SIZE: i32 = 16;

/** The kernel socket of NETLINK_ROUTE (net->rtnl). */
export let rtnl: sock | null = null;

// Zeros for the hardware addresses, the (empty) statistics and the device map of lo.
const zeros = memory.data(256);

/** Fill one RTM_NEWLINK for dev. Ref: rtnl_fill_ifinfo */
function rtnl_fill_ifinfo(skb: sk_buff, dev: net_device, type: i32, portid: u32, seq: u32, change: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, type, IFINFOMSG_SIZE, flags);
  if (!nlh) return -EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  store<u8>(ifm, 0); // ifi_family AF_UNSPEC
  store<u8>(ifm, 0, 1);
  store<u16>(ifm, dev.type, 2);
  store<i32>(ifm, dev.ifindex, 4);
  store<u32>(ifm, dev_get_flags(dev), 8);
  store<u32>(ifm, change, 12);
  const up = (dev.flags & IFF_UP) != 0;
  // The attributes and their order as this machine's 6.18 kernel sends them for lo, except
  // IFLA_AF_SPEC (the per-family configuration), which the simulator does not model.
  if (nla_put_string(skb, IFLA_IFNAME, dev.name) ||
    nla_put_u32(skb, IFLA_TXQLEN, dev.txqlen) ||
    nla_put_u8(skb, IFLA_OPERSTATE, up ? IF_OPER_UNKNOWN : IF_OPER_DOWN) ||
    nla_put_u8(skb, IFLA_LINKMODE, 0) ||
    nla_put_u8(skb, IFLA_NETNS_IMMUTABLE, 1) ||
    nla_put_u32(skb, IFLA_MTU, dev.mtu) ||
    nla_put_u32(skb, IFLA_MIN_MTU, 0) ||
    nla_put_u32(skb, IFLA_MAX_MTU, 0) ||
    nla_put_u32(skb, IFLA_GROUP, 0) ||
    nla_put_u32(skb, IFLA_PROMISCUITY, 0) ||
    nla_put_u32(skb, IFLA_ALLMULTI, 0) ||
    nla_put_u32(skb, IFLA_NUM_TX_QUEUES, 1) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SEGS, 65535) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GRO_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GSO_IPV4_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GRO_IPV4_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SIZE, 524280) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SEGS, 65535) ||
    nla_put_u32(skb, IFLA_MAX_PACING_OFFLOAD_HORIZON, 0) ||
    nla_put_u32(skb, IFLA_NUM_RX_QUEUES, 1) ||
    nla_put_u8(skb, IFLA_CARRIER, 1) ||
    nla_put_u32(skb, IFLA_CARRIER_CHANGES, 0) ||
    nla_put_u32(skb, IFLA_CARRIER_UP_COUNT, 0) ||
    nla_put_u32(skb, IFLA_CARRIER_DOWN_COUNT, 0) ||
    nla_put_u16(skb, IFLA_HEADROOM, 0) ||
    nla_put_u16(skb, IFLA_TAILROOM, 0) ||
    nla_put_u8(skb, IFLA_PROTO_DOWN, 0) ||
    nla_put(skb, IFLA_ADDRESS, 6, zeros) ||
    nla_put(skb, IFLA_BROADCAST, 6, zeros) ||
    nla_put(skb, IFLA_STATS64, 200, zeros) ||
    nla_put(skb, IFLA_STATS, 96, zeros)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  const xdp = nla_nest_start_noflag(skb, IFLA_XDP);
  if (!xdp || nla_put_u8(skb, IFLA_XDP_ATTACHED, 0)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nla_nest_end(skb, xdp);
  if (nla_put_string(skb, IFLA_QDISC, up ? 'noqueue' : 'noop') ||
    nla_put(skb, IFLA_MAP, 32, zeros) ||
    nla_put(skb, IFLA_DEVLINK_PORT_EMPTY, 0, zeros) ||
    nla_put(skb, IFLA_DPLL_PIN_EMPTY, 0, zeros)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Room for one RTM_NEWLINK. Ref: if_nlmsg_size */
const IF_NLMSG_SIZE: i32 = 1024;

/** Tell RTNLGRP_LINK about a change. Ref: rtmsg_ifinfo */
function rtmsg_ifinfo(type: i32, dev: net_device, change: u32): void {
  const sk = rtnl;
  if (sk == null) return;
  const skb = nlmsg_new(IF_NLMSG_SIZE);
  if (skb == null) return;
  if (rtnl_fill_ifinfo(skb, dev, type, 0, 0, change, 0)) {
    kfree_skb(skb);
    return;
  }
  nlmsg_multicast(sk, skb, 0, RTNLGRP_LINK);
}

/** Change flags and notify. Ref: net/core/dev.c:dev_change_flags */
function dev_change_flags(dev: net_device, flags: u32): void {
  const old = dev_get_flags(dev);
  dev.flags = (dev.flags & ~IFF_UP) | (flags & IFF_UP);
  if ((dev.flags & IFF_UP) && !(old & IFF_UP) && !dev.addrs_up) {
    // NETDEV_UP on the loopback device: inetdev adds 127.0.0.1/8, addrconf ::1/128.
    dev.addrs_up = true;
    dev.addr_cstamp = <u32>(ktime_get_ms() / 10.0);
  }
  const changes = old ^ dev_get_flags(dev);
  if (changes) rtmsg_ifinfo(RTM_NEWLINK, dev, changes);
}

/** The ifinfomsg check of a GETLINK request. Ref: rtnl_valid_getlink_req */
function rtnl_valid_getlink_req(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < IFINFOMSG_SIZE) {
    NL_SET_ERR_MSG(extack, 'Invalid header for get link');
    return -EINVAL;
  }
  if (!netlink_strict_get_check(skb)) return 0;
  const ifm = nlmsg_data(nlh);
  if (load<u8>(ifm, 1) || load<u16>(ifm, 2) || load<u32>(ifm, 8) || load<u32>(ifm, 12)) {
    NL_SET_ERR_MSG(extack, 'Invalid values in header for get link request');
    return -EINVAL;
  }
  return 0;
}

function ifname_attr(nlh: usize): usize {
  const len = <i32>load<u32>(nlh);
  const off = 16 + NLMSG_ALIGN(IFINFOMSG_SIZE);
  if (len <= off) return 0;
  return nla_find(nlh + <usize>off, len - off, IFLA_IFNAME);
}

/** RTM_GETLINK for one device. Ref: rtnl_getlink */
function rtnl_getlink(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  const err = rtnl_valid_getlink_req(skb, nlh, extack);
  if (err < 0) return err;
  const ifindex = load<i32>(nlmsg_data(nlh), 4);
  let dev: net_device | null = null;
  if (ifindex > 0) {
    dev = __dev_get_by_index(ifindex);
  } else {
    const name = ifname_attr(nlh);
    if (!name) return -EINVAL;
    dev = __dev_get_by_name(nla_get_string(name));
  }
  if (dev == null) return -ENODEV;
  const nskb = nlmsg_new(IF_NLMSG_SIZE);
  if (nskb == null) return -ENOBUFS;
  const e = rtnl_fill_ifinfo(nskb, dev, RTM_NEWLINK, NETLINK_CB(skb).portid, nlmsghdr_seq(nlh), 0, 0);
  if (e < 0) { kfree_skb(nskb); return e; }
  return nlmsg_unicast(rtnl!, nskb, NETLINK_CB(skb).portid);
}

/** The link dump. Ref: rtnl_dump_ifinfo (with rtnl_valid_dump_ifinfo_req) */
function rtnl_dump_ifinfo(skb: sk_buff, cb: netlink_callback): i32 {
  const nlh = cb.nlh;
  if (cb.strict_check) {
    if (nlmsg_len(nlh) < IFINFOMSG_SIZE) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid header for link dump');
      return -EINVAL;
    }
    const ifm = nlmsg_data(nlh);
    if (load<u8>(ifm, 1) || load<u16>(ifm, 2) || load<u32>(ifm, 8) || load<u32>(ifm, 12)) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for link dump request');
      return -EINVAL;
    }
    if (load<i32>(ifm, 4)) {
      NL_SET_ERR_MSG(cb.extack, 'Filter by device index not supported for link dumps');
      return -EINVAL;
    }
  }
  let idx = <i32>cb.args[0];
  for (; idx < devices.length; idx++) {
    const err = rtnl_fill_ifinfo(skb, unchecked(devices[idx]), RTM_NEWLINK, NETLINK_CB(cb.skb).portid, nlmsghdr_seq(nlh), 0, NLM_F_MULTI);
    if (err < 0) {
      if (skb.len == 0) return err;
      break;
    }
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

/** A dump with nothing in it (routes are not modelled). */
function rtnl_dump_empty(skb: sk_buff, cb: netlink_callback): i32 { return 0; }

const IFA_ADDRESS: i32 = 1;
const IFA_LOCAL: i32 = 2;
const IFA_LABEL: i32 = 3;
const IFA_CACHEINFO: i32 = 6;
const IFA_FLAGS: i32 = 8;
const IFA_PROTO: i32 = 11;
const IFA_F_PERMANENT: u32 = 0x80;
const RT_SCOPE_HOST: u8 = 254;
const IFAPROT_KERNEL_LO: u8 = 1;
const addrbuf = memory.data(16);

/** One RTM_NEWADDR for lo's address of `family` (2: 127.0.0.1/8, 10: ::1/128). Ref: inet_fill_ifaddr, inet6_fill_ifaddr */
function fill_lo_addr(skb: sk_buff, dev: net_device, family: u8, portid: u32, seq: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, 20 /* RTM_NEWADDR */, 8, flags);
  if (!nlh) return -EMSGSIZE;
  const ifa = nlmsg_data(nlh);
  store<u8>(ifa, family);
  store<u8>(ifa, family == 2 ? 8 : 128, 1);
  store<u8>(ifa, <u8>IFA_F_PERMANENT, 2);
  store<u8>(ifa, RT_SCOPE_HOST, 3);
  store<i32>(ifa, dev.ifindex, 4);
  // struct ifa_cacheinfo: preferred and valid forever, created and updated when lo went up.
  const ci = memory.data(16);
  store<u32>(ci, 0xffffffff);
  store<u32>(ci, 0xffffffff, 4);
  store<u32>(ci, dev.addr_cstamp, 8);
  store<u32>(ci, dev.addr_cstamp, 12);
  let err = 0;
  if (family == 2) {
    store<u32>(addrbuf, 0x0100007f);
    err = nla_put(skb, IFA_ADDRESS, 4, addrbuf) || nla_put(skb, IFA_LOCAL, 4, addrbuf) ||
      nla_put_string(skb, IFA_LABEL, dev.name) || nla_put_u32(skb, IFA_FLAGS, IFA_F_PERMANENT) ||
      nla_put(skb, IFA_CACHEINFO, 16, ci);
  } else {
    memory.fill(addrbuf, 0, 16);
    store<u8>(addrbuf, 1, 15);
    err = nla_put(skb, IFA_ADDRESS, 16, addrbuf) || nla_put(skb, IFA_CACHEINFO, 16, ci) ||
      nla_put_u32(skb, IFA_FLAGS, IFA_F_PERMANENT) || nla_put_u8(skb, IFA_PROTO, IFAPROT_KERNEL_LO);
  }
  if (err) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nlmsg_end(skb, nlh);
  return 0;
}

/**
 * The address dump: lo's addresses once it has been up, IPv4 then IPv6 for AF_UNSPEC (as
 * rtnl_dump_all walks the families). Ref: inet_dump_ifaddr, inet6_dump_ifaddr
 */
function rtnl_dump_ifaddr(skb: sk_buff, cb: netlink_callback): i32 {
  const nlh = cb.nlh;
  const family = nlmsg_len(nlh) >= 1 ? load<u8>(nlmsg_data(nlh)) : 0;
  const lo = devices[0];
  let idx = <i32>cb.args[0];
  const fams: u8[] = family == 0 ? [2, 10] : family == 2 ? [2] : family == 10 ? [10] : [];
  if (lo.addrs_up) {
    for (; idx < fams.length; idx++) {
      if (fill_lo_addr(skb, lo, fams[idx], NETLINK_CB(cb.skb).portid, nlmsghdr_seq(nlh), NLM_F_MULTI) < 0) break;
    }
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

/** RTM_NEWLINK / RTM_SETLINK on an existing device: its flags. Ref: rtnl_setlink → do_setlink */
function rtnl_setlink(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < IFINFOMSG_SIZE) return -EINVAL;
  const ifm = nlmsg_data(nlh);
  const ifindex = load<i32>(ifm, 4);
  let dev: net_device | null = null;
  if (ifindex > 0) dev = __dev_get_by_index(ifindex);
  else {
    const name = ifname_attr(nlh);
    if (name) dev = __dev_get_by_name(nla_get_string(name));
  }
  if (dev == null) {
    // sim: creating links (NLM_F_CREATE with IFLA_LINKINFO) is not modelled.
    if (nlmsghdr_type(nlh) == RTM_NEWLINK && (nlmsghdr_flags(nlh) & 0x400 /* NLM_F_CREATE */) && ifindex <= 0) {
      NL_SET_ERR_MSG(extack, 'sim: creating links is not supported by the simulated kernel');
      return -EOPNOTSUPP;
    }
    return -ENODEV;
  }
  // RTM_NEWLINK on a device that exists: NLM_F_EXCL refuses it, NLM_F_REPLACE is not supported
  // (a link cannot be replaced), anything else changes it. Ref: rtnl_changelink
  if (nlmsghdr_type(nlh) == RTM_NEWLINK) {
    if (nlmsghdr_flags(nlh) & 0x200 /* NLM_F_EXCL */) return -EEXIST;
    if (nlmsghdr_flags(nlh) & 0x100 /* NLM_F_REPLACE */) return -EOPNOTSUPP;
  }
  const ifi_flags = load<u32>(ifm, 8);
  const ifi_change = load<u32>(ifm, 12);
  if (ifi_flags || ifi_change) {
    let flags = ifi_flags;
    if (ifi_change) flags = (flags & ifi_change) | (dev.flags & ~ifi_change);
    dev_change_flags(dev, flags);
  }
  return 0;
}

/** Route one message to its handler. Ref: rtnetlink_rcv_msg */
function rtnetlink_rcv_msg(skb: sk_buff, nlh: usize, extack: netlink_ext_ack | null): i32 {
  if (tracing) trace_enter('rtnetlink_rcv_msg', 'type=%u', <i32>nlmsghdr_type(nlh));
  let type = <i32>nlmsghdr_type(nlh);
  if (type > RTM_MAX) return tr(-EOPNOTSUPP);
  type -= RTM_BASE;
  // All the messages must have at least 1 byte length
  if (nlmsg_len(nlh) < 1) return tr(0);
  const kind = type & 3;
  if (kind != 2 && !netlink_capable(skb, CAP_NET_ADMIN)) return tr(-EPERM);
  const full = type + RTM_BASE;
  if (kind == 2 && (nlmsghdr_flags(nlh) & NLM_F_DUMP)) {
    const c = new netlink_dump_control();
    if (full == RTM_GETLINK) c.dump = rtnl_dump_ifinfo;
    else if (full == RTM_GETADDR) c.dump = rtnl_dump_ifaddr;
    else if (full == RTM_GETROUTE) c.dump = rtnl_dump_empty;
    else return tr(-EOPNOTSUPP);
    c.module = 'rtnetlink';
    return tr(netlink_dump_start(rtnl!, skb, nlh, c));
  }
  if (full == RTM_GETLINK) return tr(rtnl_getlink(skb, nlh, extack));
  if (full == RTM_NEWLINK || full == RTM_SETLINK) return tr(rtnl_setlink(skb, nlh, extack));
  return tr(-EOPNOTSUPP);
}

/** NETLINK_ROUTE's input. Ref: rtnetlink_rcv */
function rtnetlink_rcv(skb: sk_buff): void {
  netlink_rcv_skb(skb, rtnetlink_rcv_msg);
}

/** Joining the multicast-routing groups needs CAP_NET_ADMIN. Ref: rtnetlink_bind */
function rtnetlink_bind(group: i32, capable: bool): i32 {
  if ((group == RTNLGRP_IPV4_MROUTE_R || group == RTNLGRP_IPV6_MROUTE_R) && !capable) return -EPERM;
  return 0;
}

/** Create NETLINK_ROUTE's kernel socket. Ref: rtnetlink_net_init */
export function rtnetlink_net_init(): i32 {
  const cfg = new netlink_kernel_cfg();
  cfg.groups = RTNLGRP_MAX;
  cfg.input = rtnetlink_rcv;
  cfg.flags = NL_CFG_F_NONROOT_RECV;
  cfg.bind = rtnetlink_bind;
  rtnl = netlink_kernel_create(NETLINK_ROUTE, cfg);
  return rtnl ? 0 : -ENOBUFS;
}
