/**
 * The lab's message builder on the page: the datagram as a tree of editable fields beside its hex,
 * each side following the other (src/lib/builder/state.ts), problems listed and marked, Send to
 * the chosen kernel (the exported program, run like a playground program), the replies decoded
 * as the Messages panel decodes them, the attribute an extended ACK points at marked, and the
 * exported TypeScript. The view only renders and dispatches; the model is src/lib/builder/.
 */
import {
  decodeDatagram,
  NLCTRL,
  IFLA_ATTRS,
  COURSE_FAMILIES,
  typeInfo,
  type Field,
  type GenlFamilySpec,
  type AttrSet,
} from '../../lib/decode/index.ts';
import {
  addAttr,
  attr,
  attrAt,
  encodeWithSpans,
  message,
  messageSize,
  attrSize,
  nest,
  parsePath,
  pathKey,
  removeAttr,
  setType,
  updateAttr,
  updateMessage,
  toHex,
  fromHex,
  type Attr,
  type Datagram,
  type Path,
} from '../../lib/builder/model.ts';
import {
  editFields,
  editHex,
  fromDatagram,
  problems,
  setProtocol,
  type BuilderState,
} from '../../lib/builder/state.ts';
import { NLM_F_HIGH, NLM_F_LOW, STRUCTS, type StructField } from '../../lib/builder/structs.ts';
import { TEMPLATES } from '../../lib/builder/templates.ts';
import { exportProgram } from '../../lib/builder/export.ts';
import { offendingAttr } from '../../lib/builder/extack.ts';
import type { SyscallRecord } from '../../runtime/messages.ts';
import type { Runner } from '../../runtime/client.ts';
import { h } from '../playground/panels/dom.ts';
import '../playground/panels/panels.css';

const NLA_F_NESTED = 0x8000;
const NLA_F_NET_BYTEORDER = 0x4000;

const PROTOCOLS: [number, string][] = [
  [0, 'NETLINK_ROUTE'],
  [2, 'NETLINK_USERSOCK'],
  [16, 'NETLINK_GENERIC'],
];

/** How an attribute's value is shown and typed. */
type View = 'string' | 'u8' | 'u16' | 'u32' | 'u64' | 's32' | 'ipv4' | 'hex';
const VIEW_SIZE: Partial<Record<View, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s32: 4, ipv4: 4 };
const STORE = 'netlink-lab:lab-builder:v1';

