import { describe, expect, it } from 'vitest';
import { RunLog } from '../run-log.ts';
import { lanes, tickStep } from './timeline.ts';

const batch = (kernel: Record<string, unknown>[]) => ({
  type: 'batch' as const,
  runId: 1,
  output: [],
  syscalls: [],
  trace: [],
  kernel: kernel as never[],
});

describe('timeline lanes', () => {
  it('turn process events into segments per process, closing the open ones at the end', () => {
    const log = new RunLog();
    log.add(
      batch([
        { kind: 'proc', pid: 100, name: 'main', state: 'running', time: 0 },
        { kind: 'proc', pid: 100, name: 'main', state: 'sleeping', time: 0, reason: 'msleep' },
        { kind: 'proc', pid: 101, name: 'second', state: 'runnable', time: 0 },
        { kind: 'proc', pid: 100, name: 'main', state: 'running', time: 30_000 },
        { kind: 'proc', pid: 101, name: 'second', state: 'blocked', time: 30_000 },
        { kind: 'proc', pid: 101, name: 'second', state: 'exited', time: 30_001 },
      ]),
    );
    const ls = lanes(log, 31_000);
    expect(ls.map((l) => [l.pid, l.name])).toEqual([
      [100, 'main'],
      [101, 'second'],
    ]);
    expect(ls[0]!.segments.map((g) => [g.state, g.from, g.to])).toEqual([
      ['running', 0, 0],
      ['sleeping', 0, 30_000],
      ['running', 30_000, 31_000],
    ]);
    expect(ls[1]!.segments.map((g) => [g.state, g.from, g.to])).toEqual([
      ['runnable', 0, 30_000],
      ['blocked', 30_000, 30_001],
    ]);
  });

  it('choose round tick steps', () => {
    expect(tickStep(30_000)).toBe(5000);
    expect(tickStep(1500)).toBe(500);
    expect(tickStep(7)).toBe(2);
    expect(tickStep(0)).toBe(0.2);
  });
});
