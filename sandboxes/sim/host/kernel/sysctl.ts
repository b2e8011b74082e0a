/**
 * sysctl: register_sysctl, /proc/sys, and the proc_do* handlers with Linux's parsing and offset
 * rules: a read at a non-zero offset gives nothing (the value is produced whole at offset 0), a
 * write at a non-zero offset is ignored but reported as written (sysctl_writes_strict = 1), leading
 * whitespace is skipped, a '-' sign and base prefixes (0x, 0) are accepted, a number of 21+
 * characters or one followed by anything but whitespace is EINVAL, and out-of-range values of the
 * _minmax handlers are EINVAL.
 *
 * Ref: kernel/sysctl.c, fs/proc/proc_sysctl.c
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { ctl_table, ctl_table_header, proc_handler, Ptr } from '../../../../src/api/fs-kernel.ts';
import { type Dentry, Inode, S_IFREG, type Vfs } from '../fs/vfs.ts';
import { default_llseek } from '../fs/proc/generic.ts';

const PAGE_SIZE = 4096;
const TMPBUFLEN = 22;
const INT_MAX = 0x7fffffff;
const UINT_MAX = 0xffffffff;
const isspace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const enc = new TextEncoder();

/** A kernel buffer being parsed or filled by a handler (buffer, position, bytes left). */
class Cursor {
  constructor(
    public buf: Uint8Array,
    public p: number,
    public left: number,
  ) {}
}

function proc_skip_spaces(c: Cursor): void {
  while (c.left && isspace(c.buf[c.p]!)) {
    c.p++;
    c.left--;
  }
}

