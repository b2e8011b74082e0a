import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import * as k from '../../../src/api/kernel.ts';
import { sim, errno, drainMessages } from '../../../tests/fixtures/sim-helpers.ts';
import type { KernelEvent } from './kernel.ts';

const { AF_NETLINK, SOCK_RAW, NETLINK_TEST } = u;
const kaddr = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };

/** A module on unit 25 whose input runs netlink_rcv_skb with `handler`. */
function rcvModule(handler: (skb: k.SkBuff, nlh: k.NlMsgHdr) => number, name = 'nl_test') {
  return k.defineModule({
    name,
    init: () =>
      k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
        input: (skb) => {
          k.netlink_rcv_skb(skb, handler);
        },
      })
        ? 0
        : -u.ERRNO.ENOMEM,
    exit: () => {},
  });
}

describe('the source article: replies 3 s apart from a sleeping input callback', () => {
  it('sendmsg returns after 30 s of virtual time; the listener gets each reply as it is sent', async () => {
    const seen: { time: number; seq: number }[] = [];
    let sendReturned = -1;
    await sim(async (kernel) => {
      const mod = k.defineModule({
        name: 'nl_test',
        init() {
          const sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
            async input(skb) {
              const nlh = k.nlmsg_hdr(skb);
              const to = nlh.nlmsg_seq; // the listener's port travels in nlmsg_seq
              for (let i = 0; i < 10; i++) {
                await k.msleep(3000);
                const out = k.nlmsg_new(4)!;
                const rep = k.nlmsg_put(out, 0, i, u.NLMSG_MIN_TYPE, 4, 0)!;
                new DataView(k.nlmsg_data(rep).buffer, k.nlmsg_data(rep).byteOffset).setUint32(0, i, true);
                k.nlmsg_end(out, rep);
                expect(k.netlink_unicast(sk!, out, to, k.MSG_DONTWAIT)).toBe(20);
                k.pr_info(`reply ${i}`);
              }
            },
          });
          return sk ? 0 : -1;
        },
      });
      await u.insmod(mod);
      const listener = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.bind(listener, { nl_family: AF_NETLINK, nl_pid: 5000, nl_groups: 0 });
      const child = await u.spawn(
        async () => {
          const buf = new Uint8Array(64);
          for (let i = 0; i < 10; i++) {
            const r = await u.recvfrom(listener, buf, 0);
            seen.push({ time: u.now(), seq: u.parseNlmsgs(buf.slice(0, r.n))[0].nlmsg_seq });
          }
        },
        { name: 'listener' },
      );
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      expect(await u.sendto(s, u.nlmsg({ type: u.NLMSG_MIN_TYPE, flags: u.NLM_F_REQUEST, seq: 5000 }), 0, kaddr)).toBe(
        16,
      );
      sendReturned = kernel.now();
      await u.waitpid(child);
      expect(kernel.dmesg().filter((l) => / reply \d$/.test(l))).toHaveLength(10);
      expect(kernel.dmesg().find((l) => l.endsWith('reply 9'))).toMatch(/^\[\s+30\.000000\] reply 9$/);
    });
    expect(sendReturned).toBe(30_000);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => ({ time: 3000 * (i + 1), seq: i })));
  });
});

