/**
 * Generic netlink families written in TypeScript, on the simulated kernel: the host half of
 * sandboxes/sim/kernel/net/netlink/genl_host.ts.
 *
 * A module calls genl_register_family({ name, policy, ops, mcgrps … }) (src/api/genl-kernel.ts);
 * this bridge describes the family to the AssemblyScript kernel, which registers it like any
 * other (ids, groups, nlctrl events) and validates every request against the policy. When a
 * request passes, the kernel calls back here (env.genl_host_doit / _dumpit / _start / _done) and
 * the family's TypeScript handler runs with a genl_info read from wasm memory.
 */
import type {
  GenlHost,
  genl_family,
  genl_ops,
  genl_policy,
  nla_policy,
  genl_info,
  netlink_callback,
  sk_buff,
  netlink_ext_ack,
} from '../../../src/api/genl-kernel.ts';
import {
  withGenlHost,
  NLA_NESTED,
  NLA_NESTED_ARRAY,
  NLA_S8,
  NLA_S16,
  NLA_S32,
  NLA_S64,
  NLA_SINT,
  NLA_VALIDATE_RANGE_PTR,
} from '../../../src/api/genl-kernel.ts';
import type { NlAttr, NlMsgHdr } from '../../../src/api/nlmsg.ts';
import { ERRNO } from '../../../src/api/errno.ts';

/** The kernel exports this bridge uses (genl_host.ts). */
export interface GenlExports {
  memory: WebAssembly.Memory;
  genl_host_alloc(len: number): number;
  genl_host_free(ptr: number): void;
  genl_host_family_new(
    fam: number,
    name: number,
    nameLen: number,
    version: number,
    hdrsize: number,
    maxattr: number,
    netnsok: number,
    parallel: number,
    resvStartOp: number,
    module: number,
    moduleLen: number,
  ): void;
  genl_host_policy_new(maxtype: number): number;
  genl_host_policy_set(
    pol: number,
    type: number,
    ptype: number,
    vtype: number,
    len: number,
    min: number,
    max: number,
    umin: bigint,
    umax: bigint,
    smin: bigint,
    smax: bigint,
    mask: bigint,
    bitfield32: number,
    nested: number,
    strictStart: number,
  ): number;
  genl_host_policy_reject_message(pol: number, type: number, msg: number, msgLen: number): void;
  genl_host_family_policy(fam: number, pol: number): void;
  genl_host_family_split(fam: number): void;
  genl_host_family_op(
    fam: number,
    cmd: number,
    flags: number,
    validate: number,
    maxattr: number,
    pol: number,
    doit: number,
    dumpit: number,
    start: number,
    done: number,
  ): void;
  genl_host_family_grp(fam: number, name: number, nameLen: number, flags: number): void;
  genl_host_register(fam: number): number;
  genl_host_family_id(fam: number): number;
  genl_host_family_mcgrp_offset(fam: number): number;
  genl_host_unregister(fam: number): number;
  genl_host_family_forget(fam: number): void;
  genl_host_req(field: number): number;
  genl_host_req_attr(type: number): number;
  genl_host_req_extack(msg: number, msgLen: number, badAttr: number, missType: number): void;
  genl_host_msg_new(payload: number): number;
  genl_host_msg_free(skb: number): void;
  genl_host_skb_len(skb: number): number;
  genl_host_skb_data(skb: number): number;
  genl_host_genlmsg_put(skb: number, portid: number, seq: number, fam: number, flags: number, cmd: number): number;
  genl_host_genlmsg_end(skb: number, hdr: number): void;
  genl_host_genlmsg_cancel(skb: number, hdr: number): void;
  genl_host_nla_put(skb: number, type: number, data: number, len: number): number;
  genl_host_nest_start(skb: number, type: number): number;
  genl_host_nest_end(skb: number, start: number): number;
  genl_host_nest_cancel(skb: number, start: number): void;
  genl_host_unicast(skb: number, portid: number): number;
  genl_host_multicast(fam: number, skb: number, portid: number, group: number): number;
  genl_families_json(): number;
}

