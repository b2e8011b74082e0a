/**
 * NETLINK_ROUTE as a fresh network namespace of Linux 6.18 answers it: the message dispatcher
 * (rtnetlink_rcv_msg), links (RTM_NEWLINK / DELLINK / GETLINK / SETLINK: lo, veth pairs, bridges),
 * their notifications to RTNLGRP_LINK, and the registry the address families plug their handlers
 * into (rtnl_register: devinet, addrconf, fib_frontend, ip6 route, fib_rules, neighbour).
 *
 * Models Linux 6.18: net/core/rtnetlink.c
 */
import { NLM_F_CREATE, NLM_F_DUMP, NLM_F_ECHO, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import {
  RTM_BASE, RTM_DELLINK, RTM_GETLINK, RTM_MAX, RTM_NEWLINK, RTM_SETLINK, RTM_GETADDR, RTM_GETROUTE,
  RTM_GETNETCONF, rtgenmsg, ifinfomsg,
} from '../../include/uapi/linux/rtnetlink';
import {
  sk_buff, sock, netlink_kernel_cfg, netlink_kernel_create, netlink_rcv_skb, netlink_dump_start, netlink_dump_control, netlink_callback, netlink_capable, netlink_strict_get_check, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, nlmsg_unicast, netlink_broadcast, netlink_unicast, nlmsghdr, kfree_skb, NETLINK_CB, NLMSG_ALIGN, NL_CFG_F_NONROOT_RECV, CAP_NET_ADMIN, NETLINK_ROUTE, skb_clone, consume_skb, nlmsg_attrdata, nlmsg_attrlen, MSG_DONTWAIT,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, NL_SET_ERR_MSG_ATTR, nla_put_string, nla_put_u32, nla_put_u16, nla_put_u8, nla_put,
  nla_nest_start_noflag, nla_nest_start, nla_nest_end, nla_policy, nla_policy_new, NLA_POLICY, __nla_parse,
  NL_VALIDATE_LIBERAL, NL_VALIDATE_STRICT, nla_data, nla_len, nla_get_u32, nla_get_u8, nla_get_string, nla_type,
  nla_ok, nla_next, nla_next_rem, NLA_STRING, NLA_U32, NLA_U8, NLA_BINARY, NLA_NESTED, NLA_REJECT, NLA_FLAG, NLA_S32,
} from '../../lib/nlattr';
import {
  net_device, devices, __dev_get_by_index, __dev_get_by_name, dev_get_flags, netif_running, dev_change_flags,
  dev_set_mtu, dev_change_name, __dev_change_flags, __dev_notify_flags, dev_valid_name, dev_alloc_name, unregister_netdevice, set_rtmsg_ifinfo_hook,
  register_netdevice_notifier, loopback_net_init, linkwatch_run_queue, IFF_UP, IFF_PROMISC, IFF_ALLMULTI, IFNAMSIZ, KIND_VETH, KIND_BRIDGE,
  KIND_LOOPBACK, IF_OPER_DOWN, NETDEV_CHANGEMTU, NETDEV_CHANGENAME, NETDEV_CHANGEADDR,
} from './dev';
import { veth_newlink, veth_dellink, veth_init } from '../../drivers/net/veth';
import { br_newlink, br_fill_info } from '../bridge/br_netlink';
import { EOPNOTSUPP, EPERM, EINVAL, ENODEV, EMSGSIZE, ENOBUFS, EEXIST, EAFNOSUPPORT, EBUSY } from '../../include/uapi/asm-generic/errno';
import { tracing, trace_enter, tr } from '../../kernel/trace';
import { rtnl_link_stats, rtnl_link_stats64, rtnl_link_ifmap } from '../../include/uapi/linux/if_link';

/** The highest message type of 6.18. Ref: include/uapi/linux/rtnetlink.h:RTM_MAX */

/** enum rtnetlink_groups as 6.18 numbers them (RTNLGRP_MAX 39: IPV4_MCADDR, IPV6_MCADDR, IPV6_ACADDR are new since 6.1). */
export const RTNLGRP_LINK: u32 = 1;
export const RTNLGRP_NEIGH: u32 = 3;
export const RTNLGRP_IPV4_IFADDR: u32 = 5;
export const RTNLGRP_IPV4_ROUTE: u32 = 7;
export const RTNLGRP_IPV4_RULE: u32 = 8;
export const RTNLGRP_IPV6_IFADDR: u32 = 9;
export const RTNLGRP_IPV6_ROUTE: u32 = 11;
export const RTNLGRP_IPV4_NETCONF: u32 = 24;
export const RTNLGRP_IPV6_NETCONF: u32 = 25;
export const RTNLGRP_IPV4_MROUTE_R: i32 = 30;
export const RTNLGRP_IPV6_MROUTE_R: i32 = 31;
export const RTNLGRP_MAX: u32 = 39;

export const AF_UNSPEC: u8 = 0;
export const AF_INET: u8 = 2;
export const AF_BRIDGE: u8 = 7;
export const AF_INET6: u8 = 10;


export const IFLA_ADDRESS: i32 = 1;
export const IFLA_BROADCAST: i32 = 2;
export const IFLA_IFNAME: i32 = 3;
export const IFLA_MTU: i32 = 4;
export const IFLA_LINK: i32 = 5;
export const IFLA_QDISC: i32 = 6;
export const IFLA_STATS: i32 = 7;
export const IFLA_MASTER: i32 = 10;
export const IFLA_PROTINFO: i32 = 12;
export const IFLA_TXQLEN: i32 = 13;
export const IFLA_MAP: i32 = 14;
export const IFLA_OPERSTATE: i32 = 16;
export const IFLA_LINKMODE: i32 = 17;
export const IFLA_LINKINFO: i32 = 18;
export const IFLA_NET_NS_PID: i32 = 19;
export const IFLA_IFALIAS: i32 = 20;
export const IFLA_STATS64: i32 = 23;
export const IFLA_AF_SPEC: i32 = 26;
export const IFLA_GROUP: i32 = 27;
export const IFLA_EXT_MASK: i32 = 29;
export const IFLA_PROMISCUITY: i32 = 30;
export const IFLA_NUM_TX_QUEUES: i32 = 31;
export const IFLA_NUM_RX_QUEUES: i32 = 32;
export const IFLA_CARRIER: i32 = 33;
export const IFLA_CARRIER_CHANGES: i32 = 35;
export const IFLA_PROTO_DOWN: i32 = 39;
export const IFLA_GSO_MAX_SEGS: i32 = 40;
export const IFLA_GSO_MAX_SIZE: i32 = 41;
export const IFLA_XDP: i32 = 43;
const IFLA_TARGET_NETNSID: i32 = 46;
export const IFLA_CARRIER_UP_COUNT: i32 = 47;
export const IFLA_CARRIER_DOWN_COUNT: i32 = 48;
export const IFLA_MIN_MTU: i32 = 50;
export const IFLA_MAX_MTU: i32 = 51;
export const IFLA_ALT_IFNAME: i32 = 53;
export const IFLA_GRO_MAX_SIZE: i32 = 58;
export const IFLA_TSO_MAX_SIZE: i32 = 59;
export const IFLA_TSO_MAX_SEGS: i32 = 60;
export const IFLA_ALLMULTI: i32 = 61;
export const IFLA_DEVLINK_PORT: i32 = 62;
export const IFLA_GSO_IPV4_MAX_SIZE: i32 = 63;
export const IFLA_GRO_IPV4_MAX_SIZE: i32 = 64;
export const IFLA_DPLL_PIN: i32 = 65;
export const IFLA_MAX_PACING_OFFLOAD_HORIZON: i32 = 66;
export const IFLA_NETNS_IMMUTABLE: i32 = 67;
export const IFLA_HEADROOM: i32 = 68;
export const IFLA_TAILROOM: i32 = 69;
/** 6.18's IFLA_MAX. */
export const IFLA_MAX: i32 = 69;
const IFLA_XDP_ATTACHED: i32 = 2;
export const IFLA_INFO_KIND: i32 = 1;
export const IFLA_INFO_DATA: i32 = 2;
const IFLA_INFO_SLAVE_KIND: i32 = 4;
const IFLA_INFO_SLAVE_DATA: i32 = 5;
const IFLA_INFO_MAX: i32 = IFLA_INFO_SLAVE_DATA;

/** The kernel socket of NETLINK_ROUTE (net->rtnl). */
export let rtnl: sock | null = null;

// Zeros for the (empty) statistics and the device map.
const zeros = memory.data(256);

// ---- the handler registry (rtnl_register) -------------------------------------------------------

export type rtnl_doit_func = (skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null) => i32;
export type rtnl_dumpit_func = (skb: sk_buff, cb: netlink_callback) => i32;

/** struct rtnl_link: one message type's handlers for one family. */
class rtnl_link {
  doit: rtnl_doit_func | null = null;
  dumpit: rtnl_dumpit_func | null = null;
}
/** rtnl_msg_handlers[family][type - RTM_BASE] */
const rtnl_msg_handlers = new Map<i32, rtnl_link>();

/** Register a family's doit/dumpit for a message type. Ref: rtnl_register_module */
export function rtnl_register(family: i32, msgtype: i32, doit: rtnl_doit_func | null, dumpit: rtnl_dumpit_func | null): void {
  const link = new rtnl_link();
  link.doit = doit;
  link.dumpit = dumpit;
  rtnl_msg_handlers.set((family << 16) | (msgtype - RTM_BASE), link);
}

function rtnl_get_link(family: i32, type: i32): rtnl_link | null {
  const k = (family << 16) | type;
  return rtnl_msg_handlers.has(k) ? rtnl_msg_handlers.get(k) : null;
}

/** The families, in the order rtnl_dump_all walks them (PF_UNSPEC + 1 .. NPROTO). */
const dump_all_families: i32[] = [1, 2, 7, 10, 28, 128];

/** A dump of every family that has one for this type (a request with family AF_UNSPEC). Ref: rtnl_dump_all */
function rtnl_dump_all(skb: sk_buff, cb: netlink_callback): i32 {
  const type = cb.args[5] as i32;
  let idx = <i32>cb.args[4];
  let ret = 0;
  for (; idx < dump_all_families.length; idx++) {
    const link = rtnl_get_link(unchecked(dump_all_families[idx]), type);
    if (link == null || link.dumpit == null) continue;
    if (idx > <i32>cb.args[4]) {
      // A new family: its own dump state. Ref: memset(&cb->args[0], 0, sizeof(cb->args) - sizeof(cb->args[0]))
      for (let i = 0; i < 4; i++) cb.args[i] = 0;
      cb.prev_seq = 0;
      cb.seq = 0;
    }
    ret = link.dumpit!(skb, cb);
    if (ret) break;
  }
  cb.args[4] = idx;
  return skb.len ? <i32>skb.len : ret;
}

// ---- notifications ------------------------------------------------------------------------------

/**
 * Send a notification to a group and, with NLM_F_ECHO, to the requester (not twice).
 * nlmsg_notify() unicasts the very skb nlmsg_multicast() stamped with the group, so the
 * requester's copy keeps dst_group: recvmsg() shows the group's bit in nl_groups.
 * Ref: rtnl_notify → nlmsg_notify
 */
export function rtnl_notify(skb: sk_buff, portid: u32, group: u32, report: bool): void {
  const sk = rtnl;
  if (sk == null) { kfree_skb(skb); return; }
  NETLINK_CB(skb).dst_group = group;
  if (report) {
    const c = skb_clone(skb);
    netlink_broadcast(sk, skb, portid, group);
    netlink_unicast(sk, c, portid, MSG_DONTWAIT);
  } else {
    netlink_broadcast(sk, skb, 0, group);
  }
}

/** Whether a request asked to see its own notification. Ref: nlmsg_report */
export function nlmsg_report(nlh: nlmsghdr | null): bool { return nlh != null && (nlh.nlmsg_flags & NLM_F_ECHO) != 0; }

// ---- links --------------------------------------------------------------------------------------

/** Per-family link data in IFLA_AF_SPEC (rtnl_af_ops: AF_INET from devinet, AF_INET6 from addrconf). */
export type fill_link_af_func = (skb: sk_buff, dev: net_device) => i32;
const af_fill: fill_link_af_func[] = [];
const af_family: u8[] = [];
/** Ref: rtnl_af_register */
export function rtnl_af_register(family: u8, fill: fill_link_af_func): void { af_family.push(family); af_fill.push(fill); }

/** Fill one RTM_NEWLINK / RTM_DELLINK for dev. Ref: rtnl_fill_ifinfo */
function rtnl_fill_ifinfo(skb: sk_buff, dev: net_device, type: i32, portid: u32, seq: u32, change: u32, flags: i32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, type, offsetof<ifinfomsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
  ifm.ifi_family = AF_UNSPEC;
  ifm.__ifi_pad = 0;
  ifm.ifi_type = dev.type;
  ifm.ifi_index = dev.ifindex;
  ifm.ifi_flags = dev_get_flags(dev);
  ifm.ifi_change = change;
  const up = netif_running(dev);
  if (nla_put_string(skb, IFLA_IFNAME, dev.name) ||
    nla_put_u32(skb, IFLA_TXQLEN, dev.txqlen) ||
    nla_put_u8(skb, IFLA_OPERSTATE, up ? dev.operstate : IF_OPER_DOWN) ||
    nla_put_u8(skb, IFLA_LINKMODE, dev.link_mode) ||
    nla_put_u8(skb, IFLA_NETNS_IMMUTABLE, dev.netns_immutable ? 1 : 0) ||
    nla_put_u32(skb, IFLA_MTU, dev.mtu) ||
    nla_put_u32(skb, IFLA_MIN_MTU, dev.min_mtu) ||
    nla_put_u32(skb, IFLA_MAX_MTU, dev.max_mtu) ||
    nla_put_u32(skb, IFLA_GROUP, dev.group) ||
    nla_put_u32(skb, IFLA_PROMISCUITY, dev.flags & IFF_PROMISC ? 1 : 0) ||
    nla_put_u32(skb, IFLA_ALLMULTI, dev.flags & IFF_ALLMULTI ? 1 : 0) ||
    nla_put_u32(skb, IFLA_NUM_TX_QUEUES, dev.num_tx_queues) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SEGS, 65535) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GRO_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GSO_IPV4_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_GRO_IPV4_MAX_SIZE, 65536) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SIZE, dev.tso_max_size) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SEGS, 65535) ||
    nla_put_u32(skb, IFLA_MAX_PACING_OFFLOAD_HORIZON, 0) ||
    nla_put_u32(skb, IFLA_NUM_RX_QUEUES, dev.num_rx_queues) ||
    nla_put_u8(skb, IFLA_CARRIER, dev.carrier ? 1 : 0) ||
    nla_put_u32(skb, IFLA_CARRIER_CHANGES, dev.carrier_up_count + dev.carrier_down_count) ||
    nla_put_u32(skb, IFLA_CARRIER_UP_COUNT, dev.carrier_up_count) ||
    nla_put_u32(skb, IFLA_CARRIER_DOWN_COUNT, dev.carrier_down_count) ||
    nla_put_u16(skb, IFLA_HEADROOM, 0) ||
    nla_put_u16(skb, IFLA_TAILROOM, 0) ||
    nla_put_u8(skb, IFLA_PROTO_DOWN, 0) ||
    nla_put(skb, IFLA_ADDRESS, 6, changetype<usize>(dev.dev_addr)) ||
    nla_put(skb, IFLA_BROADCAST, 6, changetype<usize>(dev.broadcast)) ||
    nla_put(skb, IFLA_STATS64, offsetof<rtnl_link_stats64>(), zeros) ||
    nla_put(skb, IFLA_STATS, offsetof<rtnl_link_stats>(), zeros)) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  // rtnl_xdp_fill: no program attached (a nest without NLA_F_NESTED).
  const xdp = nla_nest_start_noflag(skb, IFLA_XDP);
  if (!xdp || nla_put_u8(skb, IFLA_XDP_ATTACHED, 0)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nla_nest_end(skb, xdp);
  // rtnl_link_info_fill: the kind of a device created with RTM_NEWLINK, and its data.
  if (dev.kind != KIND_LOOPBACK) {
    const li = nla_nest_start_noflag(skb, IFLA_LINKINFO);
    if (!li || nla_put_string(skb, IFLA_INFO_KIND, dev.kind == KIND_VETH ? 'veth' : 'bridge')) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
    if (dev.kind == KIND_BRIDGE) {
      const data = nla_nest_start_noflag(skb, IFLA_INFO_DATA);
      if (!data || br_fill_info(skb, dev)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
      nla_nest_end(skb, data);
    }
    nla_nest_end(skb, li);
  }
  // rtnl_fill_link_netnsid / IFLA_LINK: a veth's peer (its iflink).
  const peer = dev.peer;
  if (dev.kind == KIND_VETH) {
    if (nla_put_u32(skb, IFLA_LINK, peer != null && peer.registered ? peer.ifindex : 0)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  }
  if (nla_put_string(skb, IFLA_QDISC, dev.qdisc_attached ? 'noqueue' : 'noop')) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  // rtnl_fill_link_af: one nest per address family that has per-device data.
  const af = nla_nest_start_noflag(skb, IFLA_AF_SPEC);
  if (!af) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  for (let i = 0; i < af_fill.length && !dev.af_gone; i++) {
    const f = nla_nest_start_noflag(skb, unchecked(af_family[i]));
    if (!f || unchecked(af_fill[i])(skb, dev)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
    nla_nest_end(skb, f);
  }
  nla_nest_end(skb, af);
  // IFLA_MAP (struct rtnl_link_ifmap), then the empty IFLA_DEVLINK_PORT and IFLA_DPLL_PIN nests.
  if (nla_put(skb, IFLA_MAP, offsetof<rtnl_link_ifmap>(), zeros)) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  const dl = nla_nest_start(skb, IFLA_DEVLINK_PORT);
  if (!dl) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nla_nest_end(skb, dl);
  const dp = nla_nest_start(skb, IFLA_DPLL_PIN);
  if (!dp) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nla_nest_end(skb, dp);
  nlmsg_end(skb, nlh);
  return 0;
}

/** Room for one RTM_NEWLINK. Ref: if_nlmsg_size */
const IF_NLMSG_SIZE: i32 = 2048;

/** Tell RTNLGRP_LINK about a device. Ref: rtmsg_ifinfo → rtmsg_ifinfo_build_skb, rtmsg_ifinfo_send */
function rtmsg_ifinfo_send(type: i32, dev: net_device, change: u32): void {
  const skb = nlmsg_new(IF_NLMSG_SIZE);
  if (skb == null) return;
  // pid 0, seq 0: on 6.18 a created link's first notification too.
  if (rtnl_fill_ifinfo(skb, dev, type, 0, 0, change, 0)) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, 0, RTNLGRP_LINK, false);
}

/** The notifier rtnetlink registers: MTU, address and name changes are told to RTNLGRP_LINK. Ref: rtnetlink_event */
function rtnetlink_event(event: i32, dev: net_device): void {
  if (event == NETDEV_CHANGEMTU || event == NETDEV_CHANGENAME || event == NETDEV_CHANGEADDR) {
    rtmsg_ifinfo_send(RTM_NEWLINK, dev, 0);
  }
}

/** The flags a SETLINK asks for. Ref: rtnl_dev_combine_flags */
function rtnl_dev_combine_flags(dev: net_device, ifm: ifinfomsg): u32 {
  let flags = ifm.ifi_flags;
  const change = ifm.ifi_change;
  if (change) flags = (flags & change) | (dev_get_flags(dev) & ~change);
  return flags;
}

// The link policy (the attributes a request may carry and their types). Ref: ifla_policy
let ifla_policy: nla_policy[] = [];
let ifla_info_policy: nla_policy[] = [];
/** sim: fills ifla_policy and its nested policies at boot (Linux initialises them statically). */
function init_policies(): void {
  ifla_policy = nla_policy_new(IFLA_MAX);
  ifla_policy[IFLA_IFNAME] = NLA_POLICY(NLA_STRING, <u16>(IFNAMSIZ - 1));
  ifla_policy[IFLA_ADDRESS] = NLA_POLICY(NLA_BINARY, 32);
  ifla_policy[IFLA_BROADCAST] = NLA_POLICY(NLA_BINARY, 32);
  ifla_policy[IFLA_MAP] = NLA_POLICY(NLA_UNSPEC_MINLEN, 32);
  ifla_policy[IFLA_MTU] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_LINK] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_MASTER] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_CARRIER] = NLA_POLICY(NLA_U8);
  ifla_policy[IFLA_TXQLEN] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_OPERSTATE] = NLA_POLICY(NLA_U8);
  ifla_policy[IFLA_LINKMODE] = NLA_POLICY(NLA_U8);
  ifla_policy[IFLA_LINKINFO] = NLA_POLICY(NLA_NESTED);
  ifla_policy[IFLA_NET_NS_PID] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_IFALIAS] = NLA_POLICY(NLA_STRING, 255);
  ifla_policy[IFLA_AF_SPEC] = NLA_POLICY(NLA_NESTED);
  ifla_policy[IFLA_EXT_MASK] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_PROMISCUITY] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_NUM_TX_QUEUES] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_NUM_RX_QUEUES] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_GROUP] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_XDP] = NLA_POLICY(NLA_NESTED);
  ifla_policy[IFLA_CARRIER_CHANGES] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_PROTO_DOWN] = NLA_POLICY(NLA_U8);
  ifla_policy[IFLA_MIN_MTU] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_MAX_MTU] = NLA_POLICY(NLA_U32);
  ifla_policy[IFLA_ALT_IFNAME] = NLA_POLICY(NLA_STRING, 127);
  ifla_info_policy = nla_policy_new(IFLA_INFO_MAX);
  ifla_info_policy[IFLA_INFO_KIND] = NLA_POLICY(NLA_STRING);
  ifla_info_policy[IFLA_INFO_DATA] = NLA_POLICY(NLA_NESTED);
  // IFLA_INFO_XSTATS (3) has no policy.
  ifla_info_policy[IFLA_INFO_SLAVE_KIND] = NLA_POLICY(NLA_STRING);
  ifla_info_policy[IFLA_INFO_SLAVE_DATA] = NLA_POLICY(NLA_NESTED);
}
const NLA_UNSPEC_MINLEN: u8 = 0;

