// Scenario 86: NLM_F_ECHO on RTM_NEWADDR sends the notification to the requester as well, with the
// request's seq and port id, from the group's address (nlmsg_notify unicasts the skb that
// nlmsg_multicast stamped with the group); a requester that is also a member gets it once. And
// NLM_F_ATOMIC on an address dump changes nothing.
import {
  socket,
  bind,
  getsockname,
  recvfrom,
  sendto,
  nlmsg,
  nla,
  ifaddrmsg,
  inet_pton4,
  parseNlmsgs,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLM_F_ECHO,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_DUMP,
  NLM_F_ATOMIC,
  RTM_NEWADDR,
  RTM_GETADDR,
  IFA_LOCAL,
  IFA_ADDRESS,
  AF_INET,
  RT_SCOPE_HOST,
  MSG_DONTWAIT,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { KERNEL, errname } from './lib.ts';

const IFADDR = 1 << (5 - 1); // RTNLGRP_IPV4_IFADDR as a bind mask

/** Port ids are printed by whose they are: random autobind numbers differ between runs. */
const owners = new Map<number, string>();
const who = (pid: number) => owners.get(pid >>> 0) ?? (pid === 0 ? '0' : 'someone else');

async function drain(fd: number, label: string): Promise<void> {
  const buf = new Uint8Array(8192);
  for (;;) {
    try {
      const { n, from } = await recvfrom(fd, buf, MSG_DONTWAIT);
      for (const m of parseNlmsgs(buf.subarray(0, n))) {
        console.log(
          `${label}: from groups 0x${from.nl_groups.toString(16)} type=${m.nlmsg_type} flags=0x${m.nlmsg_flags.toString(16)} seq=${m.nlmsg_seq} pid=${who(m.nlmsg_pid)} len=${m.nlmsg_len}`,
        );
      }
    } catch (e) {
      console.log(`${label}: ${errname(e)}`);
      return;
    }
  }
}

const newaddr = (ip: string, seq: number, flags: number) =>
  nlmsg({
    type: RTM_NEWADDR,
    flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL | flags,
    seq,
    payload: [
      ifaddrmsg({ family: AF_INET, prefixlen: 8, scope: RT_SCOPE_HOST, index: 1 }),
      nla(IFA_LOCAL, inet_pton4(ip)),
      nla(IFA_ADDRESS, inet_pton4(ip)),
    ],
  });

export default async function main() {
  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const member = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(member, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: IFADDR });
  const both = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(both, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: IFADDR });

  // Every socket gets its port from bind() (autobind: nl_pid 0); `a` joins no group.
  await bind(a, KERNEL);
  for (const [fd, name] of [
    [a, 'a'],
    [member, 'member'],
    [both, 'both'],
  ] as const)
    owners.set((await getsockname(fd)).nl_pid >>> 0, name);

  await sendto(a, newaddr('127.0.0.2', 1, NLM_F_ECHO), 0, KERNEL);
  await drain(a, 'requester, ECHO');
  await drain(member, 'member');
  await sendto(a, newaddr('127.0.0.3', 2, 0), 0, KERNEL);
  await drain(a, 'requester, no ECHO');
  await drain(member, 'member');
  await drain(both, 'requester and member (so far)');
  await sendto(both, newaddr('127.0.0.4', 3, NLM_F_ECHO), 0, KERNEL);
  await drain(both, 'requester and member, ECHO');
  await drain(member, 'member');

  await sendto(
    a,
    nlmsg({ type: RTM_GETADDR, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 4, payload: ifaddrmsg({ family: AF_INET }) }),
    0,
    KERNEL,
  );
  await drain(a, 'dump');
  await sendto(
    a,
    nlmsg({
      type: RTM_GETADDR,
      flags: NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ATOMIC,
      seq: 5,
      payload: ifaddrmsg({ family: AF_INET }),
    }),
    0,
    KERNEL,
  );
  await drain(a, 'dump ATOMIC');
}

export const scenario: Scenario = {
  title: 'NLM_F_ECHO on RTM_NEWADDR (from the group, once), NLM_F_ATOMIC on an address dump',
  check(run) {
    const out = run.output.join('\n');
    if (!/requester, ECHO: from groups 0x10 type=20 flags=0x0 seq=1 /.test(out))
      throw new Error('not what Linux does: the echo comes from the group address');
  },
};
