/**
 * The user-side genl helpers (src/api/genl.ts) against this machine's kernel, through the
 * real-kernel backend (a private `unshare -Urn` namespace).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRealKernel, type RealKernel } from '../../sandboxes/real/bridge.ts';
import { setBackend, backend } from '../../src/api/backend.ts';
import {
  genl_socket,
  genl_ctrl_resolve,
  genl_ctrl_resolve_grp,
  genl_ctrl_list,
  genl_ctrl_policy,
  genl_request,
  genl_close,
  NetlinkError,
  NL_ATTR_TYPE,
  nla_string,
  nla_string_nonul,
  setsockopt,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  genl_send,
  genl_recv,
  genl_dispatch,
  parseCtrlFamily,
} from '../../src/api/user.ts';

let kernel: RealKernel;
beforeAll(() => {
  kernel = createRealKernel();
  setBackend(kernel);
});
afterAll(async () => {
  setBackend(null);
  await kernel.shutdown();
});

/** Run `fn` as a process of the real kernel and return what it returned. */
async function inProcess<T>(fn: () => Promise<T>): Promise<T> {
  let out: T | undefined;
  let err: unknown;
  const pid = await backend().spawn(async () => {
    try {
      out = await fn();
    } catch (e) {
      err = e;
    }
  });
  await backend().waitpid(pid);
  if (err) throw err;
  return out as T;
}

describe('genl helpers on the real kernel', () => {
  it('resolves nlctrl by name and by id', async () => {
    const [byName, byId] = await inProcess(async () => {
      const fd = await genl_socket();
      const r = [await genl_ctrl_resolve(fd, 'nlctrl'), await genl_ctrl_resolve(fd, 0x10)];
      await genl_close(fd);
      return r;
    });
    expect(byName).toEqual({
      id: 0x10,
      name: 'nlctrl',
      version: 2,
      hdrsize: 0,
      maxattr: 0,
      ops: [
        { cmd: 3, flags: 0x0e },
        { cmd: 10, flags: 0x0c },
      ],
      groups: new Map([['notify', 0x10]]),
    });
    expect(byId).toEqual(byName);
  });

  it('lists families, resolves a group, rejects unknown names with ENOENT', async () => {
    const r = await inProcess(async () => {
      const fd = await genl_socket();
      const list = await genl_ctrl_list(fd);
      const grp = await genl_ctrl_resolve_grp(fd, 'nlctrl', 'notify');
      const err = await genl_ctrl_resolve(fd, 'NO_SUCH_FAMILY').catch((e) => e);
      return { names: list.map((f) => f.name), grp, err };
    });
    expect(r.names[0]).toBe('nlctrl');
    expect(r.grp).toBe(0x10);
    expect(r.err).toBeInstanceOf(NetlinkError);
    expect((r.err as NetlinkError).code).toBe('ENOENT');
  });

  it("reads nlctrl's policies", async () => {
    const pol = await inProcess(async () => genl_ctrl_policy(await genl_socket(), 'nlctrl'));
    expect(pol.ops.get(3)).toEqual({ do: 0, dump: 0 });
    expect(pol.policies.get(0)!.get(2)).toEqual({ type: NL_ATTR_TYPE.NUL_STRING, maxLength: 15 });
  });

  it('reports the extended ACK of a policy violation', async () => {
    const err = await inProcess(async () => {
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      return genl_request(fd, { family: 0x10, cmd: 3, version: 2, attrs: [nla_string_nonul(2, 'nlctrl')] }).catch(
        (e) => e,
      );
    });
    expect(err).toBeInstanceOf(NetlinkError);
    expect((err as NetlinkError).code).toBe('EINVAL');
    expect((err as NetlinkError).extack).toEqual({
      msg: 'Attribute failed policy validation',
      offs: 20,
      policy: { type: NL_ATTR_TYPE.NUL_STRING, maxLength: 15 },
    });
  });

  it('sends, receives and dispatches one step at a time', async () => {
    const r = await inProcess(async () => {
      const fd = await genl_socket();
      const seq = await genl_send(fd, { family: 0x10, cmd: 3, version: 2, attrs: [nla_string(2, 'nlctrl')] });
      const first = await genl_recv(fd);
      const second = await genl_recv(fd);
      const names: string[] = [];
      const handled = genl_dispatch(first.msgs, { 1: (m) => names.push(parseCtrlFamily(m.nlmsg).name) });
      return {
        seq,
        first: { n: first.n, msgs: first.msgs.length, seq: first.msgs[0].nlmsg.nlmsg_seq },
        second: second.errors,
        handled,
        names,
      };
    });
    expect(r.first).toEqual({ n: 136, msgs: 1, seq: r.seq });
    expect(r.second).toEqual([{ error: 0, seq: r.seq, extack: {} }]);
    expect([r.handled, r.names]).toEqual([1, ['nlctrl']]);
  });
});
