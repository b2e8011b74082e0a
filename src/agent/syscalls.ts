/**
 * The socket syscalls of `Backend` as agent requests and replies (PROTOCOL.md), written once for
 * every way of reaching an agent: a local agent process (bridge.ts), an agent in a VM on the host
 * (sandboxes/vm/backend.ts) and one reached through the relay from a browser
 * (src/runtime/vm/relay-kernel.ts). No Node APIs: it runs in a Web Worker too.
 */
import type {
  SockAddr,
  SockaddrNl,
  MsgHdrOut,
  MsgHdrIn,
  RecvFromResult,
  RecvMsgResult,
  SockoptRaw,
} from '../api/types.ts';
import type { Mapping, PollFd } from '../api/fs.ts';
import { ErrnoError } from '../api/errno.ts';
import { decodeCmsgs, encodeCmsgs, OP, Reader, Writer, type Response } from './protocol.ts';

/** The 12 bytes of a sockaddr_nl, or the caller's raw bytes as they are. */
export function addrBytes(a: SockAddr): Uint8Array {
  if (a instanceof Uint8Array) return a;
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint16(0, a.nl_family, true);
  v.setUint32(4, a.nl_pid >>> 0, true);
  v.setUint32(8, a.nl_groups >>> 0, true);
  return b;
}

/** A sockaddr_nl from the bytes the kernel wrote (missing bytes read as 0). */
export function parseAddr(b: Uint8Array): SockaddrNl {
  const full = new Uint8Array(12);
  full.set(b.subarray(0, 12));
  const v = new DataView(full.buffer);
  return { nl_family: v.getUint16(0, true), nl_pid: v.getInt32(4, true), nl_groups: v.getUint32(8, true) };
}

/** Room for control messages when recvmsg is given no msg_controllen: every cmsg netlink sends, as the simulator allows. */
const DEFAULT_CONTROLLEN = 4096;

/**
 * The socket syscalls, for a kernel whose `sys` runs one request in the calling process's agent
 * and rejects with ErrnoError when the syscall returned -1.
 */
export abstract class AgentSyscalls {
  /** Run a syscall in the calling process's agent. */
  protected abstract sys(syscall: string, op: number, args?: Writer): Promise<Response>;