/** sim: Parse a link request's attributes (liberal, like nlmsg_parse_deprecated). */
export function rtnl_parse_ifla(tb: StaticArray<usize>, head: usize, len: i32, extack: netlink_ext_ack | null, strict: bool): i32 {
  return __nla_parse(tb, IFLA_MAX, head, len, ifla_policy, strict ? NL_VALIDATE_STRICT : NL_VALIDATE_LIBERAL, extack);
}


/** Find the device a request names: by ifi_index, else by IFLA_IFNAME. Ref: rtnl_dev_get */
function rtnl_dev_get(ifindex: i32, tb: StaticArray<usize>): net_device | null {
  if (ifindex > 0) return __dev_get_by_index(ifindex);
  if (tb[IFLA_IFNAME]) return __dev_get_by_name(nla_get_string(tb[IFLA_IFNAME]));
  return null;
}

/** The ifinfomsg check of a GETLINK request. Ref: rtnl_valid_getlink_req */
function rtnl_valid_getlink_req(skb: sk_buff, nlh: nlmsghdr, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < offsetof<ifinfomsg>()) {
    NL_SET_ERR_MSG(extack, 'Invalid header for get link');
    return -EINVAL;
  }
  const strict = netlink_strict_get_check(skb);
  if (strict) {
    const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
    if (ifm.__ifi_pad || ifm.ifi_type || ifm.ifi_flags || ifm.ifi_change) {
      NL_SET_ERR_MSG(extack, 'Invalid values in header for get link request');
      return -EINVAL;
    }
  }
  const err = rtnl_parse_ifla(tb, nlmsg_attrdata(nlh, offsetof<ifinfomsg>()), nlmsg_attrlen(nlh, offsetof<ifinfomsg>()), extack, strict);
  if (err < 0) return err;
  if (!strict) return 0;
  for (let i = 0; i <= IFLA_MAX; i++) {
    if (!tb[i]) continue;
    if (i != IFLA_IFNAME && i != IFLA_ALT_IFNAME && i != IFLA_EXT_MASK && i != IFLA_TARGET_NETNSID) {
      NL_SET_ERR_MSG(extack, 'Unsupported attribute in get link request');
      return -EINVAL;
    }
  }
  return 0;
}