describe('a module answering itself', () => {
  it("a module answering port 0 loops into itself: Linux's stack-overflow report, the send fails with EDEADLK, nothing hangs or leaks", async () => {
    const events: KernelEvent[] = [];
    const kernel = await sim(
      async (kern) => {
        kern.onEvent((e) => {
          if (e.kind === 'lockup') events.push(e);
        });
        const mod = k.defineModule({
          name: 'loopy',
          init() {
            const sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
              input(skb) {
                const nlh = k.nlmsg_hdr(skb);
                const out = k.nlmsg_new(0)!;
                k.nlmsg_put(out, 0, nlh.nlmsg_seq, u.NLMSG_MIN_TYPE, 0, u.NLM_F_REQUEST);
                k.netlink_unicast(sk!, out, 0 /* port 0 is the kernel itself */, k.MSG_DONTWAIT);
              },
            });
            return sk ? 0 : -1;
          },
          exit() {},
        });
        await u.insmod(mod);
        const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
        await errno(u.sendto(s, u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST }), 0, kaddr), 'EDEADLK');
        expect(u.now()).toBe(0);
        // The machine carries on afterwards.
        await errno(u.recvfrom(s, new Uint8Array(16), u.MSG_DONTWAIT), 'EAGAIN');
        await u.close(s);
        await u.rmmod('loopy');
      },
      { name: 'nl_send' },
    );
    expect(events).toHaveLength(1);
    const log = kernel.dmesg();
    expect(log.find((l) => l.includes('BUG:'))).toMatch(/BUG: TASK stack guard page was hit at/);
    expect(log.find((l) => l.includes('Comm:'))).toMatch(/CPU: 0 PID: \d+ Comm: nl_send$/);
    expect(log.some((l) => l.includes('Kernel panic - not syncing: Fatal exception in interrupt'))).toBe(true);
    expect(kernel.liveBuffers()).toBe(0);
  });
});

describe('deadlock', () => {
  it('two processes each waiting for the other: reported, and both get EDEADLK', async () => {
    const events: KernelEvent[] = [];
    await sim(async (kernel) => {
      kernel.onEvent((e) => {
        if (e.kind === 'deadlock') events.push(e);
      });
      const a = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(a, { nl_family: AF_NETLINK, nl_pid: 1, nl_groups: 0 });
      const child = await u.spawn(
        async () => {
          const b = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_USERSOCK);
          await errno(u.recvfrom(b, new Uint8Array(4), 0), 'EDEADLK');
        },
        { name: 'child' },
      );
      await errno(u.recvfrom(a, new Uint8Array(4), 0), 'EDEADLK');
      await u.waitpid(child);
    });
    expect(events).toHaveLength(1);
    expect((events[0] as { text: string }).text).toMatch(
      /main\[\d+\] in recvfrom on fd 3; child\[\d+\] in recvfrom on fd 4/,
    );
  });
});

describe('netlink_rcv_skb', () => {
  it('silently drops malformed lengths and the rest of the datagram', async () => {
    await sim(async () => {
      await u.insmod(rcvModule(() => 0));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      const ok = u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: 1 });
      expect(await u.sendto(s, u.nlmsg({ type: 0x10, flags: 5, len: 12 }), 0, kaddr)).toBe(16);
      expect(await u.sendto(s, u.nlmsg({ type: 0x10, flags: 5, len: 400 }), 0, kaddr)).toBe(16);
      expect(await u.sendto(s, new Uint8Array(8), 0, kaddr)).toBe(8);
      expect(await u.sendto(s, u.concat(u.nlmsg({ type: 0x10, flags: 5, len: 2 }), ok), 0, kaddr)).toBe(32);
      expect(await drainMessages(s)).toEqual([]);
    });
  });

  it('good + bad message: reply order, errors echo the request, NOOP and non-requests are only ACKed', async () => {
    await sim(async () => {
      await u.insmod(rcvModule((_skb, nlh) => (nlh.nlmsg_type === 0x11 ? -u.ERRNO.EOPNOTSUPP : 0)));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      const good = u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: 1 });
      const bad = u.nlmsg({ type: 0x11, flags: u.NLM_F_REQUEST, seq: 2, payload: new Uint8Array([9, 9, 9, 9]) });
      await u.sendto(s, u.concat(good, bad), 0, kaddr);
      const msgs = await drainMessages(s);
      expect(msgs.map((m) => [m.nlmsg_type, m.nlmsg_flags, m.nlmsg_seq, m.nlmsg_len])).toEqual([
        [2, 0x100, 1, 36],
        [2, 0, 2, 40],
      ]);
      expect(u.parseNlmsgerr(msgs[1])!.error).toBe(-u.ERRNO.EOPNOTSUPP);
      expect([...msgs[1].payload.subarray(4)]).toEqual([...bad]);
      await u.sendto(s, u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: 3 }), 0, kaddr);
      await u.sendto(s, u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST, seq: 4 }), 0, kaddr);
      await u.sendto(s, u.nlmsg({ type: 0x11, flags: u.NLM_F_ACK, seq: 5 }), 0, kaddr);
      expect((await drainMessages(s)).map((m) => [m.nlmsg_seq, u.parseNlmsgerr(m)!.error])).toEqual([
        [3, 0],
        [5, 0],
      ]);
      await u.setsockopt(s, u.SOL_NETLINK, u.NETLINK_CAP_ACK, 1);
      await u.sendto(s, bad, 0, kaddr);
      const capped = await drainMessages(s);
      expect(capped[0].nlmsg_len).toBe(36);
      expect(capped[0].nlmsg_flags).toBe(u.NLM_F_CAPPED);
    });
  });

  it('replies carry the sender port; the receive path frees every skb', async () => {
    const kernel = await sim(async () => {
      await u.insmod(rcvModule(() => 0));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      for (let i = 0; i < 50; i++) await u.sendto(s, u.nlmsg({ type: 0x10, flags: 5, seq: i }), 0, kaddr);
      const msgs = await drainMessages(s);
      expect(msgs).toHaveLength(50);
      expect(msgs.every((m) => m.nlmsg_pid === u.getpid())).toBe(true);
    });
    expect(kernel.liveBuffers()).toBe(0);
  });
});

