import { describe, expect, it } from 'vitest';
import { nlmsg, nla, nla_string, nla_u16, nla_u32, nla_nest, genlmsghdr, concat } from '../../api/nlmsg.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OPS,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NETLINK_TEST,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  RTM_GETLINK,
} from '../../api/uapi.ts';
import { decodeDatagram, fieldsAt, genlFamilySpec, walk, type Field } from './index.ts';

const fromHex = (h: string) =>
  new Uint8Array(
    h
      .replace(/[^0-9a-f]/g, '')
      .match(/../g)!
      .map((x) => parseInt(x, 16)),
  );
const child = (f: Field, label: string) => {
  const c = f.children?.find((x) => x.label === label);
  if (!c) throw new Error(`${f.label} has no child ${label}: ${f.children?.map((x) => x.label).join(', ')}`);
  return c;
};
const s32 = (v: number) => new Uint8Array(new Int32Array([v]).buffer);

// The request of the reference notes: GETFAMILY "nlctrl" with REQUEST|ACK, seq 1.
const GETFAMILY = fromHex('20000000 1000 0500 01000000 00000000 03 01 0000 0b00 0200 6e6c6374726c00 00');

describe('decodeDatagram', () => {
  it('names every field of a GETFAMILY request and covers each byte exactly once', () => {
    const [m, ...rest] = decodeDatagram(GETFAMILY, { protocol: NETLINK_GENERIC });
    expect(rest).toEqual([]);
    expect(m!.label).toBe('nlctrl');
    expect(m!.value).toBe('CTRL_CMD_GETFAMILY');
    expect([m!.start, m!.end]).toEqual([0, 32]);
    const hdr = child(m!, 'nlmsghdr');
    expect(child(hdr, 'nlmsg_len').value).toBe('32');
    expect(child(hdr, 'nlmsg_type').value).toBe('nlctrl (16)');
    expect(child(hdr, 'nlmsg_flags').value).toBe('REQUEST|ACK (0x5)');
    expect(child(hdr, 'nlmsg_seq').value).toBe('1');
    const genl = child(m!, 'genlmsghdr');
    expect(child(genl, 'cmd').value).toBe('CTRL_CMD_GETFAMILY (3)');
    expect(child(genl, 'version').value).toBe('1');
    const name = child(m!, 'CTRL_ATTR_FAMILY_NAME');
    expect(name.value).toBe('"nlctrl"');
    expect([name.start, name.end]).toEqual([20, 32]);
    expect(child(name, 'nla_len').value).toBe('11');
    const pad = child(name, 'padding');
    expect([pad.start, pad.end]).toEqual([31, 32]);
    expect(pad.note).toMatch(/1 byte to align the attribute/);

    // Leaves tile the datagram: every byte belongs to exactly one leaf.
    const owner = new Array<number>(GETFAMILY.length).fill(0);
    for (const { field: f } of walk([m!])) if (!f.children) for (let i = f.start; i < f.end; i++) owner[i]! += 1;
    expect(owner).toEqual(new Array(GETFAMILY.length).fill(1));
  });

  it('finds the fields under a byte, from message to leaf', () => {
    const tree = decodeDatagram(GETFAMILY, { protocol: NETLINK_GENERIC });
    expect(fieldsAt(tree, 6).map((f) => f.label)).toEqual(['nlctrl', 'nlmsghdr', 'nlmsg_flags']);
    expect(fieldsAt(tree, 25).map((f) => f.label)).toEqual(['nlctrl', 'CTRL_ATTR_FAMILY_NAME', 'payload']);
    expect(fieldsAt(tree, 99)).toEqual([]);
  });

  it('decodes nests and arrays of nests in a NEWFAMILY reply', () => {
    const reply = nlmsg({
      type: GENL_ID_CTRL,
      seq: 1,
      pid: 1234,
      payload: [
        genlmsghdr(CTRL_CMD_NEWFAMILY, 2),
        nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl'),
        nla_u16(CTRL_ATTR_FAMILY_ID, 0x10),
        nla_nest(CTRL_ATTR_OPS, [
          nla_nest(1, [nla_u32(CTRL_ATTR_OP_ID, 3), nla_u32(CTRL_ATTR_OP_FLAGS, 0x0e)]),
          nla_nest(2, [nla_u32(CTRL_ATTR_OP_ID, 10), nla_u32(CTRL_ATTR_OP_FLAGS, 0x0c)]),
        ]),
        nla_nest(CTRL_ATTR_MCAST_GROUPS, [
          nla_nest(1, [nla_u32(CTRL_ATTR_MCAST_GRP_ID, 0x10), nla_string(CTRL_ATTR_MCAST_GRP_NAME, 'notify')]),
        ]),
      ],
    });
    // The kernel's own list names nlctrl too; the built-in names still apply.
    const [m] = decodeDatagram(reply, { protocol: NETLINK_GENERIC, families: [{ id: 0x10, name: 'nlctrl' }] });
    expect(m!.value).toBe('CTRL_CMD_NEWFAMILY');
    expect(child(m!, 'CTRL_ATTR_FAMILY_ID').value).toBe('16 (0x10)');
    const ops = child(m!, 'CTRL_ATTR_OPS');
    expect(ops.value).toBe('array of 2 nests');
    const second = child(child(ops, 'payload'), '[2]');
    expect(child(child(second, 'payload'), 'CTRL_ATTR_OP_ID').value).toBe('10 (0xa)');
    expect(child(child(second, 'payload'), 'CTRL_ATTR_OP_FLAGS').value).toBe(
      'GENL_CMD_CAP_DUMP|GENL_CMD_CAP_HASPOL (0xc)',
    );
    const grp = child(child(child(m!, 'CTRL_ATTR_MCAST_GROUPS'), 'payload'), '[1]');
    expect(child(child(grp, 'payload'), 'CTRL_ATTR_MCAST_GRP_NAME').value).toBe('"notify"');
  });

  it('decodes an ACK: error 0, the echoed header, CAPPED', () => {
    const ack = nlmsg({
      type: NLMSG_ERROR,
      flags: NLM_F_CAPPED,
      seq: 1,
      pid: 1234,
      payload: [s32(0), GETFAMILY.subarray(0, 16)],
    });
    expect(ack.length).toBe(36);
    const [m] = decodeDatagram(ack, { protocol: NETLINK_GENERIC });
    expect(m!.label).toBe('NLMSG_ERROR (ACK)');
    expect(m!.value).toBe('ACK for nlctrl seq 1');
    expect(child(child(m!, 'nlmsghdr'), 'nlmsg_flags').value).toBe('CAPPED (0x100)');
    expect(child(m!, 'error').value).toBe('0 (success)');
    const echoed = child(m!, "msg (the request's nlmsghdr)");
    expect(child(echoed, 'nlmsg_len').value).toBe('32');
    expect(child(echoed, 'nlmsg_flags').value).toBe('REQUEST|ACK (0x5)');
  });

  it('decodes an error that echoes the request and carries extended-ACK TLVs', () => {
    const offs = 20;
    const err = nlmsg({
      type: NLMSG_ERROR,
      flags: NLM_F_ACK_TLVS,
      seq: 1,
      payload: [
        s32(-22),
        GETFAMILY,
        nla_string(NLMSGERR_ATTR_MSG, 'Attribute failed policy validation'),
        nla_u32(NLMSGERR_ATTR_OFFS, offs),
        nla_nest(NLMSGERR_ATTR_POLICY, [nla_u32(1, 12), nla_u32(7, 15)], true),
      ],
    });
    const [m] = decodeDatagram(err, { protocol: NETLINK_GENERIC });
    expect(m!.value).toBe('-22 (EINVAL) for nlctrl seq 1: "Attribute failed policy validation"');
    expect(child(m!, 'error').value).toBe('-22 (EINVAL)');
    const echoed = child(m!, "the request's payload");
    expect(child(echoed, 'CTRL_ATTR_FAMILY_NAME').value).toBe('"nlctrl"');
    expect(child(m!, 'NLMSGERR_ATTR_OFFS').value).toBe('20 (0x14)');
    const policy = child(m!, 'NLMSGERR_ATTR_POLICY');
    expect(child(policy, 'nla_type').value).toBe('NLA_F_NESTED|NLMSGERR_ATTR_POLICY (4)');
    const inner = child(policy, 'payload');
    expect(child(inner, 'NL_POLICY_TYPE_ATTR_TYPE').value).toBe('NL_ATTR_TYPE_NUL_STRING (12)');
    expect(child(inner, 'NL_POLICY_TYPE_ATTR_MAX_LENGTH').value).toBe('15 (0xf)');
  });

  it('decodes a dump: MULTI messages and DONE with its error', () => {
    const req = nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 7, payload: new Uint8Array(16) });
    const [r] = decodeDatagram(req, { protocol: NETLINK_ROUTE });
    expect(r!.label).toBe('RTM_GETLINK');
    expect(child(child(r!, 'nlmsghdr'), 'nlmsg_flags').value).toBe('REQUEST|DUMP (0x301)');
    expect(child(child(r!, 'ifinfomsg'), 'ifi_index').value).toBe('0');
    const done = nlmsg({ type: NLMSG_DONE, flags: NLM_F_MULTI, seq: 7, payload: s32(0) });
    const [d] = decodeDatagram(done, { protocol: NETLINK_ROUTE });
    expect(d!.label).toBe('NLMSG_DONE');
    expect(d!.value).toBe('end of dump');
    expect(child(child(d!, 'nlmsghdr'), 'nlmsg_flags').value).toBe('MULTI (0x2)');
  });

  it('shows a raw protocol payload as text, with the message padding marked', () => {
    const hello = nlmsg({ type: 0x10, pid: 100, payload: new TextEncoder().encode('Hello you!\0') });
    expect(hello.length).toBe(28);
    const [m] = decodeDatagram(hello, { protocol: NETLINK_TEST });
    expect(m!.label).toBe('16 (0x10)');
    expect(child(m!, 'payload').value).toBe('"Hello you!"');
    const pad = child(m!, 'padding');
    expect([pad.start, pad.end]).toEqual([27, 28]);
    expect(pad.note).toMatch(/align the message/);
  });

  it('walks several messages and marks what the kernel would not read', () => {
    const two = concat(nlmsg({ type: 0x10, seq: 1 }), nlmsg({ type: 0x10, seq: 2 }), new Uint8Array([1, 2, 3]));
    const fields = decodeDatagram(two, { protocol: NETLINK_TEST });
    expect(fields.map((f) => f.kind)).toEqual(['message', 'message', 'trailing']);
    expect(fields[2]!.note).toMatch(/fewer than a 16-byte nlmsghdr/);

    const liar = nlmsg({ type: 0x10, len: 200 });
    const [bad] = decodeDatagram(liar, { protocol: NETLINK_TEST });
    expect(bad!.kind).toBe('trailing');
    expect(bad!.note).toMatch(/nlmsg_len 200 is more than the 16 bytes left/);
    expect(child(child(bad!, 'nlmsghdr'), 'nlmsg_len').value).toBe('200');
  });

  it('stops at a malformed attribute and flags non-zero padding', () => {
    const bad = nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST,
      payload: [genlmsghdr(CTRL_CMD_GETFAMILY), fromHex('3000 0200 6162 0000')],
    });
    const [m] = decodeDatagram(bad, { protocol: NETLINK_GENERIC });
    const tail = child(m!, 'malformed attribute');
    expect(tail.note).toMatch(/nla_len 48 is longer than the 8 bytes left/);

    const dirty = nla(1, fromHex('61'));
    dirty[5] = 0xff;
    const [d] = decodeDatagram(nlmsg({ type: 0x20, payload: [genlmsghdr(1), dirty] }), {
      protocol: NETLINK_GENERIC,
      families: [{ id: 0x20, name: 'DOC_EXMPL' }],
    });
    expect(d!.label).toBe('DOC_EXMPL');
    expect(child(child(d!, 'attribute 1'), 'padding').note).toMatch(/not zero/);
  });

  it('uses the families it is given, with their command and attribute names', () => {
    const fam = {
      id: 0x1c,
      name: 'DOC_EXMPL',
      cmds: { 1: 'DOC_EXMPL_C_ECHO' },
      attrs: { 1: { name: 'DOC_EXMPL_A_MSG', type: 'string' as const } },
    };
    const msg = nlmsg({ type: 0x1c, flags: NLM_F_REQUEST | NLM_F_ACK, payload: [genlmsghdr(1), nla_string(1, 'hi')] });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, families: [fam] });
    expect(m!.value).toBe('DOC_EXMPL_C_ECHO');
    expect(child(m!, 'DOC_EXMPL_A_MSG').value).toBe('"hi"');
    // The same bytes on an unknown family id are still walked, with numbers for names.
    const [u] = decodeDatagram(msg, { protocol: NETLINK_GENERIC });
    expect(u!.label).toBe('family 28 (0x1c)');
    expect(child(child(u!, 'genlmsghdr'), 'cmd').value).toBe('1');
    expect(child(u!, 'attribute 1').value).toBe('"hi"');
  });

  it("names the course's own families by the name the kernel reports, whatever id they got", () => {
    // NLLAB_KV SET { ENTRY { KEY "k", VALUE 7 } } on the id this kernel happened to give it.
    const msg = nlmsg({
      type: 0x22,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      payload: [genlmsghdr(1), nla_nest(1, [nla_string(1, 'k'), nla_u32(2, 7)])],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, families: [genlFamilySpec(0x22, 'NLLAB_KV')] });
    expect(m!.label).toBe('NLLAB_KV');
    expect(m!.value).toBe('NLLAB_KV_C_SET');
    const entry = child(m!, 'NLLAB_KV_A_ENTRY');
    expect(child(child(entry, 'payload'), 'NLLAB_KV_E_KEY').value).toBe('"k"');
    expect(child(child(entry, 'payload'), 'NLLAB_KV_E_VALUE').value).toBe('7');
    // A family the course does not define keeps numbers.
    expect(genlFamilySpec(0x23, 'devlink')).toEqual({ id: 0x23, name: 'devlink' });
  });

  it("names the part 4 lessons' families too: NLLAB_CONF SET with a flag and a u8 inside its options nest", () => {
    const msg = nlmsg({
      type: 0x19,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      payload: [genlmsghdr(1), nla_u32(2, 1500), nla_nest(3, [nla(1), nla(2, new Uint8Array([3]))], true)],
    });
    const [m] = decodeDatagram(msg, { protocol: NETLINK_GENERIC, families: [genlFamilySpec(0x19, 'NLLAB_CONF')] });
    expect(m!.value).toBe('NLLAB_CONF_C_SET');
    expect(child(m!, 'NLLAB_CONF_A_MTU').value).toBe('1500 (0x5dc)');
    const opts = child(child(m!, 'NLLAB_CONF_A_OPTS'), 'payload');
    expect(child(opts, 'NLLAB_CONF_OPT_VERBOSE').value).toBe('set');
    expect(child(opts, 'NLLAB_CONF_OPT_LEVEL').value).toBe('3');
  });
});
