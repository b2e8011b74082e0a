/**
 * The header of RTM_{NEW,GET}NETCONF, as a view over linear memory.
 *
 * Models Linux 6.18: include/uapi/linux/netconf.h
 */

/** struct netconfmsg. */
@unmanaged export class netconfmsg {
  ncm_family: u8;
}
