import { describe, expect, it } from 'vitest';
import {
  NLMSG_ALIGN,
  NLMSG_LENGTH,
  NLMSG_SPACE,
  NLMSG_OK,
  NLMSG_NEXT,
  NLMSG_DATA,
  nlmsg,
  parseNlmsgs,
  nla,
  nla_u16,
  nla_u32,
  nla_string,
  nla_nest,
  parseAttrs,
  attrMap,
  parseNlmsgerr,
  genlmsghdr,
  parseGenl,
  hex,
  cstring,
  concat,
} from './nlmsg.ts';
import {
  NLM_F_REQUEST,
  NLM_F_ACK,
  NLMSG_ERROR,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  NLA_F_NESTED,
} from './uapi.ts';

describe('NLMSG macros', () => {
  it('align, length and space as linux/netlink.h defines them', () => {
    expect([0, 1, 3, 4, 5, 8].map(NLMSG_ALIGN)).toEqual([0, 4, 4, 4, 8, 8]);
    expect(NLMSG_LENGTH(5)).toBe(21);
    expect(NLMSG_SPACE(5)).toBe(24);
  });

  it('walks a datagram with NLMSG_OK / NLMSG_NEXT and stops at a bad length', () => {
    const two = concat(nlmsg({ type: 0x10, payload: new Uint8Array(5) }), nlmsg({ type: 0x11 }));
    let off = 0;
    const types: number[] = [];
    while (NLMSG_OK(two, off, two.length - off)) {
      types.push(two[off + 4]);
      off = NLMSG_NEXT(two, off);
    }
    expect(types).toEqual([0x10, 0x11]);
    expect(NLMSG_DATA(two, 0).length).toBe(5);
    const bad = nlmsg({ type: 0x10, len: 200 });
    expect(parseNlmsgs(bad)).toEqual([]);
  });
});

describe('nlmsg()', () => {
  it('builds the GETFAMILY "nlctrl" request byte for byte as the reference records it', () => {
    const req = nlmsg({
      type: GENL_ID_CTRL,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 1,
      payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
    });
    expect(hex(req)).toBe(
      '20000000' + '1000' + '0500' + '01000000' + '00000000' + '03010000' + '0b000200' + '6e6c6374726c0000',
    );
    const [m] = parseNlmsgs(req);
    expect(m).toMatchObject({ nlmsg_len: 32, nlmsg_type: 0x10, nlmsg_flags: 5, nlmsg_seq: 1, nlmsg_pid: 0 });
    const g = parseGenl(m.payload);
    expect(g.cmd).toBe(CTRL_CMD_GETFAMILY);
    expect(cstring(g.attrs[0].payload)).toBe('nlctrl');
  });
});

describe('attributes', () => {
  it('pads to 4 bytes but records the unpadded length', () => {
    const a = nla_u16(1, 0x1234);
    expect(hex(a)).toBe('0600010034120000');
  });

  it('parses nests and strips the NLA_F_ bits from the type', () => {
    const n = nla_nest(7, [nla_u32(1, 5), nla_string(2, 'x')], true);
    const [outer] = parseAttrs(n);
    expect(outer.type).toBe(7);
    expect(outer.nested).toBe(true);
    const inner = attrMap(outer.payload);
    expect(new DataView(inner.get(1)!.payload.buffer, inner.get(1)!.payload.byteOffset).getUint32(0, true)).toBe(5);
    expect(cstring(inner.get(2)!.payload)).toBe('x');
    expect(NLA_F_NESTED).toBe(0x8000);
  });

  it('stops at an attribute whose length runs past the buffer', () => {
    const bad = nla(1, new Uint8Array(4));
    bad[0] = 40;
    expect(parseAttrs(bad)).toEqual([]);
  });
});

describe('parseNlmsgerr', () => {
  it('decodes an error with the echoed request and an ACK without payload', () => {
    const req = nlmsg({ type: 0x10, flags: 5, seq: 9, payload: new Uint8Array([1, 2, 3, 4]) });
    const err = new Uint8Array(4 + req.length);
    new DataView(err.buffer).setInt32(0, -2, true);
    err.set(req, 4);
    const e = parseNlmsgerr(parseNlmsgs(nlmsg({ type: NLMSG_ERROR, payload: err }))[0])!;
    expect(e.error).toBe(-2);
    expect(e.msg.nlmsg_seq).toBe(9);
    expect(Array.from(e.payload)).toEqual([1, 2, 3, 4]);
    const ack = new Uint8Array(20);
    ack.set(req.subarray(0, 16), 4);
    const a = parseNlmsgerr(parseNlmsgs(nlmsg({ type: NLMSG_ERROR, flags: 0x100, payload: ack }))[0])!;
    expect(a.error).toBe(0);
    expect(a.payload.length).toBe(0);
  });
});
