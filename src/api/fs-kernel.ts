/**
 * netlink-lab/kernel, files: what a module needs to offer a file — a character device
 * (misc_register, register_chrdev), a /proc entry (proc_create, seq_file), a sysctl
 * (register_sysctl), module parameters (module_param, /sys/module/<name>/parameters), a debugfs
 * file, a relay channel, and boot parameters (__setup, early_param). Linux's names and arguments;
 * where C passes a pointer to a variable, TypeScript passes a cell `{ value }` (Ptr<T>).
 *
 * User memory is addressed by numbers (`__user` pointers, type user_ptr): a handler receives the
 * address of the program's buffer and reaches it only with copy_to_user / copy_from_user (and
 * get_user / put_user / simple_read_from_buffer / simple_write_to_buffer), which fail on an address
 * the program did not pass — the EFAULT a C driver gets for a bad pointer.
 *
 * Every function dispatches to the attached kernel's `vfsApi` (the simulated kernel; a real kernel
 * runs the C twin instead).
 */
import { backend, type Backend } from './backend.ts';

// ioctl numbers, for drivers decoding their commands (asm-generic/ioctl.h).
export {
  _IOC,
  _IO,
  _IOR,
  _IOW,
  _IOWR,
  _IOC_DIR,
  _IOC_TYPE,
  _IOC_NR,
  _IOC_SIZE,
  _IOC_NONE,
  _IOC_READ,
  _IOC_WRITE,
  _IOC_NRBITS,
  _IOC_TYPEBITS,
  _IOC_SIZEBITS,
  _IOC_DIRBITS,
  _IOC_NRSHIFT,
  _IOC_TYPESHIFT,
  _IOC_SIZESHIFT,
  _IOC_DIRSHIFT,
} from './fs.ts';

// ---- plain C types --------------------------------------------------------------------------------

/** A pointer to a variable: C's `int *` is Ptr<number>, `bool *` Ptr<boolean>, `char **` Ptr<string>. */
export interface Ptr<T> {
  value: T;
}
/** A user-space address (`void __user *`): only copy_to_user and friends may use it. */
export type user_ptr = number;
/** loff_t: a file offset. */
export type loff_t = number;
/** dev_t: major and minor (MKDEV). */
export type dev_t = number;
/** umode_t: permission bits (0o644) and, for nodes, the type (S_IFCHR). */
export type umode_t = number;

/** struct inode, as handlers see it. */
export interface inode {
  /** i_mode: type and permission bits. */
  readonly i_mode: umode_t;
  /** i_rdev: the device number of a device node (imajor/iminor read it). */
  readonly i_rdev: dev_t;
  /** i_private: what debugfs_create_file / proc_create_data was given. */
  i_private: unknown;
  /** i_size (0 for most special files). */
  i_size: number;
}

/** struct file: one open of a file. */
export interface file {
  /** f_flags: the open flags (O_RDONLY, O_NONBLOCK, …). */
  f_flags: number;
  /** f_mode: FMODE_READ | FMODE_WRITE (and FMODE_LSEEK, FMODE_PREAD, …). */
  f_mode: number;
  /** f_pos: the offset (the *ppos handlers get points here). */
  f_pos: loff_t;
  /** private_data: set by open (misc_open puts the struct miscdevice here; seq_open the seq_file). */
  private_data: unknown;
  /** f_inode (file_inode(file)). */
  readonly f_inode: inode;
  /** f_op: the file's operations. */
  readonly f_op: file_operations;
}

/** struct vm_area_struct: the mapping an mmap handler fills (remap_pfn_range). */
export interface vm_area_struct {
  readonly vm_start: number;
  readonly vm_end: number;
  /** The offset asked for, in pages. */
  readonly vm_pgoff: number;
  /** VM_READ | VM_WRITE | VM_SHARED | …; a handler may add VM_DONTEXPAND, VM_DONTDUMP, VM_IO. */
  vm_flags: number;
  readonly vm_page_prot: number;
  readonly vm_file: file;
  vm_private_data: unknown;
  /** vm_ops: open/close of the mapping. */
  vm_ops?: { open?(vma: vm_area_struct): void; close?(vma: vm_area_struct): void };
}

/** struct poll_table_struct (passed to poll_wait). */
export interface poll_table {
  readonly _qproc: true;
}

/** wait_queue_head_t: what wake_up_interruptible wakes and poll_wait registers on. */
export interface wait_queue_head_t {
  readonly _waitq: true;
}

/** A handler's result: a value or, for handlers that sleep, a promise of it. */
export type MaybeAsync<T> = T | Promise<T>;

/** struct file_operations. Return a byte count / 0 / a negative errno, as C does. */
export interface file_operations {
  owner?: unknown;
  open?(inode: inode, file: file): MaybeAsync<number>;
  read?(file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): MaybeAsync<number>;
  write?(file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): MaybeAsync<number>;
  llseek?(file: file, offset: loff_t, whence: number): number;
  unlocked_ioctl?(file: file, cmd: number, arg: number): MaybeAsync<number>;
  mmap?(file: file, vma: vm_area_struct): number;
  poll?(file: file, wait: poll_table): number;
  release?(inode: inode, file: file): number | void;
}

/** struct proc_ops (procfs files since 5.6; file_operations before). */
export interface proc_ops {
  proc_flags?: number;
  proc_open?(inode: inode, file: file): MaybeAsync<number>;
  proc_read?(file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): MaybeAsync<number>;
  proc_write?(file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): MaybeAsync<number>;
  proc_lseek?(file: file, offset: loff_t, whence: number): number;
  proc_ioctl?(file: file, cmd: number, arg: number): MaybeAsync<number>;
  proc_mmap?(file: file, vma: vm_area_struct): number;
  proc_poll?(file: file, wait: poll_table): number;
  proc_release?(inode: inode, file: file): number | void;
}

/** struct proc_dir_entry: a /proc entry or directory. */
export interface proc_dir_entry {
  readonly name: string;
  readonly path: string;
}

