/**
 * The neighbour tables (ARP for IPv4, ND for IPv6) as user space sees them through rtnetlink:
 * RTM_NEWNEIGH (neigh_add → __neigh_update), RTM_DELNEIGH (neigh_delete), RTM_GETNEIGH for one
 * entry (neigh_get) and as a dump (neigh_dump_info), their notifications to RTNLGRP_NEIGH, and what
 * a device going down or losing its carrier does to its entries.
 *
 * sim: entries come from user space only. No packets flow, so the kernel creates none itself (ARP
 * and ND resolution, the multicast entries IPv6 makes on a link that is up), and states do not
 * age (REACHABLE stays REACHABLE; Linux turns it STALE after 15–45 s). A dump lists a table's
 * entries in the order they were created, where Linux walks its hash buckets (a random order).
 *
 * Ref: net/core/neighbour.c, net/ipv4/arp.c (arp_constructor), net/ipv6/ndisc.c (ndisc_constructor)
 *
 * Models Linux 6.18: net/core/neighbour.c
 */
import { NLM_F_CREATE, NLM_F_DUMP_FILTERED, NLM_F_EXCL, NLM_F_MULTI, NLM_F_REPLACE } from '../../include/uapi/linux/netlink';
import {
  RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, rtgenmsg,
} from '../../include/uapi/linux/rtnetlink';
import {
  sk_buff, netlink_callback, nlmsg_new, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsg_len, nlmsg_unicast, kfree_skb, nlmsghdr, NETLINK_CB, NLMSG_ALIGN, nlmsg_attrdata, nlmsg_attrlen,
} from '../netlink/af_netlink';
import {
  netlink_ext_ack, NL_SET_ERR_MSG, nla_put, nla_put_u32, nla_put_u8, nla_get_u32, nla_get_u8, nla_data, nla_len, __nla_parse,
  nla_policy, nla_policy_new, NLA_POLICY, NLA_U32, NLA_U16, NLA_U8, NLA_BINARY, NLA_NESTED, NL_VALIDATE_LIBERAL, NL_VALIDATE_DEPRECATED_STRICT,
} from '../../lib/nlattr';
import { rtnl, rtnl_register, rtnl_notify, AF_UNSPEC, AF_INET, AF_INET6, RTNLGRP_NEIGH } from './rtnetlink';
import {
  net_device, __dev_get_by_index, register_netdevice_notifier, netif_carrier_ok, NETDEV_DOWN, NETDEV_UNREGISTER, NETDEV_CHANGE,
  IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT,
} from './dev';
import { fib_get_table, fib_table_lookup, RT_TABLE_LOCAL, RTN_UNICAST, RTN_BROADCAST, RTN_MULTICAST } from '../ipv4/fib_trie';
import { EINVAL, EEXIST, ENOENT, ENODEV, EMSGSIZE, ENOBUFS, EAFNOSUPPORT, EOPNOTSUPP } from '../../include/uapi/asm-generic/errno';
import { ndmsg, nda_cacheinfo } from '../../include/uapi/linux/neighbour';


const NDA_DST: i32 = 1;
const NDA_LLADDR: i32 = 2;
const NDA_CACHEINFO: i32 = 3;
const NDA_PROBES: i32 = 4;
const NDA_VLAN: i32 = 5;
const NDA_PORT: i32 = 6;
const NDA_VNI: i32 = 7;
const NDA_IFINDEX: i32 = 8;
const NDA_MASTER: i32 = 9;
const NDA_PROTOCOL: i32 = 12;
const NDA_NH_ID: i32 = 13;
const NDA_FDB_EXT_ATTRS: i32 = 14;
const NDA_FLAGS_EXT: i32 = 15;
const NDA_MAX: i32 = 17;
const MAX_ADDR_LEN: u16 = 32;

export const NUD_INCOMPLETE: u16 = 0x01;
export const NUD_REACHABLE: u16 = 0x02;
export const NUD_STALE: u16 = 0x04;
export const NUD_DELAY: u16 = 0x08;
export const NUD_PROBE: u16 = 0x10;
export const NUD_FAILED: u16 = 0x20;
export const NUD_NOARP: u16 = 0x40;
export const NUD_PERMANENT: u16 = 0x80;
const NUD_IN_TIMER: u16 = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
const NUD_VALID: u16 = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
const NUD_CONNECTED: u16 = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

