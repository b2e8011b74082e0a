// Scenario 42: a second dump request while the first is still running (not yet drained) → EBUSY;
// the first dump then completes normally.
import { socket, bind, recvfrom, parseNlmsgs, parseNlmsgerr, errnoName, MSG_DONTWAIT, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NLM_F_REQUEST, NLM_F_DUMP, NLMSG_ERROR, NLMSG_DONE, GENL_ID_CTRL } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { getfamily, toKernel, errname } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  await toKernel(fd, getfamily('x', NLM_F_REQUEST | NLM_F_DUMP, 1));
  await toKernel(fd, getfamily('x', NLM_F_REQUEST | NLM_F_DUMP, 2));
  const buf = new Uint8Array(65536);
  const seen: string[] = [];
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      for (const m of parseNlmsgs(buf.subarray(0, n))) {
        const what = m.nlmsg_type === GENL_ID_CTRL ? 'family' : m.nlmsg_type === NLMSG_DONE ? 'DONE'
          : m.nlmsg_type === NLMSG_ERROR ? `ERROR ${errnoName(-parseNlmsgerr(m)!.error)} len ${m.nlmsg_len}` : `type ${m.nlmsg_type}`;
        const line = `seq ${m.nlmsg_seq}: ${what}`;
        if (seen[seen.length - 1] !== line) seen.push(line);
      }
    } catch (e) {
      seen.push(errname(e));
      break;
    }
  }
  for (const l of seen) console.log(l);
}

export const scenario: Scenario = {
  title: 'a second dump before the first is drained → EBUSY',
  expect: ['seq 1: family', 'seq 2: ERROR EBUSY len 44', 'seq 1: family', 'seq 1: DONE', 'EAGAIN'],
  project: (run) => ['--- output', ...run.output, `--- exit status ${run.status}`],
};