/** A family as the state view shows it. */
export interface GenlFamilyState {
  id: number;
  name: string;
  version: number;
  hdrsize: number;
  maxattr: number;
  /** The module that registered it ('' for built-in families). */
  module: string;
  ops: { cmd: number; flags: number }[];
  groups: { name: string; id: number }[];
}

const GENL_REQ_PORTID = 0;
const GENL_REQ_SEQ = 1;
const GENL_REQ_NLH = 2;
const GENL_REQ_MAXATTR = 3;
const { EFAULT, EINVAL, ENOENT, EEXIST } = ERRNO;

/** An sk_buff of the simulated kernel, by address. */
class SimSkb implements sk_buff {
  /** Hard-private: module code gets the skb, not the kernel's exports. */
  readonly #ex: GenlExports;
  constructor(
    readonly ptr: number,
    ex: GenlExports,
  ) {
    this.#ex = ex;
  }
  get len(): number {
    return this.#ex.genl_host_skb_len(this.ptr);
  }
  /** skb->data … skb->data + len (the message as built so far). */
  get data(): Uint8Array {
    const m = new Uint8Array(this.#ex.memory.buffer);
    const d = this.#ex.genl_host_skb_data(this.ptr);
    return m.subarray(d, d + this.len);
  }
}

/** A registered family; its commands' do and dump handlers (the same op, or two split ops). */
interface Registered {
  hostId: number;
  family: genl_family;
  ops: Map<number, { doit?: genl_ops; dumpit?: genl_ops }>;
}
interface DumpState {
  cb: netlink_callback;
}

const utf8 = new TextEncoder();

/** The generic netlink bridge of one simulated kernel. */
export class GenlBridge implements GenlHost {
  private nextId = 1;
  private readonly byHost = new Map<number, Registered>();
  private readonly byFamily = new Map<genl_family, Registered>();
  private readonly dumps = new Map<number, DumpState>();
  /**
   * Kernel addresses of the attribute payloads handed to handlers, by their buffer, so any
   * attribute read from them — nested ones from nla_get_nested included — can be named in the
   * extack (NL_SET_BAD_ATTR → NLMSGERR_ATTR_OFFS).
   */
  private payloadAddr = new WeakMap<ArrayBufferLike, number>();

  /**
   * @param ex the kernel's exports (available once the module is instantiated)
   * @param moduleName the module being loaded or whose handler runs ('' when none)
   * @param oops called when a handler throws: the kernel answers -EFAULT and carries on
   */
  constructor(
    private readonly ex: () => GenlExports,
    private readonly moduleName: () => string = () => '',
    private readonly oops: (where: string, e: unknown) => void = () => {},
  ) {}

  private get x(): GenlExports {
    return this.ex();
  }
  private mem(): Uint8Array {
    return new Uint8Array(this.x.memory.buffer);
  }

  /** Run `fn` with (ptr, len) of `bytes` copied into kernel memory. */
  private withBytes<T>(bytes: Uint8Array, fn: (ptr: number, len: number) => T): T {
    const p = this.x.genl_host_alloc(bytes.length);
    this.mem().set(bytes, p);
    try {
      return fn(p, bytes.length);
    } finally {
      this.x.genl_host_free(p);
    }
  }

  /**
   * The functions the kernel imports (module "env"), for a kernel whose bridge exists only after
   * instantiation: spread into the import object, with `get` returning the bridge once it exists.
   */
  static env(get: () => GenlBridge | null): Record<string, (...a: number[]) => number> {
    return {
      genl_host_doit: (fam, cmd, skb) => get()?.doit(fam, cmd, skb) ?? -EINVAL,
      genl_host_dumpit: (fam, cmd, skb, dump) => get()?.dumpit(fam, cmd, skb, dump) ?? 0,
      genl_host_start: (fam, cmd, dump) => get()?.startDone(fam, cmd, dump, 'start') ?? 0,
      genl_host_done: (fam, cmd, dump) => get()?.startDone(fam, cmd, dump, 'done') ?? 0,
    };
  }

