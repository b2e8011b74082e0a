/**
 * The VM's kernel as a Backend (sandboxes/vm/backend.ts): programs using netlink-lab/user run on
 * Linux 6.1 in the VM. These tests also pin down, byte for byte on the real kernel, what the
 * course's modules answer (sandboxes/vm/modules/README.md), which the simulator's TypeScript
 * modules must match. One VM for the file, booted without the modules: the tests load them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import {
  socket,
  bind,
  sendto,
  recvfrom,
  close,
  insmod,
  rmmod,
  setsockopt,
  getsockname,
  getpid,
  getuid,
  waitpid,
  now,
  spawn,
  genl_socket,
  genl_ctrl_resolve,
  genl_request,
  genlmsg,
  parseGenlmsg,
  parseNlmsgs,
  parseNlmsgerr,
  nla,
  nlmsg,
  bytes,
  cstring,
  u16,
  u32,
  ErrnoError,
  type NetlinkError,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_TEST,
  NETLINK_USERSOCK,
  NLMSG_MIN_TYPE,
  NLMSG_ERROR,
  NLM_F_REQUEST,
  NLM_F_ACK,
  MSG_DONTWAIT,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
} from '../../src/api/user.ts';
import type { KernelModule } from '../../src/api/types.ts';
import { vmKernelOn, type VmKernel } from '../../sandboxes/vm/backend.ts';
import { ensureVmImage, startVm, type Vm } from '../../sandboxes/vm/qemu.ts';

let vm: Vm;
let k: VmKernel;
const KERNEL = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
const mod = (name: string, params?: Record<string, number>): KernelModule =>
  ({ name, init: () => 0, ...(params ? { params } : {}) }) as KernelModule;

/** Run `main` as a process on the VM kernel; its exit status must be 0 (assertion failures inside reject). */
async function proc(main: () => Promise<void>): Promise<void> {
  let failure: unknown = null;
  const pid = await k.spawn(async () => {
    try {
      await main();
    } catch (e) {
      failure = e;
    }
  });
  await waitpid(pid);
  if (failure) throw failure;
}

beforeAll(async () => {
  ensureVmImage();
  vm = await startVm({ timeoutMs: 120_000, loadModules: false, agentPorts: 4, snapshot: true });
  k = vmKernelOn(vm);
  setBackend(k);
});

afterAll(async () => {
  setBackend(null);
  await k?.shutdown();
  await vm?.kill();
});

describe('processes', () => {
  it('each process is its own guest process; ports are reused after exit', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 6; i++)
      await proc(async () => {
        pids.push(getpid());
      });
    expect(new Set(pids).size).toBe(6);
  });

  it("spawn from a process forks: the child has the parent's sockets under the same fds; fork ports are reused", async () => {
    expect(vm.forkPorts.length).toBe(4);
    await proc(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const port = (await getsockname(fd)).nl_pid;
      const seen: { pid: number; port: number; next: number }[] = [];
      // More children than fork ports, one after another: each port is freed when its child exits.
      for (let i = 0; i < vm.forkPorts.length + 2; i++) {
        const child = await spawn(async () => {
          const next = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
          seen.push({ pid: getpid(), port: (await getsockname(fd)).nl_pid, next });
        });
        expect(await waitpid(child)).toBe(0);
      }
      expect(seen.map((c) => [c.port, c.next])).toEqual(seen.map(() => [port, fd + 1]));
      expect(new Set(seen.map((c) => c.pid)).size).toBe(seen.length);
      // All fork ports busy at once: the fifth child waits for a port, then runs.
      const release: (() => void)[] = [];
      const gate = new Promise<void>((r) => release.push(r));
      const kids = await Promise.all(Array.from({ length: vm.forkPorts.length }, () => spawn(() => gate)));
      const late = spawn(async () => {
        expect((await getsockname(fd)).nl_pid).toBe(port);
      });
      release[0]!();
      expect(await Promise.all(kids.map((c) => waitpid(c)))).toEqual(kids.map(() => 0));
      expect(await waitpid(await late)).toBe(0);
      await close(fd);
    });
  });

  it("spawn({ uid }) from a process forks and drops to that uid: it keeps the parent's sockets but loses its privileges", async () => {
    await proc(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      const port = (await getsockname(fd)).nl_pid;
      const seen: { uid: number; port: number; join?: number }[] = [];
      const child = await spawn(
        async () => {
          const own = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
          let join: number | undefined;
          // USERSOCK lets only root join groups (no NL_CFG_F_NONROOT_RECV): EPERM for uid 65534.
          try {
            await setsockopt(own, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1);
          } catch (e) {
            join = (e as ErrnoError).errno;
          }
          seen.push({ uid: getuid(), port: (await getsockname(fd)).nl_pid, join });
        },
        { uid: 65534 },
      );
      expect(await waitpid(child)).toBe(0);
      expect(seen).toEqual([{ uid: 65534, port, join: 1 }]);
      await close(fd);
    });
  });

  it('reads guest files', async () => {
    const text = await k.readFile('/proc/net/netlink');
    expect(text.split('\n')[0]).toMatch(/^sk\s+Eth\s+Pid/);
  });
});

