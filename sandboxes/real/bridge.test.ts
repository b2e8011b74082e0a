import { executionAsyncId } from 'node:async_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import * as u from '../../src/api/user.ts';
import { createRealKernel, type RealKernel } from './bridge.ts';

let k: RealKernel | null = null;
const kernel = () => {
  k = createRealKernel({ onUncaught: () => {} });
  setBackend(k);
  return k;
};
afterEach(async () => {
  setBackend(null);
  await k?.shutdown();
  k = null;
});

/** Run `main` as a process of a fresh kernel and return its exit status. */
async function run(main: () => Promise<void>, opts?: u.SpawnOptions): Promise<number> {
  const kk = k ?? kernel();
  return kk.waitpid(await kk.spawn(main, opts));
}

const noopAck = (seq: number) => u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq });
const KERNEL = { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };

describe('real-kernel bridge', () => {
  it('runs a request/ACK round trip; the autobound port is the agent pid', async () => {
    let seen: { port: number; pid: number; ack: u.NlMsg | undefined; from: u.SockaddrNl } | null = null;
    expect(
      await run(async () => {
        const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
        await u.sendto(fd, noopAck(5), 0, KERNEL);
        const buf = new Uint8Array(256);
        const r = await u.recvmsg(fd, { msg_iov: [buf.subarray(0, 8), buf.subarray(8)] });
        seen = {
          port: (await u.getsockname(fd)).nl_pid,
          pid: u.getpid(),
          ack: u.parseNlmsgs(buf.subarray(0, r.n))[0],
          from: r.from,
        };
      }),
    ).toBe(0);
    expect(seen!.port).toBe(seen!.pid);
    expect(seen!.ack?.nlmsg_type).toBe(u.NLMSG_ERROR);
    expect(seen!.ack?.nlmsg_seq).toBe(5);
    expect(seen!.ack?.nlmsg_pid).toBe(seen!.pid);
    expect(seen!.from).toEqual({ nl_family: 16, nl_pid: 0, nl_groups: 0 });
  });

  it("leaves Node's promise hooks off once its processes ended (they slow every promise of the process)", async () => {
    // After an await, executionAsyncId() is 0 unless async_hooks track promises (an AsyncLocalStorage is on).
    const tracked = async () => {
      await null;
      return executionAsyncId() !== 0;
    };
    expect(await tracked()).toBe(false);
    let inside = false;
    expect(
      await run(async () => {
        await u.close(await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE));
        inside = await tracked();
      }),
    ).toBe(0);
    expect(inside).toBe(true);
    expect(await tracked()).toBe(false);
  });

  it('rejects a failing syscall with ErrnoError carrying the errno', async () => {
    let err: unknown;
    await run(async () => {
      const a = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      const b = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(a, { nl_family: u.AF_NETLINK, nl_pid: 4000, nl_groups: 0 });
      try {
        await u.bind(b, { nl_family: u.AF_NETLINK, nl_pid: 4000, nl_groups: 0 });
      } catch (e) {
        err = e;
      }
    });
    expect(err).toBeInstanceOf(ErrnoError);
    expect((err as ErrnoError).code).toBe('EADDRINUSE');
    expect((err as ErrnoError).syscall).toBe('bind');
  });

  it('gives each spawned process its own agent in the same private namespace', async () => {
    const lines: string[] = [];
    await run(async () => {
      const rx = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(rx, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const port = (await u.getsockname(rx)).nl_pid;
      const child = await u.spawn(async () => {
        const tx = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
        await u.sendto(tx, u.bytes('from the child'), 0, { nl_family: u.AF_NETLINK, nl_pid: port, nl_groups: 0 });
      });
      const buf = new Uint8Array(64);
      const r = await u.recvfrom(rx, buf);
      lines.push(
        `${u.cstring(buf.subarray(0, r.n))} ${r.from.nl_pid === child} ${child !== u.getpid()} ${await u.waitpid(child)}`,
      );
      // Only this program's sockets are in the namespace's /proc/net/netlink.
      lines.push(String((await u.readFile('/proc/net/netlink')).includes(` ${port} `)));
    });
    expect(lines).toEqual(['from the child true true 0', 'true']);
  });

  it("forks: a spawned process inherits its parent's sockets under the same descriptors", async () => {
    const lines: string[] = [];
    await run(async () => {
      const shared = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(shared, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const rx = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(rx, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const to = await u.getsockname(rx);
      const port = (await u.getsockname(shared)).nl_pid;
      const child = await u.spawn(async () => {
        lines.push(
          `child sees fd ${shared} bound to the parent's port: ${(await u.getsockname(shared)).nl_pid === port}`,
        );
        await u.sendto(shared, u.bytes('via the inherited socket'), 0, to);
        lines.push(`child's next socket: ${await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK)}`);
      });
      await u.close(shared);
      expect(await u.waitpid(child)).toBe(0);
      const buf = new Uint8Array(64);
      const r = await u.recvfrom(rx, buf);
      lines.push(`${u.cstring(buf.subarray(0, r.n))} from the parent's port: ${r.from.nl_pid === port}`);
    });
    expect(lines).toEqual([
      "child sees fd 3 bound to the parent's port: true",
      "child's next socket: 5",
      "via the inherited socket from the parent's port: true",
    ]);
  });

  it.skipIf(process.getuid?.() !== 0)('a process forked by nobody is nobody too', async () => {
    const uids: number[] = [];
    await run(async () => {
      const nobody = await u.spawn(
        async () => {
          const child = await u.spawn(async () => {
            uids.push(u.getuid());
          });
          uids.push(u.getuid(), await u.waitpid(child));
        },
        { uid: 65534 },
      );
      await u.waitpid(nobody);
    });
    expect(uids).toEqual([65534, 65534, 0]);
  });

  it.skipIf(process.getuid?.() !== 0)('runs spawn({ uid: 65534 }) as nobody in the initial namespaces', async () => {
    const seen: string[] = [];
    await run(async () => {
      const pid = await u.spawn(
        async () => {
          seen.push(`uid ${u.getuid()}`);
          const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
          try {
            await u.sendto(fd, noopAck(1), 0, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 1 });
          } catch (e) {
            seen.push((e as ErrnoError).code);
          }
        },
        { uid: 65534 },
      );
      seen.push(`status ${await u.waitpid(pid)}`);
    });
    expect(seen).toEqual(['uid 65534', 'EPERM', 'status 0']);
  });

  it('refuses modules with ENOSYS and says where they load', async () => {
    let err: unknown;
    await run(async () => {
      try {
        await u.insmod({ name: 'nl_test', init: () => 0 });
      } catch (e) {
        err = e;
      }
    });
    expect((err as ErrnoError).errno).toBe(u.ERRNO.ENOSYS);
    expect((err as Error).message).toMatch(/only in the VM/);
  });

  it('ends a process whose main throws with status 1 and reports the error', async () => {
    const errors: unknown[] = [];
    k = createRealKernel({ onUncaught: (_pid, e) => errors.push(e) });
    setBackend(k);
    expect(
      await run(async () => {
        await u.socket(u.AF_NETLINK, u.SOCK_STREAM, 0);
      }),
    ).toBe(1);
    expect((errors[0] as ErrnoError).code).toBe('ESOCKTNOSUPPORT');
  });

  it('shutdown kills a process blocked in recv', async () => {
    const kk = kernel();
    let receiving!: () => void;
    const inRecv = new Promise<void>((r) => (receiving = r));
    const pid = await kk.spawn(async () => {
      const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_ROUTE);
      const recv = u.recvfrom(fd, new Uint8Array(16));
      receiving(); // its request is written to the agent, which blocks in recvfrom
      await recv;
    });
    await inRecv;
    await kk.shutdown();
    expect(await kk.waitpid(pid)).toBe(1);
  });

  it('refuses a syscall made outside any process', async () => {
    kernel();
    await expect(u.socket(u.AF_NETLINK, u.SOCK_RAW, 0)).rejects.toThrow(/outside a process/);
  });
});
