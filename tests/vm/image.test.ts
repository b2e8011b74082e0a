/**
 * The VM image on a real boot: the course's modules load and log what the spec says
 * (sandboxes/vm/modules/README.md), and the course's static C programs print what they should.
 * One VM for the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureVmImage, startVm, type Vm } from '../../sandboxes/vm/qemu.ts';

let vm: Vm;

beforeAll(async () => {
  const image = ensureVmImage();
  expect(image.agent, 'the image has the real-kernel agent').toBe(true);
  // From the boot snapshot after the first run (the image is the same; its boot log is in it).
  vm = await startVm({ timeoutMs: 120_000, snapshot: true });
});

afterAll(async () => {
  await vm?.kill();
});

/** Run a command that must succeed; its output. */
async function sh(cmd: string): Promise<string> {
  const r = await vm.exec(cmd, { timeoutMs: 60_000 });
  expect(r.status, `\`${cmd}\` failed:\n${r.output}`).toBe(0);
  return r.output;
}

describe('boot', () => {
  it("runs Debian's 6.1 kernel with the busybox tools a learner expects", async () => {
    expect(await sh('uname -r')).toMatch(/^6\.1\.0-\d+-amd64\n$/);
    expect(await sh('hostname')).toBe('netlink-lab\n');
    for (const tool of ['ip', 'dmesg', 'insmod', 'rmmod', 'lsmod', 'cat']) {
      await sh(`command -v ${tool}`);
    }
    // lo is left down, as in a fresh network namespace (`unshare -Urn`) and on the simulator.
    const lo = await sh('ip link show lo');
    expect(lo).toMatch(/^1: lo: <LOOPBACK> mtu 65536 /);
    expect(lo).not.toMatch(/<[^>]*\bUP\b[^>]*>/);
  });

  it("loads nl_test and doc_exmpl at boot, with the spec's dmesg lines", async () => {
    const lsmod = await sh('lsmod');
    expect(lsmod).toMatch(/^nl_test\s+\d+\s+0/m);
    expect(lsmod).toMatch(/^doc_exmpl\s+\d+\s+0/m);
    const dmesg = await sh('dmesg');
    expect(dmesg).toContain('nl_test: protocol 25 ready (delayed=0)');
    expect(dmesg).toMatch(/doc_exmpl: family DOC_EXMPL id \d+, group DOC_EXMPL_GRP id \d+/);
    // Protocol 25 now has a kernel socket.
    expect(await sh('cat /proc/net/netlink')).toMatch(/^\S+\s+25\s+0\s+00000000/m);
  });

  it('serves one agent per agent port; the fork ports after them stay free for forked children', async () => {
    const ports = await sh('ls /dev/vport0p*');
    const byNumber = (a: string, b: string) => Number(a.replace(/.*p/, '')) - Number(b.replace(/.*p/, ''));
    expect(ports.trim().split(/\s+/).sort(byNumber)).toEqual([
      ...vm.agents.map((_, i) => `/dev/vport0p${i + 1}`),
      ...vm.forkPorts.map((f) => f.dev),
    ]);
    expect(vm.forkPorts.length).toBeGreaterThan(0);
    expect(Number((await sh('ps | grep -c "[/]bin/netlink-lab-agent"')).trim())).toBeGreaterThanOrEqual(
      vm.agents.length,
    );
    // No process holds a fork port open.
    const holders = await sh(
      `ls -l /proc/[0-9]*/fd 2>/dev/null | grep -cE '${vm.forkPorts.map((f) => `${f.dev}$`).join('|')}'; true`,
    );
    expect(holders.trim()).toBe('0');
  });
});

