/**
 * Character devices: register_chrdev (a major and its 256 minors), chrdev_open (the device node's
 * open finds the driver by i_rdev and swaps in its file_operations), device nodes in /dev
 * (devtmpfs: device_create makes one, mknod(2) too), /proc/devices; and the misc devices on major
 * 10 (misc_register, misc_open, /proc/misc).
 *
 * Ref: fs/char_dev.c, drivers/base/devtmpfs.c, drivers/char/misc.c
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { file_operations, miscdevice, class_, device } from '../../../../src/api/fs-kernel.ts';
import { Inode, S_IFCHR, S_IFMT, type Dentry, type Vfs, type File } from './vfs.ts';

const MINORBITS = 20;
export const MKDEV = (ma: number, mi: number): number => ((ma << MINORBITS) | mi) >>> 0;
export const MAJOR = (dev: number): number => dev >>> MINORBITS;
export const MINOR = (dev: number): number => dev & ((1 << MINORBITS) - 1);
/** The user's dev_t (makedev) → the kernel's (new_decode_dev). */
export const new_decode_dev = (dev: number): number =>
  MKDEV((dev >>> 8) & 0xfff, (dev & 0xff) | ((dev >>> 12) & 0xfff00));
const MISC_MAJOR = 10;
const MISC_DYNAMIC_MINOR = 255;
const DYNAMIC_MINORS = 128;
/** CHRDEV_MAJOR_DYN_END..MAX: where register_chrdev(0, …) looks for a free major, from the top. */
const CHRDEV_MAJOR_DYN_END = 234;
const CHRDEV_MAJOR_MAX = 512;
const CHRDEV_MAJOR_DYN_EXT_START = 511;

interface Chrdev {
  major: number;
  baseminor: number;
  minorct: number;
  name: string;
  fops: file_operations;
  owner: string;
}
interface Misc {
  misc: miscdevice;
  owner: string;
  node: Dentry | null;
}

/** Character devices, misc devices and /dev of one kernel. */
export class CharDevs {
  readonly dev: Dentry;
  readonly chrdevs: Chrdev[] = [];
  readonly miscs: Misc[] = [];
  private readonly classes = new Map<string, { cls: class_; devices: Map<number, Dentry> }>();
  owner = () => '';

  constructor(readonly vfs: Vfs) {
    this.dev = vfs.mount('devtmpfs', '/dev', 'devtmpfs', 'rw,nosuid,relatime,mode=755', 0o755);
    // The misc major itself: chrdev_open → misc_open.
    this.chrdevs.push({
      major: MISC_MAJOR,
      baseminor: 0,
      minorct: 256,
      name: 'misc',
      fops: { open: (i, f) => this.misc_open(i.i_rdev, f as File) },
      owner: '',
    });
    // drivers/char/mem.c: memory_open picks the minor's fops (null, zero, kmsg); others are not modelled.
    this.chrdevs.push({
      major: 1,
      baseminor: 0,
      minorct: 256,
      name: 'mem',
      fops: { open: (i, f) => this.memory_open(i.i_rdev, f as File) },
      owner: '',
    });
  }

  /** A device node (mknod / devtmpfs): open goes to chrdev_open. */
  mknod(dir: Dentry, name: string, mode: number, devt: number, uid = 0): Dentry | null {
    const ino = new Inode(S_IFCHR | (mode & 0o7777), uid);
    ino.i_rdev = devt;
    ino.fop = { open: (i, f) => this.chrdev_open(i.i_rdev, f as File) };
    return this.vfs.add(dir, name, ino);
  }

  /** The mknod(2) syscall: root only (CAP_MKNOD); only character devices and in /dev here. */
  sys_mknod(path: string, mode: number, dev: number, uid: number): number {
    if ((mode & S_IFMT) !== S_IFCHR)
      return (mode & S_IFMT) === 0o100000 || (mode & S_IFMT) === 0o010000 ? -ERRNO.EPERM : -ERRNO.EINVAL;
    const slash = path.lastIndexOf('/');
    const dir = this.vfs.lookup(slash <= 0 ? '/' : path.slice(0, slash), uid);
    if (typeof dir === 'number') return dir;
    const name = path.slice(slash + 1);
    if (dir.d_inode.children?.has(name)) return -ERRNO.EEXIST;
    if (uid !== 0) return -ERRNO.EPERM;
    if (dir !== this.dev && !dir.path.startsWith('/dev/')) return -ERRNO.EPERM;
    return this.mknod(dir, name, mode, new_decode_dev(dev)) ? 0 : -ERRNO.EEXIST;
  }

