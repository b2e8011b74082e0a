// Scenario 34: CTRL_CMD_GETFAMILY "nlctrl" with REQUEST|ACK → the 136-byte reply, then a 36-byte ACK.
import { socket, bind, recvfrom, hex, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { describe, getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const req = getfamily('nlctrl');
  console.log('request:', hex(req));
  await toKernel(fd, req);
  const buf = new Uint8Array(8192);
  for (let i = 0; i < 2; i++) {
    const { n } = await recvfrom(fd, buf);
    console.log(`recv ${n}:`, describe(buf.subarray(0, n)).join('; '));
    // Everything after the netlink header (whose nlmsg_pid is our port, different per run).
    console.log('  body:', hex(buf.subarray(16, n)));
  }
}

export const scenario: Scenario = {
  title: 'GETFAMILY "nlctrl" with REQUEST|ACK → the 136-byte reply and the 36-byte ACK, byte for byte',
  expect: [
    'request: 20000000100005000100000000000000030100000b0002006e6c6374726c0000',
    'recv 136: type=0x10 len=136 flags=0x0',
    '  body: 010200000b0002006e6c6374726c000006000100100000000800030002000000080004000000000008000500000000002c000600140001000800010003000000080002000e00000014000200080001000a000000080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000',
    'recv 36: type=0x2 len=36 flags=0x100 error=0',
    '  body: 0000000020000000100005000100000000000000',
  ],
};
