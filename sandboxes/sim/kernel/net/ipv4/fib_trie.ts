/**
 * The IPv4 routing tables (local 255, main 254) as the trie keeps them: a dump walks the keys in
 * ascending order, and under one key the longer prefix first. Ref: net/ipv4/fib_trie.c
 *
 * Models Linux 6.18: net/ipv4/fib_trie.c
 */
import { RTPROT_KERNEL, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE } from '../../include/uapi/linux/rtnetlink';
import { array_insert } from '../core/dev';
export const RT_TABLE_MAIN: u32 = 254;
export const RT_TABLE_LOCAL: u32 = 255;
export const RTN_UNICAST: u8 = 1;
export const RTN_LOCAL: u8 = 2;
export const RTN_BROADCAST: u8 = 3;
export const RTN_MULTICAST: u8 = 5;

/** struct fib_alias + its fib_info, flattened (one nexthop). */
export class fib_alias {
  table: u32 = RT_TABLE_MAIN;
  /** Destination in host byte order. */
  dst: u32 = 0;
  dst_len: u8 = 0;
  tos: u8 = 0;
  type: u8 = RTN_UNICAST;
  scope: u8 = RT_SCOPE_UNIVERSE;
  protocol: u8 = RTPROT_KERNEL;
  priority: u32 = 0;
  prefsrc: u32 = 0;
  gw: u32 = 0;
  oif: i32 = 0;
  /** The nexthop's scope: RT_SCOPE_NOWHERE for host routes, which survive their device going down. */
  nh_scope: u8 = RT_SCOPE_LINK;
  /** RTNH_F_LINKDOWN while the device has no carrier. */
  nh_flags: u32 = 0;
}

/** Every IPv4 route, both tables. */
export const fib_aliases: fib_alias[] = [];

/** sim: Ordering of a table: key ascending, then longer prefix first. */
function fib_cmp(a: fib_alias, b: fib_alias): i32 {
  if (a.dst != b.dst) return a.dst < b.dst ? -1 : 1;
  if (a.dst_len != b.dst_len) return a.dst_len > b.dst_len ? -1 : 1;
  return 0;
}

/** Insert after every alias that sorts before or equal (same prefix: appended). Ref: fib_insert_alias */
export function fib_insert_alias(fa: fib_alias): void {
  let i = 0;
  while (i < fib_aliases.length && fib_cmp(unchecked(fib_aliases[i]), fa) <= 0) i++;
  array_insert(fib_aliases, i, fa);
}

/** sim: The aliases of one table, in dump order. */
export function fib_table_entries(table: u32): fib_alias[] {
  const out: fib_alias[] = [];
  for (let i = 0; i < fib_aliases.length; i++) if (unchecked(fib_aliases[i]).table == table) out.push(unchecked(fib_aliases[i]));
  return out;
}

/** Find an alias by table, prefix, tos, priority (and type when given). */
export function fib_find_alias(table: u32, dst: u32, dst_len: u8, tos: u8, priority: u32): fib_alias | null {
  for (let i = 0; i < fib_aliases.length; i++) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.table == table && fa.dst == dst && fa.dst_len == dst_len && fa.tos == tos && fa.priority == priority) return fa;
  }
  return null;
}

export function fib_remove_alias(fa: fib_alias): void {
  const i = fib_aliases.indexOf(fa);
  if (i >= 0) fib_aliases.splice(i, 1);
}

/** Longest-prefix match in a table (for a gateway's reachability). Ref: fib_table_lookup */
export function fib_table_lookup(table: u32, addr: u32): fib_alias | null {
  let best: fib_alias | null = null;
  for (let i = 0; i < fib_aliases.length; i++) {
    const fa = unchecked(fib_aliases[i]);
    if (fa.table != table) continue;
    const mask: u32 = fa.dst_len == 0 ? 0 : <u32>(0xffffffff << (32 - fa.dst_len));
    if ((addr & mask) != fa.dst) continue;
    if (best == null || fa.dst_len > best.dst_len) best = fa;
  }
  return best;
}

// ---- the tables ---------------------------------------------------------------------------------

/** RT_TABLE_COMPAT: what rtm_table says for a table id above 255. */
export const RT_TABLE_COMPAT: u32 = 252;
/** FIB_TABLE_HASHSZ with CONFIG_IP_MULTIPLE_TABLES. */
const FIB_TABLE_HASHSZ: u32 = 256;

/** struct fib_table: an id; its routes live in fib_aliases (tagged with the id). */
export class fib_table {
  constructor(public tb_id: u32, public seq: i32) {}
}
const fib_tables: fib_table[] = [];
let fib_table_seq = 0;

/** Ref: fib_get_table (id 0 means main) */
export function fib_get_table(id: u32): fib_table | null {
  if (id == 0) id = RT_TABLE_MAIN;
  for (let i = 0; i < fib_tables.length; i++) if (unchecked(fib_tables[i]).tb_id == id) return unchecked(fib_tables[i]);
  return null;
}

/**
 * Find or create a table. Creating local creates main first: without custom rules both share one
 * trie (fib_trie_unmerge has not run). Ref: fib_new_table
 */
export function fib_new_table(id: u32): fib_table {
  if (id == 0) id = RT_TABLE_MAIN;
  const tb = fib_get_table(id);
  if (tb != null) return tb;
  if (id == RT_TABLE_LOCAL) fib_new_table(RT_TABLE_MAIN);
  const t = new fib_table(id, fib_table_seq++);
  fib_tables.push(t);
  return t;
}

/**
 * sim: The tables in the order inet_dump_fib walks net->ipv4.fib_table_hash: bucket (id & 255)
 * ascending, and in one bucket the newest first (hlist_add_head_rcu).
 */
export function fib_tables_hash_order(): fib_table[] {
  const out = fib_tables.slice(0);
  out.sort((a: fib_table, b: fib_table): i32 => {
    const ha = a.tb_id & (FIB_TABLE_HASHSZ - 1), hb = b.tb_id & (FIB_TABLE_HASHSZ - 1);
    if (ha != hb) return ha < hb ? -1 : 1;
    return b.seq - a.seq;
  });
  return out;
}
