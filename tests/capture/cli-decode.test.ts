/**
 * `npx netlink-lab decode FILE.pcap` on an nlmon capture from the 6.1 VM (tests/capture/vm-nlmon.pcap,
 * taken by tests/vm/capture.test.ts's commands): each packet numbered with its protocol and size,
 * each message named — DOC_EXMPL from the capture's own nlctrl reply — and a file that is not a
 * capture refused with a reason and a failing exit status.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPcap } from '../../src/lib/pcap.ts';

const cli = (...args: string[]) => spawnSync('node', ['bin/netlink-lab.mjs', ...args], { encoding: 'utf8' });

describe('netlink-lab decode', () => {
  it('prints every packet of an nlmon capture decoded', { timeout: 60_000 }, () => {
    const r = cli('decode', 'tests/capture/vm-nlmon.pcap');
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const packets = readPcap(new Uint8Array(readFileSync('tests/capture/vm-nlmon.pcap')));
    expect(lines.filter((l) => l.startsWith('#')).map((l) => l.replace(/ \d+\.\d+s /, ' '))).toEqual(
      packets.map(
        (p, i) => `#${i + 1} ${p.protocol === 16 ? 'NETLINK_GENERIC' : 'NETLINK_ROUTE'} ${p.data.length} bytes`,
      ),
    );
    expect(lines.filter((l) => /^ {2}\S/.test(l))).toEqual([
      '  RTM_GETLINK: RTM_GETLINK AF_PACKET (17)',
      '  RTM_NEWLINK: RTM_NEWLINK "lo"',
      '  RTM_NEWLINK: RTM_NEWLINK "nlmon0"',
      '  NLMSG_DONE: end of dump',
      '  nlctrl: CTRL_CMD_GETFAMILY',
      '  nlctrl: CTRL_CMD_NEWFAMILY',
      '  DOC_EXMPL: DOC_EXMPL_C_ECHO',
      '  DOC_EXMPL: DOC_EXMPL_C_ECHO',
    ]);
    // The fields under each message, with the attribute DOC_EXMPL's spec names.
    expect(r.stdout).toContain('DOC_EXMPL_A_MSG: "hello from user space"');
    expect(r.stdout).toContain('DOC_EXMPL_A_MSG: "Hello from kernel space!!!"');
    expect(r.stdout).toMatch(/ifi_flags: IFF_UP\|IFF_LOOPBACK\|IFF_RUNNING\|IFF_LOWER_UP \(0x10049\)/);
  });

  it('refuses a file that is not a capture, saying why', { timeout: 60_000 }, () => {
    const file = join(mkdtempSync(join(tmpdir(), 'decode-')), 'bad.pcap');
    writeFileSync(file, 'x\n');
    const r = cli('decode', file);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`netlink-lab decode: ${file}: not a capture file`);
    expect(r.stdout).toBe('');
  });
});
