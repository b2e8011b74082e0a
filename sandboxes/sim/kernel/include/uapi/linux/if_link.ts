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
