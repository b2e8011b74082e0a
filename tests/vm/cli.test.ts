/**
 * `netlink-lab vm …` as a user runs it: exec prints the command's output and exits with its
 * status; run executes a TypeScript program on the VM's kernel, loading the C module by name.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';

const repo = join(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-vm-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, 'bin/netlink-lab.mjs'), ...args], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  ensureVmImage();
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('netlink-lab vm', () => {
  it("exec: the command's output on stdout, its status as the exit status", () => {
    const r = cli(
      'vm',
      'exec',
      '--',
      'cat /proc/net/netlink | grep -c "^[^s]"; lsmod | cut -d" " -f1 | grep nl_test; exit 3',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^\d+\nnl_test\n$/);
    expect(r.status).toBe(3);
  });

  it('exec --no-modules: protocol 25 is not there', () => {
    const r = cli('vm', 'exec', '--no-modules', '--', 'nl_hello');
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      'socket: Protocol not supported (is nl_test.ko loaded? try: insmod /lib/modules/nl_test.ko)',
    );
  });

  it('run: a program on the VM kernel, insmod() loading the C module', () => {
    const prog = join(scratch, 'hello.ts');
    writeFileSync(
      prog,
      `
      import { insmod, socket, bind, sendto, recvfrom, getpid, AF_NETLINK, SOCK_RAW, NETLINK_TEST, NLMSG_MIN_TYPE, nlmsg, bytes, cstring, NLMSG_DATA } from 'netlink-lab/user';
      await insmod({ name: 'nl_test', init: () => 0 });
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      await sendto(fd, nlmsg({ type: NLMSG_MIN_TYPE, pid: getpid(), payload: bytes('from the cli', true) }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const buf = new Uint8Array(128);
      const { n } = await recvfrom(fd, buf);
      console.log(n, cstring(NLMSG_DATA(buf)));
      await insmod({ name: 'nl_test', init: () => 0 });
    `,
    );
    const r = cli('vm', 'run', prog);
    expect(r.stdout).toBe('32 from the cli\n');
    // The second insmod fails like init_module on a loaded module, printed like perror.
    expect(r.stderr).toMatch(/init_module: File exists/);
    expect(r.status).toBe(1);
  });

  it('a usage error says how to use it', () => {
    const r = cli('vm', 'exec');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('vm exec: no command');
    expect(r.stderr).toContain('usage: netlink-lab vm build');
  });
});