/** The builder inside `root` ([data-builder]); `kernel()` says which kernel Send uses. */
export class BuilderView {
  private s: BuilderState;
  private families: GenlFamilySpec[] = [];
  private views = new Map<string, View>();
  private offending: { path: string; message: string } | undefined;
  private runner?: Runner;
  private readonly tree: HTMLElement;
  private readonly hex: HTMLTextAreaElement;
  private readonly hexError: HTMLElement;
  private readonly problemsBox: HTMLElement;
  private readonly reply: HTMLElement;
  private readonly exportBox: HTMLElement;
  private readonly statusLine: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly opts: {
      wasmUrl: string;
      /** The kernel of the playground's switch. */
      kernel(): 'sim' | 'vm' | 'browser';
      /** The site's base URL, where Linux in your browser (v86) is loaded from. */
      siteBase?: string;
      panelLink?: (file: string, line?: number) => string;
    },
  ) {
    this.tree = root.querySelector('[data-tree]')!;
    this.hex = root.querySelector('[data-hex]')!;
    this.hexError = root.querySelector('[data-hex-error]')!;
    this.problemsBox = root.querySelector('[data-problems]')!;
    this.reply = root.querySelector('[data-reply]')!;
    this.exportBox = root.querySelector('[data-export]')!;
    this.statusLine = root.querySelector('[data-builder-status]')!;
    this.s = fromDatagram(this.restore() ?? TEMPLATES[0]!.datagram);
  }

  start(): void {
    const tpl = this.root.querySelector<HTMLSelectElement>('[data-template]')!;
    tpl.replaceChildren(
      h('option', { value: '' }, 'Choose a message…'),
      ...TEMPLATES.map((t) => h('option', { value: t.id }, t.label)),
    );
    tpl.addEventListener('change', () => {
      const t = TEMPLATES.find((x) => x.id === tpl.value);
      tpl.value = '';
      if (!t) return;
      this.offending = undefined;
      this.set(fromDatagram(t.datagram), true);
      this.status(`Started from: ${t.label}.`);
    });
    const proto = this.root.querySelector<HTMLSelectElement>('[data-protocol]')!;
    proto.replaceChildren(...PROTOCOLS.map(([v, n]) => h('option', { value: v }, `${n} (${v})`)));
    proto.addEventListener('change', () => this.set(setProtocol(this.s, Number(proto.value)), true));
    this.hex.addEventListener('input', () => this.set(editHex(this.s, this.hex.value), false));
    this.hex.addEventListener('blur', () => {
      if (!this.s.hexError) this.set(fromDatagram(this.s.datagram), true);
    });
    this.root.querySelector('[data-action="send"]')!.addEventListener('click', () => void this.send());
    this.root.querySelector('[data-action="export"]')!.addEventListener('click', () => this.showExport());
    this.root.querySelector('[data-action="add-message"]')!.addEventListener('click', () => {
      const d = this.s.datagram;
      const type = d.protocol === 16 ? 16 : d.protocol === 0 ? 18 : 16;
      const seq = Math.max(0, ...d.messages.map((m) => m.seq)) + 1;
      this.edit((x) => ({ ...x, messages: [...x.messages, message(x.protocol, type, { flags: 5, seq })] }));
    });
    this.tree.addEventListener('change', (e) => this.onControl(e.target as HTMLElement));
    this.tree.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-op]');
      if (b) this.onButton(b);
    });
    this.render(true);
    this.root.dataset.ready = 'true';
  }

  // ---- state ------------------------------------------------------------------------------------

  private set(s: BuilderState, rewriteHex: boolean): void {
    this.s = s;
    this.render(rewriteHex);
    try {
      localStorage.setItem(STORE, JSON.stringify(s.datagram));
    } catch {
      /* not kept */
    }
  }

  private edit(fn: (d: Datagram) => Datagram): void {
    this.offending = undefined;
    this.set(editFields(this.s, fn), true);
  }

  private restore(): Datagram | undefined {
    try {
      const d = JSON.parse(localStorage.getItem(STORE) ?? 'null') as Datagram | null;
      return d && Array.isArray(d.messages) && typeof d.protocol === 'number' ? d : undefined;
    } catch {
      return undefined;
    }
  }

  private status(text: string, tone?: 'good' | 'bad'): void {
    this.statusLine.className = `lb-status${tone ? ` pg-${tone}` : ''}`;
    this.statusLine.textContent = text;
  }

  // ---- rendering --------------------------------------------------------------------------------

  private render(rewriteHex: boolean): void {
    const focused = (document.activeElement as HTMLElement | null)?.dataset?.k;
    const d = this.s.datagram;
    const { bytes, spans } = encodeWithSpans(d);
    const fields = decodeDatagram(bytes, { protocol: d.protocol, sender: 'process', families: this.families });
    const labels = new Map<number, Field>();
    const visit = (fs: readonly Field[]) => {
      for (const f of fs) {
        if (f.kind === 'attr' && !labels.has(f.start)) labels.set(f.start, f);
        if (f.children) visit(f.children);
      }
    };
    visit(fields);
    const probs = problems(this.s);
    const bad = new Map(probs.map((p) => [p.path, p.message]));

    this.root.querySelector<HTMLSelectElement>('[data-protocol]')!.value = String(d.protocol);
    if (rewriteHex) this.hex.value = this.s.hex;
    this.hex.setAttribute('aria-invalid', String(!!this.s.hexError));
    this.hexError.textContent = this.s.hexError
      ? `Malformed hex: ${this.s.hexError.message}. The fields keep the last bytes that were hex.`
      : '';
    this.hexError.hidden = !this.s.hexError;
    this.root.querySelector('[data-size]')!.textContent = `${bytes.length} bytes`;

    this.problemsBox.replaceChildren(
      ...probs.map((p) => h('li', {}, p.path === 'hex' ? '' : `${describePath(p.path)}: `, p.message)),
    );
    this.problemsBox.hidden = probs.length === 0;
    this.root.dataset.consistent = String(probs.length === 0);

    const msgs: HTMLElement[] = d.messages.map((m, i) => {
      const path = `m${i}`;
      const info = typeInfo(m.type, { protocol: d.protocol, families: this.families });
      const span = spans.get(path)!;
      const box = h(
        'fieldset',
        { class: `lb-msg${bad.has(path) ? ' lb-bad' : ''}`, 'data-path': path },
        h(
          'legend',
          {},
          `Message ${i + 1}: ${info.name}${m.header?.struct === 'genlmsghdr' ? ` ${cmdName(m.type, m.header.values[0]!, info.family) ?? `cmd ${m.header.values[0]}`}` : ''} `,
          h('span', { class: 'lb-range' }, `bytes ${span[0]}–${span[1] - 1}`),
        ),
      );
      box.append(this.nlmsghdr(i, info.family), ...(m.header ? [this.header(i)] : []));
      if (m.attrs)
        box.append(
          this.attrList(
            { m: i, a: [] },
            labels,
            spans,
            bad,
            attrSetFor(d.protocol, m.type, m.header?.values[0], info.family),
          ),
        );
      else box.append(this.rawBody(i));
      if (bad.has(path)) box.append(h('p', { class: 'lb-issue' }, bad.get(path)!));
      box.append(
        h(
          'div',
          { class: 'lb-row' },
          h(
            'button',
            { type: 'button', class: 'pg-btn pg-small', 'data-op': 'remove-message', 'data-path': path },
            `Remove message ${i + 1}`,
          ),
        ),
      );
      return box;
    });
    if (d.tail)
      msgs.push(h('p', { class: 'lb-issue' }, `Bytes after the last message: ${d.tail} (${bad.get('tail')})`));
    if (d.messages.length === 0)
      msgs.push(h('p', { class: 'pg-empty' }, 'No message yet: add one, choose a message to start from, or type hex.'));
    this.tree.replaceChildren(...msgs);
    if (focused) this.tree.querySelector<HTMLElement>(`[data-k="${CSS.escape(focused)}"]`)?.focus();
  }

  private nlmsghdr(i: number, family?: GenlFamilySpec): HTMLElement {
    const d = this.s.datagram;
    const m = d.messages[i]!;
    const k = `m${i}`;
    const known = typeChoices(d.protocol, this.families);
    const typeSel = h(
      'select',
      { 'data-k': `${k}.typesel`, 'data-field': 'typesel', 'data-path': k, 'aria-label': 'nlmsg_type by name' },
      ...known.map(([v, n]) => h('option', { value: v, selected: v === m.type }, `${n} (${v})`)),
      ...(known.some(([v]) => v === m.type)
        ? []
        : [
            h(
              'option',
              { value: m.type, selected: true },
              `${typeInfo(m.type, { protocol: d.protocol, families: this.families }).name}`,
            ),
          ]),
    );
    const ctx = flagContext(d.protocol, m, family);
    const bits: [number, string][] = [
      ...NLM_F_LOW,
      ...(ctx
        ? NLM_F_HIGH[ctx]
        : ([
            [0x100, '0x100'],
            [0x200, '0x200'],
            [0x400, '0x400'],
            [0x800, '0x800'],
          ] as [number, string][])),
    ];
    const flags = h(
      'fieldset',
      { class: 'lb-flags' },
      h('legend', {}, `nlmsg_flags 0x${m.flags.toString(16)}`),
      ...bits.map(([bit, name]) =>
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            'data-k': `${k}.flag${bit}`,
            'data-field': 'flag',
            'data-bit': bit,
            'data-path': k,
            checked: (m.flags & bit) !== 0,
          }),
          name.replace(/^NLM_F_/, ''),
        ),
      ),
    );
    return h(
      'div',
      { class: 'lb-hdr' },
      h('h3', {}, 'nlmsghdr'),
      this.lenControl(k, 'nlmsg_len', m.len, messageSize(m)),
      h(
        'div',
        { class: 'lb-row' },
        h(
          'label',
          {},
          'nlmsg_type ',
          h('input', {
            type: 'number',
            min: 0,
            max: 65535,
            value: m.type,
            'data-k': `${k}.type`,
            'data-field': 'type',
            'data-path': k,
          }),
        ),
        typeSel,
      ),
      flags,
      h(
        'div',
        { class: 'lb-row' },
        h(
          'label',
          {},
          'nlmsg_seq ',
          h('input', {
            type: 'number',
            min: 0,
            max: 4294967295,
            value: m.seq,
            'data-k': `${k}.seq`,
            'data-field': 'seq',
            'data-path': k,
          }),
        ),
        h(
          'label',
          {},
          'nlmsg_pid ',
          h('input', {
            type: 'number',
            min: 0,
            max: 4294967295,
            value: m.pid,
            'data-k': `${k}.pid`,
            'data-field': 'pid',
            'data-path': k,
          }),
        ),
      ),
    );
  }

  private lenControl(k: string, name: string, len: 'auto' | number, actual: number): HTMLElement {
    const auto = len === 'auto';
    return h(
      'div',
      { class: `lb-row${!auto && len !== actual ? ' lb-bad' : ''}` },
      h(
        'label',
        {},
        `${name} `,
        h('input', {
          type: 'number',
          min: 0,
          max: name === 'nla_len' ? 65535 : 4294967295,
          value: auto ? actual : len,
          disabled: auto,
          'data-k': `${k}.len`,
          'data-field': 'len',
          'data-path': k,
        }),
      ),
      h(
        'label',
        { class: 'lb-auto' },
        h('input', {
          type: 'checkbox',
          checked: auto,
          'data-k': `${k}.lenauto`,
          'data-field': 'lenauto',
          'data-path': k,
        }),
        'automatic',
      ),
      !auto && len !== actual ? h('span', { class: 'lb-warn' }, `inconsistent: the content has ${actual} bytes`) : null,
    );
  }

  private header(i: number): HTMLElement {
    const hd = this.s.datagram.messages[i]!.header!;
    const spec = STRUCTS[hd.struct];
    const k = `m${i}.h`;
    // genlmsghdr.cmd by name, from the family's spec (nlctrl, or a family learned from a reply).
    const m = this.s.datagram.messages[i]!;
    const family = typeInfo(m.type, { protocol: this.s.datagram.protocol, families: this.families }).family;
    const cmds = hd.struct === 'genlmsghdr' ? (m.type === 16 ? NLCTRL : family)?.cmds : undefined;
    const rows = spec.fields.map((f, j) =>
      this.structField(k, j === 0 && cmds ? { ...f, enum: cmds } : f, j, hd.values[j] ?? 0),
    );
    return h(
      'div',
      { class: 'lb-hdr' },
      h('h3', {}, hd.struct),
      ...rows,
      hd.pad !== 'auto' ? h('p', { class: 'lb-note' }, `padding after the header: ${hd.pad || '(none)'}`) : null,
    );
  }

  private structField(k: string, f: StructField, j: number, v: number): HTMLElement {
    const key = `${k}.f${j}`;
    if (f.flags) {
      return h(
        'fieldset',
        { class: 'lb-flags' },
        h('legend', {}, `${f.name} 0x${(v >>> 0).toString(16)}`),
        ...f.flags.map(([bit, name]) =>
          h(
            'label',
            {},
            h('input', {
              type: 'checkbox',
              'data-k': `${key}.${bit}`,
              'data-field': 'hbit',
              'data-idx': j,
              'data-bit': bit,
              'data-path': k,
              checked: (v & bit) !== 0,
            }),
            name,
          ),
        ),
      );
    }
    const input = h('input', {
      type: 'number',
      value: v,
      'data-k': key,
      'data-field': 'hval',
      'data-idx': j,
      'data-path': k,
      min: f.signed ? -2147483648 : 0,
      max: f.size === 1 ? 255 : f.size === 2 ? 65535 : f.signed ? 2147483647 : 4294967295,
    });
    if (!f.enum) return h('div', { class: 'lb-row' }, h('label', {}, `${f.name} `, input));
    const sel = h(
      'select',
      {
        'data-k': `${key}.sel`,
        'data-field': 'hval',
        'data-idx': j,
        'data-path': k,
        'aria-label': `${f.name} by name`,
      },
      ...Object.entries(f.enum).map(([n, name]) => h('option', { value: n, selected: Number(n) === v }, name)),
      ...(f.enum[v] === undefined ? [h('option', { value: v, selected: true }, `${v}`)] : []),
    );
    return h('div', { class: 'lb-row' }, h('label', {}, `${f.name} `, input), sel);
  }

  private rawBody(i: number): HTMLElement {
    const m = this.s.datagram.messages[i]!;
    const k = `m${i}.raw`;
    return h(
      'div',
      { class: 'lb-hdr' },
      h('h3', {}, 'payload'),
      h(
        'label',
        {},
        'bytes (hex) ',
        h('input', {
          type: 'text',
          class: 'lb-hexin',
          value: m.raw,
          spellcheck: 'false',
          'data-k': k,
          'data-field': 'raw',
          'data-path': `m${i}`,
        }),
      ),
      h('span', { class: 'lb-note' }, m.raw ? (textOf(m.raw) ?? '') : 'no payload'),
    );
  }

  private attrList(
    p: Path,
    labels: Map<number, Field>,
    spans: Map<string, [number, number]>,
    bad: Map<string, string>,
    set: AttrSet | undefined,
  ): HTMLElement {
    const d = this.s.datagram;
    const list = p.a.length === 0 ? d.messages[p.m]!.attrs! : attrAt(d, p)!.nest!;
    const base = pathKey(p);
    const items = list.items.map((a, j) => this.attrNode({ m: p.m, a: [...p.a, j] }, a, labels, spans, bad, set));
    const add = h(
      'div',
      { class: 'lb-row lb-add' },
      h(
        'label',
        {},
        'Add ',
        h(
          'select',
          { 'data-k': `${base}.addsel`, 'data-field': 'addtype', 'data-path': base, 'aria-label': 'Attribute to add' },
          ...Object.entries(set ?? {}).map(([t, s]) =>
            h('option', { value: t }, `${s.name || `attribute ${t}`} (${t})`),
          ),
          h('option', { value: 'other' }, 'another type (number)…'),
        ),
      ),
      h(
        'button',
        { type: 'button', class: 'pg-btn pg-small', 'data-op': 'add-attr', 'data-path': base },
        'Add attribute',
      ),
    );
    return h(
      'div',
      { class: 'lb-attrs' },
      h('h3', {}, p.a.length ? 'nested attributes' : 'attributes'),
      h('ol', {}, ...items),
      list.tail ? h('p', { class: 'lb-issue' }, `stray bytes: ${list.tail} (${bad.get(`${base}.tail`)})`) : null,
      add,
    );
  }

  private attrNode(
    p: Path,
    a: Attr,
    labels: Map<number, Field>,
    spans: Map<string, [number, number]>,
    bad: Map<string, string>,
    set: AttrSet | undefined,
  ): HTMLElement {
    const k = pathKey(p);
    const span = spans.get(k)!;
    const decoded = labels.get(span[0]);
    const bare = a.type & 0x3fff;
    const spec = set?.[bare];
    const name = decoded?.label ?? spec?.name ?? `attribute ${bare}`;
    const off = this.offending?.path === k;
    const li = h(
      'li',
      {
        class: `lb-attr${bad.has(k) ? ' lb-bad' : ''}${off ? ' lb-offending' : ''}`,
        'data-path': k,
        'data-name': name,
      },
      h(
        'div',
        { class: 'lb-attr-head' },
        h('strong', {}, name),
        ' ',
        h('span', { class: 'lb-range' }, `bytes ${span[0]}–${span[1] - 1}`),
        decoded?.value && !a.nest ? h('span', { class: 'lb-note' }, ` ${decoded.value}`) : null,
      ),
      off
        ? h(
            'p',
            { class: 'lb-issue', role: 'note' },
            `The kernel's extended ACK points here (NLMSGERR_ATTR_OFFS ${span[0] - this.msgStart(p.m)}): ${this.offending!.message}`,
          )
        : null,
      h(
        'div',
        { class: 'lb-row' },
        h(
          'label',
          {},
          'nla_type ',
          h('input', {
            type: 'number',
            min: 0,
            max: 16383,
            value: bare,
            'data-k': `${k}.type`,
            'data-field': 'atype',
            'data-path': k,
          }),
        ),
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            checked: (a.type & NLA_F_NESTED) !== 0,
            'data-k': `${k}.fn`,
            'data-field': 'abit',
            'data-bit': NLA_F_NESTED,
            'data-path': k,
          }),
          'NLA_F_NESTED',
        ),
        h(
          'label',
          {},
          h('input', {
            type: 'checkbox',
            checked: (a.type & NLA_F_NET_BYTEORDER) !== 0,
            'data-k': `${k}.fb`,
            'data-field': 'abit',
            'data-bit': NLA_F_NET_BYTEORDER,
            'data-path': k,
          }),
          'NLA_F_NET_BYTEORDER',
        ),
      ),
      this.lenControl(k, 'nla_len', a.len, attrSize(a)),
    );
    if (a.nest) {
      li.append(
        this.attrList(p, labels, spans, bad, spec?.nested ?? (spec?.type === 'nest-array' ? undefined : undefined)),
        h(
          'div',
          { class: 'lb-row' },
          h(
            'button',
            { type: 'button', class: 'pg-btn pg-small', 'data-op': 'unnest', 'data-path': k },
            'Edit as bytes',
          ),
        ),
      );
    } else {
      const view = this.views.get(k) ?? defaultView(a.value ?? '', spec?.type, name);
      const viewSel = h(
        'select',
        { 'data-k': `${k}.view`, 'data-field': 'view', 'data-path': k, 'aria-label': `${name}: show the value as` },
        ...(['string', 'u8', 'u16', 'u32', 'u64', 's32', 'ipv4', 'hex'] as View[]).map((v) =>
          h('option', { value: v, selected: v === view }, v),
        ),
      );
      const shown = showValue(a.value ?? '', view);
      li.append(
        h(
          'div',
          { class: 'lb-row' },
          h(
            'label',
            {},
            'value ',
            h('input', {
              type: 'text',
              value: shown ?? a.value ?? '',
              spellcheck: 'false',
              'data-k': `${k}.value`,
              'data-field': 'value',
              'data-view': shown === undefined ? 'hex' : view,
              'data-path': k,
              'aria-label': `${name} value (${shown === undefined ? 'hex' : view})`,
            }),
          ),
          viewSel,
          shown === undefined
            ? h(
                'span',
                { class: 'lb-warn' },
                `${(a.value ?? '').length / 2} bytes do not read as ${view}: shown as hex`,
              )
            : null,
          h(
            'button',
            { type: 'button', class: 'pg-btn pg-small', 'data-op': 'nest', 'data-path': k },
            'Make it a nest',
          ),
        ),
      );
    }
    if (a.pad !== 'auto') li.append(h('p', { class: 'lb-note' }, `padding: ${a.pad || '(none)'}`));
    if (bad.has(k)) li.append(h('p', { class: 'lb-issue' }, bad.get(k)!));
    li.append(
      h(
        'div',
        { class: 'lb-row' },
        h(
          'button',
          { type: 'button', class: 'pg-btn pg-small', 'data-op': 'remove-attr', 'data-path': k },
          `Remove ${name}`,
        ),
      ),
    );
    return li;
  }

  private msgStart(m: number): number {
    return encodeWithSpans(this.s.datagram).spans.get(`m${m}`)![0];
  }

  // ---- editing ----------------------------------------------------------------------------------

  private onControl(el: HTMLElement): void {
    const input = el as HTMLInputElement;
    const field = input.dataset.field;
    const key = input.dataset.path;
    if (!field || !key) return;
    const p = parsePath(key);
    const num = () => Number(input.value);
    const int = (lo: number, hi: number) => {
      const v = num();
      if (!Number.isInteger(v) || v < lo || v > hi) {
        this.status(
          `${input.value || '(empty)'} is not a whole number from ${lo} to ${hi}; the field keeps its value.`,
          'bad',
        );
        this.render(false);
        return undefined;
      }
      return v;
    };
    switch (field) {
      case 'type':
      case 'typesel': {
        const v = int(0, 65535);
        if (v !== undefined) this.edit((d) => setType(d, p.m, v));
        return;
      }
      case 'seq':
      case 'pid': {
        const v = int(0, 4294967295);
        if (v !== undefined) this.edit((d) => updateMessage(d, p.m, (m) => ({ ...m, [field]: v })));
        return;
      }
      case 'flag': {
        const bit = Number(input.dataset.bit);
        this.edit((d) =>
          updateMessage(d, p.m, (m) => ({ ...m, flags: input.checked ? m.flags | bit : m.flags & ~bit })),
        );
        return;
      }
      case 'lenauto':
      case 'len': {
        const isAttr = p.a.length > 0;
        const auto = field === 'lenauto' ? input.checked : false;
        let len: 'auto' | number = 'auto';
        if (!auto) {
          const cur = isAttr ? attrAt(this.s.datagram, p)! : this.s.datagram.messages[p.m]!;
          const v =
            field === 'len'
              ? int(0, isAttr ? 65535 : 4294967295)
              : isAttr
                ? attrSize(cur as Attr)
                : messageSize(cur as Datagram['messages'][number]);
          if (v === undefined) return;
          len = v;
        }
        this.edit((d) =>
          isAttr ? updateAttr(d, p, (a) => ({ ...a, len })) : updateMessage(d, p.m, (m) => ({ ...m, len })),
        );
        return;
      }
      case 'hval':
      case 'hbit': {
        const idx = Number(input.dataset.idx);
        const m = this.s.datagram.messages[p.m]!;
        const f = STRUCTS[m.header!.struct].fields[idx]!;
        let v: number | undefined;
        if (field === 'hbit') {
          const bit = Number(input.dataset.bit);
          const cur = m.header!.values[idx] ?? 0;
          v = (input.checked ? cur | bit : cur & ~bit) >>> 0;
        } else
          v = int(
            f.signed ? -2147483648 : 0,
            f.size === 1 ? 255 : f.size === 2 ? 65535 : f.signed ? 2147483647 : 4294967295,
          );
        if (v === undefined) return;
        const val = v;
        this.edit((d) =>
          updateMessage(d, p.m, (mm) => ({
            ...mm,
            header: { ...mm.header!, values: mm.header!.values.map((x, j) => (j === idx ? val : x)) },
          })),
        );
        return;
      }
      case 'raw': {
        const hex = input.value.replace(/\s+/g, '').toLowerCase();
        if (!/^([0-9a-f]{2})*$/.test(hex)) {
          this.status(`"${input.value}" is not hex bytes (pairs of 0-9 a-f); the payload keeps its value.`, 'bad');
          this.render(false);
          return;
        }
        this.edit((d) => updateMessage(d, p.m, (m) => ({ ...m, raw: hex })));
        return;
      }
      case 'atype': {
        const v = int(0, 16383);
        if (v !== undefined) this.edit((d) => updateAttr(d, p, (a) => ({ ...a, type: (a.type & 0xc000) | v })));
        return;
      }
      case 'abit': {
        const bit = Number(input.dataset.bit);
        this.edit((d) => updateAttr(d, p, (a) => ({ ...a, type: input.checked ? a.type | bit : a.type & ~bit })));
        return;
      }
      case 'view': {
        this.views.set(key, input.value as View);
        this.render(false);
        return;
      }
      case 'value': {
        const view = (input.dataset.view ?? 'hex') as View;
        const r = parseValue(input.value, view);
        if ('error' in r) {
          this.status(r.error, 'bad');
          this.render(false);
          return;
        }
        this.edit((d) => updateAttr(d, p, (a) => ({ ...a, value: r.hex })));
        return;
      }
      default:
        return;
    }
  }

  private onButton(b: HTMLButtonElement): void {
    const key = b.dataset.path!;
    const p = parsePath(key);
    switch (b.dataset.op) {
      case 'remove-message':
        this.edit((d) => ({ ...d, messages: d.messages.filter((_, i) => i !== p.m) }));
        return;
      case 'remove-attr':
        this.edit((d) => removeAttr(d, p));
        return;
      case 'nest':
        this.edit((d) => updateAttr(d, p, (a) => ({ ...nest(a.type, []), len: a.len })));
        return;
      case 'unnest': {
        const a = attrAt(this.s.datagram, p)!;
        const bytes = nestBytes(this.s.datagram, p);
        this.edit((d) => updateAttr(d, p, () => ({ ...a, nest: null, value: bytes })));
        return;
      }
      case 'add-attr': {
        const sel = this.tree.querySelector<HTMLSelectElement>(
          `[data-field="addtype"][data-path="${CSS.escape(key)}"]`,
        )!;
        let t = Number(sel.value);
        if (sel.value === 'other') {
          const used = new Set(
            (p.a.length ? attrAt(this.s.datagram, p)!.nest! : this.s.datagram.messages[p.m]!.attrs!).items.map(
              (a) => a.type & 0x3fff,
            ),
          );
          t = 1;
          while (used.has(t)) t++;
        }
        this.edit((d) => addAttr(d, p, attr(t, '')));
        return;
      }
      default:
    }
  }

  // ---- send and export --------------------------------------------------------------------------

  /** Send the datagram to the chosen kernel and show every reply decoded. */
  async send(): Promise<void> {
    const d = this.s.datagram;
    const program = exportProgram(d, { families: this.families });
    const btn = this.root.querySelector<HTMLButtonElement>('[data-action="send"]')!;
    btn.disabled = true;
    this.offending = undefined;
    this.root.dataset.sent = 'pending';
    const choice = this.opts.kernel();
    const where = { sim: 'the simulated kernel', vm: 'Linux in the VM', browser: 'Linux in your browser' }[choice];
    try {
      // A real kernel (the VM through the relay, or v86 in this page): the run worker's syscalls go
      // to its agent, as a playground run's do (src/components/terminal/kernel-switch.ts).
      let vmRun: import('../terminal/kernel-switch.ts').VmRun | undefined;
      if (choice === 'vm') {
        const ks = await import('../terminal/kernel-switch.ts');
        vmRun = await ks.prepareVmRun((t) => this.status(t));
      } else if (choice === 'browser') {
        const ks = await import('../terminal/kernel-switch.ts');
        vmRun = await ks.prepareBrowserRun(this.opts.siteBase ?? '/', (t) => this.status(t));
      }
      if (!this.runner) {
        const { Runner } = await import('../../runtime/client.ts');
        this.runner = new Runner({ wasmUrl: this.opts.wasmUrl });
      }
      this.status(`Sending to ${where}…`);
      await this.runner.ready;
      const syscalls: SyscallRecord[] = [];
      const output: string[] = [];
      const exit = await new Promise<{ ok: boolean; message?: string }>((resolve) => {
        void this.runner!.run(
          { files: { 'main.ts': program }, entry: 'main.ts', ...(vmRun ? { vm: vmRun.vm } : {}) },
          {
            batch: (b) => {
              syscalls.push(...b.syscalls);
              output.push(...b.output.map((l) => l.text));
            },
            checks: () => {},
            exit: (e) => {
              vmRun?.end();
              resolve({ ok: e.status === 'ok', message: e.error?.message });
            },
            killed: (_r, message) => {
              vmRun?.end(true);
              resolve({ ok: false, message });
            },
          },
        );
      });
      this.showReplies(syscalls, output, where, exit);
    } catch (e) {
      this.status(e instanceof Error ? e.message : String(e), 'bad');
      this.root.dataset.sent = 'failed';
    } finally {
      btn.disabled = false;
    }
  }

  private showReplies(
    syscalls: SyscallRecord[],
    output: string[],
    where: string,
    exit: { ok: boolean; message?: string },
  ): void {
    const sent = syscalls.find((e) => e.dir === 'out' && e.data);
    const replies = syscalls.filter((e) => e.dir === 'in' && e.data && e.data.length > 0);
    void import('../playground/panels/families.ts').then(({ familiesFromReplies }) => {
      const learned = familiesFromReplies(syscalls);
      for (const f of learned) if (!this.families.some((x) => x.id === f.id)) this.families.push(f);
      this.findOffending(replies);
      this.render(false);
      void import('../playground/panels/messages.ts').then(({ renderDetail }) => {
        const width = this.reply.clientWidth || 1000;
        const parts: HTMLElement[] = [];
        parts.push(
          h(
            'p',
            {},
            sent
              ? sent.errno
                ? `sendto failed: the kernel refused the ${sent.data!.length} bytes (errno ${sent.errno}).`
                : `Sent ${sent.data!.length} bytes to ${where}.`
              : 'Nothing was sent.',
            ` ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'} came back.`,
          ),
        );
        replies.forEach((e, i) => {
          const box = h(
            'section',
            { class: 'lb-reply', 'aria-label': `Reply ${i + 1}` },
            h('h3', {}, `Reply ${i + 1}`),
          );
          box.append(renderDetail(e, this.families, width));
          parts.push(box);
        });
        if (!exit.ok && exit.message) parts.push(h('p', { class: 'lb-issue' }, exit.message));
        if (output.length)
          parts.push(h('details', {}, h('summary', {}, 'What the program printed'), h('pre', {}, output.join('\n'))));
        this.reply.replaceChildren(...parts);
        this.reply.hidden = false;
        this.root.dataset.sent = 'done';
        this.status(
          `Sent to ${where}: ${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}${this.offending ? '; the extended ACK points at an attribute, marked above' : ''}.`,
          exit.ok ? 'good' : 'bad',
        );
      });
    });
  }

  /** The attribute an NLMSG_ERROR's NLMSGERR_ATTR_OFFS points at, in the message with the same seq. */
  private findOffending(replies: SyscallRecord[]): void {
    const found = offendingAttr(
      this.s.datagram,
      replies.map((r) => r.data!),
    );
    if (found) this.offending = found;
  }

  private showExport(): void {
    const code = exportProgram(this.s.datagram, { families: this.families });
    const pre = h(
      'pre',
      { class: 'lb-code', tabindex: 0, 'aria-label': 'The exported TypeScript' },
      h('code', {}, code),
    );
    const copy = h('button', { type: 'button', class: 'pg-btn pg-small' }, 'Copy');
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(code).then(
        () => this.status('Copied the program.', 'good'),
        () => this.status('Select the program and copy it.'),
      );
    });
    const put = h('button', { type: 'button', class: 'pg-btn pg-small' }, 'Put it in the editor');
    put.addEventListener('click', () => {
      // The playground asks before it replaces anything (src/components/lab/files.ts).
      document
        .querySelector('[data-playground]')
        ?.dispatchEvent(new CustomEvent('netlink-lab:put-file', { detail: { name: 'main.ts', text: code } }));
    });
    this.exportBox.replaceChildren(
      h('h3', {}, 'The message as TypeScript'),
      h(
        'p',
        {},
        'It builds the message with the netlink-lab/user helpers, sends it, and prints every reply. It runs on every kernel of the switch.',
      ),
      h('div', { class: 'lb-row' }, copy, put),
      pre,
    );
    this.exportBox.hidden = false;
    this.root.dataset.exported = 'true';
  }
}

