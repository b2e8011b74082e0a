/**
 * Structs carried in IFLA_* attributes, as views over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/if_link.h
 */

/** struct ifla_cacheinfo: IFLA_INET6_CACHEINFO. */
@unmanaged export class ifla_cacheinfo {
  max_reasm_len: u32;
  tstamp: u32;
  reachable_time: u32;
  retrans_time: u32;
}

/** struct ifla_bridge_id: IFLA_BR_ROOT_ID / IFLA_BR_BRIDGE_ID. */
@unmanaged export class ifla_bridge_id {
  // sim: AssemblyScript has no array fields: these hold the room of `__u8 prio[2]` and
  // `__u8 addr[6]` (ETH_ALEN), so that offsetof<ifla_bridge_id>() is its sizeof; the arrays
  // are reached through `prio` and `addr`.
  private __prio: u16;
  private __addr_0: u16;
  private __addr_1: u16;
  private __addr_2: u16;
  /** `id->prio`: the priority, big endian. */
  get prio(): usize { return changetype<usize>(this) + offsetof<ifla_bridge_id>('__prio'); }
  /** `id->addr`: the bridge's address. */
  get addr(): usize { return changetype<usize>(this) + offsetof<ifla_bridge_id>('__addr_0'); }
}

/** struct rtnl_link_stats: IFLA_STATS. */
@unmanaged export class rtnl_link_stats {
  rx_packets: u32;
  tx_packets: u32;
  rx_bytes: u32;
  tx_bytes: u32;
  rx_errors: u32;
  tx_errors: u32;
  rx_dropped: u32;
  tx_dropped: u32;
  multicast: u32;
  collisions: u32;
  rx_length_errors: u32;
  rx_over_errors: u32;
  rx_crc_errors: u32;
  rx_frame_errors: u32;
  rx_fifo_errors: u32;
  rx_missed_errors: u32;
  tx_aborted_errors: u32;
  tx_carrier_errors: u32;
  tx_fifo_errors: u32;
  tx_heartbeat_errors: u32;
  tx_window_errors: u32;
  rx_compressed: u32;
  tx_compressed: u32;
  rx_nohandler: u32;
}

/** struct rtnl_link_stats64: IFLA_STATS64. */
@unmanaged export class rtnl_link_stats64 {
  rx_packets: u64;
  tx_packets: u64;
  rx_bytes: u64;
  tx_bytes: u64;
  rx_errors: u64;
  tx_errors: u64;
  rx_dropped: u64;
  tx_dropped: u64;
  multicast: u64;
  collisions: u64;
  rx_length_errors: u64;
  rx_over_errors: u64;
  rx_crc_errors: u64;
  rx_frame_errors: u64;
  rx_fifo_errors: u64;
  rx_missed_errors: u64;
  tx_aborted_errors: u64;
  tx_carrier_errors: u64;
  tx_fifo_errors: u64;
  tx_heartbeat_errors: u64;
  tx_window_errors: u64;
  rx_compressed: u64;
  tx_compressed: u64;
  rx_nohandler: u64;
  rx_otherhost_dropped: u64;
}

/** struct rtnl_link_ifmap: IFLA_MAP. */
@unmanaged export class rtnl_link_ifmap {
  mem_start: u64;
  mem_end: u64;
  base_addr: u64;
  irq: u16;
  dma: u8;
  port: u8;
  // sim: the tail padding C adds after `port` (the struct is aligned to its u64s), so that
  // offsetof<rtnl_link_ifmap>() is its sizeof, 32.
  private __pad: u32;
}

/** IFLA_INET6_ADDR_GEN_MODE: no link-local address is made. */
export const IN6_ADDR_GEN_MODE_EUI64: u8 = 0;
export const IN6_ADDR_GEN_MODE_NONE: u8 = 1;

// IFLA_AF_SPEC / AF_INET6: what inet6_fill_link_af puts.
export const IFLA_INET6_FLAGS: i32 = 1;
export const IFLA_INET6_CONF: i32 = 2;
export const IFLA_INET6_STATS: i32 = 3;
export const IFLA_INET6_CACHEINFO: i32 = 5;
export const IFLA_INET6_ICMP6STATS: i32 = 6;
export const IFLA_INET6_TOKEN: i32 = 7;
export const IFLA_INET6_ADDR_GEN_MODE: i32 = 8;