  // ---- registration ----------------------------------------------------------------------------

  /** Policy ids by object, per maxtype, so one policy shared by several ops is one policy (as in C). */
  private policyIds = new WeakMap<object, Map<number, number>>();

  private static maxIndex(p: genl_policy): number {
    return Math.max(
      0,
      ...Object.keys(p)
        .map(Number)
        .filter((k) => Number.isInteger(k) && (p as Record<number, unknown>)[k] !== undefined),
    );
  }

  private policyId(p: genl_policy, maxtype: number): number {
    let perMax = this.policyIds.get(p);
    if (!perMax) {
      perMax = new Map();
      this.policyIds.set(p, perMax);
    }
    const hit = perMax.get(maxtype);
    if (hit) return hit;
    const size = Math.max(maxtype, GenlBridge.maxIndex(p));
    const id = this.x.genl_host_policy_new(size);
    perMax.set(maxtype, id);
    for (let t = 0; t <= size; t++) {
      const e = (p as Record<number, nla_policy | undefined>)[t];
      if (e) this.setEntry(id, t, e);
    }
    return id;
  }

  private setEntry(pol: number, type: number, e: nla_policy): void {
    if (!Number.isInteger(e.type) || e.type < 0 || e.type > 21) {
      throw new Error(
        `genl: policy entry ${type} has type ${String(e.type)}; use one of NLA_U8 … NLA_UINT from netlink-lab/kernel`,
      );
    }
    let nested = 0;
    let len = e.len ?? 0;
    if ((e.type === NLA_NESTED || e.type === NLA_NESTED_ARRAY) && e.nested_policy) {
      const nmax = e.len ?? GenlBridge.maxIndex(e.nested_policy);
      nested = this.policyId(e.nested_policy, nmax);
      len = nmax;
    }
    const signed =
      e.type === NLA_S8 || e.type === NLA_S16 || e.type === NLA_S32 || e.type === NLA_S64 || e.type === NLA_SINT;
    const ptr = e.validation_type === NLA_VALIDATE_RANGE_PTR;
    const big = (v: number | bigint | undefined, dflt: bigint) => (v === undefined ? dflt : BigInt(v));
    const s16 = (v: number | bigint | undefined) => (ptr || v === undefined ? 0 : Number(v));
    const U64_MAX = 0xffffffffffffffffn;
    const err = this.x.genl_host_policy_set(
      pol,
      type,
      e.type,
      e.validation_type ?? 0,
      len,
      s16(e.min),
      s16(e.max),
      ptr && !signed ? big(e.min, 0n) : 0n,
      ptr && !signed ? BigInt.asUintN(64, big(e.max, U64_MAX)) : 0n,
      ptr && signed ? big(e.min, 0n) : 0n,
      ptr && signed ? big(e.max, 0n) : 0n,
      BigInt.asUintN(64, big(e.mask, 0n)),
      e.bitfield32_valid ?? 0,
      nested,
      e.strict_start_type ?? 0,
    );
    if (err) throw new Error(`genl: policy entry ${type} could not be set (${err})`);
    if (e.reject_message !== undefined)
      this.withBytes(utf8.encode(e.reject_message), (p, l) => this.x.genl_host_policy_reject_message(pol, type, p, l));
  }

