import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nlmsg, nla_nest, nla_string, nla_u32, nla_u16, genlmsghdr } from '../../api/nlmsg.ts';
import { ifinfomsg, IFLA_LINKINFO, IFLA_INFO_KIND } from '../../api/rtnl.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_POLICY,
  CTRL_CMD_GETPOLICY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  RTM_NEWLINK,
} from '../../api/uapi.ts';
import { decodeDatagram, genlFamilySpec, resolveFamilies, type Field } from './index.ts';
import { YNL } from './ynl.ts';
import compiled from './specs.gen.json';

const child = (f: Field, label: string) => {
  const c = f.children?.find((x) => x.label === label);
  if (!c) throw new Error(`${f.label} has no child ${label}: ${f.children?.map((x) => x.label).join(', ')}`);
  return c;
};

describe('the YNL specs', () => {
  it('are what scripts/gen-specs.mjs compiles from content/specs now', () => {
    expect(execFileSync('node', ['scripts/gen-specs.mjs', '--check'], { encoding: 'utf8' })).toMatch(
      /up to date \(12 specs\)/,
    );
  });

  it('number attributes, enums and flags as YNL does', () => {
    const link = YNL.get('rt-link')!;
    expect(link.sets['link-attrs']![3]!.name).toBe('IFLA_IFNAME');
    expect(link.sets['link-attrs']![26]!.name).toBe('IFLA_AF_SPEC');
    expect(link.sets['link-attrs']![69]).toMatchObject({ name: 'IFLA_TAILROOM', type: 'u16' });
    // subset-of takes the parent's numbers: alt-ifname is 53 in link-attrs.
    expect(link.sets['prop-list-link-attrs']![53]!.name).toBe('IFLA_ALT_IFNAME');
    expect(link.sets['af-spec-attrs']![10]!.name).toBe('AF_INET6');
    const ctrl = YNL.get('nlctrl')!;
    expect(ctrl.ops.map((o) => `${o.dir} ${o.value} ${o.name}`)).toEqual([
      'request 3 CTRL_CMD_GETFAMILY',
      'reply 1 CTRL_CMD_NEWFAMILY',
      'request 10 CTRL_CMD_GETPOLICY',
      'reply 10 CTRL_CMD_GETPOLICY',
    ]);
    expect(ctrl.sets['policy-attrs']![1]!.values![12]).toBe('NL_ATTR_TYPE_NUL_STRING');
    // Enums and flags of an existing header (`header:`, or an empty enum-name) by its C names, not
    // the spec's entries with a prefix: IFF_NOARP, not IFF_NO_ARP; NUD_*, NTF_*, GENL_*.
    const names = (family: string, e: string) =>
      (compiled.families.find((f) => f.name === family)!.enums as Record<string, { entries: Record<string, string> }>)[
        e
      ]!;
    expect(Object.values(names('rt-link', 'ifinfo-flags').entries)).toEqual(
      expect.arrayContaining(['IFF_POINTOPOINT', 'IFF_NOTRAILERS', 'IFF_NOARP', 'IFF_ALLMULTI', 'IFF_AUTOMEDIA']),
    );
    expect(names('rt-neigh', 'nud-state').entries[0x80]).toBe('NUD_PERMANENT');
    expect(names('rt-neigh', 'ntf-flags').entries[0x80]).toBe('NTF_ROUTER');
    expect(names('rt-neigh', 'rtm-type').entries[2]).toBe('RTN_LOCAL');
    expect(names('nlctrl', 'op-flags').entries[2]).toBe('GENL_CMD_CAP_DO');
    expect(names('rt-rule', 'fr-act').entries[1]).toBe('FR_ACT_TO_TBL');
    expect(genlFamilySpec(0x20, 'NLLAB_KV').cmds).toEqual({
      1: 'NLLAB_KV_C_SET',
      2: 'NLLAB_KV_C_GET',
      3: 'NLLAB_KV_C_DEL',
      4: 'NLLAB_KV_C_NEWENTRY',
      5: 'NLLAB_KV_C_DELENTRY',
    });
  });

  it('decode a link with its flags by name and IFLA_INFO_DATA by the kind that selects it', () => {
    const IFF_UP = 1;
    const IFF_RUNNING = 0x40;
    const msg = nlmsg({
      type: RTM_NEWLINK,
      flags: 0,
      seq: 0,
      payload: [
        ifinfomsg({ index: 3, flags: IFF_UP | IFF_RUNNING }),
        nla_string(3, 'br0'),
        nla_nest(IFLA_LINKINFO, [
          nla_string(IFLA_INFO_KIND, 'bridge'),
          nla_nest(2, [nla_u32(1, 1500), nla_u16(6, 0x8000)]),
        ]),
      ],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_ROUTE, sender: 'kernel' });
    expect(m!.value).toBe('RTM_NEWLINK "br0"');
    expect(child(child(m!, 'ifinfomsg'), 'ifi_flags').value).toBe('IFF_UP|IFF_RUNNING (0x41)');
    const data = child(child(child(m!, 'IFLA_LINKINFO'), 'payload'), 'IFLA_INFO_DATA');
    const payload = child(data, 'payload');
    expect(payload.note).toMatch(/kind "bridge"/);
    expect(child(payload, 'IFLA_BR_FORWARD_DELAY').value).toBe('1500 (0x5dc)');
    expect(child(payload, 'IFLA_BR_PRIORITY').value).toBe('32768 (0x8000)');
  });

  it('decode a GETPOLICY reply: CTRL_ATTR_POLICY as policy id → attribute id → policy attributes', () => {
    const msg = nlmsg({
      type: GENL_ID_CTRL,
      flags: 2,
      seq: 1,
      payload: [
        genlmsghdr(CTRL_CMD_GETPOLICY, 1),
        nla_u16(CTRL_ATTR_FAMILY_ID, 0x20),
        nla_nest(CTRL_ATTR_POLICY, [nla_nest(0, [nla_nest(1, [nla_u32(1, 12), nla_u32(7, 15)])])]),
      ],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, sender: 'kernel' });
    const p0 = child(child(child(m!, 'CTRL_ATTR_POLICY'), 'payload'), '[0]');
    const a1 = child(child(p0, 'payload'), '[1]');
    expect(child(child(a1, 'payload'), 'NL_POLICY_TYPE_ATTR_TYPE').value).toBe('NL_ATTR_TYPE_NUL_STRING (12)');
    expect(child(child(a1, 'payload'), 'NL_POLICY_TYPE_ATTR_MAX_LENGTH').value).toBe('15 (0xf)');
  });
});