/** RTM_GETLINK for one device. Ref: rtnl_getlink */
function rtnl_getlink(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFLA_MAX + 1);
  const err = rtnl_valid_getlink_req(skb, nlh, tb, extack);
  if (err < 0) return err;
  const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
  const ifindex = ifm.ifi_index;
  if (ifindex <= 0 && !tb[IFLA_IFNAME] && !tb[IFLA_ALT_IFNAME]) return -EINVAL;
  const dev = rtnl_dev_get(ifindex, tb);
  if (dev == null) return -ENODEV;
  const nskb = nlmsg_new(IF_NLMSG_SIZE);
  if (nskb == null) return -ENOBUFS;
  const e = rtnl_fill_ifinfo(nskb, dev, RTM_NEWLINK, NETLINK_CB(skb).portid, nlh.nlmsg_seq, 0, 0);
  if (e < 0) { kfree_skb(nskb); return e; }
  return nlmsg_unicast(rtnl!, nskb, NETLINK_CB(skb).portid);
}

/** The link dump. Ref: rtnl_dump_ifinfo (with rtnl_valid_dump_ifinfo_req) */
function rtnl_dump_ifinfo(skb: sk_buff, cb: netlink_callback): i32 {
  const nlh = cb.nlh;
  if (cb.strict_check && cb.args[1] == 0) {
    if (nlmsg_len(nlh) < offsetof<ifinfomsg>()) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid header for link dump');
      return -EINVAL;
    }
    const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
    if (ifm.__ifi_pad || ifm.ifi_type || ifm.ifi_flags || ifm.ifi_change) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for link dump request');
      return -EINVAL;
    }
    if (ifm.ifi_index) {
      NL_SET_ERR_MSG(cb.extack, 'Filter by device index not supported for link dumps');
      return -EINVAL;
    }
  }
  cb.args[1] = 1;
  // Resume after the last index sent (devices may come and go between two reads).
  const last = <i32>cb.args[0];
  for (let i = 0; i < devices.length; i++) {
    const dev = unchecked(devices[i]);
    if (dev.ifindex <= last) continue;
    const err = rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, NETLINK_CB(cb.skb).portid, nlh.nlmsg_seq, 0, NLM_F_MULTI);
    if (err < 0) {
      if (skb.len == 0) return err;
      break;
    }
    cb.args[0] = dev.ifindex;
  }
  return <i32>skb.len;
}

