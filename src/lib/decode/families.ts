/**
 * Generic netlink families resolved live, from what nlctrl said during a run or in a capture: ids and
 * names from CTRL_CMD_NEWFAMILY replies (GETFAMILY's answer), attribute types from CTRL_CMD_GETPOLICY
 * replies. A family with a YNL spec gets its names from the spec, cross-checked against the policy
 * the kernel dumped (a disagreement is noted on the attribute); a family without a spec gets a
 * policy-driven view: attribute numbers with the types the kernel's policy gives them.
 */
import { NLA_ALIGN, NLMSG_ALIGN } from '../../api/nlmsg.ts';
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_OP_POLICY,
  CTRL_ATTR_POLICY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NLA_TYPE_MASK,
  NLMSG_HDRLEN,
} from '../../api/uapi.ts';
import { asCString, rd16, rd32 } from './bytes.ts';
import {
  genlFamilySpec,
  POLICY_ATTRS,
  type AttrSet,
  type AttrSpec,
  type AttrType,
  type GenlFamilySpec,
} from './specs.ts';

/** A datagram as the resolver needs it. */
export interface SeenDatagram {
  data: Uint8Array;
  protocol?: number;
}

/** The attributes in buf[start, end) as type → [payload start, payload end) (last one wins). */
function attrs(buf: Uint8Array, start: number, end: number): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (let off = start; end - off >= 4; ) {
    const len = rd16(buf, off);
    if (len < 4 || len > end - off) break;
    out.set(rd16(buf, off + 2) & NLA_TYPE_MASK, [off + 4, off + len]);
    off += NLA_ALIGN(len);
  }
  return out;
}
const list = (buf: Uint8Array, [s, e]: [number, number]) => [...attrs(buf, s, e)];

/** NL_ATTR_TYPE_* (netlink_attribute_type) → how the decoder reads the payload. */
const POLICY_TYPE: Record<number, AttrType> = {
  1: 'flag',
  2: 'u8',
  3: 'u16',
  4: 'u32',
  5: 'u64',
  6: 's8',
  7: 's16',
  8: 's32',
  9: 's64',
  10: 'binary',
  11: 'string',
  12: 'string',
  13: 'nest',
  14: 'nest-array',
  15: 'bitfield32',
  16: 'sint',
  17: 'uint',
};
const policyTypeName = (t: number) => POLICY_ATTRS[1]?.values?.[t] ?? `type ${t}`;

/** One policy dump: policy index → attribute → its NL_ATTR_TYPE and nested policy index; op → do/dump policy. */
interface PolicyDump {
  policies: Map<number, Map<number, { type: number; nested?: number }>>;
  ops: Map<number, number>;
}

