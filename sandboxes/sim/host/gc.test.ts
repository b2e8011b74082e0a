/**
 * The kernel's garbage collector (KernelGc): it runs between syscalls, never while a kernel call is
 * on the stack, and it keeps memory bounded when a program churns through kernel objects.
 */
import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import * as k from '../../../src/api/kernel.ts';
import { sim } from '../../../tests/fixtures/sim-helpers.ts';
import { KernelGc } from './wasm.ts';

describe('KernelGc', () => {
  it('collects every EVERY safe points, and never while an import that can call back runs', () => {
    let collected = 0;
    const mem = { grew: false };
    const gc = new KernelGc(
      () => ({
        __collect: () => {
          collected++;
        },
      }),
      () => mem as never,
    );
    const env = gc.wrapImports(
      {
        leaf: () => {
          for (let i = 0; i < 2 * KernelGc.EVERY; i++) gc.point();
        },
        input: () => {
          for (let i = 0; i < 2 * KernelGc.EVERY; i++) gc.point();
          return 7;
        },
      },
      new Set(['leaf']),
    );
    expect(env.input()).toBe(7);
    expect(collected).toBe(0);
    env.leaf();
    expect(collected).toBe(2);
    for (let i = 0; i < KernelGc.EVERY; i++) gc.point();
    expect(collected).toBe(3);
    // Memory grew: the next safe point collects at once.
    mem.grew = true;
    gc.point();
    expect(collected).toBe(4);
    expect(mem.grew).toBe(false);
  });

  it("a TypeScript module's input runs inside sys_sendmsg: no collection there", async () => {
    let inside = -1;
    await sim(async (kern) => {
      await u.insmod(
        k.defineModule({
          name: 'gc_probe',
          init: () =>
            k.netlink_kernel_create(k.init_net, u.NETLINK_TEST, {
              input: () => {
                const before = kern.gc.collections;
                for (let i = 0; i < 3 * KernelGc.EVERY; i++) kern.gc.point();
                inside = kern.gc.collections - before;
              },
            })
              ? 0
              : -12,
        }),
      );
      const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_TEST);
      await u.sendto(fd, u.nlmsg({ type: u.NLMSG_MIN_TYPE }), 0, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      await u.close(fd);
    });
    expect(inside).toBe(0);
  });

  it("churning sockets, bindings and /proc reads keeps the kernel's memory bounded", async () => {
    let grown = 0;
    let collections = 0;
    await sim(async (kern) => {
      const start = kern.ex.memory.buffer.byteLength;
      for (let i = 0; i < 30_000; i++) {
        const fd = await u.socket(u.AF_NETLINK, u.SOCK_RAW, u.NETLINK_USERSOCK);
        await u.bind(fd, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 1 << (i % 32) });
        if (i % 100 === 0) await u.readFile('/proc/net/netlink');
        await u.close(fd);
      }
      grown = kern.ex.memory.buffer.byteLength - start;
      collections = kern.gc.collections;
    });
    expect(collections).toBeGreaterThan(50);
    expect(grown).toBeLessThanOrEqual(1 << 20);
  });
});