/** Apply a SETLINK / NEWLINK on an existing device. Ref: do_setlink */
function do_setlink(dev: net_device, ifm: ifinfomsg, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (tb[IFLA_IFNAME]) {
    const name = nla_get_string(tb[IFLA_IFNAME]);
    if (name != dev.name) {
      if (!dev_valid_name(name)) return -EINVAL;
      const other = __dev_get_by_name(name);
      if (other != null && other != dev) return -EEXIST;
      if (netif_running(dev)) return -EBUSY; // dev_change_name refuses a running device
    }
  }
  if (tb[IFLA_MTU]) {
    const mtu = nla_get_u32(tb[IFLA_MTU]);
    if (mtu < dev.min_mtu) { NL_SET_ERR_MSG(extack, 'mtu less than device minimum'); return -EINVAL; }
    if (dev.max_mtu > 0 && mtu > dev.max_mtu) { NL_SET_ERR_MSG(extack, 'mtu greater than device maximum'); return -EINVAL; }
  }
  if (tb[IFLA_IFNAME]) dev_change_name(dev, nla_get_string(tb[IFLA_IFNAME]));
  if (tb[IFLA_MTU]) dev_set_mtu(dev, nla_get_u32(tb[IFLA_MTU]));
  if (ifm.ifi_flags || ifm.ifi_change) dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm));
  if (tb[IFLA_TXQLEN]) {
    const q = nla_get_u32(tb[IFLA_TXQLEN]);
    if (q != dev.txqlen) { dev.txqlen = q; rtmsg_ifinfo_send(RTM_NEWLINK, dev, 0); }
  }
  linkwatch_run_queue();
  return 0;
}

