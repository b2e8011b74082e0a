/**
 * Resolve DOC_EXMPL and its multicast group through nlctrl, listen to the group on a second
 * socket, send an ECHO, and receive both the reply and the group's notification.
 */
import {
  insmod, recvfrom, setsockopt, close,
  genl_socket, genl_ctrl_resolve, genl_request, parseGenlmsg, nla_string, nla_get_string, parseNlmsgs,
  SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
} from 'netlink-lab/user';
import doc_exmpl from './module.ts';

const DOC_EXMPL_C_ECHO = 1;
const DOC_EXMPL_A_MSG = 1;
const MESSAGE = 'hello from user space';

await insmod(doc_exmpl);

const fd = await genl_socket();
const family = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
console.log(`family ${family.name}: id ${family.id}, version ${family.version}, maxattr ${family.maxattr}`);

// 1. The group's id was allocated when the module registered the family.
const groupId = family.groups.get('DOC_EXMPL_GRP');
if (groupId === undefined) throw new Error('DOC_EXMPL has no group DOC_EXMPL_GRP');
console.log(`group DOC_EXMPL_GRP: id ${groupId}`);

// 2. A listener must have a port id other than 0 (the kernel's), so bind it before joining.
const listener = await genl_socket();
await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groupId);

const [reply] = await genl_request(fd, {
  family: family.id, cmd: DOC_EXMPL_C_ECHO, version: 1, attrs: [nla_string(DOC_EXMPL_A_MSG, MESSAGE)],
});
const answer = parseGenlmsg(reply!);
console.log(`reply: cmd ${answer.cmd}, "${nla_get_string(answer.attr.get(DOC_EXMPL_A_MSG)!)}"`);

// 3. The notification was queued on the listener while the ECHO was handled.
const buf = new Uint8Array(4096);
const { n, from } = await recvfrom(listener, buf);
for (const m of parseNlmsgs(buf.subarray(0, n))) {
  const note = parseGenlmsg(m);
  console.log(`notification from group mask 0x${from.nl_groups.toString(16)}: "${nla_get_string(note.attr.get(DOC_EXMPL_A_MSG)!)}"`);
}

await close(listener);
await close(fd);
