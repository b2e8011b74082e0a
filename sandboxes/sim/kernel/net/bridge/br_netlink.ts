/**
 * A bridge without ports: `ip link add br0 type bridge`, its IFLA_INFO_DATA (the defaults of
 * br_dev_setup / br_stp / br_multicast as 6.18 reports them) and no carrier once up (no port
 * forwards). Ports (IFLA_MASTER), VLANs, STP and the AF_BRIDGE messages are not modelled.
 * Ref: net/bridge/br_netlink.c (br_fill_info), br_device.c, br_if.c
 *
 * Models Linux 6.18: net/bridge/br_netlink.c
 */
import { sk_buff } from '../core/skbuff';
import { netlink_ext_ack, nla_put_u8, nla_put_u16, nla_put_u32, nla_put_u64_64bit, nla_put, nla_data, nla_len } from '../../lib/nlattr';
import { net_device, ether_setup, eth_hw_addr_random, register_netdevice, netif_carrier_off, __dev_get_by_name, dev_alloc_name, KIND_BRIDGE } from '../core/dev';
import { rtnl_configure_link, IFLA_ADDRESS, IFLA_MTU } from '../core/rtnetlink';
import { EEXIST, EINVAL } from '../../include/uapi/asm-generic/errno';
import { nla_get_u32 } from '../../lib/nlattr';
import { ifinfomsg } from '../../include/uapi/linux/rtnetlink';
import { ifla_bridge_id } from '../../include/uapi/linux/if_link';
import { br_boolopt_multi } from '../../include/uapi/linux/if_bridge';

// enum IFLA_BR_*
const IFLA_BR_FORWARD_DELAY = 1; const IFLA_BR_HELLO_TIME = 2; const IFLA_BR_MAX_AGE = 3; const IFLA_BR_AGEING_TIME = 4;
const IFLA_BR_STP_STATE = 5; const IFLA_BR_PRIORITY = 6; const IFLA_BR_VLAN_FILTERING = 7; const IFLA_BR_GROUP_FWD_MASK = 9;
const IFLA_BR_ROOT_ID = 10; const IFLA_BR_BRIDGE_ID = 11; const IFLA_BR_ROOT_PORT = 12; const IFLA_BR_ROOT_PATH_COST = 13;
const IFLA_BR_TOPOLOGY_CHANGE = 14; const IFLA_BR_TOPOLOGY_CHANGE_DETECTED = 15; const IFLA_BR_HELLO_TIMER = 16;
const IFLA_BR_TCN_TIMER = 17; const IFLA_BR_TOPOLOGY_CHANGE_TIMER = 18; const IFLA_BR_GC_TIMER = 19; const IFLA_BR_GROUP_ADDR = 20;
const IFLA_BR_MCAST_ROUTER = 22; const IFLA_BR_MCAST_SNOOPING = 23; const IFLA_BR_MCAST_QUERY_USE_IFADDR = 24;
const IFLA_BR_MCAST_QUERIER = 25; const IFLA_BR_MCAST_HASH_ELASTICITY = 26; const IFLA_BR_MCAST_HASH_MAX = 27;
const IFLA_BR_MCAST_LAST_MEMBER_CNT = 28; const IFLA_BR_MCAST_STARTUP_QUERY_CNT = 29; const IFLA_BR_MCAST_LAST_MEMBER_INTVL = 30;
const IFLA_BR_MCAST_MEMBERSHIP_INTVL = 31; const IFLA_BR_MCAST_QUERIER_INTVL = 32; const IFLA_BR_MCAST_QUERY_INTVL = 33;
const IFLA_BR_MCAST_QUERY_RESPONSE_INTVL = 34; const IFLA_BR_MCAST_STARTUP_QUERY_INTVL = 35; const IFLA_BR_NF_CALL_IPTABLES = 36;
const IFLA_BR_NF_CALL_IP6TABLES = 37; const IFLA_BR_NF_CALL_ARPTABLES = 38; const IFLA_BR_PAD = 40; const IFLA_BR_MCAST_STATS_ENABLED = 42;
const IFLA_BR_MCAST_IGMP_VERSION = 43; const IFLA_BR_MCAST_MLD_VERSION = 44; const IFLA_BR_MULTI_BOOLOPT = 46;
const IFLA_BR_FDB_N_LEARNED = 48; const IFLA_BR_FDB_MAX_LEARNED = 49;

