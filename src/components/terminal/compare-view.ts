/**
 * The side-by-side view of a sim-vs-VM comparison (src/runtime/vm/compare.ts): one row per
 * syscall, the simulated kernel's on the left and the VM's on the right; rows that differ are
 * marked and list what differs, with both datagrams' bytes and the differing ones highlighted.
 *
 *   import { renderComparison } from './compare-view.ts';
 *   renderComparison(panelElement, compareRuns(simEvents, vmEvents));
 */
import { errnoName } from '../../api/errno.ts';
import type { ByteRange, Comparison, CompareRow, NormalisedEvent } from '../../runtime/vm/compare.ts';
import './compare-view.css';

const STATUS_TEXT: Record<CompareRow['status'], string> = {
  same: 'same',
  different: 'differs',
  'only-sim': 'only on the simulator',
  'only-vm': 'only on the VM',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** One syscall as a line: "P1 sendto(fd1) = 36 → 36 bytes". */
export function describeCall(n: NormalisedEvent): string {
  const e = n.event;
  const result = e.errno !== undefined ? `-1 ${errnoName(e.errno)}` : `${e.ret ?? ''}`;
  const data = e.data ? ` ${e.dir === 'in' ? '←' : '→'} ${e.data.length} bytes` : '';
  return `${n.proc} ${e.syscall}(${e.fd !== undefined ? `fd ${e.fd}` : ''}) = ${result}${data}`;
}

/** A hex dump of `data`, 16 bytes a line, with the bytes in `marks` highlighted. */
function hexDump(data: Uint8Array, marks: ByteRange[]): HTMLElement {
  const pre = el('pre', 'nl-cmp-hex');
  const marked = (i: number) => marks.some((m) => i >= m.start && i < m.end);
  for (let line = 0; line < data.length; line += 16) {
    pre.append(`${line.toString(16).padStart(4, '0')}  `);
    for (let i = line; i < Math.min(line + 16, data.length); i++) {
      const text = data[i]!.toString(16).padStart(2, '0');
      if (marked(i)) pre.append(el('mark', undefined, text));
      else pre.append(text);
      pre.append(i % 16 === 7 ? '  ' : ' ');
    }
    pre.append('\n');
  }
  return pre;
}

function cell(n: NormalisedEvent | undefined): HTMLTableCellElement {
  const td = el('td', 'nl-cmp-call');
  if (n) td.append(el('code', undefined, describeCall(n)));
  else td.append(el('span', 'nl-cmp-none', '—'));
  return td;
}

/** Render `c` into `host` (its previous content is replaced). */
export function renderComparison(host: HTMLElement, c: Comparison): void {
  host.replaceChildren();
  const root = el('div', 'nl-cmp');
  const summary = el('p', 'nl-cmp-summary');
  summary.dataset.identical = String(c.identical);
  summary.textContent = c.identical
    ? `The simulated kernel and the VM's Linux answered alike: ${c.same} syscall${c.same === 1 ? '' : 's'}, no difference (port ids, sequence numbers, family ids and descriptors compared by role).`
    : `${c.different} syscall${c.different === 1 ? '' : 's'} differ, ${c.onlySim} only on the simulator, ${c.onlyVm} only on the VM; ${c.same} the same.`;
  root.append(summary);

  const table = el('table', 'nl-cmp-table');
  const head = el('thead');
  const hr = el('tr');
  for (const h of ['#', 'Simulated kernel', 'Linux in the VM', '']) hr.append(el('th', undefined, h));
  head.append(hr);
  table.append(head);
  const body = el('tbody');
  c.rows.forEach((row, i) => {
    const tr = el('tr', `nl-cmp-row nl-cmp-${row.status}`);
    tr.dataset.rowStatus = row.status;
    tr.append(
      el('td', 'nl-cmp-n', String(i + 1)),
      cell(row.sim),
      cell(row.vm),
      el('td', 'nl-cmp-status', STATUS_TEXT[row.status]),
    );
    body.append(tr);
    if (row.status !== 'different') return;
    const dr = el('tr', 'nl-cmp-detail');
    const td = el('td');
    td.colSpan = 4;
    const list = el('ul', 'nl-cmp-diffs');
    for (const d of row.differences) {
      const li = el('li');
      li.append(
        el('strong', undefined, d.what),
        ': ',
        el('code', 'nl-cmp-sim', d.sim),
        ' on the simulator, ',
        el('code', 'nl-cmp-vm', d.vm),
        ' on the VM',
      );
      list.append(li);
    }
    td.append(list);
    const sd = row.sim?.event.data;
    const vd = row.vm?.event.data;
    if (sd && vd) {
      const dumps = el('div', 'nl-cmp-dumps');
      const simMarks = row.differences.flatMap((d) => (d.simBytes ? [d.simBytes] : []));
      const vmMarks = row.differences.flatMap((d) => (d.vmBytes ? [d.vmBytes] : []));
      const a = el('div');
      a.append(el('p', 'nl-cmp-label', 'Simulated kernel'), hexDump(sd, simMarks));
      const b = el('div');
      b.append(el('p', 'nl-cmp-label', 'Linux in the VM'), hexDump(vd, vmMarks));
      dumps.append(a, b);
      td.append(dumps);
    }
    dr.append(td);
    body.append(dr);
  });
  table.append(body);
  root.append(table);
  host.append(root);
}
