/**
 * Fuzzing NETLINK_ROUTE on the simulated kernel: 60,000 mutated rtnetlink requests built from the
 * ones `ip` sends (create veth pairs and bridges, links up and down, MTU and name changes, IPv4 and
 * IPv6 addresses, IPv4 and IPv6 routes in main and other tables, single-route lookups, neighbour
 * entries, every dump, rules, deletions), with a socket listening on every
 * RTNLGRP group. The kernel must never trap, every syscall must succeed or fail with an errno, the
 * answers must reach past the first checks (ACKs and several errnos), and once the sockets are
 * closed the number of live sk_buffs must be back where it started.
 */
import { describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import * as u from '../../src/api/user.ts';
import { bootKernel as newSimKernel } from '../fixtures/sim-kernel.ts';

const DATAGRAMS = Number(process.env.RTNL_FUZZ ?? 60_000);

/** xorshift32: deterministic, so a failure repeats. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, int: (n: number) => next() % n, pick: <T>(a: T[]): T => a[next() % a.length] };
}
const SEED = 0x72746e6c;

const R = u.NLM_F_REQUEST;
const A = u.NLM_F_ACK;
const C = u.NLM_F_CREATE | u.NLM_F_EXCL;
const veth = (a: string, b: string) => [
  u.ifinfomsg(),
  u.nla_string(u.IFLA_IFNAME, a),
  u.nla_nest(u.IFLA_LINKINFO, [
    u.nla_string(u.IFLA_INFO_KIND, 'veth'),
    u.nla_nest(u.IFLA_INFO_DATA, [u.nla_nest(u.VETH_INFO_PEER, [u.ifinfomsg(), u.nla_string(u.IFLA_IFNAME, b)])]),
  ]),
];
const seeds: Uint8Array[] = [
  u.nlmsg({ type: u.RTM_NEWLINK, flags: R | A | C, payload: veth('v0', 'v1') }),
  u.nlmsg({ type: u.RTM_NEWLINK, flags: R | A | C, payload: veth('a%d', 'b%d') }),
  u.nlmsg({
    type: u.RTM_NEWLINK,
    flags: R | A | C,
    payload: [
      u.ifinfomsg(),
      u.nla_string(u.IFLA_IFNAME, 'br0'),
      u.nla_nest(u.IFLA_LINKINFO, [u.nla_string(u.IFLA_INFO_KIND, 'bridge')]),
    ],
  }),
  u.nlmsg({ type: u.RTM_NEWLINK, flags: R | A, payload: u.ifinfomsg({ index: 1, flags: u.IFF_UP, change: u.IFF_UP }) }),
  u.nlmsg({ type: u.RTM_NEWLINK, flags: R | A, payload: u.ifinfomsg({ index: 2, flags: u.IFF_UP, change: u.IFF_UP }) }),
  u.nlmsg({ type: u.RTM_NEWLINK, flags: R | A, payload: u.ifinfomsg({ index: 3, flags: 0, change: u.IFF_UP }) }),
  u.nlmsg({
    type: u.RTM_SETLINK,
    flags: R | A,
    payload: [u.ifinfomsg({ index: 2 }), u.nla_u32(u.IFLA_MTU, 9000), u.nla_string(u.IFLA_IFNAME, 'x')],
  }),
  u.nlmsg({ type: u.RTM_DELLINK, flags: R | A, payload: [u.ifinfomsg({ index: 3 })] }),
  u.nlmsg({
    type: u.RTM_NEWADDR,
    flags: R | A | C,
    payload: [
      u.ifaddrmsg({ family: u.AF_INET, prefixlen: 24, index: 2 }),
      u.nla(u.IFA_LOCAL, u.inet_pton4('10.0.0.1')),
      u.nla(u.IFA_ADDRESS, u.inet_pton4('10.0.0.1')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWADDR,
    flags: R | A | C,
    payload: [
      u.ifaddrmsg({ family: u.AF_INET6, prefixlen: 64, flags: u.IFA_F_NODAD, index: 2 }),
      u.nla(u.IFA_ADDRESS, u.inet_pton6('2001:db8::1')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELADDR,
    flags: R | A,
    payload: [
      u.ifaddrmsg({ family: u.AF_INET, prefixlen: 24, index: 2 }),
      u.nla(u.IFA_LOCAL, u.inet_pton4('10.0.0.1')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELADDR,
    flags: R | A,
    payload: [
      u.ifaddrmsg({ family: u.AF_INET6, prefixlen: 64, index: 2 }),
      u.nla(u.IFA_ADDRESS, u.inet_pton6('2001:db8::1')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWROUTE,
    flags: R | A | C,
    payload: [
      u.rtmsg({ family: u.AF_INET, dst_len: 16, table: 254, protocol: 3, type: 1 }),
      u.nla(u.RTA_DST, u.inet_pton4('10.1.0.0')),
      u.nla(u.RTA_GATEWAY, u.inet_pton4('10.0.0.2')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWROUTE,
    flags: R | A | C,
    payload: [
      u.rtmsg({ family: u.AF_INET, dst_len: 8, table: 254, protocol: 3, scope: 253, type: 1 }),
      u.nla(u.RTA_DST, u.inet_pton4('10.0.0.0')),
      u.nla_u32(u.RTA_OIF, 2),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELROUTE,
    flags: R | A,
    payload: [u.rtmsg({ family: u.AF_INET, dst_len: 16, table: 254 }), u.nla(u.RTA_DST, u.inet_pton4('10.1.0.0'))],
  }),
  ...[u.RTM_GETLINK, u.RTM_GETADDR, u.RTM_GETROUTE, u.RTM_GETNEIGH, u.RTM_GETRULE].flatMap((type) =>
    [0, u.AF_INET, u.AF_INET6].map((f) =>
      u.nlmsg({
        type,
        flags: R | u.NLM_F_DUMP,
        payload:
          type === u.RTM_GETLINK
            ? u.ifinfomsg({ family: f })
            : type === u.RTM_GETADDR
              ? u.ifaddrmsg({ family: f })
              : u.rtmsg({ family: f }),
      }),
    ),
  ),
  u.nlmsg({ type: u.RTM_GETLINK, flags: R, payload: [u.ifinfomsg(), u.nla_string(u.IFLA_IFNAME, 'v0')] }),
  u.nlmsg({ type: u.RTM_NEWRULE, flags: R | A | C, payload: u.rtmsg({ family: u.AF_INET }) }),
  // Tables other than main and local, single-route lookups, IPv6 routes from user space, neighbours.
  u.nlmsg({
    type: u.RTM_NEWROUTE,
    flags: R | A | C,
    payload: [
      u.rtmsg({ family: u.AF_INET, dst_len: 16, table: 100, protocol: 3, scope: 253, type: 1 }),
      u.nla(u.RTA_DST, u.inet_pton4('10.2.0.0')),
      u.nla_u32(u.RTA_OIF, 2),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELROUTE,
    flags: R | A,
    payload: [
      u.rtmsg({ family: u.AF_INET, dst_len: 16, scope: 255 }),
      u.nla(u.RTA_DST, u.inet_pton4('10.2.0.0')),
      u.nla_u32(u.RTA_TABLE, 100),
    ],
  }),
  ...[0, u.RTM_F_FIB_MATCH, u.RTM_F_LOOKUP_TABLE].flatMap((flags) => [
    u.nlmsg({
      type: u.RTM_GETROUTE,
      flags: R,
      payload: [
        u.rtmsg({ family: u.AF_INET, dst_len: 32, flags }),
        u.nla(u.RTA_DST, u.inet_pton4('10.0.0.2')),
        u.nla_u32(u.RTA_OIF, 2),
      ],
    }),
    u.nlmsg({
      type: u.RTM_GETROUTE,
      flags: R,
      payload: [u.rtmsg({ family: u.AF_INET6, dst_len: 128, flags }), u.nla(u.RTA_DST, u.inet_pton6('2001:db8::2'))],
    }),
  ]),
  u.nlmsg({
    type: u.RTM_GETROUTE,
    flags: R,
    payload: [
      u.rtmsg({ family: u.AF_INET, dst_len: 32, src_len: 32 }),
      u.nla(u.RTA_DST, u.inet_pton4('127.0.0.1')),
      u.nla(u.RTA_SRC, u.inet_pton4('10.0.0.1')),
      u.nla_u32(u.RTA_MARK, 7),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWROUTE,
    flags: R | A | C,
    payload: [
      u.rtmsg({ family: u.AF_INET6, dst_len: 48, table: 254, protocol: 3, type: 1 }),
      u.nla(u.RTA_DST, u.inet_pton6('2001:db8:2::')),
      u.nla(u.RTA_GATEWAY, u.inet_pton6('2001:db8::fe')),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWROUTE,
    flags: R | A | u.NLM_F_CREATE | u.NLM_F_REPLACE,
    payload: [
      u.rtmsg({ family: u.AF_INET6, dst_len: 64, protocol: 3, type: 1 }),
      u.nla(u.RTA_DST, u.inet_pton6('2001:db8:1::')),
      u.nla_u32(u.RTA_OIF, 2),
      u.nla_u32(u.RTA_TABLE, 100),
      u.nla_nest(u.RTA_METRICS, [u.nla_u32(u.RTAX_MTU, 1400)]),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELROUTE,
    flags: R | A,
    payload: [u.rtmsg({ family: u.AF_INET6, dst_len: 48, table: 254 }), u.nla(u.RTA_DST, u.inet_pton6('2001:db8:2::'))],
  }),
  u.nlmsg({
    type: u.RTM_GETROUTE,
    flags: R | u.NLM_F_DUMP,
    payload: [u.rtmsg({ family: u.AF_INET6 }), u.nla_u32(u.RTA_TABLE, 100)],
  }),
  u.nlmsg({
    type: u.RTM_NEWNEIGH,
    flags: R | A | C,
    payload: [
      u.ndmsg({ family: u.AF_INET, index: 2, state: u.NUD_PERMANENT }),
      u.nla(u.NDA_DST, u.inet_pton4('10.0.0.2')),
      u.nla(u.NDA_LLADDR, new Uint8Array([2, 0, 0, 0, 0, 2])),
    ],
  }),
  u.nlmsg({
    type: u.RTM_NEWNEIGH,
    flags: R | A | u.NLM_F_CREATE | u.NLM_F_REPLACE,
    payload: [
      u.ndmsg({ family: u.AF_INET6, index: 2, state: u.NUD_REACHABLE, flags: u.NTF_ROUTER }),
      u.nla(u.NDA_DST, u.inet_pton6('2001:db8::2')),
      u.nla(u.NDA_LLADDR, new Uint8Array([2, 0, 0, 0, 0, 3])),
    ],
  }),
  u.nlmsg({
    type: u.RTM_DELNEIGH,
    flags: R | A,
    payload: [u.ndmsg({ family: u.AF_INET, index: 2 }), u.nla(u.NDA_DST, u.inet_pton4('10.0.0.2'))],
  }),
  u.nlmsg({
    type: u.RTM_GETNEIGH,
    flags: R,
    payload: [u.ndmsg({ family: u.AF_INET6, index: 2 }), u.nla(u.NDA_DST, u.inet_pton6('2001:db8::2'))],
  }),
  u.nlmsg({
    type: u.RTM_GETNEIGH,
    flags: R | u.NLM_F_DUMP,
    payload: [u.ndmsg({ family: u.AF_INET }), u.nla_u32(u.NDA_IFINDEX, 2)],
  }),
];

function mutate(r: ReturnType<typeof rng>): Uint8Array {
  let b: Uint8Array = r.pick(seeds).slice();
  const v = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ops = r.int(4);
  for (let i = 0; i < ops; i++) {
    switch (r.int(9)) {
      case 0:
        if (b.length > 16) b[16 + r.int(b.length - 16)] = r.int(256);
        break;
      case 1:
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 2:
        if (b.length >= 4)
          v().setUint32(0, r.pick([0, 15, 16, 17, 20, 24, 28, 32, b.length, b.length + 4, r.next()]), true);
        break;
      case 3:
        if (b.length >= 8)
          v().setUint16(
            6,
            r.pick([
              R,
              R | A,
              R | u.NLM_F_DUMP,
              R | A | C,
              R | A | u.NLM_F_REPLACE,
              R | A | u.NLM_F_ECHO,
              r.next() & 0xffff,
            ]),
            true,
          );
        break;
      case 4:
        b = u.concat(
          b,
          Uint8Array.from({ length: r.int(24) }, () => r.int(256)),
        );
        break;
      case 5:
        if (b.length >= 6) v().setUint16(4, 16 + r.int(112), true);
        break;
      case 6:
        if (b.length >= 24) v().setInt32(20, r.pick([0, 1, 2, 3, 4, 5, -1, 99]), true);
        break; // ifindex of ifinfomsg / ifaddrmsg
      case 7:
        if (b.length >= 20) b[16] = r.pick([0, 2, 7, 10, 128, 255]);
        break; // family
      case 8: {
        // an attribute's type or length
        const off = 16 + (b[5] === 0 && b[4] === 16 ? 16 : 8) + r.int(4) * 4;
        if (off + 4 <= b.length) v().setUint16(off + r.pick([0, 2]), r.next() & 0xffff, true);
        break;
      }
    }
  }
  return u.concat(new Uint8Array(0), b);
}

describe('rtnetlink fuzz', () => {
  it(`survives ${DATAGRAMS} mutated rtnetlink requests and frees every buffer`, async () => {
    const k = await newSimKernel();
    setBackend(k);
    const baseline = k.liveBuffers();
    const stats = { sent: 0, sendErrors: 0, received: 0, notifications: 0, routeAnswers: 0, neighAnswers: 0 };
    const errnos = new Map<number, number>();
    let failure: unknown;
    const r = await k.run(
      async () => {
        try {
          const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
          await u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_EXT_ACK, 1);
          const strict = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
          await u.setsockopt(strict, u.SOL_NETLINK, u.NETLINK_GET_STRICT_CHK, 1);
          const mon = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
          // Bound: an unbound socket has port 0, which every kernel notification excludes.
          await u.bind(mon, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
          for (let g = 1; g <= 39; g++) await u.setsockopt(mon, u.SOL_NETLINK, u.NETLINK_ADD_MEMBERSHIP, g);
          const next = rng(SEED);
          const buf = new Uint8Array(65536);
          for (let i = 0; i < DATAGRAMS; i++) {
            const s = next.int(3) === 0 ? strict : fd;
            try {
              await u.sendto(s, mutate(next), 0, { nl_family: 16, nl_pid: 0, nl_groups: 0 });
              stats.sent++;
            } catch (e) {
              if (!(e instanceof ErrnoError)) throw e;
              stats.sendErrors++;
            }
            for (const q of [fd, strict, mon]) {
              for (;;) {
                try {
                  const { n } = await u.recvfrom(q, buf, u.MSG_DONTWAIT);
                  stats.received++;
                  if (q === mon) stats.notifications++;
                  for (const m of u.parseNlmsgs(buf.subarray(0, n))) {
                    // Answers to single gets (not dumps, not notifications): route lookups and neighbour gets.
                    if (q !== mon && !(m.nlmsg_flags & u.NLM_F_MULTI) && m.nlmsg_type === u.RTM_NEWROUTE)
                      stats.routeAnswers++;
                    if (q !== mon && !(m.nlmsg_flags & u.NLM_F_MULTI) && m.nlmsg_type === u.RTM_NEWNEIGH)
                      stats.neighAnswers++;
                    if (m.nlmsg_type !== u.NLMSG_ERROR || m.payload.length < 4) continue;
                    const e = u.i32(m.payload, 0);
                    errnos.set(e, (errnos.get(e) ?? 0) + 1);
                  }
                } catch (e) {
                  if (!(e instanceof ErrnoError)) throw e;
                  if (e.code === 'EAGAIN') break;
                }
              }
            }
          }
          await u.close(fd);
          await u.close(strict);
          await u.close(mon);
        } catch (e) {
          failure = e;
        }
      },
      { name: 'rtnl-fuzz' },
    );
    setBackend(null);
    if (failure) throw failure;
    expect(r.error).toBeUndefined();
    expect(stats.sent + stats.sendErrors).toBe(DATAGRAMS);
    expect(stats.notifications).toBeGreaterThan(1000);
    for (const e of [0, -19, -22, -17, -95, -2, -3, -101])
      expect(errnos.get(e) ?? 0, `NLMSG_ERROR ${e}`).toBeGreaterThan(0);
    expect(stats.routeAnswers, 'RTM_GETROUTE lookups answered').toBeGreaterThan(0);
    expect(stats.neighAnswers, 'RTM_GETNEIGH gets answered').toBeGreaterThan(0);
    console.log(
      `rtnl fuzz: ${JSON.stringify(stats)}, errors ${JSON.stringify([...errnos].sort((a, b) => a[0] - b[0]))}, live buffers ${k.liveBuffers()} (baseline ${baseline})`,
    );
    expect(k.liveBuffers()).toBe(baseline);
  }, 300_000);
});
