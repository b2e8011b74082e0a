// Scenario 27: control messages on a kernel reply: the group (PKTINFO) and the sender's credentials.
import {
  socket,
  setsockopt,
  recvmsg,
  nlmsg,
  hex,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_NETLINK,
  SOL_SOCKET,
  NETLINK_PKTINFO,
  SO_PASSCRED,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const ask = async (label: string) => {
    await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 }));
    const r = await recvmsg(fd, { msg_iov: [new Uint8Array(256)], msg_controllen: 256 }, 0);
    console.log(`${label}: ${r.n} bytes, msg_flags 0x${r.msg_flags.toString(16)}, ${r.control.length} cmsg(s)`);
    for (const c of r.control) console.log(`  cmsg level ${c.cmsg_level} type ${c.cmsg_type}: ${hex(c.data)}`);
  };
  await ask('no options');
  await setsockopt(fd, SOL_NETLINK, NETLINK_PKTINFO, 1);
  await ask('NETLINK_PKTINFO');
  await setsockopt(fd, SOL_SOCKET, SO_PASSCRED, 1);
  await ask('NETLINK_PKTINFO + SO_PASSCRED');
  // No room for control data (C's msg_control = NULL): the cmsgs are dropped and MSG_CTRUNC says so.
  await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 2 }));
  const r = await recvmsg(fd, { msg_iov: [new Uint8Array(256)], msg_controllen: 0 }, 0);
  console.log(`msg_controllen 0: ${r.n} bytes, msg_flags 0x${r.msg_flags.toString(16)}, ${r.control.length} cmsg(s)`);
  // Room for the first only (CMSG_SPACE(4) = 24 bytes).
  await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 3 }));
  const r2 = await recvmsg(fd, { msg_iov: [new Uint8Array(256)], msg_controllen: 24 }, 0);
  console.log(
    `msg_controllen 24: msg_flags 0x${r2.msg_flags.toString(16)}, cmsgs: ${r2.control.map((c) => `${c.cmsg_level}/${c.cmsg_type}`).join(' ')}`,
  );
  // Without msg_controllen there is room for all of them.
  await toKernel(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 4 }));
  const r3 = await recvmsg(fd, { msg_iov: [new Uint8Array(256)] }, 0);
  console.log(`msg_controllen unset: ${r3.control.length} cmsg(s)`);
}

export const scenario: Scenario = {
  title: 'NETLINK_PKTINFO and SO_PASSCRED control messages on a kernel reply',
  expect: [
    'no options: 36 bytes, msg_flags 0x0, 0 cmsg(s)',
    'NETLINK_PKTINFO: 36 bytes, msg_flags 0x0, 1 cmsg(s)',
    '  cmsg level 270 type 3: 00000000',
    'NETLINK_PKTINFO + SO_PASSCRED: 36 bytes, msg_flags 0x0, 2 cmsg(s)',
    '  cmsg level 270 type 3: 00000000',
    '  cmsg level 1 type 2: 000000000000000000000000',
    'msg_controllen 0: 36 bytes, msg_flags 0x8, 0 cmsg(s)',
    'msg_controllen 24: msg_flags 0x8, cmsgs: 270/3',
    'msg_controllen unset: 2 cmsg(s)',
  ],
};