/** Clock ticks (USER_HZ 100) of the defaults: forward delay 15 s, hello 2 s, max age 20 s, ageing 300 s. */
const BR_FORWARD_DELAY: u32 = 1500; const BR_HELLO_TIME: u32 = 200; const BR_MAX_AGE: u32 = 2000; const BR_AGEING_TIME: u32 = 30000;
/** Multicast intervals in clock ticks: last member 1 s, membership 260 s, querier 255 s, query 125 s, response 10 s, startup 31.25 s. */
const MC_LAST_MEMBER: u64 = 100; const MC_MEMBERSHIP: u64 = 26000; const MC_QUERIER: u64 = 25500; const MC_QUERY: u64 = 12500;
const MC_QUERY_RESPONSE: u64 = 1000; const MC_STARTUP_QUERY: u64 = 3125 - 1;

/** The default bridge priority, 0x8000. Ref: br_dev_setup → br_stp_set_bridge_priority */
const BR_PRIORITY: u16 = 0x8000;
const ETH_ALEN: i32 = 6;
/** The STP group address 01:80:c2:00:00:00 (br->group_addr of a new bridge). Ref: eth_stp_addr */
const eth_stp_addr = memory.data<u8>([0x01, 0x80, 0xc2, 0x00, 0x00, 0x00]);
/** No option set, mask of the 5 options 6.18 knows. Ref: br_boolopt_multi_get */
const BR_BOOLOPT_MASK: u32 = 0x1f;

// sim: br_fill_info's locals (Linux puts them on the stack).
const bridge_id = changetype<ifla_bridge_id>(memory.data(offsetof<ifla_bridge_id>()));
const bm = changetype<br_boolopt_multi>(memory.data(offsetof<br_boolopt_multi>()));

/** IFLA_INFO_DATA of a bridge. Ref: br_fill_info */
export function br_fill_info(skb: sk_buff, dev: net_device): i32 {
  // The four timers (all idle), in the order br_fill_info puts them.
  if (nla_put_u64_64bit(skb, IFLA_BR_HELLO_TIMER, 0, IFLA_BR_PAD) || nla_put_u64_64bit(skb, IFLA_BR_TCN_TIMER, 0, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_TOPOLOGY_CHANGE_TIMER, 0, IFLA_BR_PAD) || nla_put_u64_64bit(skb, IFLA_BR_GC_TIMER, 0, IFLA_BR_PAD) ||
    nla_put_u32(skb, IFLA_BR_FORWARD_DELAY, BR_FORWARD_DELAY) || nla_put_u32(skb, IFLA_BR_HELLO_TIME, BR_HELLO_TIME) ||
    nla_put_u32(skb, IFLA_BR_MAX_AGE, BR_MAX_AGE) || nla_put_u32(skb, IFLA_BR_AGEING_TIME, BR_AGEING_TIME) ||
    nla_put_u32(skb, IFLA_BR_STP_STATE, 0) || nla_put_u16(skb, IFLA_BR_PRIORITY, BR_PRIORITY) ||
    nla_put_u8(skb, IFLA_BR_VLAN_FILTERING, 0) || nla_put_u16(skb, IFLA_BR_GROUP_FWD_MASK, 0)) return -1;
  // struct ifla_bridge_id: priority (big endian) and the bridge's id address: zeros until a port
  // joins or an address is set.
  memory.fill(changetype<usize>(bridge_id), 0, offsetof<ifla_bridge_id>());
  store<u8>(bridge_id.prio, <u8>(BR_PRIORITY >> 8));
  store<u8>(bridge_id.prio + 1, <u8>BR_PRIORITY);
  if (dev.br_id_set) for (let i = 0; i < ETH_ALEN; i++) store<u8>(bridge_id.addr + <usize>i, unchecked(dev.dev_addr[i]));
  if (nla_put(skb, IFLA_BR_BRIDGE_ID, offsetof<ifla_bridge_id>(), changetype<usize>(bridge_id)) ||
    nla_put(skb, IFLA_BR_ROOT_ID, offsetof<ifla_bridge_id>(), changetype<usize>(bridge_id)) ||
    nla_put_u16(skb, IFLA_BR_ROOT_PORT, 0) || nla_put_u32(skb, IFLA_BR_ROOT_PATH_COST, 0) ||
    nla_put_u8(skb, IFLA_BR_TOPOLOGY_CHANGE, 0) || nla_put_u8(skb, IFLA_BR_TOPOLOGY_CHANGE_DETECTED, 0)) return -1;
  if (nla_put(skb, IFLA_BR_GROUP_ADDR, ETH_ALEN, eth_stp_addr)) return -1;
  bm.optval = 0;
  bm.optmask = BR_BOOLOPT_MASK;
  if (nla_put(skb, IFLA_BR_MULTI_BOOLOPT, offsetof<br_boolopt_multi>(), changetype<usize>(bm)) || nla_put_u32(skb, IFLA_BR_FDB_N_LEARNED, 0) || nla_put_u32(skb, IFLA_BR_FDB_MAX_LEARNED, 0) ||
    nla_put_u8(skb, IFLA_BR_MCAST_ROUTER, 1) || nla_put_u8(skb, IFLA_BR_MCAST_SNOOPING, 1) ||
    nla_put_u8(skb, IFLA_BR_MCAST_QUERY_USE_IFADDR, 0) || nla_put_u8(skb, IFLA_BR_MCAST_QUERIER, 0) ||
    nla_put_u8(skb, IFLA_BR_MCAST_STATS_ENABLED, 0) || nla_put_u32(skb, IFLA_BR_MCAST_HASH_ELASTICITY, 16) ||
    nla_put_u32(skb, IFLA_BR_MCAST_HASH_MAX, 4096) || nla_put_u32(skb, IFLA_BR_MCAST_LAST_MEMBER_CNT, 2) ||
    nla_put_u32(skb, IFLA_BR_MCAST_STARTUP_QUERY_CNT, 2) || nla_put_u8(skb, IFLA_BR_MCAST_IGMP_VERSION, 2) ||
    nla_put_u8(skb, IFLA_BR_MCAST_MLD_VERSION, 1) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_LAST_MEMBER_INTVL, MC_LAST_MEMBER, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_MEMBERSHIP_INTVL, MC_MEMBERSHIP, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_QUERIER_INTVL, MC_QUERIER, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_QUERY_INTVL, MC_QUERY, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_QUERY_RESPONSE_INTVL, MC_QUERY_RESPONSE, IFLA_BR_PAD) ||
    nla_put_u64_64bit(skb, IFLA_BR_MCAST_STARTUP_QUERY_INTVL, MC_STARTUP_QUERY, IFLA_BR_PAD) ||
    nla_put_u8(skb, IFLA_BR_NF_CALL_IPTABLES, 0) || nla_put_u8(skb, IFLA_BR_NF_CALL_IP6TABLES, 0) ||
    nla_put_u8(skb, IFLA_BR_NF_CALL_ARPTABLES, 0)) return -1;
  return 0;
}