// ---- helpers --------------------------------------------------------------------------------------

function describePath(key: string): string {
  if (key === 'tail') return 'After the last message';
  const p = parsePath(key);
  return `Message ${p.m + 1}${key.endsWith('.h') ? ', header' : ''}${p.a.length ? `, attribute ${p.a.map((i) => i + 1).join('.')}` : ''}${key.endsWith('.tail') ? ', after the attributes' : ''}`;
}

function cmdName(type: number, cmd: number, family?: GenlFamilySpec): string | undefined {
  return (type === 16 ? NLCTRL : family)?.cmds?.[cmd];
}

/** The message types offered by name on a protocol. */
function typeChoices(protocol: number, families: GenlFamilySpec[]): [number, string][] {
  const out: [number, string][] = [
    [1, 'NLMSG_NOOP'],
    [2, 'NLMSG_ERROR'],
    [3, 'NLMSG_DONE'],
  ];
  if (protocol === 0) {
    for (let t = 16; t < 128; t++) {
      const n = typeInfo(t, { protocol }).name;
      if (/^RTM_/.test(n)) out.push([t, n]);
    }
  } else if (protocol === 16) {
    out.push([16, 'nlctrl'], ...families.filter((f) => f.id !== 16).map((f) => [f.id, f.name] as [number, string]));
  } else out.push([16, 'first type after the control types']);
  return out;
}