export const NTF_USE: u8 = 0x01;
export const NTF_SELF: u8 = 0x02;
export const NTF_MASTER: u8 = 0x04;
export const NTF_PROXY: u8 = 0x08;
export const NTF_EXT_LEARNED: u8 = 0x10;
export const NTF_OFFLOADED: u8 = 0x20;
export const NTF_STICKY: u8 = 0x40;
export const NTF_ROUTER: u8 = 0x80;
const NTF_MANAGED: u32 = 0x01; // in NDA_FLAGS_EXT

const NEIGH_UPDATE_F_OVERRIDE: u32 = 0x00000001;
const NEIGH_UPDATE_F_OVERRIDE_ISROUTER: u32 = 0x00000004;
const NEIGH_UPDATE_F_ISROUTER: u32 = 0x40000000;
const NEIGH_UPDATE_F_ADMIN: u32 = 0x80000000;

/** struct neighbour, as far as rtnetlink shows it. */
class neighbour {
  family: u8 = AF_INET;
  dev: net_device;
  key: StaticArray<u8>;
  ha: StaticArray<u8> = new StaticArray<u8>(6);
  nud_state: u16 = 0;
  flags: u8 = 0;
  type: u8 = RTN_UNICAST;
  protocol: u8 = 0;
  dead: bool = false;
  constructor(family: u8, dev: net_device, key: StaticArray<u8>) { this.family = family; this.dev = dev; this.key = key; }
}

/** neigh_tables[NEIGH_ARP_TABLE], neigh_tables[NEIGH_ND_TABLE], each in creation order. */
const arp_tbl: neighbour[] = [];
const nd_tbl: neighbour[] = [];
function neigh_find_table(family: u8): neighbour[] | null {
  if (family == AF_INET) return arp_tbl;
  if (family == AF_INET6) return nd_tbl;
  return null;
}
/** sim: the table's key_len (Linux: tbl->key_len). */
function key_len(family: u8): i32 { return family == AF_INET ? 4 : 16; }

/** sim: memcmp of a stored key with one in linear memory. */
function key_equal(a: StaticArray<u8>, b: usize, len: i32): bool {
  for (let i = 0; i < len; i++) if (unchecked(a[i]) != load<u8>(b + <usize>i)) return false;
  return true;
}

/**
 * sim: The key an entry is stored under: the address, except that ARP keys a loopback or
 * point-to-point device's entries by INADDR_ANY. Ref: __ipv4_neigh_lookup_noref, arp_hashfn
 */
function neigh_key(family: u8, dev: net_device, dst: usize): StaticArray<u8> {
  const n = key_len(family);
  const k = new StaticArray<u8>(n);
  if (family == AF_INET && (dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT))) return k;
  for (let i = 0; i < n; i++) unchecked(k[i] = load<u8>(dst + <usize>i));
  return k;
}

/** Ref: neigh_lookup */
function neigh_lookup(tbl: neighbour[], family: u8, dst: usize, dev: net_device): neighbour | null {
  const k = neigh_key(family, dev, dst);
  for (let i = 0; i < tbl.length; i++) {
    const n = unchecked(tbl[i]);
    if (n.dev == dev && key_equal(n.key, changetype<usize>(k), key_len(family))) return n;
  }
  return null;
}

/** The route type of an IPv4 address as ARP sees it (broadcast until a local table exists). Ref: inet_addr_type_dev_table */
function inet_addr_type(dev: net_device, key: StaticArray<u8>): u8 {
  const a = (<u32>key[0] << 24) | (<u32>key[1] << 16) | (<u32>key[2] << 8) | <u32>key[3];
  if ((a & 0xff000000) == 0 || a == 0xffffffff) return RTN_BROADCAST;
  if ((a & 0xf0000000) == 0xe0000000) return RTN_MULTICAST;
  if (fib_get_table(RT_TABLE_LOCAL) == null) return RTN_BROADCAST;
  const res = fib_table_lookup(RT_TABLE_LOCAL, a);
  if (res != null && res.oif == dev.ifindex) return res.type;
  return RTN_UNICAST;
}