  /** Hand the family's policy, ops and groups to the kernel; the ops by command (empty: both ops and split_ops given). */
  private describe(
    hostId: number,
    f: genl_family,
    maxattr: number,
  ): Map<number, { doit?: genl_ops; dumpit?: genl_ops }> {
    if (f.policy) this.x.genl_host_family_policy(hostId, this.policyId(f.policy, maxattr));
    if (f.split_ops && f.ops) return new Map();
    if (f.split_ops) this.x.genl_host_family_split(hostId);
    const ops = new Map<number, { doit?: genl_ops; dumpit?: genl_ops }>();
    for (const op of f.split_ops ?? f.ops ?? []) {
      const omax = op.maxattr ?? (op.policy ? GenlBridge.maxIndex(op.policy) : 0);
      const pol = op.policy ? this.policyId(op.policy, omax) : 0;
      this.x.genl_host_family_op(
        hostId,
        op.cmd,
        op.flags ?? 0,
        op.validate ?? 0,
        op.policy ? omax : 0,
        pol,
        op.doit ? 1 : 0,
        op.dumpit ? 1 : 0,
        op.dumpit ? 1 : 0,
        op.dumpit ? 1 : 0,
      );
      const halves = ops.get(op.cmd) ?? {};
      if (op.doit) halves.doit = op;
      if (op.dumpit) halves.dumpit = op;
      ops.set(op.cmd, halves);
    }
    for (const g of f.mcgrps ?? [])
      this.withBytes(utf8.encode(g.name), (p, l) => this.x.genl_host_family_grp(hostId, p, l, g.flags ?? 0));
    return ops;
  }

  /** genl_register_family. */
  register(f: genl_family): number {
    if (this.byFamily.has(f)) return -EEXIST;
    if (!f || typeof f.name !== 'string')
      throw new Error('genl_register_family: expected a family { name, version, maxattr, policy, ops, mcgrps }');
    const hostId = this.nextId++;
    const maxattr = f.maxattr ?? (f.policy ? GenlBridge.maxIndex(f.policy) : 0);
    this.withBytes(utf8.encode(f.name), (np, nl) =>
      this.withBytes(utf8.encode(this.moduleName()), (mp, ml) =>
        this.x.genl_host_family_new(
          hostId,
          np,
          nl,
          f.version ?? 0,
          f.hdrsize ?? 0,
          maxattr,
          f.netnsok ? 1 : 0,
          f.parallel_ops ? 1 : 0,
          f.resv_start_op ?? 0,
          mp,
          ml,
        ),
      ),
    );
    let ops: Map<number, { doit?: genl_ops; dumpit?: genl_ops }>;
    try {
      ops = this.describe(hostId, f, maxattr);
    } catch (e) {
      this.x.genl_host_family_forget(hostId);
      throw e;
    }
    if (!ops.size && (f.ops?.length || f.split_ops?.length)) {
      this.x.genl_host_family_forget(hostId);
      return -EINVAL;
    }
    const err = this.x.genl_host_register(hostId);
    if (err) {
      this.x.genl_host_family_forget(hostId);
      return err;
    }
    f.id = this.x.genl_host_family_id(hostId);
    f.mcgrp_offset = this.x.genl_host_family_mcgrp_offset(hostId);
    const r = { hostId, family: f, ops };
    this.byHost.set(hostId, r);
    this.byFamily.set(f, r);
    return 0;
  }

  /** genl_unregister_family. */
  unregister(f: genl_family): number {
    const r = this.byFamily.get(f);
    if (!r) return -ENOENT;
    const err = this.x.genl_host_unregister(r.hostId);
    this.byFamily.delete(f);
    this.byHost.delete(r.hostId);
    return err;
  }

  /** Every registered family, built-in ones included, as the kernel has them (for state views). */
  families(): GenlFamilyState[] {
    const ptr = this.x.genl_families_json();
    const len = new DataView(this.x.memory.buffer).getUint32(ptr - 4, true);
    return JSON.parse(
      new TextDecoder('utf-16le').decode(new Uint8Array(this.x.memory.buffer, ptr, len)),
    ) as GenlFamilyState[];
  }

  /** Whether a family registered through this bridge is still registered. */
  registered(f: genl_family): boolean {
    return this.byFamily.has(f);
  }

  // ---- the current request -------------------------------------------------------------------