/** struct seq_file. `private` is what seq_open_private / single_open's data / proc_create_seq_data gave. */
export interface seq_file {
  readonly file: file;
  /** The position start/next work with (the record index, not a byte offset). */
  index: number;
  private: unknown;
  /** Bytes written so far into this round's buffer. */
  readonly count: number;
  /** The buffer's size (PAGE_SIZE, doubled when one record does not fit). */
  readonly size: number;
}

/** The value start() returns for the header line (SEQ_START_TOKEN). */
export const SEQ_START_TOKEN: unique symbol = Symbol('SEQ_START_TOKEN');

/** struct seq_operations: start/next return a record (anything but null) or null at the end. */
export interface seq_operations {
  start(m: seq_file, pos: Ptr<loff_t>): unknown;
  next(m: seq_file, v: unknown, pos: Ptr<loff_t>): unknown;
  stop(m: seq_file, v: unknown): void;
  show(m: seq_file, v: unknown): number;
}

/** proc_handler: `buffer` is a kernel copy of the user's bytes (since 5.8); `lenp` and `ppos` are in/out. */
export type proc_handler = (
  table: ctl_table,
  write: number,
  buffer: Uint8Array,
  lenp: Ptr<number>,
  ppos: Ptr<loff_t>,
) => number;

/** struct ctl_table: one sysctl. `data` is the variable: Ptr<number> for the int handlers, Ptr<string> for proc_dostring. */
export interface ctl_table {
  procname: string;
  data?: Ptr<number> | Ptr<string> | Ptr<unknown>;
  /** sizeof the variable: 4 for an int (sizeof(int)), the buffer size for a string (room for the NUL included). */
  maxlen: number;
  mode: umode_t;
  proc_handler: proc_handler;
  /** proc_dointvec_minmax's bounds (pointers in C: cells here, or SYSCTL_ZERO, SYSCTL_ONE, SYSCTL_INT_MAX …). */
  extra1?: Ptr<number>;
  extra2?: Ptr<number>;
}
/** struct ctl_table_header: what register_sysctl returns. */
export interface ctl_table_header {
  readonly path: string;
}

/** struct miscdevice. */
export interface miscdevice {
  /** MISC_DYNAMIC_MINOR (255) asks for one; set by misc_register. */
  minor: number;
  /** The node's name: /dev/<name>. */
  name: string;
  fops: file_operations;
  /** The node's permission bits (default 0600: root only). */
  mode?: umode_t;
  /** this_device, once registered. */
  this_device?: device;
}
/** struct class (class_create). */
export interface class_ {
  readonly name: string;
}
/** struct device (device_create). */
export interface device {
  readonly devt: dev_t;
  readonly name: string;
}

/** struct dentry: a debugfs (or relay) file or directory. */
export interface dentry {
  readonly name: string;
  readonly path: string;
  readonly d_inode: inode;
}
/** struct debugfs_blob_wrapper. */
export interface debugfs_blob_wrapper {
  data: Uint8Array;
  size: number;
}

/** Module parameter types, as module_param's second argument names them. */
export type param_type = 'int' | 'uint' | 'long' | 'ulong' | 'short' | 'ushort' | 'bool' | 'invbool' | 'charp' | 'byte';
/** struct kernel_param_ops: set parses `val` into the variable; get writes its text into buffer.value and returns its length. */
export interface kernel_param_ops {
  flags?: number;
  set(val: string, kp: kernel_param): number;
  get(buffer: Ptr<string>, kp: kernel_param): number;
  free?(arg: unknown): void;
}
/** struct kernel_param: one parameter; `value` is the variable (for module_param) and `arg` its cell. */
export interface kernel_param<T = unknown> {
  readonly name: string;
  readonly perm: umode_t;
  readonly ops: kernel_param_ops;
  /** The variable (kp->arg): read and write `.value`. */
  readonly arg: Ptr<T>;
  /** The variable's current value (same as arg.value). */
  value: T;
  /** MODULE_PARM_DESC. */
  desc?: string;
}

/** struct rchan_buf: one CPU's buffer of a relay channel. */
export interface rchan_buf {
  readonly cpu: number;
  readonly chan: rchan;
  readonly dentry?: dentry;
  readonly subbufs_produced: number;
  readonly subbufs_consumed: number;
}
/** struct rchan: a relay channel. */
export interface rchan {
  readonly subbuf_size: number;
  readonly n_subbufs: number;
  readonly base_filename: string;
  private_data: unknown;
}
/** struct rchan_callbacks. */
export interface rchan_callbacks {
  /** A sub-buffer is starting; return 0 to drop what is written while every sub-buffer is full (no-overwrite mode), 1 to go on. */
  subbuf_start?(buf: rchan_buf, subbuf: Uint8Array, prev_subbuf: Uint8Array | null, prev_padding: number): number;
  /** Make the file for one CPU's buffer (usually debugfs_create_file(filename, mode, parent, buf, relay_file_operations)). */
  create_buf_file(
    filename: string,
    parent: dentry | null,
    mode: umode_t,
    buf: rchan_buf,
    is_global: Ptr<number>,
  ): dentry | null;
  remove_buf_file(dentry: dentry): number;
}

/** A boot parameter handler (__setup: return 1 when handled; early_param: 0 or -errno). */
export interface boot_param {
  readonly str: string;
  readonly fn: (val: string) => number;
  readonly early: boolean;
}