describe('dumps', () => {
  function dumpModule(total: number, onDumpErr = 0) {
    return k.defineModule({
      name: 'dumper',
      init() {
        const sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
          input(skb) {
            k.netlink_rcv_skb(skb, (req, nlh) => {
              if (!(nlh.nlmsg_flags & u.NLM_F_DUMP)) return -u.ERRNO.EOPNOTSUPP;
              return k.netlink_dump_start(sk!, req, nlh, {
                dump(out, cb) {
                  if (onDumpErr && cb.args[0] >= 3) return -onDumpErr;
                  while (cb.args[0] < total) {
                    const m = k.nlmsg_put(
                      out,
                      k.NETLINK_CB(cb.skb).portid,
                      cb.nlh.nlmsg_seq,
                      0x10,
                      1000,
                      u.NLM_F_MULTI,
                    );
                    if (!m) return out.len;
                    k.nlmsg_end(out, m);
                    cb.args[0]++;
                  }
                  return 0;
                },
              });
            });
          },
        });
        return sk ? 0 : -1;
      },
    });
  }

  it('NLM_F_MULTI parts, DONE of 20 bytes, no ACK, continuation as the reader drains, EBUSY for a second dump', async () => {
    const kernel = await sim(async () => {
      await u.insmod(dumpModule(20));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      const req = u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP | u.NLM_F_ACK, seq: 7 });
      await u.sendto(s, req, 0, kaddr);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP, seq: 8 }), 0, kaddr);
      const buf = new Uint8Array(65536);
      const all: u.NlMsg[] = [];
      for (;;) {
        const r = await u.recvfrom(s, buf, u.MSG_DONTWAIT).catch(() => null);
        if (!r) break;
        all.push(...u.parseNlmsgs(buf.slice(0, r.n)));
      }
      const err = all.find((m) => m.nlmsg_type === u.NLMSG_ERROR)!;
      expect(u.parseNlmsgerr(err)!.error).toBe(-u.ERRNO.EBUSY);
      const parts = all.filter((m) => m.nlmsg_seq === 7);
      expect(parts).toHaveLength(21);
      expect(parts.every((m) => m.nlmsg_flags & u.NLM_F_MULTI)).toBe(true);
      const done = parts[20];
      expect([done.nlmsg_type, done.nlmsg_len, u.i32(done.payload, 0)]).toEqual([u.NLMSG_DONE, 20, 0]);
      expect(all.filter((m) => m.nlmsg_type === u.NLMSG_ERROR)).toHaveLength(1);
    });
    expect(kernel.liveBuffers()).toBe(0);
  });

  it('an error during the dump ends it with DONE carrying the errno', async () => {
    await sim(async () => {
      await u.insmod(dumpModule(20, u.ERRNO.EINVAL));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP, seq: 7 }), 0, kaddr);
      const msgs = await drainMessages(s);
      const done = msgs[msgs.length - 1];
      expect(done.nlmsg_type).toBe(u.NLMSG_DONE);
      expect(u.i32(done.payload, 0)).toBe(-u.ERRNO.EINVAL);
    });
  });
});

