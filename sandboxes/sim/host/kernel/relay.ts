/**
 * relay: a channel of per-CPU buffers, each n_subbufs sub-buffers of subbuf_size bytes, written by
 * the kernel (relay_write switches to the next sub-buffer when one is full, with the padding
 * recorded) and read through files the module creates (create_buf_file, usually in debugfs):
 * read() consumes whole sub-buffers as Linux's relay_file_read does, poll() is readable once a
 * sub-buffer is finished, mmap() maps the whole buffer. The simulator has one CPU (as the VM).
 *
 * Ref: kernel/relay.c
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { rchan, rchan_buf, rchan_callbacks, dentry, file_operations, Ptr } from '../../../../src/api/fs-kernel.ts';
import { PAGE_SIZE, WaitQueue, type Vfs } from '../fs/vfs.ts';

class Buf implements rchan_buf {
  start: Uint8Array;
  data = 0;
  offset = 0;
  subbufs_produced = 0;
  subbufs_consumed = 0;
  bytes_consumed = 0;
  prev_padding = 0;
  finalized = false;
  padding: number[];
  dentry?: dentry;
  readonly read_wait = new WaitQueue();
  constructor(
    readonly chan: Chan,
    readonly cpu: number,
    vfs: Vfs,
  ) {
    this.start = vfs.kzalloc(chan.alloc_size);
    this.padding = new Array<number>(chan.n_subbufs).fill(0);
  }
}

class Chan implements rchan {
  readonly alloc_size: number;
  bufs: Buf[] = [];
  last_toobig = 0;
  is_global: Ptr<number> = { value: 0 };
  constructor(
    readonly base_filename: string,
    readonly parent: dentry | null,
    readonly subbuf_size: number,
    readonly n_subbufs: number,
    readonly cb: rchan_callbacks,
    public private_data: unknown,
  ) {
    this.alloc_size = Math.ceil((subbuf_size * n_subbufs) / PAGE_SIZE) * PAGE_SIZE;
  }
}

export class Relay {
  readonly nr_cpus = 1;
  readonly fops: file_operations;

  constructor(
    readonly vfs: Vfs,
    private readonly wake: (q: WaitQueue) => void,
  ) {
    this.fops = {
      open: (inode, f) => {
        f.private_data = inode.i_private;
        f.f_mode &= ~(0x4 | 0x8 | 0x10); // nonseekable_open
        return 0;
      },
      read: (f, buf, count, ppos) => this.read(f.private_data as Buf, buf, count, ppos),
      poll: (f, wait) => {
        const b = f.private_data as Buf;
        if (b.finalized) return 0x8; // EPOLLERR
        let mask = 0;
        if (f.f_mode & 1) {
          this.vfs.poll_wait(f, b.read_wait, wait);
          if (b.subbufs_produced - b.subbufs_consumed) mask |= 0x1 | 0x40;
        }
        return mask;
      },
      mmap: (f, vma) => {
        const b = f.private_data as Buf;
        if (vma.vm_end - vma.vm_start !== b.chan.alloc_size) return -ERRNO.EINVAL;
        return this.vfs.remap_pfn_range(
          vma,
          vma.vm_start,
          this.vfs.virt_to_phys(b.start) / PAGE_SIZE,
          b.chan.alloc_size,
          vma.vm_page_prot,
        );
      },
      release: () => 0,
    };
  }

  private subbuf_start(buf: Buf, subbuf: number, prev: number | null, prev_padding: number): number {
    const cb = buf.chan.cb.subbuf_start;
    const ss = buf.chan.subbuf_size;
    if (!cb) return buf.subbufs_produced - buf.subbufs_consumed >= buf.chan.n_subbufs ? 0 : 1;
    try {
      return cb(
        buf,
        buf.start.subarray(subbuf, subbuf + ss),
        prev === null ? null : buf.start.subarray(prev, prev + ss),
        prev_padding,
      );
    } catch (e) {
      this.vfs.ctx.oops('relay subbuf_start', e);
      return 0;
    }
  }

  private reset(buf: Buf): void {
    buf.subbufs_produced = 0;
    buf.subbufs_consumed = 0;
    buf.bytes_consumed = 0;
    buf.finalized = false;
    buf.data = 0;
    buf.offset = 0;
    buf.padding.fill(0);
    this.subbuf_start(buf, buf.data, null, 0);
  }

  relay_open(
    base: string | null,
    parent: dentry | null,
    subbuf_size: number,
    n_subbufs: number,
    cb: rchan_callbacks,
    private_data: unknown,
  ): rchan | null {
    if (!(subbuf_size > 0 && n_subbufs > 0)) return null;
    if (subbuf_size > 0xffffffff / n_subbufs) return null;
    if (!cb || !cb.create_buf_file || !cb.remove_buf_file) return null;
    const chan = new Chan(base ?? '', parent, subbuf_size | 0, n_subbufs | 0, cb, private_data);
    for (let cpu = 0; cpu < this.nr_cpus; cpu++) {
      const buf = new Buf(chan, cpu, this.vfs);
      this.reset(buf);
      if (base !== null) {
        let d: dentry | null = null;
        try {
          d = cb.create_buf_file(`${base}${cpu}`, parent, 0o400, buf, chan.is_global);
        } catch (e) {
          this.vfs.ctx.oops('relay create_buf_file', e);
        }
        if (!d || (d as { err?: number }).err) return null;
        buf.dentry = d;
        d.d_inode.i_private = buf;
      }
      chan.bufs.push(buf);
      if (chan.is_global.value) break;
    }
    return chan;
  }

  /** Ref: kernel/relay.c:relay_switch_subbuf */
  private switch_subbuf(buf: Buf, length: number): number {
    const ss = buf.chan.subbuf_size;
    if (length > ss) {
      buf.chan.last_toobig = length;
      return 0;
    }
    if (buf.offset !== ss + 1) {
      buf.prev_padding = ss - buf.offset;
      const old = buf.subbufs_produced % buf.chan.n_subbufs;
      buf.padding[old] = buf.prev_padding;
      buf.subbufs_produced++;
      if (buf.dentry) buf.dentry.d_inode.i_size += ss - buf.padding[old]!;
      this.wake(buf.read_wait);
    }
    const old = buf.data;
    const next = (buf.subbufs_produced % buf.chan.n_subbufs) * ss;
    buf.offset = 0;
    if (!this.subbuf_start(buf, next, old, buf.prev_padding)) {
      buf.offset = ss + 1;
      return 0;
    }
    buf.data = next;
    buf.padding[buf.subbufs_produced % buf.chan.n_subbufs] = 0;
    if (length + buf.offset > ss) {
      buf.chan.last_toobig = length;
      return 0;
    }
    return length;
  }

  relay_write(chan: rchan, data: Uint8Array): void {
    const c = chan as Chan;
    const buf = c.bufs[0];
    if (!buf) return;
    let length = data.length;
    if (buf.offset + length > c.subbuf_size) length = this.switch_subbuf(buf, length);
    if (!length) return;
    buf.start.set(data.subarray(0, length), buf.data + buf.offset);
    buf.offset += length;
  }

  relay_flush(chan: rchan): void {
    for (const b of (chan as Chan).bufs) this.switch_subbuf(b, 0);
  }

  relay_reset(chan: rchan): void {
    for (const b of (chan as Chan).bufs) this.reset(b);
  }

  relay_close(chan: rchan): void {
    const c = chan as Chan;
    for (const b of c.bufs) {
      b.finalized = true;
      if (b.dentry) {
        try {
          c.cb.remove_buf_file(b.dentry);
        } catch (e) {
          this.vfs.ctx.oops('relay remove_buf_file', e);
        }
      }
      this.wake(b.read_wait);
    }
    if (c.last_toobig)
      this.vfs.ctx.printk(
        `\x014relay: one or more items not logged [item size (${c.last_toobig}) > sub-buffer size (${c.subbuf_size})]`,
      );
    c.bufs = [];
  }

  // ---- reading (relay_file_read and its helpers) -------------------------------------------------

  private subbufs_consumed(buf: Buf, n: number): void {
    if (n > buf.chan.n_subbufs) return;
    if (buf.subbufs_consumed + n > buf.subbufs_produced) buf.subbufs_consumed = buf.subbufs_produced;
    else buf.subbufs_consumed += n;
  }

  private read_consume(buf: Buf, read_pos: number, bytes: number): void {
    const ss = buf.chan.subbuf_size,
      n = buf.chan.n_subbufs;
    if (buf.subbufs_produced === buf.subbufs_consumed && buf.offset === buf.bytes_consumed) return;
    if (buf.bytes_consumed + bytes > ss) {
      this.subbufs_consumed(buf, 1);
      buf.bytes_consumed = 0;
    }
    buf.bytes_consumed += bytes;
    const read_subbuf = !read_pos ? buf.subbufs_consumed % n : Math.floor(read_pos / ss);
    if (buf.bytes_consumed + buf.padding[read_subbuf]! === ss) {
      if (read_subbuf === buf.subbufs_produced % n && buf.offset === ss) return;
      this.subbufs_consumed(buf, 1);
      buf.bytes_consumed = 0;
    }
  }

  private read_avail(buf: Buf): boolean {
    const ss = buf.chan.subbuf_size,
      n = buf.chan.n_subbufs;
    let produced = buf.subbufs_produced;
    this.read_consume(buf, 0, 0);
    let consumed = buf.subbufs_consumed;
    if (buf.offset > ss) return produced !== consumed;
    if (produced - consumed >= n) {
      consumed = produced - n + 1;
      buf.subbufs_consumed = consumed;
      buf.bytes_consumed = 0;
    }
    produced = (produced % n) * ss + buf.offset;
    consumed = (consumed % n) * ss + buf.bytes_consumed;
    if (consumed > produced) produced += n * ss;
    if (consumed === produced) return buf.offset === ss && buf.subbufs_produced > buf.subbufs_consumed;
    return true;
  }

  private subbuf_avail(read_pos: number, buf: Buf): number {
    const ss = buf.chan.subbuf_size;
    const write_subbuf = Math.floor(buf.data / ss);
    const write_offset = buf.offset > ss ? ss : buf.offset;
    const read_subbuf = Math.floor(read_pos / ss);
    const read_offset = read_pos % ss;
    const padding = buf.padding[read_subbuf]!;
    if (read_subbuf === write_subbuf)
      return read_offset + padding < write_offset ? write_offset - (read_offset + padding) : 0;
    return ss - padding - read_offset;
  }

  private start_pos(buf: Buf): number {
    const ss = buf.chan.subbuf_size,
      n = buf.chan.n_subbufs;
    const consumed = buf.subbufs_consumed % n;
    let read_pos = (consumed * ss + buf.bytes_consumed) % (n * ss);
    let read_subbuf = Math.floor(read_pos / ss);
    const padding = buf.padding[read_subbuf]!;
    const padding_start = (read_subbuf + 1) * ss - padding;
    const padding_end = (read_subbuf + 1) * ss;
    if (read_pos >= padding_start && read_pos < padding_end) {
      read_subbuf = (read_subbuf + 1) % n;
      read_pos = read_subbuf * ss;
    }
    return read_pos;
  }

  private end_pos(buf: Buf, read_pos: number, count: number): number {
    const ss = buf.chan.subbuf_size,
      n = buf.chan.n_subbufs;
    const read_subbuf = Math.floor(read_pos / ss);
    const padding = buf.padding[read_subbuf]!;
    let end = (read_pos % ss) + count + padding === ss ? (read_subbuf + 1) * ss : read_pos + count;
    if (end >= ss * n) end = 0;
    return end;
  }

  /** Ref: kernel/relay.c:relay_file_read */
  private read(buf: Buf, ubuf: number, count: number, ppos: Ptr<number>): number {
    if (!count) return 0;
    let written = 0;
    do {
      if (!this.read_avail(buf)) break;
      const read_start = this.start_pos(buf);
      let avail = this.subbuf_avail(read_start, buf);
      if (!avail) break;
      avail = Math.min(count, avail);
      if (this.vfs.copy_to_user(ubuf, buf.start.subarray(read_start, read_start + avail), avail)) break;
      ubuf += avail;
      written += avail;
      count -= avail;
      this.read_consume(buf, read_start, avail);
      ppos.value = this.end_pos(buf, read_start, avail);
    } while (count);
    return written;
  }
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(Buf.prototype);
Object.freeze(Chan.prototype);