/** What a kernel provides for files (the simulated kernel's lives in sandboxes/sim/host/vfs). */
export interface VfsKernelApi {
  copy_to_user(to: user_ptr, from: Uint8Array, n: number): number;
  copy_from_user(to: Uint8Array, from: user_ptr, n: number): number;
  misc_register(misc: miscdevice): number;
  misc_deregister(misc: miscdevice): void;
  register_chrdev(major: number, name: string, fops: file_operations): number;
  unregister_chrdev(major: number, name: string): void;
  class_create(name: string): class_;
  class_destroy(cls: class_): void;
  device_create(cls: class_, parent: device | null, devt: dev_t, drvdata: unknown, name: string): device;
  device_destroy(cls: class_, devt: dev_t): void;
  remap_pfn_range(vma: vm_area_struct, addr: number, pfn: number, size: number, prot: number): number;
  virt_to_phys(buf: Uint8Array): number;
  kzalloc(size: number): Uint8Array;
  get_zeroed_page(): Uint8Array;
  proc_create(
    name: string,
    mode: umode_t,
    parent: proc_dir_entry | null,
    ops: proc_ops,
    data?: unknown,
  ): proc_dir_entry | null;
  proc_create_seq(
    name: string,
    mode: umode_t,
    parent: proc_dir_entry | null,
    ops: seq_operations,
    data?: unknown,
  ): proc_dir_entry | null;
  proc_create_single(
    name: string,
    mode: umode_t,
    parent: proc_dir_entry | null,
    show: (m: seq_file, v: unknown) => number,
    data?: unknown,
  ): proc_dir_entry | null;
  proc_mkdir(name: string, parent: proc_dir_entry | null): proc_dir_entry | null;
  proc_symlink(name: string, parent: proc_dir_entry | null, dest: string): proc_dir_entry | null;
  remove_proc_entry(name: string, parent: proc_dir_entry | null): void;
  proc_remove(de: proc_dir_entry | null): void;
  pde_data(inode: inode): unknown;
  seq_open(file: file, ops: seq_operations): number;
  seq_read(file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): number;
  seq_lseek(file: file, offset: loff_t, whence: number): number;
  seq_release(inode: inode, file: file): number;
  single_open(file: file, show: (m: seq_file, v: unknown) => number, data?: unknown): number;
  single_release(inode: inode, file: file): number;
  seq_write(m: seq_file, data: Uint8Array): void;
  seq_puts(m: seq_file, s: string): void;
  seq_has_overflowed(m: seq_file): boolean;
  register_sysctl(path: string, table: ctl_table[]): ctl_table_header | null;
  unregister_sysctl_table(header: ctl_table_header | null): void;
  proc_handlers: Record<
    | 'proc_dointvec'
    | 'proc_dointvec_minmax'
    | 'proc_douintvec'
    | 'proc_douintvec_minmax'
    | 'proc_dostring'
    | 'proc_dobool',
    proc_handler
  >;
  debugfs_create_dir(name: string, parent: dentry | null): dentry;
  debugfs_create_file(name: string, mode: umode_t, parent: dentry | null, data: unknown, fops: file_operations): dentry;
  debugfs_create_u32(name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void;
  debugfs_create_u64(name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void;
  debugfs_create_x32(name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void;
  debugfs_create_bool(name: string, mode: umode_t, parent: dentry | null, value: Ptr<boolean>): void;
  debugfs_create_blob(name: string, mode: umode_t, parent: dentry | null, blob: debugfs_blob_wrapper): dentry;
  debugfs_remove(d: dentry | null): void;
  debugfs_lookup(name: string, parent: dentry | null): dentry | null;
  relay_open(
    base_filename: string | null,
    parent: dentry | null,
    subbuf_size: number,
    n_subbufs: number,
    cb: rchan_callbacks,
    private_data: unknown,
  ): rchan | null;
  relay_write(chan: rchan, data: Uint8Array): void;
  relay_flush(chan: rchan): void;
  relay_close(chan: rchan): void;
  relay_reset(chan: rchan): void;
  relay_file_operations: file_operations;
  init_waitqueue_head(): wait_queue_head_t;
  wake_up_interruptible(wq: wait_queue_head_t): void;
  poll_wait(file: file, wq: wait_queue_head_t, wait: poll_table): void;
  wait_event_interruptible(wq: wait_queue_head_t, condition: () => boolean): Promise<number>;
  num_possible_cpus(): number;
  smp_processor_id(): number;
  saved_command_line(): string;
}

function vfs(): VfsKernelApi {
  const b = backend() as Backend & { vfsApi?: VfsKernelApi };
  if (!b.vfsApi) {
    throw new Error(
      'netlink-lab/kernel: the attached kernel runs no TypeScript modules (a real kernel loads the C module of the same name with insmod). Run with the simulated kernel (--kernel sim).',
    );
  }
  return b.vfsApi;
}

// ---- constants ----------------------------------------------------------------------------------

/** misc_register picks a minor. */
export const MISC_DYNAMIC_MINOR = 255;
/** The misc devices' major. */
export const MISC_MAJOR = 10;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const MINORBITS = 20;
export const MINORMASK = (1 << MINORBITS) - 1;
/** MKDEV(ma, mi): the kernel's dev_t (not the user one makedev() builds). */
export const MKDEV = (ma: number, mi: number): dev_t => ((ma << MINORBITS) | mi) >>> 0;
export const MAJOR = (dev: dev_t): number => dev >>> MINORBITS;
export const MINOR = (dev: dev_t): number => dev & MINORMASK;
export const imajor = (inode: inode): number => MAJOR(inode.i_rdev);
export const iminor = (inode: inode): number => MINOR(inode.i_rdev);

/** f_mode bits. */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const FMODE_LSEEK = 0x4;
export const FMODE_PREAD = 0x8;
export const FMODE_PWRITE = 0x10;

/** vm_flags bits (include/linux/mm.h). */
export const VM_READ = 0x1;
export const VM_WRITE = 0x2;
export const VM_EXEC = 0x4;
export const VM_SHARED = 0x8;
export const VM_MAYWRITE = 0x20;
export const VM_IO = 0x4000;
export const VM_DONTEXPAND = 0x40000;
export const VM_DONTDUMP = 0x4000000;

/** poll masks (the kernel's EPOLL* equal the POLL* values). */
export const EPOLLIN = 0x1;
export const EPOLLPRI = 0x2;
export const EPOLLOUT = 0x4;
export const EPOLLERR = 0x8;
export const EPOLLHUP = 0x10;
export const EPOLLRDNORM = 0x40;
export const EPOLLWRNORM = 0x100;

/** Permission shorthands (include/linux/stat.h). */
export const S_IRUSR = 0o400;
export const S_IWUSR = 0o200;
export const S_IRUGO = 0o444;
export const S_IWUGO = 0o222;
export const S_IRWXU = 0o700;
export const S_IFCHR = 0o020000;

/** proc_ops.proc_flags: the file may be opened in a shared way (PROC_ENTRY_PERMANENT is for built-in code). */
export const PROC_ENTRY_PERMANENT = 1;

/** The SYSCTL_* bound cells proc_dointvec_minmax's extra1/extra2 point to (read-only). */
export const SYSCTL_ZERO: Ptr<number> = Object.freeze({ value: 0 });
export const SYSCTL_ONE: Ptr<number> = Object.freeze({ value: 1 });
export const SYSCTL_TWO: Ptr<number> = Object.freeze({ value: 2 });
export const SYSCTL_NEG_ONE: Ptr<number> = Object.freeze({ value: -1 });
export const SYSCTL_ONE_HUNDRED: Ptr<number> = Object.freeze({ value: 100 });
export const SYSCTL_INT_MAX: Ptr<number> = Object.freeze({ value: 0x7fffffff });

/** Seek whence values (kernel spellings equal the user ones). */
export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

// ---- user memory ----------------------------------------------------------------------------------

/** copy_to_user: copy n bytes of `from` to the user address `to`; returns how many could NOT be copied (0 = all). */
export const copy_to_user = (to: user_ptr, from: Uint8Array, n: number): number => vfs().copy_to_user(to, from, n);
/** copy_from_user: copy n bytes from the user address into `to`; returns how many could NOT be copied (0 = all). */
export const copy_from_user = (to: Uint8Array, from: user_ptr, n: number): number => vfs().copy_from_user(to, from, n);
/** put_user(x, ptr) for an int: 0 or -EFAULT. */
export const put_user = (x: number, ptr: user_ptr): number => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, x | 0, true);
  return vfs().copy_to_user(ptr, b, 4) ? -14 : 0;
};
/** get_user(x, ptr) for an int: x.value gets it; 0 or -EFAULT. */
export const get_user = (x: Ptr<number>, ptr: user_ptr): number => {
  const b = new Uint8Array(4);
  if (vfs().copy_from_user(b, ptr, 4)) {
    x.value = 0;
    return -14;
  }
  x.value = new DataView(b.buffer).getInt32(0, true);
  return 0;
};
/**
 * simple_read_from_buffer: copy what is left of `from` after *ppos (at most `count` bytes, at most
 * `available` in all) to the user; advances *ppos; the number copied, 0 at the end, -EFAULT, -EINVAL.
 */
export function simple_read_from_buffer(
  to: user_ptr,
  count: number,
  ppos: Ptr<loff_t>,
  from: Uint8Array | string,
  available?: number,
): number {
  const src = typeof from === 'string' ? new TextEncoder().encode(from) : from;
  const avail = available ?? src.length;
  const pos = ppos.value;
  if (pos < 0) return -22;
  if (pos >= avail || !count) return 0;
  if (count > avail - pos) count = avail - pos;
  const ret = vfs().copy_to_user(to, src.subarray(pos, pos + count), count);
  if (ret === count) return -14;
  count -= ret;
  ppos.value = pos + count;
  return count;
}
/** simple_write_to_buffer: the user's bytes into `to` at *ppos (at most `available`); the number copied or -errno. */
export function simple_write_to_buffer(
  to: Uint8Array,
  available: number,
  ppos: Ptr<loff_t>,
  from: user_ptr,
  count: number,
): number {
  const pos = ppos.value;
  if (pos < 0) return -22;
  if (pos >= available || !count) return 0;
  if (count > available - pos) count = available - pos;
  const tmp = new Uint8Array(count);
  const res = vfs().copy_from_user(tmp, from, count);
  if (res === count) return -14;
  count -= res;
  to.set(tmp.subarray(0, count), pos);
  ppos.value = pos + count;
  return count;
}
/** memdup_user_nul: the user's `len` bytes as a string (what handlers parse with kstrtoint); -EFAULT as a number on a bad address. */
export function strndup_user(from: user_ptr, len: number): string | number {
  const b = new Uint8Array(len);
  if (vfs().copy_from_user(b, from, len)) return -14;
  return new TextDecoder().decode(b);
}

/** kstrtoint(s, base, res): parse an int as the kernel does (one trailing newline allowed); 0, -EINVAL or -ERANGE. */
export function kstrtoint(s: string, base: number, res: Ptr<number>): number {
  return kstrtoll(s, base, res, -0x80000000, 0x7fffffff);
}
/** kstrtouint. */
export function kstrtouint(s: string, base: number, res: Ptr<number>): number {
  return kstrtoll(s, base, res, 0, 0xffffffff, true);
}
/** kstrtobool: y/Y/1/on → true, n/N/0/off → false; 0 or -EINVAL. */
export function kstrtobool(s: string, res: Ptr<boolean>): number {
  const c = s[0];
  if (c === 'y' || c === 'Y' || c === '1') {
    res.value = true;
    return 0;
  }
  if (c === 'n' || c === 'N' || c === '0') {
    res.value = false;
    return 0;
  }
  if ((c === 'o' || c === 'O') && s.length > 1) {
    if (s[1] === 'n' || s[1] === 'N') {
      res.value = true;
      return 0;
    }
    if (s[1] === 'f' || s[1] === 'F') {
      res.value = false;
      return 0;
    }
  }
  return -22;
}
function kstrtoll(s: string, base: number, res: Ptr<number>, min: number, max: number, unsigned = false): number {
  let i = 0;
  let neg = false;
  if (s[0] === '+') i = 1;
  else if (s[0] === '-' && !unsigned) {
    neg = true;
    i = 1;
  }
  let b = base;
  if (b === 0 || b === 16) {
    if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
      b = 16;
      i += 2;
    } else if (b === 0) b = s[i] === '0' ? 8 : 10;
  }
  let v = 0n;
  let digits = 0;
  for (; i < s.length; i++) {
    const d = parseInt(s[i]!, 36);
    if (Number.isNaN(d) || d >= b) break;
    v = v * BigInt(b) + BigInt(d);
    digits++;
    if (v > 0xffffffffffffffffn) return -34;
  }
  if (!digits) return -22;
  if (s[i] === '\n') i++;
  if (i !== s.length) return -22;
  const n = neg ? -v : v;
  if (n < BigInt(min) || n > BigInt(max)) return -34;
  res.value = Number(n);
  return 0;
}