/** sim: RTM_NEWLINK with kind "bridge". Ref: br_dev_newlink, br_dev_setup */
export function br_newlink(name: string, ifm: ifinfomsg, tb: StaticArray<usize>, extack: netlink_ext_ack | null): i32 {
  const n = dev_alloc_name(name);
  if (n == null) return -EINVAL;
  if (__dev_get_by_name(n) != null) return -EEXIST;
  const dev = new net_device(0, n, 0, 0, 0);
  ether_setup(dev);
  dev.kind = KIND_BRIDGE;
  dev.max_mtu = 65535;
  dev.tso_max_size = 65536;
  dev.netns_immutable = true;
  if (tb[IFLA_MTU]) dev.mtu = nla_get_u32(tb[IFLA_MTU]);
  const set_addr = tb[IFLA_ADDRESS] != 0 && nla_len(tb[IFLA_ADDRESS]) >= ETH_ALEN;
  if (set_addr) {
    for (let i = 0; i < ETH_ALEN; i++) unchecked(dev.dev_addr[i] = load<u8>(nla_data(tb[IFLA_ADDRESS]) + <usize>i));
  } else {
    eth_hw_addr_random(dev);
  }
  const idx = ifm.ifi_index;
  if (idx > 0) dev.ifindex = idx;
  register_netdevice(dev, false);
  if (set_addr) {
    // br_stp_change_bridge_id: the address becomes the bridge id, and the port state selection
    // (no port forwards) takes the carrier away.
    dev.br_id_set = true;
    netif_carrier_off(dev);
  }
  rtnl_configure_link(dev, ifm);
  return 0;
}

/** A bridge without a forwarding port has no carrier. Ref: br_dev_open → br_port_state_selection */
export function br_dev_open(dev: net_device): void { netif_carrier_off(dev); }
