import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nlmsg, NLMSG_ERROR, NLMSG_NOOP, concat } from '../../src/api/user.ts';
import type { SyscallEvent } from '../../src/api/observe.ts';
import { checkReal, compareLines, eventsByProcess, normalise, project, type Run } from './harness.ts';
import { DELIBERATE } from './deliberate.ts';
import { listScenarios } from './harness.ts';

/** An ACK as a kernel would send it to `port` for a request with `seq`. */
function ack(port: number, seq: number): Uint8Array {
  const req = nlmsg({ type: NLMSG_NOOP, flags: 5, seq });
  const body = new Uint8Array(20);
  body.set(req.subarray(0, 16), 4);
  return nlmsg({ type: NLMSG_ERROR, flags: 0x100, seq, pid: port, payload: body });
}

function run(kernel: 'sim' | 'real', pid: number, seq: number, extra: string[] = []): Run {
  const events: SyscallEvent[] = [
    {
      syscall: 'sendto',
      pid,
      time: 1,
      fd: 3,
      ret: 16,
      data: nlmsg({ type: NLMSG_NOOP, flags: 5, seq }),
      dir: 'out',
      addr: { nl_family: 16, nl_pid: 0, nl_groups: 0 },
    },
    {
      syscall: 'recvfrom',
      pid,
      time: 2,
      fd: 3,
      ret: 36,
      data: ack(pid, seq),
      dir: 'in',
      addr: { nl_family: 16, nl_pid: 0, nl_groups: 0 },
    },
  ];
  return { kernel, events, output: [`my pid is ${pid}`, 'small numbers stay: 16 3', ...extra], status: 0 };
}

describe('fidelity harness', () => {
  it('renames pids, ports and sequence numbers by order of appearance', () => {
    const a = normalise(run('real', 31337, 1234567));
    const b = normalise(run('sim', 100, 1));
    expect(a.events).toEqual(b.events);
    expect(a.output).toEqual(['my pid is P1', 'small numbers stay: 16 3']);
    expect(a.events.join('\n')).toContain('error=0 req{len=16 type=0x1 flags=0x5 seq=S1 pid=0}');
    expect(compareLines(project({ title: 't' }, a), project({ title: 't' }, b))).toBeNull();
  });

  it('shows a readable diff of what differs', () => {
    const a = normalise(run('real', 500, 1));
    const b = normalise(run('sim', 600, 1, ['extra line']));
    const d = compareLines(project({ title: 't' }, a), project({ title: 't' }, b));
    expect(d).toContain('+ sim  extra line');
    expect(d).not.toContain('- real');
  });

  it('merges received datagrams into message streams when asked', () => {
    const two: Run = {
      kernel: 'real',
      status: 0,
      output: [],
      events: [
        { syscall: 'recvfrom', pid: 200, time: 0, fd: 3, ret: 72, data: concat(ack(200, 1), ack(200, 2)), dir: 'in' },
      ],
    };
    const split: Run = {
      kernel: 'sim',
      status: 0,
      output: [],
      events: [
        { syscall: 'recvfrom', pid: 300, time: 0, fd: 3, ret: 36, data: ack(300, 1), dir: 'in' },
        { syscall: 'recvfrom', pid: 300, time: 0, fd: 3, ret: 36, data: ack(300, 2), dir: 'in' },
      ],
    };
    expect(normalise(two, { streams: true }).events).toEqual(normalise(split, { streams: true }).events);
    expect(normalise(two).events).not.toEqual(normalise(split).events);
  });

  it('renames the header of a message cut short by MSG_TRUNC', () => {
    const cut = (pid: number): Run => ({
      kernel: 'real',
      status: 0,
      output: [],
      events: [{ syscall: 'recvmsg', pid, time: 0, fd: 3, ret: 16, data: ack(pid, 9).subarray(0, 16), dir: 'in' }],
    });
    const a = normalise(cut(1000));
    expect(a.events[1]).toBe('    ⇐ nlmsg len=36 type=0x2 flags=0x100 seq=S1 pid=P1 (truncated to 16 bytes)');
    expect(a.events).toEqual(normalise(cut(2000)).events);
  });

  it('groups events by process, keeping data lines with their event', () => {
    const a = ['P1 recvfrom fd=3 → 7', '    ⇐ bytes 7 | 00', 'P2 sendto fd=4 → 7', '    ⇒ bytes 7 | 00'];
    const b = ['P2 sendto fd=4 → 7', '    ⇒ bytes 7 | 00', 'P1 recvfrom fd=3 → 7', '    ⇐ bytes 7 | 00'];
    expect(eventsByProcess(a)).toEqual(['--- process P1', a[0], a[1], '--- process P2', a[2], a[3]]);
    // Different interleavings of the same per-process histories compare equal once P1 comes first in both.
    expect(eventsByProcess(['P1 socket → 3', ...b])).toEqual(eventsByProcess(['P1 socket → 3', ...a]));
  });

  it('fails a scenario whose expectation is wrong about the real kernel', () => {
    const n = normalise(run('real', 4000, 1));
    expect(checkReal({ title: 't', expect: ['my pid is P1', 'small numbers stay: 16 3'] }, n)).toEqual([]);
    expect(checkReal({ title: 't', expect: ['my pid is P2'] }, n)[0]).toMatch(/not what the scenario expects/);
    expect(
      checkReal(
        {
          title: 't',
          check: () => {
            throw new Error('nope');
          },
        },
        n,
      ),
    ).toEqual(['nope']);
  });

  it('documents every deliberate difference against an existing scenario', () => {
    const ids = new Set(listScenarios().map((s) => s.id));
    for (const d of DELIBERATE) {
      expect(ids.has(d.scenario), `deliberate.ts names scenario ${d.scenario}, which does not exist`).toBe(true);
      expect(d.why.length).toBeGreaterThan(20);
    }
  });

  it('keeps every scenario a plain program: runtime imports only netlink-lab/user and ./lib.ts', () => {
    for (const s of listScenarios()) {
      const src = readFileSync(s.file, 'utf8');
      for (const m of src.matchAll(/^import\s+(?!type\s)[^'"]*from\s+'([^']+)'/gm)) {
        expect(['netlink-lab/user', './lib.ts'], `${s.name} imports '${m[1]}' at run time`).toContain(m[1]);
      }
      expect(src, `${s.name} has no default-exported main`).toMatch(/export default async function/);
      expect(src, `${s.name} has no scenario export`).toMatch(/export const scenario: Scenario = \{/);
    }
  });
});
