/**
 * The simulated kernel's VFS: inodes and dentries, path lookup through the mount table, permission
 * checks, and the file syscalls (open, read, write, lseek, ioctl, mmap, munmap, poll, mknod) as
 * fs/open.c, fs/namei.c, fs/read_write.c, fs/ioctl.c, mm/mmap.c and fs/select.c do them.
 *
 * It lives in the host (TypeScript) because nearly every file's operations are module code, which
 * is TypeScript: procfs, sysfs, debugfs and device files call the handlers modules register. The
 * descriptor table stays in the wasm kernel (fs/file.ts), shared with sockets: open() installs the
 * host file there and the last close there calls back here (file_release_host) to run ->release.
 *
 * User memory: a handler sees the program's buffer as a number (a `__user` address) that only
 * copy_to_user/copy_from_user reach. Each syscall maps its buffer at a fixed address of the calling
 * process for the duration of the call (UserMemory); any other address faults (EFAULT).
 */
import { ERRNO, ErrnoError } from '../../../../src/api/errno.ts';
import type {
  file,
  inode,
  file_operations,
  vm_area_struct,
  user_ptr,
  Ptr,
  poll_table,
  wait_queue_head_t,
} from '../../../../src/api/fs-kernel.ts';
import type { Mapping } from '../../../../src/api/fs.ts';
import type { Scheduler, Waiter } from '../sched.ts';

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const FMODE_LSEEK = 0x4;
export const FMODE_PREAD = 0x8;
export const FMODE_PWRITE = 0x10;
export const MAY_EXEC = 1;
export const MAY_WRITE = 2;
export const MAY_READ = 4;
const O_ACCMODE = 3;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_NONBLOCK = 0o4000;
const O_DIRECTORY = 0o200000;
const O_PATH = 0o10000000;
/** -ENOIOCTLCMD: "not mine", turned into ENOTTY by vfs_ioctl. */
export const ENOIOCTLCMD = 515;
export const PAGE_SIZE = 4096;
/** MAX_RW_COUNT: INT_MAX rounded down to a page. */
const MAX_RW_COUNT = 0x7ffff000;

/** struct inode. */
export class Inode implements inode {
  i_private: unknown = undefined;
  i_size = 0;
  i_rdev = 0;
  i_gid = 0;
  /** i_fop. */
  fop: file_operations | null = null;
  /** A directory's entries. */
  children: Map<string, Dentry> | null = null;
  /** A symlink's target. */
  link: string | null = null;
  /** inode_operations->permission (sysctl's): 0 or -errno; generic_permission when absent. */
  permission: ((mask: number, uid: number) => number) | null = null;
  /** What created it (procfs, sysctl, debugfs…): for their own bookkeeping. */
  tag: unknown = undefined;
  constructor(
    public i_mode: number,
    public i_uid = 0,
  ) {}
  get isDir(): boolean {
    return (this.i_mode & S_IFMT) === S_IFDIR;
  }
}

/** struct dentry. */
export class Dentry {
  constructor(
    public name: string,
    public parent: Dentry | null,
    public d_inode: Inode,
  ) {}
  get path(): string {
    const parts: string[] = [];
    for (let d: Dentry | null = this; d && d.parent; d = d.parent) parts.unshift(d.name);
    return '/' + parts.join('/');
  }
}

/** struct file, as the host keeps it (the wasm fd table holds its id). */
export class File implements file {
  f_pos = 0;
  private_data: unknown = undefined;
  /** References: the descriptors (one, however many fds share it in wasm) and each mapping. */
  refs = 1;
  released = false;
  /** Opened with O_PATH: a handle on the path only; every operation is EBADF. */
  opath = false;
  /** The module whose fops (with `owner` set) this file holds a reference on, until its release. */
  module = '';
  constructor(
    readonly id: number,
    readonly dentry: Dentry,
    public f_flags: number,
    public f_mode: number,
    public f_op: file_operations,
  ) {}
  get f_inode(): Inode {
    return this.dentry.d_inode;
  }
}