describe('the C programs', () => {
  it('nl_hello: sendmsg/recvmsg get the echo of "Hello you!"', async () => {
    const out = await sh('nl_hello');
    expect(out).toMatch(/^sendmsg: sent 27 bytes from port \d+, returned after 0\.\d s\n/);
    expect(out).toMatch(/\nrecvmsg: 28 bytes from port 0: type 16 seq 1 pid 0: "Hello you!"\n$/);
  });

  it('nl_hello_sendto: the same with sendto/recvfrom, from an explicit port', async () => {
    const out = await sh('nl_hello_sendto -p 100 hi');
    expect(out).toMatch(/^sendto: sent 19 bytes from port 100, returned after 0\.\d s\n/);
    expect(out).toMatch(/\nrecvfrom: 20 bytes from port 0: type 16 seq 1 pid 0: "hi"\n$/);
  });

  it('a second process binding the same port gets EADDRINUSE', async () => {
    // The first holds port 300 while it waits for a second reply that never comes.
    const r = await vm.exec('nl_hello -p 300 -n 2 >/dev/null & sleep 1; nl_hello -p 300 -n 0; s=$?; kill %1; exit $s', {
      timeoutMs: 30_000,
    });
    expect(r.status).toBe(1);
    expect(r.output).toBe('bind to port 300: Address already in use\n');
  });

  it('header pid 0: nl_test does not reply and says why', async () => {
    await sh('nl_hello -p 0 -n 0');
    expect(await sh('dmesg | tail -n 3')).toContain('nl_test: header pid is 0 (the kernel itself): not replying');
  });

  it('delayed mode: sendmsg blocks while the module sleeps, then the greetings are queued', async () => {
    await sh('rmmod nl_test && insmod /lib/modules/nl_test.ko delayed=1 replies=3 interval_ms=400');
    try {
      const out = await sh('nl_hello -n 3');
      const blocked = Number(/returned after (\d+\.\d) s/.exec(out)?.[1]);
      expect(blocked).toBeGreaterThanOrEqual(1.1);
      const replies = out.split('\n').filter((l) => l.startsWith('recvmsg:'));
      expect(replies).toEqual(Array(3).fill('recvmsg: 36 bytes from port 0: type 16 seq 1 pid 0: "I am from kernel!"'));
    } finally {
      await sh('rmmod nl_test && insmod /lib/modules/nl_test.ko');
    }
  });

  it('genl_echo: resolves DOC_EXMPL through nlctrl and gets the greeting', async () => {
    const out = await sh('genl_echo');
    const m = /^family DOC_EXMPL: id (\d+), group DOC_EXMPL_GRP: id (\d+)\n/.exec(out);
    expect(m, out).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(16);
    expect(out).toMatch(/\nreply from port 0 groups 0x0: cmd 1 version 1 seq 2: "Hello from kernel space!!!"\n$/);
    expect(await sh('dmesg | tail -n 2')).toMatch(/doc_exmpl: ECHO from port \d+: "hello from user space"/);
  });

  it('genl_echo -l: a group member receives the text another process sent', async () => {
    const out = await sh(
      'genl_echo -l -n 1 > /tmp/listen.out & sleep 1; genl_echo "to the group" >/dev/null; wait; cat /tmp/listen.out',
    );
    const gid = Number(/group DOC_EXMPL_GRP: id (\d+)/.exec(out)?.[1]);
    expect(gid).toBeGreaterThan(0);
    const mask = gid <= 32 ? (2 ** (gid - 1)).toString(16) : '0';
    expect(out).toContain('listening on DOC_EXMPL_GRP\n');
    expect(out).toContain(`notification from port 0 groups 0x${mask}: cmd 1 version 1 seq 0: "to the group"\n`);
  });

  it('reports a missing module the way a learner can act on', async () => {
    await sh('rmmod doc_exmpl');
    try {
      const r = await vm.exec('genl_echo');
      expect(r.status).toBe(1);
      expect(r.output).toContain('the kernel answered: No such file or directory');
      expect(r.output).toContain('try: insmod /lib/modules/doc_exmpl.ko');
    } finally {
      await sh('insmod /lib/modules/doc_exmpl.ko');
    }
  });
});
