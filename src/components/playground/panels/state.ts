/**
 * The Kernel state panel: the sockets as /proc/net/netlink shows them (with their queues), the
 * processes, the registered protocols, generic netlink families and modules, and the kernel log.
 */
import { protocolName } from '../../../lib/decode/index.ts';
import type { KernelState, SocketState } from '../../../runtime/kernel-view.ts';
import type { RunLog } from '../run-log.ts';
import { h, vtime } from './dom.ts';

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const flag = (v: boolean | number | undefined) => (v ? 1 : 0);

/** The state panel inside `body`: redrawn whole (the state is small). */
export class StatePanel {
  private drawn = -1;
  constructor(private readonly body: HTMLElement) {}

  reset(): void {
    this.drawn = -1;
    this.body.replaceChildren(h('p', { class: 'pg-empty' }, 'The kernel has not reported its state yet.'));
  }

  count(log: RunLog): number { return log.state?.sockets?.length ?? 0; }

  update(log: RunLog): void {
    const st = log.state;
    if (!st || this.drawn === log.version) return;
    this.drawn = log.version;
    this.body.replaceChildren(render(st, log));
  }
}

function render(st: KernelState, log: RunLog): HTMLElement {
  const sockets = st.sockets ?? [];
  const table = h('table', { class: 'pg-table' },
    h('caption', {}, `Sockets (/proc/net/netlink) at virtual time ${vtime(st.time)}`),
    h('thead', {}, h('tr', {}, ...['Eth', 'Pid', 'Groups', 'Rmem', 'Wmem', 'Dump', 'Drops', 'Owner', 'Queue'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...sockets.map((s) => socketRow(s, log))),
  );
  const parts: HTMLElement[] = [h('div', { class: 'pg-scroll' }, table)];
  if (sockets.length === 0) parts.push(h('p', { class: 'pg-empty' }, 'No sockets.'));

  const procs = st.processes ?? [];
  parts.push(h('h4', {}, 'Processes'), procs.length
    ? h('ul', { class: 'pg-plain' }, ...procs.map((p) => h('li', {}, h('code', {}, `${p.pid}`), ` ${p.name} (uid ${p.uid}): `, h('strong', {}, p.state), p.waitingOn ? ` — waiting on ${p.waitingOn}` : '')))
    : h('p', { class: 'pg-empty' }, 'No processes.'));

  parts.push(h('h4', {}, 'Registered protocols'), list(st.protocols, describeProtocol));
  parts.push(h('h4', {}, 'Generic netlink families'), list(st.families, describeFamily));
  parts.push(h('h4', {}, 'Modules'), list(st.modules, describeModule));
  const dmesg = (st.dmesg ?? []).map(describeDmesg);
  parts.push(h('h4', {}, 'Kernel log (dmesg)'), dmesg.length ? h('pre', { class: 'pg-dmesg' }, dmesg.join('\n')) : h('p', { class: 'pg-empty' }, 'Empty.'));
  return h('div', { class: 'pg-state' }, ...parts);
}

function socketRow(s: SocketState, log: RunLog): HTMLElement {
  const owner = s.kernel ? 'kernel' : `${log.names.get(s.pid) ?? 'pid'} ${s.pid}`;
  const queue = s.queue ?? [];
  const q = queue.length === 0 ? 'empty' : `${queue.length} datagram${queue.length === 1 ? '' : 's'} (${queue.map(queuedLength).join(', ')} B)`;
  return h('tr', {},
    h('td', {}, `${s.protocol}`, h('span', { class: 'pg-sub' }, ` ${protocolName(s.protocol).replace('NETLINK_', '')}`)),
    h('td', {}, `${s.portid | 0}`),
    h('td', {}, hex8(s.groups)),
    h('td', {}, `${s.rmem}`, h('span', { class: 'pg-sub' }, ` / ${s.rcvbuf}`)),
    h('td', {}, `${s.wmem}`, h('span', { class: 'pg-sub' }, ` / ${s.sndbuf}`)),
    h('td', {}, `${flag(s.dump)}`),
    h('td', {}, `${s.drops}`),
    h('td', {}, owner),
    h('td', {}, q),
  );
}

function queuedLength(q: unknown): number {
  if (q instanceof Uint8Array) return q.length;
  const o = q as { len?: unknown; length?: unknown; data?: unknown; bytes?: unknown };
  if (typeof o.len === 'number') return o.len;
  if (o.data instanceof Uint8Array) return o.data.length;
  if (o.bytes instanceof Uint8Array) return o.bytes.length;
  return typeof o.length === 'number' ? o.length : 0;
}

function list(items: unknown[] | undefined, text: (x: unknown) => string): HTMLElement {
  if (!items || items.length === 0) return h('p', { class: 'pg-empty' }, 'None.');
  return h('ul', { class: 'pg-plain' }, ...items.map((x) => h('li', {}, text(x))));
}

const str = (x: unknown): string => (typeof x === 'string' ? x : typeof x === 'number' ? `${x}` : JSON.stringify(x));

function describeProtocol(x: unknown): string {
  if (typeof x === 'number') return `${x} ${protocolName(x)}`;
  const o = x as { protocol?: number; name?: string; groups?: number };
  return typeof o.protocol === 'number' ? `${o.protocol} ${o.name ?? protocolName(o.protocol)}${o.groups ? ` (${o.groups} groups)` : ''}` : str(x);
}

function describeFamily(x: unknown): string {
  const o = x as { id?: number; name?: string; version?: number; ops?: unknown[]; mcgrps?: unknown[]; groups?: unknown[] };
  if (typeof o.name !== 'string') return str(x);
  const grps = o.mcgrps ?? o.groups;
  return `${o.name} — id ${o.id ?? '?'}${o.version !== undefined ? `, version ${o.version}` : ''}${Array.isArray(o.ops) ? `, ${o.ops.length} ops` : ''}${Array.isArray(grps) && grps.length ? `, groups ${grps.map((g) => (typeof g === 'object' && g && 'name' in g ? String((g as { name: unknown }).name) : str(g))).join(', ')}` : ''}`;
}

function describeModule(x: unknown): string {
  const o = x as { name?: string; description?: string };
  return typeof o.name === 'string' ? `${o.name}${o.description ? ` — ${o.description}` : ''}` : str(x);
}

function describeDmesg(x: unknown): string {
  if (typeof x === 'string') return x;
  const o = x as { time?: number; text?: string; message?: string; msg?: string };
  const text = o.text ?? o.message ?? o.msg ?? str(x);
  return typeof o.time === 'number' ? `[${(o.time / 1000).toFixed(6).padStart(12)}] ${text}` : text;
}
