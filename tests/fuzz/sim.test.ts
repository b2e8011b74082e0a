/**
 * Bad input must never break the simulated kernel: ≥ 100,000 randomised, mutated datagrams and
 * syscall arguments (seeded, so a failure repeats), sent to a kernel socket running
 * netlink_rcv_skb with dumps, to generic netlink, and user to user. The kernel must never trap,
 * every answer must be a number or an ErrnoError, and once every socket is closed the live sk_buff
 * count must be back at its baseline.
 */
import { describe, expect, it } from 'vitest';
import * as u from '../../src/api/user.ts';
import * as k from '../../src/api/kernel.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import { setBackend } from '../../src/api/backend.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';

/** Datagrams sent at least; each round sends one with probability 0.8. */
const MESSAGES = 100_000;
const ROUNDS = 130_000;

/** xorshift32: deterministic. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, int: (n: number) => next() % n, pick: <T>(a: T[]): T => a[next() % a.length] };
}

const seeds: Uint8Array[] = [
  u.nlmsg({ type: u.NLMSG_NOOP, flags: u.NLM_F_REQUEST | u.NLM_F_ACK }),
  u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, payload: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }),
  u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP }),
  u.nlmsg({ type: 0x11, flags: u.NLM_F_REQUEST }),
  // GETFAMILY "nlctrl" and a GETFAMILY dump.
  u.nlmsg({
    type: 0x10,
    flags: 5,
    payload: [new Uint8Array([3, 1, 0, 0]), new Uint8Array([11, 0, 2, 0, 110, 108, 99, 116, 114, 108, 0, 0])],
  }),
  u.nlmsg({ type: 0x10, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP, payload: new Uint8Array([3, 1, 0, 0]) }),
  u.nlmsg({
    type: 0x10,
    flags: u.NLM_F_REQUEST | u.NLM_F_DUMP,
    payload: new Uint8Array([10, 1, 0, 0, 8, 0, 1, 0, 16, 0, 0, 0]),
  }),
  // NETLINK_ROUTE: GETLINK dump and by index, SETLINK lo up, GETLINK by name.
  u.nlmsg({ type: u.RTM_GETLINK, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP, payload: new Uint8Array(16) }),
  u.nlmsg({
    type: u.RTM_GETLINK,
    flags: u.NLM_F_REQUEST,
    payload: new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  }),
  u.nlmsg({
    type: u.RTM_NEWLINK,
    flags: u.NLM_F_REQUEST | u.NLM_F_ACK,
    payload: new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]),
  }),
  u.nlmsg({
    type: u.RTM_GETLINK,
    flags: u.NLM_F_REQUEST,
    payload: [new Uint8Array(16), new Uint8Array([7, 0, 3, 0, 108, 111, 0, 0])],
  }),
];

function mutate(r: ReturnType<typeof rng>): Uint8Array {
  let b: Uint8Array = r.pick(seeds).slice();
  if (r.int(4) === 0) b = u.concat(b, r.pick(seeds));
  const ops = 1 + r.int(4);
  for (let i = 0; i < ops; i++) {
    switch (r.int(7)) {
      case 0:
        if (b.length) b[r.int(b.length)] = r.int(256);
        break;
      case 1:
        b = b.subarray(0, r.int(b.length + 1));
        break;
      case 2: {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (b.length >= 4)
          v.setUint32(0, r.pick([0, 1, 15, 16, 17, 19, 20, b.length, b.length + 1, 0xffffffff, r.next()]), true);
        break;
      }
      case 3: {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (b.length >= 8) v.setUint16(6, r.next() & 0xffff, true);
        break;
      }
      case 4:
        b = u.concat(
          b,
          Uint8Array.from({ length: r.int(40) }, () => r.int(256)),
        );
        break;
      case 5: {
        const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        if (b.length >= 6) v.setUint16(4, r.pick([1, 2, 3, 4, 0x10, 0x11, 0x12, r.next() & 0xffff]), true);
        break;
      }
      case 6:
        if (b.length >= 24) {
          const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
          v.setUint16(20, r.next() & 0xffff, true);
        }
        break;
    }
  }
  return b.length ? b : new Uint8Array(r.int(2) ? 0 : 3);
}

describe('fuzz: the simulated kernel under random input', () => {
  it(`survives ${MESSAGES} mutated datagrams and random syscall arguments, and leaks nothing`, async () => {
    const kernel = await bootKernel();
    setBackend(kernel);
    const baseline = kernel.liveBuffers();
    const r = rng(0xc0ffee);
    let errors = 0;
    let sent = 0;
    let attempts = 0;
    const check = (e: unknown) => {
      if (!(e instanceof ErrnoError)) throw e;
      errors++;
    };
    const result = await kernel.run(async () => {
      await u.insmod(
        k.defineModule({
          name: 'fuzz_target',
          init() {
            const sk = k.netlink_kernel_create(k.init_net, 25, {
              input(skb) {
                k.netlink_rcv_skb(skb, (req, nlh) => {
                  if (nlh.nlmsg_type === 0x11) return -u.ERRNO.EINVAL;
                  if (nlh.nlmsg_flags & u.NLM_F_DUMP) {
                    return k.netlink_dump_start(sk!, req, nlh, {
                      dump(out, cb) {
                        while (cb.args[0] < 30) {
                          const m = k.nlmsg_put(
                            out,
                            k.NETLINK_CB(cb.skb).portid,
                            cb.nlh.nlmsg_seq,
                            0x10,
                            200,
                            u.NLM_F_MULTI,
                          );
                          if (!m) return out.len;
                          k.nlmsg_end(out, m);
                          cb.args[0]++;
                        }
                        return 0;
                      },
                    });
                  }
                  return 0;
                });
              },
            });
            return sk ? 0 : -1;
          },
          exit() {},
        }),
      );
      const fds: number[] = [];
      const open = async () => {
        const proto = r.pick([25, 16, u.NETLINK_USERSOCK, u.NETLINK_ROUTE]);
        const fd = await u.socket(u.AF_NETLINK, r.pick([u.SOCK_RAW, u.SOCK_DGRAM]), proto);
        if (r.int(2)) await u.setsockopt(fd, u.SOL_SOCKET, u.SO_RCVBUF, r.pick([0, 4096, 1 << 20])).catch(check);
        for (const o of [u.NETLINK_EXT_ACK, u.NETLINK_CAP_ACK, u.NETLINK_NO_ENOBUFS, u.NETLINK_GET_STRICT_CHK])
          if (r.int(2)) await u.setsockopt(fd, u.SOL_NETLINK, o, 1);
        if (proto === u.NETLINK_USERSOCK)
          await u.bind(fd, { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: r.int(4) }).catch(check);
        fds.push(fd);
      };
      for (let i = 0; i < 6; i++) await open();
      const buf = new Uint8Array(r.pick([0, 10, 100, 4096, 32768]));
      for (let i = 0; i < ROUNDS; i++) {
        const fd = r.pick(fds);
        const what = r.int(100);
        if (what < 80 || attempts < MESSAGES - (ROUNDS - i)) {
          attempts++;
          const dst =
            r.int(10) === 0
              ? {
                  nl_family: u.AF_NETLINK,
                  nl_pid: r.pick([0, u.getpid(), r.next()]),
                  nl_groups: r.int(3) ? 0 : r.next(),
                }
              : { nl_family: u.AF_NETLINK, nl_pid: 0, nl_groups: 0 };
          // Always MSG_DONTWAIT: a blocking send into a full socket of this same process would (rightly) deadlock.
          await u
            .sendto(fd, mutate(r), (r.int(20) === 0 ? r.next() & 0x7f : 0) | u.MSG_DONTWAIT, dst)
            .then(() => sent++, check);
        } else if (what < 95) {
          await u
            .recvfrom(
              fd,
              buf.length ? buf : new Uint8Array(r.int(64)),
              u.MSG_DONTWAIT | (r.int(4) ? 0 : u.MSG_PEEK) | (r.int(4) ? 0 : u.MSG_TRUNC),
            )
            .catch(check);
        } else if (what < 97) {
          const raw = Uint8Array.from({ length: r.int(20) }, () => r.int(256));
          await (r.int(2) ? u.bind(fd, raw) : u.connect(fd, raw)).catch(check);
        } else if (what < 99) {
          await u
            .setsockopt(
              fd,
              r.pick([u.SOL_SOCKET, u.SOL_NETLINK, r.int(300)]),
              r.int(40),
              Uint8Array.from({ length: r.int(9) }, () => r.int(256)),
            )
            .catch(check);
          await u.getsockopt_raw(fd, r.pick([u.SOL_SOCKET, u.SOL_NETLINK]), r.int(40), r.int(12) - 2).catch(check);
        } else {
          fds.splice(fds.indexOf(fd), 1);
          await u.close(fd);
          await open();
        }
      }
      for (const fd of fds) await u.close(fd);
      await u.rmmod('fuzz_target');
    });
    setBackend(null);
    if (result.error) throw result.error;
    expect(attempts).toBeGreaterThanOrEqual(MESSAGES);
    expect(sent).toBeGreaterThan(MESSAGES / 3);
    expect(errors).toBeGreaterThan(0);
    expect(kernel.liveBuffers()).toBe(baseline);
    expect(kernel.state().sockets.filter((s) => !s.kernel)).toEqual([]);
  }, 300_000);
});