/** A mounted filesystem (what /proc/mounts lists). */
export interface Mount {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

/** wait_queue_head_t. */
export class WaitQueue implements wait_queue_head_t {
  readonly _waitq = true as const;
  readonly waiters = new Set<Waiter>();
  /** poll() calls sleeping on this queue among others. */
  readonly pollers = new Set<() => void>();
}

/** One mapping made by mmap. */
class Vma implements vm_area_struct {
  vm_flags: number;
  vm_private_data: unknown = undefined;
  vm_ops?: { open?(vma: vm_area_struct): void; close?(vma: vm_area_struct): void };
  /** Page index → [backing memory, offset of the page in it]. */
  readonly pages = new Map<number, [Uint8Array, number]>();
  /** The process whose address space holds it. */
  pid = 0;
  constructor(
    readonly vm_start: number,
    readonly vm_end: number,
    readonly vm_pgoff: number,
    flags: number,
    readonly vm_page_prot: number,
    readonly vm_file: File,
  ) {
    this.vm_flags = flags;
  }
}

/** What the VFS needs from the kernel around it. */
export interface VfsContext {
  sched: Scheduler;
  /** printk with a KERN_* prefix ('\x013…'). */
  printk(text: string): void;
  /** A module handler threw: log it like an oops. */
  oops(where: string, e: unknown): void;
  /** Hold the syscall until module code it started settles (async handlers). */
  addPending(p: Promise<unknown>): void;
  /** The tracer: a host function entered (null when tracing is off); call the result with its return value. */
  trace?(fn: string, args: string): ((ret?: number) => void) | null;
  /** try_module_get / module_put (fops_get of fops whose owner is set). */
  moduleGet(name: string): void;
  modulePut(name: string): void;
}

/** Where each syscall's user buffer is mapped (numbers a driver sees as `void __user *`). */
export const USER_BUF = 0x7ffd_2000_0000;
export const USER_ARG = 0x7ffd_3000_0000;
const MMAP_BASE = 0x7f00_0000_0000;

interface Region {
  addr: number;
  bytes: Uint8Array;
  writable: boolean;
}

/** The VFS of one simulated kernel. */
export class Vfs {
  readonly root: Dentry;
  readonly mounts: Mount[] = [];
  private readonly files = new Map<number, File>();
  private nextFile = 1;
  private readonly regions = new Map<number, Region[]>();
  private readonly vmas = new Map<number, Vma>();
  private nextMmap = MMAP_BASE;
  /** Physical memory handed out by kzalloc/get_zeroed_page, by page frame number. */
  private readonly physPages = new Map<number, [Uint8Array, number]>();
  private readonly physOf = new WeakMap<ArrayBufferLike, number>();
  private nextPfn = 0x10000;

  constructor(readonly ctx: VfsContext) {
    this.root = new Dentry('', null, this.dirInode(0o755));
  }

  // ---- the tree ------------------------------------------------------------------------------

  dirInode(mode: number, uid = 0): Inode {
    const i = new Inode(S_IFDIR | (mode & 0o7777), uid);
    i.children = new Map();
    i.fop = {
      read: () => -ERRNO.EISDIR,
      llseek: (f, off, wh) => (wh === 0 && off >= 0 ? (f.f_pos = off) : -ERRNO.EINVAL),
    };
    return i;
  }

  /** Make (or find) the directory at an absolute path. */
  mkdirp(path: string, mode = 0o755): Dentry {
    let d = this.root;
    for (const part of path.split('/').filter(Boolean)) {
      let c = d.d_inode.children!.get(part);
      if (!c) {
        c = new Dentry(part, d, this.dirInode(mode));
        d.d_inode.children!.set(part, c);
      }
      d = c;
    }
    return d;
  }

  /** Add `name` under `parent`; null if the name is taken. */
  add(parent: Dentry, name: string, inode: Inode): Dentry | null {
    const ch = parent.d_inode.children;
    if (!ch || ch.has(name)) return null;
    const d = new Dentry(name, parent, inode);
    ch.set(name, d);
    return d;
  }

  /** Remove a dentry (and everything under it) from the tree. */
  remove(d: Dentry): void {
    d.parent?.d_inode.children?.delete(d.name);
  }

  mount(source: string, target: string, fstype: string, options: string, mode = 0o755): Dentry {
    const d = this.mkdirp(target, mode);
    d.d_inode.i_mode = S_IFDIR | mode;
    this.mounts.push({ source, target, fstype, options });
    return d;
  }

  // ---- path lookup and permission --------------------------------------------------------------

