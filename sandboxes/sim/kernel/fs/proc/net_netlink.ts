/**
 * /proc/net/netlink: one line per bound netlink socket, as Linux prints it.
 * Ref: net/netlink/af_netlink.c:netlink_native_seq_show (the sk column and the inode are made up
 * from the socket's id).
 *
 * Models Linux 6.18: net/netlink/af_netlink.c (the seq_file of /proc/net/netlink)
 */
import { nl_table, sock, MAX_LINKS } from '../../net/netlink/af_netlink';

/** sim: left-justify s in width columns (seq_printf's %-Ns). */
function pad_right(s: string, width: i32): string {
  let r = s;
  while (r.length < width) r += ' ';
  return r;
}
/** sim: v in lowercase hex, zero-padded to width (seq_printf's %0Nx). */
function hex(v: u64, width: i32): string {
  let s = v.toString(16);
  while (s.length < width) s = '0' + s;
  return s;
}

/**
 * sim: What %pK prints for a socket: Linux shows a hashed pointer (32 random-looking bits); ours is a
 * hash of the socket's id, stable for its life.
 */
export function sock_address(sk: sock): u64 {
  let h = <u32>sk.id * 0x9e3779b1;
  h ^= h >> 15;
  h *= 0x85ebca77;
  h ^= h >> 13;
  return <u64>h;
}

/** sim: The text of /proc/net/netlink. */
export function proc_net_netlink(): string {
  let out = 'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode\n';
  for (let p = 0; p < MAX_LINKS; p++) {
    const socks = unchecked(nl_table[p]).hash.values();
    for (let i = 0; i < socks.length; i++) {
      const s = unchecked(socks[i]);
      const g = s.groups;
      out += hex(sock_address(s), 16) + ' ' + pad_right(s.sk_protocol.toString(), 3) + ' ' +
        pad_right(s.portid.toString(), 10) + ' ' + hex(g ? <u64>unchecked(g[0]) : 0, 8) + ' ' +
        pad_right(s.sk_rmem_alloc.toString(), 8) + ' ' + pad_right('0', 8) + ' ' +
        pad_right(s.cb_running ? '1' : '0', 5) + ' ' + pad_right('2', 8) + ' ' +
        pad_right(s.sk_drops.toString(), 8) + ' ' + pad_right((s.owner ? 20000 + s.id : 4 + s.id).toString(), 8) + '\n';
    }
  }
  return out;
}
