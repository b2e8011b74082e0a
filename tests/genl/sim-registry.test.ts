/**
 * The genetlink registry on the simulated kernel beyond the example modules: a family's own
 * header (hdrsize), groups that need CAP_NET_ADMIN to join, members dropped when a family goes,
 * and a GETFAMILY dump longer than one skb (ctrl_dumpfamily's -EMSGSIZE resume).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import {
  genl_socket,
  genl_ctrl_resolve,
  genl_ctrl_list,
  genl_request,
  genlmsg,
  parseGenlmsg,
  sendto,
  recvfrom,
  setsockopt,
  getsockopt,
  insmod,
  rmmod,
  parseNlmsgs,
  parseNlmsgerr,
  parseExtAck,
  nlmsg,
  genlmsghdr,
  nla_u32,
  NETLINK_EXT_ACK,
  nla_get_u32,
  type NetlinkError,
  MSG_DONTWAIT,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_LIST_MEMBERSHIPS,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from '../../src/api/user.ts';
import {
  genl_register_family,
  genl_unregister_family,
  genlmsg_new,
  genlmsg_put,
  genlmsg_put_userhdr,
  genlmsg_end,
  genlmsg_reply,
  nla_put_u32,
  GENL_MCAST_CAP_NET_ADMIN,
  NLMSG_DEFAULT_SIZE,
  NLA_U32,
  NL_SET_ERR_MSG,
  NL_SET_ERR_MSG_ATTR,
  type genl_family,
} from '../../src/api/genl-kernel.ts';
import type { SimKernel } from '../../sandboxes/sim/host/index.ts';
import { bootKernel as newSimKernel } from '../fixtures/sim-kernel.ts';

let k: SimKernel;
beforeEach(async () => {
  k = await newSimKernel();
  setBackend(k);
});

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

/** A family with a 4-byte header of its own: the reply echoes the request's header + 1 and its attribute. */
const withHdr: genl_family = {
  name: 'HDR_TEST',
  version: 3,
  hdrsize: 4,
  maxattr: 1,
  policy: { 1: { type: NLA_U32 } },
  ops: [
    {
      cmd: 1,
      doit: (_skb, info) => {
        const reply = genlmsg_new(NLMSG_DEFAULT_SIZE)!;
        const hdr = genlmsg_put(reply, info.snd_portid, info.snd_seq, withHdr, 0, 1);
        const h = new DataView(info.userhdr.buffer, info.userhdr.byteOffset, 4).getUint32(0, true);
        genlmsg_put_userhdr(reply, hdr, new Uint8Array(new Uint32Array([h + 1]).buffer));
        nla_put_u32(reply, 1, nla_get_u32(info.attrs[1]!) * 2);
        genlmsg_end(reply, hdr);
        return genlmsg_reply(reply, info);
      },
    },
  ],
  mcgrps: [{ name: 'open' }, { name: 'admin', flags: GENL_MCAST_CAP_NET_ADMIN }],
};

describe('genetlink registry', () => {
  it('a family header (hdrsize 4) travels between user space and the handler; too short → EINVAL', async () => {
    const r = await proc(async () => {
      await insmod({
        name: 'hdr_test',
        init: () => genl_register_family(withHdr),
        exit: () => {
          genl_unregister_family(withHdr);
        },
      });
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'HDR_TEST');
      const [reply] = await genl_request(fd, {
        family: f.id,
        cmd: 1,
        version: 3,
        userhdr: new Uint8Array([41, 0, 0, 0]),
        attrs: [nla_u32(1, 21)],
      });
      const g = parseGenlmsg(reply, f.hdrsize);
      // Only the genlmsghdr, where the family expects genlmsghdr + 4 bytes.
      await sendto(fd, nlmsg({ type: f.id, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 3, payload: genlmsghdr(1, 3) }), 0, {
        nl_family: 16,
        nl_pid: 0,
        nl_groups: 0,
      });
      const buf = new Uint8Array(4096);
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      const short = parseNlmsgerr(parseNlmsgs(buf.slice(0, n))[0])!.error;
      return {
        f,
        g: { cmd: g.cmd, version: g.version, hdr: Array.from(g.userhdr), value: nla_get_u32(g.attr.get(1)!) },
        len: reply.nlmsg_len,
        short,
      };
    });
    expect(r.f.hdrsize).toBe(4);
    expect(r.g).toEqual({ cmd: 1, version: 3, hdr: [42, 0, 0, 0], value: 42 });
    expect(r.len).toBe(16 + 4 + 4 + 8);
    expect(r.short).toBe(-22);
  });

  it('a CAP_NET_ADMIN group refuses an unprivileged member (EPERM); the open one does not', async () => {
    await proc(async () => {
      await insmod({ name: 'hdr_test', init: () => genl_register_family(withHdr) });
    });
    const r = await proc(async () => {
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'HDR_TEST');
      const join = (g: string) =>
        setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, f.groups.get(g)!).then(
          () => 'ok',
          (e) => e.code,
        );
      return [await join('open'), await join('admin')];
    }, 65534);
    expect(r).toEqual(['ok', 'EPERM']);
  });

  it("rmmod drops the members of the family's groups", async () => {
    const r = await proc(async () => {
      await insmod({
        name: 'hdr_test',
        init: () => genl_register_family(withHdr),
        exit: () => {
          genl_unregister_family(withHdr);
        },
      });
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'HDR_TEST');
      await setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, f.groups.get('open')!);
      const before = Array.from((await getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS)) as Uint8Array);
      await rmmod('hdr_test');
      const after = Array.from((await getsockopt(fd, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS)) as Uint8Array);
      return { before, after, gid: f.groups.get('open')! };
    });
    const bit = (m: number[]) => (m[(r.gid - 1) >> 3] >> ((r.gid - 1) & 7)) & 1;
    expect(bit(r.before)).toBe(1);
    expect(bit(r.after)).toBe(0);
  });

  it('a GETFAMILY dump longer than one skb resumes where it stopped', async () => {
    const many: genl_family[] = Array.from({ length: 60 }, (_, i) => ({
      name: `MANY_${i}`,
      version: 1,
      ops: Array.from({ length: 8 }, (_x, c) => ({ cmd: c + 1, doit: () => 0 })),
      mcgrps: [{ name: `g${i}` }],
    }));
    const names = await proc(async () => {
      await insmod({
        name: 'many',
        init: () => {
          for (const f of many) {
            const e = genl_register_family(f);
            if (e) return e;
          }
          return 0;
        },
      });
      return (await genl_ctrl_list(await genl_socket())).map((f) => f.name);
    });
    expect(names).toEqual(['nlctrl', ...many.map((f) => f.name)]);
  });

  it('a do-only command asked as a dump, and the reverse, → EOPNOTSUPP', async () => {
    const r = await proc(async () => {
      await insmod({ name: 'hdr_test', init: () => genl_register_family(withHdr) });
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'HDR_TEST');
      const asDump = await genl_request(fd, { family: f.id, cmd: 1, userhdr: new Uint8Array(4) }, { dump: true }).catch(
        (e: NetlinkError) => e.code,
      );
      // nlctrl's GETPOLICY is dump-only.
      await sendto(fd, genlmsg({ family: 0x10, cmd: 10, seq: 5, flags: NLM_F_REQUEST | NLM_F_ACK }), 0, {
        nl_family: 16,
        nl_pid: 0,
        nl_groups: 0,
      });
      const buf = new Uint8Array(4096);
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      return [asDump, parseNlmsgerr(parseNlmsgs(buf.slice(0, n))[0])!.error];
    });
    expect(r).toEqual(['EOPNOTSUPP', -95]);
  });
});

