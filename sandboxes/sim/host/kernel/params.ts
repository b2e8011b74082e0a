/**
 * Module and boot parameters: parse_args (the "name=value name2" strings of init_module and the
 * kernel command line, with quotes), parameq (dashes and underscores alike), and
 * /sys/module/<name>/parameters/<p> (read through ->get, written through ->set).
 *
 * Ref: kernel/params.c, lib/cmdline.c (next_arg), kernel/module/main.c (load_module's parse_args)
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { kernel_param, Ptr } from '../../../../src/api/fs-kernel.ts';
import { type Dentry, Inode, S_IFREG, type Vfs } from '../fs/vfs.ts';
import { seq_open, seq_read, seq_release, seq_puts } from '../fs/seq_file.ts';
import { SEQ_START_TOKEN } from '../../../../src/api/fs-kernel.ts';

/** parameq: '-' and '_' are the same in parameter names. */
export const parameq = (a: string, b: string): boolean => a.replace(/-/g, '_') === b.replace(/-/g, '_');

/** next_arg: [param, value or null, rest]. Ref: lib/cmdline.c */
export function next_arg(args: string): [string, string | null, string] {
  let i = 0;
  let equals = -1;
  let inQuote = false;
  let quoted = false;
  if (args[0] === '"') {
    i = 1;
    inQuote = true;
    quoted = true;
  }
  for (; i < args.length; i++) {
    const c = args[i]!;
    if (/\s/.test(c) && !inQuote) break;
    if (equals < 0 && c === '=') equals = i;
    if (c === '"') inQuote = !inQuote;
  }
  const whole = args.slice(quoted ? 1 : 0, i);
  let param: string;
  let val: string | null;
  if (equals < 0) {
    param = whole;
    val = null;
  } else {
    param = args.slice(quoted ? 1 : 0, equals);
    val = args.slice(equals + 1, i);
    if (val.startsWith('"')) {
      val = val.slice(1);
      if (val.endsWith('"')) val = val.slice(0, -1);
    }
  }
  if (quoted && param.endsWith('"') && val === null) param = param.slice(0, -1);
  if (quoted && val !== null && val.endsWith('"')) val = val.slice(0, -1);
  return [param, val, args.slice(i).replace(/^\s+/, '')];
}

/** parse_args: each name=value to `params` (or `unknown`); the error of the first that fails. */
export function parse_args(
  doing: string,
  args: string,
  params: kernel_param[],
  unknown: (param: string, val: string | null) => number,
  printk: (t: string) => void,
): number {
  let rest = args.replace(/^\s+/, '');
  while (rest) {
    const [param, val, next] = next_arg(rest);
    rest = next;
    if (param === '--') break;
    let ret: number;
    const kp = params.find((p) => parameq(param, p.name));
    if (kp) {
      const noarg = ((kp.ops.flags ?? 0) & 1) !== 0 || kp.ops === boolOps(kp);
      if (val === null && !noarg) ret = -ERRNO.EINVAL;
      else {
        try {
          ret = kp.ops.set(val ?? '', kp);
        } catch (e) {
          printk(`\x011BUG: exception in ${doing}: param ${kp.name} set: ${String(e)}`);
          ret = -ERRNO.EINVAL;
        }
      }
    } else ret = unknown(param, val);
    if (ret === 0) continue;
    if (ret === -ERRNO.ENOENT) printk(`\x013${doing}: Unknown parameter \`${param}'`);
    else if (ret === -ERRNO.ENOSPC) printk(`\x013${doing}: \`${val ?? ''}' too large for parameter \`${param}'`);
    else printk(`\x013${doing}: \`${val ?? ''}' invalid for parameter \`${param}'`);
    return ret;
  }
  return 0;
}

// bool parameters may be given without a value (KERNEL_PARAM_OPS_FL_NOARG).
let boolOpsRef: unknown = null;
/** Tell parse_args which ops are param_ops_bool (and invbool) — they take "name" alone. */
export function setBoolOps(...ops: unknown[]): void {
  boolOpsRef = ops;
}
function boolOps(kp: kernel_param): unknown {
  return Array.isArray(boolOpsRef) && (boolOpsRef as unknown[]).includes(kp.ops) ? kp.ops : null;
}

