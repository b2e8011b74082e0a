/**
 * Network devices of the one network namespace: the loopback device of a fresh `unshare -n`, and
 * the links a program creates with RTM_NEWLINK (veth pairs, bridges). What rtnetlink reports and
 * what the notifier chain tells the address families (devinet, addrconf, fib) when a device is
 * registered, goes up or down, changes its MTU or its name, or goes away.
 * Ref: net/core/dev.c, net/core/link_watch.c, drivers/net/loopback.c, include/uapi/linux/if.h
 *
 * Models Linux 6.18: net/core/dev.c
 */
import { RTM_NEWLINK, RTM_DELLINK } from '../../include/uapi/linux/rtnetlink';
import { ktime_get_ms } from '../../kernel/time';

export const IFF_UP: u32 = 0x1;
export const IFF_BROADCAST: u32 = 0x2;
export const IFF_DEBUG: u32 = 0x4;
export const IFF_LOOPBACK: u32 = 0x8;
export const IFF_POINTOPOINT: u32 = 0x10;
export const IFF_NOTRAILERS: u32 = 0x20;
export const IFF_RUNNING: u32 = 0x40;
export const IFF_NOARP: u32 = 0x80;
export const IFF_PROMISC: u32 = 0x100;
export const IFF_ALLMULTI: u32 = 0x200;
export const IFF_MASTER: u32 = 0x400;
export const IFF_SLAVE: u32 = 0x800;
export const IFF_MULTICAST: u32 = 0x1000;
export const IFF_PORTSEL: u32 = 0x2000;
export const IFF_AUTOMEDIA: u32 = 0x4000;
export const IFF_DYNAMIC: u32 = 0x8000;
export const IFF_LOWER_UP: u32 = 0x10000;
export const IFF_DORMANT: u32 = 0x20000;
export const IFF_ECHO: u32 = 0x40000;
/** Flags user space may change. Ref: dev.c:__dev_change_flags */
export const IFF_USER_CHANGEABLE: u32 = IFF_UP | IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC |
  IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA | IFF_PROMISC | IFF_ALLMULTI;
export const IFF_VOLATILE: u32 = IFF_LOOPBACK | IFF_POINTOPOINT | IFF_BROADCAST | IFF_ECHO | IFF_MASTER | IFF_SLAVE |
  IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT;

export const ARPHRD_ETHER: u16 = 1;
export const ARPHRD_LOOPBACK: u16 = 772;

export const IF_OPER_UNKNOWN: u8 = 0;
export const IF_OPER_NOTPRESENT: u8 = 1;
export const IF_OPER_DOWN: u8 = 2;
export const IF_OPER_LOWERLAYERDOWN: u8 = 3;
export const IF_OPER_UP: u8 = 6;

/** netdevice notifier events. Ref: include/linux/netdevice.h */
export const NETDEV_UP: i32 = 1;
export const NETDEV_DOWN: i32 = 2;
export const NETDEV_CHANGE: i32 = 4;
export const NETDEV_REGISTER: i32 = 5;
export const NETDEV_UNREGISTER: i32 = 6;
export const NETDEV_CHANGEMTU: i32 = 7;
export const NETDEV_CHANGEADDR: i32 = 8;
export const NETDEV_CHANGENAME: i32 = 10;

export const IFNAMSIZ: i32 = 16;
export const ETH_ALEN: i32 = 6;

/** Kinds of device (dev->rtnl_link_ops). */
export const KIND_LOOPBACK: u8 = 0;
export const KIND_VETH: u8 = 1;
export const KIND_BRIDGE: u8 = 2;