// ---- memory for mmap ------------------------------------------------------------------------------

/** kzalloc: zeroed kernel memory (a page-aligned buffer, so it can be mapped with remap_pfn_range). */
export const kzalloc = (size: number, _gfp = 0): Uint8Array => vfs().kzalloc(size);
/** get_zeroed_page: one zeroed page. */
export const get_zeroed_page = (_gfp = 0): Uint8Array => vfs().get_zeroed_page();
/** free_page / kfree: memory is collected when nothing refers to it; kept for the C spelling. */
export const kfree = (_buf: Uint8Array | null): void => {};
export const free_page = kfree;
/** virt_to_phys: the physical address of kernel memory from kzalloc/get_zeroed_page (>> PAGE_SHIFT is its pfn). */
export const virt_to_phys = (buf: Uint8Array): number => vfs().virt_to_phys(buf);
/** remap_pfn_range: map `size` bytes of physical memory from page `pfn` at user address `addr`; 0, -EINVAL or -EAGAIN. */
export const remap_pfn_range = (vma: vm_area_struct, addr: number, pfn: number, size: number, prot: number): number =>
  vfs().remap_pfn_range(vma, addr, pfn, size, prot);

// ---- character devices ----------------------------------------------------------------------------

/** misc_register: /dev/<name> on major 10; 0 or -EBUSY (minor taken) / -EEXIST (name taken). */
export const misc_register = (misc: miscdevice): number => vfs().misc_register(misc);
/** misc_deregister. */
export const misc_deregister = (misc: miscdevice): void => vfs().misc_deregister(misc);
/** register_chrdev(major, name, fops): major 0 asks for one (returned); minors 0–255. No /dev node: mknod or device_create makes it. */
export const register_chrdev = (major: number, name: string, fops: file_operations): number =>
  vfs().register_chrdev(major, name, fops);
