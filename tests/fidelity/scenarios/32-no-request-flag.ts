// Scenario 32: without NLM_F_REQUEST the kernel does not run the request, but still ACKs.
import { socket, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NLM_F_ACK } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { drain, getfamily, toKernel } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await toKernel(fd, getfamily('nlctrl', NLM_F_ACK));
  await drain(fd);
}

export const scenario: Scenario = {
  title: 'no NLM_F_REQUEST but NLM_F_ACK → ACK 0, nothing else',
  expect: ['recv: type=0x2 len=36 flags=0x100 error=0', 'recv: EAGAIN'],
};