/** struct net_device, the part rtnetlink, the address families and the FIB look at. */
export class net_device {
  constructor(public ifindex: i32, public name: string, public type: u16, public flags: u32, public mtu: u32) {}
  kind: u8 = KIND_LOOPBACK;
  min_mtu: u32 = 0;
  max_mtu: u32 = 0;
  txqlen: u32 = 1000;
  num_tx_queues: u32 = 1;
  num_rx_queues: u32 = 1;
  tso_max_size: u32 = 524280;
  netns_immutable: bool = false;
  /** dev_addr and broadcast (ETH_ALEN bytes; zeros for lo). */
  dev_addr: StaticArray<u8> = new StaticArray<u8>(6);
  broadcast: StaticArray<u8> = new StaticArray<u8>(6);
  /** netif_carrier_ok(): lo and a bridge without ports say yes (no carrier handling), veth when both ends are up. */
  carrier: bool = true;
  carrier_up_count: u32 = 0;
  carrier_down_count: u32 = 0;
  operstate: u8 = IF_OPER_UNKNOWN;
  /** The qdisc: "noop" until the device is first opened, "noqueue" from then on. */
  qdisc_attached: bool = false;
  /** The other end of a veth pair. */
  peer: net_device | null = null;
  /** IFLA_GROUP, IFLA_LINKMODE */
  group: u32 = 0;
  link_mode: u8 = 0;
  /** ipv6 inet6_dev: created when the device registers; its cacheinfo tstamp and reachable time. */
  in6_tstamp: u32 = 0;
  in6_reachable_time: u32 = 30000;
  /** IFLA_INET6_ADDR_GEN_MODE (0 EUI64). */
  addr_gen_mode: u8 = 0;
  /** IFLA_INET6_FLAGS: IF_READY once the device was up with carrier. */
  in6_flags: u32 = 0;
  /** Whether it is still registered (a reference held by a notification may outlive it). */
  registered: bool = true;
  /** Its inet/inet6 devices are gone (unregistering): IFLA_AF_SPEC is an empty nest then. */
  af_gone: bool = false;
  /** A bridge whose id took the device address (set at creation). */
  br_id_set: bool = false;
  /** idev->cnf.mtu6: follows the MTU once addrconf sees NETDEV_CHANGEMTU. */
  mtu6: u32 = 0;
}

/** The devices of the namespace, in index order (the order of the link dump). */
export const devices: net_device[] = [];
/** The last ifindex handed out. Ref: dev_index_reserve */
let ifindex_last: i32 = 0;

/** jiffies-style hundredths of a second since boot, as ifa_cacheinfo and inet6 cacheinfo count. */
export function jiffies_to_clock_t(): u32 { return <u32>(ktime_get_ms() / 10.0) + 0; }

// sim: prandom for random MAC addresses and the IPv6 reachable time; seeded, so runs repeat.
let rnd: u32 = 0x9e3779b9;
export function get_random_u32(): u32 {
  rnd ^= rnd << 13;
  rnd ^= rnd >> 17;
  rnd ^= rnd << 5;
  return rnd;
}

/** A random locally administered unicast MAC. Ref: include/linux/etherdevice.h:eth_random_addr */
export function eth_hw_addr_random(dev: net_device): void {
  for (let i = 0; i < 6; i++) unchecked(dev.dev_addr[i] = <u8>get_random_u32());
  unchecked(dev.dev_addr[0] = (dev.dev_addr[0] & 0xfe) | 0x02);
}

/** Ref: ether_setup */
export function ether_setup(dev: net_device): void {
  dev.type = ARPHRD_ETHER;
  dev.mtu = 1500;
  dev.min_mtu = 68;
  dev.max_mtu = 1500;
  dev.flags = IFF_BROADCAST | IFF_MULTICAST;
  for (let i = 0; i < 6; i++) unchecked(dev.broadcast[i] = 0xff);
}

/** Ref: __dev_get_by_index */
export function __dev_get_by_index(ifindex: i32): net_device | null {
  for (let i = 0; i < devices.length; i++) if (unchecked(devices[i]).ifindex == ifindex) return unchecked(devices[i]);
  return null;
}

/** Ref: __dev_get_by_name */
export function __dev_get_by_name(name: string): net_device | null {
  for (let i = 0; i < devices.length; i++) if (unchecked(devices[i]).name == name) return unchecked(devices[i]);
  return null;
}