/** unregister_chrdev. */
export const unregister_chrdev = (major: number, name: string): void => vfs().unregister_chrdev(major, name);
/** class_create(name) (6.4+ signature; 6.1 also took THIS_MODULE first). */
export const class_create = (name: string): class_ => vfs().class_create(name);
export const class_destroy = (cls: class_): void => vfs().class_destroy(cls);
/** device_create: /dev/<name> for devt, as udev would make it (mode 0600). */
export const device_create = (
  cls: class_,
  parent: device | null,
  devt: dev_t,
  drvdata: unknown,
  name: string,
): device => vfs().device_create(cls, parent, devt, drvdata, name);
export const device_destroy = (cls: class_, devt: dev_t): void => vfs().device_destroy(cls, devt);
/** The default llseek of a device that keeps an offset: no_llseek/noop_llseek/default_llseek/fixed_size_llseek. */
export function default_llseek(file: file, offset: loff_t, whence: number): number {
  let n: number;
  if (whence === SEEK_SET) n = offset;
  else if (whence === SEEK_CUR) n = file.f_pos + offset;
  else if (whence === SEEK_END) n = file.f_inode.i_size + offset;
  else return -22;
  if (n < 0) return -22;
  file.f_pos = n;
  return n;
}
/** noop_llseek: the offset stays; returns it. */
export const noop_llseek = (file: file, _offset: loff_t, _whence: number): number => file.f_pos;
/** fixed_size_llseek: seek within a file of `size` bytes (-EINVAL outside). */
export function fixed_size_llseek(file: file, offset: loff_t, whence: number, size: number): number {
  const n =
    whence === SEEK_SET ? offset : whence === SEEK_CUR ? file.f_pos + offset : whence === SEEK_END ? size + offset : -1;
  if (n < 0 || n > size) return -22;
  file.f_pos = n;
  return n;
}
/** nonseekable_open: lseek then fails with ESPIPE. */
export const nonseekable_open = (_inode: inode, file: file): number => {
  file.f_mode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
  return 0;
};

// ---- procfs and seq_file -------------------------------------------------------------------------

/** proc_create: /proc/<parent>/<name> with proc_ops; null if it exists. */
export const proc_create = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  ops: proc_ops,
): proc_dir_entry | null => vfs().proc_create(name, mode, parent, ops);
/** proc_create_data: with data for pde_data(inode). */
export const proc_create_data = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  ops: proc_ops,
  data: unknown,
): proc_dir_entry | null => vfs().proc_create(name, mode, parent, ops, data);
/** proc_create_seq: a file whose reads run seq_operations. */
export const proc_create_seq = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  ops: seq_operations,
): proc_dir_entry | null => vfs().proc_create_seq(name, mode, parent, ops);
export const proc_create_seq_data = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  ops: seq_operations,
  data: unknown,
): proc_dir_entry | null => vfs().proc_create_seq(name, mode, parent, ops, data);
/** proc_create_single: a file made by one show() (single_open). */
export const proc_create_single = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  show: (m: seq_file, v: unknown) => number,
): proc_dir_entry | null => vfs().proc_create_single(name, mode, parent, show);
export const proc_create_single_data = (
  name: string,
  mode: umode_t,
  parent: proc_dir_entry | null,
  show: (m: seq_file, v: unknown) => number,
  data: unknown,
): proc_dir_entry | null => vfs().proc_create_single(name, mode, parent, show, data);
/** proc_mkdir: a directory under /proc (parent null) or under parent. */
export const proc_mkdir = (name: string, parent: proc_dir_entry | null): proc_dir_entry | null =>
  vfs().proc_mkdir(name, parent);
export const proc_symlink = (name: string, parent: proc_dir_entry | null, dest: string): proc_dir_entry | null =>
  vfs().proc_symlink(name, parent, dest);
/** remove_proc_entry(name, parent): remove one entry (WARNs and does nothing for a name not there). */
export const remove_proc_entry = (name: string, parent: proc_dir_entry | null): void =>
  vfs().remove_proc_entry(name, parent);
/** proc_remove: remove an entry and everything under it. */
export const proc_remove = (de: proc_dir_entry | null): void => vfs().proc_remove(de);
/** pde_data(inode) (PDE_DATA before 5.17): the data given to proc_create_data. */
export const pde_data = (inode: inode): unknown => vfs().pde_data(inode);