/** RTM_SETLINK. Ref: rtnl_setlink */
function rtnl_setlink(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFLA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<ifinfomsg>()) return -EINVAL;
  const err = rtnl_parse_ifla(tb, nlmsg_attrdata(nlh, offsetof<ifinfomsg>()), nlmsg_attrlen(nlh, offsetof<ifinfomsg>()), extack, false);
  if (err < 0) return err;
  const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
  const ifindex = ifm.ifi_index;
  let dev: net_device | null = null;
  if (ifindex > 0) dev = __dev_get_by_index(ifindex);
  else if (tb[IFLA_IFNAME]) dev = __dev_get_by_name(nla_get_string(tb[IFLA_IFNAME]));
  else return -EINVAL;
  if (dev == null) return -ENODEV;
  return do_setlink(dev, ifm, tb, extack);
}

/** RTM_NEWLINK: change an existing link or create one of a known kind. Ref: rtnl_newlink → __rtnl_newlink */
function rtnl_newlink(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFLA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<ifinfomsg>()) return -EINVAL;
  let err = rtnl_parse_ifla(tb, nlmsg_attrdata(nlh, offsetof<ifinfomsg>()), nlmsg_attrlen(nlh, offsetof<ifinfomsg>()), extack, false);
  if (err < 0) return err;
  const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
  const ifindex = ifm.ifi_index;
  const flags = nlh.nlmsg_flags;
  let dev: net_device | null = null;
  let link_specified = true;
  if (ifindex > 0) dev = __dev_get_by_index(ifindex);
  else if (tb[IFLA_IFNAME]) dev = __dev_get_by_name(nla_get_string(tb[IFLA_IFNAME]));
  else link_specified = false;

  // IFLA_LINKINFO: the kind and its data.
  let kind = '';
  let data: usize = 0;
  if (tb[IFLA_LINKINFO]) {
    const linfo = new StaticArray<usize>(IFLA_INFO_MAX + 1);
    err = __nla_parse(linfo, IFLA_INFO_MAX, nla_data(tb[IFLA_LINKINFO]), nla_len(tb[IFLA_LINKINFO]), ifla_info_policy, NL_VALIDATE_LIBERAL, extack);
    if (err < 0) return err;
    if (linfo[IFLA_INFO_KIND]) kind = nla_get_string(linfo[IFLA_INFO_KIND]);
    data = linfo[IFLA_INFO_DATA];
  }
  const known = kind == 'veth' || kind == 'bridge';

  if (dev != null) {
    if (flags & NLM_F_EXCL) return -EEXIST;
    if (flags & NLM_F_REPLACE) return -EOPNOTSUPP;
    if (kind.length && (!known || (kind == 'veth' ? KIND_VETH : KIND_BRIDGE) != dev.kind)) return -EOPNOTSUPP;
    return do_setlink(dev, ifm, tb, extack);
  }
  if (!(flags & NLM_F_CREATE)) return -ENODEV;
  if (link_specified && ifindex > 0 && !kind.length) return -ENODEV;
  if (tb[IFLA_MAP] || tb[IFLA_PROTINFO]) return -EOPNOTSUPP;
  if (!known) {
    // Linux asks for module rtnl-link-<kind>; dummy, vxlan, … are not modelled (and `dummy` cannot
    // be created inside `unshare -Urn` either).
    NL_SET_ERR_MSG(extack, 'Unknown device type');
    return -EOPNOTSUPP;
  }
  // rtnl_newlink_create
  let name = tb[IFLA_IFNAME] ? nla_get_string(tb[IFLA_IFNAME]) : kind + '%d';
  if (!dev_valid_name(name) && name.indexOf('%d') < 0) return -EINVAL;
  if (kind == 'veth') err = veth_newlink(name, ifm, tb, data, extack);
  else err = br_newlink(name, ifm, tb, extack);
  linkwatch_run_queue();
  return err;
}

