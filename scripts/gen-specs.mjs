#!/usr/bin/env node
/**
 * Compile the YNL specs in content/specs/ (the kernel's own, under kernel/, and the course's, under
 * course/) into src/lib/decode/specs.gen.json, the tables the decoder reads: per family its message
 * types or commands, attribute sets with C names, numbers and types, enums and flags, structs
 * (fixed headers and struct attributes) and sub-messages. Numbers are computed as YNL does
 * (attributes from 1, enums from 0 or value-start, flags as bits); names of reply values under
 * `enum-model: directional` come from the enum of the spec's uapi-header (e.g. CTRL_CMD_NEWFAMILY,
 * RTM_NEWLINK) read from /usr/include. Nothing in the output is typed by hand.
 *
 *   node scripts/gen-specs.mjs [--check]     (--check: fail if the committed file is stale)
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'src/lib/decode/specs.gen.json');
const C = (s) => s.toUpperCase().replace(/-/g, '_');

/** name → value of the enum members of a uapi header (values as a C compiler computes them); `.tags` maps enum tag → its members. */
function headerEnums(header) {
  const path = `/usr/include/${header}`;
  if (!existsSync(path))
    throw new Error(`${path} is missing: install linux-libc-dev (node scripts/system-deps.mjs headers)`);
  const src = readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const known = new Map();
  known.tags = new Map();
  for (const m of src.matchAll(/enum\s*(\w*)\s*\{([\s\S]*?)\}\s*;/g)) {
    let next = 0;
    const members = new Map();
    if (m[1]) known.tags.set(m[1], members);
    for (const raw of m[2].split(',')) {
      const [, name, expr] = /^\s*(\w+)\s*(?:=\s*([^,]+))?\s*$/.exec(raw.replace(/#.*$/gm, '')) ?? [];
      if (!name) continue;
      let value = next;
      if (expr !== undefined) {
        const e = expr.trim().replace(/\b([A-Z_][A-Z0-9_]*)\b/g, (n) => (known.has(n) ? String(known.get(n)) : n));
        if (!/^[\d\s+\-()x<|a-fA-F]+$/.test(e)) continue;
        value = Function(`return (${e});`)();
      }
      known.set(name, value);
      members.set(value, members.get(value) ?? name);
      next = value + 1;
    }
  }
  return known;
}

/**
 * Every number a uapi header names, with the headers it includes (<linux/…>): enum members and
 * `#define NAME <number or shifts of numbers>`. For enums the spec leaves anonymous.
 */
function headerSymbols(header, seen = new Set()) {
  const out = new Map();
  if (seen.has(header)) return out;
  seen.add(header);
  const path = `/usr/include/${header}`;
  if (!existsSync(path)) return out;
  for (const [n, v] of headerEnums(header)) out.set(n, v);
  const src = readFileSync(path, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  for (const m of src.matchAll(/^#define\s+([A-Z][A-Z0-9_]*)\s+([^\n]+)$/gm)) {
    const e = m[2].trim().replace(/\b([A-Z_][A-Z0-9_]*)\b/g, (n) => (out.has(n) ? String(out.get(n)) : n));
    const plain = e.replace(/\b(0x[0-9a-fA-F]+|\d+)[uUlL]+\b/g, '$1');
    if (/^[\d\s+\-()x<|a-fA-F]+$/.test(plain) && /\d/.test(plain)) out.set(m[1], Function(`return (${plain});`)());
  }
  for (const m of src.matchAll(/^#include\s+<(linux\/[\w.]+)>/gm))
    for (const [n, v] of headerSymbols(m[1], seen)) if (!out.has(n)) out.set(n, v);
  return out;
}

/**
 * Enum/flags definitions: { kind, entries: { value: C name } }. The C name is the entry with the
 * name-prefix; without one, or when the spec says the enum is an existing header's (`header:`,
 * which YNL does not generate), the member of the same value in that header's enum of that
 * enum-name (netlink-attribute-type → NL_ATTR_TYPE_*; net-device-flags → IFF_POINTOPOINT, where
 * the prefixed entry would say IFF_POINT_TO_POINT), else the entry alone.
 */
function compileEnum(d, spec) {
  let tagged;
  if ((!d['name-prefix'] || d.header) && d['enum-name']) {
    for (const h of [d.header, spec['uapi-header'], 'linux/netlink.h'].filter(Boolean)) {
      tagged = headerEnums(h).tags.get(d['enum-name'].replace(/-/g, '_'));
      if (tagged) break;
    }
  }
  const list = [];
  let next = d['value-start'] ?? 0;
  for (const e of d.entries ?? []) {
    const ent = typeof e === 'string' ? { name: e } : e;
    const v = ent.value ?? next;
    next = v + 1;
    list.push({ name: ent.name, v, value: d.type === 'flags' ? 2 ** v : v });
  }
  // `enum-name:` left empty: the header's names are an anonymous enum or #defines. An entry's C
  // name is the one named after the spec's enum (fr-act → FR_ACT_TO_TBL in linux/fib_rules.h), else
  // a name of the header (and what it includes) with that value ending in the entry: the only
  // one, or the one with the prefix the enum's unambiguous entries share (nud-state's permanent →
  // NUD_PERMANENT, not IFA_F_PERMANENT).
  const anonymous =
    !d['name-prefix'] && 'enum-name' in d && !d['enum-name'] && spec['uapi-header']
      ? headerSymbols(spec['uapi-header'])
      : undefined;
  const hits = new Map();
  const prefixes = new Map();
  if (anonymous) {
    for (const x of list) {
      const long = C(`${d.name}-${x.name}`);
      const h =
        anonymous.get(long) === x.value
          ? [long]
          : [...anonymous].filter(([n, v]) => v === x.value && n.endsWith(`_${C(x.name)}`)).map(([n]) => n);
      hits.set(x, h);
      if (h.length === 1) {
        const p = h[0].slice(0, -C(x.name).length);
        prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
      }
    }
  }
  const common = [...prefixes].sort((a, b) => b[1] - a[1])[0]?.[0];
  const fromHeader = (x) => {
    const h = hits.get(x) ?? [];
    if (h.length === 1) return h[0];
    return h.find((n) => n === `${common}${C(x.name)}`);
  };
  const entries = {};
  for (const x of list) {
    entries[x.value] = tagged?.get(x.value) || fromHeader(x) || C(`${d['name-prefix'] ?? ''}${x.name}`);
  }
  return { kind: d.type, entries };
}

function compileStruct(d) {
  return {
    members: (d.members ?? []).map((m) =>
      clean({
        name: m.name.replace(/-/g, '_'),
        type: m.type,
        len: m.len,
        enum: m.enum,
        flags: m['enum-as-flags'] || undefined,
        be: m['byte-order'] === 'big-endian' || undefined,
        display: m['display-hint'],
      }),
    ),
  };
}

const clean = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

function compileSets(spec) {
  const sets = {};
  const byName = new Map((spec['attribute-sets'] ?? []).map((s) => [s.name, s]));
  const attrsOf = (s) => {
    const parent = s['subset-of'] ? byName.get(s['subset-of']) : undefined;
    const parentAttrs = parent ? attrsOf(parent) : undefined;
    const prefix = s['name-prefix'] ?? parent?.['name-prefix'] ?? `${spec.name}-a-`;
    const list = [];
    let next = 1;
    for (const a of s.attributes ?? []) {
      const base = parentAttrs?.find((p) => p.ynl === a.name);
      const value = base ? base.value : (a.value ?? next);
      next = value + 1;
      const merged = { ...(base?.raw ?? {}), ...a };
      list.push({ ynl: a.name, value, raw: merged, cname: base ? base.cname : C(`${prefix}${a.name}`) });
    }
    return list;
  };
  for (const s of spec['attribute-sets'] ?? []) {
    const set = {};
    for (const { value, raw: a, cname } of attrsOf(s)) {
      set[value] = clean({
        name: cname,
        type: a.type,
        nested: a['nested-attributes'],
        sub: a['sub-type'],
        enum: a.enum,
        flags: a['enum-as-flags'] || undefined,
        be: a['byte-order'] === 'big-endian' || undefined,
        display: a['display-hint'],
        struct: a.struct,
        typeValue: a['type-value'],
        subMessage: a['sub-message'],
        selector: a.selector,
        multi: a['multi-attr'] || undefined,
      });
    }
    sets[s.name] = set;
  }
  return sets;
}

function compileOps(spec) {
  const ops = spec.operations ?? {};
  const model = ops['enum-model'] ?? 'unified';
  const prefix = ops['name-prefix'] ?? `${spec.name}-cmd-`;
  const header = spec['uapi-header'] ? headerEnums(spec['uapi-header']) : new Map();
  const cPrefix = C(prefix);
  // A value's C name from the uapi header, when the spec names the header (replies of directional specs).
  const fromHeader = (v) =>
    [...header].find(
      ([n, x]) => x === v && n.startsWith(cPrefix) && !/_(BASE|MAX)$/.test(n) && !n.startsWith('__'),
    )?.[0];
  // Else the op whose request has that value (rt-rule's dump replies are RTM_NEWRULE, value 32,
  // and its uapi-header, linux/fib_rules.h, does not hold the RTM_* enum).
  const requestName = (v) => {
    const o = (ops.list ?? []).find((x) => x.do?.request?.value === v);
    return o ? C(`${prefix}${o.name}`) : undefined;
  };
  const list = [];
  const byName = new Map((ops.list ?? []).map((o) => [o.name, o]));
  let next = 1;
  for (const o of ops.list ?? []) {
    const set = o['attribute-set'] ?? (o.notify ? byName.get(o.notify)?.['attribute-set'] : undefined);
    const fixed =
      o['fixed-header'] ?? (o.notify ? byName.get(o.notify)?.['fixed-header'] : undefined) ?? ops['fixed-header'];
    const cname = C(`${prefix}${o.name}`);
    const add = (dir, value, attrs) => {
      if (value === undefined) return;
      list.push(
        clean({
          name:
            dir === 'reply' && model === 'directional'
              ? (fromHeader(value) ?? requestName(value) ?? `${cname} reply`)
              : cname,
          op: o.name,
          dir,
          value,
          set,
          header: fixed,
          attrs,
        }),
      );
    };
    if (model === 'unified') {
      const v = o.value ?? next;
      next = v + 1;
      for (const kind of ['do', 'dump']) {
        if (!o[kind]) continue;
        add('request', v, o[kind].request?.attributes);
        if (o[kind].reply) add('reply', v, o[kind].reply.attributes);
      }
      if (o.event) add('event', v, o.event.attributes);
      if (!o.do && !o.dump && !o.event) add(o.notify ? 'notify' : 'request', v);
    } else {
      for (const kind of ['do', 'dump']) {
        add('request', o[kind]?.request?.value, o[kind]?.request?.attributes);
        add('reply', o[kind]?.reply?.value, o[kind]?.reply?.attributes);
      }
      if (o.value !== undefined) add(o.notify ? 'notify' : 'event', o.value, o.event?.attributes);
    }
  }
  // One entry per (direction, value): a do and a dump of the same op say the same.
  const seen = new Set();
  return list.filter((e) => !seen.has(`${e.dir}:${e.value}`) && seen.add(`${e.dir}:${e.value}`));
}

function compile(file) {
  const spec = yaml.load(readFileSync(file, 'utf8'));
  const enums = {};
  const structs = {};
  for (const d of spec.definitions ?? []) {
    if (d.type === 'enum' || d.type === 'flags') enums[d.name] = compileEnum(d, spec);
    else if (d.type === 'struct') structs[d.name] = compileStruct(d);
  }
  const subMessages = {};
  for (const s of spec['sub-messages'] ?? []) {
    subMessages[s.name] = Object.fromEntries(
      s.formats.map((f) => [f.value, clean({ set: f['attribute-set'], header: f['fixed-header'] })]),
    );
  }
  return clean({
    name: spec.name,
    file: relative(root, file),
    protocol: spec.protocol,
    protonum: spec.protonum,
    doc: typeof spec.doc === 'string' ? spec.doc.trim().split('\n')[0] : undefined,
    enums,
    structs,
    sets: compileSets(spec),
    subMessages,
    ops: compileOps(spec),
    mcgrps: (spec['mcast-groups']?.list ?? []).map((g) => g.name),
  });
}

const files = ['kernel', 'course'].flatMap((dir) =>
  readdirSync(join(root, 'content/specs', dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(root, 'content/specs', dir, f)),
);
const json = `${JSON.stringify({ generatedBy: 'scripts/gen-specs.mjs', families: files.map(compile) })}\n`;

if (process.argv.includes('--check')) {
  const now = existsSync(out) ? readFileSync(out, 'utf8') : '';
  if (now !== json) {
    console.error(`${relative(root, out)} is stale: run node scripts/gen-specs.mjs`);
    process.exit(1);
  }
  console.log(`${relative(root, out)} is up to date (${files.length} specs)`);
} else {
  writeFileSync(out, json);
  console.log(`wrote ${relative(root, out)}: ${files.length} specs, ${json.length} bytes`);
}
