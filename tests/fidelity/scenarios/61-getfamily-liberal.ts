// Scenario 61: GETFAMILY's do is validated liberally (GENL_DONT_VALIDATE_STRICT): trailing bytes
// are accepted with a warning in the ACK's extack (flags 0x300), a too-long FAMILY_ID is
// accepted, unknown attributes are ignored; a too-short FAMILY_ID still fails (-ERANGE) with the
// policy of the attribute in the extack.
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  genlmsghdr,
  nla,
  nla_string,
  concat,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_FAMILY_ID,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  const req = (seq: number, ...attrs: Uint8Array[]) =>
    nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq,
      payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), ...attrs],
    });
  const cases: [string, Uint8Array][] = [
    ['trailing 2 bytes', req(1, concat(nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl'), new Uint8Array([1, 0])))],
    ['FAMILY_ID of 4 bytes', req(2, nla(CTRL_ATTR_FAMILY_ID, new Uint8Array([0x10, 0, 0, 0])))],
    ['FAMILY_ID of 1 byte', req(3, nla(CTRL_ATTR_FAMILY_ID, new Uint8Array([0x10])))],
    ['unknown attribute 20', req(4, nla(20, new Uint8Array(0)), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl'))],
  ];
  for (const [label, m] of cases) {
    await toKernel(fd, m);
    await drain(fd, label);
  }
}

export const scenario: Scenario = {
  title: 'GETFAMILY is liberal: trailing bytes warn in the ACK, long FAMILY_ID accepted, short one → ERANGE',
  expect: [
    'trailing 2 bytes: type=0x10 len=136 flags=0x0',
    'trailing 2 bytes: type=0x2 len=80 flags=0x300 error=0',
    'trailing 2 bytes: EAGAIN',
    'FAMILY_ID of 4 bytes: type=0x10 len=136 flags=0x0',
    'FAMILY_ID of 4 bytes: type=0x2 len=36 flags=0x100 error=0',
    'FAMILY_ID of 4 bytes: EAGAIN',
    'FAMILY_ID of 1 byte: type=0x2 len=132 flags=0x200 error=-ERANGE',
    'FAMILY_ID of 1 byte: EAGAIN',
    'unknown attribute 20: type=0x10 len=136 flags=0x0',
    'unknown attribute 20: type=0x2 len=36 flags=0x100 error=0',
    'unknown attribute 20: EAGAIN',
  ],
};
