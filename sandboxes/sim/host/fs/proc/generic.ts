/**
 * procfs: proc_create and friends, the proc_ops wrapper (proc_reg_*), proc_create_seq /
 * proc_create_single on seq_file, and the entries the kernel itself has (/proc/net/netlink,
 * /proc/modules, /proc/cmdline, /proc/devices, /proc/misc, /proc/mounts, /proc/filesystems).
 *
 * Ref: fs/proc/generic.c, fs/proc/inode.c, fs/proc/cmdline.c, fs/proc/devices.c, kernel/module/procfs.c
 */
import { ERRNO } from '../../../../../src/api/errno.ts';
import type {
  proc_ops,
  proc_dir_entry,
  seq_operations,
  seq_file,
  file_operations,
  file,
} from '../../../../../src/api/fs-kernel.ts';
import { type Dentry, Inode, S_IFMT, S_IFREG, type Vfs } from '../vfs.ts';
import { seq_open, seq_read, seq_lseek, seq_release, single_open, seqOf, seq_puts } from '../seq_file.ts';

/** struct proc_dir_entry. */
export class Pde implements proc_dir_entry {
  constructor(
    readonly dentry: Dentry,
    readonly owner: string,
  ) {}
  get name(): string {
    return this.dentry.name;
  }
  get path(): string {
    return this.dentry.path;
  }
}

/** default_llseek. Ref: fs/read_write.c */
export function default_llseek(f: file, offset: number, whence: number): number {
  const size = f.f_inode.i_size;
  switch (whence) {
    case 2:
      offset += size;
      break;
    case 1:
      if (offset === 0) return f.f_pos;
      offset += f.f_pos;
      break;
    case 3:
      if (offset >= size) return -ERRNO.ENXIO;
      break;
    case 4:
      if (offset >= size) return -ERRNO.ENXIO;
      offset = size;
      break;
    case 0:
      break;
    default:
      return -ERRNO.EINVAL;
  }
  if (offset < 0) return -ERRNO.EINVAL;
  f.f_pos = offset;
  return offset;
}

/** The procfs of one kernel. */
export class ProcFs {
  readonly root: Dentry;
  /** Which module is loading (its entries are its own), '' for the kernel. */
  owner = () => '';

  constructor(readonly vfs: Vfs) {
    this.root = vfs.mount('proc', '/proc', 'proc', 'rw,nosuid,nodev,noexec,relatime', 0o555);
  }

  private parentOf(parent: proc_dir_entry | null): Dentry | null {
    if (!parent) return this.root;
    return parent instanceof Pde ? parent.dentry : null;
  }

  /** xlate_proc_name + proc_register: `name` may hold '/' (the directories must exist). */
  private register(name: string, parent: proc_dir_entry | null, ino: Inode): Pde | null {
    let dir: Dentry | null = this.parentOf(parent);
    if (!dir) return null;
    const parts = name.split('/');
    const last = parts.pop()!;
    for (const p of parts) {
      const next: Dentry | undefined = dir.d_inode.children?.get(p);
      if (!next || !next.d_inode.isDir) return null;
      dir = next;
    }
    if (!last || last === '.' || last === '..' || last.length > 255) return null;
    const d = this.vfs.add(dir, last, ino);
    if (!d) {
      this.vfs.ctx.printk(`\x014proc_dir_entry '${dir.path.replace(/^\/proc\/?/, '')}/${last}' already registered`);
      return null;
    }
    const pde = new Pde(d, this.owner());
    ino.tag = pde;
    return pde;
  }

  private regInode(mode: number): Inode {
    if ((mode & S_IFMT) === 0) mode |= S_IFREG;
    if ((mode & 0o7777) === 0) mode |= 0o444;
    return new Inode(mode);
  }

  /** proc_create_data with proc_ops (proc_reg_file_ops around them). */
  proc_create(name: string, mode: number, parent: proc_dir_entry | null, ops: proc_ops, data?: unknown): Pde | null {
    const ino = this.regInode(mode);
    ino.i_private = data;
    const fop: file_operations = {
      open: ops.proc_open ? (i, f) => ops.proc_open!(i, f) : undefined,
      read: (f, b, c, p) => (ops.proc_read ? ops.proc_read(f, b, c, p) : -ERRNO.EIO),
      write: (f, b, c, p) => (ops.proc_write ? ops.proc_write(f, b, c, p) : -ERRNO.EIO),
      llseek: (f, o, w) => (ops.proc_lseek ? ops.proc_lseek(f, o, w) : default_llseek(f, o, w)),
      unlocked_ioctl: ops.proc_ioctl ? (f, c, a) => ops.proc_ioctl!(f, c, a) : undefined,
      // proc_reg_mmap: an entry without proc_mmap answers EIO (not ENODEV).
      mmap: (f, v) => (ops.proc_mmap ? ops.proc_mmap(f, v) : -ERRNO.EIO),
      poll: ops.proc_poll ? (f, w) => ops.proc_poll!(f, w) : undefined,
      release: ops.proc_release ? (i, f) => ops.proc_release!(i, f) : undefined,
    };
    ino.fop = fop;
    return this.register(name, parent, ino);
  }