describe('a handler that throws', () => {
  it('fails the request with EFAULT and the kernel carries on', async () => {
    const buggy: genl_family = {
      name: 'BUGGY',
      ops: [
        {
          cmd: 1,
          doit: () => {
            throw new TypeError('oops in doit');
          },
        },
        { cmd: 2, doit: () => 0 },
      ],
    };
    const r = await proc(async () => {
      await insmod({ name: 'buggy', init: () => genl_register_family(buggy) });
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'BUGGY');
      const first = await genl_request(fd, { family: f.id, cmd: 1 }).then(
        () => 'ok',
        (e: NetlinkError) => e.code,
      );
      const second = await genl_request(fd, { family: f.id, cmd: 2 }).then(
        () => 'ok',
        (e: NetlinkError) => e.code,
      );
      return [first, second];
    });
    expect(r).toEqual(['EFAULT', 'ok']);
  });
});

describe('state view', () => {
  it('state().families lists nlctrl and the loaded families with their ops and groups', async () => {
    await proc(async () => {
      await insmod({ name: 'hdr_test', init: () => genl_register_family(withHdr) });
    });
    const fams = k.state().families as {
      id: number;
      name: string;
      module: string;
      ops: { cmd: number; flags: number }[];
      groups: { name: string; id: number }[];
    }[];
    expect(fams[0]).toEqual({
      id: 0x10,
      name: 'nlctrl',
      version: 2,
      hdrsize: 0,
      maxattr: 0,
      module: '',
      ops: [
        { cmd: 3, flags: 0x0e },
        { cmd: 10, flags: 0x0c },
      ],
      groups: [{ name: 'notify', id: 0x10 }],
    });
    const mine = fams.find((f) => f.name === 'HDR_TEST')!;
    expect(mine.id).toBe(withHdr.id);
    expect(mine.module).toBe('hdr_test');
    expect(mine.ops).toEqual([{ cmd: 1, flags: 0x0a }]);
    expect(mine.groups.map((g) => g.name)).toEqual(['open', 'admin']);
  });
});

describe('extack from a TypeScript handler', () => {
  it('a message set on success rides on the ACK (flags 0x300); one set on failure names the attribute', async () => {
    const noisy: genl_family = {
      name: 'NOISY',
      maxattr: 2,
      policy: { 1: { type: NLA_U32 }, 2: { type: NLA_U32 } },
      ops: [
        {
          cmd: 1,
          doit: (_s, info) => {
            NL_SET_ERR_MSG(info.extack, 'deprecated, use cmd 2');
            return 0;
          },
        },
        {
          cmd: 2,
          doit: (_s, info) => {
            NL_SET_ERR_MSG_ATTR(info.extack, info.attrs[2], 'value not allowed here');
            return -22;
          },
        },
      ],
    };
    const r = await proc(async () => {
      await insmod({ name: 'noisy', init: () => genl_register_family(noisy) });
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      const f = await genl_ctrl_resolve(fd, 'NOISY');
      const out: string[] = [];
      for (const cmd of [1, 2]) {
        await sendto(fd, genlmsg({ family: f.id, cmd, seq: cmd, attrs: [nla_u32(1, 1), nla_u32(2, 2)] }), 0, {
          nl_family: 16,
          nl_pid: 0,
          nl_groups: 0,
        });
        const buf = new Uint8Array(4096);
        const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
        const m = parseNlmsgs(buf.slice(0, n))[0];
        const e = parseNlmsgerr(m)!;
        out.push(`${e.error} 0x${m.nlmsg_flags.toString(16)} ${JSON.stringify(parseExtAck(e.tlvs))}`);
      }
      return out;
    });
    expect(r).toEqual([
      '0 0x300 {"msg":"deprecated, use cmd 2"}',
      '-22 0x200 {"msg":"value not allowed here","offs":28}',
    ]);
  });
});