/** _parse_integer_fixup_radix + _parse_integer: [value, characters used, overflow]. */
function parseUnsigned(s: string, base: number): [bigint, number, boolean] {
  let i = 0;
  if (base === 0) {
    if (s[0] === '0') base = (s[1] === 'x' || s[1] === 'X') && /[0-9a-fA-F]/.test(s[2] ?? '') ? 16 : 8;
    else base = 10;
  }
  if (base === 16 && s[0] === '0' && (s[1] === 'x' || s[1] === 'X')) i = 2;
  let v = 0n;
  let overflow = false;
  const start = i;
  for (; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    let d: number;
    if (ch >= 48 && ch <= 57) d = ch - 48;
    else if ((ch | 0x20) >= 97 && (ch | 0x20) <= 102) d = (ch | 0x20) - 87;
    else break;
    if (d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    if (v > 0xffffffffffffffffn) overflow = true;
  }
  return [v, i - start + (start === 2 ? 2 : 0), overflow];
}

/** proc_get_long: [err, value, negative, terminator]. */
function proc_get_long(c: Cursor, perm_tr: number[]): { err: number; val: bigint; neg: boolean; tr: number } {
  const out = { err: -ERRNO.EINVAL, val: 0n, neg: false, tr: 0 };
  let len = c.left;
  if (len <= 0) return out;
  if (len > TMPBUFLEN - 1) len = TMPBUFLEN - 1;
  let tmp = '';
  for (let i = 0; i < len; i++) {
    const b = c.buf[c.p + i]!;
    if (b === 0) break;
    tmp += String.fromCharCode(b);
  }
  let p = 0;
  if (tmp[0] === '-' && c.left > 1) {
    out.neg = true;
    p = 1;
  }
  if (!/[0-9]/.test(tmp[p] ?? '')) return out;
  const [v, used, overflow] = parseUnsigned(tmp.slice(p), 0);
  if (overflow) return out;
  p += used;
  if (p === TMPBUFLEN - 1) return out;
  const next = p < tmp.length ? tmp.charCodeAt(p) : 0;
  if (p < c.left && !perm_tr.includes(next)) return out;
  out.tr = next;
  c.p += p;
  c.left -= p;
  out.val = v;
  out.err = 0;
  return out;
}

function proc_put_long(c: Cursor, val: bigint, neg: boolean): void {
  const s = enc.encode(`${neg ? '-' : ''}${val}`);
  const len = Math.min(s.length, c.left);
  c.buf.set(s.subarray(0, len), c.p);
  c.p += len;
  c.left -= len;
}

function proc_put_char(c: Cursor, ch: string): void {
  if (c.left) {
    c.buf[c.p++] = ch.charCodeAt(0);
    c.left--;
  }
}

const WSPACE = [0x20, 0x09, 0x0a];

type IntConv = (
  neg: boolean,
  lval: bigint,
  cell: Ptr<number>,
  idx: number,
  write: boolean,
) => { err: number; neg?: boolean; lval?: bigint };

function intAt(cell: Ptr<unknown>, i: number): number {
  const v = cell.value;
  return Array.isArray(v) ? Number(v[i] ?? 0) : Number(v ?? 0);
}
function setIntAt(cell: Ptr<unknown>, i: number, n: number): void {
  if (Array.isArray(cell.value)) (cell.value as number[])[i] = n;
  else cell.value = n;
}

const dointvecConv =
  (min?: number, max?: number): IntConv =>
  (neg, lval, cell, i, write) => {
    if (write) {
      let v: number;
      if (neg) {
        if (lval > BigInt(INT_MAX) + 1n) return { err: -ERRNO.EINVAL };
        v = -Number(lval);
      } else {
        if (lval > BigInt(INT_MAX)) return { err: -ERRNO.EINVAL };
        v = Number(lval);
      }
      if ((min !== undefined && v < min) || (max !== undefined && v > max)) return { err: -ERRNO.EINVAL };
      setIntAt(cell, i, v | 0);
      return { err: 0 };
    }
    const v = intAt(cell, i) | 0;
    return v < 0 ? { err: 0, neg: true, lval: BigInt(-v) } : { err: 0, neg: false, lval: BigInt(v) };
  };

/** __do_proc_dointvec. */
function do_proc_dointvec(
  table: ctl_table,
  write: number,
  buffer: Uint8Array,
  lenp: Ptr<number>,
  ppos: Ptr<number>,
  conv: IntConv,
): number {
  const data = table.data as Ptr<unknown> | undefined;
  if (!data || !table.maxlen || !lenp.value || (ppos.value && !write)) {
    lenp.value = 0;
    return 0;
  }
  let vleft = Math.floor(table.maxlen / 4);
  let left = lenp.value;
  let err = 0;
  let first = true;
  const c = new Cursor(buffer, 0, left);
  if (write) {
    // proc_first_pos_non_zero_ignore with sysctl_writes_strict = SYSCTL_WRITES_STRICT.
    if (ppos.value) {
      ppos.value += lenp.value;
      return 0;
    }
    if (left > PAGE_SIZE - 1) left = PAGE_SIZE - 1;
    c.left = left;
  }
  for (let i = 0; c.left && vleft--; i++, first = false) {
    if (write) {
      proc_skip_spaces(c);
      if (!c.left) break;
      const r = proc_get_long(c, WSPACE);
      if (r.err) {
        err = r.err;
        break;
      }
      if (conv(r.neg, r.val, data as Ptr<number>, i, true).err) {
        err = -ERRNO.EINVAL;
        break;
      }
    } else {
      const r = conv(false, 0n, data as Ptr<number>, i, false);
      if (r.err) {
        err = -ERRNO.EINVAL;
        break;
      }
      if (!first) proc_put_char(c, '\t');
      proc_put_long(c, r.lval!, r.neg!);
    }
  }
  if (!write && !first && c.left && !err) proc_put_char(c, '\n');
  if (write && !err && c.left) proc_skip_spaces(c);
  if (write && first) return err || -ERRNO.EINVAL;
  lenp.value -= c.left;
  ppos.value += lenp.value;
  return err;
}

/** __do_proc_douintvec (one value only). */
function do_proc_douintvec(
  table: ctl_table,
  write: number,
  buffer: Uint8Array,
  lenp: Ptr<number>,
  ppos: Ptr<number>,
  min = 0,
  max = UINT_MAX,
  get?: () => number,
  set?: (v: number) => void,
): number {
  const data = table.data as Ptr<number> | undefined;
  if (!data || !table.maxlen || !lenp.value || (ppos.value && !write)) {
    lenp.value = 0;
    return 0;
  }
  if (table.maxlen !== 4 && !get) {
    lenp.value = 0;
    return -ERRNO.EINVAL;
  }
  const read = get ?? (() => Number(data.value) >>> 0);
  const store =
    set ??
    ((v: number) => {
      data.value = v;
    });
  if (write) {
    if (ppos.value) {
      ppos.value += lenp.value;
      return 0;
    }
    let left = lenp.value;
    if (left > PAGE_SIZE - 1) left = PAGE_SIZE - 1;
    const c = new Cursor(buffer, 0, left);
    proc_skip_spaces(c);
    if (!c.left) return -ERRNO.EINVAL;
    const r = proc_get_long(c, WSPACE);
    if (r.err || r.neg) return -ERRNO.EINVAL;
    if (r.val > BigInt(UINT_MAX)) return -ERRNO.EINVAL;
    const v = Number(r.val);
    if (v < min || v > max) return -ERRNO.EINVAL;
    store(v);
    return 0;
  }
  const c = new Cursor(buffer, 0, lenp.value);
  proc_put_long(c, BigInt(read()), false);
  if (c.left) proc_put_char(c, '\n');
  lenp.value -= c.left;
  ppos.value += lenp.value;
  return 0;
}

const bound = (p?: Ptr<number>): number | undefined => (p ? p.value : undefined);

export const proc_dointvec: proc_handler = (t, w, b, l, p) => do_proc_dointvec(t, w, b, l, p, dointvecConv());
export const proc_dointvec_minmax: proc_handler = (t, w, b, l, p) =>
  do_proc_dointvec(t, w, b, l, p, dointvecConv(bound(t.extra1), bound(t.extra2)));
export const proc_douintvec: proc_handler = (t, w, b, l, p) => do_proc_douintvec(t, w, b, l, p);
export const proc_douintvec_minmax: proc_handler = (t, w, b, l, p) =>
  do_proc_douintvec(t, w, b, l, p, bound(t.extra1) ?? 0, bound(t.extra2) ?? UINT_MAX);
/** proc_dou8vec_minmax: a u8 (maxlen 1), 0–255 unless extra1/extra2 narrow it. */
export const proc_dou8vec_minmax: proc_handler = (t, w, b, l, p) => {
  if (t.maxlen !== 1) return -ERRNO.EINVAL;
  const cell = t.data as Ptr<number>;
  return do_proc_douintvec(
    { ...t, maxlen: 4 },
    w,
    b,
    l,
    p,
    bound(t.extra1) ?? 0,
    bound(t.extra2) ?? 255,
    () => cell.value & 0xff,
    (v) => {
      cell.value = v;
    },
  );
};
/** proc_dobool: a bool shown as 0 or 1; any int may be written (non-zero is true). */
export const proc_dobool: proc_handler = (t, w, b, l, p) => {
  const cell = t.data as Ptr<boolean>;
  const tmp: Ptr<number> = { value: cell.value ? 1 : 0 };
  const r = do_proc_dointvec({ ...t, maxlen: 4, data: tmp }, w, b, l, p, dointvecConv());
  if (!r && w) cell.value = tmp.value !== 0;
  return r;
};

/** proc_dostring. Ref: kernel/sysctl.c:_proc_do_string */
export const proc_dostring: proc_handler = (table, write, buffer, lenp, ppos) => {
  const cell = table.data as Ptr<string> | undefined;
  const maxlen = table.maxlen;
  if (!cell || !maxlen || !lenp.value) {
    lenp.value = 0;
    return 0;
  }
  const data = enc.encode(cell.value ?? '');
  if (write) {
    let len = Math.min(data.length, maxlen - 1);
    if (ppos.value > len) return 0;
    len = ppos.value;
    ppos.value += lenp.value;
    const out = Array.from(data.subarray(0, len));
    let i = 0;
    while (i < lenp.value && len < maxlen - 1) {
      const ch = buffer[i++]!;
      if (ch === 0 || ch === 0x0a) break;
      out[len++] = ch;
    }
    cell.value = new TextDecoder().decode(new Uint8Array(out.slice(0, len)));
  } else {
    let len = Math.min(data.length, maxlen);
    if (ppos.value > len) {
      lenp.value = 0;
      return 0;
    }
    const from = data.subarray(ppos.value, len);
    len -= ppos.value;
    if (len > lenp.value) len = lenp.value;
    if (len) buffer.set(from.subarray(0, len));
    if (len < lenp.value) {
      buffer[len] = 0x0a;
      len++;
    }
    lenp.value = len;
    ppos.value += len;
  }
  return 0;
};

export const PROC_HANDLERS = {
  proc_dointvec,
  proc_dointvec_minmax,
  proc_douintvec,
  proc_douintvec_minmax,
  proc_dostring,
  proc_dobool,
};

/** struct ctl_table_header. */
class Header implements ctl_table_header {
  constructor(
    readonly path: string,
    readonly dentries: Dentry[],
    readonly owner: string,
  ) {}
}

/** The sysctl tree under /proc/sys. */
export class Sysctl {
  readonly root: Dentry;
  readonly headers = new Set<Header>();
  owner = () => '';

  constructor(
    readonly vfs: Vfs,
    procRoot: Dentry,
  ) {
    const ino = vfs.dirInode(0o555);
    this.root = vfs.add(procRoot, 'sys', ino)!;
  }

  /** test_perm: root gets the owner bits, everyone else the "other" bits. Ref: fs/proc/proc_sysctl.c */
  private perm(mode: number) {
    return (mask: number, uid: number): number => {
      if (mask & 1) return -ERRNO.EACCES; // MAY_EXEC on a regular file
      const m = uid === 0 ? mode >> 6 : mode;
      return mask & ~m & 7 ? -ERRNO.EACCES : 0;
    };
  }

  /** register_sysctl(path, table): null (and a printk) when an entry exists already. */
  register_sysctl(path: string, table: ctl_table[]): ctl_table_header | null {
    let dir = this.root;
    const parts = path.split(/[/.]/).filter(Boolean);
    const made: Dentry[] = [];
    for (const p of parts) {
      let next = dir.d_inode.children!.get(p);
      if (!next) {
        next = this.vfs.add(dir, p, this.vfs.dirInode(0o555))!;
        made.push(next);
      } else if (!next.d_inode.isDir) {
        this.vfs.ctx.printk(`\x013sysctl duplicate entry: /${parts.join('/')}/${p}`);
        return null;
      }
      dir = next;
    }
    for (const t of table) {
      if (dir.d_inode.children!.has(t.procname)) {
        this.vfs.ctx.printk(`\x013sysctl duplicate entry: /${parts.join('/')}/${t.procname}`);
        for (const d of made.reverse()) this.vfs.remove(d);
        return null;
      }
    }
    const files: Dentry[] = [];
    for (const t of table) {
      const ino = new Inode(S_IFREG | (t.mode & 0o7777));
      ino.permission = this.perm(t.mode);
      ino.tag = t;
      ino.fop = {
        read: (f, buf, count, ppos) => this.call(t, 0, buf, count, ppos),
        write: (f, buf, count, ppos) => this.call(t, 1, buf, count, ppos),
        llseek: default_llseek,
      };
      files.push(this.vfs.add(dir, t.procname, ino)!);
    }
    const h = new Header(parts.join('/'), [...files, ...made.reverse()], this.owner());
    this.headers.add(h);
    return h;
  }

  unregister_sysctl_table(header: ctl_table_header | null): void {
    if (!(header instanceof Header) || !this.headers.has(header)) return;
    this.headers.delete(header);
    for (const d of header.dentries) {
      if (d.d_inode.isDir && d.d_inode.children!.size) continue;
      this.vfs.remove(d);
    }
  }

  /** proc_sys_call_handler. */
  private call(table: ctl_table, write: number, ubuf: number, count: number, ppos: Ptr<number>): number {
    if (!table.proc_handler) return -ERRNO.EINVAL;
    if (count >= 4 * 1024 * 1024) return -ERRNO.ENOMEM; // KMALLOC_MAX_SIZE
    const kbuf = new Uint8Array(count + 1);
    if (write) {
      if (this.vfs.copy_from_user(kbuf, ubuf, count)) return -ERRNO.EFAULT;
      kbuf[count] = 0;
    }
    const lenp: Ptr<number> = { value: count };
    let err: number;
    try {
      err = table.proc_handler(table, write, kbuf, lenp, ppos);
    } catch (e) {
      this.vfs.ctx.oops(`sysctl ${table.procname}`, e);
      return -ERRNO.EFAULT;
    }
    if (err) return err;
    if (!write && this.vfs.copy_to_user(ubuf, kbuf.subarray(0, lenp.value), lenp.value)) return -ERRNO.EFAULT;
    return lenp.value;
  }

  ownedBy(module: string): Header[] {
    return [...this.headers].filter((h) => h.owner === module);
  }
}

const cell = <T>(value: T): Ptr<T> => ({ value });
const ZERO = cell(0);
const ONE = cell(1);

/**
 * The sysctls of a fresh network namespace that lessons use, with this machine's (6.18) values
 * and modes, as `unshare -Urn` shows them: net.core's per-namespace entries (rmem/wmem are
 * read-only outside the initial namespace since 6.x), some of net.ipv4, net.unix.
 */
export function net_sysctl_init(s: Sysctl): void {
  const int = (
    procname: string,
    value: number,
    mode: number,
    proc_handler: proc_handler,
    extra1?: Ptr<number>,
    extra2?: Ptr<number>,
  ): ctl_table => ({ procname, data: cell(value), maxlen: 4, mode, proc_handler, extra1, extra2 });
  const u8 = (procname: string, value: number, extra1?: Ptr<number>, extra2?: Ptr<number>): ctl_table => ({
    procname,
    data: cell(value),
    maxlen: 1,
    mode: 0o644,
    proc_handler: proc_dou8vec_minmax,
    extra1,
    extra2,
  });
  s.register_sysctl('net/core', [
    int('optmem_max', 131072, 0o644, proc_dointvec_minmax, ZERO),
    int('rmem_default', 212992, 0o444, proc_dointvec_minmax, cell(4608)),
    int('rmem_max', 4194304, 0o444, proc_dointvec_minmax, cell(4608)),
    int('somaxconn', 4096, 0o644, proc_dointvec_minmax, ZERO),
    int('tstamp_allow_data', 1, 0o644, proc_dointvec_minmax, ZERO, ONE),
    u8('txrehash', 1, ZERO, ONE),
    int('wmem_default', 212992, 0o444, proc_dointvec_minmax, cell(4608)),
    int('wmem_max', 4194304, 0o444, proc_dointvec_minmax, cell(4608)),
  ]);
  const portRange: ctl_table = {
    procname: 'ip_local_port_range',
    data: cell([32768, 60999]),
    maxlen: 8,
    mode: 0o644,
    // ipv4_local_port_range: both within 1–65535, low <= high, low >= ip_unprivileged_port_start.
    proc_handler: (t, w, b, l, p) => {
      const range = cell([...(t.data as Ptr<number[]>).value]);
      const r = do_proc_dointvec({ ...t, data: range }, w, b, l, p, dointvecConv(1, 65535));
      if (w && !r) {
        const [lo, hi] = range.value as [number, number];
        if (hi < lo || lo < (unprivPort.data as Ptr<number>).value) return -ERRNO.EINVAL;
        (t.data as Ptr<number[]>).value = [lo, hi];
      }
      return r;
    },
  };
  // ipv4_privileged_ports: 0–65535, and not above the local port range's low end.
  const unprivPort: ctl_table = {
    procname: 'ip_unprivileged_port_start',
    data: cell(1024),
    maxlen: 4,
    mode: 0o644,
    proc_handler: (t, w, b, l, p) => {
      const tmp = cell((t.data as Ptr<number>).value);
      const r = proc_dointvec_minmax({ ...t, data: tmp, extra1: ZERO, extra2: cell(65535) }, w, b, l, p);
      if (w && !r) {
        if ((portRange.data as Ptr<number[]>).value[0]! < tmp.value) return -ERRNO.EINVAL;
        (t.data as Ptr<number>).value = tmp.value;
      }
      return r;
    },
  };
  s.register_sysctl('net/ipv4', [
    int('ip_forward', 0, 0o644, proc_dointvec),
    int('ip_default_ttl', 64, 0o644, proc_dointvec_minmax, ONE, cell(255)),
    portRange,
    unprivPort,
    u8('ip_no_pmtu_disc', 0),
    u8('icmp_echo_ignore_all', 0, ZERO, ONE),
    u8('icmp_echo_ignore_broadcasts', 1, ZERO, ONE),
    u8('tcp_syncookies', 1),
    {
      procname: 'tcp_rmem',
      data: cell([4096, 131072, 33554432]),
      maxlen: 12,
      mode: 0o644,
      proc_handler: proc_dointvec_minmax,
      extra1: ONE,
    },
    {
      procname: 'tcp_wmem',
      data: cell([4096, 16384, 4194304]),
      maxlen: 12,
      mode: 0o644,
      proc_handler: proc_dointvec_minmax,
      extra1: ONE,
    },
  ]);
  s.register_sysctl('net/unix', [int('max_dgram_qlen', 10, 0o644, proc_dointvec)]);
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(Header.prototype);
