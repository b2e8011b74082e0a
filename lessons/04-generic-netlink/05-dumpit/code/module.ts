/**
 * nllab_table: a generic netlink family whose one command, GET, is a dump of a 1000-row table
 * built when the module loads — more than one skb, and more than one receive buffer, can hold.
 * The C twin is sandboxes/vm/modules/nllab_table.c.
 */
import {
  genl_register_family, genl_unregister_family, genlmsg_put, genlmsg_end, genlmsg_cancel,
  nla_put_u32, nla_put_string, EMSGSIZE,
  type genl_family, type netlink_callback, type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

/** Attributes of one row. */
export const NLLAB_TABLE_A_ID = 1;      // NLA_U32
export const NLLAB_TABLE_A_NAME = 2;    // NLA_NUL_STRING, "row-0000" … "row-0999"
export const NLLAB_TABLE_A_VALUE = 3;   // NLA_U32, id * id
const NLLAB_TABLE_A_MAX = NLLAB_TABLE_A_VALUE;

/** Commands. */
export const NLLAB_TABLE_C_GET = 1;

export const NLLAB_TABLE_ROWS = 1000;
const NLM_F_MULTI = 0x2;

/** Put row `i` in `skb` as one message; 0, or -EMSGSIZE (the skb is unchanged) when it does not fit. */
function table_fill(skb: sk_buff, portid: number, seq: number, flags: number, i: number): number {
  const hdr = genlmsg_put(skb, portid, seq, table_family, flags, NLLAB_TABLE_C_GET);
  if (!hdr) return -EMSGSIZE;
  if (nla_put_u32(skb, NLLAB_TABLE_A_ID, i) ||
      nla_put_string(skb, NLLAB_TABLE_A_NAME, `row-${String(i).padStart(4, '0')}`) ||
      nla_put_u32(skb, NLLAB_TABLE_A_VALUE, i * i)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
}

/**
 * GET's dumpit: fill the skb with rows until it is full. (How does the kernel ask for the rest?)
 */
function table_dumpit(skb: sk_buff, cb: netlink_callback): number {
  for (let i = 0; i < NLLAB_TABLE_ROWS; i++) {
    if (table_fill(skb, cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, i)) break;
  }
  return 0;
}

export const table_family: genl_family = {
  name: 'NLLAB_TABLE',
  version: 1,
  maxattr: NLLAB_TABLE_A_MAX,
  ops: [{ cmd: NLLAB_TABLE_C_GET, dumpit: table_dumpit }],
};

const nllab_table: KernelModule = {
  name: 'nllab_table',
  description: 'netlink-lab: the NLLAB_TABLE generic netlink family, a 1000-row dump (lesson 4.5)',
  init: () => genl_register_family(table_family),
  exit: () => { genl_unregister_family(table_family); },
};
export default nllab_table;
