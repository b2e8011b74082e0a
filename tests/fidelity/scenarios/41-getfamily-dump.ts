// Scenario 41: the GETFAMILY dump: one NEWFAMILY per family, every message NLM_F_MULTI, then a
// 20-byte NLMSG_DONE (also NLM_F_MULTI); NLM_F_ACK on a dump adds no ACK. nlctrl comes first.
// Which other families exist differs between kernels, so only nlctrl's entry is compared byte for byte.
import {
  socket,
  bind,
  recvfrom,
  parseNlmsgs,
  hex,
  MSG_DONTWAIT,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLMSG_DONE,
  GENL_ID_CTRL,
  type NlMsg,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { getfamily, toKernel, errname } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await toKernel(fd, getfamily('ignored', NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP));
  const msgs: NlMsg[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      msgs.push(...parseNlmsgs(buf.slice(0, n)));
    } catch (e) {
      console.log('then:', errname(e));
      break;
    }
  }
  const families = msgs.filter((m) => m.nlmsg_type === GENL_ID_CTRL);
  console.log('first family body:', hex(families[0].payload));
  console.log(
    'all NEWFAMILY with NLM_F_MULTI:',
    families.every((m) => m.nlmsg_flags === NLM_F_MULTI && m.payload[0] === 1),
  );
  const last = msgs[msgs.length - 1];
  console.log(
    `last: type=0x${last.nlmsg_type.toString(16)} len=${last.nlmsg_len} flags=0x${last.nlmsg_flags.toString(16)} value=${new DataView(last.payload.buffer, last.payload.byteOffset).getInt32(0, true)}`,
  );
  console.log(
    'messages other than families and DONE:',
    msgs.filter((m) => m.nlmsg_type !== GENL_ID_CTRL && m.nlmsg_type !== NLMSG_DONE).length,
  );
}

export const scenario: Scenario = {
  title: 'GETFAMILY dump: every message NLM_F_MULTI, DONE of 20 bytes; NLM_F_ACK adds no ACK',
  expect: [
    'then: EAGAIN',
    'first family body: 010200000b0002006e6c6374726c000006000100100000000800030002000000080004000000000008000500000000002c000600140001000800010003000000080002000e00000014000200080001000a000000080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000',
    'all NEWFAMILY with NLM_F_MULTI: true',
    'last: type=0x3 len=20 flags=0x2 value=0',
    'messages other than families and DONE: 0',
  ],
  // The set of families differs between kernels; the program's summary is what must match.
  project: (run) => ['--- output', ...run.output, `--- exit status ${run.status}`],
};