export const seq_open = (file: file, ops: seq_operations): number => vfs().seq_open(file, ops);
export const seq_read = (file: file, buf: user_ptr, count: number, ppos: Ptr<loff_t>): number =>
  vfs().seq_read(file, buf, count, ppos);
export const seq_lseek = (file: file, offset: loff_t, whence: number): number => vfs().seq_lseek(file, offset, whence);
export const seq_release = (inode: inode, file: file): number => vfs().seq_release(inode, file);
export const single_open = (file: file, show: (m: seq_file, v: unknown) => number, data?: unknown): number =>
  vfs().single_open(file, show, data);
export const single_release = (inode: inode, file: file): number => vfs().single_release(inode, file);
/** seq_puts: append a string (when it does not fit, the buffer overflows and the record is retried in a bigger one). */
export const seq_puts = (m: seq_file, s: string): void => vfs().seq_puts(m, s);
export const seq_putc = (m: seq_file, c: string): void => vfs().seq_puts(m, c[0] ?? '');
export const seq_write = (m: seq_file, data: Uint8Array): void => vfs().seq_write(m, data);
export const seq_has_overflowed = (m: seq_file): boolean => vfs().seq_has_overflowed(m);
/** seq_printf: printf into the seq_file (%d %i %u %x %X %o %c %s %%, with flags -0+ and space, width, precision, l/ll/h/z). */
export const seq_printf = (m: seq_file, fmt: string, ...args: (number | bigint | string | boolean)[]): void =>
  vfs().seq_puts(m, sprintf(fmt, ...args));
/** seq_list_start & co. for a plain array: the record at *pos, or null. */
export const seq_list_start = <T>(list: readonly T[], pos: number): T | null => (pos < list.length ? list[pos]! : null);
export const seq_list_next = <T>(list: readonly T[], pos: Ptr<loff_t>): T | null => {
  ++pos.value;
  return pos.value < list.length ? list[pos.value]! : null;
};

