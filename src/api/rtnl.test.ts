/** The rtnetlink header builders and parsers: struct ndmsg's layout and a round trip. */
import { describe, expect, it } from 'vitest';
import {
  ndmsg,
  parseNdmsg,
  rtmsg,
  parseRtmsg,
  NUD_PERMANENT,
  NTF_ROUTER,
  NDA_DST,
  RTM_F_FIB_MATCH,
  AF_INET6,
} from './rtnl.ts';
import { nla, concat } from './nlmsg.ts';

describe('struct ndmsg', () => {
  it('lays out family, ifindex, state, flags and type as linux/neighbour.h does', () => {
    const b = ndmsg({ family: AF_INET6, index: 3, state: NUD_PERMANENT, flags: NTF_ROUTER, type: 1 });
    expect(Array.from(b)).toEqual([10, 0, 0, 0, 3, 0, 0, 0, 0x80, 0, 0x80, 1]);
  });
  it('parses its own output and the attributes after it', () => {
    const p = parseNdmsg(
      concat(
        ndmsg({ family: 2, index: -1, state: 0x1234, flags: 7, type: 3 }),
        nla(NDA_DST, new Uint8Array([10, 0, 0, 2])),
      ),
    );
    expect({ ...p, attrs: undefined }).toEqual({
      family: 2,
      index: -1,
      state: 0x1234,
      flags: 7,
      type: 3,
      attrs: undefined,
    });
    expect(p.attrs.map((a) => [a.type, Array.from(a.payload)])).toEqual([[NDA_DST, [10, 0, 0, 2]]]);
  });
});

describe('struct rtmsg', () => {
  it('keeps rtm_flags as a 32-bit little-endian word (RTM_F_FIB_MATCH is 0x2000)', () => {
    const b = rtmsg({ family: 2, dst_len: 32, flags: RTM_F_FIB_MATCH });
    expect(Array.from(b.subarray(8))).toEqual([0, 0x20, 0, 0]);
    expect(parseRtmsg(b).flags).toBe(0x2000);
  });
});
