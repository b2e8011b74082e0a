/**
 * Lesson "A small ip of your own": from the recorded syscalls, whether both veth ends were brought
 * up, whether 10.0.0.1/24 landed on v0 and 10.9.0.0/16 via 10.0.0.2 in the main table (the kernel's
 * ACK and its own dump say so), and whether a second process read the kernel's notifications.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import {
  parseNlmsgs,
  parseNlmsgerr,
  parseIfinfomsg,
  parseIfaddrmsg,
  parseRtmsg,
  errnoName,
  inet_ntop,
} from 'netlink-lab/user';

const RTM_NEWLINK = 16;
const RTM_SETLINK = 19;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const NLMSG_ERROR = 2;
const IFF_UP = 1;
const IFA_LOCAL = 2;
const RTA_DST = 1;
const RTA_GATEWAY = 5;
const IFLA_IFNAME = 3;
const SEND = new Set(['sendto', 'sendmsg', 'write']);
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);

type Msg = ReturnType<typeof parseNlmsgs>[number];
const attr = (attrs: { type: number; payload: Uint8Array }[], t: number) => attrs.find((a) => a.type === t)?.payload;
const name = (p?: Uint8Array) =>
  p ? new TextDecoder().decode(p.subarray(0, p.indexOf(0) < 0 ? p.length : p.indexOf(0))) : '?';

export default function checks({ events }: CheckInput): CheckResult[] {
  const main = events[0]?.pid;
  const sent: Msg[] = [];
  const got: { pid: number; m: Msg }[] = [];
  for (const e of events) {
    if (!e.data || e.errno !== undefined) continue;
    if (SEND.has(e.syscall)) sent.push(...parseNlmsgs(e.data));
    if (RECV.has(e.syscall)) for (const m of parseNlmsgs(e.data)) got.push({ pid: e.pid, m });
  }
  /** The kernel's answer (0 = ACK, else -errno) to a request, by sequence number; undefined if none was read. */
  const answer = (req: Msg) => {
    const r = got.find(
      ({ m }) => m.nlmsg_type === NLMSG_ERROR && parseNlmsgerr(m)?.msg.nlmsg_seq === req.nlmsg_seq && m.nlmsg_pid !== 0,
    );
    return r ? parseNlmsgerr(r.m)!.error : undefined;
  };
  const said = (e: number | undefined) => (e === undefined ? 'no answer was read' : e === 0 ? 'an ACK' : errnoName(-e));

  // The link indexes, from any RTM_NEWLINK the program received.
  const index = new Map<string, number>();
  for (const { m } of got)
    if (m.nlmsg_type === RTM_NEWLINK) {
      const l = parseIfinfomsg(m);
      index.set(name(attr(l.attrs, IFLA_IFNAME)), l.index);
    }

  // 1. Both ends up.
  const linkReqs = sent
    .filter((m) => m.nlmsg_type === RTM_NEWLINK || m.nlmsg_type === RTM_SETLINK)
    .map((m) => ({ m, l: parseIfinfomsg(m) }))
    .filter(({ l }) => l.index > 0);
  const upFor = (n: string) =>
    linkReqs.find(
      ({ m, l }) =>
        l.index === index.get(n) && l.flags & IFF_UP && (l.change & IFF_UP || l.change === 0) && answer(m) === 0,
    );
  const upBoth = !!upFor('v0') && !!upFor('v1');
  const noop = linkReqs.filter(({ l }) => !(l.flags & IFF_UP));
  const up: CheckResult = {
    name: 'v0 and v1 are up',
    pass: upBoth,
    message: upBoth
      ? 'Both ends of the pair were set up with IFF_UP, and the kernel ACKed each request.'
      : noop.length
        ? `The program sent ${noop.length} link request${noop.length > 1 ? 's' : ''} for ${noop.map(({ l }) => `index ${l.index}`).join(' and ')} with ifi_flags 0x${noop[0]!.l.flags.toString(16)} and ifi_change 0x${noop[0]!.l.change.toString(16)}: the kernel ACKed and changed nothing.`
        : 'No RTM_NEWLINK or RTM_SETLINK for v0 and v1 with IFF_UP was ACKed.',
    hints: [
      'An ACK only says the request was valid. A link request with no flag to change changes nothing.',
      "do_setlink() combines the request's ifi_flags and ifi_change: the bits set in ifi_change are taken from ifi_flags, the others stay as they are (rtnl_dev_combine_flags).",
      'Send ifinfomsg({ index, flags: IFF_UP, change: IFF_UP }) for each end, as `ip link set v0 up` does.',
    ],
  };

  // 2. The address.
  const addrReqs = sent.filter((m) => m.nlmsg_type === RTM_NEWADDR);
  const addrOk = addrReqs.find((m) => answer(m) === 0);
  const dumped = got
    .filter(({ m }) => m.nlmsg_type === RTM_NEWADDR && m.nlmsg_pid !== 0)
    .map(({ m }) => parseIfaddrmsg(m));
  const has = dumped.find(
    (a) =>
      a.index === index.get('v0') &&
      a.prefixlen === 24 &&
      attr(a.attrs, IFA_LOCAL) &&
      inet_ntop(attr(a.attrs, IFA_LOCAL)!) === '10.0.0.1',
  );
  const addr: CheckResult = {
    name: '10.0.0.1/24 is on v0',
    pass: !!addrOk && !!has,
    message:
      addrOk && has
        ? 'RTM_NEWADDR was ACKed and the address dump lists 10.0.0.1/24 on v0.'
        : addrReqs.length
          ? `RTM_NEWADDR got ${said(answer(addrReqs[addrReqs.length - 1]!))}${has ? '' : '; the address dump does not list 10.0.0.1/24 on v0'}.`
          : 'The program sent no RTM_NEWADDR.',
    hints: [
      "IPv4 and IPv6 read different attributes of an address request; the kernel's extended ACK names what it missed.",
      'inet_rtm_newaddr() → rtm_to_ifaddr() insists on IFA_LOCAL (the address of the interface); IFA_ADDRESS is the peer on point-to-point links and defaults to IFA_LOCAL.',
      "Add nla(IFA_LOCAL, inet_pton4('10.0.0.1')) to the request, as `ip addr add` does (it sends both IFA_LOCAL and IFA_ADDRESS).",
    ],
  };

  // 3. The route.
  const routeReqs = sent.filter((m) => m.nlmsg_type === RTM_NEWROUTE);
  const routeOk = routeReqs.find((m) => answer(m) === 0);
  const routes = got
    .filter(({ m }) => m.nlmsg_type === RTM_NEWROUTE && m.nlmsg_pid !== 0)
    .map(({ m }) => parseRtmsg(m));
  const viaGw = routes.find(
    (r) =>
      r.dst_len === 16 &&
      attr(r.attrs, RTA_DST) &&
      inet_ntop(attr(r.attrs, RTA_DST)!) === '10.9.0.0' &&
      attr(r.attrs, RTA_GATEWAY) &&
      inet_ntop(attr(r.attrs, RTA_GATEWAY)!) === '10.0.0.2',
  );
  const route: CheckResult = {
    name: '10.9.0.0/16 goes via 10.0.0.2',
    pass: !!routeOk && !!viaGw,
    message:
      routeOk && viaGw
        ? 'RTM_NEWROUTE was ACKed and the route dump shows 10.9.0.0/16 via 10.0.0.2.'
        : routeReqs.length
          ? `RTM_NEWROUTE got ${said(answer(routeReqs[routeReqs.length - 1]!))}${viaGw ? '' : '; the route dump has no 10.9.0.0/16 via 10.0.0.2'}.`
          : 'The program sent no RTM_NEWROUTE.',
    hints: [
      'A route needs a next hop: a gateway, a device, or both. ENODEV means the kernel found no device for it.',
      'fib_create_info() → fib_check_nh(): with RTA_GATEWAY the kernel looks the gateway up in the main table and takes the device of the route that covers it (10.0.0.0/24 dev v0, which the address created).',
      "Add nla(RTA_GATEWAY, inet_pton4('10.0.0.2')) after RTA_DST, as `ip route add 10.9.0.0/16 via 10.0.0.2` does.",
    ],
  };

  // 4. A second process heard the notifications (what it read: it sends no requests).
  const heard = got.filter(({ pid, m }) => pid !== main && m.nlmsg_type >= RTM_NEWLINK);
  const kinds = new Set(heard.map(({ m }) => m.nlmsg_type));
  const all = kinds.has(RTM_NEWLINK) && kinds.has(RTM_NEWADDR) && kinds.has(RTM_NEWROUTE);
  const monitor: CheckResult = {
    name: 'a second process heard links, addresses and routes change',
    pass: all,
    message: all
      ? `The second process read ${heard.length} notifications: RTM_NEWLINK, RTM_NEWADDR and RTM_NEWROUTE among them.`
      : `The second process read ${heard.length} notification${heard.length === 1 ? '' : 's'}${kinds.size ? ` (types ${[...kinds].join(', ')})` : ''}; it should see RTM_NEWLINK, RTM_NEWADDR and RTM_NEWROUTE.`,
    hints: [
      'The kernel multicasts each change to a group, and only sockets that joined the group receive it.',
      'enum rtnetlink_groups: RTNLGRP_LINK (1), RTNLGRP_IPV4_IFADDR (5), RTNLGRP_IPV4_ROUTE (7). In nl_groups, group g is the bit 1 << (g - 1); groups above 32 need NETLINK_ADD_MEMBERSHIP.',
      'Bind the monitor socket with nl_groups: group(RTNLGRP_LINK) | group(RTNLGRP_IPV4_IFADDR) | group(RTNLGRP_IPV4_ROUTE), before the changes are made.',
    ],
  };
  return [up, addr, route, monitor];
}