  /** generic_permission, or the inode's own. Root (uid 0) has CAP_DAC_OVERRIDE. */
  inode_permission(inode: Inode, mask: number, uid: number): number {
    if (inode.permission) return inode.permission(mask, uid);
    const mode = inode.i_mode;
    if (uid === 0) {
      // CAP_DAC_OVERRIDE: read and write anything; execute only if some x bit is set (or a directory).
      if (!(mask & MAY_EXEC) || inode.isDir || mode & 0o111) return 0;
      return -ERRNO.EACCES;
    }
    let bits = mode & 7;
    if (inode.i_uid === uid) bits = (mode >> 6) & 7;
    else if (inode.i_gid === uid) bits = (mode >> 3) & 7;
    return mask & ~bits & 7 ? -ERRNO.EACCES : 0;
  }

  /** path_lookupat: the dentry at `path`, or -errno (ENOENT, ENOTDIR, EACCES, ELOOP). */
  lookup(path: string, uid: number, follow = true, depth = 0): Dentry | number {
    if (depth > 40) return -ERRNO.ELOOP;
    if (path === '') return -ERRNO.ENOENT;
    const parts = path.split('/');
    const mustDir = path.endsWith('/') && path.length > 1;
    let d = this.root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (part === '' || part === '.') continue;
      const ino = d.d_inode;
      if (!ino.isDir) return -ERRNO.ENOTDIR;
      const perm = this.inode_permission(ino, MAY_EXEC, uid);
      if (perm) return perm;
      if (part === '..') {
        d = d.parent ?? d;
        continue;
      }
      if (part.length > 255) return -ERRNO.ENAMETOOLONG;
      const next = ino.children!.get(part);
      if (!next) return -ERRNO.ENOENT;
      const last = i === parts.length - 1 || parts.slice(i + 1).every((p) => p === '' || p === '.');
      if (next.d_inode.link !== null && (follow || !last)) {
        const target = next.d_inode.link;
        const base = target.startsWith('/') ? target : `${d.path}/${target}`;
        const rest = parts.slice(i + 1).join('/');
        return this.lookup(rest ? `${base}/${rest}` : base, uid, follow, depth + 1);
      }
      d = next;
    }
    if (mustDir && !d.d_inode.isDir) return -ERRNO.ENOTDIR;
    return d;
  }

  // ---- files -----------------------------------------------------------------------------------

  private uid(): number {
    return this.ctx.sched.running?.uid ?? 0;
  }
  private pid(): number {
    return this.ctx.sched.running?.pid ?? 0;
  }

  file(id: number): File | undefined {
    return this.files.get(id);
  }

  /**
   * do_sys_open up to the descriptor: lookup, permission, the filesystem's and the driver's open.
   * Resolves to the new File, or -errno.
   */
  async open(path: string, flags: number, _mode: number): Promise<File | number> {
    const uid = this.uid();
    if (path.length >= 4096) return -ERRNO.ENAMETOOLONG;
    const found = this.lookup(path, uid, !(flags & 0o400000));
    if (typeof found === 'number') {
      // O_CREAT in these filesystems: none of their directories has ->create.
      if (found === -ERRNO.ENOENT && flags & O_CREAT) {
        const slash = path.lastIndexOf('/');
        const dir = this.lookup(slash <= 0 ? '/' : path.slice(0, slash), uid);
        if (typeof dir === 'number') return dir;
        const perm = this.inode_permission(dir.d_inode, MAY_WRITE | MAY_EXEC, uid);
        return perm || -ERRNO.EACCES;
      }
      return found;
    }
    const d = found;
    const ino = d.d_inode;
    if (ino.link !== null) return -ERRNO.ELOOP; // O_NOFOLLOW on a symlink
    if (flags & O_CREAT && flags & O_EXCL) return -ERRNO.EEXIST;
    if (flags & O_DIRECTORY && !ino.isDir) return -ERRNO.ENOTDIR;
    const acc = flags & O_ACCMODE;
    if (ino.isDir && (acc !== 0 || flags & O_CREAT)) return -ERRNO.EISDIR;
    let fmode = acc === 0 ? FMODE_READ : acc === 1 ? FMODE_WRITE : acc === 2 ? FMODE_READ | FMODE_WRITE : 0;
    if (flags & O_PATH) fmode = 0;
    else {
      const mask = acc === 0 ? MAY_READ : acc === 1 ? MAY_WRITE : MAY_READ | MAY_WRITE;
      const perm = this.inode_permission(ino, mask, uid);
      if (perm) return perm;
    }
    const fop = ino.fop;
    if (!fop) return -ERRNO.ENXIO;
    const f = new File(
      this.nextFile++,
      d,
      flags & ~(O_CREAT | O_EXCL | 0o1000),
      fmode | FMODE_PREAD | FMODE_PWRITE,
      fop,
    );
    if (flags & O_PATH) {
      f.opath = true;
      this.files.set(f.id, f);
      return f;
    }
    if (fop.llseek) f.f_mode |= FMODE_LSEEK;
    this.files.set(f.id, f);
    if (fop.open) {
      const r = await this.call(`${d.path}: open`, () => fop.open!(ino, f));
      if (r < 0) {
        this.files.delete(f.id);
        f.released = true;
        if (f.module) {
          this.ctx.modulePut(f.module);
          f.module = '';
        }
        return r;
      }
    }
    // The driver's open may have swapped the operations (chrdev_open, misc_open).
    if (f.f_op.llseek) f.f_mode |= FMODE_LSEEK;
    else f.f_mode &= ~FMODE_LSEEK;
    return f;
  }

