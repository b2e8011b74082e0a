/**
 * seq_file: files made of records, read through a one-page buffer that start/next/stop/show fill.
 * seq_read is Linux's seq_read_iter: a read at offset 0 restarts the iterator, leftover bytes are
 * handed out first, a record that does not fit doubles the buffer and is shown again, and a read
 * at an offset the file was not left at replays the records up to it (traverse).
 *
 * Ref: fs/seq_file.c
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import {
  SEQ_START_TOKEN,
  type file,
  type inode,
  type seq_file,
  type seq_operations,
  type Ptr,
  type user_ptr,
} from '../../../../src/api/fs-kernel.ts';
import type { Vfs } from './vfs.ts';

const PAGE_SIZE = 4096;
const utf8 = new TextEncoder();

/** struct seq_file. */
export class SeqFile implements seq_file {
  buf: Uint8Array | null = null;
  size = 0;
  from = 0;
  count = 0;
  pad_until = 0;
  index = 0;
  read_pos = 0;
  private: unknown = undefined;
  constructor(
    readonly op: seq_operations,
    readonly file: file,
  ) {}
}

const isErr = (p: unknown): boolean => typeof p === 'number' && p < 0 && p >= -4095;

function seq_set_overflow(m: SeqFile): void {
  m.count = m.size;
}

export function seq_has_overflowed(m: seq_file): boolean {
  return (m as SeqFile).count === (m as SeqFile).size;
}

/** seq_write: all of `data` or overflow. */
export function seq_write(m: seq_file, data: Uint8Array): void {
  const s = m as SeqFile;
  if (s.buf && s.count + data.length < s.size) {
    s.buf.set(data, s.count);
    s.count += data.length;
    return;
  }
  seq_set_overflow(s);
}

/** seq_puts. */
export function seq_puts(m: seq_file, str: string): void {
  seq_write(m, utf8.encode(str));
}

/** seq_putc: drops the character when the buffer is full (no overflow), as Linux's does. */
export function seq_putc(m: seq_file, c: string): void {
  const s = m as SeqFile;
  if (!s.buf || s.count >= s.size - 1) return;
  s.buf[s.count++] = utf8.encode(c)[0] ?? 0;
}

/** The operations of one seq_file, run as module code (a throw is an oops). */
class Ops {
  constructor(
    readonly vfs: Vfs,
    readonly m: SeqFile,
    readonly where: string,
  ) {}
  private guard<T>(what: string, fn: () => T, dflt: T): T {
    try {
      return fn();
    } catch (e) {
      this.vfs.ctx.oops(`${this.where}: ${what}`, e);
      return dflt;
    }
  }
  start(pos: Ptr<number>): unknown {
    return this.guard('start', () => this.m.op.start(this.m, pos), -ERRNO.EFAULT);
  }
  next(v: unknown, pos: Ptr<number>): unknown {
    return this.guard('next', () => this.m.op.next(this.m, v, pos), null);
  }
  stop(v: unknown): void {
    this.guard(
      'stop',
      () => {
        this.m.op.stop(this.m, v);
      },
      undefined,
    );
  }
  show(v: unknown): number {
    return this.guard('show', () => this.m.op.show(this.m, v) | 0, -ERRNO.EFAULT);
  }
}

function alloc(m: SeqFile, size: number): void {
  m.size = size;
  m.buf = new Uint8Array(size);
}

/** Ref: fs/seq_file.c:traverse */
function traverse(ops: Ops, m: SeqFile, offset: number): number {
  let pos = 0;
  let error = 0;
  m.index = 0;
  m.count = m.from = 0;
  if (!offset) return 0;
  if (!m.buf) alloc(m, PAGE_SIZE);
  const idx: Ptr<number> = { value: m.index };
  let p = ops.start(idx);
  m.index = idx.value;
  while (p !== null && p !== undefined) {
    if (isErr(p)) {
      error = p as number;
      break;
    }
    error = ops.show(p);
    if (error < 0) break;
    if (error) {
      error = 0;
      m.count = 0;
    }
    if (seq_has_overflowed(m)) {
      ops.stop(p);
      m.count = 0;
      alloc(m, m.size * 2);
      return -ERRNO.EAGAIN;
    }
    idx.value = m.index;
    p = ops.next(p, idx);
    m.index = idx.value;
    if (pos + m.count > offset) {
      m.from = offset - pos;
      m.count -= m.from;
      break;
    }
    pos += m.count;
    m.count = 0;
    if (pos === offset) break;
  }
  ops.stop(p);
  return error;
}

/** The seq_file behind a file opened with seq_open. */
export function seqOf(f: file): SeqFile {
  return f.private_data as SeqFile;
}

/** seq_open: file->private_data becomes the seq_file. */
export function seq_open(f: file, op: seq_operations): number {
  if (f.private_data instanceof SeqFile) return -ERRNO.EBUSY; // WARN_ON(file->private_data) in Linux
  f.private_data = new SeqFile(op, f);
  // seq_file does not support pwrite; FMODE_PWRITE is cleared.
  f.f_mode &= ~0x10;
  return 0;
}

