/**
 * Lesson "Control messages": the listener received its datagrams with recvmsg and room for
 * control data, NETLINK_PKTINFO named the group of each multicast, and SCM_CREDENTIALS named the
 * sending process. Decided from the control messages each recvmsg returned (recorded in events).
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const SOL_SOCKET = 1;
const SOL_NETLINK = 270;
const NETLINK_PKTINFO = 3;
const SCM_CREDENTIALS = 2;
const MSG_CTRUNC = 0x8;
const u32 = (d: Uint8Array, o = 0) => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(o, true);

export default function checks({ events }: CheckInput): CheckResult[] {
  const received = events.filter(
    (e) => (e.syscall === 'recvmsg' || e.syscall === 'recvfrom') && e.errno === undefined && (e.ret ?? 0) > 0,
  );
  const viaRecvmsg = received.filter((e) => e.syscall === 'recvmsg');
  const truncated = viaRecvmsg.filter((e) => ((e.msg_flags ?? 0) & MSG_CTRUNC) !== 0);
  const cmsgs = (e: SyscallEvent, level: number, type: number) =>
    (e.control ?? []).filter((c) => c.cmsg_level === level && c.cmsg_type === type);
  const groups = viaRecvmsg.flatMap((e) => cmsgs(e, SOL_NETLINK, NETLINK_PKTINFO).map((c) => u32(c.data)));
  const senders = new Set(events.filter((e) => e.syscall === 'sendto').map((e) => e.pid));
  const creds = viaRecvmsg.flatMap((e) => cmsgs(e, SOL_SOCKET, SCM_CREDENTIALS).map((c) => u32(c.data)));
  const credsOk = creds.length >= 3 && creds.every((pid) => senders.has(pid));

  return [
    {
      name: 'recvmsg with room for control data',
      pass: viaRecvmsg.length >= 3 && truncated.length === 0,
      message:
        viaRecvmsg.length === 0
          ? `The ${received.length} datagram(s) were received with ${received[0]?.syscall ?? 'nothing'}, which has no msg_control.`
          : truncated.length
            ? `${truncated.length} recvmsg call(s) came back with MSG_CTRUNC: the control data did not fit.`
            : `${viaRecvmsg.length} datagrams received with recvmsg, control data and all.`,
      hints: [
        "Control messages travel in struct msghdr's msg_control, which only sendmsg and recvmsg have.",
        'recvmsg(fd, { msg_iov: [buf], msg_controllen: … }) leaves msg_controllen bytes for them; each cmsg takes CMSG_SPACE(its length), 24 bytes for PKTINFO and 32 for credentials, and MSG_CTRUNC says when they did not fit.',
        'r = await recvmsg(rx, { msg_iov: [buf], msg_controllen: 64 }, MSG_DONTWAIT); then read r.n, r.from and r.control.',
      ],
    },
    {
      name: 'NETLINK_PKTINFO names each group',
      pass: groups.includes(1) && groups.includes(3) && groups.includes(0),
      message: groups.length
        ? `NETLINK_PKTINFO said group ${groups.join(', ')} for the datagrams received.`
        : 'No datagram came with a NETLINK_PKTINFO control message.',
      hints: [
        'The kernel adds a NETLINK_PKTINFO control message to each datagram only for a socket that asked for it.',
        'setsockopt(rx, SOL_NETLINK, NETLINK_PKTINFO, 1) asks; the cmsg (level SOL_NETLINK, type NETLINK_PKTINFO) holds a struct nl_pktinfo: one u32, the group, 0 for a unicast.',
        'await setsockopt(rx, SOL_NETLINK, NETLINK_PKTINFO, 1); and for each c of r.control with c.cmsg_type === NETLINK_PKTINFO print new DataView(c.data.buffer, c.data.byteOffset).getUint32(0, true).',
      ],
    },
    {
      name: 'SCM_CREDENTIALS names the sender',
      pass: credsOk,
      message: credsOk
        ? `Each datagram carried the sender's credentials: pid ${[...new Set(creds)].join(', ')}, the process that called sendto.`
        : creds.length
          ? `SCM_CREDENTIALS named pid(s) ${creds.join(', ')} on ${creds.length} datagram(s).`
          : 'No datagram came with SCM_CREDENTIALS.',
      hints: [
        'The receiver can learn who sent a datagram — pid, uid, gid — but only if it asks before the datagram arrives.',
        'SO_PASSCRED at level SOL_SOCKET asks; the cmsg (SOL_SOCKET, SCM_CREDENTIALS) holds a struct ucred { pid, uid, gid }, three 32-bit numbers.',
        'await setsockopt(rx, SOL_SOCKET, SO_PASSCRED, 1); then read getInt32(0) (pid), getUint32(4) (uid) and getUint32(8) (gid) of its data.',
      ],
    },
  ];
}
