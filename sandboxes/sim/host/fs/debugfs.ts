/**
 * debugfs, mounted at /sys/kernel/debug (mode 0700: root only): directories, files with the
 * module's file_operations, and the attribute helpers (u32/u64/x32 through simple_attr, bool, blob).
 *
 * Ref: fs/debugfs/inode.c, fs/debugfs/file.c, fs/libfs.c (simple_attr_*)
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { dentry, file_operations, debugfs_blob_wrapper, Ptr, file } from '../../../../src/api/fs-kernel.ts';
import { kstrtobool } from '../../../../src/api/fs-kernel.ts';
import { type Dentry, Inode, S_IFMT, S_IFREG, type Vfs } from './vfs.ts';

/** A debugfs dentry as modules hold it. */
export class DebugfsDentry implements dentry {
  constructor(
    readonly d: Dentry | null,
    readonly owner: string,
    readonly err = 0,
  ) {}
  get name(): string {
    return this.d?.name ?? '';
  }
  get path(): string {
    return this.d?.path ?? '';
  }
  get d_inode(): Inode {
    return this.d?.d_inode ?? new Inode(0);
  }
}

interface SimpleAttr {
  get: (() => bigint) | null;
  set: ((v: bigint) => number) | null;
  fmt: (v: bigint) => string;
  get_buf: string;
}

export class DebugFs {
  readonly root: Dentry;
  owner = () => '';

  constructor(readonly vfs: Vfs) {
    vfs.mkdirp('/sys/kernel', 0o755);
    this.root = vfs.mount('debugfs', '/sys/kernel/debug', 'debugfs', 'rw,nosuid,nodev,noexec,relatime', 0o700);
  }

  private parent(p: dentry | null): Dentry | null {
    if (!p) return this.root;
    return p instanceof DebugfsDentry ? p.d : null;
  }

  private create(name: string, parent: dentry | null, ino: Inode): DebugfsDentry {
    const dir = this.parent(parent);
    if (!dir || !dir.d_inode.isDir) return new DebugfsDentry(null, this.owner(), -ERRNO.ENOENT);
    if (dir.d_inode.children!.has(name)) {
      this.vfs.ctx.printk(`\x013debugfs: '${name}' already exists in '${dir === this.root ? '' : dir.name}'`);
      return new DebugfsDentry(null, this.owner(), -ERRNO.EEXIST);
    }
    return new DebugfsDentry(this.vfs.add(dir, name, ino), this.owner());
  }

  debugfs_create_dir(name: string, parent: dentry | null): DebugfsDentry {
    return this.create(name, parent, this.vfs.dirInode(0o755));
  }

  debugfs_create_file(
    name: string,
    mode: number,
    parent: dentry | null,
    data: unknown,
    fops: file_operations,
  ): DebugfsDentry {
    if (!(mode & S_IFMT)) mode |= S_IFREG;
    const ino = new Inode(mode);
    ino.i_private = data;
    ino.fop = fops;
    return this.create(name, parent, ino);
  }

  /** simple_attr fops (DEFINE_DEBUGFS_ATTRIBUTE): no llseek, so lseek is ESPIPE. */
  private attrFops(attr: () => SimpleAttr): file_operations {
    const vfs = this.vfs;
    return {
      open: (_i, f) => {
        f.private_data = attr();
        return 0;
      },
      read: (f, buf, len, ppos) => {
        const a = f.private_data as SimpleAttr;
        if (!a.get) return -ERRNO.EACCES;
        if (!(ppos.value && a.get_buf)) a.get_buf = a.fmt(a.get());
        return vfs.simple_read_from_buffer(buf, len, ppos, a.get_buf);
      },
      write: (f, buf, len) => {
        const a = f.private_data as SimpleAttr;
        if (!a.set) return -ERRNO.EACCES;
        const size = Math.min(23, len);
        const b = new Uint8Array(size);
        if (vfs.copy_from_user(b, buf, size)) return -ERRNO.EFAULT;
        const text = new TextDecoder().decode(b).replace(/\0.*$/s, '');
        const v = kstrtoull(text);
        if (typeof v === 'number') return v;
        const r = a.set(v);
        return r === 0 ? len : r;
      },
    };
  }

  private attrFile(
    name: string,
    mode: number,
    parent: dentry | null,
    get: () => bigint,
    set: (v: bigint) => void,
    fmt: (v: bigint) => string,
  ): void {
    const canW = (mode & 0o222) !== 0;
    const canR = (mode & 0o444) !== 0;
    this.debugfs_create_file(
      name,
      mode,
      parent,
      null,
      this.attrFops(() => ({
        get: canR ? get : null,
        set: canW
          ? (v) => {
              set(v);
              return 0;
            }
          : null,
        fmt,
        get_buf: '',
      })),
    );
  }

