/**
 * Booting and ending VMs: failures are reported with what went wrong, a timeout kills QEMU, and
 * no QEMU outlives what started it — not even when that process is killed with SIGKILL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootVm, ensureVmImage, snapshotFile, startVm, vmImage, type Vm } from '../../sandboxes/vm/qemu.ts';
import { startPortAgent } from '../../sandboxes/vm/port-agent.ts';

const repo = join(import.meta.dirname, '..', '..');
let scratch: string;

/** QEMU processes whose command line names this VM (its unique -name). */
function qemuProcesses(name: string): number[] {
  const r = spawnSync('pgrep', ['-f', `qemu-system.*${name}`], { encoding: 'utf8' });
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Poll `ok` every 100 ms until it holds, or throw after `ms`. Only for what no event announces here:
 * the QEMU waited on is the child of another process (one just killed), so its exit reaches this
 * process by no event; kill(pid, 0) is the way to ask.
 */
async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(() => {
  ensureVmImage();
  scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-vm-test-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  // Every VM this file started, by its unique name: none may be left.
  const left = booted.flatMap((name) => qemuProcesses(name).map((pid) => `${name} (pid ${pid})`));
  expect(left, 'QEMU processes left behind').toEqual([]);
});

/** The names of the VMs this file started (QEMU's -name). */
const booted: string[] = [];
const track = <T extends { name: string }>(vm: T): T => {
  booted.push(vm.name);
  return vm;
};

describe('a VM that cannot boot', () => {
  it("a kernel that is not a kernel: ready rejects with QEMU's own words, and QEMU is gone", async () => {
    const bogus = join(scratch, 'not-a-kernel');
    writeFileSync(bogus, 'this is not a kernel\n');
    const vm = track(bootVm({ kernel: bogus, initramfs: vmImage().initramfs, timeoutMs: 30_000 }));
    await expect(vm.ready).rejects.toThrow(
      /QEMU exited \(code 1\) before the shell prompt[\s\S]*QEMU said: .*(linux kernel|kernel)/i,
    );
    await vm.exited;
    expect(qemuProcesses(vm.name)).toEqual([]);
  });

  it('an initramfs without /init: the kernel panics, QEMU exits (-no-reboot), ready shows the panic', async () => {
    const empty = join(scratch, 'empty.cpio');
    // A valid newc archive holding only its trailer.
    const trailer = '070701' + '0'.repeat(8 * 11) + '0000000B' + '00000000' + 'TRAILER!!!\0';
    writeFileSync(empty, trailer.padEnd(512, '\0'));
    const vm = track(bootVm({ kernel: vmImage().kernel, initramfs: empty, timeoutMs: 120_000 }));
    await expect(vm.ready).rejects.toThrow(/before the shell prompt[\s\S]*Kernel panic/);
    expect(qemuProcesses(vm.name)).toEqual([]);
  });

  it('a boot slower than the timeout: ready rejects and QEMU is killed', async () => {
    const vm = track(bootVm({ timeoutMs: 300 }));
    await expect(vm.ready).rejects.toThrow(/no shell prompt within 300 ms \(QEMU killed\)/);
    const { signal } = await vm.exited;
    expect(signal).toBe('SIGKILL');
    expect(qemuProcesses(vm.name)).toEqual([]);
  });
});

describe('a VM that boots', () => {
  let vm: Vm;
  beforeAll(async () => {
    vm = track(await startVm({ timeoutMs: 120_000 }));
  });
  afterAll(async () => {
    await vm?.kill();
  });

  it('exec returns output and status, one command at a time, stdin closed', async () => {
    const [a, b, c] = await Promise.all([
      vm.exec('echo one; echo two >&2'),
      vm.exec('exit 7'),
      vm.exec('cat; echo "read: $?"'),
    ]);
    expect(a).toEqual({ output: 'one\ntwo\n', status: 0 });
    expect(b.status).toBe(7);
    expect(c).toEqual({ output: 'read: 0\n', status: 0 });
  });

  it("long and multi-line commands arrive whole (beyond the line editor's 1024 bytes)", async () => {
    const long = await vm.exec(`echo ${'x'.repeat(5000)} | wc -c`);
    expect(long).toEqual({ output: '5001\n', status: 0 });
    const script = await vm.exec(
      `cat <<'EOF'\nquoted 'single' "double" $HOME\nEOF\nfor i in 1 2; do echo "line $i"; done\nfalse`,
    );
    expect(script).toEqual({ output: 'quoted \'single\' "double" $HOME\nline 1\nline 2\n', status: 1 });
  });

  it('a command that does not finish: exec rejects, ^C stops it, the shell is still usable', async () => {
    await expect(vm.exec('sleep 30', { timeoutMs: 500 })).rejects.toThrow(/did not finish within 500 ms \(sent \^C\)/);
    expect(await vm.exec('echo still here')).toEqual({ output: 'still here\n', status: 0 });
  });

  it('the console streams what the guest prints', async () => {
    const seen = new Promise<string>((res) => {
      let text = '';
      const on = (d: Buffer) => {
        text += d.toString();
        if (text.includes('typed-by-hand')) {
          vm.console.off('data', on);
          res(text);
        }
      };
      vm.console.on('data', on);
    });
    vm.console.write('echo typed-by-hand\n');
    expect(await seen).toContain('typed-by-hand');
  });

  it('kill() ends QEMU, and exec afterwards says so', async () => {
    const own = track(await startVm({ timeoutMs: 120_000, agentPorts: 1 }));
    expect(qemuProcesses(own.name)).toEqual([own.pid]);
    await own.kill();
    expect(alive(own.pid)).toBe(false);
    expect(qemuProcesses(own.name)).toEqual([]);
    await expect(own.exec('true')).rejects.toThrow(/QEMU has exited/);
  });
});

describe('boot snapshots', () => {
  // Its own configuration (2 agent ports), so this file makes and removes its own snapshot.
  const opts = { timeoutMs: 120_000, agentPorts: 2, snapshot: true } as const;

  it('the first VM saves a snapshot; the next ones start from it, shell and agents alive', async () => {
    const file = snapshotFile(opts)!;
    rmSync(file, { force: true });
    const first = track(await startVm(opts));
    const firstShell = await first.exec('echo $$; cat /proc/uptime');
    await first.kill();
    expect(existsSync(file), 'snapshot written').toBe(true);

    const second = track(await startVm(opts));
    // No boot log: the VM starts where the snapshot left it, at a prompt.
    expect(second.transcript()).not.toContain('Linux version');
    const again = await second.exec('echo $$; cat /proc/uptime');
    // The same shell (same pid), whose clock went on from the snapshot's.
    expect(again.output.split('\n')[0]).toBe(firstShell.output.split('\n')[0]);
    const agent = await startPortAgent(second.agents[1]!, async () => {}, 0x100, 10_000);
    expect(agent.hello.pid).toBeGreaterThan(4095);
    await agent.exit(0);
    expect((await second.exec('nl_hello')).output).toContain('"Hello you!"');
    await second.kill();
    expect(qemuProcesses(second.name)).toEqual([]);
  });

  it('a snapshot that does not load is removed and the VM boots afresh', async () => {
    const file = snapshotFile(opts)!;
    writeFileSync(file, 'not a migration stream');
    const vm = track(await startVm(opts));
    expect(vm.transcript()).toContain('netlink-lab: ready');
    expect((await vm.exec('true')).status).toBe(0);
    await vm.kill();
    // The fresh boot saved a good one in its place.
    expect(readFileSync(file).subarray(0, 4).toString('hex')).toBe('5145564d'); // "QEVM"
    rmSync(file, { force: true });
  });
});

describe('QEMU never outlives its parent', () => {
  /** Start a Node process that boots a VM and reports it; returns that process and the VM. */
  async function parentWithVm(): Promise<{ parent: ReturnType<typeof spawn>; pid: number; name: string }> {
    const script = join(scratch, 'parent.mts');
    writeFileSync(
      script,
      `
      import { startVm } from ${JSON.stringify(join(repo, 'sandboxes/vm/qemu.ts'))};
      const vm = await startVm({ timeoutMs: 120_000, agentPorts: 1 });
      console.log(JSON.stringify({ pid: vm.pid, name: vm.name }));
      setInterval(() => {}, 1000);
    `,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((res, rej) => {
      let out = '';
      parent.stdout!.on('data', (d) => {
        out += d;
        if (out.includes('\n')) res(out.split('\n')[0]);
      });
      parent.on('exit', (code) => rej(new Error(`the parent exited (${code}) before its VM was up`)));
    });
    const vm = JSON.parse(line) as { pid: number; name: string };
    track(vm);
    return { parent, ...vm };
  }

  it('SIGKILL of the parent takes QEMU down (setpriv --pdeathsig)', async () => {
    const { parent, pid, name } = await parentWithVm();
    expect(alive(pid)).toBe(true);
    parent.kill('SIGKILL');
    await until(`QEMU ${pid} is gone`, () => !alive(pid), 10_000);
    expect(qemuProcesses(name)).toEqual([]);
  });

  it('SIGTERM of the parent too', async () => {
    const { parent, pid, name } = await parentWithVm();
    parent.kill('SIGTERM');
    await until(`QEMU ${pid} is gone`, () => !alive(pid), 10_000);
    expect(qemuProcesses(name)).toEqual([]);
  });
});
