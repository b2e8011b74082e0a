/**
 * Dump NLLAB_TABLE: send GET with NLM_F_DUMP, read what comes back, and count the rows.
 */
import {
  insmod, close, recvfrom, parseNlmsgs, parseGenlmsg, parseNlmsgerr, nla_get_u32, genl_socket,
  genl_ctrl_resolve, genl_send, NLM_F_REQUEST, NLM_F_DUMP, NLMSG_DONE, NLMSG_ERROR,
} from 'netlink-lab/user';
import nllab_table, { NLLAB_TABLE_C_GET, NLLAB_TABLE_A_ID, NLLAB_TABLE_ROWS } from './module.ts';

await insmod(nllab_table);
const fd = await genl_socket();
const family = await genl_ctrl_resolve(fd, 'NLLAB_TABLE');
const seq = await genl_send(fd, { family: family.id, cmd: NLLAB_TABLE_C_GET, flags: NLM_F_REQUEST | NLM_F_DUMP });

const buf = new Uint8Array(32768);      // one receive buffer: 32 KiB, the largest skb a dump uses
const seen = new Map<number, number>(); // row id → how many times it arrived
let done = false;

// Read datagrams until NLMSG_DONE; stop early if the dump goes round in circles (a dumpit that
// never moves on returns the same rows forever).
let total = 0;
while (!done && total <= 3 * NLLAB_TABLE_ROWS) {
  const { n } = await recvfrom(fd, buf);
  for (const m of parseNlmsgs(buf.subarray(0, n))) {
    if (m.nlmsg_seq !== seq) continue;
    if (m.nlmsg_type === NLMSG_DONE) done = true;
    else if (m.nlmsg_type === NLMSG_ERROR) { console.log(`error ${parseNlmsgerr(m)?.error}`); done = true; }
    else {
      const id = nla_get_u32(parseGenlmsg(m).attr.get(NLLAB_TABLE_A_ID)!);
      seen.set(id, (seen.get(id) ?? 0) + 1);
      total++;
    }
  }
}

const repeated = [...seen.values()].filter((c) => c > 1).length;
console.log(`${done ? 'NLMSG_DONE seen' : 'no NLMSG_DONE yet'}: ${seen.size} of ${NLLAB_TABLE_ROWS} rows, ${repeated} repeated`);
await close(fd);
