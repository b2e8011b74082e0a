/**
 * The host half of boot: the mount table (/proc, /sys, /sys/kernel/debug, /dev), the kernel's own
 * /proc entries on seq_file, the sysctl tree of a fresh network namespace, and the kernel command
 * line — parse_early_param (early_param handlers), then parse_args with built-in modules'
 * parameters (`mod.param=value`) and their __setup handlers, then the built-in modules' init
 * (do_initcalls). It also gives modules the file API (netlink-lab/kernel's VfsKernelApi).
 *
 * Ref: init/main.c (start_kernel, parse_early_param, unknown_bootoption, obsolete_checksetup),
 * fs/proc/cmdline.c, fs/proc/devices.c, kernel/module/procfs.c, fs/proc_namespace.c
 */
import { ERRNO } from '../../../../src/api/errno.ts';
import type { VfsKernelApi, kernel_param, boot_param, seq_file } from '../../../../src/api/fs-kernel.ts';
import { param_ops_bool, param_ops_invbool } from '../../../../src/api/fs-kernel.ts';
import type { KernelModule } from '../../../../src/api/types.ts';
import { Vfs, WaitQueue, type VfsContext } from '../fs/vfs.ts';
import { ProcFs, linesSeq } from '../fs/proc/generic.ts';
import {
  seq_open,
  seq_read,
  seq_lseek,
  seq_release,
  single_open,
  single_release,
  seq_puts,
  seq_write,
  seq_has_overflowed,
  seq_putc,
} from '../fs/seq_file.ts';
import { Sysctl, PROC_HANDLERS, net_sysctl_init } from '../kernel/sysctl.ts';
import { SysModule, parse_args, parameq, next_arg, setBoolOps } from '../kernel/params.ts';
import { CharDevs } from '../fs/char_dev.ts';
import { DebugFs } from '../fs/debugfs.ts';
import { Relay } from '../kernel/relay.ts';

setBoolOps(param_ops_bool, param_ops_invbool);

/** The default command line of the simulated machine. */
export const DEFAULT_CMDLINE = 'console=ttyS0 quiet';

/** What boot needs from the rest of the kernel. */
export interface FsContext extends VfsContext {
  /** The text of /proc/net/netlink, from the wasm kernel. */
  procNetNetlink(): string;
  /** Loaded modules (lsmod order: newest first). */
  modules(): { name: string; refs: number }[];
  /** The module whose code runs now ('' for the kernel). */
  owner(): string;
}

/** The simulated kernel's files. */
export class KernelFs {
  readonly vfs: Vfs;
  readonly proc: ProcFs;
  readonly sysctl: Sysctl;
  readonly sysmod: SysModule;
  readonly chr: CharDevs;
  readonly debugfs: DebugFs;
  readonly relay: Relay;
  readonly api: VfsKernelApi;
  cmdline = DEFAULT_CMDLINE;

  constructor(readonly ctx: FsContext) {
    const vfs = (this.vfs = new Vfs(ctx));
    this.proc = new ProcFs(vfs);
    const sys = vfs.mount('sysfs', '/sys', 'sysfs', 'rw,nosuid,nodev,noexec,relatime', 0o555);
    this.sysmod = new SysModule(vfs, sys);
    this.chr = new CharDevs(vfs);
    this.debugfs = new DebugFs(vfs);
    this.sysctl = new Sysctl(vfs, this.proc.root);
    const wake = (q: WaitQueue) => this.wake_up(q);
    this.relay = new Relay(vfs, wake);
    for (const o of [this.proc, this.sysctl, this.chr, this.debugfs]) o.owner = () => ctx.owner();
    this.builtinProc();
    this.kmsgDevice();
    net_sysctl_init(this.sysctl);
    this.api = this.makeApi();
  }

