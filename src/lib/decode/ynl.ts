/**
 * The YNL specs the decoder knows (content/specs/: the kernel's nlctrl, rt-link, rt-addr, rt-route,
 * rt-neigh, rt-rule and the course's own families), loaded from the JSON that scripts/gen-specs.mjs
 * compiles from the YAML: attribute sets with their nests and sub-messages resolved into AttrSet
 * objects, enums and flags, fixed-header structs, and the message types / commands of each family.
 */
import compiled from './specs.gen.json';
import type { AttrSet, AttrSpec, AttrType, StructSpec } from './specs.ts';

interface AttrJson {
  name: string;
  type: string;
  nested?: string;
  sub?: string;
  enum?: string;
  flags?: boolean;
  be?: boolean;
  display?: string;
  struct?: string;
  typeValue?: string[];
  subMessage?: string;
  selector?: string;
  multi?: boolean;
}
interface MemberJson {
  name: string;
  type: string;
  len?: number;
  enum?: string;
  flags?: boolean;
  be?: boolean;
  display?: string;
}
interface OpJson {
  name: string;
  op: string;
  dir: 'request' | 'reply' | 'event' | 'notify';
  value: number;
  set?: string;
  header?: string;
  attrs?: string[];
}
interface FamilyJson {
  name: string;
  file: string;
  protocol: string;
  protonum?: number;
  doc?: string;
  enums: Record<string, { kind: 'enum' | 'flags'; entries: Record<string, string> }>;
  structs: Record<string, { members: MemberJson[] }>;
  sets: Record<string, Record<string, AttrJson>>;
  subMessages: Record<string, Record<string, { set?: string; header?: string }>>;
  ops: OpJson[];
  mcgrps: string[];
}

/** One message type (raw netlink) or command (generic netlink) of a spec, in one direction. */
export interface SpecOp {
  /** The C name: 'RTM_GETLINK', 'CTRL_CMD_NEWFAMILY', 'NLLAB_KV_C_SET'. */
  name: string;
  /** The spec's operation it belongs to ('getlink'). */
  op: string;
  dir: 'request' | 'reply' | 'event' | 'notify';
  value: number;
  /** The fixed header after nlmsghdr (genlmsghdr excluded). */
  header?: StructSpec;
  attrs?: AttrSet;
}

/** A family as its spec describes it. */
export interface YnlFamily {
  /** The spec's name: the genl family name ('nlctrl', 'NLLAB_KV') or 'rt-link'. */
  name: string;
  /** Where the spec is (content/specs/…). */
  file: string;
  protocol: 'genetlink' | 'genetlink-legacy' | 'netlink-raw' | string;
  /** The netlink protocol of a raw family (0 for NETLINK_ROUTE). */
  protonum?: number;
  doc?: string;
  ops: SpecOp[];
  /** Attribute sets by their spec name ('link-attrs'). */
  sets: Record<string, AttrSet>;
  mcgrps: string[];
}

const TYPES: Record<string, AttrType> = {
  u8: 'u8',
  u16: 'u16',
  u32: 'u32',
  u64: 'u64',
  s8: 's8',
  s16: 's16',
  s32: 's32',
  s64: 's64',
  uint: 'uint',
  sint: 'sint',
  string: 'string',
  flag: 'flag',
  binary: 'binary',
  nest: 'nest',
  pad: 'pad',
  unused: 'binary',
  bitfield32: 'bitfield32',
  'sub-message': 'sub-message',
  'nest-type-value': 'nest-type-value',
};

