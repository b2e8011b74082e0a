import { describe, expect, it } from 'vitest';
import { compareRuns, type RunEvent } from './compare.ts';
import { concat, genlmsghdr, nla_string, nla_u16, nlmsg } from '../../api/nlmsg.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_REQUEST,
} from '../../api/uapi.ts';

const AF_NETLINK = 16;
const nlerr = (error: number, req: Uint8Array, pid: number) => {
  const e = new Uint8Array(4);
  new DataView(e.buffer).setInt32(0, error, true);
  return nlmsg({
    type: 2,
    pid,
    seq: new DataView(req.buffer).getUint32(8, true),
    payload: concat(e, req.subarray(0, 16)),
  });
};

/**
 * One run of "resolve a family, then send it a command" as the recorder sees it, with the values
 * that legitimately differ between kernels as parameters.
 */
function run(o: { pid: number; fd: number; seq: number; family: number; cmdErrno?: number }): RunEvent[] {
  const get = nlmsg({
    type: GENL_ID_CTRL,
    flags: NLM_F_REQUEST,
    seq: o.seq,
    payload: concat(genlmsghdr(CTRL_CMD_GETFAMILY), nla_string(CTRL_ATTR_FAMILY_NAME, 'DOC_EXMPL')),
  });
  const reply = nlmsg({
    type: GENL_ID_CTRL,
    seq: o.seq,
    pid: o.pid,
    payload: concat(
      genlmsghdr(CTRL_CMD_NEWFAMILY, 2),
      nla_string(CTRL_ATTR_FAMILY_NAME, 'DOC_EXMPL'),
      nla_u16(CTRL_ATTR_FAMILY_ID, o.family),
    ),
  });
  const cmd = nlmsg({ type: o.family, flags: NLM_F_REQUEST | NLM_F_ACK, seq: o.seq + 1, payload: genlmsghdr(1) });
  const ack = nlerr(-(o.cmdErrno ?? 0), cmd, o.pid);
  const kernel = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
  const p = NETLINK_GENERIC;
  return [
    { syscall: 'socket', pid: o.pid, time: 0, ret: o.fd, socket: { domain: AF_NETLINK, type: 3, protocol: p } },
    { syscall: 'bind', pid: o.pid, time: 1, fd: o.fd, ret: 0 },
    {
      syscall: 'sendto',
      pid: o.pid,
      time: 2,
      fd: o.fd,
      ret: get.length,
      data: get,
      dir: 'out',
      addr: kernel,
      protocol: p,
    },
    {
      syscall: 'recvfrom',
      pid: o.pid,
      time: 3,
      fd: o.fd,
      ret: reply.length,
      data: reply,
      dir: 'in',
      addr: kernel,
      protocol: p,
    },
    {
      syscall: 'sendto',
      pid: o.pid,
      time: 4,
      fd: o.fd,
      ret: cmd.length,
      data: cmd,
      dir: 'out',
      addr: kernel,
      protocol: p,
    },
    {
      syscall: 'recvfrom',
      pid: o.pid,
      time: 5,
      fd: o.fd,
      ret: ack.length,
      data: ack,
      dir: 'in',
      addr: kernel,
      protocol: p,
    },
    { syscall: 'close', pid: o.pid, time: 6, fd: o.fd, ret: 0 },
  ];
}