describe('families resolved live from nlctrl replies', () => {
  const newfamily = (id: number, name: string) =>
    nlmsg({
      type: GENL_ID_CTRL,
      flags: 0,
      seq: 1,
      payload: [genlmsghdr(1, 2), nla_string(2, name), nla_u16(CTRL_ATTR_FAMILY_ID, id)],
    });
  // GETPOLICY reply: policy 0, attribute 1 NL_ATTR_TYPE_NUL_STRING (12), attribute 2 NL_ATTR_TYPE_U32 (4).
  const policy = (id: number) =>
    nlmsg({
      type: GENL_ID_CTRL,
      flags: 2,
      seq: 2,
      payload: [
        genlmsghdr(CTRL_CMD_GETPOLICY, 1),
        nla_u16(CTRL_ATTR_FAMILY_ID, id),
        nla_nest(CTRL_ATTR_POLICY, [nla_nest(0, [nla_nest(1, [nla_u32(1, 12)]), nla_nest(2, [nla_u32(1, 4)])])]),
      ],
    });

  it('type a family without a spec from its policy dump', () => {
    const fams = resolveFamilies([
      { data: newfamily(0x30, 'mystery'), protocol: NETLINK_GENERIC },
      { data: policy(0x30), protocol: NETLINK_GENERIC },
    ]);
    expect(fams).toHaveLength(1);
    expect(fams[0]).toMatchObject({ id: 0x30, name: 'mystery', source: 'policy' });
    const msg = nlmsg({
      type: 0x30,
      flags: 1,
      seq: 3,
      payload: [genlmsghdr(1, 1), nla_string(1, 'abcd'), nla_u32(2, 7)],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, families: fams });
    expect(m!.label).toBe('mystery');
    const a1 = child(m!, 'attribute 1');
    expect(a1.value).toBe('"abcd"');
    expect(child(a1, 'payload').note).toMatch(/type from the kernel's policy: NL_ATTR_TYPE_NUL_STRING/);
    expect(child(m!, 'attribute 2').value).toBe('7');
  });

  it('cross-check a spec against the policy: agreeing types pass, a disagreement is noted', () => {
    // NLLAB_GREET's spec: 1 name (string), 2 text (string) — the policy above says 2 is a u32.
    const [greet] = resolveFamilies([{ data: newfamily(0x31, 'NLLAB_GREET') }, { data: policy(0x31) }]);
    expect(greet!.source).toBe('spec');
    expect(greet!.policyMismatch).toEqual({ 2: 'spec string, policy u32' });
    const msg = nlmsg({
      type: 0x31,
      flags: 1,
      seq: 3,
      payload: [genlmsghdr(1, 1), nla_string(1, 'Ada'), nla_u32(2, 7)],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, families: [greet!] });
    expect(child(m!, 'NLLAB_GREET_A_NAME').value).toBe('"Ada"');
    expect(child(child(m!, 'NLLAB_GREET_A_TEXT'), 'payload').note).toMatch(
      /the spec says string, the kernel's policy says u32/,
    );
  });
});