describe('insmod and rmmod load the C modules', () => {
  it("errors are the syscalls': EEXIST, ENOENT", async () => {
    await proc(async () => {
      expect(await insmod(mod('nl_test'))).toBe(0);
      await expect(insmod(mod('nl_test'))).rejects.toMatchObject({ code: 'EEXIST' });
      await expect(insmod(mod('no_such_module'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(rmmod('no_such_module')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await rmmod('nl_test')).toBe(0);
      await expect(socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST)).rejects.toMatchObject({ code: 'EPROTONOSUPPORT' });
    });
  });
});

describe('nl_test (protocol 25), byte for byte', () => {
  beforeAll(async () => {
    await proc(async () => {
      await insmod(mod('nl_test'));
    });
  });
  afterAll(async () => {
    await proc(async () => {
      await rmmod('nl_test');
    });
  });

  it('echoes each message: type and seq kept, flags 0, pid 0, payload as sent, padded to 4', async () => {
    await proc(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 100, nl_groups: 0 });
      // No NLM_F_REQUEST needed; NLM_F_ACK brings no ACK; an odd payload length.
      const req = nlmsg({ type: 0x42, flags: NLM_F_ACK, seq: 7, pid: 100, payload: bytes('abcde', false) });
      expect(await sendto(fd, req, 0, KERNEL)).toBe(24);
      const buf = new Uint8Array(256);
      const { n, from } = await recvfrom(fd, buf);
      expect(from).toEqual({ nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
      expect(n).toBe(24);
      expect([...buf.subarray(0, n)]).toEqual([
        21,
        0,
        0,
        0,
        0x42,
        0,
        0,
        0,
        7,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        ...bytes('abcde'),
        0,
        0,
        0,
      ]);
      await expect(recvfrom(fd, buf, MSG_DONTWAIT)).rejects.toMatchObject({ code: 'EAGAIN' });
      await close(fd);
    });
  });

  it('two messages in one datagram: two replies, in order, each its own datagram', async () => {
    await proc(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 101, nl_groups: 0 });
      const two = new Uint8Array([
        ...nlmsg({ type: NLMSG_MIN_TYPE, seq: 1, pid: 101, payload: bytes('one', true) }),
        ...nlmsg({ type: NLMSG_MIN_TYPE, seq: 2, pid: 101, payload: bytes('two', true) }),
      ]);
      await sendto(fd, two, 0, KERNEL);
      const buf = new Uint8Array(256);
      for (const [seq, text] of [
        [1, 'one'],
        [2, 'two'],
      ] as const) {
        const { n } = await recvfrom(fd, buf);
        const [m, ...rest] = parseNlmsgs(buf.subarray(0, n));
        expect(rest).toEqual([]);
        expect([m!.nlmsg_seq, cstring(m!.payload)]).toEqual([seq, text]);
      }
      await close(fd);
    });
  });

  it("replies go to the header's nlmsg_pid, even when that is another process", async () => {
    const got: string[] = [];
    // The receiver says when it is bound and when the reply reached it (its closure shares this scope).
    let bound!: () => void;
    let received!: () => void;
    const isBound = new Promise<void>((r) => (bound = r));
    const hasReceived = new Promise<void>((r) => (received = r));
    const receiver = await k.spawn(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 200, nl_groups: 0 });
      bound();
      const buf = new Uint8Array(64);
      const { n } = await recvfrom(fd, buf);
      got.push(cstring(buf.subarray(16, n)));
      received();
      await close(fd);
    });
    await isBound;
    await proc(async () => {
      const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
      await bind(fd, { nl_family: AF_NETLINK, nl_pid: 201, nl_groups: 0 });
      await sendto(fd, nlmsg({ type: NLMSG_MIN_TYPE, pid: 200, payload: bytes('for 200', true) }), 0, KERNEL);
      // The module answers once: when 200 has the reply, nothing more is coming to 201.
      await hasReceived;
      await expect(recvfrom(fd, new Uint8Array(64), MSG_DONTWAIT)).rejects.toMatchObject({ code: 'EAGAIN' });
      await close(fd);
    });
    await waitpid(receiver);
    expect(got).toEqual(['for 200']);
  });

  it('delayed mode: the send blocks for replies × interval, then the greetings wait in the queue', async () => {
    await proc(async () => {
      await rmmod('nl_test');
      await insmod(mod('nl_test', { delayed: 1, replies: 3, interval_ms: 300 }));
      try {
        const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
        await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
        const t0 = now();
        await sendto(
          fd,
          nlmsg({ type: NLMSG_MIN_TYPE, seq: 9, pid: getpid(), payload: bytes('Hello you!', true) }),
          0,
          KERNEL,
        );
        expect(now() - t0).toBeGreaterThanOrEqual(850);
        const buf = new Uint8Array(64);
        for (let i = 0; i < 3; i++) {
          const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
          expect(n).toBe(36);
          expect([u32(buf, 0), u16(buf, 4), u16(buf, 6), u32(buf, 8), u32(buf, 12)]).toEqual([
            34,
            NLMSG_MIN_TYPE,
            0,
            9,
            0,
          ]);
          expect([...buf.subarray(16, 36)]).toEqual([...bytes('I am from kernel!', true), 0, 0]);
        }
        await expect(recvfrom(fd, buf, MSG_DONTWAIT)).rejects.toMatchObject({ code: 'EAGAIN' });
        await close(fd);
      } finally {
        await rmmod('nl_test');
        await insmod(mod('nl_test'));
      }
    });
  });
});

