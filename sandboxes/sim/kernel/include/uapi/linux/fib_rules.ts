/**
 * The header of RTM_{NEW,DEL,GET}RULE, as a view over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/fib_rules.h
 */

/** struct fib_rule_hdr. */
@unmanaged export class fib_rule_hdr {
  family: u8;
  dst_len: u8;
  src_len: u8;
  tos: u8;
  table: u8;
  res1: u8;
  res2: u8;
  action: u8;
  flags: u32;
}
