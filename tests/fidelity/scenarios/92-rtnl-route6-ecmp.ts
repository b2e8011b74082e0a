// Scenario 92: IPv6 multipath (ECMP). Two gateway routes of one prefix and metric become siblings:
// the notification of the second (NLM_F_CREATE, with NLM_F_APPEND when asked) carries both next
// hops in RTA_MULTIPATH, the new one first; a dump shows the group once, in list order; deleting
// one next hop by its gateway announces that route alone, deleting by prefix removes the group
// with one notification. A device route of the same metric stays a route of its own; NLM_F_REPLACE
// with a gateway route replaces the whole group.
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  ifaddrmsg,
  rtmsg,
  inet_pton6,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  RTNLGRP_LINK,
  RTNLGRP_IPV6_ROUTE,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname, linkUp, localRoute6, newVethPair, operUp, rtlines, rtreq, watch } from './lib.ts';
import { recvfrom, MSG_DONTWAIT } from 'netlink-lab/user';

const route = (type: number, flags: number, seq: number, gw?: string, oif?: number) =>
  nlmsg({
    type,
    flags: 0x5 | flags,
    seq,
    payload: [
      rtmsg({ family: 10, dst_len: 48, table: 254, protocol: 3, type: 1 }),
      nla(1, inet_pton6('2001:db8:2::')),
      ...(gw ? [nla(5, inet_pton6(gw))] : []),
      ...(oif ? [nla_u32(4, oif)] : []),
    ],
  });
const dump = (seq: number) => nlmsg({ type: 26, flags: 0x301, seq, payload: [rtmsg({ family: 10, protocol: 3 })] });

/**
 * What the monitor queued, protocol boot routes only: the kernel's own route changes (the local
 * route of a link-local address that finishes DAD after a random 1–2 s) are left out.
 */
async function drainBoot(fd: number, label: string): Promise<void> {
  const buf = new Uint8Array(65536);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      for (const l of rtlines(buf.subarray(0, n)))
        if (l.split(' | ')[1]?.split(' ')[1]?.slice(2, 4) === '03') console.log(`${label}: ${l}`);
    } catch (e) {
      console.log(`${label}: ${errname(e)}`);
      return;
    }
  }
}

export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, newVethPair(1), 'veth');
  const work = await watch((1 << (RTNLGRP_LINK - 1)) | (1 << (RTNLGRP_IPV6_ROUTE - 1)));
  for (const [i, s] of [
    [2, 2],
    [3, 3],
  ])
    await rtreq(fd, linkUp(i, s), `up ${i}`);
  // Linux's link watcher records the carrier from a work item.
  await work.until('v1 and v0 up', operUp([2, 3]));
  await rtreq(
    fd,
    nlmsg({
      type: 20,
      flags: 0x605,
      seq: 4,
      payload: [ifaddrmsg({ family: 10, prefixlen: 64, flags: 0x2, index: 3 }), nla(1, inet_pton6('2001:db8::1'))],
    }),
    'addr',
  );
  // The DAD work item adds the address's local route (IFA_F_NODAD too).
  await work.until('the local route of 2001:db8::1', localRoute6('2001:db8::1'));
  await work.close();
  const mon = await socket(16, 3, 0);
  await bind(mon, { nl_family: 16, nl_pid: 0, nl_groups: 1 << 10 });
  // Dumps filtered (strict checking) to protocol boot, the routes of this scenario: a link-local
  // address may finish DAD (after a random 1–2 s) meanwhile, and Linux then adds its local route.
  const sd = await socket(16, 3, 0);
  await setsockopt(sd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(fd, route(24, 0x600, 10, '2001:db8::fe'), 'via fe');
  await rtreq(fd, route(24, 0x400, 11, '2001:db8::fd'), 'via fd (CREATE)');
  await rtreq(fd, route(24, 0xc00, 12, '2001:db8::fc'), 'via fc (APPEND)');
  await rtreq(fd, route(24, 0x400, 13, '2001:db8::fd'), 'via fd again');
  await rtreq(fd, route(24, 0x400, 14, undefined, 3), 'dev v0');
  await drainBoot(mon, 'mon');
  await rtreq(sd, dump(20), 'dump');
  await rtreq(fd, route(25, 0, 21, '2001:db8::fd'), 'del fd');
  await rtreq(sd, dump(22), 'dump after del fd');
  await rtreq(fd, route(25, 0, 23, undefined, 3), 'del dev');
  await rtreq(fd, route(25, 0, 24), 'del group');
  await rtreq(fd, route(25, 0, 25), 'del again');
  await drainBoot(mon, 'mon');
  await rtreq(sd, dump(26), 'dump empty');
  // REPLACE takes the place of the first route of the same ECMP-ability, and its group goes with it.
  await rtreq(fd, route(24, 0x600, 30, '2001:db8::fe'), 'via fe');
  await rtreq(fd, route(24, 0x400, 31, '2001:db8::fd'), 'via fd');
  await rtreq(fd, route(24, 0x400, 32, undefined, 3), 'dev v0');
  await rtreq(fd, route(24, 0x100, 33, '2001:db8::fb'), 'replace');
  await drainBoot(mon, 'mon');
  await rtreq(sd, dump(34), 'dump after replace');
}

export const scenario: Scenario = {
  title: 'IPv6 ECMP: sibling gateway routes, RTA_MULTIPATH in notifications and dumps, deleting one hop or the group',
  project: (n) => n.output,
};
