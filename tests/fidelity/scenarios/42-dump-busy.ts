// Scenario 42: a second dump request while the first is still running (not yet drained) → EBUSY;
// the first dump then completes normally. The GETPOLICY dump is used because it always needs a
// second round for its NLMSG_DONE; since 6.10 a GETFAMILY dump that fits in one skb ends at once.
import {
  socket,
  bind,
  recvfrom,
  parseNlmsgs,
  parseNlmsgerr,
  errnoName,
  nlmsg,
  genlmsghdr,
  nla_string,
  MSG_DONTWAIT,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLMSG_ERROR,
  NLMSG_DONE,
  GENL_ID_CTRL,
  CTRL_CMD_GETPOLICY,
  CTRL_ATTR_FAMILY_NAME,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel, errname } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const getpolicy = (seq: number) =>
    nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST | NLM_F_DUMP,
      seq,
      payload: [genlmsghdr(CTRL_CMD_GETPOLICY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
    });
  await toKernel(fd, getpolicy(1));
  await toKernel(fd, getpolicy(2));
  const buf = new Uint8Array(65536);
  const seen: string[] = [];
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      for (const m of parseNlmsgs(buf.subarray(0, n))) {
        const what =
          m.nlmsg_type === GENL_ID_CTRL
            ? 'policy'
            : m.nlmsg_type === NLMSG_DONE
              ? 'DONE'
              : m.nlmsg_type === NLMSG_ERROR
                ? `ERROR ${errnoName(-parseNlmsgerr(m)!.error)} len ${m.nlmsg_len}`
                : `type ${m.nlmsg_type}`;
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
  expect: ['seq 1: policy', 'seq 2: ERROR EBUSY len 52', 'seq 1: DONE', 'EAGAIN'],
};
