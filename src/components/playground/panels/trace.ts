/**
 * The Kernel trace panel: the simulated kernel's function calls for each syscall, as an indented
 * call tree with virtual timestamps; each function links to its line in the kernel's source pages.
 */
import type { TraceEntry } from '../../../runtime/kernel-view.ts';
import type { RunLog } from '../run-log.ts';
import { h, vtime } from './dom.ts';
import { errnoName } from '../../../api/errno.ts';

/** A return value, with the errno's name when it is one (-4095..-1, as IS_ERR_VALUE has it): '-111 ECONNREFUSED'. */
export function withErrno(ret: number | string): string {
  const n = typeof ret === 'number' ? ret : /^-\d+$/.test(ret.trim()) ? Number(ret) : NaN;
  if (!Number.isInteger(n) || n >= 0 || n < -4095) return String(ret);
  const name = errnoName(n);
  return name === `E${-n}` ? String(ret) : `${ret} ${name}`;
}

/** How many syscalls the panel keeps on screen (the oldest go first). */
const MAX_GROUPS = 400;

/** The trace panel inside `body`. */
export class TracePanel {
  private list!: HTMLElement;
  private group?: HTMLElement;
  private shown = 0;
  private groups = 0;
  /** The depth of the current group's first entry. */
  private root = 0;

  constructor(
    private readonly body: HTMLElement,
    private readonly source: (file: string, line?: number) => string,
  ) {}

  reset(): void {
    this.shown = 0;
    this.groups = 0;
    this.group = undefined;
    this.list = h('div', { class: 'pg-trace' });
    this.body.replaceChildren(
      h('p', { class: 'pg-empty', 'data-none': '' }, 'No kernel function has run yet.'),
      this.list,
    );
  }

  count(log: RunLog): number {
    return log.trace.filter((t) => t.depth === 0).length;
  }

  update(log: RunLog): void {
    const total = log.trace.length + log.dropped.trace;
    if (total < this.shown) this.reset();
    const start = Math.max(0, this.shown - log.dropped.trace);
    let add = log.trace.slice(start);
    if (add.length === 0) return;
    // Only the last MAX_GROUPS syscalls would stay on screen: do not build the others.
    let roots = 0;
    for (let i = add.length - 1; i >= 0; i--) {
      if (add[i]!.depth === 0 && ++roots === MAX_GROUPS) {
        if (i > 0) {
          this.list.replaceChildren();
          this.groups = 0;
          this.group = undefined;
          add = add.slice(i);
        }
        break;
      }
    }
    this.body.querySelector('[data-none]')?.remove();
    for (const t of add) this.add(t, log);
    this.shown = total;
    while (this.groups > MAX_GROUPS && this.list.firstElementChild) {
      this.list.firstElementChild.remove();
      this.groups -= 1;
    }
  }

  private add(t: TraceEntry, log: RunLog): void {
    if (t.depth === 0 || !this.group) {
      // A syscall: its outermost function heads the group, the calls it made are the rows.
      const name = log.names.get(t.pid);
      const head = h(
        'div',
        { class: 'pg-tr-head' },
        h('span', { class: 'pg-tr-time' }, vtime(t.enter)),
        h('span', { class: 'pg-tr-call' }, this.call(t)),
        h('span', { class: 'pg-tr-pid' }, `${name ?? 'pid'} ${t.pid}`),
        t.exit !== undefined && t.exit > t.enter
          ? h('span', { class: 'pg-tr-dur' }, `blocked ${vtime(t.exit - t.enter)}`)
          : null,
      );
      this.group = h('div', { class: 'pg-tr-calls' });
      this.list.append(
        h(
          'div',
          { class: 'pg-tr-group', role: 'group', 'aria-label': `${t.fn} at ${vtime(t.enter)}` },
          head,
          this.group,
        ),
      );
      this.groups += 1;
      this.root = t.depth;
      return;
    }
    this.group.append(
      h(
        'div',
        { class: 'pg-tr-row', style: `--depth:${t.depth - this.root}` },
        h('span', { class: 'pg-tr-time' }, vtime(t.enter)),
        h('span', { class: 'pg-tr-call' }, this.call(t)),
      ),
    );
  }

  /** `fn(args) = ret`, the name linked to the line that defines it. */
  private call(t: TraceEntry): HTMLElement {
    // A TypeScript module's functions ('module:nl_test') have no kernel source page to link to.
    const fn =
      t.file && !t.file.startsWith('module:')
        ? // Beside the lesson (a new tab), so the run's output and panels stay where they are.
          h(
            'a',
            {
              href: this.source(t.file, t.line || undefined),
              class: 'pg-tr-fn',
              target: '_blank',
              rel: 'noopener',
              title: `${t.file}${t.line ? `:${t.line}` : ''} (opens in a new tab)`,
            },
            t.fn,
          )
        : h('span', { class: 'pg-tr-fn' }, t.fn);
    return h(
      'span',
      {},
      fn,
      h('span', { class: 'pg-tr-args' }, `(${t.args})`),
      t.ret !== undefined ? h('span', { class: 'pg-tr-ret' }, ` = ${withErrno(t.ret)}`) : null,
    );
  }
}
