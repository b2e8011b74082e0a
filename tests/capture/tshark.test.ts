/**
 * A capture the CLI exports (`netlink-lab run tests/capture/prog.ts --pcap`) opened with tshark
 * (Debian's package; scripts/system-deps.mjs group 'capture'): every message our decoder sees is
 * one tshark sees at the same offset, with the same length, type, flags and sequence number, and for
 * generic netlink the same family (its id, and the name tshark resolved from the capture's nlctrl
 * replies) and command.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeCapture } from '../../src/lib/capture.ts';
import { readPcap } from '../../src/lib/pcap.ts';
import { NETLINK_GENERIC, NLMSG_MIN_TYPE } from '../../src/api/uapi.ts';

const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Seen {
  len: number;
  type: number;
  flags: number;
  seq: number;
  family?: string;
  cmd?: number;
}

/** tshark's view: per packet, the nlmsghdrs by their offset in the datagram (pdml `pos`, less the 16-byte cooked header). */
function tsharkView(pcap: string): Map<number, Seen>[] {
  const pdml = execFileSync('tshark', ['-r', pcap, '-T', 'pdml'], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return pdml
    .split('<packet>')
    .slice(1)
    .map((pkt) => {
      const at = new Map<number, Seen>();
      const cmds = new Map<number, number>();
      for (const m of pkt.matchAll(
        /<field name="([\w.-]+)" showname="([^"]*)" size="\d+" pos="(\d+)" show="([^"]*)"(?: value="([0-9a-f]*)")?/g,
      )) {
        const [, name, showname, posText, show, value = ''] = m;
        // The raw little-endian bytes: tshark 4.0 shows genl.family_id as 8 bits (0x7ff0 as 0xf0).
        const raw = value.length >= 2 ? parseInt(value.match(/../g)!.reverse().join(''), 16) : Number(show);
        const pos = Number(posText) - 16;
        if (name === 'netlink.hdr_len') at.set(pos, { len: Number(show), type: -1, flags: -1, seq: -1 });
        if ((name === 'netlink.hdr_type' || name === 'netlink-route.nltype') && at.get(pos - 4))
          at.get(pos - 4)!.type = raw;
        if (name === 'genl.family_id' && at.get(pos - 4)) {
          at.get(pos - 4)!.type = raw;
          const named = /\((.+)\)$/.exec(showname!);
          if (named && named[1] !== 'Unknown') at.get(pos - 4)!.family = named[1];
        }
        if (name === 'netlink.hdr_flags' && at.get(pos - 6)) at.get(pos - 6)!.flags = raw;
        if (name === 'netlink.hdr_seq' && at.get(pos - 8)) at.get(pos - 8)!.seq = Number(show);
        if (name === 'genl.cmd' || name === 'genl.ctrl.cmd') cmds.set(pos - 16, Number(show));
      }
      for (const [pos, cmd] of cmds) if (at.get(pos)) at.get(pos)!.cmd = cmd;
      return at;
    });
}

describe.skipIf(!hasTshark)('an exported capture in tshark', () => {
  let pcapPath = '';
  it('holds every message with the same length, type, flags, sequence, and genl family and command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nl-capture-'));
    const pcap = join(dir, 'run.pcap');
    pcapPath = pcap;
    execFileSync('node', ['bin/netlink-lab.mjs', 'run', 'tests/capture/prog.ts', '--pcap', pcap], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const { packets, families: resolved } = decodeCapture(readFileSync(pcap));
    // The capture holds NLLAB_KV's GETPOLICY dump: the kernel's policy agrees with nllab_kv.yaml.
    const kv = resolved.find((f) => f.name === 'NLLAB_KV');
    expect(kv).toMatchObject({ source: 'spec' });
    expect(kv!.policyMismatch).toBeUndefined();
    const theirs = tsharkView(pcap);
    expect(theirs.length).toBe(packets.length);
    expect(packets.length).toBeGreaterThanOrEqual(19);
    let messages = 0;
    let genl = 0;
    const families = new Set<string>();
    for (const { n, packet, fields } of packets) {
      const view = theirs[n - 1]!;
      for (const m of fields.filter((f) => f.kind === 'message')) {
        const d = new DataView(packet.data.buffer, packet.data.byteOffset + m.start, 16);
        const ours: Seen = {
          len: d.getUint32(0, true),
          type: d.getUint16(4, true),
          flags: d.getUint16(6, true),
          seq: d.getUint32(8, true),
        };
        const t = view.get(m.start);
        expect(t, `packet ${n}: tshark has no message at offset ${m.start} (${m.label})`).toBeDefined();
        expect(
          { len: t!.len, type: t!.type, flags: t!.flags, seq: t!.seq },
          `packet ${n} offset ${m.start} ${m.label}`,
        ).toEqual(ours);
        messages++;
        if (packet.protocol === NETLINK_GENERIC && ours.type >= NLMSG_MIN_TYPE) {
          genl++;
          expect(t!.cmd, `packet ${n}: genl command`).toBe(packet.data[m.start + 16]);
          // tshark names a family it saw resolved in the capture; ours must say the same name.
          if (t!.family) {
            expect(m.label, `packet ${n}: family`).toBe(t!.family);
            families.add(t!.family);
          }
        }
      }
    }
    expect(messages).toBeGreaterThanOrEqual(25);
    expect(genl).toBeGreaterThanOrEqual(10);
    expect([...families].sort()).toEqual(expect.arrayContaining(['NLLAB_KV', 'nlctrl']));
  }, 360_000);

  it("reads back the same datagrams after tshark rewrites the capture as pcapng (dumpcap's format)", () => {
    expect(pcapPath).not.toBe('');
    const ng = `${pcapPath}ng`;
    execFileSync('tshark', ['-r', pcapPath, '-F', 'pcapng', '-w', ng], { stdio: 'ignore' });
    const a = readPcap(readFileSync(pcapPath));
    const b = readPcap(readFileSync(ng));
    expect(readFileSync(ng).readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(b.map((p) => [p.protocol, p.to, Buffer.from(p.data).toString('hex'), p.time])).toEqual(
      a.map((p) => [p.protocol, p.to, Buffer.from(p.data).toString('hex'), p.time]),
    );
  });
});
