import { describe, expect, it } from 'vitest';
import { nla_string, nla_u32, nla_nest, nlmsg, concat } from '../../api/nlmsg.ts';
import { genlmsg } from '../../api/genl.ts';
import {
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  NETLINK_USERSOCK,
} from '../../api/uapi.ts';
import { ifinfomsg, IFLA_IFNAME, IFLA_LINKINFO, IFLA_INFO_KIND } from '../../api/rtnl.ts';
import { RTM_NEWLINK } from '../../api/uapi.ts';
import {
  addAttr,
  attr,
  attrAt,
  encodeDatagram,
  encodeWithSpans,
  formatHex,
  issues,
  parseDatagram,
  parseHexText,
  removeAttr,
  setType,
  structFor,
  toHex,
  updateAttr,
  updateMessage,
} from './model.ts';
import { editFields, editHex, fromDatagram, problems } from './state.ts';
import { TEMPLATES } from './templates.ts';
import { exportProgram } from './export.ts';
import { STRUCTS } from './structs.ts';

const getfamily = () =>
  genlmsg({
    family: GENL_ID_CTRL,
    cmd: CTRL_CMD_GETFAMILY,
    version: 2,
    flags: NLM_F_REQUEST | NLM_F_ACK,
    seq: 1,
    attrs: [nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
  });

describe('reading bytes into fields', () => {
  it('reads genlmsghdr and attributes, lengths automatic', () => {
    const d = parseDatagram(getfamily(), NETLINK_GENERIC);
    const m = d.messages[0]!;
    expect(m).toMatchObject({
      len: 'auto',
      type: GENL_ID_CTRL,
      flags: 5,
      seq: 1,
      header: { struct: 'genlmsghdr', values: [3, 2, 0], pad: 'auto' },
    });
    expect(m.attrs!.items).toEqual([
      { len: 'auto', type: 2, value: toHex(new TextEncoder().encode('nlctrl\0')), nest: null, pad: 'auto' },
    ]);
  });

  it('reads nests where the decoder sees them (IFLA_LINKINFO)', () => {
    const b = nlmsg({
      type: RTM_NEWLINK,
      flags: 5,
      payload: [
        ifinfomsg(),
        nla_string(IFLA_IFNAME, 'x'),
        nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'veth')]),
      ],
    });
    const d = parseDatagram(b, NETLINK_ROUTE);
    expect(d.messages[0]!.header!.struct).toBe('ifinfomsg');
    expect(attrAt(d, { m: 0, a: [1] })!.nest!.items[0]!.type).toBe(IFLA_INFO_KIND);
    expect(toHex(encodeDatagram(d))).toBe(toHex(b));
  });

  it('keeps a malformed message as it is: the pinned length and the bytes after it', () => {
    const b = getfamily();
    b[0] = 200; // nlmsg_len past the end
    const d = parseDatagram(b, NETLINK_GENERIC);
    expect(d.messages[0]!.len).toBe(200);
    expect(toHex(encodeDatagram(d))).toBe(toHex(b));
    expect(issues(d)[0]!.message).toMatch(
      /nlmsg_len says 200 but the message has 32 bytes \(more than the 32 bytes left/,
    );
  });

  it('keeps an attribute whose nla_len is wrong as stray bytes, marked', () => {
    const b = getfamily();
    b[20] = 99; // nla_len of CTRL_ATTR_FAMILY_NAME
    const d = parseDatagram(b, NETLINK_GENERIC);
    expect(d.messages[0]!.attrs!.items).toEqual([]);
    expect(d.messages[0]!.attrs!.tail).toBe(toHex(b.subarray(20)));
    expect(toHex(encodeDatagram(d))).toBe(toHex(b));
    expect(issues(d).map((i) => i.path)).toEqual(['m0.tail']);
  });

  it('reads several messages and a short tail', () => {
    const b = concat(getfamily(), nlmsg({ type: 16, payload: new Uint8Array([1, 2, 3]) }), new Uint8Array([9, 9]));
    const d = parseDatagram(b, NETLINK_USERSOCK);
    expect(d.messages).toHaveLength(2);
    expect(d.messages[1]!.raw).toBe('010203');
    expect(d.tail).toBe('0909');
    expect(toHex(encodeDatagram(d))).toBe(toHex(b));
  });
});

