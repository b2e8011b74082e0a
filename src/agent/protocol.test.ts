import { describe, expect, it } from 'vitest';
import { decodeCmsgs, encodeCmsgs, encodeRequest, FrameSplitter, HDR_LEN, OP, Writer } from './protocol.ts';

/** A response frame as the agent writes it. */
function response(tag: number, ret: number, errno: number, body: Uint8Array): Uint8Array {
  const w = new Writer()
    .u32(HDR_LEN + 8 + body.length)
    .u32(tag)
    .raw(new Uint8Array([OP.SOCKET, 0, 0, 0]))
    .i32(ret)
    .i32(errno)
    .raw(body);
  return w.bytes();
}

describe('agent wire format', () => {
  it('encodes a request header with length, tag and op', () => {
    const f = encodeRequest(9, OP.CLOSE, new Uint8Array([3, 0, 0, 0]));
    expect(Array.from(f)).toEqual([16, 0, 0, 0, 9, 0, 0, 0, 15, 0, 0, 0, 3, 0, 0, 0]);
  });

  it('splits responses however the bytes are chunked', () => {
    const stream = new Uint8Array([
      ...response(1, 3, 0, new Uint8Array()),
      ...response(2, -1, 98, new Uint8Array([1, 2, 3])),
    ]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const s = new FrameSplitter();
      const got = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut))];
      expect(got.map((r) => [r.tag, r.ret, r.errno, Array.from(r.body)])).toEqual([
        [1, 3, 0, []],
        [2, -1, 98, [1, 2, 3]],
      ]);
    }
  });

  it('refuses a response frame shorter than its header', () => {
    expect(() => new FrameSplitter().push(new Uint8Array([4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(
      /shorter than the header/,
    );
  });

  it('lays out control messages like x86-64 CMSG_* macros', () => {
    const buf = encodeCmsgs([
      { cmsg_level: 1, cmsg_type: 2, data: new Uint8Array(12).fill(7) },
      { cmsg_level: 270, cmsg_type: 3, data: new Uint8Array([5, 0, 0, 0]) },
    ]);
    // CMSG_SPACE(12) = 32, CMSG_SPACE(4) = 24
    expect(buf.length).toBe(56);
    expect(new DataView(buf.buffer).getBigUint64(32, true)).toBe(20n);
    expect(decodeCmsgs(buf).map((c) => [c.cmsg_level, c.cmsg_type, c.data.length])).toEqual([
      [1, 2, 12],
      [270, 3, 4],
    ]);
  });
});