/** Ref: fs/seq_file.c:seq_read_iter */
export function seq_read(
  vfs: Vfs,
  f: file,
  buf: user_ptr,
  size: number,
  ppos: Ptr<number>,
  where = 'seq_file',
): number {
  const m = seqOf(f);
  if (!(m instanceof SeqFile)) return -ERRNO.EINVAL;
  const ops = new Ops(vfs, m, where);
  let copied = 0;
  let err = 0;
  let done = false;
  if (!size) return 0;
  let out = buf;
  const copy = (from: Uint8Array): number => {
    const n = Math.min(from.length, size - copied);
    const left = vfs.copy_to_user(out, from.subarray(0, n), n);
    const k = n - left;
    out += k;
    return k;
  };
  if (ppos.value === 0) {
    m.index = 0;
    m.count = 0;
  }
  if (ppos.value !== m.read_pos) {
    while ((err = traverse(ops, m, ppos.value)) === -ERRNO.EAGAIN);
    if (err) {
      m.read_pos = 0;
      m.index = 0;
      m.count = 0;
      done = true;
    } else m.read_pos = ppos.value;
  }
  if (!done) {
    if (!m.buf) alloc(m, PAGE_SIZE);
    let fill = false;
    if (m.count) {
      const n = copy(m.buf!.subarray(m.from, m.from + m.count));
      m.count -= n;
      m.from += n;
      copied += n;
      if (m.count) done = true;
    }
    let p: unknown = null;
    if (!done) {
      m.from = 0;
      const idx: Ptr<number> = { value: m.index };
      p = ops.start(idx);
      m.index = idx.value;
      for (;;) {
        err = isErr(p) ? (p as number) : 0;
        if (p === null || p === undefined || isErr(p)) break;
        err = ops.show(p);
        if (err < 0) break;
        if (err) m.count = 0;
        if (!m.count) {
          idx.value = m.index;
          p = ops.next(p, idx);
          m.index = idx.value;
          continue;
        }
        if (!seq_has_overflowed(m)) {
          fill = true;
          break;
        }
        ops.stop(p);
        m.count = 0;
        alloc(m, m.size * 2);
        idx.value = m.index;
        p = ops.start(idx);
        m.index = idx.value;
      }
      if (!fill) {
        ops.stop(p);
        m.count = 0;
      } else {
        for (;;) {
          const offs = m.count;
          const pos = m.index;
          idx.value = m.index;
          p = ops.next(p, idx);
          m.index = idx.value;
          if (pos === m.index) {
            vfs.ctx.printk(`\x016buggy .next function ${m.op.next.name || 'next'} did not update position index`);
            m.index++;
          }
          if (p === null || p === undefined || isErr(p)) break;
          if (m.count >= size - copied) break;
          err = ops.show(p);
          if (err > 0) m.count = offs;
          else if (err || seq_has_overflowed(m)) {
            m.count = offs;
            break;
          }
        }
        ops.stop(p);
        const n = copy(m.buf!.subarray(0, m.count));
        copied += n;
        m.count -= n;
        m.from = n;
      }
    }
  }
  if (!copied) return m.count ? -ERRNO.EFAULT : err;
  ppos.value += copied;
  m.read_pos += copied;
  return copied;
}

/** Ref: fs/seq_file.c:seq_lseek */
export function seq_lseek(vfs: Vfs, f: file, offset: number, whence: number): number {
  const m = seqOf(f);
  let retval = -ERRNO.EINVAL;
  switch (whence) {
    // biome-ignore lint/suspicious/noFallthroughSwitchClause: SEEK_CUR falls through to SEEK_SET, as in seq_lseek.
    case 1:
      offset += f.f_pos; // SEEK_CUR, then as SEEK_SET
    // falls through
    case 0:
      if (offset < 0) break;
      retval = offset;
      if (offset !== m.read_pos) {
        const ops = new Ops(vfs, m, 'seq_lseek');
        while ((retval = traverse(ops, m, offset)) === -ERRNO.EAGAIN);
        if (retval) {
          f.f_pos = 0;
          m.read_pos = 0;
          m.index = 0;
          m.count = 0;
        } else {
          m.read_pos = offset;
          retval = f.f_pos = offset;
        }
      } else f.f_pos = offset;
  }
  return retval;
}

export function seq_release(_inode: inode, f: file): number {
  f.private_data = undefined;
  return 0;
}

/** single_open: one record, shown by `show`. */
export function single_open(f: file, show: (m: seq_file, v: unknown) => number, data?: unknown): number {
  const op: seq_operations = {
    start: (_m, pos) => (pos.value ? null : SEQ_START_TOKEN),
    next: (_m, _v, pos) => {
      ++pos.value;
      return null;
    },
    stop: () => {},
    show,
  };
  const r = seq_open(f, op);
  if (!r) seqOf(f).private = data;
  return r;
}

export function single_release(inode: inode, f: file): number {
  return seq_release(inode, f);
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(SeqFile.prototype);