describe('editing fields', () => {
  it('keeps lengths right when a value grows', () => {
    const d0 = parseDatagram(getfamily(), NETLINK_GENERIC);
    const d1 = updateAttr(d0, { m: 0, a: [0] }, (a) => ({
      ...a,
      value: toHex(new TextEncoder().encode('NLLAB_KV\0')),
    }));
    const b = encodeDatagram(d1);
    expect(toHex(b)).toBe(
      toHex(
        genlmsg({ family: GENL_ID_CTRL, cmd: 3, version: 2, flags: 5, seq: 1, attrs: [nla_string(2, 'NLLAB_KV')] }),
      ),
    );
    expect(issues(d1)).toEqual([]);
  });

  it('keeps a pinned length as pinned and marks it, without fixing it', () => {
    const d0 = parseDatagram(getfamily(), NETLINK_GENERIC);
    const d1 = updateAttr(d0, { m: 0, a: [0] }, (a) => ({ ...a, len: 6 }));
    const b = encodeDatagram(d1);
    expect(b[20]).toBe(6);
    expect(issues(d1)).toEqual([{ path: 'm0.a0', message: 'nla_len says 6 but the attribute has 11 bytes' }]);
    const d2 = updateMessage(d1, 0, (m) => ({ ...m, len: 40 }));
    expect(new DataView(encodeDatagram(d2).buffer).getUint32(0, true)).toBe(40);
    expect(issues(d2).map((i) => i.path)).toEqual(['m0', 'm0.a0']);
  });

  it('marks padding that is not zero or not the right size', () => {
    const d = updateAttr(parseDatagram(getfamily(), NETLINK_GENERIC), { m: 0, a: [0] }, (a) => ({ ...a, pad: '01' }));
    expect(issues(d).map((i) => i.message)).toEqual(["the attribute's padding is not zero (01)"]);
    const e = updateAttr(d, { m: 0, a: [0] }, (a) => ({ ...a, pad: '' }));
    expect(issues(e).map((i) => i.message)).toEqual([
      '0 padding bytes after the attribute, where alignment to 4 needs 1',
    ]);
  });

  it('adds and removes attributes, and records where each part is', () => {
    const d0 = parseDatagram(getfamily(), NETLINK_GENERIC);
    const d1 = addAttr(d0, { m: 0, a: [] }, attr(1, '1000'));
    const { bytes, spans } = encodeWithSpans(d1);
    expect(spans.get('m0.a1')).toEqual([32, 40]);
    expect(spans.get('m0.h')).toEqual([16, 20]);
    expect(bytes.length).toBe(40);
    expect(toHex(encodeDatagram(removeAttr(d1, { m: 0, a: [1] })))).toBe(toHex(getfamily()));
  });

  it('changes the family header with the message type', () => {
    const d = { protocol: NETLINK_ROUTE, messages: [], tail: '' };
    const withMsg = {
      ...d,
      messages: [parseDatagram(nlmsg({ type: 18, payload: ifinfomsg() }), NETLINK_ROUTE).messages[0]!],
    };
    const addr = setType(withMsg, 0, 22);
    expect(addr.messages[0]!.header!.struct).toBe('ifaddrmsg');
    expect(encodeDatagram(addr).length).toBe(24);
    // Rules (RTM_NEWRULE 32 … RTM_GETRULE 34) have fib_rule_hdr; RTM_NEWQDISC (36) does not.
    expect([32, 33, 34, 36].map((t) => structFor(NETLINK_ROUTE, t))).toEqual([
      'fib_rule_hdr',
      'fib_rule_hdr',
      'fib_rule_hdr',
      'rtgenmsg',
    ]);
  });

  it("names header values and bits as the kernel's specs and headers do", () => {
    const f = (s: keyof typeof STRUCTS, name: string) => STRUCTS[s].fields.find((x) => x.name === name)!;
    expect(f('ifinfomsg', 'ifi_flags').flags).toEqual(expect.arrayContaining([[0x80, 'IFF_NOARP']]));
    expect(f('ifaddrmsg', 'ifa_flags').flags!.at(-1)).toEqual([0x80, 'IFA_F_PERMANENT']);
    expect(f('ndmsg', 'ndm_state').flags).toEqual(expect.arrayContaining([[0x80, 'NUD_PERMANENT']]));
    expect(f('ndmsg', 'ndm_flags').flags).toEqual(expect.arrayContaining([[0x80, 'NTF_ROUTER']]));
    expect(f('rtmsg', 'rtm_type').enum![0]).toBe('RTN_UNSPEC');
    expect(f('rtmsg', 'rtm_table').enum![254]).toBe('RT_TABLE_MAIN');
    expect(f('fib_rule_hdr', 'action').enum![1]).toBe('FR_ACT_TO_TBL');
  });
});

