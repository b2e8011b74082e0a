/**
 * What the attributes of the families the decoder knows mean: a small schema per attribute set,
 * loaded from the YNL specs in content/specs/ (the kernel's Documentation/netlink/specs/nlctrl.yaml,
 * rt-link.yaml, … and the course's own), see ynl.ts. Only the extended ACK's TLVs (linux/netlink.h,
 * which no spec describes) are listed here.
 */
import * as U from '../../api/uapi.ts';
import { genlSpecByName, YNL, type SpecOp, type YnlFamily } from './ynl.ts';

/**
 * How an attribute's payload is read. `nest-array` holds nests numbered 1, 2, … of `nested`
 * (YNL's indexed-array of nests), `indexed-array` the same of `subType` scalars; `nest-type-value`
 * nests `depth` levels of numbered nests around `nested`; `sub-message` reads the set of `formats`
 * chosen by the string of the sibling attribute `selector`; `auto` is read by its size.
 */
export type AttrType =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's32'
  | 's64'
  | 'string'
  | 'flag'
  | 'binary'
  | 'nest'
  | 'nest-array'
  | 'auto'
  | 's8'
  | 's16'
  | 'uint'
  | 'sint'
  | 'pad'
  | 'bitfield32'
  | 'indexed-array'
  | 'nest-type-value'
  | 'sub-message';

/** A C struct of a spec: a fixed header (ifinfomsg) or the payload of a binary attribute. */
export interface StructSpec {
  name: string;
  members: {
    name: string;
    type: string;
    len?: number;
    values?: Record<number, string>;
    flags?: Record<number, string>;
    byteOrder?: 'big-endian';
    display?: string;
  }[];
}

/** One attribute type of a set. */
export interface AttrSpec {
  name: string;
  type: AttrType;
  /** The attribute set inside a nest. */
  nested?: AttrSet;
  /** Names of the values of a number (an enum). */
  values?: Record<number, string>;
  /** Names of the bits of a number (an enum used as flags). */
  flags?: Record<number, string>;
  /** The scalar type of an indexed-array's elements, or of a binary array (sub-type). */
  subType?: AttrType;
  /** Numbers in network byte order. */
  byteOrder?: 'big-endian';
  /** How to show the value: 'mac', 'ipv4', 'ipv6', 'ipv4-or-v6', 'hex'. */
  display?: string;
  /** The struct a binary attribute holds. */
  struct?: StructSpec;
  /** Levels of numbered nests of a nest-type-value attribute. */
  depth?: number;
  /** A sub-message's attribute sets by the selector's value, and the selector's attribute type. */
  formats?: Record<string, AttrSet>;
  selector?: number;
  /** Where the type comes from: a spec (default) or the kernel's policy dump (CTRL_CMD_GETPOLICY). */
  origin?: 'spec' | 'policy';
  /** What the decoder should say about every such attribute (a spec/policy disagreement). */
  note?: string;
}

/** Attribute specs by attribute type. */
export type AttrSet = Record<number, AttrSpec>;

/** A generic netlink family as the decoder knows it. */
export interface GenlFamilySpec {
  id: number;
  name: string;
  /** Command names by number. */
  cmds?: Record<number, string>;
  /** The family's top-level attributes. */
  attrs?: AttrSet;
  /** Bytes of the family's own header after genlmsghdr (genl_family.hdrsize). */
  hdrsize?: number;
  /** The family's YNL spec, when there is one (commands by direction, per-command attribute sets). */
  spec?: YnlFamily;
  /** Where the names come from: a YNL spec, or the kernel's policy dump (types only, no names). */
  source?: 'spec' | 'policy';
  /** Differences between the spec and the kernel's policy dump, by attribute: 'spec u32, policy NL_ATTR_TYPE_STRING'. */
  policyMismatch?: Record<number, string>;
}

/** The commands and top-level attributes of a genl spec, in the shape GenlFamilySpec has. */
function fromSpec(f: YnlFamily): Omit<GenlFamilySpec, 'id' | 'name'> {
  const cmds: Record<number, string> = {};
  // Requests name a value first; a reply of another value (directional: GETFAMILY → NEWFAMILY) adds its own.
  for (const o of [...f.ops].sort((a, b) => Number(b.dir === 'request') - Number(a.dir === 'request')))
    cmds[o.value] ??= o.name;
  const attrs = f.ops.find((o: SpecOp) => o.attrs)?.attrs ?? Object.values(f.sets)[0];
  return { cmds, ...(attrs ? { attrs } : {}), spec: f, source: 'spec' };
}

const nlctrlSpec = YNL.get('nlctrl')!;
/** enum netlink_policy_type_attr: one attribute's policy (nlctrl.yaml's policy-attrs). */
export const POLICY_ATTRS: AttrSet = nlctrlSpec.sets['policy-attrs']!;

/** enum nlmsgerr_attrs: the extended ACK's TLVs after struct nlmsgerr. */
export const NLMSGERR_ATTRS: AttrSet = {
  [U.NLMSGERR_ATTR_MSG]: { name: 'NLMSGERR_ATTR_MSG', type: 'string' },
  [U.NLMSGERR_ATTR_OFFS]: { name: 'NLMSGERR_ATTR_OFFS', type: 'u32' },
  [U.NLMSGERR_ATTR_COOKIE]: { name: 'NLMSGERR_ATTR_COOKIE', type: 'binary' },
  [U.NLMSGERR_ATTR_POLICY]: { name: 'NLMSGERR_ATTR_POLICY', type: 'nest', nested: POLICY_ATTRS },
  [U.NLMSGERR_ATTR_MISS_TYPE]: { name: 'NLMSGERR_ATTR_MISS_TYPE', type: 'u32' },
  [U.NLMSGERR_ATTR_MISS_NEST]: { name: 'NLMSGERR_ATTR_MISS_NEST', type: 'u32' },
};

/** nlctrl, the generic netlink controller (GENL_ID_CTRL = 0x10), which every kernel has (nlctrl.yaml). */
export const NLCTRL: GenlFamilySpec = { id: U.GENL_ID_CTRL, name: 'nlctrl', ...fromSpec(nlctrlSpec) };

/** enum IFLA_*: the link attributes of RTM_NEWLINK (rt-link.yaml's link-attrs). */
export const IFLA_ATTRS: AttrSet = YNL.get('rt-link')!.sets['link-attrs']!;

/**
 * The course's own generic netlink families, whose ids the kernel allocates at registration: their
 * names for commands and attributes from their YNL specs in content/specs/course/ (the kernel itself
 * knows only numbers). Source of truth: sandboxes/sim/modules/*.ts, the lessons' module.ts and
 * sandboxes/vm/modules/*.c.
 */
export const COURSE_FAMILIES: Record<string, Omit<GenlFamilySpec, 'id' | 'name'>> = Object.fromEntries(
  [...YNL.values()].filter((f) => f.file.startsWith('content/specs/course/')).map((f) => [f.name, fromSpec(f)]),
);

/** A family by the id the kernel gave it and its name, with the names the decoder knows for it. */
export function genlFamilySpec(id: number, name: string, hdrsize?: number): GenlFamilySpec {
  const spec = genlSpecByName(name);
  return { ...(spec ? fromSpec(spec) : {}), id, name, ...(hdrsize ? { hdrsize } : {}) };
}
