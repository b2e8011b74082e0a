// Scenario 77: RTM_NEWLINK on lo with the NEW flags: EXCL → EEXIST, REPLACE → EOPNOTSUPP; CREATE
// and APPEND change nothing for a link that exists; a missing name without CREATE → ENODEV.
import {
  socket,
  bind,
  recvfrom,
  nlmsg,
  nla_string,
  parseNlmsgs,
  parseNlmsgerr,
  errnoName,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_EXCL,
  NLM_F_CREATE,
  NLM_F_REPLACE,
  NLM_F_APPEND,
  RTM_NEWLINK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

const ifinfomsg = (index: number) => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setInt32(4, index, true);
  return b;
};
const IFLA_IFNAME = 3;

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const cases: [string, number, Uint8Array[]][] = [
    ['lo, no NEW flags', 0, [ifinfomsg(1)]],
    ['lo, EXCL', NLM_F_EXCL, [ifinfomsg(1)]],
    ['lo, REPLACE', NLM_F_REPLACE, [ifinfomsg(1)]],
    ['lo, CREATE', NLM_F_CREATE, [ifinfomsg(1)]],
    ['lo, APPEND', NLM_F_APPEND, [ifinfomsg(1)]],
    ['lo by name, CREATE|EXCL', NLM_F_CREATE | NLM_F_EXCL, [ifinfomsg(0), nla_string(IFLA_IFNAME, 'lo')]],
    ['"nope" by name, no CREATE', 0, [ifinfomsg(0), nla_string(IFLA_IFNAME, 'nope')]],
  ];
  for (const [label, flags, payload] of cases) {
    await toKernel(fd, nlmsg({ type: RTM_NEWLINK, flags: NLM_F_REQUEST | NLM_F_ACK | flags, seq: 1, payload }));
    const buf = new Uint8Array(4096);
    const { n } = await recvfrom(fd, buf);
    const e = parseNlmsgerr(parseNlmsgs(buf.subarray(0, n))[0]!);
    console.log(`${label}: ${e ? (e.error ? errnoName(-e.error) : 'ACK') : 'not an NLMSG_ERROR'}`);
  }
}

export const scenario: Scenario = {
  title: 'RTM_NEWLINK on lo: EXCL → EEXIST, REPLACE → EOPNOTSUPP, CREATE/APPEND → ACK; unknown name → ENODEV',
  expect: [
    'lo, no NEW flags: ACK',
    'lo, EXCL: EEXIST',
    'lo, REPLACE: EOPNOTSUPP',
    'lo, CREATE: ACK',
    'lo, APPEND: ACK',
    'lo by name, CREATE|EXCL: EEXIST',
    '"nope" by name, no CREATE: ENODEV',
  ],
};
