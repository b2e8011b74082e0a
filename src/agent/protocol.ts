/**
 * The agent's wire format (PROTOCOL.md), from the TypeScript side: building requests, splitting a
 * byte stream into responses, and decoding each op's output. No I/O here, so a VM relay can reuse it
 * over any byte stream.
 */

/** Request and response ops, as agent.c numbers them. */
export const OP = {
  HELLO: 1,
  SOCKET: 2,
  BIND: 3,
  CONNECT: 4,
  GETSOCKNAME: 5,
  GETPEERNAME: 6,
  SENDTO: 7,
  SENDMSG: 8,
  RECVFROM: 9,
  RECVMSG: 10,
  SETSOCKOPT: 11,
  GETSOCKOPT: 12,
  READ: 13,
  WRITE: 14,
  CLOSE: 15,
  READFILE: 16,
  EXIT: 17,
  GETPID: 18,
  GETUID: 19,
  FORK: 20,
  OPEN: 21,
  LSEEK: 22,
  IOCTL: 23,
  MMAP: 24,
  MUNMAP: 25,
  MEMREAD: 26,
  MEMWRITE: 27,
  POLL: 28,
  MKNOD: 29,
} as const;

/** Header bytes of every frame: u32 len, u32 tag, u16 op, u16 status. */
export const HDR_LEN = 12;
/** Response status: the syscall ran (ret and errno follow). */
export const ST_OK = 0;
/** Response status: the request could not be parsed (a message follows). */
export const ST_BADREQ = 1;
/** An address length meaning "pass a NULL address". */
export const NO_ADDR = 0xffffffff;

/** Builds the argument list of a request, little-endian. */
export class Writer {
  private parts: Uint8Array[] = [];
  private n = 0;
  u32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, true);
    return this.raw(b);
  }
  i32(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v | 0, true);
    return this.raw(b);
  }
  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.n += b.length;
    return this;
  }
  /** A 64-bit value (a JavaScript number up to 2^53, or negative for an offset). */
  u64(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, BigInt(Math.trunc(v)), true);
    return this.raw(b);
  }
  /** u32 length, then the bytes. */
  blob(b: Uint8Array): this {
    return this.u32(b.length).raw(b);
  }
  /** An address (u32 len + bytes), or NO_ADDR for NULL. */
  addr(b: Uint8Array | undefined): this {
    return b ? this.blob(b) : this.u32(NO_ADDR);
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.n);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** A request frame: header then arguments. */
export function encodeRequest(tag: number, op: number, args: Uint8Array = new Uint8Array(0)): Uint8Array {
  const out = new Uint8Array(HDR_LEN + args.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint32(4, tag >>> 0, true);
  v.setUint16(8, op, true);
  v.setUint16(10, 0, true);
  out.set(args, HDR_LEN);
  return out;
}

/** A decoded response frame. */
export interface Response {
  tag: number;
  op: number;
  status: number;
  /** ST_OK: the syscall's return value (-1 on failure). */
  ret: number;
  /** ST_OK: errno (0 on success). */
  errno: number;
  /** ST_OK: the op's output; ST_BADREQ: the agent's message as UTF-8. */
  body: Uint8Array;
}

/** Splits a byte stream into response frames, however the chunks arrive. */
export class FrameSplitter {
  private buf = new Uint8Array(0);
  /** Add bytes; returns the responses completed by them. */
  push(chunk: Uint8Array): Response[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf);
    joined.set(chunk, this.buf.length);
    const out: Response[] = [];
    let off = 0;
    while (joined.length - off >= HDR_LEN) {
      const v = new DataView(joined.buffer, joined.byteOffset + off);
      const len = v.getUint32(0, true);
      if (len < HDR_LEN) throw new Error(`agent protocol: response frame length ${len} is shorter than the header`);
      if (joined.length - off < len) break;
      const status = v.getUint16(10, true);
      const frame = joined.subarray(off, off + len);
      const ok = status === ST_OK && len >= HDR_LEN + 8;
      out.push({
        tag: v.getUint32(4, true),
        op: v.getUint16(8, true),
        status,
        ret: ok ? v.getInt32(12, true) : -1,
        errno: ok ? v.getInt32(16, true) : 0,
        body: frame.slice(ok ? HDR_LEN + 8 : HDR_LEN),
      });
      off += len;
    }
    this.buf = joined.slice(off);
    return out;
  }
}

/** Reads an op's output, checking every length against what is there. */
export class Reader {
  private off = 0;
  private readonly v: DataView;
  constructor(private readonly b: Uint8Array) {
    this.v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  private need(n: number): void {
    if (this.off + n > this.b.length)
      throw new Error(`agent protocol: response too short (need ${n} bytes at offset ${this.off} of ${this.b.length})`);
  }
  u32(): number {
    this.need(4);
    const x = this.v.getUint32(this.off, true);
    this.off += 4;
    return x;
  }
  i32(): number {
    this.need(4);
    const x = this.v.getInt32(this.off, true);
    this.off += 4;
    return x;
  }
  i64(): number {
    this.need(8);
    const x = Number(this.v.getBigInt64(this.off, true));
    this.off += 8;
    return x;
  }
  u64(): number {
    this.need(8);
    const x = Number(this.v.getBigUint64(this.off, true));
    this.off += 8;
    return x;
  }
  blob(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const x = this.b.slice(this.off, this.off + n);
    this.off += n;
    return x;
  }
}

// x86-64 struct cmsghdr: size_t cmsg_len, int cmsg_level, int cmsg_type, then data aligned to 8.
const CMSG_HDR = 16;
const cmsgAlign = (n: number) => (n + 7) & ~7;

/** A control message buffer (what msg_control points to) from cmsgs. */
export function encodeCmsgs(cmsgs: { cmsg_level: number; cmsg_type: number; data: Uint8Array }[]): Uint8Array {
  const total = cmsgs.reduce((s, c) => s + cmsgAlign(CMSG_HDR + c.data.length), 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  let off = 0;
  for (const c of cmsgs) {
    v.setBigUint64(off, BigInt(CMSG_HDR + c.data.length), true);
    v.setInt32(off + 8, c.cmsg_level, true);
    v.setInt32(off + 12, c.cmsg_type, true);
    out.set(c.data, off + CMSG_HDR);
    off += cmsgAlign(CMSG_HDR + c.data.length);
  }
  return out;
}

/** The cmsgs of a control buffer the kernel filled (CMSG_FIRSTHDR / CMSG_NXTHDR). */
export function decodeCmsgs(buf: Uint8Array): { cmsg_level: number; cmsg_type: number; data: Uint8Array }[] {
  const out = [];
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  while (buf.length - off >= CMSG_HDR) {
    const len = Number(v.getBigUint64(off, true));
    if (len < CMSG_HDR || len > buf.length - off) break;
    out.push({
      cmsg_level: v.getInt32(off + 8, true),
      cmsg_type: v.getInt32(off + 12, true),
      data: buf.slice(off + CMSG_HDR, off + len),
    });
    off += cmsgAlign(len);
  }
  return out;
}
