/**
 * Resolve DOC_EXMPL and its group by hand, then send it an ECHO with the same helpers: every byte
 * built and read in genl.ts, no library in between.
 */
import { insmod, close, cstring } from 'netlink-lab/user';
import doc_exmpl from './module.ts';
import { genlmsg_open, genlmsg_send, genlmsg_recv, genlmsg_dispatch, genlmsg_get_family_id } from './genl.ts';

const DOC_EXMPL_C_ECHO = 1;
const DOC_EXMPL_A_MSG = 1;

await insmod(doc_exmpl);
const fd = await genlmsg_open();

const family = await genlmsg_get_family_id(fd, 'DOC_EXMPL');
console.log(`family DOC_EXMPL: id ${family.id}`);
const group = family.groups.get('DOC_EXMPL_GRP');
console.log(group === undefined ? 'group DOC_EXMPL_GRP: not found' : `group DOC_EXMPL_GRP: id ${group}`);

if (family.id) {
  await genlmsg_send(fd, family.id, 0, DOC_EXMPL_C_ECHO, 1, DOC_EXMPL_A_MSG, new TextEncoder().encode('resolved by hand\0'));
  const buf = new Uint8Array(4096);
  const n = (await genlmsg_recv(fd, buf)) ?? 0;
  genlmsg_dispatch(buf, n, (type, off, len) => {
    if (type === DOC_EXMPL_A_MSG) console.log(`DOC_EXMPL says: "${cstring(buf.subarray(off, off + len))}"`);
  });
}
await close(fd);