  /** The kernel's own /proc files. */
  private builtinProc(): void {
    const p = this.proc;
    const net = p.proc_mkdir('net', null)!;
    // netlink_seq_ops: one record per socket after the header (here: per line of the table).
    p.proc_create_seq(
      'netlink',
      0o444,
      net,
      linesSeq(null, () =>
        this.ctx
          .procNetNetlink()
          .split('\n')
          .filter((l) => l !== ''),
      ),
    );
    // kernel/module/procfs.c: m_show, newest module first; the address is hidden (kptr_restrict).
    p.proc_create_seq(
      'modules',
      0o444,
      null,
      linesSeq(null, () => this.ctx.modules().map((m) => `${m.name} 16384 ${m.refs} - Live 0x0000000000000000`)),
    );
    p.proc_create_single('cmdline', 0o444, null, (m) => {
      seq_puts(m, this.cmdline);
      seq_putc(m, '\n');
      return 0;
    });
    p.proc_create_single('devices', 0o444, null, (m) => {
      seq_puts(m, this.chr.devicesText());
      return 0;
    });
    p.proc_create_single('misc', 0o444, null, (m) => {
      seq_puts(m, this.chr.miscText());
      return 0;
    });
    p.proc_create_single('mounts', 0o444, null, (m) => {
      seq_puts(m, this.vfs.mounts.map((x) => `${x.source} ${x.target} ${x.fstype} ${x.options} 0 0\n`).join(''));
      return 0;
    });
    p.proc_create_single('filesystems', 0o444, null, (m) => {
      seq_puts(m, 'nodev\tsysfs\nnodev\tproc\nnodev\tdevtmpfs\nnodev\tdebugfs\n');
      return 0;
    });
  }

  // ---- /dev/kmsg ----------------------------------------------------------------------------------

  /** The log as records (kernel/printk/printk.c keeps them in its ringbuffer): facility<<3|level, seq, µs, text. */
  readonly kmsg: { prefix: number; seq: number; usec: number; text: string; open?: boolean }[] = [];
  private kmsgSeq = 0;
  private readonly logWait = new WaitQueue();
  /** The facility of the next record (devkmsg_write logs as LOG_USER). */
  facility = 0;

  /** A printk line reached the host ("[    1.234567] text"): keep it as a record, wake /dev/kmsg readers. */
  logRecord(level: number, line: string): void {
    const m = /^\[\s*(\d+)\.(\d{6})\] ([\s\S]*)$/.exec(line);
    const usec = m ? Number(m[1]) * 1e6 + Number(m[2]) : 0;
    // A record left open (a /dev/kmsg write without a newline) is finalized by the next one.
    const last = this.kmsg[this.kmsg.length - 1];
    if (last?.open) last.open = false;
    this.kmsg.push({ prefix: (this.facility << 3) | (level & 7), seq: this.kmsgSeq++, usec, text: m ? m[3]! : line });
    if (this.kmsg.length > 4096) this.kmsg.shift();
    if (this.logWait.waiters.size || this.logWait.pollers.size) this.wake_up(this.logWait);
  }

