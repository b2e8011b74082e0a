import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import * as k from '../../../src/api/kernel.ts';
import { sim } from '../../../tests/fixtures/sim-helpers.ts';
import { formatTrace, traceArgs, type TraceEntry } from './trace.ts';

const { AF_NETLINK, SOCK_RAW, NETLINK_TEST } = u;
const kaddr = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };

/** Lesson 1's module in short: its async input sends ten replies 3 s apart to the header's pid. */
const slowReplies = k.defineModule({
  name: 'nl_slow',
  init() {
    const sk = k.netlink_kernel_create(k.init_net, NETLINK_TEST, {
      async input(skb) {
        const to = k.nlmsg_hdr(skb).nlmsg_pid;
        for (let i = 0; i < 10; i++) {
          await k.msleep(3000);
          const out = k.nlmsg_new(4)!;
          k.nlmsg_end(out, k.nlmsg_put(out, 0, i, u.NLMSG_MIN_TYPE, 4, 0)!);
          k.netlink_unicast(sk!, out, to, k.MSG_DONTWAIT);
        }
      },
    });
    return sk ? 0 : -1;
  },
});

/** The entries from `first` up to the next outermost call of the same process. */
function group(t: TraceEntry[], first: TraceEntry): TraceEntry[] {
  const i = t.indexOf(first);
  const end = t.findIndex((e, j) => j > i && e.pid === first.pid && e.depth === 0);
  return t.slice(i, end < 0 ? undefined : end).filter((e) => e.pid === first.pid);
}

describe('trace of an async input callback', () => {
  it('keeps the syscall open until the callback returns; the calls it makes after each await nest under it', async () => {
    let sentAt = -1;
    const kernel = await sim(async (kern) => {
      await u.insmod(slowReplies);
      const s = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await u.bind(s, { nl_family: AF_NETLINK, nl_pid: 5000, nl_groups: 0 });
      kern.trace.enable(true);
      expect(await u.sendto(s, u.nlmsg({ type: u.NLMSG_MIN_TYPE, flags: u.NLM_F_REQUEST, pid: 5000 }), 0, kaddr)).toBe(
        16,
      );
      sentAt = kern.now();
      await u.recvfrom(s, new Uint8Array(64), 0);
      kern.trace.enable(false);
    });
    expect(sentAt).toBe(30_000);
    const t = kernel.trace.entries();
    const sys = t.find((e) => e.fn === '__sys_sendmsg')!;
    expect(sys).toMatchObject({ depth: 0, enter: 0, exit: 30_000, ret: 16 });
    const g = group(t, sys);
    // The path into the module: every frame returns when the callback did, 30 s later.
    const input = g.find((e) => e.file === 'module:nl_slow')!;
    const path = [input];
    for (let i = g.indexOf(input); i >= 0; i--) if (g[i]!.depth === path[0]!.depth - 1) path.unshift(g[i]!);
    expect(path.map((e) => [e.fn, e.depth])).toEqual([
      ['__sys_sendmsg', 0],
      ['netlink_sendmsg', 1],
      ['netlink_unicast', 2],
      ['netlink_unicast_kernel', 3],
      ['input', 4],
    ]);
    for (const e of path) expect([e.fn, e.enter, e.exit]).toEqual([e.fn, 0, 30_000]);
    // Under the callback: msleep, then nlmsg_new's alloc_skb and netlink_unicast with its own calls,
    // ten times; then the skb reference held for it is dropped.
    // After them, netlink_unicast_kernel's own kfree_skb (it ran when the wasm call unwound).
    const all = g.slice(g.indexOf(input) + 1);
    const rest = all.slice(0, -1);
    expect(rest.every((e) => e.depth >= 5)).toBe(true);
    expect(all[all.length - 1]).toMatchObject({ fn: 'kfree_skb', depth: 4 });
    const top = rest.filter((e) => e.depth === 5).map((e) => [e.fn, e.enter, e.exit]);
    expect(top).toEqual(
      Array.from({ length: 10 }, (_, i) => [
        ['msleep', 3000 * i, 3000 * (i + 1)],
        ['alloc_skb', 3000 * (i + 1), 3000 * (i + 1)],
        ['netlink_unicast', 3000 * (i + 1), 3000 * (i + 1)],
      ])
        .flat()
        .concat([['kfree_skb', 30_000, 30_000]]),
    );
    const unicasts = rest.filter((e) => e.fn === 'netlink_unicast');
    expect(unicasts.map((e) => e.ret)).toEqual(Array(10).fill(20));
    expect(rest.some((e) => e.fn === '__netlink_sendskb' && e.depth > 5)).toBe(true);
    // Nothing the callback did became a syscall of its own: the next outermost call is recvfrom.
    const next = t[t.indexOf(sys) + g.length]!;
    expect(next).toMatchObject({ depth: 0, enter: 30_000 });
    expect(next.fn).toMatch(/recv/);
    expect(t.filter((e) => e.depth === 0 && e.fn === 'netlink_unicast')).toEqual([]);
    expect(formatTrace(g).split('\n')[g.indexOf(input) + 5]).toMatch(/^\s+3000\.000 +\d+ {13}netlink_unicast\(/);
  });
});

describe('traceArgs', () => {
  it("prints the kernel's numbers by their format, as the kernel would", () => {
    expect(traceArgs('fd=%d len=%d flags=0x%x', 3, 16, 0x40)).toBe('fd=3 len=16 flags=0x40');
    // An autobound port id is negative as %d and large as %u; a negative flags word keeps its sign in hex.
    expect(traceArgs('portid=%d portid=%u', -4097, -4097, 0)).toBe('portid=-4097 portid=4294963199');
    expect(traceArgs('flags=0x%x', -2147483648, 0, 0)).toBe('flags=0x-80000000');
    expect(traceArgs('unit=%d', 31, 0, 0)).toBe('unit=31');
    expect(traceArgs('no arguments', 0, 0, 0)).toBe('no arguments');
  });
});