/** The kernel's vsnprintf, for the conversions modules use. */
export function sprintf(fmt: string, ...args: (number | bigint | string | boolean)[]): string {
  let ai = 0;
  return fmt.replace(
    /%([-+ 0#]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|z|L|j|t)?([diouxXcsp%])/g,
    (_all, flags: string, w: string | undefined, p: string | undefined, _len, conv: string) => {
      if (conv === '%') return '%';
      const width = w === '*' ? Number(args[ai++]) : w ? Number(w) : 0;
      const prec = p === '*' ? Number(args[ai++]) : p !== undefined ? Number(p) : -1;
      const a = args[ai++];
      let s: string;
      let sign = '';
      if (conv === 's') {
        s = a === undefined || a === null ? '(null)' : String(a);
        if (prec >= 0) s = s.slice(0, prec);
      } else if (conv === 'c') {
        s = typeof a === 'string' ? a.slice(0, 1) : String.fromCharCode(Number(a));
      } else {
        let v = typeof a === 'bigint' ? a : BigInt(Math.trunc(Number(a ?? 0)));
        if (conv === 'd' || conv === 'i') {
          if (v < 0n) {
            sign = '-';
            v = -v;
          } else if (flags.includes('+')) sign = '+';
          else if (flags.includes(' ')) sign = ' ';
          s = v.toString(10);
        } else {
          if (v < 0n) v = (_len === 'll' || _len === 'l' || _len === 'z' || conv === 'p' ? 1n << 64n : 1n << 32n) + v;
          s = v.toString(conv === 'o' ? 8 : conv === 'u' ? 10 : 16);
          if (conv === 'X') s = s.toUpperCase();
          if (flags.includes('#') && v !== 0n)
            s = (conv === 'o' ? '0' : conv === 'X' ? '0X' : conv === 'x' ? '0x' : '') + s;
        }
        if (prec >= 0) s = s.padStart(prec, '0');
      }
      const body = sign + s;
      if (body.length >= width) return body;
      if (flags.includes('-')) return body.padEnd(width);
      if (flags.includes('0') && prec < 0 && conv !== 's' && conv !== 'c')
        return sign + s.padStart(width - sign.length, '0');
      return body.padStart(width);
    },
  );
}

// ---- sysctl ----------------------------------------------------------------------------------------

/** register_sysctl(path, table): /proc/sys/<path>/<procname> for each entry; null on a clash (-EEXIST logged). */
export const register_sysctl = (path: string, table: ctl_table[]): ctl_table_header | null =>
  vfs().register_sysctl(path, table);
/** unregister_sysctl_table. */
export const unregister_sysctl_table = (header: ctl_table_header | null): void => vfs().unregister_sysctl_table(header);
/** proc_dointvec: a vector of ints (maxlen / 4 of them), as text. */
export const proc_dointvec: proc_handler = (t, w, b, l, p) => vfs().proc_handlers.proc_dointvec(t, w, b, l, p);
/** proc_dointvec_minmax: ints within [*extra1, *extra2]; a write out of range fails with EINVAL. */
export const proc_dointvec_minmax: proc_handler = (t, w, b, l, p) =>
  vfs().proc_handlers.proc_dointvec_minmax(t, w, b, l, p);
/** proc_douintvec: unsigned ints (no sign accepted). */
export const proc_douintvec: proc_handler = (t, w, b, l, p) => vfs().proc_handlers.proc_douintvec(t, w, b, l, p);
export const proc_douintvec_minmax: proc_handler = (t, w, b, l, p) =>
  vfs().proc_handlers.proc_douintvec_minmax(t, w, b, l, p);
/** proc_dostring: a string of at most maxlen - 1 characters (ends at the first newline). */
export const proc_dostring: proc_handler = (t, w, b, l, p) => vfs().proc_handlers.proc_dostring(t, w, b, l, p);
/** proc_dobool: a bool shown as 0/1. */
export const proc_dobool: proc_handler = (t, w, b, l, p) => vfs().proc_handlers.proc_dobool(t, w, b, l, p);

// ---- module parameters ------------------------------------------------------------------------------

const pendingParams: kernel_param[] = [];

/** The parameters module_param declared since the last defineModule (which takes them). */
export function takeModuleParams(): kernel_param[] {
  return pendingParams.splice(0);
}

function intOps(min: number, max: number, unsigned: boolean): kernel_param_ops {
  return {
    set(val, kp) {
      const r: Ptr<number> = { value: 0 };
      const err = kstrtoll(val, 0, r, min, max, unsigned);
      if (err) return err;
      (kp.arg as Ptr<number>).value = r.value;
      return 0;
    },
    get(buffer, kp) {
      buffer.value = `${(kp.arg as Ptr<number>).value}\n`;
      return buffer.value.length;
    },
  };
}
/** The standard kernel_param_ops (param_ops_int, …), for module_param_cb and custom ops that wrap them. */
export const param_ops_int = intOps(-0x80000000, 0x7fffffff, false);
export const param_ops_uint = intOps(0, 0xffffffff, true);
export const param_ops_short = intOps(-0x8000, 0x7fff, false);
export const param_ops_ushort = intOps(0, 0xffff, true);
export const param_ops_byte = intOps(0, 0xff, true);
export const param_ops_long = intOps(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false);
export const param_ops_ulong = intOps(0, Number.MAX_SAFE_INTEGER, true);
export const param_ops_bool: kernel_param_ops = {
  set(val, kp) {
    // No value ("insmod m debug") means true.
    if (val === '') {
      (kp.arg as Ptr<boolean>).value = true;
      return 0;
    }
    const r: Ptr<boolean> = { value: false };
    const err = kstrtobool(val, r);
    if (err) return err;
    (kp.arg as Ptr<boolean>).value = r.value;
    return 0;
  },
  get(buffer, kp) {
    buffer.value = (kp.arg as Ptr<boolean>).value ? 'Y\n' : 'N\n';
    return 2;
  },
};
export const param_ops_invbool: kernel_param_ops = {
  set(val, kp) {
    const r: Ptr<boolean> = { value: false };
    const cell = { ...kp, arg: r } as kernel_param;
    const err = param_ops_bool.set(val, cell);
    if (!err) (kp.arg as Ptr<boolean>).value = !r.value;
    return err;
  },
  get(buffer, kp) {
    buffer.value = (kp.arg as Ptr<boolean>).value ? 'N\n' : 'Y\n';
    return 2;
  },
};
export const param_ops_charp: kernel_param_ops = {
  set(val, kp) {
    if (val.length > 1024) return -28; // ENOSPC, as param_set_charp
    (kp.arg as Ptr<string>).value = val;
    return 0;
  },
  get(buffer, kp) {
    buffer.value = `${(kp.arg as Ptr<string | null>).value ?? '(null)'}\n`;
    return buffer.value.length;
  },
};
const OPS: Record<param_type, kernel_param_ops> = {
  int: param_ops_int,
  uint: param_ops_uint,
  long: param_ops_long,
  ulong: param_ops_ulong,
  short: param_ops_short,
  ushort: param_ops_ushort,
  byte: param_ops_byte,
  bool: param_ops_bool,
  invbool: param_ops_invbool,
  charp: param_ops_charp,
};
/** param_set_int & co., for custom ops that validate and then store. */
export const param_set_int = (val: string, kp: kernel_param): number => param_ops_int.set(val, kp);
export const param_get_int = (buffer: Ptr<string>, kp: kernel_param): number => param_ops_int.get(buffer, kp);
export const param_set_uint = (val: string, kp: kernel_param): number => param_ops_uint.set(val, kp);
export const param_get_uint = (buffer: Ptr<string>, kp: kernel_param): number => param_ops_uint.get(buffer, kp);
export const param_set_bool = (val: string, kp: kernel_param): number => param_ops_bool.set(val, kp);
export const param_get_bool = (buffer: Ptr<string>, kp: kernel_param): number => param_ops_bool.get(buffer, kp);
export const param_set_charp = (val: string, kp: kernel_param): number => param_ops_charp.set(val, kp);
export const param_get_charp = (buffer: Ptr<string>, kp: kernel_param): number => param_ops_charp.get(buffer, kp);

function makeParam<T>(name: string, ops: kernel_param_ops, arg: Ptr<T>, perm: umode_t): kernel_param<T> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`module_param: '${name}' is not a C identifier`);
  if (perm & 0o002)
    throw new Error(`module_param(${name}): world-writable parameters are refused (VERIFY_OCTAL_PERMISSIONS)`);
  const kp = {
    name,
    perm,
    ops,
    arg,
    get value(): T {
      return arg.value;
    },
    set value(v: T) {
      arg.value = v;
    },
  } as kernel_param<T>;
  pendingParams.push(kp as kernel_param);
  return kp;
}

/**
 * module_param(name, type, perm) with the variable's initial value: `static int count = 1;
 * module_param(count, int, 0644);` is `const count = module_param('count', 'int', 0o644, 1)`.
 * Read the variable as count.value. perm 0 hides it from /sys/module/<mod>/parameters.
 */
export function module_param(
  name: string,
  type: 'bool' | 'invbool',
  perm: umode_t,
  value: boolean,
): kernel_param<boolean>;
export function module_param(
  name: string,
  type: 'charp',
  perm: umode_t,
  value: string | null,
): kernel_param<string | null>;
export function module_param(
  name: string,
  type: Exclude<param_type, 'bool' | 'invbool' | 'charp'>,
  perm: umode_t,
  value: number,
): kernel_param<number>;
export function module_param(name: string, type: param_type, perm: umode_t, value: unknown): kernel_param<unknown> {
  const ops = OPS[type];
  if (!ops) throw new Error(`module_param(${name}): unknown type '${String(type)}'`);
  return makeParam(name, ops, { value }, perm);
}
/** module_param_named(name, variable cell, type, perm): the parameter's name differs from the variable's. */
export function module_param_named<T>(name: string, arg: Ptr<T>, type: param_type, perm: umode_t): kernel_param<T> {
  return makeParam(name, OPS[type], arg, perm);
}
/** module_param_cb(name, ops, arg, perm): a parameter with custom kernel_param_ops. */
export function module_param_cb<T>(name: string, ops: kernel_param_ops, arg: Ptr<T>, perm: umode_t): kernel_param<T> {
  return makeParam(name, ops, arg, perm);
}
/** MODULE_PARM_DESC: shown by modinfo. */
export function MODULE_PARM_DESC(kp: kernel_param<unknown>, desc: string): void {
  (kp as { desc?: string }).desc = desc;
}

