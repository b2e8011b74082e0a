/**
 * Dumps from the user side: a receive loop that reads a multipart answer to its NLMSG_DONE, with a
 * buffer big enough for the kernel's datagrams, and that keeps apart what is not part of the dump.
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
 * answer's messages; prints what arrived that belongs to something else.
 */
async function dump(payload: Uint8Array[], seq: number): Promise<Uint8Array[]> {
  await sendto(fd, nlmsg({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST | NLM_F_DUMP, seq, payload }), 0, KERNEL);
  // The kernel fills datagrams of up to a page or more (NLMSG_GOODSIZE, or what earlier
  // receives asked for, up to 32 KiB): a smaller buffer loses the end of a datagram.
  const buf = new Uint8Array(32768);
  const answer: Uint8Array[] = [];
  for (;;) {
    const { n, msg_flags } = await recvmsg(fd, { msg_iov: [buf] });
    if (msg_flags & MSG_TRUNC) throw new Error(`a ${n}-byte datagram did not fit in ${buf.length} bytes`);
    for (let off = 0; NLMSG_OK(buf, off, n - off); off = NLMSG_NEXT(buf, off)) {
      const len = dv(buf).getUint32(off, true);
      const type = dv(buf).getUint16(off + 4, true);
      const flags = dv(buf).getUint16(off + 6, true);
      const mseq = dv(buf).getUint32(off + 8, true);
      const pid = dv(buf).getUint32(off + 12, true);
      if (mseq === 0 && pid === 0) { console.log(`  set aside: an event, type ${type}, seq 0`); continue; }
      if (mseq !== seq) { console.log(`  set aside: type ${type}, seq ${mseq}, answers an earlier request`); continue; }
      if (type === NLMSG_DONE) {
        const status = dv(buf).getInt32(off + NLMSG_HDRLEN, true);
        console.log(`  NLMSG_DONE, status ${status}`);
        return answer;
      }
      if (type === NLMSG_ERROR) throw new Error(`dump seq ${seq}: ${errnoName(-dv(buf).getInt32(off + NLMSG_HDRLEN, true))}`);
      if (!(flags & NLM_F_MULTI)) console.log(`  (type ${type} without NLM_F_MULTI)`);
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