describe('modules', () => {
  it('a unit registers once; rmmod waits for user sockets; unloading releases the kernel socket', async () => {
    await sim(async () => {
      await u.insmod(rcvModule(() => 0, 'first'));
      await errno(u.insmod(rcvModule(() => 0, 'second')), 'ENOMEM');
      await errno(u.insmod(rcvModule(() => 0, 'first')), 'EEXIST');
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await errno(u.rmmod('first'), 'EAGAIN');
      await u.close(s);
      await u.rmmod('first');
      await errno(u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST), 'EPROTONOSUPPORT');
      await errno(u.rmmod('first'), 'ENOENT');
    });
  });

  it('a module with an init but no exit cannot be unloaded: EBUSY, and it stays listed', async () => {
    await sim(async () => {
      await u.insmod(k.defineModule({ name: 'no_exit', init: () => 0 }));
      await errno(u.rmmod('no_exit'), 'EBUSY');
      expect((await u.readFile('/proc/modules')).split('\n').some((l) => l.startsWith('no_exit '))).toBe(true);
    });
  });

  it('NETLINK_CB shows the sender; multicast from the kernel reaches members', async () => {
    await sim(async () => {
      let cb: k.NetlinkCb | undefined;
      let sock: k.NetlinkSock | null = null;
      await u.insmod(
        k.defineModule({
          name: 'mc',
          init() {
            sock = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
              groups: 4,
              input(skb) {
                cb = k.NETLINK_CB(skb);
              },
            });
            return sock ? 0 : -1;
          },
        }),
      );
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.bind(s, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 2 });
      await u.sendto(s, new Uint8Array(16), 0, kaddr);
      expect(cb!.portid).toBe(u.getpid());
      expect(cb!.creds.pid).toBe(u.getpid());
      const skb = k.nlmsg_new(0)!;
      k.nlmsg_end(skb, k.nlmsg_put(skb, 0, 0, 0x10, 0, 0)!);
      expect(k.nlmsg_multicast(sock!, skb, 0, 2)).toBe(0);
      const r = await u.recvfrom(s, new Uint8Array(64), 0);
      expect(r).toEqual({ n: 16, from: { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 2 } });
    });
  });
});

describe('trace', () => {
  it('records kernel functions with depth, return values, virtual time and source lines', async () => {
    const kernel = await sim(async (kern) => {
      kern.trace.enable(true);
      const a = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_USERSOCK);
      await u.sendto(a, new Uint8Array(4), 0, { nl_family: AF_NETLINK, nl_pid: 999, nl_groups: 0 }).catch(() => 0);
      kern.trace.enable(false);
    });
    const t = kernel.trace.entries();
    const send = t.find((e) => e.fn === 'netlink_sendmsg')!;
    expect(t.find((e) => e.fn === '__sys_sendmsg')).toMatchObject({
      depth: 0,
      ret: -u.ERRNO.ECONNREFUSED,
      file: 'net/socket.ts',
    });
    expect(send).toMatchObject({ depth: 1, ret: -u.ERRNO.ECONNREFUSED, file: 'net/netlink/af_netlink.ts' });
    expect(send.line).toBeGreaterThan(0);
    const uni = t.find((e) => e.fn === 'netlink_unicast')!;
    expect(uni.depth).toBe(2);
    expect(uni.args).toContain('portid=999');
  });
});

describe('trace symbols', () => {
  it('every traced function has a source file and line', async () => {
    const kernel = await sim(async (kern) => {
      kern.trace.enable(true);
      await u.insmod(rcvModule(() => 0));
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: 5 }), 0, kaddr);
      await u.recvfrom(s, new Uint8Array(64), 0);
      const g = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_ROUTE);
      await u.setsockopt(g, u.SOL_NETLINK, u.NETLINK_EXT_ACK, 1);
      await u.bind(g, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 });
      await u.close(g);
      kern.trace.enable(false);
    });
    const entries = kernel.trace.entries().filter((e) => !e.file.startsWith('module:'));
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) {
      expect(e.file, e.fn).toMatch(/\.ts$/);
      expect(e.line, e.fn).toBeGreaterThan(0);
    }
    expect(kernel.trace.entries().some((e) => e.file === 'module:nl_test')).toBe(true);
  });
});

