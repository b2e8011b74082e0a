import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nlmsg, nla_nest, nla_string, nla_u32, nla_u16, genlmsghdr } from '../../api/nlmsg.ts';
import { ifinfomsg, IFLA_LINKINFO, IFLA_INFO_KIND } from '../../api/rtnl.ts';
import { CTRL_ATTR_FAMILY_ID, CTRL_ATTR_POLICY, CTRL_CMD_GETPOLICY, GENL_ID_CTRL, NETLINK_GENERIC, NETLINK_ROUTE, RTM_NEWLINK } from '../../api/uapi.ts';
import { decodeDatagram, genlFamilySpec, type Field } from './index.ts';
import { YNL } from './ynl.ts';

const child = (f: Field, label: string) => {
  const c = f.children?.find((x) => x.label === label);
  if (!c) throw new Error(`${f.label} has no child ${label}: ${f.children?.map((x) => x.label).join(', ')}`);
  return c;
};

describe('the YNL specs', () => {
  it('are what scripts/gen-specs.mjs compiles from content/specs now', () => {
    expect(execFileSync('node', ['scripts/gen-specs.mjs', '--check'], { encoding: 'utf8' })).toMatch(/up to date \(11 specs\)/);
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
      'request 3 CTRL_CMD_GETFAMILY', 'reply 1 CTRL_CMD_NEWFAMILY', 'request 10 CTRL_CMD_GETPOLICY', 'reply 10 CTRL_CMD_GETPOLICY',
    ]);
    expect(ctrl.sets['policy-attrs']![1]!.values![12]).toBe('NL_ATTR_TYPE_NUL_STRING');
    expect(genlFamilySpec(0x20, 'NLLAB_KV').cmds).toEqual({ 1: 'NLLAB_KV_C_SET', 2: 'NLLAB_KV_C_GET', 3: 'NLLAB_KV_C_DEL', 4: 'NLLAB_KV_C_NEWENTRY', 5: 'NLLAB_KV_C_DELENTRY' });
  });

  it('decode a link with its flags by name and IFLA_INFO_DATA by the kind that selects it', () => {
    const IFF_UP = 1; const IFF_RUNNING = 0x40;
    const msg = nlmsg({ type: RTM_NEWLINK, flags: 0, seq: 0, payload: [ifinfomsg({ index: 3, flags: IFF_UP | IFF_RUNNING }), nla_string(3, 'br0'),
      nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'bridge'), nla_nest(2, [nla_u32(1, 1500), nla_u16(6, 0x8000)])])] });
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
    const msg = nlmsg({ type: GENL_ID_CTRL, flags: 2, seq: 1, payload: [genlmsghdr(CTRL_CMD_GETPOLICY, 1), nla_u16(CTRL_ATTR_FAMILY_ID, 0x20),
      nla_nest(CTRL_ATTR_POLICY, [nla_nest(0, [nla_nest(1, [nla_u32(1, 12), nla_u32(7, 15)])])])] });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, sender: 'kernel' });
    const p0 = child(child(child(m!, 'CTRL_ATTR_POLICY'), 'payload'), '[0]');
    const a1 = child(child(p0, 'payload'), '[1]');
    expect(child(child(a1, 'payload'), 'NL_POLICY_TYPE_ATTR_TYPE').value).toBe('NL_ATTR_TYPE_NUL_STRING (12)');
    expect(child(child(a1, 'payload'), 'NL_POLICY_TYPE_ATTR_MAX_LENGTH').value).toBe('15 (0xf)');
  });
});
