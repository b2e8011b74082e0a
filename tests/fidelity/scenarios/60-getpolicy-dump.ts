// Scenario 60: the GETPOLICY dump of nlctrl, message for message: first one OP_POLICY message per
// command (6.18 files a dump-only command under 0), then one POLICY message per described
// attribute (NLA_F_NESTED set on every nest), then NLMSG_DONE.
import {
  socket,
  bind,
  nlmsg,
  genlmsghdr,
  nla_string,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  GENL_ID_CTRL,
  CTRL_CMD_GETPOLICY,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await toKernel(
    fd,
    nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
      seq: 1,
      payload: [genlmsghdr(CTRL_CMD_GETPOLICY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
    }),
  );
  await drain(fd);
}

export const scenario: Scenario = {
  title: 'GETPOLICY dump of nlctrl: op policies, then every attribute policy, byte for byte',
  expect: [
    'recv: type=0x10 len=52 flags=0x2',
    'recv: type=0x10 len=44 flags=0x2',
    'recv: type=0x10 len=72 flags=0x2',
    'recv: type=0x10 len=56 flags=0x2',
    'recv: type=0x10 len=72 flags=0x2',
    'recv: type=0x10 len=56 flags=0x2',
    'recv: type=0x10 len=72 flags=0x2',
    'recv: type=0x3 len=20 flags=0x2 done=0',
    'recv: EAGAIN',
  ],
  streams: true,
};
