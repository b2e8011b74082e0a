/**
 * The Messages panel: every syscall the program made, in order — each datagram sent or received
 * (a failed send too, with its errno) as a row to open, the other calls as plain rows with their
 * result; the selected datagram as a hex dump beside its decoded fields. Hovering (or focusing) a
 * field lights up its bytes, and hovering a byte lights up the fields it belongs to.
 */
import {
  decodeDatagram,
  fieldsAt,
  protocolName,
  type DecodeContext,
  type Field,
  type GenlFamilySpec,
} from '../../../lib/decode/index.ts';
import type { SyscallRecord } from '../../../runtime/messages.ts';
import { errnoName } from '../../../api/errno.ts';
import type { RunLog } from '../run-log.ts';
import { familiesFromReplies, familiesFromState } from './families.ts';
import { pcapFromRecords } from '../../../lib/capture.ts';
import { readPcap } from '../../../lib/pcap.ts';
import { h, vtime } from './dom.ts';

/** The Messages panel inside `body`. */
export class MessagesPanel {
  private list!: HTMLElement;
  private detail!: HTMLElement;
  private shown = 0;
  private selected = -1;
  private items: SyscallRecord[] = [];
  private families: GenlFamilySpec[] = [];
  /** A capture opened from a file is shown instead of the run, until the next run. */
  private imported = false;

  constructor(private readonly body: HTMLElement) {}

  /** Forget the previous run. */
  reset(): void {
    this.shown = 0;
    this.selected = -1;
    this.items = [];
    this.imported = false;
    this.list = h('ol', { class: 'pg-msg-list', 'aria-label': 'Messages, oldest first' });
    this.detail = h(
      'div',
      { class: 'pg-msg-detail' },
      h('p', { class: 'pg-empty' }, 'Choose a message to see its bytes and fields.'),
    );
    this.body.replaceChildren(
      this.toolbar(),
      h('p', { class: 'pg-empty', 'data-none': '' }, 'No message has crossed yet.'),
      this.list,
      this.detail,
    );
  }

