// Scenario 53: SCM_CREDENTIALS between user sockets: sent explicitly with sendmsg, or filled in by the kernel.
import {
  socket,
  bind,
  setsockopt,
  sendmsg,
  recvmsg,
  getsockname,
  getpid,
  bytes,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_USERSOCK,
  SOL_SOCKET,
  SO_PASSCRED,
  SCM_CREDENTIALS,
  type Cmsg,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show } from './lib.ts';

/** struct ucred { pid, uid, gid }. */
function ucred(pid: number, uid: number, gid: number): Uint8Array {
  return new Uint8Array(new Int32Array([pid, uid, gid]).buffer);
}

export default async function main() {
  const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(rx, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(rx, SOL_SOCKET, SO_PASSCRED, 1);
  const to = await getsockname(rx);
  const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  const receive = async (label: string) => {
    const r = await recvmsg(rx, { msg_iov: [new Uint8Array(64)], msg_controllen: 64 });
    for (const c of r.control) {
      const v = new DataView(c.data.buffer, c.data.byteOffset);
      const who =
        c.cmsg_type === SCM_CREDENTIALS
          ? ` pid is the sender: ${v.getInt32(0, true) === getpid()}, uid ${v.getInt32(4, true)}, gid ${v.getInt32(8, true)}`
          : '';
      console.log(`${label}: cmsg level ${c.cmsg_level} type ${c.cmsg_type} len ${c.data.length}${who}`);
    }
  };
  const creds: Cmsg = { cmsg_level: SOL_SOCKET, cmsg_type: SCM_CREDENTIALS, data: ucred(getpid(), 0, 0) };
  await show('sendmsg with SCM_CREDENTIALS', () =>
    sendmsg(tx, { msg_name: to, msg_iov: [bytes('with creds')], msg_control: [creds] }),
  );
  await receive('explicit');
  await show('sendmsg without control data', () => sendmsg(tx, { msg_name: to, msg_iov: [bytes('without')] }));
  await receive('filled in by the kernel');
  const bad: Cmsg = { cmsg_level: SOL_SOCKET, cmsg_type: 99, data: new Uint8Array(4) };
  await show('sendmsg with an unknown SOL_SOCKET cmsg type', () =>
    sendmsg(tx, { msg_name: to, msg_iov: [bytes('x')], msg_control: [bad] }),
  );
}

export const scenario: Scenario = {
  title: 'SCM_CREDENTIALS: sent with sendmsg or filled in by the kernel; an unknown cmsg type → EINVAL',
  expect: [
    'sendmsg with SCM_CREDENTIALS: 10',
    'explicit: cmsg level 1 type 2 len 12 pid is the sender: true, uid 0, gid 0',
    'sendmsg without control data: 7',
    'filled in by the kernel: cmsg level 1 type 2 len 12 pid is the sender: true, uid 0, gid 0',
    'sendmsg with an unknown SOL_SOCKET cmsg type: EINVAL',
  ],
};
