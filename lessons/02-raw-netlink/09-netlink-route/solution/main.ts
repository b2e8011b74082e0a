/**
 * A small `ip` of our own, over NETLINK_ROUTE: list the links, create a veth pair, bring it up,
 * give v0 an address, add a route through a gateway, list addresses and routes — while a second
 * process plays `ip monitor` and prints what the kernel announced.
 */
import {
  socket, bind, setsockopt, sendto, recvfrom, spawn, waitpid, sleep, close, SOL_NETLINK, NETLINK_EXT_ACK, NLMSGERR_ATTR_MSG,
  nlmsg, nla, nla_string, nla_nest, parseNlmsgs, parseNlmsgerr, parseIfinfomsg, parseIfaddrmsg, parseRtmsg,
  ifinfomsg, ifaddrmsg, rtmsg, inet_pton4, inet_ntop, cstring, u32, errnoName, ErrnoError,
  AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, MSG_DONTWAIT, NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP, NLM_F_CREATE, NLM_F_EXCL,
  NLMSG_ERROR, NLMSG_DONE, RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR,
  RTM_NEWROUTE, RTM_DELROUTE, RTM_GETROUTE, RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE,
  IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_OPERSTATE, IFLA_LINKINFO, IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER,
  IFA_LOCAL, IFA_ADDRESS, RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_TABLE, AF_INET, IFF_UP,
  RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, type NlMsg,
} from 'netlink-lab/user';

const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
let seq = 0;

/**
 * Send one request; return the replies up to NLMSG_DONE (a dump) or the ACK (anything else: we
 * always ask for one, so we know when the kernel is done). An error throws.
 */
async function talk(fd: number, type: number, flags: number, payload: Uint8Array[]): Promise<NlMsg[]> {
  const mine = ++seq;
  const ack = (flags & NLM_F_DUMP) === NLM_F_DUMP ? 0 : NLM_F_ACK;
  await sendto(fd, nlmsg({ type, flags: NLM_F_REQUEST | ack | flags, seq: mine, payload }), 0, KERNEL);
  const replies: NlMsg[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    const { n } = await recvfrom(fd, buf);
    for (const m of parseNlmsgs(buf.subarray(0, n).slice())) {
      if (m.nlmsg_seq !== mine) continue;
      if (m.nlmsg_type === NLMSG_ERROR) {
        const { error, tlvs } = parseNlmsgerr(m)!;
        // With NETLINK_EXT_ACK the kernel may say why, in NLMSGERR_ATTR_MSG.
        const why = tlvs.find((a) => a.type === NLMSGERR_ATTR_MSG);
        if (error) throw new Error(`${errnoName(-error)}${why ? ` (${cstring(why.payload)})` : ''}`);
        return replies;
      }
      if (m.nlmsg_type === NLMSG_DONE) return replies;
      replies.push(m);
    }
  }
}

const FLAG_NAMES: [number, string][] = [[0x8, 'LOOPBACK'], [0x2, 'BROADCAST'], [0x1000, 'MULTICAST'], [0x1, 'UP'], [0x40, 'RUNNING'], [0x10000, 'LOWER_UP']];
const OPERSTATE = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];
const attr = (attrs: { type: number; payload: Uint8Array }[], t: number) => attrs.find((a) => a.type === t)?.payload;
const names = new Map<number, string>();

/** One line per link, like `ip link`. */
function showLink(m: NlMsg): string {
  const l = parseIfinfomsg(m);
  const name = cstring(attr(l.attrs, IFLA_IFNAME)!);
  names.set(l.index, name);
  const flags = FLAG_NAMES.filter(([bit]) => l.flags & bit).map(([, n]) => n).join(',');
  return `${l.index}: ${name}: <${flags}> mtu ${u32(attr(l.attrs, IFLA_MTU)!, 0)} state ${OPERSTATE[attr(l.attrs, IFLA_OPERSTATE)![0]]}`;
}
/** `ip -4 addr` */
function showAddr(m: NlMsg): string {
  const a = parseIfaddrmsg(m);
  return `${a.index}: ${names.get(a.index)} inet ${inet_ntop(attr(a.attrs, IFA_LOCAL)!)}/${a.prefixlen}`;
}
/** `ip -4 route show table all` */
function showRoute(m: NlMsg): string {
  const r = parseRtmsg(m);
  const dst = attr(r.attrs, RTA_DST);
  const gw = attr(r.attrs, RTA_GATEWAY);
  const kind = ['', '', 'local ', 'broadcast '][r.type] ?? '';
  return `${kind}${dst ? `${inet_ntop(dst)}/${r.dst_len}` : 'default'}${gw ? ` via ${inet_ntop(gw)}` : ''} dev ${names.get(u32(attr(r.attrs, RTA_OIF)!, 0))} table ${u32(attr(r.attrs, RTA_TABLE)!, 0)} proto ${r.protocol}`;
}

/** Run one command: print it, and print the error instead of stopping when the kernel refuses. */
async function step(command: string, run: () => Promise<void>): Promise<void> {
  console.log(`$ ${command}`);
  try {
    await run();
  } catch (e) {
    console.log(`  ${(e as Error).message}`);
  }
}

