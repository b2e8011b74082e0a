/**
 * What the capture tests record: generic netlink (nlctrl GETFAMILY with an ACK, a GETFAMILY dump,
 * a GETPOLICY dump of NLLAB_KV, a SET and a GET to NLLAB_KV, a request to a family that does not
 * exist) and rtnetlink (a GETLINK and a GETADDR dump).
 */
import {
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_FAMILY_ID,
  RTM_GETLINK,
  RTM_GETADDR,
  socket,
  sendto,
  recv,
  close,
  insmod,
  nlmsg,
  genlmsghdr,
  nla_string,
  nla_u32,
  nla_nest,
  parseNlmsgs,
  attrMap,
  u16,
  ifinfomsg,
  ifaddrmsg,
} from 'netlink-lab/user';
import kv from '../../sandboxes/sim/modules/kv_store.ts';

await insmod(kv);
const buf = new Uint8Array(65536);
/** Read until the ACK, the error or the end of the dump. */
async function drain(fd: number): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  for (;;) {
    const n = await recv(fd, buf);
    const d = buf.slice(0, n);
    got.push(d);
    if (parseNlmsgs(d).some((m) => m.nlmsg_type === 2 || m.nlmsg_type === 3)) return got;
  }
}
const g = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
await sendto(
  g,
  nlmsg({
    type: GENL_ID_CTRL,
    flags: NLM_F_REQUEST | NLM_F_ACK,
    seq: 1,
    payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 2), nla_string(CTRL_ATTR_FAMILY_NAME, 'NLLAB_KV')],
  }),
);
const [reply] = await drain(g);
const id = u16(attrMap(parseNlmsgs(reply!)[0]!.payload.subarray(4)).get(CTRL_ATTR_FAMILY_ID)!.payload, 0);
console.log(`NLLAB_KV is family ${id}`);
await sendto(
  g,
  nlmsg({
    type: GENL_ID_CTRL,
    flags: NLM_F_REQUEST | NLM_F_DUMP,
    seq: 2,
    payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 2)],
  }),
);
await drain(g);
await sendto(
  g,
  nlmsg({
    type: GENL_ID_CTRL,
    flags: NLM_F_REQUEST | NLM_F_DUMP,
    seq: 3,
    payload: [genlmsghdr(CTRL_CMD_GETPOLICY, 2), nla_string(CTRL_ATTR_FAMILY_NAME, 'NLLAB_KV')],
  }),
);
await drain(g);
const entry = nla_nest(1 | 0x8000, [nla_string(1, 'mtu'), nla_u32(2, 900)]);
await sendto(g, nlmsg({ type: id, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 4, payload: [genlmsghdr(1, 1), entry] }));
await drain(g);
await sendto(
  g,
  nlmsg({
    type: id,
    flags: NLM_F_REQUEST,
    seq: 5,
    payload: [genlmsghdr(2, 1), nla_nest(1 | 0x8000, [nla_string(1, 'mtu')])],
  }),
);
await recv(g, buf);
await sendto(g, nlmsg({ type: 0x7ff0, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 6, payload: [genlmsghdr(1, 1)] }));
await drain(g);
await close(g);

const r = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await sendto(r, nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 7, payload: [ifinfomsg()] }));
await drain(r);
await sendto(r, nlmsg({ type: RTM_GETADDR, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 8, payload: [ifaddrmsg()] }));
await drain(r);
await close(r);
console.log('done');
