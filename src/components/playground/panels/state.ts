/**
 * The Kernel state panel: the sockets as /proc/net/netlink shows them (with their queues), the
 * processes, the registered protocols, generic netlink families and modules, and the kernel log.
 */
import { protocolName } from '../../../lib/decode/index.ts';
import type { KernelState, SocketState } from '../../../runtime/kernel-view.ts';
import type { RunLog } from '../run-log.ts';
import { h, vtime } from './dom.ts';

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
/** The Groups column of /proc/net/netlink: the bitmask of the first 32 groups. */
const groupMask = (g: number[] | number): number =>
  Array.isArray(g) ? g.reduce((m, n) => (n >= 1 && n <= 32 ? m | (1 << (n - 1)) : m), 0) : g;
const flag = (v: boolean | number | undefined) => (v ? 1 : 0);

/**
 * The state panel inside `body`: a slider over the moments the kernel's state was taken (after
 * each syscall, and at the end), and that moment's state, redrawn whole (it is small).
 */
export class StatePanel {
  private drawn = -1;
  /** The moment chosen with the slider; undefined follows the latest. */
  private chosen?: number;
  private view?: HTMLElement;
  constructor(private readonly body: HTMLElement) {}

  reset(): void {
    this.drawn = -1;
    this.chosen = undefined;
    this.view = undefined;
    this.body.replaceChildren(h('p', { class: 'pg-empty' }, 'The kernel has not reported its state yet.'));
  }

  count(log: RunLog): number {
    return log.state?.sockets?.filter((s) => !s.kernel).length ?? 0;
  }

  update(log: RunLog): void {
    if (!log.state || this.drawn === log.version) return;
    this.drawn = log.version;
    const dmesg = log.state.dmesg ?? [];
    const moments = [
      ...log.snapshots.map((s) => ({
        label: `after ${s.after}`,
        state: { ...s.state, dmesg: dmesg.slice(0, s.dmesgLines) },
      })),
      { label: log.exit || log.killed ? 'at the end' : 'now', state: log.state },
    ];
    // After the end, open on the last moment the program still had sockets: by then they are closed.
    const ended = (log.exit || log.killed) && !log.state.sockets.some((s) => !s.kernel);
    let lastLive = -1;
    if (ended)
      for (let i = moments.length - 1; i >= 0 && lastLive < 0; i--)
        if (moments[i]!.state.sockets.some((s) => !s.kernel)) lastLive = i;
    let at = this.chosen ?? (lastLive >= 0 ? lastLive : moments.length - 1);
    at = Math.min(at, moments.length - 1);
    const slider = h('input', {
      type: 'range',
      min: 0,
      max: moments.length - 1,
      value: at,
      step: 1,
      'aria-label': 'Moment of the run',
      class: 'pg-slider',
    });
    const label = h('output', { class: 'pg-moment' });
    this.view = h('div');
    const show = (i: number) => {
      const m = moments[i]!;
      label.textContent = `${i + 1} of ${moments.length}: ${m.label}, virtual time ${vtime(m.state.time)}`;
      this.view!.replaceChildren(render(m.state, log, i === lastLive && lastLive !== moments.length - 1));
    };
    slider.addEventListener('input', () => {
      this.chosen = Number(slider.value);
      show(this.chosen);
    });
    show(at);
    this.body.replaceChildren(h('div', { class: 'pg-moments' }, h('label', {}, 'Moment ', slider), label), this.view);
  }
}