const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);

// 4. `ip monitor link address route`: a socket in three multicast groups, opened before anything
// changes. Groups 1-32 are bits of nl_groups: group g is bit g - 1.
const group = (g: number) => 1 << (g - 1);
const mon = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await bind(mon, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(RTNLGRP_LINK) | group(RTNLGRP_IPV4_IFADDR) | group(RTNLGRP_IPV4_ROUTE) });

await step('ip link', async () => {
  for (const m of await talk(fd, RTM_GETLINK, NLM_F_DUMP, [ifinfomsg()])) console.log(showLink(m));
});

// The kernel picks the indexes: we ask for each new link by name.
const index: Record<string, number> = {};
await step('ip link add v0 type veth peer name v1', async () => {
  const mac = (last: number) => new Uint8Array([0x02, 0, 0, 0, 0, last]);
  await talk(fd, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
    ifinfomsg(), nla_string(IFLA_IFNAME, 'v0'), nla(IFLA_ADDRESS, mac(1)),
    nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'veth'), nla_nest(IFLA_INFO_DATA, [
      nla_nest(VETH_INFO_PEER, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v1'), nla(IFLA_ADDRESS, mac(2))]),
    ])]),
  ]);
  for (const name of ['v0', 'v1']) {
    const [m] = await talk(fd, RTM_GETLINK, 0, [ifinfomsg(), nla_string(IFLA_IFNAME, name)]);
    console.log(showLink(m!));
    index[name] = parseIfinfomsg(m!).index;
  }
});
// The kernel's link watcher notes that the new links have no carrier yet, from a work queue; for
// links that are down it runs at most once a second. Give it that second.
await sleep(1100);

// 1. Bring both ends up: which bits of ifi_flags to set, and which of them to change (ifi_change).
for (const name of ['v0', 'v1']) {
  await step(`ip link set ${name} up`, async () => {
    await talk(fd, RTM_NEWLINK, 0, [ifinfomsg({ index: index[name], flags: IFF_UP, change: IFF_UP })]);
  });
}
// The carrier comes a moment later (the link watcher again).
await sleep(300);

// 2. An IPv4 address: struct ifaddrmsg, then the address itself.
await step('ip addr add 10.0.0.1/24 dev v0', async () => {
  await talk(fd, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, [
    ifaddrmsg({ family: AF_INET, prefixlen: 24, index: index.v0 }),
    nla(IFA_LOCAL, inet_pton4('10.0.0.1')), nla(IFA_ADDRESS, inet_pton4('10.0.0.1')),
  ]);
});

// 3. A route through a gateway on v0's subnet: struct rtmsg, the destination, the gateway.
await step('ip route add 10.9.0.0/16 via 10.0.0.2', async () => {
  await talk(fd, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, [
    rtmsg({ family: AF_INET, dst_len: 16, table: RT_TABLE_MAIN, protocol: RTPROT_BOOT, scope: RT_SCOPE_UNIVERSE, type: RTN_UNICAST }),
    nla(RTA_DST, inet_pton4('10.9.0.0')), nla(RTA_GATEWAY, inet_pton4('10.0.0.2')),
  ]);
});

await step('ip -4 addr', async () => {
  for (const m of await talk(fd, RTM_GETADDR, NLM_F_DUMP, [ifaddrmsg({ family: AF_INET })])) console.log(showAddr(m));
});
await step('ip -4 route show table all', async () => {
  for (const m of await talk(fd, RTM_GETROUTE, NLM_F_DUMP, [rtmsg({ family: AF_INET })])) console.log(showRoute(m));
});

// A second process reads what the kernel told the monitor socket (it inherited it, like a fork).
const TYPES: Record<number, string> = {
  [RTM_NEWLINK]: 'LINK', [RTM_DELLINK]: 'LINK deleted', [RTM_NEWADDR]: 'ADDR', [RTM_DELADDR]: 'ADDR deleted',
  [RTM_NEWROUTE]: 'ROUTE', [RTM_DELROUTE]: 'ROUTE deleted',
};
const monitor = await spawn(async () => {
  const buf = new Uint8Array(65536);
  for (;;) {
    try {
      const { n } = await recvfrom(mon, buf, MSG_DONTWAIT);
      for (const m of parseNlmsgs(buf.subarray(0, n).slice())) {
        const what = m.nlmsg_type === RTM_NEWLINK || m.nlmsg_type === RTM_DELLINK ? showLink(m)
          : m.nlmsg_type === RTM_NEWADDR || m.nlmsg_type === RTM_DELADDR ? showAddr(m) : showRoute(m);
        console.log(`monitor: [${TYPES[m.nlmsg_type]}] ${what}`);
      }
    } catch (e) {
      if (e instanceof ErrnoError && e.code === 'EAGAIN') break;
      throw e;
    }
  }
}, { name: 'ip-monitor' });
await waitpid(monitor);
await close(mon);
await close(fd);