  debugfs_create_u32(name: string, mode: number, parent: dentry | null, value: Ptr<number>): void {
    this.attrFile(
      name,
      mode,
      parent,
      () => BigInt(value.value >>> 0),
      (v) => {
        value.value = Number(v & 0xffffffffn);
      },
      (v) => `${v}\n`,
    );
  }

  debugfs_create_u64(name: string, mode: number, parent: dentry | null, value: Ptr<number>): void {
    this.attrFile(
      name,
      mode,
      parent,
      () => BigInt(Math.max(0, Math.trunc(value.value))),
      (v) => {
        value.value = Number(v);
      },
      (v) => `${v}\n`,
    );
  }

  debugfs_create_x32(name: string, mode: number, parent: dentry | null, value: Ptr<number>): void {
    this.attrFile(
      name,
      mode,
      parent,
      () => BigInt(value.value >>> 0),
      (v) => {
        value.value = Number(v & 0xffffffffn);
      },
      (v) => `0x${v.toString(16).padStart(8, '0')}\n`,
    );
  }

  /** debugfs_create_bool: Y/N; a read-only one has no write (EINVAL). Ref: fs/debugfs/file.c */
  debugfs_create_bool(name: string, mode: number, parent: dentry | null, value: Ptr<boolean>): void {
    const vfs = this.vfs;
    const fops: file_operations = {
      open: (i, f: file) => {
        f.private_data = i.i_private;
        return 0;
      },
      llseek: (f, o, w) =>
        w === 0 && o >= 0 ? (f.f_pos = o) : w === 1 && f.f_pos + o >= 0 ? (f.f_pos += o) : -ERRNO.EINVAL,
    };
    if (mode & 0o444)
      fops.read = (_f, buf, count, ppos) =>
        vfs.simple_read_from_buffer(buf, count, ppos, value.value ? 'Y\n' : 'N\n', 2);
    if (mode & 0o222) {
      fops.write = (_f, buf, count) => {
        const n = Math.min(count, 31);
        const b = new Uint8Array(n);
        if (vfs.copy_from_user(b, buf, n)) return -ERRNO.EFAULT;
        const r: Ptr<boolean> = { value: false };
        const err = kstrtobool(new TextDecoder().decode(b), r);
        if (err) return err;
        value.value = r.value;
        return count;
      };
    }
    this.debugfs_create_file(name, mode, parent, value, fops);
  }

  /** debugfs_create_blob: the blob's bytes, read-only (Linux 6.1; 6.18 also takes writes when mode allows). */
  debugfs_create_blob(name: string, mode: number, parent: dentry | null, blob: debugfs_blob_wrapper): DebugfsDentry {
    return this.debugfs_create_file(name, mode, parent, blob, {
      open: (i, f) => {
        f.private_data = i.i_private;
        return 0;
      },
      read: (_f, buf, count, ppos) =>
        this.vfs.simple_read_from_buffer(buf, count, ppos, blob.data, Math.min(blob.size, blob.data.length)),
      llseek: (f, o, w) =>
        w === 0 && o >= 0
          ? (f.f_pos = o)
          : w === 1 && f.f_pos + o >= 0
            ? (f.f_pos += o)
            : w === 2 && blob.size + o >= 0
              ? (f.f_pos = blob.size + o)
              : -ERRNO.EINVAL,
    });
  }

  debugfs_remove(d: dentry | null): void {
    if (d instanceof DebugfsDentry && d.d) this.vfs.remove(d.d);
  }

  debugfs_lookup(name: string, parent: dentry | null): DebugfsDentry | null {
    const dir = this.parent(parent);
    const d = dir?.d_inode.children?.get(name);
    return d ? new DebugfsDentry(d, this.owner()) : null;
  }

  /** Top-level entries a module made and left behind. */
  ownedBy(_module: string): Dentry[] {
    return [];
  }
}

/** kstrtoull(s, 0): the value, or -EINVAL / -ERANGE. */
function kstrtoull(s: string): bigint | number {
  let i = 0;
  if (s[0] === '+') i = 1;
  let base = 10;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (s[i] === '0') base = 8;
  let v = 0n;
  let digits = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 16);
    if (Number.isNaN(d) || d >= base) break;
    v = v * BigInt(base) + BigInt(d);
    digits++;
    if (v > 0xffffffffffffffffn) return -ERRNO.ERANGE;
  }
  if (!digits) return -ERRNO.EINVAL;
  if (s[i] === '\n') i++;
  if (i !== s.length) return -ERRNO.EINVAL;
  return v;
}

// Module code and programs get these objects: their prototypes are frozen, so no program can
// change a method or getter the kernel itself uses on them.
Object.freeze(DebugfsDentry.prototype);
