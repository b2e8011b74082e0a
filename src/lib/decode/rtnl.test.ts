import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nlmsg, nla, nla_u32, nla_string, nla_nest } from '../../api/nlmsg.ts';
import {
  ifaddrmsg,
  rtmsg,
  ifinfomsg,
  inet_pton4,
  AF_INET6,
  IFA_LOCAL,
  IFA_ADDRESS,
  RTA_TABLE,
  RTA_DST,
  RTM_NEWADDR,
  RTM_NEWROUTE,
  IFLA_LINKINFO,
  IFLA_INFO_KIND,
} from '../../api/rtnl.ts';
import { AF_INET, NETLINK_ROUTE, RTM_NEWLINK } from '../../api/uapi.ts';
import { decodeDatagram, type Field } from './index.ts';
import { RTNL_NAMES } from './rtnl-names.gen.ts';

const labels = (f: Field): string[] => [f.label, ...(f.children ?? []).flatMap(labels)];

describe('NETLINK_ROUTE names in the Messages panel', () => {
  it('come from the uapi headers: the generated table is what the generator makes now', () => {
    expect(execFileSync('node', ['scripts/gen-rtnl-names.mjs', '--check'], { encoding: 'utf8' })).toMatch(/up to date/);
  });

  it('cover every message type and group of 6.18', () => {
    expect(RTNL_NAMES.RTM[16]).toBe('RTM_NEWLINK');
    expect(RTNL_NAMES.RTM[122]).toBe('RTM_GETTUNNEL');
    expect(
      Object.keys(RTNL_NAMES.RTNLGRP)
        .map(Number)
        .filter((g) => g > 0),
    ).toHaveLength(39);
    expect(RTNL_NAMES.IFLA[26]).toBe('IFLA_AF_SPEC');
    expect(RTNL_NAMES.IFLA[69]).toBe('IFLA_TAILROOM');
  });

  it('decode an address, a route and a link with their headers and attribute names', () => {
    const addr = nlmsg({
      type: RTM_NEWADDR,
      flags: 0x605,
      seq: 1,
      payload: [
        ifaddrmsg({ family: AF_INET, prefixlen: 24, index: 2 }),
        nla(IFA_LOCAL, inet_pton4('10.0.0.1')),
        nla(IFA_ADDRESS, inet_pton4('10.0.0.1')),
      ],
    });
    const [a] = decodeDatagram(addr, { protocol: NETLINK_ROUTE });
    expect(a!.label).toBe('RTM_NEWADDR');
    expect(labels(a!)).toEqual(expect.arrayContaining(['ifaddrmsg', 'ifa_prefixlen', 'IFA_LOCAL', 'IFA_ADDRESS']));
    const route = nlmsg({
      type: RTM_NEWROUTE,
      flags: 0x605,
      seq: 2,
      payload: [
        rtmsg({ family: AF_INET6, dst_len: 64, table: 254 }),
        nla_u32(RTA_TABLE, 254),
        nla(RTA_DST, new Uint8Array(16)),
      ],
    });
    const [r] = decodeDatagram(route, { protocol: NETLINK_ROUTE });
    expect(labels(r!)).toEqual(expect.arrayContaining(['rtmsg', 'rtm_table', 'RTA_TABLE', 'RTA_DST']));
    const table = r!.children!.find((c) => c.label === 'rtmsg')!.children!.find((c) => c.label === 'rtm_table')!;
    expect(table.value).toBe('RT_TABLE_MAIN (254)');
    const link = nlmsg({
      type: RTM_NEWLINK,
      flags: 0x605,
      seq: 3,
      payload: [ifinfomsg(), nla_string(3, 'v0'), nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'veth')])],
    });
    const [l] = decodeDatagram(link, { protocol: NETLINK_ROUTE });
    expect(labels(l!)).toEqual(expect.arrayContaining(['IFLA_IFNAME', 'IFLA_LINKINFO', 'IFLA_INFO_KIND']));
  });
});