  /** Download the run's messages as a capture; open a capture (nlmon, Wireshark) to browse it here. */
  private toolbar(): HTMLElement {
    const status = h('span', { class: 'pg-msg-capture-status', role: 'status' });
    const download = h(
      'button',
      { type: 'button', class: 'pg-msg-capture', 'data-download-capture': '' },
      'Download capture',
    );
    download.addEventListener('click', () => {
      const pcap = pcapFromRecords(this.items);
      const url = URL.createObjectURL(new Blob([pcap as BlobPart], { type: 'application/vnd.tcpdump.pcap' }));
      const a = h('a', { href: url, download: 'netlink-lab.pcap' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      status.textContent = `${this.items.filter((e) => e.errno === undefined && e.protocol !== undefined).length} datagrams, ${pcap.length} bytes (LINKTYPE_NETLINK: Wireshark, tshark, netlink-lab decode)`;
    });
    const input = h('input', {
      type: 'file',
      accept: '.pcap,.pcapng,.cap',
      class: 'pg-msg-capture-file',
      'aria-label': 'Open a capture',
    }) as HTMLInputElement;
    input.addEventListener('change', () => {
      const file = input.files?.[0];
      if (!file) return;
      void file.arrayBuffer().then((buf) => {
        try {
          this.showCapture(new Uint8Array(buf));
          status.textContent = `opened ${file.name}`;
        } catch (err) {
          // Bad input loses nothing: the run's messages stay as they were.
          status.textContent = `could not open ${file.name}: ${(err as Error).message}`;
        }
      });
    });
    const open = h('label', { class: 'pg-msg-capture' }, 'Open capture…', input);
    return h('div', { class: 'pg-msg-toolbar' }, download, open, status);
  }

  /** Show a capture's datagrams (from nlmon or an export) as rows, decoded like a run's. */
  showCapture(file: Uint8Array): void {
    const packets = readPcap(file);
    const records: SyscallRecord[] = packets.map((p) => ({
      syscall: p.to === 'unknown' ? 'nlmon' : `to ${p.to}`,
      pid: 0,
      time: p.time,
      dir: p.to === 'kernel' || (p.to === 'unknown' && p.data.length >= 8 && p.data[6]! & 1) ? 'out' : 'in',
      data: p.data,
      protocol: p.protocol,
      ...(p.origLen ? { ret: p.origLen } : {}),
      ...(p.to !== 'kernel' && !(p.data[6]! & 1) ? { addr: { nl_family: 16, nl_pid: 0, nl_groups: 0 } } : {}),
    }));
    const bar = this.body.querySelector('.pg-msg-toolbar');
    this.reset();
    if (bar) this.body.querySelector('.pg-msg-toolbar')!.replaceWith(bar);
    this.imported = true;
    this.families = familiesFromReplies(records);
    this.body.querySelector('[data-none]')?.remove();
    for (const e of records) {
      const i = this.items.length;
      this.items.push(e);
      this.list.append(this.row(e, i));
    }
    if (this.items.length > 0) this.select(0);
  }

  /** How many messages there are (the tab's count). */
  count(log: RunLog): number {
    return log.syscalls.filter((e) => e.data).length;
  }

  /** Add the rows that arrived since the last update. */
  update(log: RunLog): void {
    if (this.imported) return;
    this.families = [...familiesFromState(log.state?.families), ...familiesFromReplies(log.syscalls)];
    const total = log.syscalls.length + log.dropped.syscalls;
    if (total < this.shown) {
      this.reset();
    }
    const add = log.syscalls.slice(Math.max(0, this.shown - log.dropped.syscalls));
    if (add.length === 0) return;
    this.body.querySelector('[data-none]')?.remove();
    const frag = document.createDocumentFragment();
    for (const e of add) {
      if (!e.data) {
        frag.append(plainRow(e));
        continue;
      }
      const i = this.items.length;
      this.items.push(e);
      frag.append(this.row(e, i));
    }
    this.list.append(frag);
    this.shown = total;
    if (this.selected < 0 && this.items.length > 0) this.select(0);
  }

  private row(e: SyscallRecord, i: number): HTMLElement {
    const out = e.dir === 'out';
    let summary = '';
    try {
      const fields = decodeDatagram(e.data!, context(e, this.families));
      const msgs = fields.filter((f) => f.kind === 'message');
      summary = msgs.length
        ? `${msgs[0]!.value ? `${msgs[0]!.label}: ${msgs[0]!.value}` : msgs[0]!.label}${msgs.length > 1 ? ` (+${msgs.length - 1} more)` : ''}`
        : (fields[0]?.label ?? '');
    } catch (err) {
      summary = `could not decode: ${String(err)}`;
    }
    const who = `pid ${e.pid}${e.fd !== undefined ? ` fd ${e.fd}` : ''}`;
    const peer = e.addr
      ? `${out ? 'to' : 'from'} ${e.addr.nl_pid >>> 0}${e.addr.nl_groups ? `/groups 0x${(e.addr.nl_groups >>> 0).toString(16)}` : ''}`
      : '';
    const cut = cutLength(e);
    // A send is stamped when it was made, a receive when it returned (a blocked recv took time).
    const at = out ? (e.start ?? e.time) : e.time;
    const btn = h(
      'button',
      {
        type: 'button',
        class: `pg-msg-row ${out ? 'pg-dir-out' : 'pg-dir-in'}${e.errno ? ' pg-msg-failed' : ''}`,
        'aria-pressed': 'false',
        'data-i': i,
      },
      h('span', { class: 'pg-msg-dir', 'aria-label': out ? 'sent' : 'received' }, out ? '→' : '←'),
      h('span', { class: 'pg-msg-call' }, e.syscall),
      h('span', { class: 'pg-msg-who' }, `${who} ${peer}`.trim()),
      h('span', { class: 'pg-msg-len' }, cut ? `${e.data!.length} of ${cut} B` : `${e.data!.length} B`),
      h('span', { class: 'pg-msg-time' }, vtime(at)),
      h(
        'span',
        { class: 'pg-msg-sum' },
        e.errno
          ? `failed: ${errnoName(e.errno)} (-${e.errno}) · ${summary}`
          : cut
            ? `cut by MSG_TRUNC · ${summary}`
            : summary,
      ),
    );
    btn.addEventListener('click', () => this.select(i));
    return h('li', {}, btn);
  }

  private select(i: number): void {
    const e = this.items[i];
    if (!e) return;
    this.selected = i;
    for (const b of this.list.querySelectorAll<HTMLElement>('.pg-msg-row'))
      b.setAttribute('aria-pressed', String(b.dataset.i === String(i)));
    this.detail.replaceChildren(renderDetail(e, this.families, this.body.clientWidth || 1000));
  }
}

/** The datagram's whole length when a receive was cut by MSG_TRUNC (it returned more than it copied). */
const cutLength = (e: SyscallRecord): number | undefined =>
  e.dir === 'in' && e.data && e.ret !== undefined && e.ret > e.data.length ? e.ret : undefined;

/** What the decoder should know about a datagram: its protocol, its sender, whether it was cut. */
function context(e: SyscallRecord, families: GenlFamilySpec[]): DecodeContext {
  const fromKernel = e.dir === 'in' && e.addr !== undefined && e.addr.nl_pid >>> 0 === 0;
  const cut = cutLength(e);
  return {
    protocol: e.protocol,
    families,
    ...(e.dir === 'out' || (e.dir === 'in' && e.addr)
      ? { sender: fromKernel ? ('kernel' as const) : ('process' as const) }
      : {}),
    ...(cut ? { truncatedFrom: cut } : {}),
  };
}

/** A syscall that carried no datagram: one line with its result (a failure by its errno's name). */
function plainRow(e: SyscallRecord): HTMLElement {
  const result = e.errno ? `= -1 ${errnoName(e.errno)}` : e.ret !== undefined ? `= ${e.ret}` : '';
  return h(
    'li',
    { class: `pg-msg-plain${e.errno ? ' pg-msg-failed' : ''}` },
    h('span', { class: 'pg-msg-dir', 'aria-hidden': 'true' }, '·'),
    h('span', { class: 'pg-msg-call' }, e.syscall),
    h(
      'span',
      { class: 'pg-msg-who' },
      `pid ${e.pid}${e.fd !== undefined ? ` fd ${e.fd}` : ''}${e.args ? ` (${e.args})` : ''}`,
    ),
    h('span', { class: 'pg-msg-len' }, result),
    h('span', { class: 'pg-msg-time' }, vtime(e.start ?? e.time)),
  );
}

/** The hex dump and the field tree of one datagram, linked by hover and focus. */
export function renderDetail(e: SyscallRecord, families: GenlFamilySpec[], width = 1000): HTMLElement {
  const data = e.data!;
  const fields = decodeDatagram(data, context(e, families));
  const kinds = new Array<string>(data.length).fill('');
  // A leaf is coloured by what it belongs to: a header's fields as header, an attribute's as attribute.
  const paint = (fs: readonly Field[], parent?: Field) => {
    for (const f of fs) {
      if (f.children) {
        paint(f.children, f);
        continue;
      }
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
    const line = h(
      'div',
      { class: 'pg-hex-row' },
      h('span', { class: 'pg-hex-off' }, row.toString(16).padStart(4, '0')),
    );
    const cells = h('span', { class: 'pg-hex-bytes' });
    const ascii = h('span', { class: 'pg-hex-ascii', 'aria-hidden': 'true' });
    for (let i = row; i < Math.min(row + perRow, data.length); i++) {
      const b = data[i]!;
      const cell = h(
        'span',
        { class: `pg-b pg-k-${kinds[i] || 'none'}`, 'data-b': i },
        b.toString(16).padStart(2, '0'),
      );
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
      const label = h(
        'div',
        {
          class: `pg-f pg-k-${f.kind}`,
          tabindex: 0,
          role: 'treeitem',
          'aria-level': depth + 1,
          'aria-expanded': f.children ? 'true' : undefined,
        },
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
      if (b) {
        b.classList.add('pg-hl');
        lit.push(b);
      }
      const a = hex.querySelector<HTMLElement>(`.pg-a[data-b="${i}"]`);
      if (a) {
        a.classList.add('pg-hl');
        lit.push(a);
      }
    }
    for (const f of path) {
      const r = rows.get(f);
      if (r) {
        r.classList.add('pg-hl');
        lit.push(r);
      }
    }
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

  const head = h(
    'p',
    { class: 'pg-msg-head' },
    `${e.dir === 'out' ? 'Sent with' : 'Received by'} ${e.syscall} on ${e.protocol !== undefined ? protocolName(e.protocol) : 'a socket of unknown protocol'}: ${data.length} bytes`,
    e.errno
      ? ` (failed: -1, errno ${errnoName(e.errno)}; the kernel refused it${e.dir === 'out' ? ', so nobody received it' : ''})`
      : '',
    cutLength(e)
      ? ` (cut by MSG_TRUNC: the datagram had ${e.ret} bytes and recv returned ${e.ret}; the rest is lost)`
      : e.ret !== undefined && e.ret !== data.length
        ? ` (returned ${e.ret})`
        : '',
    '.',
  );
  const legend = h(
    'p',
    { class: 'pg-legend', 'aria-hidden': 'true' },
    ...[
      ['header', 'headers'],
      ['attr', 'attribute headers'],
      ['field', 'values'],
      ['payload', 'payload'],
      ['padding', 'padding'],
      ['trailing', 'not read by the kernel'],
    ].map(([k, t]) => h('span', { class: `pg-key pg-key-${k}` }, t!)),
  );
  return h('div', {}, head, h('div', { class: 'pg-msg-split' }, h('div', {}, hex, legend), tree));
}
