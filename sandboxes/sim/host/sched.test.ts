import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import * as k from '../../../src/api/kernel.ts';
import { sim, errno } from '../../../tests/fixtures/sim-helpers.ts';

const { AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } = u;
const addr = (nl_pid: number) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups: 0 });

describe('scheduler', () => {
  it('a process may wait on two sockets at once (Promise.all), and each call runs as that process', async () => {
    await sim(async () => {
      const a = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      const b = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await u.bind(a, addr(11));
      await u.bind(b, addr(12));
      const me = u.getpid();
      const child = await u.spawn(
        async () => {
          await u.sleep(10);
          const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
          await u.sendto(s, u.bytes('to b'), 0, addr(12));
          await u.sleep(10);
          await u.sendto(s, u.bytes('to a'), 0, addr(11));
        },
        { name: 'child' },
      );
      const [ra, rb] = await Promise.all([
        u.recvfrom(a, new Uint8Array(8), 0).then((r) => ({ ...r, pid: u.getpid(), t: u.now() })),
        u.recvfrom(b, new Uint8Array(8), 0).then((r) => ({ ...r, pid: u.getpid(), t: u.now() })),
      ]);
      expect([ra.pid, rb.pid]).toEqual([me, me]);
      expect([rb.t, ra.t]).toEqual([10, 20]);
      expect(ra.from.nl_pid).toBe(child);
      await u.waitpid(child);
    });
  });

  it('ping-pong between two processes switches quickly and deterministically', async () => {
    await sim(async () => {
      const a = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      const b = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await u.bind(a, addr(21));
      await u.bind(b, addr(22));
      const N = 2000;
      const child = await u.spawn(
        async () => {
          const buf = new Uint8Array(8);
          for (let i = 0; i < N; i++) {
            await u.recvfrom(b, buf, 0);
            await u.sendto(b, buf.subarray(0, 4), 0, addr(21));
          }
        },
        { name: 'pong' },
      );
      const buf = new Uint8Array(8);
      for (let i = 0; i < N; i++) {
        await u.sendto(a, u.bytes('ping'), 0, addr(22));
        expect((await u.recvfrom(a, buf, 0)).n).toBe(4);
      }
      expect(await u.waitpid(child)).toBe(0);
    });
    // Its speed is a figure of `npm run bench` (tests/bench/sched.bench.ts), not a budget here.
  });

  it('completions: complete() wakes a waiter; a timeout returns 0 at the right virtual time', async () => {
    await sim(async (kernel) => {
      let got = -1;
      let timedOut = -1;
      let c: k.Completion | undefined;
      await u.insmod(
        k.defineModule({
          name: 'waiter',
          init() {
            c = k.init_completion();
            k.netlink_kernel_create(k.init_net, 25, {
              async input(skb) {
                const first = k.nlmsg_hdr(skb).nlmsg_seq === 1;
                if (first) got = await k.wait_for_completion_timeout(c!, 5000);
                else {
                  k.complete(c!);
                  timedOut = await k.wait_for_completion_timeout(k.init_completion(), 700);
                }
              },
            });
            return 0;
          },
        }),
      );
      const child = await u.spawn(
        async () => {
          await u.sleep(1000);
          const s = await u.socket(AF_NETLINK, SOCK_RAW, 25);
          await u.sendto(s, u.nlmsg({ type: 0x10, flags: 1, seq: 2 }), 0, addr(0));
          expect(u.now()).toBe(1700);
        },
        { name: 'completer' },
      );
      const s = await u.socket(AF_NETLINK, SOCK_RAW, 25);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: 1, seq: 1 }), 0, addr(0));
      expect(kernel.now()).toBe(1000);
      expect(got).toBe(4000);
      await u.waitpid(child);
      expect(timedOut).toBe(0);
    });
  });

  it('state() shows processes, sockets and queues; proc events mark blocking', async () => {
    await sim(async (kernel) => {
      const kinds: string[] = [];
      kernel.onEvent((e) => {
        if (e.kind === 'proc') kinds.push(`${e.name}:${e.state}`);
      });
      const a = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await u.bind(a, addr(31));
      await u.sendto(a, u.bytes('self'), 0, addr(31));
      const child = await u.spawn(
        async () => {
          await u.sleep(5);
        },
        { name: 'sleeper' },
      );
      await u.sleep(1);
      const st = kernel.state();
      expect(st.processes.find((p) => p.pid === child)).toMatchObject({
        name: 'sleeper',
        state: 'sleeping',
        waitingOn: 'sleep(5)',
      });
      expect(st.sockets.find((s) => s.portid === 31)).toMatchObject({
        protocol: 2,
        pid: u.getpid(),
        queue: [{ len: 4, bytes: 832, from: 31, group: 0 }],
      });
      expect(st.protocols.map((p) => p.name)).toEqual(['NETLINK_ROUTE', 'NETLINK_USERSOCK', 'NETLINK_GENERIC']);
      await u.waitpid(child);
      expect(kinds).toContain('sleeper:sleeping');
      await errno(u.waitpid(99999), 'ECHILD');
    });
  });
});
