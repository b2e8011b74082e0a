/**
 * Drive the NLLAB_GREET family: greet someone, see the reply and the ACK, listen to the group,
 * and send a GREET without a name. This file needs no change: the exercise is in module.ts.
 */
import {
  insmod, setsockopt, errnoName, genl_socket, genl_ctrl_resolve, genl_send, genl_recv, nla_string,
  nla_get_string, nla_get_u32, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK, NLM_F_REQUEST, NLM_F_ACK,
  MSG_DONTWAIT, ErrnoError, type GenlMsg,
} from 'netlink-lab/user';
import nllab_greet, { NLLAB_GREET_C_GREET, NLLAB_GREET_A_NAME, NLLAB_GREET_A_TEXT, NLLAB_GREET_A_COUNT } from './module.ts';

/** One message as a line; sequence numbers are shown relative to the request (`seq`). */
const show = (g: GenlMsg, seq = 0): string => {
  const n = g.nlmsg.nlmsg_seq;
  const text = g.attr.get(NLLAB_GREET_A_TEXT);
  const name = g.attr.get(NLLAB_GREET_A_NAME);
  const count = g.attr.get(NLLAB_GREET_A_COUNT);
  return `cmd ${g.cmd}, seq ${n === seq && seq ? 'of the request' : n}, nlmsg_len ${g.nlmsg.nlmsg_len}`
    + (text ? `, TEXT "${nla_get_string(text)}"` : '') + (name ? `, NAME "${nla_get_string(name)}"` : '')
    + (count ? `, COUNT ${nla_get_u32(count)}` : '') + (!text && !name && !count ? ', no attributes' : '');
};

/** Send one GREET with NLM_F_ACK and print everything that comes back until its ACK. */
async function greet(fd: number, family: number, attrs: Uint8Array[], label: string): Promise<void> {
  const seq = await genl_send(fd, { family, cmd: NLLAB_GREET_C_GREET, flags: NLM_F_REQUEST | NLM_F_ACK, attrs });
  console.log(`${label}:`);
  for (;;) {
    const r = await genl_recv(fd);
    for (const g of r.msgs) console.log(`  reply: ${show(g, seq)}`);
    const ack = r.errors.find((e) => e.seq === seq);
    if (!ack) continue;
    const ext = ack.extack.missType !== undefined ? ` (extack: attribute ${ack.extack.missType} missing)` : ack.extack.msg ? ` (extack: ${ack.extack.msg})` : '';
    console.log(ack.error === 0 ? '  ACK: 0' : `  ACK: ${errnoName(-ack.error)}${ext}`);
    return;
  }
}

await insmod(nllab_greet);
const fd = await genl_socket();
await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
const family = await genl_ctrl_resolve(fd, 'NLLAB_GREET');
const group = family.groups.get('greetings')!;
console.log(`family NLLAB_GREET: id ${family.id}, group greetings: id ${group}`);

const listener = await genl_socket();
await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group);

await greet(fd, family.id, [nla_string(NLLAB_GREET_A_NAME, 'Ada')], 'GREET Ada');
try {
  const note = await genl_recv(listener, { flags: MSG_DONTWAIT });
  for (const g of note.msgs) console.log(`listener: from group mask 0x${note.from.nl_groups.toString(16)}: ${show(g)}`);
} catch (e) {
  console.log(`listener: ${e instanceof ErrnoError ? e.code : e} (nothing was sent to the group)`);
}
await greet(fd, family.id, [], 'GREET without a name');