  private readHdr(nlh: number): NlMsgHdr {
    const v = new DataView(this.x.memory.buffer, nlh, 16);
    return {
      nlmsg_len: v.getUint32(0, true),
      nlmsg_type: v.getUint16(4, true),
      nlmsg_flags: v.getUint16(6, true),
      nlmsg_seq: v.getUint32(8, true),
      nlmsg_pid: v.getUint32(12, true),
    };
  }

  private readAttr(addr: number, nlh: number): NlAttr {
    const m = this.mem();
    const len = m[addr] | (m[addr + 1] << 8);
    const t = m[addr + 2] | (m[addr + 3] << 8);
    const payload = m.slice(addr + 4, addr + Math.max(4, len));
    this.payloadAddr.set(payload.buffer, addr + 4);
    return { type: t & 0x3fff, nested: (t & 0x8000) !== 0, len, payload, offset: addr - nlh };
  }

  private readAttrs(nlh: number): (NlAttr | undefined)[] {
    const max = this.x.genl_host_req(GENL_REQ_MAXATTR);
    const attrs: (NlAttr | undefined)[] = [];
    for (let t = 0; t <= max; t++) {
      const a = this.x.genl_host_req_attr(t);
      attrs.push(a ? this.readAttr(a, nlh) : undefined);
    }
    return attrs;
  }

  private writeExtack(e: netlink_ext_ack): void {
    const base = e.bad_attr ? this.payloadAddr.get(e.bad_attr.payload.buffer) : undefined;
    const bad = e.bad_attr && base !== undefined ? base + e.bad_attr.payload.byteOffset - 4 : 0;
    if (e._msg === undefined && !bad && !e.miss_type) return;
    const msg = e._msg === undefined ? new Uint8Array(0) : utf8.encode(e._msg);
    this.withBytes(msg, (p, l) => this.x.genl_host_req_extack(p, e._msg === undefined ? -1 : l, bad, e.miss_type ?? 0));
  }

  private run(where: string, fn: () => number): number {
    try {
      const r = withGenlHost(this, fn);
      if (typeof r !== 'number' || !Number.isInteger(r)) {
        this.oops(
          where,
          new Error(
            `${where} returned ${String(r)}, not 0 or a negative errno (handlers are synchronous, like kernel code)`,
          ),
        );
        return -EINVAL;
      }
      return r;
    } catch (e) {
      this.oops(where, e);
      return -EFAULT;
    }
  }

  /** env.genl_host_doit: run a family's doit for the current request. */
  doit(fam: number, cmd: number, skb: number): number {
    const r = this.byHost.get(fam);
    const op = r?.ops.get(cmd)?.doit;
    if (!r || !op?.doit) return -95;
    const nlh = this.x.genl_host_req(GENL_REQ_NLH);
    const m = this.mem();
    const g = nlh + 16;
    const hdrsize = r.family.hdrsize ?? 0;
    const info: genl_info = {
      snd_portid: this.x.genl_host_req(GENL_REQ_PORTID) >>> 0,
      snd_seq: this.x.genl_host_req(GENL_REQ_SEQ) >>> 0,
      nlhdr: this.readHdr(nlh),
      genlhdr: { cmd: m[g], version: m[g + 1], reserved: m[g + 2] | (m[g + 3] << 8) },
      userhdr: m.slice(g + 4, g + 4 + hdrsize),
      attrs: this.readAttrs(nlh),
      extack: {},
    };
    const doit = op.doit;
    const ret = this.run(`${r.family.name} cmd ${cmd} doit`, () => doit(new SimSkb(skb, this.x), info));
    this.writeExtack(info.extack);
    return ret;
  }

  private dumpCb(dump: number): netlink_callback {
    let d = this.dumps.get(dump);
    if (!d) {
      const nlh = this.x.genl_host_req(GENL_REQ_NLH);
      d = {
        cb: {
          args: [0, 0, 0, 0, 0, 0],
          nlh: this.readHdr(nlh),
          portid: this.x.genl_host_req(GENL_REQ_PORTID) >>> 0,
          attrs: this.readAttrs(nlh),
          extack: {},
        },
      };
      this.dumps.set(dump, d);
    }
    return d.cb;
  }

