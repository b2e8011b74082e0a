/**
 * nl_flood beyond what the part 5 lessons use, for comparing the simulator (TypeScript module)
 * with Linux (the C module, in the VM): a report of every return value, the refusals of
 * malformed requests (NLMSG_ERROR), a small dump, and a message without NLM_F_REQUEST.
 */
import {
  socket,
  bind,
  sendto,
  recvfrom,
  insmod,
  AF_NETLINK,
  SOCK_RAW,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  MSG_DONTWAIT,
  nlmsg,
  parseNlmsgs,
  parseNlmsgerr,
  hex,
} from 'netlink-lab/user';
import nl_flood, {
  NETLINK_FLOOD,
  NL_FLOOD_UNICAST,
  NL_FLOOD_BROADCAST,
  NL_FLOOD_DUMP,
} from '../../../../sandboxes/sim/modules/nl_flood.ts';
const to = (p: number, g = 0) => ({ nl_family: AF_NETLINK, nl_pid: p, nl_groups: g });
const req = (t: number, c: number, s: number) => {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint32(0, t, true);
  v.setUint32(4, c, true);
  v.setUint32(8, s, true);
  return b;
};
await insmod(nl_flood);
const ctl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_FLOOD);
await bind(ctl, to(700));
const buf = new Uint8Array(65536);
async function show(label: string, type: number, flags: number, payload: Uint8Array) {
  await sendto(ctl, nlmsg({ type, flags, seq: 9, payload }), 0, to(0));
  const out: string[] = [];
  for (;;) {
    try {
      const { n } = await recvfrom(ctl, buf, MSG_DONTWAIT);
      for (const m of parseNlmsgs(buf.subarray(0, n))) {
        const e = m.nlmsg_type === 2 ? parseNlmsgerr(m) : null;
        out.push(
          `type=0x${m.nlmsg_type.toString(16)} len=${m.nlmsg_len} flags=0x${m.nlmsg_flags.toString(16)} seq=${m.nlmsg_seq} pid=${m.nlmsg_pid}${e ? ` error=${e.error}` : ` ${hex(m.payload.subarray(0, 16))}`}`,
        );
      }
    } catch {
      break;
    }
  }
  console.log(`${label}: ${out.join(' | ') || '(nothing)'}`);
}
await show('unicast to self, 2×8 bytes', NL_FLOOD_UNICAST, NLM_F_REQUEST, req(700, 2, 8));
await show('unicast to nobody', NL_FLOOD_UNICAST, NLM_F_REQUEST, req(4242, 2, 8));
await show('broadcast to empty group', NL_FLOOD_BROADCAST, NLM_F_REQUEST | NLM_F_ACK, req(5, 1, 8));
await show('count 0', NL_FLOOD_UNICAST, NLM_F_REQUEST, req(700, 0, 8));
await show('size 3', NL_FLOOD_UNICAST, NLM_F_REQUEST, req(700, 1, 3));
await show('short payload', NL_FLOOD_UNICAST, NLM_F_REQUEST, new Uint8Array(8));
await show('unknown type', 0x20, NLM_F_REQUEST, req(700, 1, 8));
await show('dump without NLM_F_DUMP', NL_FLOOD_DUMP, NLM_F_REQUEST, req(0, 1, 8));
await show('dump of 3', NL_FLOOD_DUMP, NLM_F_REQUEST | NLM_F_DUMP, req(0, 3, 8));
await show('no NLM_F_REQUEST', NL_FLOOD_UNICAST, 0, req(700, 1, 8));