/** A new entry, set up by its family's constructor. Ref: ___neigh_create, arp_constructor, ndisc_constructor */
function ___neigh_create(tbl: neighbour[], family: u8, dst: usize, dev: net_device): neighbour {
  const n = new neighbour(family, dev, neigh_key(family, dev, dst));
  if (family == AF_INET) {
    n.type = inet_addr_type(dev, n.key);
    if (n.type == RTN_MULTICAST) {
      n.nud_state = NUD_NOARP;
      // ip_eth_mc_map: 01:00:5e + the low 23 bits of the group
      n.ha[0] = 1; n.ha[1] = 0; n.ha[2] = 0x5e; n.ha[3] = n.key[1] & 0x7f; n.ha[4] = n.key[2]; n.ha[5] = n.key[3];
    } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
      n.nud_state = NUD_NOARP;
      for (let i = 0; i < 6; i++) unchecked(n.ha[i] = dev.dev_addr[i]);
    } else if (n.type == RTN_BROADCAST || (dev.flags & IFF_POINTOPOINT)) {
      n.nud_state = NUD_NOARP;
      for (let i = 0; i < 6; i++) unchecked(n.ha[i] = dev.broadcast[i]);
    }
  } else {
    const mc = unchecked(n.key[0]) == 0xff;
    n.type = mc ? RTN_MULTICAST : RTN_UNICAST;
    if (mc) {
      n.nud_state = NUD_NOARP;
      // ipv6_eth_mc_map: 33:33 + the low 32 bits
      n.ha[0] = 0x33; n.ha[1] = 0x33; n.ha[2] = n.key[12]; n.ha[3] = n.key[13]; n.ha[4] = n.key[14]; n.ha[5] = n.key[15];
    } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
      n.nud_state = NUD_NOARP;
      for (let i = 0; i < 6; i++) unchecked(n.ha[i] = dev.dev_addr[i]);
    }
  }
  tbl.push(n);
  return n;
}

// sim: neigh_fill_info's `struct nda_cacheinfo ci` (Linux puts it on the stack).
const ci = changetype<nda_cacheinfo>(memory.data(offsetof<nda_cacheinfo>()));

/**
 * One RTM_NEWNEIGH / RTM_DELNEIGH. `held` is how many references the caller holds beyond the
 * table's (nda_cacheinfo.ndm_refcnt is the count minus one; a pending timer holds one more).
 * Ref: neigh_fill_info
 */
function neigh_fill_info(skb: sk_buff, n: neighbour, portid: u32, seq: u32, type: i32, flags: i32, held: u32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, type, offsetof<ndmsg>(), flags);
  if (!nlh) return -EMSGSIZE;
  const ndm = changetype<ndmsg>(nlmsg_data(nlh));
  ndm.ndm_family = n.family;
  ndm.ndm_pad1 = 0;
  ndm.ndm_pad2 = 0;
  ndm.ndm_ifindex = n.dev.ifindex;
  ndm.ndm_state = n.nud_state;
  ndm.ndm_flags = n.flags;
  ndm.ndm_type = n.type;
  if (nla_put(skb, NDA_DST, key_len(n.family), changetype<usize>(n.key))) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  if ((n.nud_state & NUD_VALID) && nla_put(skb, NDA_LLADDR, 6, changetype<usize>(n.ha))) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  // sim: the times (confirmed, used, updated; 1/100 s ago) are not kept: 0.
  ci.ndm_confirmed = 0;
  ci.ndm_used = 0;
  ci.ndm_updated = 0;
  ci.ndm_refcnt = held + (!n.dead && (n.nud_state & NUD_IN_TIMER) ? 1 : 0);
  if (nla_put_u32(skb, NDA_PROBES, 0) || nla_put(skb, NDA_CACHEINFO, offsetof<nda_cacheinfo>(), changetype<usize>(ci)) ||
    (n.protocol && nla_put_u8(skb, NDA_PROTOCOL, n.protocol))) { nlmsg_cancel(skb, nlh); return -EMSGSIZE; }
  nlmsg_end(skb, nlh);
  return 0;
}

/** Tell RTNLGRP_NEIGH (seq 0; the requester's port for an update it caused). Ref: __neigh_notify */
function __neigh_notify(n: neighbour, type: i32, pid: u32, held: u32): void {
  const skb = nlmsg_new(256);
  if (skb == null) return;
  if (neigh_fill_info(skb, n, pid, 0, type, 0, held)) { kfree_skb(skb); return; }
  rtnl_notify(skb, 0, RTNLGRP_NEIGH, false);
}

