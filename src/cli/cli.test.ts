import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'netlink-lab.mjs');
const dir = mkdtempSync(join(tmpdir(), 'netlink-lab-cli-'));

/** Write a program file and run the CLI on it. */
function cli(args: string[], program?: string) {
  if (program !== undefined) writeFileSync(join(dir, 'prog.ts'), program);
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const prog = join(dir, 'prog.ts');

const ROUND_TRIP = `
import { socket, sendto, recvfrom, getsockname, getpid, nlmsg, parseNlmsgs, parseNlmsgerr, AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NLMSG_NOOP, NLM_F_REQUEST, NLM_F_ACK } from 'netlink-lab/user';
const fd: number = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
await sendto(fd, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 42 }), 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const buf = new Uint8Array(64);
const { n } = await recvfrom(fd, buf);
const [m] = parseNlmsgs(buf.subarray(0, n));
console.log('ack', n, m.nlmsg_seq, parseNlmsgerr(m)!.error, 'port is pid:', (await getsockname(fd)).nl_pid === getpid());
`;

describe('netlink-lab CLI', () => {
  it('documents every command and option in --help', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const s of [
      'netlink-lab run FILE.ts',
      '--kernel sim',
      '--kernel real',
      '--trace',
      '--timeout',
      'perror',
      '--pcap OUT',
      'netlink-lab decode FILE.pcap',
    ])
      expect(r.stdout).toContain(s);
  });

  it('runs a program on the real kernel and prints its output', () => {
    const r = cli(['run', prog, '--kernel', 'real'], ROUND_TRIP);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ack 36 42 0 port is pid: true\n');
    expect(r.status).toBe(0);
  });

  it('runs the same program on the simulated kernel with the same output', () => {
    const r = cli(['run', prog, '--kernel', 'sim'], ROUND_TRIP);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ack 36 42 0 port is pid: true\n');
    expect(r.status).toBe(0);
  });

  it("prints the simulated kernel's function-graph trace with --trace", () => {
    const r = cli(['run', prog, '--kernel', 'sim', '--trace'], ROUND_TRIP);
    expect(r.status).toBe(0);
    const [output, trace] = r.stdout.split('# TIME(ms)');
    expect(output).toBe('ack 36 42 0 port is pid: true\n');
    expect(trace).toMatch(/__sys_socket\(family=16 type=3 protocol=16\) = 3/);
    expect(trace).toMatch(/netlink_ack/);
  });

  it.each(['real', 'sim'])('prints an uncaught ErrnoError like perror and exits with 1 (%s)', (kernel) => {
    const r = cli(
      ['run', prog, '--kernel', kernel],
      `
import { socket, bind, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';
const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(a, { nl_family: AF_NETLINK, nl_pid: 1234, nl_groups: 0 });
console.log('first bind ok');
await bind(b, { nl_family: AF_NETLINK, nl_pid: 1234, nl_groups: 0 });
console.log('not reached');
`,
    );
    expect(r.stdout).toBe('first bind ok\n');
    expect(r.stderr).toBe('bind: Address already in use\n');
    expect(r.status).toBe(1);
  });

  it.each(['real', 'sim'])('waits for processes that outlive main (%s)', (kernel) => {
    const r = cli(
      ['run', prog, '--kernel', kernel],
      `
import { spawn, sleep } from 'netlink-lab/user';
await spawn(async () => { await sleep(200); console.log('the child outlived main'); });
console.log('main returns');
`,
    );
    expect(r.stdout).toBe('main returns\nthe child outlived main\n');
    expect(r.status).toBe(0);
  });

  it('stops a program blocked in recv at the time limit and leaves no agent behind', () => {
    const r = cli(
      ['run', prog, '--kernel', 'real', '--timeout', '1.5'],
      `
import { socket, recvfrom, getpid, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE } from 'netlink-lab/user';
console.log(getpid());
const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await recvfrom(fd, new Uint8Array(64));
`,
    );
    expect(r.status).toBe(124);
    expect(r.stderr).toMatch(/did not finish within 1\.5 s \(--timeout 1\.5\); stopped it/);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(1);
    // Killed: gone, or a zombie when this container's pid 1 does not reap orphans.
    const stat = `/proc/${pid}/stat`;
    const state = existsSync(stat) ? readFileSync(stat, 'utf8').split(') ')[1]![0] : 'gone';
    expect(['gone', 'Z', 'X']).toContain(state);
  });

  it('stops a busy loop at the time limit', () => {
    const r = cli(['run', prog, '--kernel', 'real', '--timeout', '1'], 'console.log("looping");\nfor (;;) {}\n');
    expect(r.stdout).toBe('looping\n');
    expect(r.status).toBe(124);
  });

  it("refuses a --timeout longer than Node's timers hold (2^31-1 ms) instead of stopping at once", () => {
    const r = cli(['run', prog, '--kernel', 'sim', '--timeout', '3000000'], 'console.log("ran");\n');
    expect(r.stderr).toMatch(
      /--timeout must be at most 2147483 s \(about 24 days: Node's timers cannot wait longer\), not '3000000'/,
    );
    expect(r.stdout).toBe('');
    expect(r.status).toBe(2);
    // The longest allowed one runs the program to its end.
    const ok = cli(['run', prog, '--kernel', 'sim', '--timeout', '2147483'], 'console.log("ran");\n');
    expect(ok.stdout).toBe('ran\n');
    expect(ok.status).toBe(0);
    const vm = cli(['vm', 'exec', '--timeout', '3000000000', '--', 'true']);
    expect(vm.stderr).toMatch(/--timeout must be at most 2147483647 ms/);
    expect(vm.status).toBe(2);
  });

  it('stops a program that grows an array without bound at the memory limit, naming it (status 137)', () => {
    const r = cli(
      ['run', prog, '--kernel', 'sim', '--timeout', '120'],
      "const a: number[][] = [];\nconsole.log('growing');\nfor (let i = 0; ; i++) { a.push(new Array(1000).fill(i)); if (i % 100 === 0) await new Promise((r) => setTimeout(r, 0)); }\n",
    );
    expect(r.stdout).toBe('growing\n');
    expect(r.stderr).toMatch(/the program used more than 256 MiB of memory, the limit of one run .*stopped it/);
    expect(r.status).toBe(137);
  });

  it('stops a huge ArrayBuffer (outside the JavaScript heap) at once', () => {
    const r = cli(
      ['run', prog, '--kernel', 'sim'],
      "console.log('before');\nconst b = new ArrayBuffer(2 ** 31);\nnew Uint8Array(b).fill(1);\nconsole.log('after', b.byteLength);\n",
    );
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toMatch(/more than 256 MiB of memory, the limit of one run/);
    expect(r.status).toBe(137);
  });

  it('stops what the meter does not see (properties of a plain object) at the heap limit', () => {
    const r = cli(
      ['run', prog, '--kernel', 'sim', '--timeout', '120'],
      "console.log('filling');\nconst o: Record<string, string> = {};\nfor (let i = 0; ; i++) o['k' + i] = 'x'.repeat(1_000_000) + i;\n",
    );
    expect(r.stdout).toBe('filling\n');
    expect(r.stderr).toMatch(/more than 256 MiB of memory, the limit of one run \(its JavaScript heap is full\)/);
    expect(r.status).toBe(137);
  });

  it('reports usage errors with status 2', () => {
    expect(cli(['run', prog, '--kernel', 'bsd'], '').status).toBe(2);
    expect(cli(['run']).stderr).toMatch(/give exactly one program file/);
    expect(cli(['frobnicate']).status).toBe(2);
  });

  it('refuses --trace on the real kernel', () => {
    const r = cli(['run', prog, '--kernel', 'real', '--trace'], 'console.log(1);');
    expect(r.stderr).toMatch(/--trace needs the simulated kernel/);
    expect(r.status).toBe(1);
  });

  it('reports a syntax error with file and line', () => {
    const r = cli(['run', prog, '--kernel', 'real'], 'const a = 1;\nlet = ;\n');
    expect(r.stderr).toMatch(/prog\.ts:2:\d+: /);
    expect(r.status).toBe(1);
  });
});