  /** Run a handler: a thrown exception is an oops (-EFAULT), an async one is awaited. */
  async call(where: string, fn: () => number | void | Promise<number | void>): Promise<number> {
    const done =
      this.ctx.trace?.(where.slice(where.lastIndexOf(': ') + 2), where.slice(0, where.lastIndexOf(': '))) ?? null;
    try {
      const r = await fn();
      const ret = typeof r === 'number' ? r : 0;
      done?.(ret);
      return ret;
    } catch (e) {
      done?.(-ERRNO.EFAULT);
      this.ctx.oops(where, e);
      return -ERRNO.EFAULT;
    }
  }

  /** The last reference went: ->release. Ref: fs/file_table.c:__fput */
  fput(f: File): void {
    if (--f.refs > 0 || f.released) return;
    f.released = true;
    this.files.delete(f.id);
    if (f.opath) return;
    if (f.module) {
      const m = f.module;
      f.module = '';
      queueMicrotask(() => this.ctx.modulePut(m));
    }
    const rel = f.f_op.release;
    if (rel) {
      try {
        const r = rel(f.f_inode, f) as unknown;
        if (r && typeof (r as Promise<unknown>).then === 'function') this.ctx.addPending(r as Promise<unknown>);
      } catch (e) {
        this.ctx.oops(`${f.dentry.path}: release`, e);
      }
    }
  }

  // ---- user memory ---------------------------------------------------------------------------

  /** Map `bytes` at `addr` in the calling process for the length of a call; returns the unmap. */
  mapUser(addr: number, bytes: Uint8Array, writable: boolean): () => void {
    const pid = this.pid();
    let list = this.regions.get(pid);
    if (!list) {
      list = [];
      this.regions.set(pid, list);
    }
    const r: Region = { addr, bytes, writable };
    list.push(r);
    return () => {
      const l = this.regions.get(pid);
      if (!l) return;
      const i = l.indexOf(r);
      if (i >= 0) l.splice(i, 1);
      if (!l.length) this.regions.delete(pid);
    };
  }

  private region(addr: number): Region | null {
    const list = this.regions.get(this.pid());
    if (!list || typeof addr !== 'number' || !Number.isFinite(addr)) return null;
    for (let i = list.length - 1; i >= 0; i--) {
      const r = list[i]!;
      if (addr >= r.addr && addr < r.addr + r.bytes.length) return r;
    }
    return null;
  }

  /** copy_to_user: bytes NOT copied (0 = all). */
  copy_to_user(to: user_ptr, from: Uint8Array, n: number): number {
    n = Math.max(0, Math.min(n | 0, from.length));
    if (n === 0) return 0;
    const r = this.region(to);
    if (!r || !r.writable) return n;
    const off = to - r.addr;
    const k = Math.min(n, r.bytes.length - off);
    r.bytes.set(from.subarray(0, k), off);
    return n - k;
  }

  /** copy_from_user: bytes NOT copied (0 = all); the rest of `to` is zeroed, as in Linux. */
  copy_from_user(to: Uint8Array, from: user_ptr, n: number): number {
    n = Math.max(0, Math.min(n | 0, to.length));
    if (n === 0) return 0;
    const r = this.region(from);
    if (!r) {
      to.fill(0, 0, n);
      return n;
    }
    const off = from - r.addr;
    const k = Math.min(n, r.bytes.length - off);
    to.set(r.bytes.subarray(off, off + k));
    to.fill(0, k, n);
    return n - k;
  }