  /** proc_create_seq_data: proc_seq_open → seq_open, seq_read_iter, seq_lseek, seq_release. */
  proc_create_seq(
    name: string,
    mode: number,
    parent: proc_dir_entry | null,
    ops: seq_operations,
    data?: unknown,
  ): Pde | null {
    const ino = this.regInode(mode);
    ino.i_private = data;
    const where = () => `/proc/${name}`;
    ino.fop = {
      open: (_i, f) => {
        const r = seq_open(f, ops);
        if (!r) seqOf(f).private = data;
        return r;
      },
      read: (f, b, c, p) => seq_read(this.vfs, f, b, c, p, where()),
      llseek: (f, o, w) => seq_lseek(this.vfs, f, o, w),
      mmap: () => -ERRNO.EIO,
      release: (i, f) => seq_release(i, f),
    };
    return this.register(name, parent, ino);
  }

  /** proc_create_single_data: single_open(file, show, data). */
  proc_create_single(
    name: string,
    mode: number,
    parent: proc_dir_entry | null,
    show: (m: seq_file, v: unknown) => number,
    data?: unknown,
  ): Pde | null {
    const ino = this.regInode(mode);
    ino.i_private = data;
    ino.fop = {
      open: (_i, f) => single_open(f, show, data),
      read: (f, b, c, p) => seq_read(this.vfs, f, b, c, p, `/proc/${name}`),
      llseek: (f, o, w) => seq_lseek(this.vfs, f, o, w),
      mmap: () => -ERRNO.EIO,
      release: (i, f) => seq_release(i, f),
    };
    return this.register(name, parent, ino);
  }

  proc_mkdir(name: string, parent: proc_dir_entry | null, mode = 0o555): Pde | null {
    const ino = this.vfs.dirInode(mode);
    return this.register(name, parent, ino);
  }

  proc_symlink(name: string, parent: proc_dir_entry | null, dest: string): Pde | null {
    const ino = new Inode(0o120777);
    ino.link = dest;
    return this.register(name, parent, ino);
  }

  /** remove_proc_entry. Ref: fs/proc/generic.c */
  remove_proc_entry(name: string, parent: proc_dir_entry | null): void {
    let dir = this.parentOf(parent);
    const parts = name.split('/');
    const last = parts.pop()!;
    for (const p of parts) dir = dir?.d_inode.children?.get(p) ?? null;
    const d = dir?.d_inode.children?.get(last);
    if (!dir || !d) {
      this.vfs.ctx.printk(`\x014WARNING: remove_proc_entry: name '${name}'`);
      return;
    }
    if (d.d_inode.isDir && d.d_inode.children!.size) {
      const [first] = d.d_inode.children!.keys();
      this.vfs.ctx.printk(
        `\x014WARNING: remove_proc_entry: removing non-empty directory '${dir.path.replace(/^\/proc\/?/, '')}/${last}', leaking at least '${first}'`,
      );
    }
    this.vfs.remove(d);
  }

  /** proc_remove: the entry and everything under it. */
  proc_remove(de: proc_dir_entry | null): void {
    if (de instanceof Pde) this.vfs.remove(de.dentry);
  }

  /** Entries a module left behind at rmmod (Linux would oops when they are next used). */
  ownedBy(module: string): Pde[] {
    const out: Pde[] = [];
    const walk = (d: Dentry) => {
      const t = d.d_inode.tag;
      if (t instanceof Pde && t.owner === module) {
        out.push(t);
        return;
      }
      for (const c of d.d_inode.children?.values() ?? []) walk(c);
    };
    walk(this.root);
    return out;
  }
}

/** A seq_operations over the lines of a text produced afresh at each start(), as a walk of a live table. */
export function linesSeq(header: string | null, lines: () => string[]): seq_operations {
  let cache: string[] = [];
  return {
    start: (_m, pos) => {
      cache = lines();
      if (header !== null)
        return pos.value === 0 ? { h: header } : pos.value - 1 < cache.length ? { l: cache[pos.value - 1] } : null;
      return pos.value < cache.length ? { l: cache[pos.value] } : null;
    },
    next: (_m, _v, pos) => {
      pos.value++;
      const i = header !== null ? pos.value - 1 : pos.value;
      return i < cache.length ? { l: cache[i] } : null;
    },
    stop: () => {},
    show: (m, v) => {
      const r = v as { h?: string; l?: string };
      seq_puts(m, (r.h ?? r.l ?? '') + '\n');
      return 0;
    },
  };
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(Pde.prototype);