// ---- boot parameters --------------------------------------------------------------------------------

/**
 * __setup(str, fn): built-in code's handler for a boot option. `str` includes the '=' when the
 * option takes a value ('nllab_level='); fn gets what follows it and returns 1 when it handled it
 * (0: the option goes on to init as an environment variable or argument). Pass it to defineModule's
 * `setup` of a module built into the kernel (createSimKernel's `builtin`, `--builtin`).
 */
export function __setup(str: string, fn: (val: string) => number): boot_param {
  return { str, fn, early: false };
}
/** early_param(str, fn): parsed before the rest (parse_early_param); fn returns 0 or -errno. `str` has no '='. */
export function early_param(str: string, fn: (val: string) => number): boot_param {
  return { str, fn, early: true };
}
/** The kernel command line (saved_command_line: what /proc/cmdline shows). */
export const saved_command_line = (): string => vfs().saved_command_line();

// ---- debugfs -----------------------------------------------------------------------------------------

/** debugfs_create_dir: /sys/kernel/debug/<parent>/<name>. */
export const debugfs_create_dir = (name: string, parent: dentry | null): dentry =>
  vfs().debugfs_create_dir(name, parent);
/** debugfs_create_file: data becomes inode->i_private (file->private_data after simple_open). */
export const debugfs_create_file = (
  name: string,
  mode: umode_t,
  parent: dentry | null,
  data: unknown,
  fops: file_operations,
): dentry => vfs().debugfs_create_file(name, mode, parent, data, fops);
/** debugfs_create_u32: the variable as decimal text, writable if mode allows. */
export const debugfs_create_u32 = (name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void =>
  vfs().debugfs_create_u32(name, mode, parent, value);
export const debugfs_create_u64 = (name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void =>
  vfs().debugfs_create_u64(name, mode, parent, value);
/** debugfs_create_x32: as hex (0x%08x). */
export const debugfs_create_x32 = (name: string, mode: umode_t, parent: dentry | null, value: Ptr<number>): void =>
  vfs().debugfs_create_x32(name, mode, parent, value);
/** debugfs_create_bool: Y or N. */
export const debugfs_create_bool = (name: string, mode: umode_t, parent: dentry | null, value: Ptr<boolean>): void =>
  vfs().debugfs_create_bool(name, mode, parent, value);
/** debugfs_create_blob: blob.data's first blob.size bytes, read-only (6.1; 6.18 allows writes with a write mode). */
export const debugfs_create_blob = (
  name: string,
  mode: umode_t,
  parent: dentry | null,
  blob: debugfs_blob_wrapper,
): dentry => vfs().debugfs_create_blob(name, mode, parent, blob);
export const debugfs_remove = (d: dentry | null): void => vfs().debugfs_remove(d);
/** debugfs_remove_recursive: the same as debugfs_remove since 5.7. */
export const debugfs_remove_recursive = debugfs_remove;
export const debugfs_lookup = (name: string, parent: dentry | null): dentry | null =>
  vfs().debugfs_lookup(name, parent);
/** simple_open: file->private_data = inode->i_private. */
export const simple_open = (inode: inode, file: file): number => {
  file.private_data = inode.i_private;
  return 0;
};

// ---- relay --------------------------------------------------------------------------------------------

/** relay_open: a channel of n_subbufs sub-buffers of subbuf_size bytes per CPU; files <base_filename><cpu> made by cb.create_buf_file. */
export const relay_open = (
  base_filename: string | null,
  parent: dentry | null,
  subbuf_size: number,
  n_subbufs: number,
  cb: rchan_callbacks,
  private_data: unknown,
): rchan | null => vfs().relay_open(base_filename, parent, subbuf_size, n_subbufs, cb, private_data);
/** relay_write: append to the current CPU's buffer (switching sub-buffers when it fills). */
export const relay_write = (chan: rchan, data: Uint8Array): void => vfs().relay_write(chan, data);
/** __relay_write: the same (the caller disabled interrupts in C). */
export const __relay_write = relay_write;
/** relay_flush: close the current sub-buffer of every CPU so readers see it. */
export const relay_flush = (chan: rchan): void => vfs().relay_flush(chan);
export const relay_close = (chan: rchan): void => vfs().relay_close(chan);
export const relay_reset = (chan: rchan): void => vfs().relay_reset(chan);
/** relay_file_operations: the fops of a relay buffer file (read, poll, mmap, llseek = no_llseek). */
export const relay_file_operations: file_operations = {
  open: (i, f) => vfs().relay_file_operations.open!(i, f),
  read: (f, b, c, p) => vfs().relay_file_operations.read!(f, b, c, p),
  poll: (f, w) => vfs().relay_file_operations.poll!(f, w),
  mmap: (f, v) => vfs().relay_file_operations.mmap!(f, v),
  release: (i, f) => vfs().relay_file_operations.release!(i, f),
};
/** How many CPUs relay makes buffers for. */
export const num_possible_cpus = (): number => vfs().num_possible_cpus();
export const smp_processor_id = (): number => vfs().smp_processor_id();

// ---- wait queues and poll ----------------------------------------------------------------------------

export const init_waitqueue_head = (): wait_queue_head_t => vfs().init_waitqueue_head();
/** DECLARE_WAIT_QUEUE_HEAD at module scope: made lazily, on first use, by the attached kernel. */
export const wake_up_interruptible = (wq: wait_queue_head_t): void => vfs().wake_up_interruptible(wq);
export const wake_up = wake_up_interruptible;
/** poll_wait: the file's poll handler registers the queue a poll() sleeps on. */
export const poll_wait = (file: file, wq: wait_queue_head_t, wait: poll_table): void => vfs().poll_wait(file, wq, wait);
/** wait_event_interruptible(wq, condition): sleep until condition() holds after a wake-up; 0. */
export const wait_event_interruptible = (wq: wait_queue_head_t, condition: () => boolean): Promise<number> =>
  vfs().wait_event_interruptible(wq, condition);
