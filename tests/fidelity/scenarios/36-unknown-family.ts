// Scenario 36: an unknown family name → ENOENT with the request echoed; NETLINK_CAP_ACK caps it
// to 36 bytes (flag 0x100); NETLINK_EXT_ACK adds nothing (nlctrl sets no extack here).
import {
  socket,
  bind,
  setsockopt,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  SOL_NETLINK,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, getfamily, toKernel } from './lib.ts';

export default async function main() {
  for (const [label, opts] of [
    ['plain', []],
    ['CAP_ACK', [NETLINK_CAP_ACK]],
    ['EXT_ACK', [NETLINK_EXT_ACK]],
    ['both', [NETLINK_CAP_ACK, NETLINK_EXT_ACK]],
  ] as [string, number[]][]) {
    const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
    await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
    for (const o of opts) await setsockopt(fd, SOL_NETLINK, o, 1);
    await toKernel(fd, getfamily('NO_SUCH_FAMILY'));
    const lens = await drain(fd, label);
    console.log(`${label}: datagrams ${lens.join(',')}`);
  }
}

export const scenario: Scenario = {
  title: 'unknown family → ENOENT (request echoed); CAP_ACK → 36 bytes, flag 0x100; EXT_ACK adds nothing',
  expect: [
    'plain: type=0x2 len=60 flags=0x0 error=-ENOENT',
    'plain: EAGAIN',
    'plain: datagrams 60',
    'CAP_ACK: type=0x2 len=36 flags=0x100 error=-ENOENT',
    'CAP_ACK: EAGAIN',
    'CAP_ACK: datagrams 36',
    'EXT_ACK: type=0x2 len=60 flags=0x0 error=-ENOENT',
    'EXT_ACK: EAGAIN',
    'EXT_ACK: datagrams 60',
    'both: type=0x2 len=36 flags=0x100 error=-ENOENT',
    'both: EAGAIN',
    'both: datagrams 36',
  ],
};
