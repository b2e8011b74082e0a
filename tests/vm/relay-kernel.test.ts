/**
 * The browser's VM backend (src/runtime/vm/relay-kernel.ts) through a real relay and VM: a
 * two-process program runs on the VM's kernel, and the same program on the simulated kernel
 * compares identical with compareRuns; an error (EADDRINUSE) comes back as on Linux.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { setBackend, type Backend } from '../../src/api/backend.ts';
import { setObserver } from '../../src/api/observe.ts';
import * as U from '../../src/api/user.ts';
import { connectRelay, type RelaySession, type WebSocketClass } from '../../src/runtime/vm/relay-client.ts';
import { agentTap, linkSession } from '../../src/runtime/vm/agent-link.ts';
import { RelayKernel } from '../../src/runtime/vm/relay-kernel.ts';
import { compareRuns, type RunEvent } from '../../src/runtime/vm/compare.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';
import { spawnRelay, waitIdle, type RelayProcess } from './relay-helpers.ts';

/** A parent binds, a child sends it a datagram on NETLINK_USERSOCK, the parent reads it and /proc. */
async function program(): Promise<Record<string, unknown>> {
  const a = await U.socket(U.AF_NETLINK, U.SOCK_RAW, U.NETLINK_USERSOCK);
  await U.bind(a, { nl_family: U.AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const me = await U.getsockname(a);
  const child = await U.spawn(
    async () => {
      const b = await U.socket(U.AF_NETLINK, U.SOCK_RAW, U.NETLINK_USERSOCK);
      await U.sendto(b, U.nlmsg({ type: 0x20, flags: U.NLM_F_REQUEST, seq: 7, payload: U.bytes('hello') }), 0, {
        nl_family: U.AF_NETLINK,
        nl_pid: me.nl_pid,
        nl_groups: 0,
      });
      await U.close(b);
    },
    { name: 'child' },
  );
  const buf = new Uint8Array(256);
  const r = await U.recvfrom(a, buf, 0);
  const status = await U.waitpid(child);
  let bindErr = '';
  const c = await U.socket(U.AF_NETLINK, U.SOCK_RAW, U.NETLINK_USERSOCK);
  try {
    await U.bind(c, { nl_family: U.AF_NETLINK, nl_pid: me.nl_pid, nl_groups: 0 });
  } catch (e) {
    bindErr = (e as U.ErrnoError).code;
  }
  const table = await U.readFile('/proc/net/netlink');
  await U.close(c);
  await U.close(a);
  return {
    portIsPid: me.nl_pid === U.getpid(),
    n: r.n,
    fromChild: r.from.nl_pid === child,
    status,
    bindErr,
    listed: table.split('\n').some((l) => l.split(/\s+/)[2] === String(me.nl_pid)),
  };
}

/** Run `program` as the first process of `kernel`, recording its syscalls. */
async function runOn(kernel: Backend & { run?(m: () => Promise<void>, o?: { name?: string }): Promise<unknown> }) {
  const events: RunEvent[] = [];
  let out: Record<string, unknown> = {};
  setBackend(kernel);
  setObserver((e) =>
    events.push(e.fd !== undefined || e.syscall === 'socket' ? { ...e, protocol: U.NETLINK_USERSOCK } : e),
  );
  try {
    const body = async () => {
      out = await program();
    };
    if (kernel.run) await kernel.run(body, { name: 'main' });
    else await kernel.waitpid(await kernel.spawn(body, { name: 'main' }));
  } finally {
    setObserver(null);
    setBackend(null);
  }
  return { out, events };
}

describe('VM backend through the relay', () => {
  let relay: RelayProcess;
  let session: RelaySession;
  let kernel: RelayKernel;
  let link: ReturnType<typeof linkSession>;

  beforeAll(async () => {
    relay = await spawnRelay();
    const tap = agentTap();
    session = connectRelay(relay.url, { agent: tap.handler }, WebSocket as unknown as WebSocketClass);
    const hello = await session.hello;
    await session.ready;
    link = linkSession(
      session,
      tap,
      Array.from({ length: hello.agentPorts }, (_, i) => i + 1),
    );
    kernel = new RelayKernel(link);
  });
  afterAll(async () => {
    session?.close();
    if (relay) {
      await waitIdle(relay.port, relay.relayId);
      relay.child.kill('SIGTERM');
      await relay.exited;
    }
  });

  it('runs a two-process program on the VM kernel, with Linux errors', async () => {
    const vm = await runOn(kernel);
    expect(vm.out).toEqual({ portIsPid: true, n: 24, fromChild: true, status: 0, bindErr: 'EADDRINUSE', listed: true });
    // The agents' pids are the VM's own, not the simulator's 100, 101.
    expect(vm.events.filter((e) => e.syscall === 'socket')).toHaveLength(3);
  });

  it('compares identical with the same program on the simulated kernel, and runs again on the same VM', async () => {
    const sim = await runOn(await bootKernel());
    const vm = await runOn(kernel);
    expect(sim.out).toEqual(vm.out);
    const c = compareRuns(sim.events, vm.events);
    expect(c.rows.filter((r) => r.status !== 'same').map((r) => r.differences)).toEqual([]);
    expect(c.identical).toBe(true);
    expect(c.same).toBe(vm.events.length);
  });

  it('reads a file outside any process, on a spare agent port', async () => {
    expect(await kernel.readFile('/proc/modules')).toMatch(/^nl_test /m);
  });

  it("insmod() loads the C module with the TypeScript module's parameters, rmmod() unloads it", async () => {
    const mod = { name: 'nl_test', params: { delayed: 1, replies: 3 }, init: () => 0 };
    setBackend(kernel);
    try {
      const pid = await kernel.spawn(async () => {
        expect(await U.insmod(mod)).toBe(0);
        expect((await U.readFile('/sys/module/nl_test/parameters/replies')).trim()).toBe('3');
        // Loaded with the same parameters already: kept, as a fresh kernel would have it.
        expect(await U.insmod(mod)).toBe(0);
        expect(await U.rmmod('nl_test')).toBe(0);
        await expect(U.rmmod('nl_test')).rejects.toMatchObject({ code: 'ENOENT' });
        await expect(U.insmod({ name: 'no_such_module', init: () => 0 })).rejects.toMatchObject({ code: 'ENOENT' });
        expect(await U.insmod({ name: 'nl_test', init: () => 0 })).toBe(0);
      });
      expect(await kernel.waitpid(pid)).toBe(0);
    } finally {
      setBackend(null);
    }
  });

  it("with watchState, shows the sockets as the VM's /proc/net/netlink had them after each syscall", async () => {
    const watched = new RelayKernel(link, { watchState: true });
    setBackend(watched);
    const seen: {
      afterBind?: ReturnType<RelayKernel['procState']>;
      afterClose?: ReturnType<RelayKernel['procState']>;
      pid?: number;
    } = {};
    try {
      const pid = await watched.spawn(
        async () => {
          const fd = await U.socket(U.AF_NETLINK, U.SOCK_RAW, U.NETLINK_USERSOCK);
          await U.bind(fd, { nl_family: U.AF_NETLINK, nl_pid: 0, nl_groups: 0b101 });
          seen.pid = U.getpid();
          seen.afterBind = watched.procState();
          await U.close(fd);
          seen.afterClose = watched.procState();
        },
        { name: 'watcher' },
      );
      expect(await watched.waitpid(pid)).toBe(0);
    } finally {
      setBackend(null);
    }
    const mine = (st: ReturnType<RelayKernel['procState']> | undefined) =>
      st!.sockets.filter((s) => s.protocol === U.NETLINK_USERSOCK && s.portid === seen.pid);
    expect(seen.afterBind!.source).toBe('proc');
    expect(mine(seen.afterBind)).toMatchObject([{ groups: 0b101, kernel: false }]);
    expect(seen.afterBind!.processes).toEqual([{ pid: seen.pid, name: 'watcher', uid: 0, state: 'running' }]);
    // Modules the VM had before the program ran (nl_test, left by the test above) are listed too.
    expect((seen.afterBind!.modules as { name: string }[]).map((m) => m.name)).toContain('nl_test');
    // Kernel sockets of the VM (NETLINK_ROUTE's, at least) are listed too; ours is gone after close.
    expect(seen.afterBind!.sockets.some((s) => s.kernel && s.protocol === U.NETLINK_ROUTE)).toBe(true);
    expect(mine(seen.afterClose)).toEqual([]);
    expect(watched.procState().processes[0]!.state).toBe('exited');
  });
});
