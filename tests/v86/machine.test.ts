/**
 * The in-browser kernel's image under Node: restored from the saved state, it is Debian's i386
 * kernel with the shell on ttyS0, an agent on each of ttyS1…ttyS3, every course module loadable
 * and the C examples runnable; and `netlink-lab run --kernel browser` runs a program on it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRequest, FrameSplitter, OP, Reader } from '../../src/agent/protocol.ts';
import type { Machine } from '../../sandboxes/v86/machine.ts';
import { AGENT_PORTS } from '../../sandboxes/v86/machine.ts';
import { startSavedMachine, v86Manifest } from '../../sandboxes/v86/node.ts';
import { runCommand } from '../../src/cli/run.ts';

/** Run a program with the CLI; it must print nothing on stderr and exit 0. Its stdout. */
async function runOk(file: string, args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const status = await runCommand([file, ...args], {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  expect(err).toBe('');
  expect(status).toBe(0);
  return out;
}

let m: Machine;
beforeAll(async () => {
  m = await startSavedMachine();
});
afterAll(async () => {
  await m?.stop();
});

describe('the in-browser kernel (v86) under Node', () => {
  it("runs Debian's i386 686 kernel, as the manifest says", async () => {
    const r = await m.exec('uname -rm');
    expect(r.status).toBe(0);
    expect(r.output.trim()).toBe(`${v86Manifest().kernelRelease} i686`);
  });

  it('answers HELLO on the agent port (the fork ports have no agent until a process forks)', async () => {
    const pids: number[] = [];
    for (const port of AGENT_PORTS) {
      const splitter = new FrameSplitter();
      const r = await new Promise<ReturnType<FrameSplitter['push']>[number]>((resolve) => {
        const off = m.onData((p, bytes) => {
          if (p !== port) return;
          const got = splitter.push(bytes);
          if (got.length) {
            off();
            resolve(got[0]!);
          }
        });
        m.send(port, encodeRequest(77, OP.HELLO));
      });
      expect(r.tag).toBe(77);
      const rd = new Reader(r.body);
      pids.push(rd.i32());
      expect(rd.u32()).toBe(0); // uid root
    }
    expect(new Set(pids).size).toBe(AGENT_PORTS.length);
  });

  it('loads and unloads every course module (built for the 686 kernel)', async () => {
    for (const mod of v86Manifest().modules) {
      // relay_exam and friends need parameters only optionally: plain load must work for each.
      const load = await m.exec(`modctl load /lib/modules/${mod}.ko`);
      expect(load.output.trim().split('\n').at(-1), `${mod}: ${load.output}`).toBe('0');
      const unload = await m.exec(`modctl unload ${mod}`);
      expect(unload.output.trim().split('\n').at(-1), `${mod}: ${unload.output}`).toBe('0');
    }
  });

  it('runs the C examples built for i386 against nl_test', async () => {
    expect((await m.exec('modctl load /lib/modules/nl_test.ko')).output.trim()).toBe('0');
    const r = await m.exec('nl_hello');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toMatch(/\nrecvmsg: 28 bytes from port 0: type 16 seq 1 pid 0: "Hello you!"\n$/);
    await m.exec('modctl unload nl_test');
  });
});

describe('netlink-lab run --kernel browser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netlink-lab-v86-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a program through the agent protocol and prints what it prints', async () => {
    const file = join(dir, 'prog.ts');
    writeFileSync(
      file,
      `
import { socket, bind, getsockname, close, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, readFile } from 'netlink-lab/user';
const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const a = await getsockname(fd);
console.log('bound', a.nl_pid > 0);
const lines = (await readFile('/proc/net/netlink')).split('\\n').filter((l) => l.trim()).length;
console.log('proc lines', lines > 1);
await close(fd);
`,
    );
    expect(await runOk(file, ['--kernel', 'browser'])).toBe('bound true\nproc lines true\n');
  });

  it('spawn() from a process is fork: the child keeps the socket, and may drop to another uid', async () => {
    const file = join(dir, 'fork.ts');
    writeFileSync(
      file,
      `
import { socket, bind, getsockname, spawn, waitpid, getpid, getuid, close, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';
const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
const mine = (await getsockname(fd)).nl_pid;
const parent = getpid();
const child = await spawn(async () => {
  console.log('child same socket', (await getsockname(fd)).nl_pid === mine, 'other pid', getpid() !== parent);
});
console.log('child status', await waitpid(child));
const nobody = await spawn(async () => { console.log('uid', getuid()); }, { uid: 65534 });
await waitpid(nobody);
await close(fd);
`,
    );
    expect(await runOk(file, ['--kernel', 'browser'])).toBe(
      'child same socket true other pid true\nchild status 0\nuid 65534\n',
    );
  });

  it("SO_RCVTIMEO and SO_SNDTIMEO take x86-64's struct timeval on the 32-bit kernel", async () => {
    // The agent maps them to SO_*TIMEO_NEW (two 64-bit fields); the 32-bit options would read the
    // tv_sec field as { tv_sec, tv_usec }: 1.5 s as 1 s, 100 ms as no timeout at all.
    const file = join(dir, 'timeo.ts');
    writeFileSync(
      file,
      `
import { socket, setsockopt, getsockopt_raw, recvfrom, sendto, bind, now, close, ErrnoError,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, SOL_SOCKET, SO_RCVTIMEO, SO_SNDTIMEO, SO_RCVBUF, MSG_DONTWAIT } from 'netlink-lab/user';
function timeval(ms: number): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
}
const errno = (p: Promise<unknown>) => p.then(() => 'ok', (e) => (e instanceof ErrnoError ? e.code : String(e)));
const rx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
await bind(rx, { nl_family: AF_NETLINK, nl_pid: 200, nl_groups: 0 });
await setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, timeval(1500));
const got = await getsockopt_raw(rx, SOL_SOCKET, SO_RCVTIMEO, 16);
console.log('rcvtimeo', got.optlen === 16 && got.bytes.join(',') === timeval(1500).join(','));
let t = now();
console.log('recvfrom', await errno(recvfrom(rx, new Uint8Array(64))), 'after 1.5 s', now() - t >= 1450);
// A full receiver and a sender that waits at most 100 ms.
await setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1);
const tx = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
const to = { nl_family: AF_NETLINK, nl_pid: 200, nl_groups: 0 };
await sendto(tx, new Uint8Array(1000), MSG_DONTWAIT, to);
await setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(100));
t = now();
console.log('sendto', await errno(sendto(tx, new Uint8Array(1000), 0, to)), 'after 100 ms', now() - t >= 95);
await close(tx);
await close(rx);
`,
    );
    expect(await runOk(file, ['--kernel', 'browser', '--timeout', '60'])).toBe(
      'rcvtimeo true\nrecvfrom EAGAIN after 1.5 s true\nsendto EAGAIN after 100 ms true\n',
    );
  });

  it('refuses --trace and --cmdline with a clear error', async () => {
    let err = '';
    const file = join(dir, 'empty.ts');
    writeFileSync(file, 'export {};\n');
    const status = await runCommand([file, '--kernel', 'browser', '--trace'], {
      stdout: () => {},
      stderr: (s) => {
        err += s;
      },
    });
    expect(status).not.toBe(0);
    expect(err).toMatch(/--trace needs the simulated kernel/);
  });
});