  private find(devt: number): Chrdev | undefined {
    const ma = MAJOR(devt),
      mi = MINOR(devt);
    return this.chrdevs.find((c) => c.major === ma && mi >= c.baseminor && mi < c.baseminor + c.minorct);
  }

  /** Ref: fs/char_dev.c:chrdev_open */
  private async chrdev_open(devt: number, f: File): Promise<number> {
    const c = this.find(devt);
    if (!c) return -ERRNO.ENXIO;
    f.f_op = c.fops;
    this.hold(f, c.fops, c.owner);
    if (c.fops.open) return this.vfs.call(`${c.name}: open`, () => c.fops.open!(f.f_inode, f));
    return 0;
  }

  /** fops_get: fops with `owner` (THIS_MODULE) pin their module while the file is open (rmmod: EAGAIN). */
  private hold(f: File, fops: file_operations, owner: string): void {
    if (!fops.owner || !owner) return;
    f.module = owner;
    this.vfs.ctx.moduleGet(owner);
  }

  /** The memory devices by minor (drivers/char/mem.c's devlist). */
  readonly mem = new Map<number, { name: string; mode: number; fops: file_operations }>([
    [3, { name: 'null', mode: 0o666, fops: { read: () => 0, write: (_f, _b, c) => c, llseek: (f) => (f.f_pos = 0) } }],
    [
      5,
      {
        name: 'zero',
        mode: 0o666,
        fops: {
          read: (_f, b, c) => {
            const n = Math.min(c, 1 << 20);
            if (!n) return 0;
            const left = this.vfs.copy_to_user(b, new Uint8Array(n), n);
            return left === n ? -ERRNO.EFAULT : n - left;
          },
          write: (_f, _b, c) => c,
          llseek: (f) => (f.f_pos = 0),
        },
      },
    ],
  ]);

  private async memory_open(devt: number, f: File): Promise<number> {
    const m = this.mem.get(MINOR(devt));
    if (!m) return -ERRNO.ENXIO;
    f.f_op = m.fops;
    if (m.fops.open) return this.vfs.call(`${m.name}: open`, () => m.fops.open!(f.f_inode, f));
    return 0;
  }

  /** devtmpfs's nodes for the memory devices. */
  memNodes(): void {
    for (const [minor, m] of this.mem) this.mknod(this.dev, m.name, m.mode, MKDEV(1, minor));
  }

  /** register_chrdev: major 0 picks a free one (from 254 down). */
  register_chrdev(major: number, name: string, fops: file_operations): number {
    if (major === 0) {
      for (let m = CHRDEV_MAJOR_DYN_END + 20; m >= CHRDEV_MAJOR_DYN_END; m--) {
        if (!this.chrdevs.some((c) => c.major === m)) {
          major = m;
          break;
        }
      }
      if (major === 0) {
        for (let m = CHRDEV_MAJOR_DYN_EXT_START; m >= 384; m--)
          if (!this.chrdevs.some((c) => c.major === m)) {
            major = m;
            break;
          }
      }
      if (major === 0) return -ERRNO.EBUSY;
    } else if (major >= CHRDEV_MAJOR_MAX) {
      this.vfs.ctx.printk(
        `\x013CHRDEV "${name}" major requested (${major}) is greater than the maximum (${CHRDEV_MAJOR_MAX - 1})`,
      );
      return -ERRNO.EINVAL;
    } else if (this.chrdevs.some((c) => c.major === major)) {
      this.vfs.ctx.printk(
        `\x013CHRDEV "${name}" minor range requested (0-255) is out of range of maximum range (0-255) for a single major`,
      );
      return -ERRNO.EBUSY;
    }
    this.chrdevs.push({ major, baseminor: 0, minorct: 256, name, fops, owner: this.owner() });
    return major;
  }