/** Ref: dev_valid_name */
export function dev_valid_name(name: string): bool {
  if (name.length == 0 || name.length >= IFNAMSIZ) return false;
  if (name == '.' || name == '..') return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c == 0x2f /* / */ || c == 0x3a /* : */ || c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0b || c == 0x0c || c == 0x0d) return false;
  }
  return true;
}

/** Expand a "%d" template to the first free name (veth%d → veth0). Ref: __dev_alloc_name */
export function dev_alloc_name(template: string): string | null {
  const p = template.indexOf('%d');
  if (p < 0) return template;
  for (let i = 0; i < 32768; i++) {
    const name = template.substring(0, p) + i.toString() + template.substring(p + 2);
    if (name.length >= IFNAMSIZ) return null;
    if (__dev_get_by_name(name) == null) return name;
  }
  return null;
}

export function netif_running(dev: net_device): bool { return (dev.flags & IFF_UP) != 0; }
export function netif_carrier_ok(dev: net_device): bool { return dev.carrier; }
export function netif_oper_up(dev: net_device): bool { return dev.operstate == IF_OPER_UP || dev.operstate == IF_OPER_UNKNOWN; }

/** What user space sees in ifi_flags. Ref: dev_get_flags */
export function dev_get_flags(dev: net_device): u32 {
  let flags = dev.flags & ~(IFF_RUNNING | IFF_LOWER_UP | IFF_DORMANT);
  if (netif_running(dev)) {
    if (netif_oper_up(dev)) flags |= IFF_RUNNING;
    if (netif_carrier_ok(dev)) flags |= IFF_LOWER_UP;
  }
  return flags;
}

// ---- the netdevice notifier chain ----------------------------------------------------------------

/** A notifier: called with the event and the device. Ref: struct notifier_block */
export type netdev_notifier = (event: i32, dev: net_device) => void;
const netdev_chain: netdev_notifier[] = [];

/** Ref: register_netdevice_notifier */
export function register_netdevice_notifier(nb: netdev_notifier): void { netdev_chain.push(nb); }

/** Ref: call_netdevice_notifiers */
export function call_netdevice_notifiers(event: i32, dev: net_device): void {
  for (let i = 0; i < netdev_chain.length; i++) unchecked(netdev_chain[i])(event, dev);
}

/**
 * RTM_NEWLINK to RTNLGRP_LINK. Set by rtnetlink (dev.c calls rtmsg_ifinfo in Linux; here through
 * this hook, so dev.ts does not import rtnetlink).
 */
export let rtmsg_ifinfo_hook: ((type: i32, dev: net_device, change: u32) => void) | null = null;
/** sim: rtnetlink registers its rtmsg_ifinfo here, as dev.ts cannot import rtnetlink.ts (an import cycle). */
export function set_rtmsg_ifinfo_hook(f: (type: i32, dev: net_device, change: u32) => void): void { rtmsg_ifinfo_hook = f; }
export function rtmsg_ifinfo(type: i32, dev: net_device, change: u32): void {
  const f = rtmsg_ifinfo_hook;
  if (f) f(type, dev, change);
}

/** Device open/stop/carrier callbacks of the device's driver (net_device_ops). */
export let ndo_open_hook: ((dev: net_device) => void) | null = null;
export let ndo_stop_hook: ((dev: net_device) => void) | null = null;
/** sim: the drivers register their ndo_open / ndo_stop here (Linux: dev->netdev_ops). */
export function set_ndo_hooks(open: (dev: net_device) => void, stop: (dev: net_device) => void): void {
  ndo_open_hook = open;
  ndo_stop_hook = stop;
}

// ---- link_watch ---------------------------------------------------------------------------------

/**
 * The operstate RFC 2863 wants, from the carrier alone (reported as DOWN while the device is not
 * running). lo never gets a link-watch event and keeps IF_OPER_UNKNOWN. Ref: link_watch.c:default_operstate
 */
function default_operstate(dev: net_device): u8 {
  if (!netif_carrier_ok(dev)) return IF_OPER_LOWERLAYERDOWN;
  return IF_OPER_UP;
}

