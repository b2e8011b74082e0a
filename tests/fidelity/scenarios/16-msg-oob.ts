// Scenario 16: netlink has no out-of-band data.
import {
  socket,
  sendto,
  recvfrom,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  MSG_OOB,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, show } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('sendto(MSG_OOB)', () => sendto(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST }), MSG_OOB, KERNEL));
  await show(
    'recvfrom(MSG_OOB)',
    () => recvfrom(fd, new Uint8Array(64), MSG_OOB),
    (r) => String(r.n),
  );
}

export const scenario: Scenario = {
  title: 'MSG_OOB on send and on recv → EOPNOTSUPP',
  expect: ['sendto(MSG_OOB): EOPNOTSUPP', 'recvfrom(MSG_OOB): EOPNOTSUPP'],
};