  unregister_chrdev(major: number, name: string): void {
    const i = this.chrdevs.findIndex((c) => c.major === major && c.name === name);
    if (i >= 0) this.chrdevs.splice(i, 1);
  }

  class_create(name: string): class_ {
    const cls = { name };
    this.classes.set(name, { cls, devices: new Map() });
    return cls;
  }

  class_destroy(cls: class_): void {
    this.classes.delete(cls.name);
  }

  /** device_create: devtmpfs makes /dev/<name> (0600, root). */
  device_create(cls: class_, _parent: device | null, devt: number, _drvdata: unknown, name: string): device {
    const node = this.mknod(this.dev, name, 0o600, devt);
    if (node) this.classes.get(cls.name)?.devices.set(devt, node);
    return { devt, name };
  }

  device_destroy(cls: class_, devt: number): void {
    const c = this.classes.get(cls.name);
    const node = c?.devices.get(devt);
    if (node) {
      this.vfs.remove(node);
      c!.devices.delete(devt);
    }
  }

  // ---- misc --------------------------------------------------------------------------------------

  /** Ref: drivers/char/misc.c:misc_register */
  misc_register(misc: miscdevice): number {
    if (misc.minor === MISC_DYNAMIC_MINOR) {
      let m = -1;
      for (let i = 0; i < DYNAMIC_MINORS; i++) {
        const minor = DYNAMIC_MINORS - i - 1;
        if (!this.miscs.some((x) => x.misc.minor === minor)) {
          m = minor;
          break;
        }
      }
      if (m < 0) return -ERRNO.EBUSY;
      misc.minor = m;
    } else if (this.miscs.some((x) => x.misc.minor === misc.minor)) return -ERRNO.EBUSY;
    if (this.dev.d_inode.children!.has(misc.name)) {
      this.vfs.ctx.printk(`\x013sysfs: cannot create duplicate filename '/devices/virtual/misc/${misc.name}'`);
      return -ERRNO.EEXIST;
    }
    const node = this.mknod(this.dev, misc.name, misc.mode ?? 0o600, MKDEV(MISC_MAJOR, misc.minor));
    misc.this_device = { devt: MKDEV(MISC_MAJOR, misc.minor), name: misc.name };
    this.miscs.unshift({ misc, owner: this.owner(), node });
    return 0;
  }

  misc_deregister(misc: miscdevice): void {
    const i = this.miscs.findIndex((x) => x.misc === misc);
    if (i < 0) return;
    const [m] = this.miscs.splice(i, 1);
    if (m!.node) this.vfs.remove(m!.node);
    misc.this_device = undefined;
  }

  /** Ref: drivers/char/misc.c:misc_open */
  private async misc_open(devt: number, f: File): Promise<number> {
    const m = this.miscs.find((x) => x.misc.minor === MINOR(devt));
    if (!m) return -ERRNO.ENODEV;
    f.private_data = m.misc;
    f.f_op = m.misc.fops;
    this.hold(f, m.misc.fops, m.owner);
    if (m.misc.fops.open) return this.vfs.call(`${m.misc.name}: open`, () => m.misc.fops.open!(f.f_inode, f));
    return 0;
  }

  /** /proc/devices' character part. */
  devicesText(): string {
    const majors = [...this.chrdevs].sort((a, b) => a.major - b.major);
    return (
      'Character devices:\n' +
      majors.map((c) => `${String(c.major).padStart(3)} ${c.name}\n`).join('') +
      '\nBlock devices:\n'
    );
  }

  /** /proc/misc. */
  miscText(): string {
    return this.miscs.map((m) => `${String(m.misc.minor).padStart(3)} ${m.misc.name}\n`).join('');
  }

  ownedBy(module: string): { chrdevs: Chrdev[]; miscs: Misc[] } {
    return {
      chrdevs: this.chrdevs.filter((c) => c.owner === module),
      miscs: this.miscs.filter((m) => m.owner === module),
    };
  }
}