  /** simple_read_from_buffer on this kernel's user memory. Ref: fs/libfs.c */
  simple_read_from_buffer(
    to: user_ptr,
    count: number,
    ppos: Ptr<number>,
    from: Uint8Array | string,
    available?: number,
  ): number {
    const src = typeof from === 'string' ? new TextEncoder().encode(from) : from;
    const avail = available ?? src.length;
    const pos = ppos.value;
    if (pos < 0) return -ERRNO.EINVAL;
    if (pos >= avail || !count) return 0;
    if (count > avail - pos) count = avail - pos;
    const ret = this.copy_to_user(to, src.subarray(pos, pos + count), count);
    if (ret === count) return -ERRNO.EFAULT;
    count -= ret;
    ppos.value = pos + count;
    return count;
  }

  // ---- read, write, lseek, ioctl --------------------------------------------------------------

  /** ksys_read on a host file. Ref: fs/read_write.c:vfs_read */
  async read(f: File, buf: Uint8Array): Promise<number> {
    if (f.opath || !(f.f_mode & FMODE_READ)) return -ERRNO.EBADF;
    const op = f.f_op.read;
    if (!op) return -ERRNO.EINVAL;
    const count = Math.min(buf.length, MAX_RW_COUNT);
    if (f.f_pos < 0) return -ERRNO.EINVAL;
    const ppos: Ptr<number> = { value: f.f_pos };
    const unmap = this.mapUser(USER_BUF, buf, true);
    try {
      const r = await this.call(`${f.dentry.path}: read`, () => op(f, USER_BUF, count, ppos));
      if (r >= 0) f.f_pos = ppos.value;
      return r;
    } finally {
      unmap();
    }
  }

  /** ksys_write on a host file. Ref: fs/read_write.c:vfs_write */
  async write(f: File, buf: Uint8Array): Promise<number> {
    if (f.opath || !(f.f_mode & FMODE_WRITE)) return -ERRNO.EBADF;
    const op = f.f_op.write;
    if (!op) return -ERRNO.EINVAL;
    const count = Math.min(buf.length, MAX_RW_COUNT);
    if (f.f_pos < 0) return -ERRNO.EINVAL;
    const ppos: Ptr<number> = { value: f.f_pos };
    const unmap = this.mapUser(USER_BUF, buf, false);
    try {
      const r = await this.call(`${f.dentry.path}: write`, () => op(f, USER_BUF, count, ppos));
      if (r >= 0) f.f_pos = ppos.value;
      return r;
    } finally {
      unmap();
    }
  }

  /** ksys_lseek. Ref: fs/read_write.c */
  lseek(f: File, offset: number, whence: number): number {
    if (f.opath) return -ERRNO.EBADF;
    if (whence < 0 || whence > 4) return -ERRNO.EINVAL;
    if (!(f.f_mode & FMODE_LSEEK) || !f.f_op.llseek) return -ERRNO.ESPIPE;
    try {
      return f.f_op.llseek(f, offset, whence);
    } catch (e) {
      this.ctx.oops(`${f.dentry.path}: llseek`, e);
      return -ERRNO.EFAULT;
    }
  }

  /** do_vfs_ioctl then vfs_ioctl. Ref: fs/ioctl.c */
  async ioctl(f: File, cmd: number, arg: number | Uint8Array, setNonblock: (on: boolean) => void): Promise<number> {
    if (f.opath) return -ERRNO.EBADF;
    let argNum: number;
    let unmap: (() => void) | null = null;
    if (arg instanceof Uint8Array) {
      argNum = USER_ARG;
      unmap = this.mapUser(USER_ARG, arg, true);
    } else argNum = arg;
    try {
      switch (cmd) {
        case 0x5451:
        case 0x5450:
          return 0; // FIOCLEX, FIONCLEX
        case 0x5421: {
          // FIONBIO
          const v = new Uint8Array(4);
          if (this.copy_from_user(v, argNum, 4)) return -ERRNO.EFAULT;
          const on = new DataView(v.buffer).getInt32(0, true) !== 0;
          if (on) f.f_flags |= O_NONBLOCK;
          else f.f_flags &= ~O_NONBLOCK;
          setNonblock(on);
          return 0;
        }
        case 0x541b: // FIONREAD: regular files only (S_ISREG); others go to the driver
          if ((f.f_inode.i_mode & S_IFMT) === S_IFREG && !f.f_op.unlocked_ioctl) {
            const b = new Uint8Array(4);
            new DataView(b.buffer).setInt32(0, Math.max(0, f.f_inode.i_size - f.f_pos), true);
            return this.copy_to_user(argNum, b, 4) ? -ERRNO.EFAULT : 0;
          }
          break;
      }
      const op = f.f_op.unlocked_ioctl;
      if (!op) return -ERRNO.ENOTTY;
      const r = await this.call(`${f.dentry.path}: unlocked_ioctl`, () => op(f, cmd >>> 0, argNum));
      return r === -ENOIOCTLCMD ? -ERRNO.ENOTTY : r;
    } finally {
      unmap?.();
    }
  }