/**
 * Configure a link just registered by RTM_NEWLINK: the flags of its ifinfomsg, then the first
 * RTM_NEWLINK (ifi_change ~0), then NETDEV_UP if it came up. Ref: rtnl_configure_link
 */
export function rtnl_configure_link(dev: net_device, ifm: ifinfomsg | null): i32 {
  const old_flags = dev.flags;
  if (ifm && (ifm.ifi_flags || ifm.ifi_change)) __dev_change_flags(dev, rtnl_dev_combine_flags(dev, ifm));
  __dev_notify_flags(dev, old_flags, 0xffffffff);
  return 0;
}

/** RTM_DELLINK. Ref: rtnl_dellink */
function rtnl_dellink(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(IFLA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<ifinfomsg>()) return -EINVAL;
  const err = rtnl_parse_ifla(tb, nlmsg_attrdata(nlh, offsetof<ifinfomsg>()), nlmsg_attrlen(nlh, offsetof<ifinfomsg>()), extack, false);
  if (err < 0) return err;
  const ifm = changetype<ifinfomsg>(nlmsg_data(nlh));
  const ifindex = ifm.ifi_index;
  let dev: net_device | null = null;
  if (ifindex > 0) dev = __dev_get_by_index(ifindex);
  else if (tb[IFLA_IFNAME] || tb[IFLA_ALT_IFNAME]) {
    dev = tb[IFLA_IFNAME] ? __dev_get_by_name(nla_get_string(tb[IFLA_IFNAME])) : null;
  } else if (tb[IFLA_GROUP]) return -EOPNOTSUPP;
  else return -EINVAL;
  if (dev == null) return -ENODEV;
  // rtnl_delete_link: only links with rtnl_link_ops->dellink (lo has none).
  if (dev.kind == KIND_LOOPBACK) return -EOPNOTSUPP;
  if (dev.kind == KIND_VETH) veth_dellink(dev);
  else unregister_netdevice(dev);
  linkwatch_run_queue();
  return 0;
}