/**
 * A carrier change reaches user space through the link watcher: the operstate is updated, then,
 * if the device is up, NETDEV_CHANGE runs the notifier chain and RTM_NEWLINK (change 0) goes out.
 * sim: Linux runs the watcher from a workqueue shortly after the change; here it runs when the
 * request that caused it is done, in the order the events were queued (so the notifications come
 * in Linux's order).
 * Ref: link_watch.c:linkwatch_do_dev → rfc2863_policy, netif_state_change
 */
const lw_queue: net_device[] = [];
export function linkwatch_fire_event(dev: net_device): void {
  for (let i = 0; i < lw_queue.length; i++) if (unchecked(lw_queue[i]) == dev) return;
  lw_queue.push(dev);
}
export function linkwatch_run_queue(): void {
  while (lw_queue.length) {
    const dev = lw_queue.shift();
    if (!dev.registered) continue;
    dev.operstate = default_operstate(dev);
    if (netif_running(dev)) {
      call_netdevice_notifiers(NETDEV_CHANGE, dev);
      rtmsg_ifinfo(RTM_NEWLINK, dev, 0);
    }
  }
}

/** Ref: netif_carrier_on */
export function netif_carrier_on(dev: net_device): void {
  if (dev.carrier) return;
  dev.carrier = true;
  dev.carrier_up_count++;
  linkwatch_fire_event(dev);
}

/** Ref: netif_carrier_off */
export function netif_carrier_off(dev: net_device): void {
  if (!dev.carrier) return;
  dev.carrier = false;
  dev.carrier_down_count++;
  linkwatch_fire_event(dev);
}

// ---- registering, opening, closing -----------------------------------------------------------------

/** Ref: register_netdevice (the index: dev_index_reserve; notifiers: NETDEV_REGISTER; RTM_NEWLINK ~0) */
export function register_netdevice(dev: net_device, notify: bool = true): void {
  if (dev.ifindex == 0) dev.ifindex = ++ifindex_last;
  else if (dev.ifindex > ifindex_last) ifindex_last = dev.ifindex;
  dev.registered = true;
  dev.mtu6 = dev.mtu;
  dev.in6_tstamp = jiffies_to_clock_t();
  // ipv6: ND's reachable time is random in [base/2, 3*base/2). Ref: neighbour.c:neigh_rand_reach_time
  dev.in6_reachable_time = 15000 + get_random_u32() % 30000;
  let i = 0;
  while (i < devices.length && unchecked(devices[i]).ifindex < dev.ifindex) i++;
  array_insert(devices, i, dev);
  call_netdevice_notifiers(NETDEV_REGISTER, dev);
  linkwatch_run_queue();
  // A link created by RTM_NEWLINK is announced by rtnl_configure_link once configured.
  if (notify) rtmsg_ifinfo(RTM_NEWLINK, dev, 0xffffffff);
}

/** Close, then unregister each: NETDEV_UNREGISTER, RTM_DELLINK. Ref: unregister_netdevice_many */
export function unregister_netdevice_many(list: net_device[]): void {
  for (let i = 0; i < list.length; i++) if (netif_running(list[i])) dev_close(list[i]);
  for (let i = 0; i < list.length; i++) {
    const dev = list[i];
    // dev_shutdown: the qdisc goes back to noop; the notifiers drop the inet/inet6 devices.
    dev.qdisc_attached = false;
    call_netdevice_notifiers(NETDEV_UNREGISTER, dev);
    dev.af_gone = true;
    rtmsg_ifinfo(RTM_DELLINK, dev, 0xffffffff);
    dev.registered = false;
    const k = devices.indexOf(dev);
    if (k >= 0) devices.splice(k, 1);
  }
}

/** Ref: unregister_netdevice */
export function unregister_netdevice(dev: net_device): void { unregister_netdevice_many([dev]); }