function render(st: KernelState, log: RunLog, beforeEnd = false): HTMLElement {
  const sockets = st.sockets ?? [];
  const proc = st.source === 'proc';
  const table = h(
    'table',
    { class: 'pg-table' },
    h(
      'caption',
      {},
      proc
        ? `Sockets (the real kernel's /proc/net/netlink) at ${vtime(st.time)}`
        : `Sockets (/proc/net/netlink) at virtual time ${vtime(st.time)}`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Eth', 'Pid', 'Groups', 'Rmem', 'Wmem', 'Dump', 'Drops', ...(proc ? [] : ['Owner', 'Queue'])].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h('tbody', {}, ...sockets.map((s) => socketRow(s, log, proc))),
  );
  const parts: HTMLElement[] = [];
  if (proc) {
    parts.push(
      h(
        'p',
        { class: 'pg-hint' },
        "A real kernel shows its insides only through /proc: these are its /proc/net/netlink and /proc/modules (the VM's, or Linux in your browser's), read after each syscall. " +
          'Receive queues, buffer sizes, which process owns a socket, generic netlink families and the kernel log are what the simulated kernel adds; run on it to see them.',
      ),
    );
  }
  if (beforeEnd)
    parts.push(
      h(
        'p',
        { class: 'pg-hint' },
        'The program has ended and its sockets are closed: this is the last moment they existed. Move the slider to see the others.',
      ),
    );
  parts.push(
    h(
      'div',
      { class: 'pg-scroll', tabindex: 0, role: 'region', 'aria-label': 'Sockets table (scrolls sideways)' },
      table,
    ),
  );
  if (sockets.length === 0) parts.push(h('p', { class: 'pg-empty' }, 'No sockets.'));

  const procs = st.processes ?? [];
  parts.push(
    h('h4', {}, 'Processes'),
    procs.length
      ? h(
          'ul',
          { class: 'pg-plain' },
          ...procs.map((p) =>
            h(
              'li',
              {},
              h('code', {}, `${p.pid}`),
              ` ${p.name} (uid ${p.uid}): `,
              h('strong', {}, p.state),
              p.waitingOn ? ` — waiting on ${p.waitingOn}` : '',
            ),
          ),
        )
      : h('p', { class: 'pg-empty' }, 'No processes.'),
  );
  if (proc) {
    parts.push(h('h4', {}, 'Modules (/proc/modules)'), list(st.modules, describeModule));
    return h('div', { class: 'pg-state' }, ...parts);
  }

  parts.push(h('h4', {}, 'Registered protocols'), list(st.protocols, describeProtocol));
  parts.push(h('h4', {}, 'Generic netlink families'), list(st.families, describeFamily));
  parts.push(h('h4', {}, 'Modules'), list(st.modules, describeModule));
  const dmesg = (st.dmesg ?? []).map(describeDmesg);
  parts.push(
    h('h4', {}, 'Kernel log (dmesg)'),
    dmesg.length ? h('pre', { class: 'pg-dmesg' }, dmesg.join('\n')) : h('p', { class: 'pg-empty' }, 'Empty.'),
  );
  return h('div', { class: 'pg-state' }, ...parts);
}

function socketRow(s: SocketState, log: RunLog, proc: boolean): HTMLElement {
  const cells = [
    h(
      'td',
      {},
      `${s.protocol}`,
      h('span', { class: 'pg-sub' }, ` ${protocolName(s.protocol).replace('NETLINK_', '')}`),
    ),
    // Linux prints the port id with %u: an autobound (negative in C's s32) id shows as a large number.
    h('td', {}, `${s.portid >>> 0}`),
    h(
      'td',
      { title: Array.isArray(s.groups) && s.groups.length ? `groups ${s.groups.join(', ')}` : undefined },
      hex8(groupMask(s.groups)),
    ),
    h('td', {}, `${s.rmem}`, s.rcvbuf !== undefined ? h('span', { class: 'pg-sub' }, ` / ${s.rcvbuf}`) : ''),
    h('td', {}, `${s.wmem}`, s.sndbuf !== undefined ? h('span', { class: 'pg-sub' }, ` / ${s.sndbuf}`) : ''),
    h('td', {}, `${flag(s.dump)}`),
    h('td', {}, `${s.drops}`),
  ];
  if (proc) return h('tr', {}, ...cells);
  const owner = s.kernel
    ? 'kernel'
    : `${log.names.get(s.pid) ?? 'pid'} ${s.pid}${s.fd !== undefined && s.fd >= 0 ? `, fd ${s.fd}` : ''}`;
  const queue = s.queue ?? [];
  const q =
    queue.length === 0
      ? 'empty'
      : `${queue.length} datagram${queue.length === 1 ? '' : 's'}: ${queue.slice(0, 6).map(queued).join(', ')}${queue.length > 6 ? ', …' : ''}`;
  return h('tr', {}, ...cells, h('td', {}, owner), h('td', {}, q));
}

/** One queued datagram: its length and sender ('36 B from 0', '48 B from 0 to group 2'). */
const queued = (q: { len: number; from?: number; group?: number }): string =>
  `${q.len} B${q.from !== undefined ? ` from ${q.from >>> 0}` : ''}${q.group ? ` to group ${q.group}` : ''}`;

function list(items: unknown[] | undefined, text: (x: unknown) => string): HTMLElement {
  if (!items || items.length === 0) return h('p', { class: 'pg-empty' }, 'None.');
  return h('ul', { class: 'pg-plain' }, ...items.map((x) => h('li', {}, text(x))));
}

const str = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' ? `${x}` : JSON.stringify(x));

function describeProtocol(x: unknown): string {
  if (typeof x === 'number') return `${x} ${protocolName(x)}`;
  const o = x as { protocol?: number; unit?: number; name?: string; groups?: number; module?: string };
  const unit = o.unit ?? o.protocol;
  return typeof unit === 'number'
    ? `${unit} ${protocolName(unit).startsWith('protocol ') ? (o.name ?? protocolName(unit)) : protocolName(unit)}${o.groups ? `, ${o.groups} groups` : ''}${o.module ? ` (module ${o.module})` : ''}`
    : str(x);
}

function describeFamily(x: unknown): string {
  const o = x as {
    id?: number;
    name?: string;
    version?: number;
    module?: string;
    ops?: { cmd?: number }[];
    mcgrps?: unknown[];
    groups?: unknown[];
  };
  if (typeof o.name !== 'string') return str(x);
  const grps = (o.mcgrps ?? o.groups ?? []).map((g) => {
    const q = g as { name?: unknown; id?: unknown };
    return typeof q.name === 'string' ? `${q.name}${typeof q.id === 'number' ? ` (id ${q.id})` : ''}` : str(g);
  });
  const ops = Array.isArray(o.ops) ? o.ops.map((op) => op.cmd).filter((c): c is number => typeof c === 'number') : [];
  return [
    `${o.name}: id ${o.id ?? '?'}${typeof o.id === 'number' ? ` (0x${o.id.toString(16)})` : ''}`,
    o.version !== undefined ? `version ${o.version}` : '',
    o.module ? `module ${o.module}` : '',
    ops.length ? `commands ${ops.join(', ')}` : '',
    grps.length ? `groups ${grps.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

function describeModule(x: unknown): string {
  const o = x as { name?: string; description?: string; refs?: number };
  return typeof o.name === 'string'
    ? `${o.name}${typeof o.refs === 'number' ? ` (used by ${o.refs})` : ''}${o.description ? ` — ${o.description}` : ''}`
    : str(x);
}

function describeDmesg(x: unknown): string {
  if (typeof x === 'string') return x;
  const o = x as { time?: number; text?: string; message?: string; msg?: string };
  const text = o.text ?? o.message ?? o.msg ?? str(x);
  return typeof o.time === 'number' ? `[${(o.time / 1000).toFixed(6).padStart(12)}] ${text}` : text;
}
