/**
 * Fuzzing generic netlink on the simulated kernel: 100,000 mutated datagrams to nlctrl and to the
 * TypeScript families (DOC_EXMPL, kv_store, every attribute type of NLATTR_TEST, split ops and
 * nests of the mirrors of real families), each answer drained. The kernel must never trap, every
 * syscall must either succeed or fail with an errno, and once the sockets are closed and the modules
 * unloaded the number of live sk_buffs must be back where it started.
 */
import { describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import {
  genl_socket,
  genl_ctrl_resolve,
  sendto,
  recvfrom,
  close,
  insmod,
  rmmod,
  setsockopt,
  parseNlmsgs,
  MSG_DONTWAIT,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_ADD_MEMBERSHIP,
} from '../../src/api/user.ts';
import doc_exmpl from '../../sandboxes/sim/modules/doc_exmpl.ts';
import kv_store from '../../sandboxes/sim/modules/kv_store.ts';
import { bootKernel as newSimKernel } from '../fixtures/sim-kernel.ts';
import { family as nlattrFamily } from '../genl/nlattr-family.ts';
import { mirrors } from '../genl/mirror-families.ts';
import { genl_register_family, genl_unregister_family } from '../../src/api/genl-kernel.ts';
import { datagram, rng } from './genl-mutate.ts';

const DATAGRAMS = 100_000;
const SEED = 0x6e6c6162;

describe('genl fuzz', () => {
  it(`survives ${DATAGRAMS} mutated genl datagrams and frees every buffer`, async () => {
    const k = await newSimKernel();
    setBackend(k);
    const baseline = k.liveBuffers();
    const stats = { sent: 0, sendErrors: 0, received: 0, bytes: 0, maxLive: 0 };
    // NLMSG_ERROR values seen (0 = ACK): the fuzz must reach past the first checks.
    const errnos = new Map<number, number>();
    let failure: unknown;
    const r = await k.run(
      async () => {
        try {
          await insmod(doc_exmpl);
          await insmod(kv_store);
          await insmod(mirrors);
          await insmod({
            name: 'nlattr_test',
            init: () => genl_register_family(nlattrFamily),
            exit: () => {
              genl_unregister_family(nlattrFamily);
            },
          });
          const fd = await genl_socket();
          await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
          const ids: number[] = [];
          for (const name of ['DOC_EXMPL', 'NLLAB_KV', 'NLATTR_TEST', 'MIRROR_NETDEV', 'MIRROR_TCPM', 'MIRROR_MPTCP'])
            ids.push((await genl_ctrl_resolve(fd, name)).id);
          // A listener on nlctrl's and the families' groups collects notifications too.
          const listener = await genl_socket();
          for (const g of [0x10, 2, 3])
            await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g).catch(() => 0);
          const next = rng(SEED);
          const buf = new Uint8Array(65536);
          for (let i = 0; i < DATAGRAMS; i++) {
            const d = datagram(next, { ids });
            try {
              await sendto(fd, d, 0, { nl_family: 16, nl_pid: 0, nl_groups: 0 });
              stats.sent++;
            } catch (e) {
              if (!(e instanceof ErrnoError)) throw e;
              stats.sendErrors++;
            }
            // Replies are queued now: the counter must see them (else the final check proves nothing).
            stats.maxLive = Math.max(stats.maxLive, k.liveBuffers() - baseline);
            for (const s of [fd, listener]) {
              for (;;) {
                try {
                  const { n } = await recvfrom(s, buf, MSG_DONTWAIT);
                  stats.received++;
                  stats.bytes += n;
                  for (const m of parseNlmsgs(buf.subarray(0, Math.min(n, buf.length)))) {
                    if (m.nlmsg_type !== 2 || m.payload.length < 4) continue;
                    const e = new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true);
                    errnos.set(e, (errnos.get(e) ?? 0) + 1);
                  }
                } catch (e) {
                  if (!(e instanceof ErrnoError)) throw e;
                  if (e.code === 'EAGAIN') break;
                }
              }
            }
          }
          await close(fd);
          await close(listener);
          await rmmod('nlattr_test');
          await rmmod('genl_mirrors');
          await rmmod('kv_store');
          await rmmod('doc_exmpl');
        } catch (e) {
          failure = e;
        }
      },
      { name: 'genl-fuzz' },
    );
    setBackend(null);
    if (failure) throw failure;
    expect(r.error).toBeUndefined();
    expect(stats.sent + stats.sendErrors).toBe(DATAGRAMS);
    expect(stats.received).toBeGreaterThan(DATAGRAMS / 2);
    expect(stats.maxLive).toBeGreaterThan(0);
    for (const e of [0, -2, -22, -34, -95]) expect(errnos.get(e) ?? 0, `NLMSG_ERROR ${e}`).toBeGreaterThan(0);
    console.log(
      `genl fuzz: ${JSON.stringify(stats)}, errors ${JSON.stringify([...errnos].sort((a, b) => a[0] - b[0]))}, live buffers ${k.liveBuffers()} (baseline ${baseline})`,
    );
    expect(k.liveBuffers()).toBe(baseline);
  }, 300_000);
});