/** /sys/module: a directory per module, parameters/ with one file per parameter whose perm is not 0. */
export class SysModule {
  readonly root: Dentry;
  constructor(
    readonly vfs: Vfs,
    sys: Dentry,
  ) {
    this.root = vfs.add(sys, 'module', vfs.dirInode(0o755)) ?? sys.d_inode.children!.get('module')!;
  }

  /** mod_sysfs_setup: /sys/module/<name>/{initstate,refcnt,parameters/}. */
  add(name: string, params: kernel_param[], refcnt: () => number, builtin = false): void {
    const existing = this.root.d_inode.children!.get(name);
    const dir = existing ?? this.vfs.add(this.root, name, this.vfs.dirInode(0o755))!;
    if (!builtin) {
      this.attr(dir, 'initstate', 0o444, () => 'live\n');
      this.attr(dir, 'refcnt', 0o444, () => `${refcnt()}\n`);
    }
    const visible = params.filter((p) => p.perm);
    if (!visible.length) return;
    const pdir = this.vfs.add(dir, 'parameters', this.vfs.dirInode(0o755)) ?? dir.d_inode.children!.get('parameters')!;
    for (const kp of visible) {
      const buf: Ptr<string> = { value: '' };
      this.attr(
        pdir,
        kp.name,
        kp.perm,
        () => {
          // param_attr_show: no ->get is EPERM.
          if (!kp.ops.get) return -ERRNO.EPERM;
          buf.value = '';
          const n = kp.ops.get(buf, kp);
          return n < 0 ? n : buf.value.slice(0, 4096);
        },
        (val) => {
          // param_attr_store: ->set gets the bytes as written (a trailing newline included).
          if (!kp.ops.set) return -ERRNO.EPERM;
          return kp.ops.set(val, kp);
        },
      );
    }
  }

  remove(name: string): void {
    const d = this.root.d_inode.children!.get(name);
    if (d) this.vfs.remove(d);
  }

  /**
   * A sysfs attribute (kernfs): read as a one-record seq_file of what show() gives; a write of at
   * most PAGE_SIZE bytes goes to store() whole. Opening for read without a show, or for write
   * without a store or a write bit, is EACCES (kernfs_fop_open).
   */
  attr(dir: Dentry, name: string, mode: number, show: () => string | number, store?: (val: string) => number): void {
    const ino = new Inode(S_IFREG | mode);
    const hasWrite = !!store && (mode & 0o222) !== 0;
    ino.fop = {
      open: (_i, f) => {
        if (f.f_mode & 2 && !hasWrite) return -ERRNO.EACCES;
        if (f.f_mode & 1 && !(mode & 0o444)) return -ERRNO.EACCES;
        let err = 0;
        const r = seq_open(f, {
          start: (_m, pos) => (pos.value ? null : SEQ_START_TOKEN),
          next: (_m, _v, pos) => {
            pos.value++;
            return null;
          },
          stop: () => {},
          show: (m) => {
            const s = show();
            if (typeof s === 'number') {
              err = s;
              return s;
            }
            seq_puts(m, s);
            return 0;
          },
        });
        void err;
        return r;
      },
      read: (f, b, c, p) => seq_read(this.vfs, f, b, c, p, `${dir.path}/${name}`),
      write: (f, b, c, p) => {
        if (!store) return -ERRNO.EIO;
        const len = Math.min(c, 4096);
        const kbuf = new Uint8Array(len);
        if (this.vfs.copy_from_user(kbuf, b, len)) return -ERRNO.EFAULT;
        const r = store(new TextDecoder().decode(kbuf).replace(/\0.*$/s, ''));
        if (r < 0) return r;
        p.value += len;
        return len;
      },
      llseek: (f, o, w) =>
        w === 0 && o >= 0 ? (f.f_pos = o) : w === 1 && f.f_pos + o >= 0 ? (f.f_pos += o) : -ERRNO.EINVAL,
      release: (i, f) => seq_release(i, f),
    };
    const old = dir.d_inode.children!.get(name);
    if (old) this.vfs.remove(old);
    this.vfs.add(dir, name, ino);
  }
}