  /** env.genl_host_dumpit. */
  dumpit(fam: number, cmd: number, skb: number, dump: number): number {
    const r = this.byHost.get(fam);
    const op = r?.ops.get(cmd)?.dumpit;
    if (!r || !op?.dumpit) return 0;
    const cb = this.dumpCb(dump);
    cb.extack = {};
    const dumpit = op.dumpit;
    const ret = this.run(`${r.family.name} cmd ${cmd} dumpit`, () => dumpit(new SimSkb(skb, this.x), cb));
    this.writeExtack(cb.extack);
    return ret;
  }

  /** env.genl_host_start / genl_host_done. */
  startDone(fam: number, cmd: number, dump: number, which: 'start' | 'done'): number {
    const r = this.byHost.get(fam);
    const op = r?.ops.get(cmd)?.dumpit;
    const cb = this.dumpCb(dump);
    let ret = 0;
    const fn = op?.[which];
    if (r && fn) {
      cb.extack = {};
      ret = this.run(`${r.family.name} cmd ${cmd} ${which}`, () => fn(cb));
      this.writeExtack(cb.extack);
    }
    if (which === 'done' || ret) this.dumps.delete(dump);
    return ret;
  }

  // ---- building and sending --------------------------------------------------------------------

  private addr(skb: sk_buff): number {
    if (!skb || typeof skb.ptr !== 'number' || !skb.ptr)
      throw new TypeError('genl: not an sk_buff (make one with genlmsg_new)');
    return skb.ptr;
  }

  genlmsg_new(payload: number): sk_buff | null {
    const a = this.x.genl_host_msg_new(payload);
    return a ? new SimSkb(a, this.x) : null;
  }
  nlmsg_free(skb: sk_buff): void {
    this.x.genl_host_msg_free(this.addr(skb));
  }
  genlmsg_put(skb: sk_buff, portid: number, seq: number, f: genl_family, flags: number, cmd: number): number {
    const r = this.byFamily.get(f);
    if (!r) throw new Error(`genl: family ${f.name} is not registered (call genl_register_family first)`);
    return this.x.genl_host_genlmsg_put(this.addr(skb), portid >>> 0, seq >>> 0, r.hostId, flags, cmd);
  }
  genlmsg_end(skb: sk_buff, hdr: number): void {
    this.x.genl_host_genlmsg_end(this.addr(skb), hdr);
  }
  genlmsg_cancel(skb: sk_buff, hdr: number): void {
    this.x.genl_host_genlmsg_cancel(this.addr(skb), hdr);
  }
  genlmsg_unicast(skb: sk_buff, portid: number): number {
    return this.x.genl_host_unicast(this.addr(skb), portid >>> 0);
  }
  genlmsg_multicast(f: genl_family, skb: sk_buff, portid: number, group: number): number {
    const r = this.byFamily.get(f);
    if (!r) {
      this.x.genl_host_msg_free(this.addr(skb));
      return -EINVAL;
    }
    return this.x.genl_host_multicast(r.hostId, this.addr(skb), portid >>> 0, group);
  }
  nla_put(skb: sk_buff, type: number, data: Uint8Array): number {
    return this.withBytes(data, (p, l) => this.x.genl_host_nla_put(this.addr(skb), type, p, l));
  }
  nla_nest_start(skb: sk_buff, type: number): number {
    return this.x.genl_host_nest_start(this.addr(skb), type);
  }
  nla_nest_end(skb: sk_buff, start: number): number {
    return this.x.genl_host_nest_end(this.addr(skb), start);
  }
  nla_nest_cancel(skb: sk_buff, start: number): void {
    this.x.genl_host_nest_cancel(this.addr(skb), start);
  }
  write(_skb: sk_buff, addr: number, data: Uint8Array): void {
    this.mem().set(data, addr);
  }
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(SimSkb.prototype);
