/**
 * The builder's "the extended ACK points here": a message built in the lab, with one attribute of
 * the wrong size, exported as the lab exports it (src/lib/builder/export.ts) and run on the
 * simulated kernel and on this machine's kernel; the NLMSGERR_ATTR_OFFS of each kernel's reply must
 * land on that attribute (offendingAttr, which the lab's view marks), with the kernel's message.
 * A nested attribute is found too, in a message of the datagram other than the first (by its
 * sequence number).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../fidelity/harness.ts';
import { exportProgram } from '../../src/lib/builder/export.ts';
import { offendingAttr, extAcks } from '../../src/lib/builder/extack.ts';
import { encodeDatagram, encodeWithSpans, parseDatagram, type Datagram } from '../../src/lib/builder/model.ts';
import { genlmsg } from '../../src/api/genl.ts';
import { nla, nla_nest, nla_string, nlmsg } from '../../src/api/nlmsg.ts';
import { ifinfomsg, IFLA_INFO_KIND, IFLA_LINKINFO } from '../../src/api/rtnl.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  RTM_NEWLINK,
} from '../../src/api/uapi.ts';

const dir = mkdtempSync(join(tmpdir(), 'lab-extack-'));
let n = 0;

/** Export `d` as the lab does, run it on `kernel`, and return every datagram it received. */
async function send(d: Datagram, kernel: 'sim' | 'real'): Promise<Uint8Array[]> {
  const file = join(dir, `p${++n}.ts`);
  writeFileSync(file, exportProgram(d));
  const run = await runProgram(file, kernel);
  expect(run.status, run.output.join('\n')).toBe(0);
  // What the program sent is what the builder holds, byte for byte.
  const sent = run.events.filter((e) => e.dir === 'out' && e.data);
  expect(sent.map((e) => Buffer.from(e.data!).toString('hex'))).toEqual([
    Buffer.from(encodeDatagram(d)).toString('hex'),
  ]);
  return run.events.filter((e) => e.dir === 'in' && e.data).map((e) => e.data!);
}

// CTRL_ATTR_FAMILY_ID is NLA_U16: one byte of it fails the policy (after a valid name).
const genl = parseDatagram(
  genlmsg({
    family: GENL_ID_CTRL,
    cmd: 3,
    version: 2,
    flags: 5,
    seq: 11,
    attrs: [nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl'), nla(CTRL_ATTR_FAMILY_ID, new Uint8Array([16]))],
  }),
  NETLINK_GENERIC,
);
// IFLA_MTU is NLA_U32: one byte of it fails ifla_policy, after IFLA_IFNAME.
const link = parseDatagram(
  nlmsg({
    type: RTM_NEWLINK,
    flags: 5,
    seq: 12,
    payload: [ifinfomsg({ index: 1 }), nla_string(3, 'lo'), nla(4, new Uint8Array([1]))],
  }),
  NETLINK_ROUTE,
);

describe("the attribute an extended ACK points at, from each kernel's reply", () => {
  for (const kernel of ['sim', 'real'] as const) {
    it(`generic netlink on the ${kernel === 'sim' ? 'simulated' : "machine's"} kernel: the second attribute`, {
      timeout: 60_000,
    }, async () => {
      const replies = await send(genl, kernel);
      const acks = replies.flatMap(extAcks);
      // -ERANGE: shorter than the policy's minimum (both kernels say so, and where).
      expect(acks.map((a) => [a.seq, a.error, a.offset])).toEqual([[11, -34, 32]]);
      expect(offendingAttr(genl, replies)).toEqual({
        path: 'm0.a1',
        message: 'Attribute failed policy validation',
      });
      // The offset is where the builder put that attribute.
      expect(encodeWithSpans(genl).spans.get('m0.a1')![0]).toBe(32);
    });

    it(`rtnetlink on the ${kernel === 'sim' ? 'simulated' : "machine's"} kernel: IFLA_MTU after IFLA_IFNAME`, {
      timeout: 60_000,
    }, async () => {
      const replies = await send(link, kernel);
      const found = offendingAttr(link, replies);
      expect(found?.path).toBe('m0.a1');
      expect(found?.message).toMatch(/policy validation/);
      expect(replies.flatMap(extAcks)[0]!.offset).toBe(encodeWithSpans(link).spans.get('m0.a1')![0]);
    });
  }
});

describe('offendingAttr', () => {
  /** An NLMSG_ERROR for `req` (capped: its header echoed) carrying `tlvs`. */
  const errorFor = (req: Uint8Array, error: number, tlvs: Uint8Array[]): Uint8Array => {
    const body = new Uint8Array(20);
    new DataView(body.buffer).setInt32(0, error, true);
    body.set(req.subarray(0, 16), 4);
    return nlmsg({ type: 2, flags: 0x300, seq: 0, payload: [body, ...tlvs] });
  };
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);

  it("finds a nested attribute, in the message with the ACK's seq", () => {
    const first = nlmsg({ type: RTM_NEWLINK, flags: 5, seq: 1, payload: [ifinfomsg(), nla_string(3, 'x')] });
    const second = nlmsg({
      type: RTM_NEWLINK,
      flags: 5,
      seq: 2,
      payload: [ifinfomsg(), nla_string(3, 'v0'), nla_nest(IFLA_LINKINFO, [nla_string(IFLA_INFO_KIND, 'veth')])],
    });
    const both = new Uint8Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);
    const d = parseDatagram(both, NETLINK_ROUTE);
    const { spans } = encodeWithSpans(d);
    // In the second message: IFLA_LINKINFO 40 bytes from its header, IFLA_INFO_KIND inside it at 44.
    const at = (k: string) => spans.get(k)![0] - spans.get('m1')![0];
    expect([at('m1.a0'), at('m1.a1'), at('m1.a1.a0')]).toEqual([32, 40, 44]);
    const ack = (offs: number) => errorFor(second, -22, [nla(2, u32(offs)), nla(1, new TextEncoder().encode('bad\0'))]);
    expect(offendingAttr(d, [ack(44)])).toEqual({ path: 'm1.a1.a0', message: 'bad' });
    expect(offendingAttr(d, [ack(40)])?.path).toBe('m1.a1');
    // An offset inside an attribute, or an ACK for a seq the datagram does not hold, marks nothing.
    expect(offendingAttr(d, [ack(42)])).toBeUndefined();
    const other = errorFor(nlmsg({ type: RTM_NEWLINK, flags: 5, seq: 9, payload: [ifinfomsg()] }), -22, [
      nla(2, u32(32)),
    ]);
    expect(offendingAttr(d, [other])).toBeUndefined();
  });
});