/** Set the flags and tell: RTM_NEWLINK first, then NETDEV_UP / NETDEV_DOWN / NETDEV_CHANGE. Ref: dev_change_flags */
export function dev_change_flags(dev: net_device, flags: u32): i32 {
  const old_flags = dev.flags;
  __dev_change_flags(dev, flags);
  const changes = old_flags ^ dev.flags;
  __dev_notify_flags(dev, old_flags, changes);
  return 0;
}

/** Set the flags, opening or closing the device, without telling anyone. Ref: __dev_change_flags */
export function __dev_change_flags(dev: net_device, flags: u32): void {
  const old_flags = dev.flags;
  // Ref: __dev_change_flags. Promiscuity and allmulti are counters in Linux (dev->gflags); here
  // the user's bit is the whole count.
  dev.flags = (flags & (IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA |
    IFF_PROMISC | IFF_ALLMULTI)) | (dev.flags & (IFF_UP | IFF_VOLATILE));
  if ((old_flags ^ flags) & IFF_UP) {
    if (old_flags & IFF_UP) __dev_close(dev);
    else __dev_open(dev);
  }
}

/** RTM_NEWLINK (ifi_change = gchanges), then NETDEV_UP / NETDEV_DOWN / NETDEV_CHANGE. Ref: __dev_notify_flags */
export function __dev_notify_flags(dev: net_device, old_flags: u32, gchanges: u32): void {
  const changes = dev.flags ^ old_flags;
  if (gchanges) rtmsg_ifinfo(RTM_NEWLINK, dev, gchanges);
  if (changes & IFF_UP) {
    call_netdevice_notifiers(dev.flags & IFF_UP ? NETDEV_UP : NETDEV_DOWN, dev);
  }
  if ((dev.flags & IFF_UP) && (changes & ~(IFF_UP | IFF_PROMISC | IFF_ALLMULTI | IFF_VOLATILE))) {
    call_netdevice_notifiers(NETDEV_CHANGE, dev);
  }
  linkwatch_run_queue();
}

/** Ref: __dev_open (ndo_open; the qdisc; the operstate via the link watcher) */
function __dev_open(dev: net_device): void {
  dev.flags |= IFF_UP;
  dev.qdisc_attached = true;
  const f = ndo_open_hook;
  if (f) f(dev);
}

/** Ref: __dev_close */
function __dev_close(dev: net_device): void {
  const f = ndo_stop_hook;
  if (f) f(dev);
  dev.flags &= ~IFF_UP;
}

/** Close a running device, notifying (unregister). Ref: dev_close */
export function dev_close(dev: net_device): void {
  if (!netif_running(dev)) return;
  __dev_close(dev);
  rtmsg_ifinfo(RTM_NEWLINK, dev, IFF_UP | IFF_RUNNING);
  call_netdevice_notifiers(NETDEV_DOWN, dev);
  linkwatch_run_queue();
}

/** Ref: dev_set_mtu (validated by the caller against min/max) */
export function dev_set_mtu(dev: net_device, mtu: u32): void {
  if (dev.mtu == mtu) return;
  dev.mtu = mtu;
  call_netdevice_notifiers(NETDEV_CHANGEMTU, dev);
}

/** Ref: dev_change_name */
export function dev_change_name(dev: net_device, name: string): void {
  if (dev.name == name) return;
  dev.name = name;
  call_netdevice_notifiers(NETDEV_CHANGENAME, dev);
}

/** The loopback device of a fresh namespace. Ref: drivers/net/loopback.c:loopback_setup */
export function loopback_net_init(): void {
  const lo = new net_device(1, 'lo', ARPHRD_LOOPBACK, IFF_LOOPBACK, 65536);
  lo.kind = KIND_LOOPBACK;
  lo.netns_immutable = true;
  lo.operstate = IF_OPER_UNKNOWN;
  register_netdevice(lo);
}

/** sim: Insert v at index i (AssemblyScript's splice does not insert). */
export function array_insert<T>(arr: T[], i: i32, v: T): void {
  arr.push(v);
  for (let k = arr.length - 1; k > i; k--) unchecked(arr[k] = arr[k - 1]);
  unchecked(arr[i] = v);
}