function flagContext(
  protocol: number,
  m: Datagram['messages'][number],
  family?: GenlFamilySpec,
): 'get' | 'new' | 'delete' | undefined {
  const name =
    protocol === 0
      ? typeInfo(m.type, { protocol }).name
      : m.header?.struct === 'genlmsghdr'
        ? cmdName(m.type, m.header.values[0]!, family)
        : undefined;
  const verb = (name ?? '').replace(/^(RTM_|CTRL_CMD_|[A-Z0-9]+_C(MD)?_)/, '');
  return verb.startsWith('GET')
    ? 'get'
    : verb.startsWith('NEW') || verb.startsWith('SET')
      ? 'new'
      : verb.startsWith('DEL')
        ? 'delete'
        : undefined;
}

/** The attribute names offered for a message (from the decoder's specs). */
function attrSetFor(
  protocol: number,
  type: number,
  cmd: number | undefined,
  family?: GenlFamilySpec,
): AttrSet | undefined {
  if (protocol === 16 && type === 16) return NLCTRL.attrs;
  if (protocol === 16 && family) return family.attrs ?? COURSE_FAMILIES[family.name]?.attrs;
  if (protocol === 0 && type >= 16 && type <= 19) return IFLA_ATTRS;
  void cmd;
  return undefined;
}

