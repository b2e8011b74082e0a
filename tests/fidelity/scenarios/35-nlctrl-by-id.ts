// Scenario 35: GETFAMILY by CTRL_ATTR_FAMILY_ID 0x10 → the same reply as by name.
import {
  socket,
  bind,
  recvfrom,
  hex,
  nlmsg,
  genlmsghdr,
  nla_u16,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_ID,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, getfamily, toKernel } from './lib.ts';

async function ask(fd: number, req: Uint8Array): Promise<string> {
  await toKernel(fd, req);
  const buf = new Uint8Array(8192);
  const { n } = await recvfrom(fd, buf);
  const ack = await recvfrom(fd, new Uint8Array(64));
  console.log('reply:', describe(buf.subarray(0, n)).join('; '), '| ack', ack.n);
  return hex(buf.subarray(16, n));
}

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const byName = await ask(fd, getfamily('nlctrl'));
  const byId = await ask(
    fd,
    nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 2,
      payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_u16(CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL)],
    }),
  );
  console.log('same body:', byName === byId);
}

export const scenario: Scenario = {
  title: 'GETFAMILY by FAMILY_ID 0x10 → the same reply as by name',
  expect: [
    'reply: type=0x10 len=136 flags=0x0 | ack 36',
    'reply: type=0x10 len=136 flags=0x0 | ack 36',
    'same body: true',
  ],
};
