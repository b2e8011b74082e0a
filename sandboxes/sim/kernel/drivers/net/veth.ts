/**
 * Virtual ethernet pairs: `ip link add v0 type veth peer name v1`. The peer is created and
 * announced first (it gets the lower index), each end has no carrier until both are up.
 * Models Linux 6.18: drivers/net/veth.c
 */
import { netlink_ext_ack, NL_SET_ERR_MSG, nla_data, nla_len, nla_get_u32, nla_get_string, nla_find } from '../../lib/nlattr';
import {
  net_device, ether_setup, eth_hw_addr_random, register_netdevice, unregister_netdevice_many, netif_carrier_on,
  netif_carrier_off, dev_valid_name, dev_alloc_name, __dev_get_by_name, set_ndo_hooks, KIND_VETH, KIND_BRIDGE, IFF_UP,
} from '../../net/core/dev';
import { rtnl_configure_link, rtnl_parse_ifla, IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_MAX } from '../../net/core/rtnetlink';
import { br_dev_open } from '../../net/bridge/br_netlink';
import { EINVAL, EEXIST } from '../../include/uapi/asm-generic/errno';
import { ifinfomsg } from '../../include/uapi/linux/rtnetlink';

const VETH_INFO_PEER: i32 = 1;
/** ETH_MAX_MTU */
const VETH_MAX_MTU: u32 = 65535;
/** sim: veth has one queue per possible CPU; this machine has 2. Ref: veth_get_num_queues */
const VETH_QUEUES: u32 = 2;

/** sim: Create one end. Ref: rtnl_create_link + veth_setup */
function veth_alloc(name: string, ifm: ifinfomsg | null, tb: StaticArray<usize>): net_device | null {
  const dev = new net_device(0, name, 0, 0, 0);
  ether_setup(dev);
  dev.kind = KIND_VETH;
  dev.max_mtu = VETH_MAX_MTU;
  dev.num_tx_queues = VETH_QUEUES;
  dev.num_rx_queues = VETH_QUEUES;
  if (tb[IFLA_MTU]) dev.mtu = nla_get_u32(tb[IFLA_MTU]);
  if (tb[IFLA_ADDRESS]) {
    if (nla_len(tb[IFLA_ADDRESS]) < 6) return null;
    for (let i = 0; i < 6; i++) unchecked(dev.dev_addr[i] = load<u8>(nla_data(tb[IFLA_ADDRESS]) + <usize>i));
  } else {
    eth_hw_addr_random(dev);
  }
  const idx = ifm ? ifm.ifi_index : 0;
  if (idx > 0) dev.ifindex = idx;
  return dev;
}

/** sim: Check an MTU against the device's range. Ref: rtnl_create_link → dev_validate_mtu */
function veth_validate_mtu(tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  if (!tb[IFLA_MTU]) return 0;
  const mtu = nla_get_u32(tb[IFLA_MTU]);
  if (mtu < 68) { NL_SET_ERR_MSG(extack, 'mtu less than device minimum'); return -EINVAL; }
  if (mtu > VETH_MAX_MTU) { NL_SET_ERR_MSG(extack, 'mtu greater than device maximum'); return -EINVAL; }
  return 0;
}

/** RTM_NEWLINK with kind "veth". Ref: veth_newlink */
export function veth_newlink(name: string, ifm: ifinfomsg, tb: StaticArray<usize>, data: usize, extack: netlink_ext_ack | null): i32 {
  // The peer's ifinfomsg and attributes, inside IFLA_INFO_DATA / VETH_INFO_PEER.
  let ifmp: ifinfomsg | null = null;
  const tbp = new StaticArray<usize>(IFLA_MAX + 1);
  if (data) {
    const peer_attr = nla_find(nla_data(data), nla_len(data), VETH_INFO_PEER);
    if (peer_attr) {
      if (nla_len(peer_attr) < offsetof<ifinfomsg>()) return -EINVAL;
      ifmp = changetype<ifinfomsg>(nla_data(peer_attr));
      // rtnl_nla_parse_ifinfomsg: the attributes after the peer's ifinfomsg.
      const err = rtnl_parse_ifla(tbp, nla_data(peer_attr) + offsetof<ifinfomsg>(), nla_len(peer_attr) - offsetof<ifinfomsg>(), extack, false);
      if (err < 0) return err;
    }
  }
  let err = veth_validate_mtu(tbp, extack);
  if (err) return err;
  err = veth_validate_mtu(tb, extack);
  if (err) return err;
  let pname = tbp[IFLA_IFNAME] ? nla_get_string(tbp[IFLA_IFNAME]) : 'veth%d';
  if (!dev_valid_name(pname) && pname.indexOf('%d') < 0) return -EINVAL;
  const pn = dev_alloc_name(pname);
  if (pn == null) return -EINVAL;
  if (__dev_get_by_name(pn) != null) return -EEXIST;
  const dn = dev_alloc_name(name);
  if (dn == null) return -EINVAL;
  if (__dev_get_by_name(dn) != null || dn == pn) return -EEXIST;

  const peer = veth_alloc(pn, ifmp, tbp);
  if (peer == null) return -EINVAL;
  register_netdevice(peer, false);
  netif_carrier_off(peer);
  rtnl_configure_link(peer, ifmp);

  const dev = veth_alloc(dn, null, tb);
  if (dev == null) return -EINVAL;
  const idx = ifm.ifi_index;
  if (idx > 0) dev.ifindex = idx;
  register_netdevice(dev, false);
  netif_carrier_off(dev);
  dev.peer = peer;
  peer.peer = dev;
  rtnl_configure_link(dev, ifm);
  return 0;
}

/** Deleting one end deletes both. Ref: veth_dellink */
export function veth_dellink(dev: net_device): void {
  const peer = dev.peer;
  dev.peer = null;
  const list: net_device[] = [dev];
  if (peer != null) { peer.peer = null; list.push(peer); }
  unregister_netdevice_many(list);
}

/** Ref: veth_open */
function veth_open(dev: net_device): void {
  const peer = dev.peer;
  if (peer == null) return;
  if (peer.flags & IFF_UP) {
    netif_carrier_on(dev);
    netif_carrier_on(peer);
  }
}

/** Ref: veth_close */
function veth_close(dev: net_device): void {
  netif_carrier_off(dev);
  const peer = dev.peer;
  if (peer != null) netif_carrier_off(peer);
}

/** sim: one ndo_open for every kind of link (Linux calls dev->netdev_ops->ndo_open). */
function ndo_open(dev: net_device): void {
  if (dev.kind == KIND_VETH) veth_open(dev);
  else if (dev.kind == KIND_BRIDGE) br_dev_open(dev);
}
/** sim: one ndo_stop for every kind of link (Linux calls dev->netdev_ops->ndo_stop). */
function ndo_stop(dev: net_device): void {
  if (dev.kind == KIND_VETH) veth_close(dev);
}

export function veth_init(): void { set_ndo_hooks(ndo_open, ndo_stop); }