/** Remove an entry and announce it (RTM_DELNEIGH). Ref: neigh_remove_one → neigh_cleanup_and_release */
function neigh_remove_one(tbl: neighbour[], n: neighbour): void {
  const i = tbl.indexOf(n);
  if (i >= 0) tbl.splice(i, 1);
  n.dead = true;
  __neigh_notify(n, RTM_DELNEIGH, 0, 0);
}

/** Change an entry's state and link-layer address; announce a change. Ref: __neigh_update */
function __neigh_update(n: neighbour, lladdr: usize, new_state: u16, flags: u32, pid: u32, extack: netlink_ext_ack | null): i32 {
  const old = n.nud_state;
  let notify = false;
  let err = 0;
  let update_isrouter = false;
  if (!(flags & NEIGH_UPDATE_F_ADMIN) && (old & (NUD_NOARP | NUD_PERMANENT))) return 0;
  if (!(new_state & NUD_VALID)) {
    n.nud_state = new_state;
    notify = (old & NUD_VALID) != 0;
    if ((old & (NUD_INCOMPLETE | NUD_PROBE)) && (new_state & NUD_FAILED)) notify = true;
  } else {
    let same = false;
    if (lladdr) {
      if ((old & NUD_VALID) && key_equal(n.ha, lladdr, 6)) same = true;
    } else {
      if (!(old & NUD_VALID)) { NL_SET_ERR_MSG(extack, 'No link layer address given'); return -EINVAL; }
      same = true;
    }
    update_isrouter = (flags & NEIGH_UPDATE_F_OVERRIDE_ISROUTER) != 0;
    let skip = false;
    if (old & NUD_VALID) {
      if (!same && !(flags & NEIGH_UPDATE_F_OVERRIDE)) { update_isrouter = false; skip = true; }
      else if (same && new_state == NUD_STALE && !(flags & NEIGH_UPDATE_F_ADMIN)) new_state = old;
    }
    if (!skip) {
      if (new_state != old) { n.nud_state = new_state; notify = true; }
      if (!same) {
        for (let i = 0; i < 6; i++) unchecked(n.ha[i] = load<u8>(lladdr + <usize>i));
        notify = true;
      }
    }
  }
  if (update_isrouter) {
    const want: u8 = (flags & NEIGH_UPDATE_F_ISROUTER) ? NTF_ROUTER : 0;
    if ((n.flags ^ want) & NTF_ROUTER) { n.flags = (n.flags & ~NTF_ROUTER) | want; notify = true; }
  }
  if (notify) __neigh_notify(n, RTM_NEWNEIGH, pid, 1);
  return err;
}

let nda_policy: nla_policy[] = [];

