// Scenario 91: IPv6 duplicate address detection as far as it is deterministic. Linux needs at
// least a second to finish DAD (a random delay up to rtr_solicit_delay, then retrans_time after its
// solicitation), so within the first few hundred milliseconds after a link comes up or an address
// is added: the link-local addresses are IFA_F_TENTATIVE and not announced; an address added
// without IFA_F_NODAD is announced once, tentative (after its prefix route), and has no local route
// yet (so `ip -6 route get` for it resolves through the prefix route), while an address added with
// IFA_F_NODAD is announced at once, not tentative, with its local route. (The simulator never
// finishes DAD: see the README.)
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  nla,
  nla_string,
  nla_nest,
  ifinfomsg,
  ifaddrmsg,
  rtmsg,
  inet_pton6,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  RTNLGRP_LINK,
  RTNLGRP_IPV6_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { linkUp, localRoute6, operUp, rtdrain, rtreq, watch } from './lib.ts';

const addr = (seq: number, a: string, flags: number) =>
  nlmsg({
    type: 20,
    flags: 0x605,
    seq,
    payload: [ifaddrmsg({ family: 10, prefixlen: 64, flags, index: 3 }), nla(1, inet_pton6(a))],
  });

export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  // Fixed MAC addresses: the link-local addresses (EUI-64) are then the same on both kernels.
  const mac = (x: number) => nla(1, new Uint8Array([0x02, 0, 0, 0, 0, x]));
  await rtreq(
    fd,
    nlmsg({
      type: 16,
      flags: 0x605,
      seq: 1,
      payload: [
        ifinfomsg(),
        nla_string(3, 'v0'),
        mac(1),
        nla_nest(18, [nla_string(1, 'veth'), nla_nest(2, [nla_nest(1, [ifinfomsg(), nla_string(3, 'v1'), mac(2)])])]),
      ],
    }),
    'veth',
  );
  const mon = await socket(16, 3, 0);
  // RTNLGRP_IPV6_IFADDR (9) and RTNLGRP_IPV6_ROUTE (11)
  await bind(mon, { nl_family: 16, nl_pid: 0, nl_groups: (1 << 8) | (1 << 10) });
  const work = await watch((1 << (RTNLGRP_LINK - 1)) | (1 << (RTNLGRP_IPV6_ROUTE - 1)));
  for (const [i, s] of [
    [2, 2],
    [3, 3],
  ])
    await rtreq(fd, linkUp(i, s), `up ${i}`);
  // Let Linux's link watcher record v1's carrier (a work item) before anything else happens.
  await work.until('v1 and v0 up', operUp([2, 3]));
  await rtdrain(mon, 'mon links up');
  await rtreq(fd, addr(4, '2001:db8::5', 0), 'add (DAD)');
  await rtreq(fd, addr(5, '2001:db8:1::5', 0x2), 'add nodad');
  // The NODAD address is announced, with its local route, from the DAD work item.
  await work.until('the local route of 2001:db8:1::5', localRoute6('2001:db8:1::5'));
  await work.close();
  await rtdrain(mon, 'mon addresses');
  await rtreq(fd, nlmsg({ type: 22, flags: 0x301, seq: 6, payload: [ifaddrmsg({ family: 10 })] }), 'dump');
  await rtreq(
    fd,
    nlmsg({
      type: 26,
      flags: 0x1,
      seq: 7,
      payload: [rtmsg({ family: 10, dst_len: 128 }), nla(1, inet_pton6('2001:db8::5'))],
    }),
    'get tentative',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 26,
      flags: 0x1,
      seq: 8,
      payload: [rtmsg({ family: 10, dst_len: 128 }), nla(1, inet_pton6('2001:db8:1::5'))],
    }),
    'get nodad',
  );
}

export const scenario: Scenario = {
  title:
    'IPv6 DAD in its first second: tentative addresses (announced once if added), no local route; NODAD announced complete at once',
  project: (n) => n.output,
};