  socket(domain: number, type: number, protocol: number): Promise<number> {
    return this.sys('socket', OP.SOCKET, new Writer().i32(domain).i32(type).i32(protocol)).then((r) => r.ret);
  }
  bind(fd: number, addr: SockAddr): Promise<number> {
    return this.sys('bind', OP.BIND, new Writer().i32(fd).addr(addrBytes(addr))).then((r) => r.ret);
  }
  connect(fd: number, addr: SockAddr): Promise<number> {
    return this.sys('connect', OP.CONNECT, new Writer().i32(fd).addr(addrBytes(addr))).then((r) => r.ret);
  }
  async getsockname(fd: number): Promise<SockaddrNl> {
    return parseAddr(new Reader((await this.sys('getsockname', OP.GETSOCKNAME, new Writer().i32(fd))).body).blob());
  }
  async getpeername(fd: number): Promise<SockaddrNl> {
    return parseAddr(new Reader((await this.sys('getpeername', OP.GETPEERNAME, new Writer().i32(fd))).body).blob());
  }
  sendto(fd: number, buf: Uint8Array, flags: number, addr?: SockAddr): Promise<number> {
    const w = new Writer()
      .i32(fd)
      .i32(flags)
      .addr(addr ? addrBytes(addr) : undefined)
      .blob(buf);
    return this.sys('sendto', OP.SENDTO, w).then((r) => r.ret);
  }
  sendmsg(fd: number, msg: MsgHdrOut, flags: number): Promise<number> {
    const w = new Writer()
      .i32(fd)
      .i32(flags)
      .addr(msg.msg_name ? addrBytes(msg.msg_name) : undefined)
      .u32(msg.msg_iov.length);
    for (const v of msg.msg_iov) w.blob(v);
    w.blob(encodeCmsgs(msg.msg_control ?? []));
    return this.sys('sendmsg', OP.SENDMSG, w).then((r) => r.ret);
  }
  async recvfrom(fd: number, buf: Uint8Array, flags: number): Promise<RecvFromResult> {
    const r = await this.sys('recvfrom', OP.RECVFROM, new Writer().i32(fd).i32(flags).u32(buf.length));
    const rd = new Reader(r.body);
    const from = parseAddr(rd.blob());
    buf.set(rd.blob().subarray(0, buf.length));
    return { n: r.ret, from };
  }
  async recvmsg(fd: number, msg: MsgHdrIn, flags: number): Promise<RecvMsgResult> {
    const w = new Writer().i32(fd).i32(flags).u32(msg.msg_iov.length);
    for (const v of msg.msg_iov) w.u32(v.length);
    w.u32(msg.msg_controllen ?? DEFAULT_CONTROLLEN);
    const r = await this.sys('recvmsg', OP.RECVMSG, w);
    const rd = new Reader(r.body);
    const msg_flags = rd.i32();
    const from = parseAddr(rd.blob());
    const control = decodeCmsgs(rd.blob());
    const data = rd.blob();
    let off = 0;
    for (const v of msg.msg_iov) {
      if (off >= data.length) break;
      const part = data.subarray(off, off + v.length);
      v.set(part);
      off += part.length;
    }
    return { n: r.ret, msg_flags, from, control };
  }
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): Promise<number> {
    return this.sys('setsockopt', OP.SETSOCKOPT, new Writer().i32(fd).i32(level).i32(name).blob(value)).then(
      (r) => r.ret,
    );
  }
  async getsockopt(fd: number, level: number, name: number, optlen: number): Promise<SockoptRaw> {
    const rd = new Reader(
      (await this.sys('getsockopt', OP.GETSOCKOPT, new Writer().i32(fd).i32(level).i32(name).u32(optlen))).body,
    );
    const len = rd.u32();
    return { optlen: len, bytes: rd.blob() };
  }
  async read(fd: number, buf: Uint8Array): Promise<number> {
    const r = await this.sys('read', OP.READ, new Writer().i32(fd).u32(buf.length));
    buf.set(new Reader(r.body).blob().subarray(0, buf.length));
    return r.ret;
  }
  write(fd: number, buf: Uint8Array): Promise<number> {
    return this.sys('write', OP.WRITE, new Writer().i32(fd).blob(buf)).then((r) => r.ret);
  }
  close(fd: number): Promise<number> {
    return this.sys('close', OP.CLOSE, new Writer().i32(fd)).then((r) => r.ret);
  }

  // ---- files (ops 21–29) ----------------------------------------------------------------------
  open(path: string, flags: number, mode: number): Promise<number> {
    return this.sys('open', OP.OPEN, new Writer().blob(new TextEncoder().encode(path)).i32(flags).i32(mode)).then(
      (r) => r.ret,
    );
  }
  async lseek(fd: number, offset: number, whence: number): Promise<number> {
    const r = await this.sys('lseek', OP.LSEEK, new Writer().i32(fd).u64(offset).i32(whence));
    return new Reader(r.body).i64();
  }
  async ioctl(fd: number, request: number, arg: number | Uint8Array): Promise<number> {
    const w = new Writer().i32(fd).u32(request);
    if (arg instanceof Uint8Array) w.u32(1).blob(arg);
    else w.u32(0).u64(arg);
    // The buffer comes back even when the call fails (a driver may have written part of it).
    const r = await this.sys('ioctl', OP.IOCTL, w);
    if (arg instanceof Uint8Array) arg.set(new Reader(r.body).blob().subarray(0, arg.length));
    return r.ret;
  }
  async mmap(fd: number, length: number, prot: number, flags: number, offset: number): Promise<Mapping> {
    const r = await this.sys('mmap', OP.MMAP, new Writer().i32(fd).u64(length).i32(prot).i32(flags).u64(offset));
    const addr = new Reader(r.body).u64();
    const sys = (name: string, op: number, args: Writer) => this.sys(name, op, args);
    return {
      addr,
      length,
      prot,
      async read(off = 0, n?: number): Promise<Uint8Array> {
        const count = n ?? length - off;
        if (off < 0 || count < 0) throw new ErrnoError('mapping read', 14);
        const res = await sys('mapping read', OP.MEMREAD, new Writer().u64(addr + off).u32(count));
        return new Reader(res.body).blob();
      },
      async write(off: number, bytes: Uint8Array): Promise<void> {
        if (off < 0) throw new ErrnoError('mapping write', 14);
        await sys('mapping write', OP.MEMWRITE, new Writer().u64(addr + off).blob(bytes));
      },
    };
  }
  munmap(m: Mapping): Promise<number> {
    return this.sys('munmap', OP.MUNMAP, new Writer().u64(m.addr).u64(m.length)).then((r) => r.ret);
  }
  async poll(fds: PollFd[], timeout: number): Promise<number> {
    const w = new Writer().u32(fds.length);
    for (const p of fds) w.i32(p.fd).i32(p.events);
    w.i32(timeout);
    const r = await this.sys('poll', OP.POLL, w);
    const rd = new Reader(r.body);
    for (const p of fds) p.revents = rd.i32();
    return r.ret;
  }
  mknod(path: string, mode: number, dev: number): Promise<number> {
    return this.sys('mknod', OP.MKNOD, new Writer().blob(new TextEncoder().encode(path)).u32(mode).u64(dev)).then(
      (r) => r.ret,
    );
  }
}