function defaultView(hex: string, type: string | undefined, name: string): View {
  const n = hex.length / 2;
  if (type === 'string') return 'string';
  if (type === 'u8' || type === 'u16' || type === 'u32' || type === 'u64' || type === 's32') return type;
  if (n === 4 && /^(IFA|RTA|NDA|FRA)_(ADDRESS|LOCAL|BROADCAST|DST|SRC|GATEWAY|PREFSRC)$/.test(name)) return 'ipv4';
  if (textOf(hex) !== undefined) return 'string';
  return n === 1 ? 'u8' : n === 2 ? 'u16' : n === 4 ? 'u32' : n === 8 ? 'u64' : 'hex';
}

/** Printable text ending with one NUL, or undefined. */
function textOf(hex: string): string | undefined {
  const b = fromHex(hex);
  if (b.length < 2 || b[b.length - 1] !== 0) return undefined;
  for (const x of b.subarray(0, -1)) if (x < 0x20 || x > 0x7e) return undefined;
  return String.fromCharCode(...b.subarray(0, -1));
}

/** The value as text in a view, or undefined when the bytes do not fit it. */
function showValue(hex: string, view: View): string | undefined {
  const b = fromHex(hex);
  const dv = new DataView(b.buffer);
  if (VIEW_SIZE[view] !== undefined && b.length !== VIEW_SIZE[view]) return undefined;
  switch (view) {
    case 'string':
      return b.length === 0 ? '' : textOf(hex);
    case 'u8':
      return String(b[0]);
    case 'u16':
      return String(dv.getUint16(0, true));
    case 'u32':
      return String(dv.getUint32(0, true));
    case 's32':
      return String(dv.getInt32(0, true));
    case 'u64':
      return String(dv.getBigUint64(0, true));
    case 'ipv4':
      return Array.from(b).join('.');
    default:
      return hex;
  }
}

