/**
 * The Messages panel: every datagram the program sent or received, as a list; the selected one as a
 * hex dump beside its decoded fields. Hovering (or focusing) a field lights up its bytes, and
 * hovering a byte lights up the fields it belongs to.
 */
import { decodeDatagram, fieldsAt, protocolName, type Field, type GenlFamilySpec } from '../../../lib/decode/index.ts';
import type { SyscallRecord } from '../../../runtime/messages.ts';
import { errnoName } from '../../../api/errno.ts';
import type { RunLog } from '../run-log.ts';
import { familiesFromReplies, familiesFromState } from './families.ts';
import { h, vtime } from './dom.ts';

/** The Messages panel inside `body`. */
export class MessagesPanel {
  private list!: HTMLElement;
  private detail!: HTMLElement;
  private shown = 0;
  private selected = -1;
  private items: SyscallRecord[] = [];
  private families: GenlFamilySpec[] = [];

  constructor(private readonly body: HTMLElement) {}

  /** Forget the previous run. */
  reset(): void {
    this.shown = 0;
    this.selected = -1;
    this.items = [];
    this.list = h('ol', { class: 'pg-msg-list', 'aria-label': 'Messages, oldest first' });
    this.detail = h('div', { class: 'pg-msg-detail' }, h('p', { class: 'pg-empty' }, 'Choose a message to see its bytes and fields.'));
    this.body.replaceChildren(h('p', { class: 'pg-empty', 'data-none': '' }, 'No message has crossed yet.'), this.list, this.detail);
  }

  /** How many messages there are (the tab's count). */
  count(log: RunLog): number { return log.syscalls.filter((e) => e.data).length; }

  /** Add the rows that arrived since the last update. */
  update(log: RunLog): void {
    this.families = [...familiesFromState(log.state?.families), ...familiesFromReplies(log.syscalls)];
    const fresh = log.syscalls.filter((e) => e.data);
    if (fresh.length < this.shown) { this.reset(); }
    const add = fresh.slice(this.shown);
    if (add.length === 0) return;
    this.body.querySelector('[data-none]')?.remove();
    const frag = document.createDocumentFragment();
    for (const e of add) {
      const i = this.items.length;
      this.items.push(e);
      frag.append(this.row(e, i));
    }
    this.list.append(frag);
    this.shown = fresh.length;
    if (this.selected < 0) this.select(0);
  }

  private row(e: SyscallRecord, i: number): HTMLElement {
    const out = e.dir === 'out';
    let summary = '';
    try {
      const fields = decodeDatagram(e.data!, { protocol: e.protocol, families: this.families });
      const msgs = fields.filter((f) => f.kind === 'message');
      summary = msgs.length ? `${msgs[0]!.value ? `${msgs[0]!.label}: ${msgs[0]!.value}` : msgs[0]!.label}${msgs.length > 1 ? ` (+${msgs.length - 1} more)` : ''}` : fields[0]?.label ?? '';
    } catch (err) {
      summary = `could not decode: ${String(err)}`;
    }
    const who = `pid ${e.pid}${e.fd !== undefined ? ` fd ${e.fd}` : ''}`;
    const peer = e.addr ? `${out ? 'to' : 'from'} ${e.addr.nl_pid | 0}${e.addr.nl_groups ? `/groups 0x${(e.addr.nl_groups >>> 0).toString(16)}` : ''}` : '';
    const btn = h('button', { type: 'button', class: `pg-msg-row ${out ? 'pg-dir-out' : 'pg-dir-in'}`, 'aria-pressed': 'false', 'data-i': i },
      h('span', { class: 'pg-msg-dir', 'aria-label': out ? 'sent' : 'received' }, out ? '→' : '←'),
      h('span', { class: 'pg-msg-call' }, e.syscall),
      h('span', { class: 'pg-msg-who' }, `${who} ${peer}`.trim()),
      h('span', { class: 'pg-msg-len' }, `${e.data!.length} B`),
      h('span', { class: 'pg-msg-time' }, vtime(e.time)),
      h('span', { class: 'pg-msg-sum' }, summary),
    );
    btn.addEventListener('click', () => this.select(i));
    return h('li', {}, btn);
  }

  private select(i: number): void {
    const e = this.items[i];
    if (!e) return;
    this.selected = i;
    for (const b of this.list.querySelectorAll<HTMLElement>('.pg-msg-row')) b.setAttribute('aria-pressed', String(b.dataset.i === String(i)));
    this.detail.replaceChildren(renderDetail(e, this.families, this.body.clientWidth || 1000));
  }
}

