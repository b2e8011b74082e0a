/**
 * Generic netlink families written in TypeScript, on the simulated kernel: DOC_EXMPL answers as
 * sandboxes/vm/modules/README.md specifies for the C module, nlctrl announces families and groups
 * as they come and go, and kv_store exercises nests, dumps, ranges and admin-only commands.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootKernel as newSimKernel } from '../fixtures/sim-kernel.ts';
import { drainMessages } from '../fixtures/sim-helpers.ts';
import type { SimKernel } from '../../sandboxes/sim/host/index.ts';
import { setBackend } from '../../src/api/backend.ts';
import {
  genl_socket,
  genl_ctrl_resolve,
  genl_ctrl_policy,
  genl_request,
  genlmsg,
  parseGenlmsg,
  sendto,
  recvmsg,
  setsockopt,
  insmod,
  rmmod,
  parseNlmsgs,
  parseNlmsgerr,
  nla_string,
  nla_string_nonul,
  nla_u32,
  nla_nest,
  nla_get_string,
  nla_get_u32,
  nla_get_nested,
  hex,
  NetlinkError,
  NL_ATTR_TYPE,
  MSG_DONTWAIT,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from '../../src/api/user.ts';
import doc_exmpl, { doc_exmpl_family as docFamily } from '../../sandboxes/sim/modules/doc_exmpl.ts';
import kv_store, {
  NLLAB_KV_C_SET,
  NLLAB_KV_C_GET,
  NLLAB_KV_C_DEL,
  NLLAB_KV_A_ENTRY,
  NLLAB_KV_E_KEY,
  NLLAB_KV_E_VALUE,
  NLLAB_KV_A_COUNT,
} from '../../sandboxes/sim/modules/kv_store.ts';
import { genl_register_family, genl_unregister_family, type genl_family } from '../../src/api/genl-kernel.ts';

let k: SimKernel;
beforeEach(async () => {
  k = await newSimKernel();
  setBackend(k);
});
afterEach(() => {
  setBackend(null);
});

/** Run `fn` as a process (uid 0 unless given) and return its result. */
async function proc<T>(fn: () => Promise<T>, uid = 0): Promise<T> {
  let out: T | undefined;
  let err: unknown;
  const r = await k.run(
    async () => {
      try {
        out = await fn();
      } catch (e) {
        err = e;
      }
    },
    { uid },
  );
  if (err ?? r.error) throw err ?? r.error;
  return out as T;
}

describe("DOC_EXMPL (the C module's spec, sandboxes/vm/modules/README.md)", () => {
  it('is listed by nlctrl with VERSION 1, MAXATTR 1, OPS [1]{1, 0x0a}, one group', async () => {
    const f = await proc(async () => {
      await insmod(doc_exmpl);
      return genl_ctrl_resolve(await genl_socket(), 'DOC_EXMPL');
    });
    expect(f.version).toBe(1);
    expect(f.hdrsize).toBe(0);
    expect(f.maxattr).toBe(1);
    expect(f.ops).toEqual([{ cmd: 1, flags: 0x0a }]);
    expect([...f.groups.keys()]).toEqual(['DOC_EXMPL_GRP']);
    expect(f.id).toBe(docFamily.id);
    expect(f.groups.get('DOC_EXMPL_GRP')).toBe(docFamily.mcgrp_offset);
  });

  it('ECHO: reply of 52 bytes to the sender, notification to the group, then the ACK', async () => {
    const r = await proc(async () => {
      await insmod(doc_exmpl);
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
      const listener = await genl_socket();
      await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, f.groups.get('DOC_EXMPL_GRP')!);
      await sendto(
        fd,
        genlmsg({ family: f.id, cmd: 1, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 9, attrs: [nla_string(1, 'hi there')] }),
        0,
        { nl_family: 16, nl_pid: 0, nl_groups: 0 },
      );
      const mine = await drainMessages(fd);
      const buf = new Uint8Array(4096);
      const got = await recvmsg(listener, { msg_iov: [buf] }, MSG_DONTWAIT);
      return { f, mine, note: parseNlmsgs(buf.slice(0, got.n)), from: got.from };
    });
    const [reply, ack] = r.mine;
    expect(r.mine).toHaveLength(2);
    expect(reply.nlmsg_len).toBe(52);
    expect([reply.nlmsg_type, reply.nlmsg_flags, reply.nlmsg_seq]).toEqual([r.f.id, 0, 9]);
    expect(hex(reply.payload)).toBe(
      '01010000' + '1f000100' + hex(new TextEncoder().encode('Hello from kernel space!!!\0')) + '00',
    );
    expect(parseNlmsgerr(ack)!.error).toBe(0);
    expect(r.note).toHaveLength(1);
    expect([r.note[0].nlmsg_seq, r.note[0].nlmsg_pid]).toEqual([0, 0]);
    expect(nla_get_string(parseGenlmsg(r.note[0]).attr.get(1)!)).toBe('hi there');
    expect(r.from).toEqual({ nl_family: 16, nl_pid: 0, nl_groups: 1 << (r.f.groups.get('DOC_EXMPL_GRP')! - 1) });
  });

  it('ECHO without the attribute → EINVAL with MISS_TYPE 1; without NUL → policy extack; cmd 2 → EOPNOTSUPP', async () => {
    const errs = await proc(async () => {
      await insmod(doc_exmpl);
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
      const out: unknown[] = [];
      for (const [cmd, attrs] of [
        [1, []],
        [1, [nla_string_nonul(1, 'abc')]],
        [2, []],
      ] as [number, Uint8Array[]][]) {
        out.push(await genl_request(fd, { family: f.id, cmd, attrs }).catch((e) => e));
      }
      return out as NetlinkError[];
    });
    expect(errs[0]).toBeInstanceOf(NetlinkError);
    expect([errs[0].code, errs[0].extack]).toEqual(['EINVAL', { missType: 1 }]);
    expect([errs[1].code, errs[1].extack]).toEqual([
      'EINVAL',
      { msg: 'Attribute failed policy validation', offs: 20, policy: { type: NL_ATTR_TYPE.NUL_STRING } },
    ]);
    expect(errs[2].code).toBe('EOPNOTSUPP');
  });
});

