/**
 * Eight sessions at once, each running a command in its own VM; then the relay is stopped with
 * SIGTERM, and killed with SIGKILL, with VMs running: no QEMU process may survive any of it.
 *
 * "No QEMU survives" is checked for this relay's VMs (their command lines carry
 * `netlink_lab.relay=<id>`), not with a bare `pgrep -f qemu-system`: other VMs (other tests, other
 * programs on the machine) are none of this relay's business.
 */
import { describe, expect, it } from 'vitest';
import { CLOSE } from '../../src/agent/relay-frames.ts';
import { connect, relayQemuPids, runOnConsole, spawnRelay, waitFor, waitIdle } from './relay-helpers.ts';

const N = 8;

describe('VM relay under load', () => {
  // ~25 s on an idle 2-core machine; a minute and more when the machine is busy.
  it(`runs ${N} VMs at once, a command in each, and leaves no QEMU when they close`, { timeout: 420_000 }, async () => {
    const relay = await spawnRelay(['--max-sessions', String(N), '--boot-timeout', '300']);
    try {
      const sessions = Array.from({ length: N }, () => connect(relay.url));
      const hellos = await Promise.all(sessions.map((s) => s.hello));
      expect(new Set(hellos.map((h) => h.vm)).size).toBe(N);
      expect(relayQemuPids(relay.relayId)).toHaveLength(N);
      // TCG on a shared 2-core machine: 8 boots at once take far longer than one.
      await Promise.all(sessions.map((s) => s.ready));
      await Promise.all(sessions.map((s, i) => runOnConsole(s, `echo ok-$((${i} + 1))`, `ok-${i + 1}`, 100_000)));
      // Each VM printed its own answer only.
      sessions.forEach((s, i) => {
        for (let j = 1; j <= N; j++) if (j !== i + 1) expect(s.text()).not.toMatch(new RegExp(`\\nok-${j}\\r?\\n`));
      });
      for (const s of sessions) s.close();
      const closes = await Promise.all(sessions.map((s) => s.closed));
      for (const c of closes) expect(c.code).toBe(CLOSE.NORMAL);
      expect(await waitIdle(relay.port, relay.relayId)).toBe(true);
    } finally {
      relay.child.kill('SIGKILL');
      await relay.exited;
    }
  });

  it('kills every VM when the relay is stopped with SIGTERM, telling each client why', async () => {
    const relay = await spawnRelay();
    const sessions = [connect(relay.url), connect(relay.url)];
    await Promise.all(sessions.map((s) => s.hello));
    expect(relayQemuPids(relay.relayId)).toHaveLength(2);
    relay.child.kill('SIGTERM');
    const closes = await Promise.all(sessions.map((s) => s.closed));
    for (const c of closes) expect(c).toMatchObject({ code: CLOSE.GOING_AWAY, reason: 'the relay is shutting down' });
    expect(await relay.exited).toBe(0);
    expect(relayQemuPids(relay.relayId)).toEqual([]);
    expect(relay.output()).toMatch(/SIGTERM: stopping 2 VM\(s\)/);
  });

  it('leaves no QEMU when the relay is killed with SIGKILL (the parent-death guard)', async () => {
    const relay = await spawnRelay();
    const sessions = [connect(relay.url), connect(relay.url)];
    await Promise.all(sessions.map((s) => s.hello));
    const pids = relayQemuPids(relay.relayId);
    expect(pids).toHaveLength(2);
    relay.child.kill('SIGKILL');
    expect(await relay.exited).toBe('SIGKILL');
    // The relay had no chance to clean up: the kernel's PR_SET_PDEATHSIG (setpriv) kills QEMU.
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    await Promise.all(sessions.map((s) => s.closed));
  });

  it('stops, killing its VMs, when the process that launched it dies (npm or tsx killed outright)', async () => {
    const relay = await spawnRelay([], { viaTsxCli: true });
    const s = connect(relay.url);
    await s.hello;
    expect(relayQemuPids(relay.relayId)).toHaveLength(1);
    // The launcher (tsx's CLI) is killed and cannot pass anything on: the relay notices on its own.
    relay.child.kill('SIGKILL');
    expect(await s.closed).toMatchObject({ code: CLOSE.GOING_AWAY });
    expect(await waitFor(() => relayQemuPids(relay.relayId).length === 0, 10_000)).toBe(true);
    // The relay's own log (its stderr outlives tsx) says why it stopped.
    expect(relay.output()).toMatch(/vm relay: its parent process \d+ exited: stopping 1 VM\(s\)/);
  });
});