describe('extended ACK from a TypeScript handler', () => {
  it('NL_SET_ERR_MSG reaches a requester with NETLINK_EXT_ACK, as NLMSGERR_ATTR_MSG with NLM_F_ACK_TLVS', async () => {
    await sim(async () => {
      await u.insmod(
        rcvModule(((_skb: k.SkBuff, _nlh: k.NlMsgHdr, extack: k.netlink_ext_ack) => {
          k.NL_SET_ERR_MSG(extack, 'no such thing');
          return -u.ERRNO.ENOENT;
        }) as (skb: k.SkBuff, nlh: k.NlMsgHdr) => number),
      );
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST, seq: 1 }), 0, kaddr);
      const plain = (await drainMessages(s))[0];
      expect([plain.nlmsg_len, plain.nlmsg_flags]).toEqual([36, 0]);
      await u.setsockopt(s, u.SOL_NETLINK, u.NETLINK_EXT_ACK, 1);
      await u.sendto(s, u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST, seq: 2 }), 0, kaddr);
      const m = (await drainMessages(s))[0];
      expect(m.nlmsg_flags).toBe(u.NLM_F_ACK_TLVS);
      const tlvs = u.parseAttrs(m.payload.subarray(20));
      expect(tlvs.map((a) => [a.type, u.cstring(a.payload)])).toEqual([[u.NLMSGERR_ATTR_MSG, 'no such thing']]);
      expect(m.nlmsg_len).toBe(36 + 4 + 16);
    });
  });
});