describe('the hex side', () => {
  it('reads hex with spaces, newlines and offsets', () => {
    const b = getfamily();
    const r = parseHexText(formatHex(b));
    expect('bytes' in r && toHex(r.bytes)).toBe(toHex(b));
  });

  it('shows malformed hex as malformed and keeps the text and the last fields', () => {
    const s0 = fromDatagram(parseDatagram(getfamily(), NETLINK_GENERIC));
    const s1 = editHex(s0, `${s0.hex}x`);
    expect(s1.hex).toBe(`${s0.hex}x`);
    expect(s1.hexError!.message).toMatch(/"x" is not a hex digit/);
    expect(s1.datagram).toBe(s0.datagram);
    expect(problems(s1)[0]!.message).toMatch(/malformed/);
    const s2 = editHex(s0, `${s0.hex}0`);
    expect(s2.hexError!.message).toMatch(/odd number of hex digits/);
  });

  it('re-reads the fields after a hex edit that breaks the message, and marks what is wrong', () => {
    const s0 = fromDatagram(parseDatagram(getfamily(), NETLINK_GENERIC));
    const s1 = editHex(s0, s0.hex.replace(/^0000: 20/, '0000: 30'));
    expect(s1.hexError).toBeNull();
    expect(s1.datagram.messages[0]!.len).toBe(0x30);
    expect(problems(s1)).toHaveLength(1);
    const back = editFields(s1, (d) => updateMessage(d, 0, (m) => ({ ...m, len: 'auto' })));
    expect(problems(back)).toEqual([]);
  });
});

describe('templates and export', () => {
  it('every template is consistent and round-trips', () => {
    for (const t of TEMPLATES) {
      expect(issues(t.datagram), t.id).toEqual([]);
      expect(parseDatagram(encodeDatagram(t.datagram), t.datagram.protocol), t.id).toEqual(t.datagram);
    }
  });

  it('exports GETFAMILY with the genl helpers and names', () => {
    const code = exportProgram(parseDatagram(getfamily(), NETLINK_GENERIC));
    expect(code).toContain(
      'genlmsg({ family: GENL_ID_CTRL, cmd: CTRL_CMD_GETFAMILY, version: 2, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, attrs: [',
    );
    expect(code).toContain('nla_string(CTRL_ATTR_FAMILY_NAME, "nlctrl")');
    expect(code).toContain('socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC)');
    expect(code).not.toContain('bytesOf');
  });

  it('exports a message with a pinned length byte by byte', () => {
    const d = updateAttr(parseDatagram(getfamily(), NETLINK_GENERIC), { m: 0, a: [0] }, (a) => ({ ...a, len: 6 }));
    expect(exportProgram(d)).toContain(`bytesOf('${toHex(encodeDatagram(d))}')`);
  });

  it('names nla_u32 values', () => {
    const d = parseDatagram(genlmsg({ family: 20, cmd: 1, attrs: [nla_u32(2, 7)] }), NETLINK_GENERIC);
    expect(exportProgram(d)).toContain('nla_u32(2, 7)');
  });
});
