/**
 * Fuzzing generic netlink on the simulated kernel: 100,000 mutated datagrams to nlctrl and to the
 * TypeScript families (DOC_EXMPL, kv_store), each answer drained. The kernel must never trap, every
 * syscall must either succeed or fail with an errno, and once the sockets are closed and the modules
 * unloaded the number of live sk_buffs must be back where it started.
 */
import { describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import { genl_socket, genl_ctrl_resolve, sendto, recvfrom, close, insmod, rmmod, setsockopt, MSG_DONTWAIT, SOL_NETLINK, NETLINK_EXT_ACK, NETLINK_ADD_MEMBERSHIP } from '../../src/api/user.ts';
import doc_exmpl from '../../sandboxes/sim/modules/doc_exmpl.ts';
import kv_store from '../../sandboxes/sim/modules/kv_store.ts';
import { newSimKernel } from '../genl/sim.ts';
import { datagram, rng } from './genl-mutate.ts';

const DATAGRAMS = 100_000;
const SEED = 0x6e6c6162;

describe('genl fuzz', () => {
  it(`survives ${DATAGRAMS} mutated genl datagrams and frees every buffer`, async () => {
    const k = await newSimKernel();
    setBackend(k);
    const baseline = k.liveBuffers();
    const stats = { sent: 0, sendErrors: 0, received: 0, bytes: 0, maxLive: 0 };
    let failure: unknown;
    const r = await k.run(async () => {
      try {
        await insmod(doc_exmpl);
        await insmod(kv_store);
        const fd = await genl_socket();
        await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
        const ids = [(await genl_ctrl_resolve(fd, 'DOC_EXMPL')).id, (await genl_ctrl_resolve(fd, 'NLLAB_KV')).id];
        // A listener on nlctrl's and the families' groups collects notifications too.
        const listener = await genl_socket();
        for (const g of [0x10, 2, 3]) await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g).catch(() => 0);
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
              } catch (e) {
                if (!(e instanceof ErrnoError)) throw e;
                if (e.code === 'EAGAIN') break;
              }
            }
          }
        }
        await close(fd);
        await close(listener);
        await rmmod('kv_store');
        await rmmod('doc_exmpl');
      } catch (e) {
        failure = e;
      }
    }, { name: 'genl-fuzz' });
    setBackend(null);
    if (failure) throw failure;
    expect(r.error).toBeUndefined();
    expect(stats.sent + stats.sendErrors).toBe(DATAGRAMS);
    expect(stats.received).toBeGreaterThan(DATAGRAMS / 2);
    expect(stats.maxLive).toBeGreaterThan(0);
    console.log(`genl fuzz: ${JSON.stringify(stats)}, live buffers ${k.liveBuffers()} (baseline ${baseline})`);
    expect(k.liveBuffers()).toBe(baseline);
  }, 300_000);
});