function load(f: FamilyJson): YnlFamily {
  const enumOf = (name?: string) => (name ? f.enums[name] : undefined);
  const values = (name?: string): Record<number, string> | undefined => {
    const e = enumOf(name);
    return e ? Object.fromEntries(Object.entries(e.entries).map(([k, v]) => [Number(k), v])) : undefined;
  };
  const structs = new Map<string, StructSpec>();
  const struct = (name?: string): StructSpec | undefined => {
    if (!name || !f.structs[name]) return undefined;
    let s = structs.get(name);
    if (!s) {
      s = {
        name: name.replace(/-/g, '_'),
        members: f.structs[name]!.members.map((m) => ({
          name: m.name,
          type: m.type,
          ...(m.len !== undefined ? { len: m.len } : {}),
          ...(m.enum ? (m.flags ? { flags: values(m.enum) } : { values: values(m.enum) }) : {}),
          ...(m.be ? { byteOrder: 'big-endian' as const } : {}),
          ...(m.display ? { display: m.display } : {}),
        })),
      };
      structs.set(name, s);
    }
    return s;
  };
  // Two passes: every set as an object first, then the references between them (nests may recurse).
  const sets: Record<string, AttrSet> = {};
  for (const name of Object.keys(f.sets)) sets[name] = {};
  for (const [setName, attrs] of Object.entries(f.sets)) {
    const set = sets[setName]!;
    for (const [v, a] of Object.entries(attrs)) {
      const spec: AttrSpec = { name: a.name, type: TYPES[a.type] ?? 'binary' };
      if (a.type === 'indexed-array') {
        if (a.sub === 'nest') spec.type = 'nest-array';
        else {
          spec.type = 'indexed-array';
          spec.subType = TYPES[a.sub ?? 'binary'] ?? 'binary';
        }
      }
      if (a.type === 'binary' && a.sub) spec.subType = TYPES[a.sub];
      if (a.nested) spec.nested = sets[a.nested] ?? {};
      if (a.enum) {
        if (a.flags) spec.flags = values(a.enum);
        else spec.values = values(a.enum);
      }
      if (a.be) spec.byteOrder = 'big-endian';
      if (a.display) spec.display = a.display;
      if (a.struct) spec.struct = struct(a.struct);
      if (a.typeValue) spec.depth = a.typeValue.length;
      if (a.subMessage) {
        const formats = f.subMessages[a.subMessage] ?? {};
        spec.formats = Object.fromEntries(
          Object.entries(formats).map(([k, fm]) => [k, fm.set ? (sets[fm.set] ?? {}) : {}]),
        );
        const sel = Object.entries(attrs).find(([, x]) =>
          x.name.endsWith(`_${a.selector!.toUpperCase().replace(/-/g, '_')}`),
        );
        if (sel) spec.selector = Number(sel[0]);
      }
      set[Number(v)] = spec;
    }
  }
  return {
    name: f.name,
    file: f.file,
    protocol: f.protocol,
    ...(f.protonum !== undefined ? { protonum: f.protonum } : {}),
    ...(f.doc ? { doc: f.doc } : {}),
    ops: f.ops.map((o) => ({
      name: o.name,
      op: o.op,
      dir: o.dir,
      value: o.value,
      ...(o.header ? { header: struct(o.header) } : {}),
      ...(o.set ? { attrs: sets[o.set] } : {}),
    })),
    sets,
    mcgrps: f.mcgrps,
  };
}

/** Every family of content/specs, by spec name. */
export const YNL: ReadonlyMap<string, YnlFamily> = new Map(
  (compiled as unknown as { families: FamilyJson[] }).families.map((f) => [f.name, load(f)]),
);

/** The spec of a generic netlink family by the name the kernel reports (nlctrl's CTRL_ATTR_FAMILY_NAME). */
export function genlSpecByName(name: string): YnlFamily | undefined {
  const f = YNL.get(name);
  return f && f.protocol.startsWith('genetlink') ? f : undefined;
}

/** The raw-netlink specs of a protocol (rt-link, rt-addr, … for NETLINK_ROUTE = 0). */
export const rawSpecs = (protocol: number): YnlFamily[] =>
  [...YNL.values()].filter((f) => f.protocol === 'netlink-raw' && f.protonum === protocol);

/**
 * What a message type (or command) means: the entries of every spec for `value`, the one of the
 * direction the sender implies first (a kernel sends replies and notifications, a process requests).
 */
export function specOp(ops: readonly SpecOp[], value: number, sender?: 'kernel' | 'process'): SpecOp | undefined {
  const hits = ops.filter((o) => o.value === value);
  if (sender === 'kernel') return hits.find((o) => o.dir !== 'request') ?? hits[0];
  return hits.find((o) => o.dir === 'request') ?? hits[0];
}

/** The message types of NETLINK_ROUTE that the rtnetlink specs describe. */
export const RTNL_OPS: readonly SpecOp[] = rawSpecs(0).flatMap((f) => f.ops);