/** Families named by the NEWFAMILY replies and typed by the GETPOLICY replies among `seen`. */
export function resolveFamilies(seen: readonly SeenDatagram[]): GenlFamilySpec[] {
  const named = new Map<number, { name: string; hdrsize?: number }>();
  const dumps = new Map<number, PolicyDump>();
  for (const d of seen) {
    if (d.protocol !== undefined && d.protocol !== NETLINK_GENERIC) continue;
    const b = d.data;
    for (let off = 0; b.length - off >= NLMSG_HDRLEN + 4; ) {
      const len = rd32(b, off);
      if (len < NLMSG_HDRLEN || len > b.length - off) break;
      const cmd = b[off + NLMSG_HDRLEN]!;
      if (rd16(b, off + 4) === GENL_ID_CTRL) {
        const a = attrs(b, off + NLMSG_HDRLEN + 4, off + len);
        const id = a.get(CTRL_ATTR_FAMILY_ID);
        if (cmd === CTRL_CMD_NEWFAMILY && id && a.get(CTRL_ATTR_FAMILY_NAME)) {
          const [ns, ne] = a.get(CTRL_ATTR_FAMILY_NAME)!;
          const name = asCString(b.subarray(ns, ne))?.text;
          const hs = a.get(CTRL_ATTR_HDRSIZE);
          if (name)
            named.set(rd16(b, id[0]), { name, ...(hs && rd32(b, hs[0]) > 0 ? { hdrsize: rd32(b, hs[0]) } : {}) });
        }
        if (cmd === CTRL_CMD_GETPOLICY && id) {
          const fid = rd16(b, id[0]);
          const dump = dumps.get(fid) ?? { policies: new Map(), ops: new Map() };
          dumps.set(fid, dump);
          const pol = a.get(CTRL_ATTR_POLICY);
          if (pol) {
            for (const [pidx, pr] of list(b, pol)) {
              const p = dump.policies.get(pidx) ?? new Map();
              dump.policies.set(pidx, p);
              for (const [attr, ar] of list(b, pr)) {
                const f = attrs(b, ar[0], ar[1]);
                const t = f.get(1);
                const nested = f.get(8);
                if (t) p.set(attr, { type: rd32(b, t[0]), ...(nested ? { nested: rd32(b, nested[0]) } : {}) });
              }
            }
          }
          const opp = a.get(CTRL_ATTR_OP_POLICY);
          if (opp)
            for (const [op, r] of list(b, opp)) {
              const doIdx = attrs(b, r[0], r[1]).get(1) ?? attrs(b, r[0], r[1]).get(2);
              if (doIdx) dump.ops.set(op, rd32(b, doIdx[0]));
            }
        }
      }
      off += NLMSG_ALIGN(len);
    }
  }
  const out: GenlFamilySpec[] = [];
  for (const [id, { name, hdrsize }] of named) {
    const fam = genlFamilySpec(id, name, hdrsize);
    const dump = dumps.get(id);
    out.push(dump ? withPolicy(fam, dump) : fam);
  }
  return out;
}

/** The policy's root: the policy the family's ops use (index 0 when they all share one). */
const rootIndex = (d: PolicyDump) => (d.ops.size ? Math.min(...d.ops.values()) : 0);

function policySet(d: PolicyDump, idx: number, seen = new Set<number>()): AttrSet {
  const set: AttrSet = {};
  seen.add(idx);
  for (const [attr, { type, nested }] of d.policies.get(idx) ?? []) {
    const spec: AttrSpec = {
      name: `attribute ${attr}`,
      type: POLICY_TYPE[type] ?? 'binary',
      origin: 'policy',
      note: `type from the kernel's policy: ${policyTypeName(type)}`,
    };
    if (nested !== undefined && !seen.has(nested)) spec.nested = policySet(d, nested, new Set(seen));
    set[attr] = spec;
  }
  return set;
}

/** Compatible spec and policy types (a spec's string is NLA_STRING or NLA_NUL_STRING, …). */
function agrees(spec: AttrType, policy: AttrType): boolean {
  if (spec === policy) return true;
  if (spec === 'nest-array' || spec === 'indexed-array') return policy === 'nest-array' || policy === 'nest';
  return (
    (spec === 'binary' && policy === 'string') || (spec === 'uint' && ['u8', 'u16', 'u32', 'u64'].includes(policy))
  );
}

/** A family with its policy dump: typed from it when it has no spec, cross-checked when it has one. */
function withPolicy(fam: GenlFamilySpec, d: PolicyDump): GenlFamilySpec {
  const root = policySet(d, rootIndex(d));
  if (!fam.spec) return { ...fam, attrs: root, source: 'policy' };
  const mismatch: Record<number, string> = {};
  const attrsOut: AttrSet = { ...fam.attrs };
  for (const [t, p] of Object.entries(root)) {
    const s = fam.attrs?.[Number(t)];
    if (!s) {
      attrsOut[Number(t)] = { ...p, note: `not in ${fam.spec.file}; ${p.note}` };
      mismatch[Number(t)] = `missing from the spec, policy ${p.type}`;
      continue;
    }
    if (!agrees(s.type, p.type)) {
      mismatch[Number(t)] = `spec ${s.type}, policy ${p.type}`;
      attrsOut[Number(t)] = { ...s, note: `the spec says ${s.type}, the kernel's policy says ${p.type}` };
    }
  }
  return { ...fam, attrs: attrsOut, ...(Object.keys(mismatch).length ? { policyMismatch: mismatch } : {}) };
}
