/**
 * The Timeline panel: one lane per process over virtual time, coloured by what the process was
 * doing (running, blocked in the kernel, sleeping), with a mark for every message it sent or
 * received. A 30-second blocking sendmsg shows as a 30-second bar.
 */
import type { KernelEvent } from '../../../runtime/kernel-view.ts';
import type { RunLog } from '../run-log.ts';
import { errnoName } from '../../../api/errno.ts';
import { h, s, vtime } from './dom.ts';

/** A process's state from `from` to `to` (virtual ms). */
export interface Segment {
  from: number;
  to: number;
  state: string;
  detail?: string;
}

/** A process's lane. */
export interface Lane {
  pid: number;
  name: string;
  segments: Segment[];
}

const STATES = new Set(['running', 'runnable', 'blocked', 'sleeping', 'exited']);
const norm = (state: string): string => {
  const t = state.toLowerCase();
  if (STATES.has(t)) return t;
  if (/exit|dead|zombie/.test(t)) return 'exited';
  if (/block|wait|recv|uninterruptible/.test(t)) return 'blocked';
  if (/sleep|timer|msleep/.test(t)) return 'sleeping';
  if (/exit|dead|zombie/.test(t)) return 'exited';
  if (/runnable|ready/.test(t)) return 'runnable';
  return 'running';
};

/**
 * Lanes from the run's record: from the kernel's process events when it sent any, otherwise from
 * the states sampled with each batch. `end` closes the last segment of every process still alive.
 */
export function lanes(log: RunLog, end: number): Lane[] {
  const changes = new Map<number, { time: number; state: string; detail?: string }[]>();
  const procEvents = log.kernel.filter(
    (e): e is KernelEvent & { pid: number; state: string; time: number } =>
      e.kind === 'proc' && typeof e.pid === 'number' && typeof e.state === 'string' && typeof e.time === 'number',
  );
  if (procEvents.length > 0) {
    for (const e of procEvents) {
      const list = changes.get(e.pid) ?? [];
      const detail = typeof e.reason === 'string' ? e.reason : typeof e.waitingOn === 'string' ? e.waitingOn : e.state;
      list.push({ time: e.time, state: norm(e.state), detail });
      changes.set(e.pid, list);
    }
  } else {
    for (const sample of log.samples) {
      for (const p of sample.processes) {
        const list = changes.get(p.pid) ?? [];
        const st = norm(p.state);
        if (list.at(-1)?.state !== st) list.push({ time: sample.time, state: st, detail: p.waitingOn ?? p.state });
        changes.set(p.pid, list);
      }
    }
  }
  for (const e of log.syscalls) if (!changes.has(e.pid)) changes.set(e.pid, [{ time: 0, state: 'running' }]);
  return [...changes]
    .sort(([a], [b]) => a - b)
    .map(([pid, list]) => {
      const sorted = [...list].sort((a, b) => a.time - b.time);
      const segments: Segment[] = [];
      sorted.forEach((c, i) => {
        const to = sorted[i + 1]?.time ?? (c.state === 'exited' ? c.time : end);
        if (c.state !== 'exited' && to >= c.time) segments.push({ from: c.time, to, state: c.state, detail: c.detail });
      });
      return { pid, name: log.names.get(pid) ?? `pid ${pid}`, segments };
    });
}

/** A tick step near `span / 6`: 1, 2 or 5 times a power of ten. */
export function tickStep(span: number): number {
  const raw = Math.max(span, 1) / 6;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= raw) ?? 10 * p;
}

/** The timeline panel inside `body`. */
export class TimelinePanel {
  private drawn = -1;
  constructor(private readonly body: HTMLElement) {}

  reset(): void {
    this.drawn = -1;
    this.body.replaceChildren(h('p', { class: 'pg-empty' }, 'No process has run yet.'));
  }

  count(log: RunLog): number {
    return new Set([...log.syscalls.map((e) => e.pid), ...(log.state?.processes ?? []).map((p) => p.pid)]).size;
  }