describe('doc_exmpl (generic netlink), byte for byte', () => {
  beforeAll(async () => {
    await proc(async () => {
      await insmod(mod('doc_exmpl'));
    });
  });
  afterAll(async () => {
    await proc(async () => {
      await rmmod('doc_exmpl');
    });
  });

  it('nlctrl describes the family as the spec says', async () => {
    await proc(async () => {
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
      expect(f.name).toBe('DOC_EXMPL');
      expect([f.version, f.hdrsize, f.maxattr]).toEqual([1, 0, 1]);
      expect(f.ops).toEqual([{ cmd: 1, flags: 0x0a }]);
      expect([...f.groups.keys()]).toEqual(['DOC_EXMPL_GRP']);
      await close(fd);
    });
  });

  it('ECHO: a 52-byte greeting to the sender, then the text to the group, then the ACK', async () => {
    await proc(async () => {
      const fd = await genl_socket();
      const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
      const gid = f.groups.get('DOC_EXMPL_GRP')!;
      const listener = await genl_socket();
      await setsockopt(listener, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, gid);
      const me = (await getsockname(fd)).nl_pid;

      await sendto(
        fd,
        genlmsg({
          family: f.id,
          cmd: 1,
          seq: 5,
          flags: NLM_F_REQUEST | NLM_F_ACK,
          attrs: [nla(1, bytes('hi there', true))],
        }),
        0,
        KERNEL,
      );
      const buf = new Uint8Array(256);
      const reply = await recvfrom(fd, buf);
      expect(reply.n).toBe(52);
      expect([u32(buf, 0), u16(buf, 4), u16(buf, 6), u32(buf, 8), u32(buf, 12) | 0]).toEqual([52, f.id, 0, 5, me]);
      expect([...buf.subarray(16, 20)]).toEqual([1, 1, 0, 0]);
      expect([u16(buf, 20), u16(buf, 22)]).toEqual([31, 1]);
      expect(cstring(buf.subarray(24, 52))).toBe('Hello from kernel space!!!');
      const ack = await recvfrom(fd, buf);
      const [am] = parseNlmsgs(buf.subarray(0, ack.n));
      expect([am!.nlmsg_type, am!.nlmsg_seq, parseNlmsgerr(am!)!.error]).toEqual([NLMSG_ERROR, 5, 0]);

      const note = await recvfrom(listener, buf);
      expect(note.from).toEqual({ nl_family: AF_NETLINK, nl_pid: 0, nl_groups: gid <= 32 ? 2 ** (gid - 1) : 0 });
      const [nm] = parseNlmsgs(buf.subarray(0, note.n));
      const g = parseGenlmsg(nm!);
      expect([nm!.nlmsg_type, nm!.nlmsg_flags, nm!.nlmsg_seq, nm!.nlmsg_pid, g.cmd, g.version]).toEqual([
        f.id,
        0,
        0,
        0,
        1,
        1,
      ]);
      expect(cstring(g.attr.get(1)!.payload)).toBe('hi there');
      await close(listener);
      await close(fd);
    });
  });

  it('ECHO without the attribute: EINVAL, extack MISS_TYPE 1; without a NUL: EINVAL; unknown command: EOPNOTSUPP', async () => {
    await proc(async () => {
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      const f = await genl_ctrl_resolve(fd, 'DOC_EXMPL');
      const fail = (attrs: Uint8Array[], cmd = 1) =>
        genl_request(fd, { family: f.id, cmd, attrs }).then(
          () => {
            throw new Error('expected an error');
          },
          (e: unknown) => e as NetlinkError,
        );
      const missing = await fail([]);
      expect([missing.code, missing.extack.missType]).toEqual(['EINVAL', 1]);
      const nonul = await fail([nla(1, bytes('no nul'))]);
      expect(nonul.code).toBe('EINVAL');
      expect(nonul.extack.msg).toBe('Attribute failed policy validation');
      expect((await fail([], 2)).code).toBe('EOPNOTSUPP');
      expect(missing).toBeInstanceOf(ErrnoError);
      await close(fd);
    });
  });
});