  // ---- mmap ------------------------------------------------------------------------------------

  /** Kernel memory that can be mapped: page-aligned, zeroed. */
  kzalloc(size: number): Uint8Array {
    const pages = Math.max(1, Math.ceil(size / PAGE_SIZE));
    const buf = new Uint8Array(pages * PAGE_SIZE);
    const pfn = this.nextPfn;
    this.nextPfn += pages + 1;
    for (let i = 0; i < pages; i++) this.physPages.set(pfn + i, [buf, i * PAGE_SIZE]);
    this.physOf.set(buf.buffer, pfn);
    return size === buf.length ? buf : buf.subarray(0, size);
  }

  virt_to_phys(buf: Uint8Array): number {
    const pfn = this.physOf.get(buf.buffer);
    if (pfn === undefined) throw new Error('virt_to_phys: not memory from kzalloc/get_zeroed_page/vmalloc');
    return pfn * PAGE_SIZE + buf.byteOffset;
  }

  remap_pfn_range(vma: vm_area_struct, addr: number, pfn: number, size: number, _prot: number): number {
    const v = vma as Vma;
    if (!(v instanceof Vma)) return -ERRNO.EINVAL;
    if (addr < v.vm_start || addr + size > v.vm_end || addr % PAGE_SIZE || size <= 0) return -ERRNO.EINVAL;
    const n = Math.ceil(size / PAGE_SIZE);
    for (let i = 0; i < n; i++) {
      const page = this.physPages.get(pfn + i);
      // A pfn that is not RAM we handed out: map nothing there (an access faults).
      if (!page) continue;
      v.pages.set((addr - v.vm_start) / PAGE_SIZE + i, page);
    }
    v.vm_flags |= 0x4000 | 0x40000 | 0x4000000; // VM_IO | VM_DONTEXPAND | VM_DONTDUMP (what remap_pfn_range sets)
    return 0;
  }

