import { describe, expect, it } from 'vitest';
import { nlmsg, genlmsghdr, nla_string } from '../api/nlmsg.ts';
import {
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NLM_F_REQUEST,
} from '../api/uapi.ts';
import { capturedFromRecords, decodeCapture, pcapFromRecords } from './capture.ts';
import { PcapError, readPcap, writePcap } from './pcap.ts';

const req = nlmsg({
  type: GENL_ID_CTRL,
  flags: NLM_F_REQUEST,
  seq: 1,
  payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 2), nla_string(CTRL_ATTR_FAMILY_NAME, 'nlctrl')],
});

describe('nlmon-style pcap', () => {
  it('writes LINKTYPE_NETLINK with the 16-byte cooked header nlmon captures have', () => {
    const f = writePcap([{ time: 1500.25, protocol: NETLINK_GENERIC, to: 'kernel', data: req }]);
    const v = new DataView(f.buffer);
    expect(v.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect(v.getUint32(20, true)).toBe(253);
    expect([v.getUint32(24, true), v.getUint32(28, true)]).toEqual([1, 500250]);
    expect(v.getUint32(32, true)).toBe(16 + req.length);
    // pkttype PACKET_KERNEL, ARPHRD_NETLINK, no address, protocol — big-endian, as libpcap writes them
    expect(Array.from(f.subarray(40, 56))).toEqual([0, 7, 0x03, 0x38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16]);
    expect(Array.from(f.subarray(56))).toEqual(Array.from(req));
  });

  it('reads back what it wrote, and a big-endian nanosecond pcap too', () => {
    const pkts = [
      { time: 2, protocol: 16, to: 'kernel' as const, data: req },
      { time: 3.5, protocol: 0, to: 'user' as const, data: req.slice(0, 20), origLen: 40 },
    ];
    expect(readPcap(writePcap(pkts))).toEqual(pkts);
    const le = writePcap(pkts.slice(0, 1));
    const be = new Uint8Array(le);
    const v = new DataView(be.buffer);
    const s = new DataView(le.buffer);
    v.setUint32(0, 0xa1b23c4d, false);
    v.setUint16(4, 2, false);
    v.setUint16(6, 4, false);
    v.setUint32(16, 262144, false);
    v.setUint32(20, 253, false);
    for (const o of [24, 28, 32, 36]) v.setUint32(o, s.getUint32(o, true), false);
    v.setUint32(28, 2_000_000, false); // 2 ms in nanoseconds after second 0
    expect(readPcap(be)[0]).toMatchObject({ time: 2, protocol: 16, to: 'kernel' });
  });

  it('refuses what is not an nlmon capture, saying why', () => {
    expect(() => readPcap(new Uint8Array([1, 2]))).toThrow(PcapError);
    expect(() => readPcap(new TextEncoder().encode('hello world, not a capture'))).toThrow(/not a pcap or pcapng file/);
    const eth = writePcap([]);
    new DataView(eth.buffer).setUint32(20, 1, true);
    expect(() => readPcap(eth)).toThrow(/link type 1, not LINKTYPE_NETLINK/);
    const cut = writePcap([{ time: 0, protocol: 16, to: 'kernel', data: req }]).slice(0, 50);
    expect(() => readPcap(cut)).toThrow(/packet 1: 48 bytes announced, 10 left/);
  });

  it('exports a run: sends to the kernel, receives to user, a refused send left out, MSG_TRUNC kept', () => {
    const recs = [
      { syscall: 'sendto', pid: 1, time: 1, fd: 3, dir: 'out' as const, data: req, protocol: 16, ret: req.length },
      { syscall: 'sendto', pid: 1, time: 2, fd: 3, dir: 'out' as const, data: req, protocol: 16, errno: 22 },
      {
        syscall: 'recvfrom',
        pid: 1,
        time: 3,
        fd: 3,
        dir: 'in' as const,
        data: req.slice(0, 16),
        protocol: 16,
        ret: req.length,
        addr: { nl_family: 16, nl_pid: 0, nl_groups: 0 },
      },
    ];
    expect(capturedFromRecords(recs).map((c) => [c.to, c.data.length, c.origLen])).toEqual([
      ['kernel', req.length, undefined],
      ['user', 16, req.length],
    ]);
    const { packets } = decodeCapture(pcapFromRecords(recs));
    expect(packets[0]!.fields[0]!.label).toBe('nlctrl');
    expect(packets[1]!.fields[0]!.label).toBe('cut off (MSG_TRUNC)');
  });
});

describe("a capture taken with nlmon in the 6.1 VM (tests/capture/vm-nlmon.pcap, by tests/vm/capture.test.ts's commands)", () => {
  it('decodes: packet type PACKET_OUTGOING, requests and replies told apart by NLM_F_REQUEST', async () => {
    const { readFileSync } = await import('node:fs');
    const { packets } = decodeCapture(readFileSync('tests/capture/vm-nlmon.pcap'));
    expect(packets.map((p) => p.fields[0]!.label)).toEqual([
      'RTM_GETLINK',
      'RTM_NEWLINK',
      'NLMSG_DONE',
      'nlctrl',
      'nlctrl',
      'DOC_EXMPL',
      'DOC_EXMPL',
    ]);
    expect(packets.every((p) => p.packet.to === 'unknown' && p.packet.protocol === (p.n <= 3 ? 0 : 16))).toBe(true);
    expect(packets[4]!.fields[0]!.value).toBe('CTRL_CMD_NEWFAMILY');
  });
});