/** The hex dump and the field tree of one datagram, linked by hover and focus. */
export function renderDetail(e: SyscallRecord, families: GenlFamilySpec[], width = 1000): HTMLElement {
  const data = e.data!;
  const fields = decodeDatagram(data, { protocol: e.protocol, families });
  const kinds = new Array<string>(data.length).fill('');
  // A leaf is coloured by what it belongs to: a header's fields as header, an attribute's as attribute.
  const paint = (fs: readonly Field[], parent?: Field) => {
    for (const f of fs) {
      if (f.children) { paint(f.children, f); continue; }
      const kind = f.kind === 'field' && (parent?.kind === 'header' || parent?.kind === 'attr') ? parent.kind : f.kind;
      for (let b = f.start; b < f.end && b < data.length; b++) kinds[b] = kind;
    }
  };
  paint(fields);

  const bytes: HTMLElement[] = [];
  const hex = h('div', { class: 'pg-hex', role: 'group', 'aria-label': 'Hex dump' });
  const perRow = width < 520 ? 8 : 16;
  hex.style.setProperty('--per-row', String(perRow));
  for (let row = 0; row < data.length; row += perRow) {
    const line = h('div', { class: 'pg-hex-row' }, h('span', { class: 'pg-hex-off' }, row.toString(16).padStart(4, '0')));
    const cells = h('span', { class: 'pg-hex-bytes' });
    const ascii = h('span', { class: 'pg-hex-ascii', 'aria-hidden': 'true' });
    for (let i = row; i < Math.min(row + perRow, data.length); i++) {
      const b = data[i]!;
      const cell = h('span', { class: `pg-b pg-k-${kinds[i] || 'none'}`, 'data-b': i }, b.toString(16).padStart(2, '0'));
      bytes[i] = cell;
      cells.append(cell);
      ascii.append(h('span', { class: 'pg-a', 'data-b': i }, b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '·'));
    }
    line.append(cells, ascii);
    hex.append(line);
  }

  const rows = new Map<Field, HTMLElement>();
  const tree = h('ul', { class: 'pg-tree', role: 'tree', 'aria-label': 'Decoded fields' });
  const build = (fs: readonly Field[], into: HTMLElement, depth: number) => {
    for (const f of fs) {
      const label = h('div', { class: `pg-f pg-k-${f.kind}`, tabindex: 0, role: 'treeitem', 'aria-level': depth + 1, 'aria-expanded': f.children ? 'true' : undefined },
        h('span', { class: 'pg-f-label' }, f.label),
        f.value !== undefined ? h('span', { class: 'pg-f-value' }, f.value) : null,
        h('span', { class: 'pg-f-range' }, f.end - f.start === 1 ? `[${f.start}]` : `[${f.start}–${f.end - 1}]`),
        f.note ? h('span', { class: 'pg-f-note' }, f.note) : null,
      );
      rows.set(f, label);
      const li = h('li', { role: 'none' }, label);
      if (f.children) {
        const ul = h('ul', { role: 'group' });
        build(f.children, ul, depth + 1);
        li.append(ul);
      }
      into.append(li);
      const on = () => light(f.start, f.end, [f]);
      label.addEventListener('mouseenter', on);
      label.addEventListener('focus', on);
      label.addEventListener('mouseleave', clear);
      label.addEventListener('blur', clear);
    }
  };
  build(fields, tree, 0);

  let lit: HTMLElement[] = [];
  function clear() {
    for (const el of lit) el.classList.remove('pg-hl');
    lit = [];
  }
  function light(start: number, end: number, path: Field[]) {
    clear();
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b) { b.classList.add('pg-hl'); lit.push(b); }
      const a = hex.querySelector<HTMLElement>(`.pg-a[data-b="${i}"]`);
      if (a) { a.classList.add('pg-hl'); lit.push(a); }
    }
    for (const f of path) { const r = rows.get(f); if (r) { r.classList.add('pg-hl'); lit.push(r); } }
  }
  hex.addEventListener('mouseover', (ev) => {
    const t = (ev.target as HTMLElement).closest<HTMLElement>('[data-b]');
    if (!t) return;
    const path = fieldsAt(fields, Number(t.dataset.b));
    const leaf = path.at(-1);
    if (leaf) {
      light(leaf.start, leaf.end, path);
      rows.get(leaf)?.scrollIntoView({ block: 'nearest' });
    }
  });
  hex.addEventListener('mouseleave', clear);

  const head = h('p', { class: 'pg-msg-head' },
    `${e.dir === 'out' ? 'Sent with' : 'Received by'} ${e.syscall} on ${e.protocol !== undefined ? protocolName(e.protocol) : 'a socket of unknown protocol'}: ${data.length} bytes`,
    e.errno ? ` (failed: ${errnoName(e.errno)})` : '',
    e.ret !== undefined && e.ret !== data.length ? ` (returned ${e.ret})` : '',
    '.');
  const legend = h('p', { class: 'pg-legend', 'aria-hidden': 'true' },
    ...[['header', 'headers'], ['attr', 'attribute headers'], ['field', 'values'], ['payload', 'payload'], ['padding', 'padding'], ['trailing', 'not read by the kernel']]
      .map(([k, t]) => h('span', { class: `pg-key pg-key-${k}` }, t!)));
  return h('div', {}, head, h('div', { class: 'pg-msg-split' }, h('div', {}, hex, legend), tree));
}