  update(log: RunLog): void {
    if (this.drawn === log.version || this.body.hidden) return;
    this.drawn = log.version;
    const end = Math.max(log.time, 1);
    const ls = lanes(log, end);
    if (ls.length === 0) return;
    const width = Math.max(this.body.clientWidth - 24, 420);
    const left = 110;
    const laneH = 30;
    const top = 8;
    const axis = 22;
    const height = top + ls.length * laneH + axis;
    const x = (t: number) => left + (t / end) * (width - left - 28);
    const svg = s('svg', {
      class: 'pg-timeline',
      width,
      height,
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': `Timeline of ${ls.length} process${ls.length === 1 ? '' : 'es'} over ${vtime(end)} of virtual time`,
    });
    ls.forEach((lane, i) => {
      const y = top + i * laneH;
      svg.append(s('text', { x: 4, y: y + laneH / 2 + 4, class: 'pg-tl-name' }, `${lane.name} ${lane.pid}`));
      svg.append(s('line', { x1: left, x2: width - 28, y1: y + laneH / 2, y2: y + laneH / 2, class: 'pg-tl-axis' }));
      for (const seg of lane.segments) {
        const w = Math.max(x(seg.to) - x(seg.from), 1.5);
        svg.append(
          s(
            'rect',
            { x: x(seg.from), y: y + 7, width: w, height: laneH - 14, rx: 2, class: `pg-tl-${seg.state}` },
            s(
              'title',
              {},
              `${lane.name} ${lane.pid}: ${seg.state}${seg.detail && seg.detail !== seg.state ? ` (${seg.detail})` : ''} from ${vtime(seg.from)} to ${vtime(seg.to)}`,
            ),
          ),
        );
      }
      // Each syscall that took virtual time: a bracket above the lane, named when it fits.
      for (const e of log.syscalls) {
        if (e.pid !== lane.pid || e.start === undefined || e.time <= e.start) continue;
        const x0 = x(e.start);
        const w = Math.max(x(e.time) - x0, 2);
        svg.append(
          s(
            'rect',
            { x: x0, y: y + 2, width: w, height: 3, rx: 1, class: 'pg-tl-call' },
            s(
              'title',
              {},
              `${e.syscall}${e.fd !== undefined ? ` on fd ${e.fd}` : ''} from ${vtime(e.start)} to ${vtime(e.time)}: ${vtime(e.time - e.start)}${e.errno ? `, failed with ${errnoName(e.errno)} (-${e.errno})` : ''}`,
            ),
          ),
        );
        if (w > 70) svg.append(s('text', { x: x0 + 4, y: y + 18, class: 'pg-tl-callname' }, e.syscall));
      }
      for (const e of log.syscalls) {
        if (e.pid !== lane.pid || !e.data) continue;
        // A send is marked where it was made, a receive where it returned.
        const cx = x(e.dir === 'out' ? (e.start ?? e.time) : e.time);
        const out = e.dir === 'out';
        const cy = y + laneH / 2;
        const pts = out
          ? `${cx - 4},${cy + 9} ${cx + 4},${cy + 9} ${cx},${cy + 2}`
          : `${cx - 4},${cy - 9} ${cx + 4},${cy - 9} ${cx},${cy - 2}`;
        svg.append(
          s(
            'polygon',
            { points: pts, class: out ? 'pg-tl-out' : 'pg-tl-in' },
            s(
              'title',
              {},
              `${e.syscall} ${out ? 'sent' : 'received'} ${e.data.length} bytes at ${vtime(out ? (e.start ?? e.time) : e.time)}`,
            ),
          ),
        );
      }
    });
    const step = tickStep(end);
    const ay = top + ls.length * laneH + 4;
    svg.append(s('line', { x1: left, x2: width - 28, y1: ay, y2: ay, class: 'pg-tl-axis' }));
    for (let t = 0; t <= end + 1e-9; t += step) {
      svg.append(s('line', { x1: x(t), x2: x(t), y1: ay, y2: ay + 4, class: 'pg-tl-axis' }));
      svg.append(
        s(
          'text',
          { x: x(t), y: ay + 15, class: 'pg-tl-tick', 'text-anchor': 'middle' },
          t === 0 ? '0' : t >= 1000 ? `${+(t / 1000).toFixed(3)} s` : `${+t.toFixed(3)} ms`,
        ),
      );
    }
    const legend = h(
      'p',
      { class: 'pg-legend' },
      ...[
        ['running', 'running'],
        ['runnable', 'ready to run'],
        ['blocked', 'blocked in the kernel'],
        ['sleeping', 'sleeping'],
      ].map(([k, t]) => h('span', { class: `pg-key pg-tl-key-${k}` }, t!)),
      h('span', { class: 'pg-key pg-tl-key-out' }, '▲ sent'),
      h('span', { class: 'pg-key pg-tl-key-in' }, '▼ received'),
    );
    const text = h(
      'details',
      { class: 'pg-tl-text' },
      h('summary', {}, 'The timeline as text'),
      h(
        'ul',
        {},
        ...ls.map((l) =>
          h(
            'li',
            {},
            `${l.name} ${l.pid}: `,
            l.segments.map((g) => `${g.state} ${vtime(g.from)}–${vtime(g.to)}`).join(', '),
          ),
        ),
      ),
    );
    this.body.replaceChildren(
      h('div', { class: 'pg-scroll', tabindex: 0, role: 'region', 'aria-label': 'Timeline (scrolls sideways)' }, svg),
      legend,
      text,
    );
  }
}