  /**
   * /dev/kmsg (1,11): each read returns one record, "prefix,seq,usec,-;text\n" (EINVAL when the
   * buffer is too small — the record is skipped for this reader, as Linux does; EAGAIN at the end
   * with O_NONBLOCK, else it sleeps); lseek(0, SEEK_SET/SEEK_DATA/SEEK_END), any other offset
   * ESPIPE; a write logs a line at LOG_USER ('<N>' sets the level). Reading needs root
   * (kernel.dmesg_restrict = 1, as here and on Debian). Ref: kernel/printk/printk.c:devkmsg_*
   */
  private kmsgDevice(): void {
    const first = () => this.kmsg[0]?.seq ?? this.kmsgSeq;
    const esc = (t: string) =>
      t.replace(/[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    this.chr.mem.set(11, {
      name: 'kmsg',
      mode: 0o644,
      fops: {
        open: (_i, f) => {
          if ((f.f_flags & 3) !== 1 && (this.ctx.sched.running?.uid ?? 0) !== 0) return -ERRNO.EPERM;
          f.private_data = { seq: first() };
          return 0;
        },
        read: async (f, buf, count) => {
          const user = f.private_data as { seq: number };
          for (;;) {
            const rec = this.kmsg.find((r) => r.seq >= user.seq && !r.open);
            if (rec) {
              if (rec.seq > user.seq) {
                user.seq = rec.seq;
                return -ERRNO.EPIPE;
              }
              user.seq = rec.seq + 1;
              const out = new TextEncoder().encode(`${rec.prefix},${rec.seq},${rec.usec},-;${esc(rec.text)}\n`);
              if (out.length > count) return -ERRNO.EINVAL;
              if (this.vfs.copy_to_user(buf, out, out.length)) return -ERRNO.EFAULT;
              return out.length;
            }
            if (f.f_flags & 0o4000) return -ERRNO.EAGAIN;
            const p = this.ctx.sched.running;
            if (p) p.syscall = 'read';
            await this.ctx.sched.block('devkmsg_read', 'blocked', this.logWait.waiters);
          }
        },
        write: (_f, buf, count) => {
          const b = new Uint8Array(Math.min(count, 1024));
          if (this.vfs.copy_from_user(b, buf, b.length)) return -ERRNO.EFAULT;
          let line = new TextDecoder().decode(b);
          let level = 4;
          let facility = 1;
          const m = /^<(\d+)>/.exec(line);
          if (m) {
            const u = Number(m[1]);
            level = u & 7;
            if (u >> 3) facility = u >> 3;
            line = line.slice(m[0].length);
          }
          this.facility = facility;
          try {
            this.ctx.printk(`\x01${level}${line}`);
          } finally {
            this.facility = 0;
          }
          // 6.x's ringbuffer finalizes a record only at its newline (or when the next one comes):
          // until then readers of /dev/kmsg do not see it.
          const rec = this.kmsg[this.kmsg.length - 1];
          if (rec && !line.endsWith('\n')) rec.open = true;
          return count;
        },
        llseek: (f, offset, whence) => {
          if (offset) return -ERRNO.ESPIPE;
          const user = f.private_data as { seq: number };
          if (whence === 0 || whence === 3) user.seq = first();
          // prb_next_seq: a record still open counts as not yet written.
          else if (whence === 2) {
            const last = this.kmsg[this.kmsg.length - 1];
            user.seq = last?.open ? last.seq : this.kmsgSeq;
          } else return -ERRNO.EINVAL;
          return 0;
        },
        poll: (f, wait) => {
          this.vfs.poll_wait(f, this.logWait, wait);
          const user = f.private_data as { seq: number };
          return this.kmsg.some((r) => r.seq >= user.seq && !r.open) ? 0x1 | 0x40 : 0;
        },
      },
    });
    this.chr.memNodes();
  }

  // ---- boot parameters ---------------------------------------------------------------------------

  /**
   * Boot with `cmdline` and the built-in modules: early params, then every other option (a
   * built-in module's `mod.param=value`, a __setup handler, or passed on to init), then each
   * built-in module's parameters appear in /sys/module and its init runs.
   */
  async boot(cmdline: string, builtin: KernelModule[], init: (mod: KernelModule) => Promise<void>): Promise<void> {
    this.cmdline = cmdline;
    const setups: boot_param[] = builtin.flatMap((m) => m.setup ?? []);
    const printk = (t: string) => this.ctx.printk(t);
    this.ctx.printk(`\x015Kernel command line: ${cmdline}`);
    // parse_early_param → do_early_param
    let rest = cmdline;
    while (rest) {
      const [param, val, next] = next_arg(rest);
      rest = next;
      if (param === '--') break;
      for (const s of setups) {
        if (s.early && parameq(param, s.str)) {
          if (this.call(() => s.fn(val ?? ''), `early_param ${s.str}`) !== 0)
            printk(`\x014Malformed early option '${param}'`);
        }
      }
    }
    // parse_args("Booting kernel", …, unknown_bootoption), with built-in modules' parameters as "mod.param".
    const kp: kernel_param[] = [];
    for (const m of builtin) {
      for (const p of m.kp ?? []) {
        kp.push(
          new Proxy(p, { get: (t, k) => (k === 'name' ? `${m.name}.${p.name}` : Reflect.get(t, k)) }) as kernel_param,
        );
      }
    }
    const unknown: string[] = [];
    parse_args(
      'Booting kernel',
      cmdline,
      kp,
      (param, val) => {
        const line = val === null ? param : `${param}=${val}`;
        if (this.obsolete_checksetup(line, setups)) return 0;
        // "mod.param" of a module that is not built in: left for modprobe, which reads /proc/cmdline.
        if (param.includes('.')) return 0;
        unknown.push(line);
        return 0;
      },
      printk,
    );
    const known = new Set([
      'console',
      'quiet',
      'loglevel',
      'root',
      'ro',
      'rw',
      'init',
      'panic',
      'debug',
      'earlyprintk',
    ]);
    const report = unknown.filter((u) => !known.has(u.split('=')[0]!));
    if (report.length)
      printk(`\x015Unknown kernel command line parameters "${report.join(' ')}", will be passed to user space.`);
    for (const m of builtin) {
      this.sysmod.add(m.name, m.kp ?? [], () => 0, true);
      await init(m);
    }
  }

  /** Ref: init/main.c:obsolete_checksetup */
  private obsolete_checksetup(line: string, setups: boot_param[]): boolean {
    let had_early = false;
    for (const s of setups) {
      const n = s.str.length;
      if (line.slice(0, n).replace(/-/g, '_') !== s.str.replace(/-/g, '_')) continue;
      if (s.early) {
        if (line.length === n || line[n] === '=') had_early = true;
      } else if (this.call(() => s.fn(line.slice(n)), `__setup ${s.str}`)) return true;
    }
    return had_early;
  }

  private call(fn: () => number, where: string): number {
    try {
      return fn() | 0;
    } catch (e) {
      this.ctx.oops(where, e);
      return -ERRNO.EINVAL;
    }
  }

  // ---- module parameters at insmod ----------------------------------------------------------------

  /**
   * load_module's parse_args: -errno on a bad value; unknown names are warned about and ignored.
   * netlink-lab/user's insmod puts the module object's own `params` record first in the string:
   * those a module keeps as plain TypeScript settings (not module_param) pass silently.
   */
  moduleParams(mod: KernelModule, args: string): number {
    const own = Object.keys((mod as KernelModule & { params?: Record<string, unknown> }).params ?? {});
    return parse_args(
      mod.name,
      args,
      mod.kp ?? [],
      (param) => {
        if (own.some((o) => parameq(o, param))) return 0;
        this.ctx.printk(`\x014${mod.name}: unknown parameter '${param}' ignored`);
        return 0;
      },
      (t) => this.ctx.printk(t),
    );
  }

  // ---- wait queues ------------------------------------------------------------------------------

  wake_up(q: WaitQueue): void {
    this.ctx.sched.wakeAll(q.waiters);
    for (const f of [...q.pollers]) f();
  }

  /** What a module left registered when it was unloaded: removed, with a log line (Linux would oops later). */
  cleanupModule(name: string): void {
    const leftovers: string[] = [];
    for (const pde of this.proc.ownedBy(name)) {
      leftovers.push(pde.path);
      this.proc.proc_remove(pde);
    }
    for (const h of this.sysctl.ownedBy(name)) {
      leftovers.push(`/proc/sys/${h.path}`);
      this.sysctl.unregister_sysctl_table(h);
    }
    const { chrdevs, miscs } = this.chr.ownedBy(name);
    for (const c of chrdevs) {
      leftovers.push(`chrdev ${c.major} ${c.name}`);
      this.chr.unregister_chrdev(c.major, c.name);
    }
    for (const m of miscs) {
      leftovers.push(`/dev/${m.misc.name}`);
      this.chr.misc_deregister(m.misc);
    }
    if (leftovers.length) {
      this.ctx.printk(
        `\x013${name}: module_exit left ${leftovers.join(', ')} registered; Linux would oops on the next use (the simulator removed them)`,
      );
    }
  }

  private makeApi(): VfsKernelApi {
    const vfs = this.vfs;
    return {
      copy_to_user: (to, from, n) => vfs.copy_to_user(to, from, n),
      copy_from_user: (to, from, n) => vfs.copy_from_user(to, from, n),
      misc_register: (m) => this.chr.misc_register(m),
      misc_deregister: (m) => this.chr.misc_deregister(m),
      register_chrdev: (ma, name, fops) => this.chr.register_chrdev(ma, name, fops),
      unregister_chrdev: (ma, name) => this.chr.unregister_chrdev(ma, name),
      class_create: (name) => this.chr.class_create(name),
      class_destroy: (c) => this.chr.class_destroy(c),
      device_create: (c, p, devt, d, name) => this.chr.device_create(c, p, devt, d, name),
      device_destroy: (c, devt) => this.chr.device_destroy(c, devt),
      remap_pfn_range: (vma, addr, pfn, size, prot) => vfs.remap_pfn_range(vma, addr, pfn, size, prot),
      virt_to_phys: (b) => vfs.virt_to_phys(b),
      kzalloc: (n) => vfs.kzalloc(n),
      get_zeroed_page: () => vfs.kzalloc(4096),
      proc_create: (n, m, p, o, d) => this.proc.proc_create(n, m, p, o, d),
      proc_create_seq: (n, m, p, o, d) => this.proc.proc_create_seq(n, m, p, o, d),
      proc_create_single: (n, m, p, show, d) => this.proc.proc_create_single(n, m, p, show, d),
      proc_mkdir: (n, p) => this.proc.proc_mkdir(n, p),
      proc_symlink: (n, p, d) => this.proc.proc_symlink(n, p, d),
      remove_proc_entry: (n, p) => this.proc.remove_proc_entry(n, p),
      proc_remove: (de) => this.proc.proc_remove(de),
      pde_data: (inode) => inode.i_private,
      seq_open: (f, ops) => seq_open(f, ops),
      seq_read: (f, b, c, p) => seq_read(vfs, f, b, c, p),
      seq_lseek: (f, o, w) => seq_lseek(vfs, f, o, w),
      seq_release: (i, f) => seq_release(i, f),
      single_open: (f, show, d) => single_open(f, show, d),
      single_release: (i, f) => single_release(i, f),
      seq_write: (m: seq_file, d) => seq_write(m, d),
      seq_puts: (m: seq_file, t) => seq_puts(m, t),
      seq_has_overflowed: (m) => seq_has_overflowed(m),
      register_sysctl: (path, table) => this.sysctl.register_sysctl(path, table),
      unregister_sysctl_table: (h) => this.sysctl.unregister_sysctl_table(h),
      proc_handlers: PROC_HANDLERS,
      debugfs_create_dir: (n, p) => this.debugfs.debugfs_create_dir(n, p),
      debugfs_create_file: (n, m, p, d, f) => this.debugfs.debugfs_create_file(n, m, p, d, f),
      debugfs_create_u32: (n, m, p, v) => this.debugfs.debugfs_create_u32(n, m, p, v),
      debugfs_create_u64: (n, m, p, v) => this.debugfs.debugfs_create_u64(n, m, p, v),
      debugfs_create_x32: (n, m, p, v) => this.debugfs.debugfs_create_x32(n, m, p, v),
      debugfs_create_bool: (n, m, p, v) => this.debugfs.debugfs_create_bool(n, m, p, v),
      debugfs_create_blob: (n, m, p, b) => this.debugfs.debugfs_create_blob(n, m, p, b),
      debugfs_remove: (d) => this.debugfs.debugfs_remove(d),
      debugfs_lookup: (n, p) => this.debugfs.debugfs_lookup(n, p),
      relay_open: (b, p, ss, n, cb, pd) => this.relay.relay_open(b, p, ss, n, cb, pd),
      relay_write: (c, d) => this.relay.relay_write(c, d),
      relay_flush: (c) => this.relay.relay_flush(c),
      relay_close: (c) => this.relay.relay_close(c),
      relay_reset: (c) => this.relay.relay_reset(c),
      relay_file_operations: this.relay.fops,
      init_waitqueue_head: () => new WaitQueue(),
      wake_up_interruptible: (q) => {
        if (q instanceof WaitQueue) this.wake_up(q);
      },
      poll_wait: (f, q, w) => vfs.poll_wait(f, q, w),
      wait_event_interruptible: async (q, cond) => {
        if (!(q instanceof WaitQueue)) return -ERRNO.EINVAL;
        while (!cond()) {
          const p = this.ctx.sched.running;
          if (p) p.syscall = p.syscall || 'wait_event_interruptible';
          await this.ctx.sched.block('wait_event_interruptible', 'blocked', q.waiters);
        }
        return 0;
      },
      num_possible_cpus: () => this.relay.nr_cpus,
      smp_processor_id: () => 0,
      saved_command_line: () => this.cmdline,
    };
  }
}
