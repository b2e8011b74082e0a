// Scenario 62: genl_header_check applies to commands at or above the family's resv_start_op
// (nlctrl: 11): a non-zero genlmsghdr.reserved or flags beyond REQUEST|ACK|ECHO|DUMP → EINVAL with
// an extack message; older commands (GETFAMILY) let both through.
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  nla_string,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  const cases: [string, number, number[], Uint8Array[]][] = [
    ['cmd 99 reserved 1', NLM_F_REQUEST | NLM_F_ACK, [99, 1, 1, 0], []],
    ['cmd 99 flag 0x100', NLM_F_REQUEST | NLM_F_ACK | 0x100, [99, 1, 0, 0], []],
    ['cmd 99 clean', NLM_F_REQUEST | NLM_F_ACK, [99, 1, 0, 0], []],
    ['GETFAMILY reserved 1', NLM_F_REQUEST | NLM_F_ACK, [3, 1, 1, 0], [nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')]],
  ];
  for (const [label, flags, hdr, attrs] of cases) {
    await toKernel(fd, nlmsg({ type: GENL_ID_CTRL, flags, seq: 1, payload: [new Uint8Array(hdr), ...attrs] }));
    await drain(fd, label);
  }
}

export const scenario: Scenario = {
  title: 'genl header check: reserved field and odd flags → EINVAL for new commands only',
  expect: [
    'cmd 99 reserved 1: type=0x2 len=80 flags=0x200 error=-EINVAL',
    'cmd 99 reserved 1: EAGAIN',
    'cmd 99 flag 0x100: type=0x2 len=92 flags=0x200 error=-EINVAL',
    'cmd 99 flag 0x100: EAGAIN',
    'cmd 99 clean: type=0x2 len=40 flags=0x0 error=-EOPNOTSUPP',
    'cmd 99 clean: EAGAIN',
    'GETFAMILY reserved 1: type=0x10 len=136 flags=0x0',
    'GETFAMILY reserved 1: type=0x2 len=36 flags=0x100 error=0',
    'GETFAMILY reserved 1: EAGAIN',
  ],
};
