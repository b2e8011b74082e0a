/**
 * Control messages: a listener in groups 1 and 3 of NETLINK_USERSOCK receives a unicast and two
 * multicasts from another process, and learns from msg_control which group each multicast came
 * from (NETLINK_PKTINFO) and who sent it (SO_PASSCRED → SCM_CREDENTIALS).
 */
import {
  socket, bind, setsockopt, getsockname, sendto, recvmsg, spawn, waitpid, close, nlmsg, bytes, cstring,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NLMSG_MIN_TYPE, NLMSG_HDRLEN, MSG_DONTWAIT,
  SOL_NETLINK, NETLINK_PKTINFO, SOL_SOCKET, SO_PASSCRED, SCM_CREDENTIALS, ErrnoError,
  type SockaddrNl,
} from 'netlink-lab/user';

const group = (n: number) => 1 << (n - 1); // a group's bit in nl_groups

const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(1) | group(3) });
await setsockopt(rx, SOL_NETLINK, NETLINK_PKTINFO, 1);
await setsockopt(rx, SOL_SOCKET, SO_PASSCRED, 1);
const me = await getsockname(rx);

/** Another process sends three datagrams: one to rx's port, one to group 1, one to group 3. */
const sender = await spawn(async () => {
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  const say = async (text: string, to: SockaddrNl) => {
    try {
      await sendto(tx, nlmsg({ type: NLMSG_MIN_TYPE, payload: bytes(text, true) }), 0, to);
    } catch (e) {
      // To a group with nl_pid 0: the copies go out, then the unicast to port 0 finds no kernel
      // socket on NETLINK_USERSOCK (lesson 2.7).
      if (!(e instanceof ErrnoError && e.code === 'ECONNREFUSED')) throw e;
    }
  };
  await say('to your port', { nl_family: AF_NETLINK, nl_pid: me.nl_pid, nl_groups: 0 });
  await say('to group 1', { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(1) });
  await say('to group 3', { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(3) });
}, { name: 'sender' });
await waitpid(sender);
console.log(`the sender was process ${sender}`);

const buf = new Uint8Array(256);
for (;;) {
  let r;
  try {
    r = await recvmsg(rx, { msg_iov: [buf], msg_controllen: 64 }, MSG_DONTWAIT);
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
  const parts = [`"${cstring(buf.subarray(NLMSG_HDRLEN, r.n))}" from port ${r.from.nl_pid}, nl_groups 0x${r.from.nl_groups.toString(16)}`];
  for (const c of r.control) {
    const v = new DataView(c.data.buffer, c.data.byteOffset, c.data.byteLength);
    if (c.cmsg_level === SOL_NETLINK && c.cmsg_type === NETLINK_PKTINFO) {
      const g = v.getUint32(0, true); // struct nl_pktinfo { __u32 group; }
      parts.push(g ? `PKTINFO group ${g}` : 'PKTINFO group 0 (a unicast)');
    } else if (c.cmsg_level === SOL_SOCKET && c.cmsg_type === SCM_CREDENTIALS) {
      // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
      parts.push(`sent by pid ${v.getInt32(0, true)} uid ${v.getUint32(4, true)} gid ${v.getUint32(8, true)}`);
    }
  }
  console.log(parts.join('; '));
}
await close(rx);