  /** ksys_mmap_pgoff → do_mmap for a file. Ref: mm/mmap.c */
  async mmap(f: File, length: number, prot: number, flags: number, offset: number): Promise<Mapping | number> {
    if (f.opath) return -ERRNO.EBADF;
    if (offset % PAGE_SIZE || offset < 0) return -ERRNO.EINVAL;
    if (!length || length < 0) return -ERRNO.EINVAL;
    const type = flags & 3;
    if (type !== 1 && type !== 2 && type !== 3) return -ERRNO.EINVAL;
    const len = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    const shared = type !== 2;
    if (!(f.f_mode & FMODE_READ)) return -ERRNO.EACCES;
    if (shared && prot & 2 && !(f.f_mode & FMODE_WRITE)) return -ERRNO.EACCES;
    const op = f.f_op.mmap;
    if (!op) return -ERRNO.ENODEV;
    let vmflags = (prot & 1 ? 0x1 : 0) | (prot & 2 ? 0x2 : 0) | (prot & 4 ? 0x4 : 0) | 0x10 | 0x40; // VM_MAYREAD | VM_MAYEXEC
    if (shared) {
      vmflags |= 0x8 | 0x80;
      if (f.f_mode & FMODE_WRITE) vmflags |= 0x20;
    } else vmflags |= 0x20;
    this.nextMmap -= len + PAGE_SIZE;
    const start = this.nextMmap;
    const vma = new Vma(start, start + len, offset / PAGE_SIZE, vmflags, prot, f);
    const r = await this.call(`${f.dentry.path}: mmap`, () => op(f, vma));
    if (r < 0) return r;
    f.refs++;
    vma.pid = this.pid();
    this.vmas.set(start, vma);
    const check = (off: number, n: number, write: boolean): number => {
      if (!this.vmas.has(start)) return -ERRNO.EFAULT;
      if (off < 0 || n < 0 || off + n > len) return -ERRNO.EFAULT;
      if (write ? !(prot & 2) : !(prot & 1)) return -ERRNO.EFAULT;
      for (let p = Math.floor(off / PAGE_SIZE); p * PAGE_SIZE < off + n; p++)
        if (!vma.pages.has(p)) return -ERRNO.EFAULT;
      return 0;
    };
    // A real process would get SIGSEGV/SIGBUS; here the access rejects with EFAULT.
    const fault = (what: string) => new ErrnoError(what, ERRNO.EFAULT);
    const m: Mapping & { vma: Vma } = {
      addr: start,
      length,
      prot,
      vma,
      async read(off = 0, n?: number): Promise<Uint8Array> {
        const count = n ?? length - off;
        if (check(off, count, false)) throw fault('mapping read');
        const out = new Uint8Array(count);
        for (let i = 0; i < count; ) {
          const p = Math.floor((off + i) / PAGE_SIZE);
          const [buf, base] = vma.pages.get(p)!;
          const inPage = (off + i) % PAGE_SIZE;
          const k = Math.min(PAGE_SIZE - inPage, count - i);
          out.set(buf.subarray(base + inPage, base + inPage + k), i);
          i += k;
        }
        return out;
      },
      async write(off: number, bytes: Uint8Array): Promise<void> {
        if (check(off, bytes.length, true)) throw fault('mapping write');
        // MAP_PRIVATE: copy-on-write; the kernel's page does not change.
        for (let i = 0; i < bytes.length; ) {
          const p = Math.floor((off + i) / PAGE_SIZE);
          let page = vma.pages.get(p)!;
          if (!shared && !(page as unknown as { cow?: boolean }).cow) {
            const copy = new Uint8Array(PAGE_SIZE);
            copy.set(page[0].subarray(page[1], page[1] + PAGE_SIZE));
            page = Object.assign([copy, 0], { cow: true }) as unknown as [Uint8Array, number];
            vma.pages.set(p, page);
          }
          const inPage = (off + i) % PAGE_SIZE;
          const k = Math.min(PAGE_SIZE - inPage, bytes.length - i);
          page[0].set(bytes.subarray(i, i + k), page[1] + inPage);
          i += k;
        }
      },
    };
    return m;
  }

  /** munmap. Ref: mm/mmap.c:do_vmi_munmap */
  munmap(m: Mapping): number {
    const vma = this.vmas.get(m.addr);
    if (!vma) return 0; // unmapping nothing is not an error
    this.vmas.delete(m.addr);
    try {
      vma.vm_ops?.close?.(vma);
    } catch (e) {
      this.ctx.oops('vm_ops close', e);
    }
    this.fput(vma.vm_file);
    return 0;
  }

  // ---- poll -------------------------------------------------------------------------------------

  /** A file's poll mask: ->poll, or DEFAULT_POLLMASK. The poll_table collects the queues to sleep on. */
  pollFile(f: File, queues: WaitQueue[] | null): number {
    if (f.opath) return 0x20; // POLLNVAL
    const op = f.f_op.poll;
    if (!op) return 0x1 | 0x4 | 0x40 | 0x100; // DEFAULT_POLLMASK
    const pt = { _qproc: true as const, queues } as poll_table & { queues: WaitQueue[] | null };
    try {
      return op(f, pt) >>> 0;
    } catch (e) {
      this.ctx.oops(`${f.dentry.path}: poll`, e);
      return 0x8;
    }
  }

  poll_wait(_file: file, wq: wait_queue_head_t, wait: poll_table): void {
    const q = (wait as poll_table & { queues?: WaitQueue[] | null }).queues;
    if (q && wq instanceof WaitQueue) q.push(wq);
  }

  /** A process ended: its mappings go (exit_mmap: vm_ops close, the file's reference), its user regions too. */
  exitProcess(pid: number): void {
    this.regions.delete(pid);
    for (const [addr, vma] of [...this.vmas]) {
      if (vma.pid !== pid) continue;
      this.vmas.delete(addr);
      try {
        vma.vm_ops?.close?.(vma);
      } catch (e) {
        this.ctx.oops('vm_ops close', e);
      }
      this.fput(vma.vm_file);
    }
  }
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(Inode.prototype);
Object.freeze(Dentry.prototype);
Object.freeze(File.prototype);
Object.freeze(WaitQueue.prototype);
Object.freeze(Vma.prototype);
