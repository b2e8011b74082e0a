/**
 * Network devices: only the loopback device of a fresh network namespace exists, as in a new
 * `unshare -n`. Its flags change with RTM_NEWLINK/RTM_SETLINK (`ip link set lo up`).
 * Ref: net/core/dev.c, drivers/net/loopback.c, include/uapi/linux/if.h
 */

export const IFF_UP: u32 = 0x1;
export const IFF_LOOPBACK: u32 = 0x8;
export const IFF_RUNNING: u32 = 0x40;
export const IFF_LOWER_UP: u32 = 0x10000;
export const ARPHRD_LOOPBACK: u16 = 772;

/** struct net_device, the part rtnetlink reports. */
export class net_device {
  constructor(public ifindex: i32, public name: string, public type: u16, public flags: u32, public mtu: u32) {}
  txqlen: u32 = 1000;
  /** lo's 127.0.0.1/8 and ::1/128 exist once it was first brought up (inetdev / addrconf on NETDEV_UP). */
  addrs_up: bool = false;
  /** When they were added, in hundredths of a second since boot (ifa_cacheinfo's cstamp/tstamp). */
  addr_cstamp: u32 = 0;
}

/** The devices of init_net, by index. */
export const devices: net_device[] = [new net_device(1, 'lo', ARPHRD_LOOPBACK, IFF_LOOPBACK, 65536)];

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

/** What user space sees in ifi_flags: IFF_RUNNING and IFF_LOWER_UP follow the carrier. Ref: dev_get_flags */
export function dev_get_flags(dev: net_device): u32 {
  let f = dev.flags & ~(IFF_RUNNING | IFF_LOWER_UP);
  // The loopback device always has carrier; operstate follows IFF_UP.
  if (dev.flags & IFF_UP) f |= IFF_RUNNING | IFF_LOWER_UP;
  return f;
}