/** RTM_NEWNEIGH (`ip neigh add / replace / change`). Ref: neigh_add */
function neigh_add(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(NDA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<ndmsg>()) return -EINVAL;
  let err = __nla_parse(tb, NDA_MAX, nlmsg_attrdata(nlh, offsetof<ndmsg>()), nlmsg_attrlen(nlh, offsetof<ndmsg>()), nda_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  const ndm = changetype<ndmsg>(nlmsg_data(nlh));
  const family = ndm.ndm_family;
  const ndm_flags = ndm.ndm_flags;
  const state = ndm.ndm_state;
  const ifindex = ndm.ndm_ifindex;
  const nlflags = nlh.nlmsg_flags;
  if (!tb[NDA_DST]) { NL_SET_ERR_MSG(extack, 'Network address not specified'); return -EINVAL; }
  let dev: net_device | null = null;
  if (ifindex) {
    dev = __dev_get_by_index(ifindex);
    if (dev == null) return -ENODEV;
    if (tb[NDA_LLADDR] && nla_len(tb[NDA_LLADDR]) < 6) { NL_SET_ERR_MSG(extack, 'Invalid link address'); return -EINVAL; }
  }
  const tbl = neigh_find_table(family);
  if (tbl == null) return -EAFNOSUPPORT;
  if (nla_len(tb[NDA_DST]) < key_len(family)) { NL_SET_ERR_MSG(extack, 'Invalid network address'); return -EINVAL; }
  if ((ndm_flags & (NTF_PROXY | NTF_USE | NTF_EXT_LEARNED)) || tb[NDA_FLAGS_EXT]) {
    // sim: proxy entries, NTF_USE (which sends a probe), learned and managed entries are not modelled.
    NL_SET_ERR_MSG(extack, 'sim: proxy, NTF_USE, externally learned and managed neighbour entries are not modelled');
    return -EOPNOTSUPP;
  }
  if (dev == null) { NL_SET_ERR_MSG(extack, 'Device not specified'); return -EINVAL; }
  const dst = nla_data(tb[NDA_DST]);
  const lladdr: usize = tb[NDA_LLADDR] ? nla_data(tb[NDA_LLADDR]) : 0;
  let flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  let n = neigh_lookup(tbl, family, dst, dev);
  if (n == null) {
    if (!(nlflags & NLM_F_CREATE)) return -ENOENT;
    n = ___neigh_create(tbl, family, dst, dev);
  } else {
    if (nlflags & NLM_F_EXCL) return -EEXIST;
    if (!(nlflags & NLM_F_REPLACE)) flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER);
  }
  if (tb[NDA_PROTOCOL]) n.protocol = nla_get_u8(tb[NDA_PROTOCOL]);
  if (ndm_flags & NTF_ROUTER) flags |= NEIGH_UPDATE_F_ISROUTER;
  err = __neigh_update(n, lladdr, state, flags, NETLINK_CB(skb).portid, extack);
  return err;
}

/** RTM_DELNEIGH (`ip neigh del`): to FAILED (announced if it was valid), then removed (announced). Ref: neigh_delete */
function neigh_delete(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const tb = new StaticArray<usize>(NDA_MAX + 1);
  if (nlmsg_len(nlh) < offsetof<ndmsg>()) return -EINVAL;
  const err = __nla_parse(tb, NDA_MAX, nlmsg_attrdata(nlh, offsetof<ndmsg>()), nlmsg_attrlen(nlh, offsetof<ndmsg>()), nda_policy, NL_VALIDATE_LIBERAL, extack);
  if (err < 0) return err;
  if (!tb[NDA_DST]) { NL_SET_ERR_MSG(extack, 'Network address not specified'); return -EINVAL; }
  const ndm = changetype<ndmsg>(nlmsg_data(nlh));
  const family = ndm.ndm_family;
  const ifindex = ndm.ndm_ifindex;
  let dev: net_device | null = null;
  if (ifindex) {
    dev = __dev_get_by_index(ifindex);
    if (dev == null) return -ENODEV;
  }
  const tbl = neigh_find_table(family);
  if (tbl == null) return -EAFNOSUPPORT;
  if (nla_len(tb[NDA_DST]) < key_len(family)) { NL_SET_ERR_MSG(extack, 'Invalid network address'); return -EINVAL; }
  if (ndm.ndm_flags & NTF_PROXY) { NL_SET_ERR_MSG(extack, 'sim: proxy neighbour entries are not modelled'); return -EOPNOTSUPP; }
  if (dev == null) return -EINVAL;
  const n = neigh_lookup(tbl, family, nla_data(tb[NDA_DST]), dev);
  if (n == null) return -ENOENT;
  const e = __neigh_update(n, 0, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, NETLINK_CB(skb).portid, extack);
  neigh_remove_one(tbl, n);
  return e;
}

