/**
 * Structs carried in IFLA_BR_* attributes, as views over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/if_bridge.h
 */

/** struct br_boolopt_multi: IFLA_BR_MULTI_BOOLOPT. */
@unmanaged export class br_boolopt_multi {
  optval: u32;
  optmask: u32;
}
