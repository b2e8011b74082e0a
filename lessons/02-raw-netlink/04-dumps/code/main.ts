/**
 * Dumps from the user side. dump() below reads until NLMSG_DONE, but its count is wrong: its buffer
 * is too small for the kernel's datagrams, and it takes every message in the queue for part of
 * the dump. Fix it (see "A receive loop that is too small" and "Whose message is it?").
 */
import {
  socket, bind, sendto, recvmsg, nlmsg, genlmsghdr, nla_string, errnoName,
  AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI,
  NLMSG_ERROR, NLMSG_DONE, NLMSG_HDRLEN, NLMSG_OK, NLMSG_NEXT, MSG_TRUNC,
  GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_CMD_GETPOLICY, CTRL_CMD_NEWFAMILY, CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';

const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
const NLCTRL_NOTIFY = 0x10; // nlctrl's multicast group "notify" has id 16 on every kernel
const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
// Listen to nlctrl's group too: announcements arrive on the same socket as the dump.
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << (NLCTRL_NOTIFY - 1) });

/**
 * Send a dump request with sequence number `seq` and read its answer to the end. Returns the
 * answer's messages. Print what arrived that belongs to something else, one line each:
 *   "  set aside: an event, type <type>, seq 0"                       (seq 0 and pid 0)
 *   "  set aside: type <type>, seq <seq>, answers an earlier request"  (another seq)
 */
async function dump(payload: Uint8Array[], seq: number): Promise<Uint8Array[]> {
  await sendto(fd, nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload }), 0, KERNEL);
  const buf = new Uint8Array(256);
  const answer: Uint8Array[] = [];
  for (;;) {
    const { n } = await recvmsg(fd, { msg_iov: [buf] });
    for (let off = 0; NLMSG_OK(buf, off, n - off); off = NLMSG_NEXT(buf, off)) {
      const len = dv(buf).getUint32(off, true);
      const type = dv(buf).getUint16(off + 4, true);
      if (type === NLMSG_DONE) {
        console.log(`  NLMSG_DONE, status ${dv(buf).getInt32(off + NLMSG_HDRLEN, true)}`);
        return answer;
      }
      answer.push(buf.slice(off, off + len));
    }
  }
}

// 1. An ordinary request with an ACK, whose answers we leave in the queue.
await sendto(fd, nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')] }), 0, KERNEL);

// 2. Another socket multicasts a NEWFAMILY-shaped message to nlctrl's group, as the kernel does
//    when a family registers: seq 0, pid 0 — the mark of a message nobody asked for.
const other = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
await sendto(other, nlmsg({ type: GENL_ID_CTRL, payload: [genlmsghdr(CTRL_CMD_NEWFAMILY, 2), nla_string(CTRL_ATTR_FAMILY_NAME, 'pretend')] }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 << (NLCTRL_NOTIFY - 1) });

// 3. The dump: every policy nlctrl applies, one message per command and per attribute.
console.log('dump seq 7: CTRL_CMD_GETPOLICY for nlctrl');
const policies = await dump([genlmsghdr(CTRL_CMD_GETPOLICY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')], 7);
console.log(`dump seq 7: ${policies.length} messages, ${policies.reduce((s, m) => s + m.length, 0)} bytes`);