describe('nlctrl notifications', () => {
  it('insmod → NEWFAMILY, NEWMCAST_GRP; rmmod → DELMCAST_GRP, DELFAMILY, on group "notify"', async () => {
    const msgs = await proc(async () => {
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 0x10);
      await insmod(doc_exmpl);
      await rmmod('doc_exmpl');
      return drainMessages(fd);
    });
    const cmds = msgs.map((m) => parseGenlmsg(m).cmd);
    expect(cmds).toEqual([1, 7, 8, 2]);
    for (const m of msgs) expect([m.nlmsg_type, m.nlmsg_seq, m.nlmsg_pid, m.payload[1]]).toEqual([0x10, 0, 0, 2]);
    const grp = parseGenlmsg(msgs[1]);
    expect(nla_get_string(grp.attr.get(2)!)).toBe('DOC_EXMPL');
    const nest = nla_get_nested(nla_get_nested(grp.attr.get(7)!)[0]);
    expect(nest.map((a) => a.type)).toEqual([2, 1]);
    expect(nla_get_string(nest[1])).toBe('DOC_EXMPL_GRP');
  });

  it('after rmmod the family is gone (ENOENT) and its id is not reused at once', async () => {
    const r = await proc(async () => {
      await insmod(doc_exmpl);
      const fd = await genl_socket();
      const first = (await genl_ctrl_resolve(fd, 'DOC_EXMPL')).id;
      await rmmod('doc_exmpl');
      const gone = await genl_ctrl_resolve(fd, 'DOC_EXMPL').catch((e: NetlinkError) => e.code);
      await insmod(doc_exmpl);
      const second = (await genl_ctrl_resolve(fd, 'DOC_EXMPL')).id;
      return { first, gone, second };
    });
    expect(r.gone).toBe('ENOENT');
    expect(r.second).toBe(r.first + 1);
  });

  it('a second family of the same name → EEXIST; bad families → EINVAL', async () => {
    const errs = await proc(async () => {
      await insmod(doc_exmpl);
      const out: number[] = [];
      await insmod({
        name: 'dup',
        init: () => {
          const tries: genl_family[] = [
            { name: 'DOC_EXMPL', ops: [{ cmd: 1, doit: () => 0 }] },
            { name: 'NO_HANDLERS', ops: [{ cmd: 1 }] },
            {
              name: 'TWICE',
              ops: [
                { cmd: 1, doit: () => 0 },
                { cmd: 1, doit: () => 0 },
              ],
            },
            { name: 'A_NAME_TOO_LONG_16', ops: [] },
            { name: 'BOTH_KINDS', ops: [{ cmd: 1, doit: () => 0 }], split_ops: [{ cmd: 2, doit: () => 0 }] },
            { name: 'SPLIT_BOTH', split_ops: [{ cmd: 1, doit: () => 0, dumpit: () => 0 }] },
            {
              name: 'SPLIT_TWICE',
              split_ops: [
                { cmd: 1, doit: () => 0 },
                { cmd: 1, doit: () => 0 },
              ],
            },
          ];
          for (const f of tries) out.push(genl_register_family(f));
          const ok: genl_family = { name: 'OK_FAMILY', ops: [] };
          out.push(genl_register_family(ok), genl_unregister_family(ok), genl_unregister_family(ok));
          return 0;
        },
      });
      return out;
    });
    expect(errs).toEqual([-17, -22, -22, -22, -22, -22, -22, 0, 0, -2]);
  });
});