/** Text typed in a view as bytes, or what is wrong with it. */
function parseValue(text: string, view: View): { hex: string } | { error: string } {
  const t = text.trim();
  const le = (size: number, set: (dv: DataView) => void) => {
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    return { hex: toHex(b) };
  };
  const intIn = (lo: number, hi: number) => /^-?\d+$/.test(t) && Number(t) >= lo && Number(t) <= hi;
  switch (view) {
    case 'string':
      return { hex: toHex(new TextEncoder().encode(`${text}\0`)) };
    case 'u8':
      return intIn(0, 255)
        ? { hex: Number(t).toString(16).padStart(2, '0') }
        : { error: `${t} is not a u8 (0 to 255).` };
    case 'u16':
      return intIn(0, 65535)
        ? le(2, (d) => d.setUint16(0, Number(t), true))
        : { error: `${t} is not a u16 (0 to 65535).` };
    case 'u32':
      return intIn(0, 4294967295)
        ? le(4, (d) => d.setUint32(0, Number(t), true))
        : { error: `${t} is not a u32 (0 to 4294967295).` };
    case 's32':
      return intIn(-2147483648, 2147483647)
        ? le(4, (d) => d.setInt32(0, Number(t), true))
        : { error: `${t} is not an s32.` };
    case 'u64':
      return /^\d+$/.test(t) && BigInt(t) < 1n << 64n
        ? le(8, (d) => d.setBigUint64(0, BigInt(t), true))
        : { error: `${t} is not a u64.` };
    case 'ipv4': {
      const parts = t.split('.');
      return parts.length === 4 && parts.every((p) => /^\d+$/.test(p) && Number(p) <= 255)
        ? { hex: toHex(Uint8Array.from(parts.map(Number))) }
        : { error: `${t} is not an IPv4 address (like 10.0.0.1).` };
    }
    default: {
      const hex = t.replace(/\s+/g, '').toLowerCase();
      return /^([0-9a-f]{2})*$/.test(hex) ? { hex } : { error: `"${t}" is not hex bytes (pairs of 0-9 a-f).` };
    }
  }
}

/** The bytes inside a nest (its attributes as encoded), to edit it as bytes. */
function nestBytes(d: Datagram, p: Path): string {
  const { bytes, spans } = encodeWithSpans(d);
  const [s] = spans.get(pathKey(p))!;
  const a = attrAt(d, p)!;
  return toHex(bytes.subarray(s + 4, s + attrSize(a)));
}
