import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, AgentProtocolError, ForkServer } from './agent-process.ts';
import { buildReal, AGENT } from './build.mjs';
import { encodeRequest, OP, Reader, ST_BADREQ, ST_OK, Writer } from '../../src/agent/protocol.ts';

const agents: Agent[] = [];
const start = async (args = ['--unshare']) => {
  const a = await Agent.start({ binary: AGENT, args });
  agents.push(a);
  return a;
};
const text = (b: Uint8Array) => new TextDecoder().decode(b);

beforeAll(() => {
  buildReal();
});
afterEach(async () => {
  for (const a of agents.splice(0)) {
    a.kill();
    await a.exited;
  }
}, 10_000);

describe('agent protocol', () => {
  it('says hello with its pid, uid and protocol version', async () => {
    const a = await start();
    expect(a.hello.pid).toBe(a.child!.pid);
    expect(a.hello.uid).toBe(0);
    expect(a.hello.version).toBe(1);
    expect((await a.call(OP.GETPID)).ret).toBe(a.child!.pid);
  });

  it('performs a syscall and reports errno exactly', async () => {
    const a = await start();
    const ok = await a.call(OP.SOCKET, new Writer().i32(16).i32(3).i32(0).bytes());
    expect([ok.ret, ok.errno]).toEqual([3, 0]);
    const bad = await a.call(OP.SOCKET, new Writer().i32(16).i32(1).i32(0).bytes());
    expect([bad.ret, bad.errno]).toEqual([-1, 94]); // ESOCKTNOSUPPORT
    const name = await a.call(OP.GETSOCKNAME, new Writer().i32(3).bytes());
    expect(Array.from(new Reader(name.body).blob())).toEqual([16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const closed = await a.call(OP.GETSOCKNAME, new Writer().i32(99).bytes());
    expect([closed.ret, closed.errno]).toEqual([-1, 9]); // EBADF
  });

  it('passes short and foreign addresses through with their length', async () => {
    const a = await start();
    await a.call(OP.SOCKET, new Writer().i32(16).i32(3).i32(0).bytes());
    const short = await a.call(
      OP.BIND,
      new Writer()
        .i32(3)
        .blob(new Uint8Array([16, 0, 0, 0, 1, 0, 0, 0]))
        .bytes(),
    );
    expect([short.ret, short.errno]).toEqual([-1, 22]);
    const nullAddr = await a.call(OP.CONNECT, new Writer().i32(3).addr(undefined).bytes());
    expect(nullAddr.ret).toBe(-1);
  });

  it('does the file syscalls: open, read, lseek, ioctl with a guard-paged buffer, mmap, poll, mknod', async () => {
    const a = await start();
    const path = new TextEncoder().encode('/proc/sys/net/core/somaxconn');
    const fd = await a.call(OP.OPEN, new Writer().blob(path).i32(0).i32(0).bytes());
    expect([fd.ret, fd.errno]).toEqual([3, 0]);
    const rd = await a.call(OP.READ, new Writer().i32(3).u32(16).bytes());
    expect(text(new Reader(rd.body).blob())).toBe('4096\n');
    const ls = await a.call(OP.LSEEK, new Writer().i32(3).u64(0).i32(0).bytes());
    expect([ls.ret, new Reader(ls.body).i64()]).toEqual([0, 0]);
    const bad = await a.call(OP.LSEEK, new Writer().i32(3).u64(-1).i32(0).bytes());
    expect([bad.ret, bad.errno]).toEqual([-1, 22]);
    // An unknown ioctl on a sysctl: ENOTTY; the buffer comes back.
    const io = await a.call(
      OP.IOCTL,
      new Writer()
        .i32(3)
        .u32(0x80047a01)
        .u32(1)
        .blob(new Uint8Array([1, 2, 3, 4]))
        .bytes(),
    );
    expect([io.ret, io.errno, Array.from(new Reader(io.body).blob())]).toEqual([-1, 25, [1, 2, 3, 4]]);
    const mm = await a.call(OP.MMAP, new Writer().i32(3).u64(4096).i32(1).i32(1).u64(0).bytes());
    expect([mm.ret, mm.errno]).toEqual([-1, 19]); // ENODEV
    const mr = await a.call(OP.MEMREAD, new Writer().u64(0x1000).u32(4).bytes());
    expect([mr.ret, mr.errno]).toEqual([-1, 14]); // not a mapping of ours: EFAULT
    const pl = await a.call(OP.POLL, new Writer().u32(2).i32(3).i32(1).i32(99).i32(1).i32(0).bytes());
    const rv = new Reader(pl.body);
    expect([pl.ret, rv.i32(), rv.i32()]).toEqual([2, 0x1, 0x20]); // POLLIN (what was asked), POLLNVAL
    const mk = await a.call(
      OP.MKNOD,
      new Writer().blob(new TextEncoder().encode('/proc/x')).u32(0o20600).u64(0).bytes(),
    );
    expect(mk.ret).toBe(-1);
    expect((await a.call(OP.CLOSE, new Writer().i32(3).bytes())).ret).toBe(0);
  });

  it('answers an unknown op with an error and keeps serving', async () => {
    const a = await start();
    await expect(a.call(200)).rejects.toThrow(/unknown op 200/);
    expect((await a.call(OP.HELLO)).status).toBe(ST_OK);
  });

  it('answers every truncated request with an error instead of reading past it', async () => {
    const a = await start();
    const full: Record<number, Uint8Array> = {
      [OP.SOCKET]: new Writer().i32(16).i32(3).i32(0).bytes(),
      [OP.BIND]: new Writer().i32(3).blob(new Uint8Array(12)).bytes(),
      [OP.SENDTO]: new Writer().i32(3).i32(0).blob(new Uint8Array(12)).blob(new Uint8Array(16)).bytes(),
      [OP.SENDMSG]: new Writer()
        .i32(3)
        .i32(0)
        .addr(undefined)
        .u32(2)
        .blob(new Uint8Array(4))
        .blob(new Uint8Array(4))
        .blob(new Uint8Array(0))
        .bytes(),
      [OP.RECVMSG]: new Writer().i32(3).i32(0x40).u32(2).u32(8).u32(8).u32(64).bytes(),
      [OP.SETSOCKOPT]: new Writer().i32(3).i32(270).i32(3).blob(new Uint8Array(4)).bytes(),
      [OP.GETSOCKOPT]: new Writer().i32(3).i32(270).i32(3).u32(4).bytes(),
      [OP.READFILE]: new Writer().blob(new TextEncoder().encode('/proc/net/netlink')).bytes(),
    };
    for (const [op, body] of Object.entries(full)) {
      for (let cut = 0; cut < body.length; cut++) {
        await expect(a.call(Number(op), body.subarray(0, cut)), `op ${op} cut at ${cut}`).rejects.toBeInstanceOf(
          AgentProtocolError,
        );
      }
    }
    expect((await a.call(OP.HELLO)).status).toBe(ST_OK);
  });

  it('refuses trailing bytes, too many iovecs and oversized addresses', async () => {
    const a = await start();
    await expect(a.call(OP.CLOSE, new Writer().i32(3).i32(0).bytes())).rejects.toThrow(/unexpected bytes/);
    const iov = new Writer().i32(3).i32(0).u32(65);
    for (let i = 0; i < 65; i++) iov.u32(1);
    await expect(a.call(OP.RECVMSG, iov.u32(0).bytes())).rejects.toThrow(/more than 64 iovecs/);
    await expect(a.call(OP.BIND, new Writer().i32(3).blob(new Uint8Array(129)).bytes())).rejects.toThrow(
      /longer than 128/,
    );
    await expect(a.call(OP.RECVFROM, new Writer().i32(3).i32(0).u32(0x7fffffff).bytes())).rejects.toThrow(/16 MiB/);
  });

  it('survives frame lengths shorter than the header and longer than the limit', async () => {
    const a = await start();
    const tiny = new Uint8Array(4);
    new DataView(tiny.buffer).setUint32(0, 5, true);
    const answer = a.expect(0);
    a.writeRaw(tiny);
    const r = await answer;
    expect(r.status).toBe(ST_BADREQ);
    expect(text(r.body)).toMatch(/shorter than the 12-byte header/);

    const huge = encodeRequest(777, OP.HELLO, new Uint8Array((16 << 20) + 1));
    const refused = a.expect(777);
    a.writeRaw(huge);
    expect(text((await refused).body)).toMatch(/larger than 16 MiB/);
    expect((await a.call(OP.HELLO)).status).toBe(ST_OK);
  });

  it('answers 500 random requests (seeded) with a result or an error, and keeps serving', async () => {
    const a = await start();
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    // Ops that would touch the agent's own channel (read/write/close of fds 0-2), block, fork or exit are left out.
    const ops = [
      0,
      OP.HELLO,
      OP.SOCKET,
      OP.BIND,
      OP.CONNECT,
      OP.GETSOCKNAME,
      OP.GETPEERNAME,
      OP.SENDTO,
      OP.SENDMSG,
      OP.SETSOCKOPT,
      OP.GETSOCKOPT,
      OP.GETPID,
      OP.GETUID,
      21,
      99,
      65535,
    ];
    let ok = 0;
    let refused = 0;
    for (let i = 0; i < 500; i++) {
      let body: Uint8Array;
      if (rand(2)) {
        // Small integers: often a well-formed argument list (fds, flags, short lengths).
        const w = new Writer();
        for (let k = rand(7); k > 0; k--) w.u32(rand(17));
        body = w.bytes();
      } else {
        body = new Uint8Array(rand(48));
        for (let j = 0; j < body.length; j++) body[j] = rand(256);
      }
      try {
        await a.call(ops[rand(ops.length)]!, body);
        ok++;
      } catch (e) {
        expect(e).toBeInstanceOf(AgentProtocolError);
        refused++;
      }
    }
    // The seed is fixed: these counts only change with the agent's parsing.
    expect(ok).toBeGreaterThanOrEqual(5);
    expect(refused).toBeGreaterThanOrEqual(400);
    expect((await a.call(OP.HELLO)).status).toBe(ST_OK);
  });

  it('pipelines requests and answers them in order', async () => {
    const a = await start();
    const rs = await Promise.all([1, 2, 3].map(() => a.call(OP.SOCKET, new Writer().i32(16).i32(3).i32(16).bytes())));
    expect(rs.map((r) => r.ret)).toEqual([3, 4, 5]);
  });

  it("forks a child that keeps the parent's descriptors and serves over a unix socket", async () => {
    const a = await start();
    const server = new ForkServer();
    try {
      await server.listening();
      const fd = (await a.call(OP.SOCKET, new Writer().i32(16).i32(3).i32(2).bytes())).ret;
      await a.call(
        OP.BIND,
        new Writer()
          .i32(fd)
          .blob(new Uint8Array([16, 0, 0, 0, 0x39, 0x30, 0, 0, 0, 0, 0, 0]))
          .bytes(),
      );
      const enc = new TextEncoder();
      const r = await a.call(OP.FORK, new Writer().blob(enc.encode(server.path)).blob(enc.encode('child')).bytes());
      expect(r.ret).toBeGreaterThan(a.hello.pid);
      const child = await server.take(r.ret);
      agents.push(child);
      expect(child.hello.pid).toBe(r.ret);
      const name = await child.call(OP.GETSOCKNAME, new Writer().i32(fd).bytes());
      expect(new DataView(new Reader(name.body).blob().buffer).getUint32(4, true)).toBe(12345);
      expect(
        text(
          new Reader(
            (await child.call(OP.READFILE, new Writer().blob(enc.encode('/proc/self/comm')).bytes())).body,
          ).blob(),
        ),
      ).toBe('child\n');
      await expect(
        a.call(OP.FORK, new Writer().blob(new Uint8Array(200)).blob(new Uint8Array(0)).bytes()),
      ).rejects.toThrow(/longer than 107/);
      await expect(
        a.call(OP.FORK, new Writer().blob(enc.encode('/dev/x\0y')).blob(new Uint8Array(0)).bytes()),
      ).rejects.toThrow(/contains a NUL byte/);
    } finally {
      server.close();
    }
  });

  it('exits with the status it is asked for', async () => {
    const a = await start();
    await a.exit(7);
    expect(await a.exited).toBe(7);
  });

  it('reports a setup failure on stderr', async () => {
    await expect(start(['--join', '999999999'])).rejects.toThrow(
      /agent: \/proc\/999999999\/ns\/user: No such file or directory/,
    );
  });
});