describe('kv_store (nests, dump, ranges, admin-only command)', () => {
  const entry = (key: string, value?: number) =>
    nla_nest(
      NLLAB_KV_A_ENTRY,
      [nla_string(NLLAB_KV_E_KEY, key), ...(value === undefined ? [] : [nla_u32(NLLAB_KV_E_VALUE, value)])],
      true,
    );

  it('SET, GET, dump, DEL, with events', async () => {
    const r = await proc(async () => {
      await insmod(kv_store);
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'NLLAB_KV');
      const ev = await genl_socket();
      await setsockopt(ev, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, f.groups.get('kv_events')!);
      for (const [k2, v] of [
        ['a', 1],
        ['b', 2],
        ['c', 3],
      ] as [string, number][])
        await genl_request(fd, { family: f.id, cmd: NLLAB_KV_C_SET, attrs: [entry(k2, v)] });
      const got = await genl_request(fd, { family: f.id, cmd: NLLAB_KV_C_GET, attrs: [entry('b')] });
      const dump = await genl_request(fd, { family: f.id, cmd: NLLAB_KV_C_GET }, { dump: true });
      await genl_request(fd, { family: f.id, cmd: NLLAB_KV_C_DEL, attrs: [entry('a')] });
      const events = await drainMessages(ev);
      return { got, dump, events };
    });
    const one = parseGenlmsg(r.got[0]);
    const e = nla_get_nested(one.attr.get(NLLAB_KV_A_ENTRY)!);
    expect(one.attr.get(NLLAB_KV_A_ENTRY)!.nested).toBe(true);
    expect([nla_get_string(e[0]), nla_get_u32(e[1]), nla_get_u32(one.attr.get(NLLAB_KV_A_COUNT)!)]).toEqual([
      'b',
      2,
      3,
    ]);
    expect(r.dump.map((m) => nla_get_string(nla_get_nested(parseGenlmsg(m).attr.get(NLLAB_KV_A_ENTRY)!)[0]))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(r.dump.every((m) => m.nlmsg_flags === 2)).toBe(true);
    expect(r.events.map((m) => parseGenlmsg(m).cmd)).toEqual([4, 4, 4, 5]);
  });

  it('validation: value over 1000 → ERANGE, key too long → EINVAL, nest without NLA_F_NESTED → EINVAL, DEL as nobody → EPERM', async () => {
    const r = await proc(async () => {
      await insmod(kv_store);
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      const f = await genl_ctrl_resolve(fd, 'NLLAB_KV');
      const e = (attrs: Uint8Array[], cmd = NLLAB_KV_C_SET) =>
        genl_request(fd, { family: f.id, cmd, attrs }).then(
          () => null,
          (x: NetlinkError) => [x.code, x.extack],
        );
      return [
        await e([entry('x', 1001)]),
        await e([entry('0123456789abcdef', 1)]),
        await e([nla_nest(NLLAB_KV_A_ENTRY, [nla_string(NLLAB_KV_E_KEY, 'x'), nla_u32(NLLAB_KV_E_VALUE, 1)], false)]),
        await e([entry('nope')], NLLAB_KV_C_GET),
      ];
    });
    expect(r[0]).toEqual([
      'ERANGE',
      { msg: 'integer out of range', offs: 32, policy: { type: NL_ATTR_TYPE.U32, minValue: 0n, maxValue: 1000n } },
    ]);
    expect(r[1]).toEqual([
      'EINVAL',
      { msg: 'Attribute failed policy validation', offs: 24, policy: { type: NL_ATTR_TYPE.NUL_STRING, maxLength: 15 } },
    ]);
    expect(r[2]).toEqual([
      'EINVAL',
      { msg: 'NLA_F_NESTED is missing', offs: 20, policy: { type: NL_ATTR_TYPE.NESTED } },
    ]);
    expect(r[3]).toEqual(['ENOENT', { msg: 'no such key', offs: 24 }]);
    const perm = await proc(async () => {
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'NLLAB_KV');
      return genl_request(fd, { family: f.id, cmd: NLLAB_KV_C_DEL, attrs: [entry('x')] }).then(
        () => 'ok',
        (x: NetlinkError) => x.code,
      );
    }, 65534);
    // The module loaded by the root process above serves every process of this kernel.
    expect(perm).toBe('EPERM');
  });

  it('GETPOLICY describes the nested policy', async () => {
    const pol = await proc(async () => {
      await insmod(kv_store);
      return genl_ctrl_policy(await genl_socket(), 'NLLAB_KV');
    });
    expect(pol.ops.get(NLLAB_KV_C_SET)).toEqual({ do: 0 });
    expect(pol.ops.get(NLLAB_KV_C_GET)).toEqual({ do: 0, dump: 0 });
    expect(pol.policies.get(0)!.get(NLLAB_KV_A_ENTRY)).toEqual({
      type: NL_ATTR_TYPE.NESTED,
      policyIdx: 1,
      policyMaxtype: 2,
    });
    expect(pol.policies.get(1)!.get(NLLAB_KV_E_KEY)).toEqual({ type: NL_ATTR_TYPE.NUL_STRING, maxLength: 15 });
    expect(pol.policies.get(1)!.get(NLLAB_KV_E_VALUE)).toEqual({
      type: NL_ATTR_TYPE.U32,
      minValue: 0n,
      maxValue: 1000n,
    });
  });
});
