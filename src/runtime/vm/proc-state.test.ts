import { describe, expect, it } from 'vitest';
import { parseProcModules, parseProcNetNetlink, procState } from './proc-state.ts';

// This machine's /proc/net/netlink inside `unshare -Urn`, after a NETLINK_USERSOCK socket bound
// port 4964 (its pid) with groups 1 and 3 and received one 20-byte datagram from a second socket,
// which autobound to a negative port id (printed unsigned by the kernel).
const NETLINK = [
  'sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode',
  '000000005ee1a42a 0   0          00000000 0        0        0     2        0        1012952 ',
  '000000008ac3459c 2   3952636301 00000000 0        0        0     2        0        1013105 ',
  '00000000b1c5c423 2   4964       00000005 832      0        0     2        0        1013104 ',
  '0000000010d5a679 16  0          00000000 0        0        0     2        0        1012953 ',
  '',
].join('\n');

describe("the VM's state from /proc", () => {
  it('reads /proc/net/netlink: port ids as the ints they are, groups, Rmem, kernel sockets', () => {
    const s = parseProcNetNetlink(NETLINK);
    expect(s.map((x) => [x.protocol, x.portid, x.kernel])).toEqual([
      [0, 0, true],
      [2, 3952636301 | 0, false],
      [2, 4964, false],
      [16, 0, true],
    ]);
    const bound = s[2]!;
    expect(bound).toMatchObject({ groups: 5, rmem: 832, wmem: 0, drops: 0, dump: false, pid: -1 });
    // What /proc does not show is absent, not invented.
    expect(bound.queue).toBeUndefined();
    expect(bound.rcvbuf).toBeUndefined();
    expect(parseProcNetNetlink('')).toEqual([]);
    // With kptr_restrict (the VM's Debian kernel), %pK prints a placeholder for the sk column.
    const hidden = NETLINK.replace(/^[0-9a-f]{16} /gm, '(____ptrval____) ');
    expect(parseProcNetNetlink(hidden)).toEqual(s);
  });

  it('reads /proc/modules and says where the state came from', () => {
    const mods = 'nl_test 16384 0 - Live 0xffffffffc0201000 (O)\ndoc_exmpl 16384 1 - Live 0xffffffffc0206000 (O)\n';
    expect(parseProcModules(mods)).toEqual([
      { name: 'nl_test', refs: 0 },
      { name: 'doc_exmpl', refs: 1 },
    ]);
    const st = procState(12, NETLINK, mods, [{ pid: 4964, name: 'main', uid: 0, state: 'running' }]);
    expect(st).toMatchObject({ source: 'proc', time: 12, families: [], dmesg: [], protocols: [] });
    expect(st.sockets).toHaveLength(4);
    expect(st.modules).toHaveLength(2);
  });
});
