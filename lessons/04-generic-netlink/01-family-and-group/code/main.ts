/**
 * Resolve DOC_EXMPL through nlctrl and send it an ECHO. The reply arrives; the family's multicast
 * notification does not, because nobody listens to its group yet (see the exercise).
 */
import {
  insmod, recvfrom, close,
  genl_socket, genl_ctrl_resolve, genl_request, parseGenlmsg, nla_string, nla_get_string, parseNlmsgs,
} from 'netlink-lab/user';
import doc_exmpl from './module.ts';

const DOC_EXMPL_C_ECHO = 1;
const DOC_EXMPL_A_MSG = 1;
const MESSAGE = 'hello from user space';

await insmod(doc_exmpl);

const fd = await genl_socket();
const family = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
console.log(`family ${family.name}: id ${family.id}, version ${family.version}, maxattr ${family.maxattr}`);

// 1. Print the id of the group DOC_EXMPL_GRP (family.groups maps group names to ids).
// 2. Open a listener: genl_socket() binds it; then join the group with
//    setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, groupId).

const [reply] = await genl_request(fd, {
  family: family.id, cmd: DOC_EXMPL_C_ECHO, version: 1, attrs: [nla_string(DOC_EXMPL_A_MSG, MESSAGE)],
});
const answer = parseGenlmsg(reply!);
console.log(`reply: cmd ${answer.cmd}, "${nla_get_string(answer.attr.get(DOC_EXMPL_A_MSG)!)}"`);

// 3. Receive the notification on the listener and print its DOC_EXMPL_A_MSG and from.nl_groups.

await close(fd);