describe('timers and work items (timer_setup/mod_timer, INIT_WORK/schedule_work) on the virtual clock', () => {
  /** A module that broadcasts "tick N" to group 1 from a timer every 1000 ms (GFP_ATOMIC) and unicasts "work N" to port 100 from a work item. */
  function ticker(log: string[], { gfp = k.GFP_ATOMIC, sleepInTimer = false } = {}) {
    let sk: k.NetlinkSock | null = null;
    const timer: k.timer_list = {};
    const work: k.work_struct = {};
    let n = 0;
    const put = (text: string, gfpFlags: number) => {
      const skb = k.nlmsg_new(text.length, gfpFlags)!;
      const nlh = k.nlmsg_put(skb, 0, n, u.NLMSG_MIN_TYPE, text.length, 0)!;
      k.nlmsg_data(nlh).set(new TextEncoder().encode(text));
      return skb;
    };
    return k.defineModule({
      name: 'ticker',
      init() {
        sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {});
        timer_setupAll();
        return sk ? 0 : -k.EBUSY;
      },
      async exit() {
        k.del_timer_sync(timer);
        await k.cancel_work_sync(work);
        k.netlink_kernel_release(sk);
      },
    });
    function timer_setupAll() {
      k.timer_setup(
        timer,
        function tick() {
          n++;
          if (sleepInTimer) void k.msleep(10);
          const r = k.nlmsg_multicast(sk!, put(`tick ${n}`, gfp), 0, 1, gfp);
          log.push(`${k.jiffies()} tick ${n} broadcast ${r} pending ${k.timer_pending(timer)}`);
          k.schedule_work(work);
          if (n < 3) k.mod_timer(timer, k.jiffies() + k.msecs_to_jiffies(1000));
        },
        0,
      );
      k.INIT_WORK(work, async function hello() {
        await k.msleep(50); // process context: sleeping is allowed
        const r = k.netlink_unicast(sk!, put(`work ${n}`, k.GFP_KERNEL), 100, k.MSG_DONTWAIT);
        log.push(`${k.jiffies()} work ${n} unicast ${r}`);
      });
      k.mod_timer(timer, k.jiffies() + k.msecs_to_jiffies(1000));
    }
  }

  it('the timer fires on the virtual clock in softirq context, the work runs in a kworker that may sleep; nobody listening gives -ESRCH and -ECONNREFUSED', async () => {
    const log: string[] = [];
    const got: string[] = [];
    const kernel = await sim(async (kern) => {
      await u.insmod(ticker(log));
      await u.sleep(1500); // tick 1 finds nobody
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.bind(fd, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 1 });
      for (let i = 0; i < 4; i++) {
        const buf = new Uint8Array(64);
        const r = await u.recvfrom(fd, buf);
        got.push(`${u.now()} ${u.cstring(buf.subarray(16, r.n))} from ${r.from.nl_pid}/${r.from.nl_groups}`);
      }
      expect(kern.state().processes.some((p) => p.name === 'kworker/0:1')).toBe(true);
      await u.close(fd);
      await u.rmmod('ticker');
    });
    expect(log).toEqual([
      '1000 tick 1 broadcast -3 pending false',
      '1050 work 1 unicast -111',
      '2000 tick 2 broadcast 0 pending false',
      '2050 work 2 unicast 24',
      '3000 tick 3 broadcast 0 pending false',
      '3050 work 3 unicast 24',
    ]);
    expect(got).toEqual([
      '2000 tick 2 from 0/1',
      '2050 work 2 from 0/0',
      '3000 tick 3 from 0/1',
      '3050 work 3 from 0/0',
    ]);
    expect(kernel.dmesg().filter((l) => l.includes('BUG'))).toEqual([]);
  });

  it('GFP_KERNEL or a sleep in a timer callback is reported (as CONFIG_DEBUG_ATOMIC_SLEEP does)', async () => {
    const log: string[] = [];
    const kernel = await sim(async () => {
      await u.insmod(ticker(log, { gfp: k.GFP_KERNEL, sleepInTimer: true }));
      await u.sleep(1200);
    });
    const bugs = kernel.dmesg().filter((l) => l.includes('BUG'));
    expect(
      bugs.some(
        (l) => l.includes('sleeping function called from invalid context') && l.includes('nlmsg_new with GFP_KERNEL'),
      ),
    ).toBe(true);
    expect(bugs.some((l) => l.includes('scheduling while atomic') && l.includes('msleep'))).toBe(true);
    // The kworker runs while main still sleeps: the work item is not tied to user space.
    expect(log).toEqual(['1000 tick 1 broadcast -3 pending false', '1050 work 1 unicast -111']);
  });

  it('kernel timers stop once user space has exited, and only timers firing for ten virtual minutes is a deadlock', async () => {
    let fired = 0;
    const kernel = await sim(async () => {
      const t: k.timer_list = {};
      await u.insmod(
        k.defineModule({
          name: 'forever',
          init() {
            k.timer_setup(
              t,
              () => {
                fired++;
                k.mod_timer(t, k.jiffies() + 1000);
              },
              0,
            );
            k.mod_timer(t, k.jiffies() + 1000);
            return 0;
          },
        }),
      );
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_USERSOCK);
      await errno(u.recvfrom(fd, new Uint8Array(16)), 'EDEADLK');
    });
    expect(fired).toBe(600);
    expect(kernel.now()).toBe(600_000);
  });

  it('a periodic kernel timer keeps ticking through a long sleep of user space', async () => {
    let fired = 0;
    await sim(async () => {
      const t: k.timer_list = {};
      await u.insmod(
        k.defineModule({
          name: 'metronome',
          init() {
            k.timer_setup(
              t,
              () => {
                fired++;
                k.mod_timer(t, k.jiffies() + 1000);
              },
              0,
            );
            k.mod_timer(t, k.jiffies() + 1000);
            return 0;
          },
        }),
      );
      await u.sleep(1_200_500);
    });
    expect(fired).toBe(1200);
  });

  it('a delayed work item runs in a kworker after its delay, may sleep and re-queue itself; cancel_delayed_work_sync stops it', async () => {
    const ran: string[] = [];
    await sim(async () => {
      const d: k.delayed_work = {};
      await u.insmod(
        k.defineModule({
          name: 'poller',
          init() {
            k.INIT_DELAYED_WORK(d, async () => {
              await k.msleep(10); // process context
              ran.push(`${k.jiffies()} in ${u.getpid()}`);
              k.schedule_delayed_work(d, k.msecs_to_jiffies(500));
            });
            expect(k.schedule_delayed_work(d, k.msecs_to_jiffies(500))).toBe(true);
            expect(k.schedule_delayed_work(d, 1)).toBe(false); // already pending
            return 0;
          },
          async exit() {
            expect(await k.cancel_delayed_work_sync(d)).toBe(true);
          },
        }),
      );
      await u.sleep(1600);
      await u.rmmod('poller');
      await u.sleep(2000);
    });
    expect(ran.map((r) => r.split(' ')[0])).toEqual(['510', '1020', '1530']);
    expect(ran.every((r) => Number(r.split(' in ')[1]) < 2718)).toBe(true); // kworker pids
  });

  it('timers sending to a kernel socket: the runaway cut-off counts each softirq afresh, and a runaway in one fails no syscall', async () => {
    let delivered = 0;
    const kernel = await sim(async () => {
      const t: k.timer_list = {};
      let sk: k.NetlinkSock | null = null;
      let loop = false;
      await u.insmod(
        k.defineModule({
          name: 'selftalk',
          init() {
            sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
              input() {
                delivered++;
                if (loop) k.netlink_unicast(sk!, k.nlmsg_new(0, k.GFP_ATOMIC)!, 0, k.MSG_DONTWAIT); // answers itself
              },
            });
            k.timer_setup(
              t,
              () => {
                k.netlink_unicast(sk!, k.nlmsg_new(0, k.GFP_ATOMIC)!, 0, k.MSG_DONTWAIT);
                k.mod_timer(t, k.jiffies() + 10);
              },
              0,
            );
            k.mod_timer(t, k.jiffies() + 10);
            return sk ? 0 : -1;
          },
        }),
      );
      await u.sleep(1505); // 150 softirqs, one delivery each: no lockup
      expect(delivered).toBe(150);
      loop = true;
      await u.sleep(10); // this one loops into itself until the cut-off (Linux: a stack overflow)
      loop = false;
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, u.NETLINK_USERSOCK);
      await u.bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      expect(await u.setsockopt(fd, u.SOL_SOCKET, u.SO_RCVBUF, 4096)).toBe(0); // not EDEADLK
    });
    expect(kernel.dmesg().filter((l) => l.includes('stack guard page was hit'))).toHaveLength(1);
  });

  it('a timer left armed at rmmod is reported and disarmed; its callback never runs', async () => {
    let fired = 0;
    const kernel = await sim(async () => {
      const t: k.timer_list = {};
      await u.insmod(
        k.defineModule({
          name: 'careless',
          init() {
            k.timer_setup(
              t,
              function careless_tick() {
                fired++;
              },
              0,
            );
            k.mod_timer(t, k.jiffies() + 100);
            return 0;
          },
          exit() {
            /* forgets timer_delete_sync */
          },
        }),
      );
      await u.rmmod('careless');
      await u.sleep(500);
    });
    expect(fired).toBe(0);
    expect(
      kernel
        .dmesg()
        .some((l) => l.includes('BUG: careless: timer careless_tick still armed when the module was unloaded')),
    ).toBe(true);
  });

  it('cancel_work_sync takes a queued item off the queue; flush_work waits for it', async () => {
    const ran: number[] = [];
    await sim(async () => {
      const w: k.work_struct = {};
      await u.insmod(
        k.defineModule({
          name: 'w',
          init() {
            k.INIT_WORK(w, async () => {
              await k.msleep(100);
              ran.push(k.jiffies());
            });
            return 0;
          },
        }),
      );
      await u.insmod(
        k.defineModule({
          name: 'w2',
          async init() {
            expect(k.schedule_work(w)).toBe(true);
            expect(k.schedule_work(w)).toBe(false); // already queued
            expect(await k.cancel_work_sync(w)).toBe(true);
            expect(k.schedule_work(w)).toBe(true);
            expect(await k.flush_work(w)).toBe(true);
            return 0;
          },
        }),
      );
    });
    expect(ran).toEqual([100]);
  });
});