describe('compareRuns', () => {
  it('finds two runs identical when only pids, port ids, seq numbers, fds and family ids differ', () => {
    const c = compareRuns(
      run({ pid: 100, fd: 3, seq: 1, family: 0x17 }),
      run({ pid: 4242, fd: 5, seq: 1700000000, family: 0x1d }),
    );
    expect(c.rows).toHaveLength(7);
    expect(c.rows.map((r) => r.status)).toEqual(Array(7).fill('same'));
    expect(c.identical).toBe(true);
  });

  it('names the field that differs: an errno inside an NLMSG_ERROR', () => {
    const c = compareRuns(
      run({ pid: 100, fd: 3, seq: 1, family: 0x17 }),
      run({ pid: 200, fd: 3, seq: 1, family: 0x17, cmdErrno: 95 }),
    );
    expect(c.identical).toBe(false);
    expect(c.different).toBe(1);
    const row = c.rows.find((r) => r.status === 'different')!;
    expect(row.sim!.event.syscall).toBe('recvfrom');
    expect(row.differences).toHaveLength(1);
    expect(row.differences[0]!.what).toMatch(/error$/);
    expect(row.differences[0]!.sim).toBe('00 00 00 00');
    expect(row.differences[0]!.vm).toBe('a1 ff ff ff');
    expect(row.differences[0]!.simBytes).toEqual({ start: 16, end: 20 });
  });

  it('tells a family id that does not match the one resolved, and a wrong port', () => {
    const sim = run({ pid: 100, fd: 3, seq: 1, family: 0x17 });
    const vm = run({ pid: 200, fd: 3, seq: 1, family: 0x18 });
    // The VM's program sent its command to the wrong family id (0x19), not the one resolved (0x18).
    const cmd = vm[4]!.data!.slice();
    new DataView(cmd.buffer).setUint16(4, 0x19, true);
    vm[4] = { ...vm[4]!, data: cmd };
    // And the reply came from another port.
    vm[5] = { ...vm[5]!, addr: { nl_family: AF_NETLINK, nl_pid: 77, nl_groups: 0 } };
    const c = compareRuns(sim, vm);
    const send = c.rows[4]!;
    expect(send.status).toBe('different');
    expect(send.differences[0]).toMatchObject({
      what: expect.stringMatching(/nlmsg_type$/),
      sim: 'family1 (23)',
      vm: 'family2 (25)',
    });
    const recv = c.rows[5]!;
    expect(recv.differences.find((d) => d.what === 'source address nl_pid')).toMatchObject({
      sim: '0 (kernel) (0)',
      vm: 'port1 (77)',
    });
  });

  it('lines up runs where one has an extra call, without a cascade of differences', () => {
    const sim = run({ pid: 100, fd: 3, seq: 1, family: 0x17 });
    const vm = run({ pid: 200, fd: 3, seq: 1, family: 0x17 });
    vm.splice(1, 0, { syscall: 'setsockopt', pid: 200, time: 0, fd: 3, ret: 0 });
    vm.splice(7, 1, { syscall: 'getsockname', pid: 200, time: 0, fd: 3, errno: 9 });
    const c = compareRuns(sim, vm);
    expect(c.rows.map((r) => r.status)).toEqual([
      'same',
      'only-vm',
      'same',
      'same',
      'same',
      'same',
      'same',
      'only-sim',
      'only-vm',
    ]);
    expect(c).toMatchObject({ same: 6, different: 0, onlySim: 1, onlyVm: 2, identical: false });
  });

  it('compares errno and return values', () => {
    const a: RunEvent[] = [{ syscall: 'bind', pid: 1, time: 0, fd: 3, ret: 0 }];
    const b: RunEvent[] = [{ syscall: 'bind', pid: 9, time: 0, fd: 3, errno: 98 }];
    const c = compareRuns(a, b);
    expect(c.rows[0]!.differences).toEqual([
      { what: 'errno', sim: 'success', vm: 'EADDRINUSE (98)' },
      { what: 'return value', sim: '0', vm: '—' },
    ]);
  });
});

describe('compareRuns with several processes', () => {
  it('does not count a different interleaving of processes as a difference', () => {
    const ev = (pid: number, syscall: string, fd: number): RunEvent => ({ syscall, pid, time: 0, fd, ret: 0 });
    // Sim: the child closes before the parent's recvfrom returns; VM: the other way round.
    const sim = [
      ev(100, 'socket', 3),
      ev(101, 'sendto', 3),
      ev(101, 'close', 3),
      ev(100, 'recvfrom', 3),
      ev(100, 'close', 3),
    ];
    const vm = [
      ev(300, 'socket', 3),
      ev(302, 'sendto', 3),
      ev(300, 'recvfrom', 3),
      ev(302, 'close', 3),
      ev(300, 'close', 3),
    ];
    const c = compareRuns(sim, vm);
    expect(c.identical).toBe(true);
    expect(c.rows.map((r) => `${r.sim!.proc} ${r.sim!.event.syscall}`)).toEqual([
      'P1 socket',
      'P2 sendto',
      'P2 close',
      'P1 recvfrom',
      'P1 close',
    ]);
  });
});

describe('compareRuns with protocols recorded only by socket()', () => {
  it('carries the protocol from the socket event to its descriptor, and normalises family and group ids', () => {
    const strip = (evs: RunEvent[]) => evs.map(({ protocol: _p, ...e }) => e);
    const c = compareRuns(
      strip(run({ pid: 100, fd: 3, seq: 1, family: 0x17 })),
      strip(run({ pid: 200, fd: 3, seq: 1, family: 0x20 })),
    );
    expect(c.rows.filter((r) => r.status !== 'same').map((r) => r.differences)).toEqual([]);
  });

  it('without that, a family id is a difference', () => {
    const bare = (evs: RunEvent[]) => evs.map(({ protocol: _p, socket: _s, ...e }) => e);
    const c = compareRuns(
      bare(run({ pid: 100, fd: 3, seq: 1, family: 0x17 })),
      bare(run({ pid: 200, fd: 3, seq: 1, family: 0x20 })),
    );
    expect(c.identical).toBe(false);
  });
});