// ---- the dispatcher -------------------------------------------------------------------------------

/** Route one message to its handler. Ref: rtnetlink_rcv_msg */
function rtnetlink_rcv_msg(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  if (tracing) trace_enter('rtnetlink_rcv_msg', 'type=%u', <i32>nlh.nlmsg_type);
  let type = <i32>nlh.nlmsg_type;
  if (type > RTM_MAX) return tr(-EOPNOTSUPP);
  type -= RTM_BASE;
  // All the messages must have at least 1 byte length
  if (nlmsg_len(nlh) < 1) return tr(0);
  const family = <i32>changetype<rtgenmsg>(nlmsg_data(nlh)).rtgen_family;
  const kind = type & 3;
  if (kind != 2 && !netlink_capable(skb, CAP_NET_ADMIN)) return tr(-EPERM);
  if (kind == 2 && (nlh.nlmsg_flags & NLM_F_DUMP)) {
    let link = rtnl_get_link(family, type);
    if (link == null || link.dumpit == null) link = rtnl_get_link(AF_UNSPEC, type);
    if (link == null || link.dumpit == null) return tr(-EOPNOTSUPP);
    const c = new netlink_dump_control();
    c.dump = link.dumpit;
    c.module = 'rtnetlink';
    c.min_dump_alloc = type + RTM_BASE == RTM_GETLINK ? IF_NLMSG_SIZE : 0;
    return tr(netlink_dump_start(rtnl!, skb, nlh, c));
  }
  let link = rtnl_get_link(family, type);
  if (link == null || link.doit == null) link = rtnl_get_link(AF_UNSPEC, type);
  if (link == null || link.doit == null) return tr(-EOPNOTSUPP);
  return tr(link.doit!(skb, nlh, extack));
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

/** sim: A dump for AF_UNSPEC of a type that walks every family (GETADDR, GETROUTE, GETNEIGH, GETRULE…). */
export function rtnl_register_dump_all(msgtype: i32): void {
  rtnl_register(AF_UNSPEC, msgtype, null, rtnl_dump_all_entry);
}
/** sim: AssemblyScript closures cannot capture: the message type travels in cb.args[5]. */
function rtnl_dump_all_entry(skb: sk_buff, cb: netlink_callback): i32 {
  if (cb.args[5] == 0) cb.args[5] = <i64>(cb.nlh.nlmsg_type - RTM_BASE);
  return rtnl_dump_all(skb, cb);
}

/** Create NETLINK_ROUTE's kernel socket and the links of a fresh namespace. Ref: rtnetlink_net_init, rtnetlink_init */
export function rtnetlink_net_init(): i32 {
  init_policies();
  const cfg = new netlink_kernel_cfg();
  cfg.groups = RTNLGRP_MAX;
  cfg.input = rtnetlink_rcv;
  cfg.flags = NL_CFG_F_NONROOT_RECV;
  cfg.bind = rtnetlink_bind;
  rtnl = netlink_kernel_create(NETLINK_ROUTE, cfg);
  if (!rtnl) return -ENOBUFS;
  set_rtmsg_ifinfo_hook(rtmsg_ifinfo_send);
  register_netdevice_notifier(rtnetlink_event);
  rtnl_register(AF_UNSPEC, RTM_GETLINK, rtnl_getlink, rtnl_dump_ifinfo);
  rtnl_register(AF_UNSPEC, RTM_SETLINK, rtnl_setlink, null);
  rtnl_register(AF_UNSPEC, RTM_NEWLINK, rtnl_newlink, null);
  rtnl_register(AF_UNSPEC, RTM_DELLINK, rtnl_dellink, null);
  rtnl_register_dump_all(RTM_GETADDR);
  rtnl_register_dump_all(RTM_GETROUTE);
  rtnl_register_dump_all(RTM_GETNETCONF);
  veth_init();
  return 0;
}

/** sim: After the address families registered: the loopback device. Ref: loopback_net_init */
export function rtnetlink_late_init(): void {
  loopback_net_init();
}

