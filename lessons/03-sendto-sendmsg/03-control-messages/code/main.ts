/**
 * Control messages: a listener in groups 1 and 3 of NETLINK_USERSOCK receives a unicast and two
 * multicasts from another process. Make it tell which group each came from and who sent it:
 * see the numbered TODOs.
 */
import {
  socket, bind, setsockopt, getsockname, sendto, recvfrom, recvmsg, spawn, waitpid, close, nlmsg, bytes, cstring,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NLMSG_MIN_TYPE, NLMSG_HDRLEN, MSG_DONTWAIT,
  SOL_NETLINK, NETLINK_PKTINFO, SOL_SOCKET, SO_PASSCRED, SCM_CREDENTIALS, ErrnoError,
  type SockaddrNl,
} from 'netlink-lab/user';

const group = (n: number) => 1 << (n - 1); // a group's bit in nl_groups

const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(1) | group(3) });
// 1. Ask for NETLINK_PKTINFO (level SOL_NETLINK) and SO_PASSCRED (level SOL_SOCKET) on rx.
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
    // 2. Receive with recvmsg instead, leaving room for control data (msg_controllen), and print
    //    for each datagram the group NETLINK_PKTINFO names and the pid SCM_CREDENTIALS names.
    r = await recvfrom(rx, buf, MSG_DONTWAIT);
  } catch (e) {
    if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
    throw e;
  }
  console.log(`"${cstring(buf.subarray(NLMSG_HDRLEN, r.n))}" from port ${r.from.nl_pid}, nl_groups 0x${r.from.nl_groups.toString(16)}`);
}
await close(rx);
void [setsockopt, recvmsg, SOL_NETLINK, NETLINK_PKTINFO, SOL_SOCKET, SO_PASSCRED, SCM_CREDENTIALS];