/** RTM_GETNEIGH for one entry; its header is always checked strictly. Ref: neigh_get, neigh_valid_get_req */
function neigh_get(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  if (nlmsg_len(nlh) < offsetof<ndmsg>()) { NL_SET_ERR_MSG(extack, 'Invalid header for neighbor get request'); return -EINVAL; }
  const ndm = changetype<ndmsg>(nlmsg_data(nlh));
  if (ndm.ndm_pad1 || ndm.ndm_pad2 || ndm.ndm_state || ndm.ndm_type) {
    NL_SET_ERR_MSG(extack, 'Invalid values in header for neighbor get request');
    return -EINVAL;
  }
  const ndm_flags = ndm.ndm_flags;
  if (ndm_flags & ~NTF_PROXY) { NL_SET_ERR_MSG(extack, 'Invalid flags in header for neighbor get request'); return -EINVAL; }
  const ifindex = ndm.ndm_ifindex;
  if (!(ndm_flags & NTF_PROXY) && !ifindex) { NL_SET_ERR_MSG(extack, 'No device specified'); return -EINVAL; }
  const tb = new StaticArray<usize>(NDA_MAX + 1);
  const err = __nla_parse(tb, NDA_MAX, nlmsg_attrdata(nlh, offsetof<ndmsg>()), nlmsg_attrlen(nlh, offsetof<ndmsg>()), nda_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (err < 0) return err;
  const family = ndm.ndm_family;
  const tbl = neigh_find_table(family);
  if (tbl == null) { NL_SET_ERR_MSG(extack, 'Unsupported family in header for neighbor get request'); return -EAFNOSUPPORT; }
  for (let i = 0; i <= NDA_MAX; i++) {
    if (!tb[i]) continue;
    if (i == NDA_DST) {
      if (nla_len(tb[i]) != key_len(family)) { NL_SET_ERR_MSG(extack, 'Invalid network address in neighbor get request'); return -EINVAL; }
      continue;
    }
    NL_SET_ERR_MSG(extack, 'Unsupported attribute in neighbor get request');
    return -EINVAL;
  }
  if (ndm_flags & NTF_PROXY) { NL_SET_ERR_MSG(extack, 'sim: proxy neighbour entries are not modelled'); return -EOPNOTSUPP; }
  const dev = __dev_get_by_index(ifindex);
  if (dev == null) { NL_SET_ERR_MSG(extack, 'Unknown device ifindex'); return -ENODEV; }
  if (!tb[NDA_DST]) { NL_SET_ERR_MSG(extack, 'Network address not specified'); return -EINVAL; }
  const n = neigh_lookup(tbl, family, nla_data(tb[NDA_DST]), dev);
  if (n == null) { NL_SET_ERR_MSG(extack, 'Neighbour entry not found'); return -ENOENT; }
  const nskb = nlmsg_new(256);
  if (nskb == null) return -ENOBUFS;
  const e = neigh_fill_info(nskb, n, NETLINK_CB(skb).portid, nlh.nlmsg_seq, RTM_NEWNEIGH, 0, 1);
  if (e < 0) { kfree_skb(nskb); return e; }
  return nlmsg_unicast(rtnl!, nskb, NETLINK_CB(skb).portid);
}

/** The dump: the ARP table, then ND (or the request's family), filtered by NDA_IFINDEX. Ref: neigh_dump_info, neigh_valid_dump_req */
function neigh_dump_info(skb: sk_buff, cb: netlink_callback): i32 {
  let dev_idx = 0;
  const nlh = cb.nlh;
  if (cb.strict_check) {
    if (nlmsg_len(nlh) < offsetof<ndmsg>()) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid header for neighbor dump request');
      return -EINVAL;
    }
    const ndm = changetype<ndmsg>(nlmsg_data(nlh));
    if (ndm.ndm_pad1 || ndm.ndm_pad2 || ndm.ndm_ifindex || ndm.ndm_state || ndm.ndm_type) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid values in header for neighbor dump request');
      return -EINVAL;
    }
    if (ndm.ndm_flags & ~NTF_PROXY) {
      NL_SET_ERR_MSG(cb.extack, 'Invalid flags in header for neighbor dump request');
      return -EINVAL;
    }
    const tb = new StaticArray<usize>(NDA_MAX + 1);
    const err = __nla_parse(tb, NDA_MAX, nlmsg_attrdata(nlh, offsetof<ndmsg>()), nlmsg_attrlen(nlh, offsetof<ndmsg>()), nda_policy, NL_VALIDATE_DEPRECATED_STRICT, cb.extack);
    if (err < 0) return err;
    for (let i = 0; i <= NDA_MAX; i++) {
      if (!tb[i]) continue;
      if (i == NDA_IFINDEX) dev_idx = <i32>nla_get_u32(tb[i]);
      else if (i == NDA_MASTER) {
        // Only a bridge's ports have a master; none here, so a master filter matches nothing.
        if (nla_get_u32(tb[i])) dev_idx = -1;
      } else {
        NL_SET_ERR_MSG(cb.extack, 'Unsupported attribute in neighbor dump request');
        return -EINVAL;
      }
    }
  }
  const family = nlmsg_len(nlh) >= 1 ? changetype<rtgenmsg>(nlmsg_data(nlh)).rtgen_family : 0;
  // A proxy dump (NTF_PROXY) lists pneigh entries: none.
  if (nlmsg_len(nlh) >= offsetof<ndmsg>() && (changetype<ndmsg>(nlmsg_data(nlh)).ndm_flags & NTF_PROXY)) return <i32>skb.len;
  const flags = dev_idx ? NLM_F_MULTI | NLM_F_DUMP_FILTERED : NLM_F_MULTI;
  let idx = <i32>cb.args[0];
  let i = 0;
  for (let t = 0; t < 2; t++) {
    const tbl = t == 0 ? arp_tbl : nd_tbl;
    if (family && family != (t == 0 ? AF_INET : AF_INET6)) continue;
    for (let k = 0; k < tbl.length; k++, i++) {
      if (i < idx) continue;
      const n = unchecked(tbl[k]);
      if (dev_idx && n.dev.ifindex != dev_idx) { idx = i + 1; continue; }
      if (neigh_fill_info(skb, n, NETLINK_CB(cb.skb).portid, nlh.nlmsg_seq, RTM_NEWNEIGH, flags, 0) < 0) { cb.args[0] = i; return <i32>skb.len; }
      idx = i + 1;
    }
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

/** Flush a device's entries, newest first (dev->neighbours), each announced. Ref: neigh_flush_dev */
function neigh_flush_dev(tbl: neighbour[], dev: net_device, skip_perm: bool): void {
  for (let i = tbl.length - 1; i >= 0; i--) {
    const n = unchecked(tbl[i]);
    if (n.dev != dev) continue;
    if (skip_perm && (n.nud_state & NUD_PERMANENT)) continue;
    neigh_remove_one(tbl, n);
  }
}

/** sim: Down or gone: every entry of the device; carrier lost: all but the permanent ones. Ref: neigh_ifdown, neigh_carrier_down */
function neigh_netdev_event(event: i32, dev: net_device): void {
  if (event == NETDEV_DOWN || event == NETDEV_UNREGISTER) {
    neigh_flush_dev(arp_tbl, dev, false);
    neigh_flush_dev(nd_tbl, dev, false);
  } else if (event == NETDEV_CHANGE && !netif_carrier_ok(dev)) {
    neigh_flush_dev(arp_tbl, dev, true);
    neigh_flush_dev(nd_tbl, dev, true);
  }
}

export function neigh_init(): void {
  nda_policy = nla_policy_new(NDA_MAX);
  nda_policy[NDA_DST] = NLA_POLICY(NLA_BINARY, MAX_ADDR_LEN);
  nda_policy[NDA_LLADDR] = NLA_POLICY(NLA_BINARY, MAX_ADDR_LEN);
  nda_policy[NDA_CACHEINFO] = NLA_POLICY(0, 16);
  nda_policy[NDA_PROBES] = NLA_POLICY(NLA_U32);
  nda_policy[NDA_VLAN] = NLA_POLICY(NLA_U16);
  nda_policy[NDA_PORT] = NLA_POLICY(NLA_U16);
  nda_policy[NDA_VNI] = NLA_POLICY(NLA_U32);
  nda_policy[NDA_IFINDEX] = NLA_POLICY(NLA_U32);
  nda_policy[NDA_MASTER] = NLA_POLICY(NLA_U32);
  nda_policy[NDA_PROTOCOL] = NLA_POLICY(NLA_U8);
  nda_policy[NDA_NH_ID] = NLA_POLICY(NLA_U32);
  nda_policy[NDA_FDB_EXT_ATTRS] = NLA_POLICY(NLA_NESTED);
  nda_policy[NDA_FLAGS_EXT] = NLA_POLICY(NLA_U32);
  register_netdevice_notifier(neigh_netdev_event);
  rtnl_register(AF_UNSPEC, RTM_NEWNEIGH, neigh_add, null);
  rtnl_register(AF_UNSPEC, RTM_DELNEIGH, neigh_delete, null);
  rtnl_register(AF_UNSPEC, RTM_GETNEIGH, neigh_get, neigh_dump_info);
}
