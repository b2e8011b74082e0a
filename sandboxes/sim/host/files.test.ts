/**
 * The file mechanisms from a module's side: a misc device with read/write/ioctl/mmap/poll, a
 * register_chrdev device reached through mknod, procfs with seq_file (restart on small reads),
 * sysctl tables, module parameters in /sys/module, debugfs, relay, boot parameters.
 */
import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import * as k from '../../../src/api/kernel.ts';
import { setBackend } from '../../../src/api/backend.ts';
import { sim, errno } from '../../../tests/fixtures/sim-helpers.ts';
import { createSimKernel } from './index.ts';
import { kernelModule } from '../../../tests/fixtures/sim-kernel.ts';

const dec = new TextDecoder();
const enc = new TextEncoder();

async function cat(path: string, chunk = 4096): Promise<string> {
  const fd = await u.open(path, u.O_RDONLY);
  const buf = new Uint8Array(chunk);
  let s = '';
  for (;;) {
    const n = await u.read(fd, buf);
    if (n === 0) break;
    s += dec.decode(buf.subarray(0, n));
  }
  await u.close(fd);
  return s;
}

async function put(path: string, text: string): Promise<number> {
  const fd = await u.open(path, u.O_WRONLY);
  try {
    return await u.write(fd, enc.encode(text));
  } finally {
    await u.close(fd);
  }
}

/** A misc device: a 4 KiB page that read/write/ioctl/mmap all see. */
function pageDevice() {
  const SET = u._IOW('p', 1, 4);
  const GET = u._IOR('p', 2, 4);
  const CLEAR = u._IO('p', 3);
  let page: Uint8Array;
  let opens = 0;
  let releases = 0;
  const wq = { q: null as k.wait_queue_head_t | null };
  let ready = false;
  const fops: k.file_operations = {
    open: () => {
      opens++;
      return 0;
    },
    read: (_f, buf, count, ppos) => k.simple_read_from_buffer(buf, count, ppos, page, page.length),
    write: (_f, buf, count, ppos) => {
      const r = k.simple_write_to_buffer(page, page.length, ppos, buf, count);
      if (r > 0) {
        ready = true;
        k.wake_up_interruptible(wq.q!);
      }
      return r;
    },
    llseek: (f, off, whence) => k.fixed_size_llseek(f, off, whence, page.length),
    unlocked_ioctl: (_f, cmd, arg) => {
      if (cmd === SET) {
        const v: k.Ptr<number> = { value: 0 };
        if (k.get_user(v, arg)) return -k.EFAULT;
        page[0] = v.value & 0xff;
        return 0;
      }
      if (cmd === GET) return k.put_user(page[0]!, arg);
      if (cmd === CLEAR) {
        page.fill(0);
        return 0;
      }
      return -k.ENOTTY;
    },
    mmap: (_f, vma) => {
      const size = vma.vm_end - vma.vm_start;
      if (vma.vm_pgoff !== 0 || size > page.length) return -k.EINVAL;
      return k.remap_pfn_range(vma, vma.vm_start, k.virt_to_phys(page) >> k.PAGE_SHIFT, size, vma.vm_page_prot);
    },
    poll: (f, wait) => {
      k.poll_wait(f, wq.q!, wait);
      return k.EPOLLOUT | k.EPOLLWRNORM | (ready ? k.EPOLLIN | k.EPOLLRDNORM : 0);
    },
    release: () => {
      releases++;
      return 0;
    },
  };
  const misc: k.miscdevice = { minor: k.MISC_DYNAMIC_MINOR, name: 'page', fops, mode: 0o666 };
  const mod = k.defineModule({
    name: 'page_dev',
    init() {
      page = k.get_zeroed_page();
      wq.q = k.init_waitqueue_head();
      return k.misc_register(misc);
    },
    exit() {
      k.misc_deregister(misc);
    },
  });
  return { mod, SET, GET, CLEAR, counts: () => ({ opens, releases }), page: () => page, misc };
}

describe('a misc device', () => {
  it('read, write, lseek, ioctl (with EFAULT and ENOTTY), mmap as a live view, release on the last close', async () => {
    const dev = pageDevice();
    await sim(async () => {
      await u.insmod(dev.mod);
      expect(dev.misc.minor).toBe(127);
      expect(await cat('/proc/misc')).toContain('127 page\n');
      const fd = await u.open('/dev/page', u.O_RDWR);
      expect(await u.write(fd, enc.encode('hello'))).toBe(5);
      expect(await u.lseek(fd, 0, u.SEEK_SET)).toBe(0);
      const b = new Uint8Array(5);
      expect(await u.read(fd, b)).toBe(5);
      expect(dec.decode(b)).toBe('hello');
      await errno(u.lseek(fd, 5000, u.SEEK_SET), 'EINVAL');
      // ioctl: _IOW copies in, _IOR out; a bad address is EFAULT; an unknown request ENOTTY.
      const arg = new Uint8Array(4);
      new DataView(arg.buffer).setInt32(0, 0x41, true);
      expect(await u.ioctl(fd, dev.SET, arg)).toBe(0);
      const out = new Uint8Array(4);
      expect(await u.ioctl(fd, dev.GET, out)).toBe(0);
      expect(out[0]).toBe(0x41);
      await errno(u.ioctl(fd, dev.GET, 0), 'EFAULT');
      await errno(u.ioctl(fd, dev.SET, 12345), 'EFAULT');
      await errno(u.ioctl(fd, dev.GET, new Uint8Array(2)), 'EFAULT');
      await errno(u.ioctl(fd, u._IO('p', 9)), 'ENOTTY');
      // mmap: the program sees what the module writes, and the reverse.
      const m = await u.mmap(fd, 4096, u.PROT_READ | u.PROT_WRITE, u.MAP_SHARED);
      expect(dec.decode(await m.read(1, 4))).toBe('ello');
      dev.page()[100] = 7;
      expect((await m.read(100, 1))[0]).toBe(7);
      await m.write(200, enc.encode('xy'));
      expect(dec.decode(dev.page().subarray(200, 202))).toBe('xy');
      await errno(u.mmap(fd, 8192, u.PROT_READ, u.MAP_SHARED), 'EINVAL');
      await errno(u.mmap(fd, 4096, u.PROT_READ, u.MAP_SHARED, 100), 'EINVAL');
      await errno(u.mmap(fd, 4096, u.PROT_READ, 0), 'EINVAL');
      // The mapping keeps the file open after close; release runs at munmap.
      await u.close(fd);
      expect(dev.counts().releases).toBe(0);
      expect((await m.read(100, 1))[0]).toBe(7);
      await u.munmap(m);
      expect(dev.counts().releases).toBe(1);
      await errno(m.read(0, 1), 'EFAULT');
      // A read-only open cannot map shared and writable.
      const ro = await u.open('/dev/page', u.O_RDONLY);
      await errno(u.mmap(ro, 4096, u.PROT_READ | u.PROT_WRITE, u.MAP_SHARED), 'EACCES');
      await errno(u.write(ro, enc.encode('x')), 'EBADF');
      await u.close(ro);
      await u.rmmod('page_dev');
      await errno(u.open('/dev/page'), 'ENOENT');
    });
  });

  it('a process that exits with a mapping releases the file (exit_mmap)', async () => {
    const dev = pageDevice();
    await sim(async () => {
      await u.insmod(dev.mod);
      const child = await u.spawn(async () => {
        const fd = await u.open('/dev/page', u.O_RDWR);
        await u.mmap(fd, 4096, u.PROT_READ, u.MAP_SHARED);
        await u.close(fd);
      });
      await u.waitpid(child);
      expect(dev.counts().releases).toBe(1);
    });
  });

  it('poll sleeps until the module wakes its wait queue', async () => {
    const dev = pageDevice();
    await sim(async (kernel) => {
      await u.insmod(dev.mod);
      const fd = await u.open('/dev/page', u.O_RDWR);
      const fds: u.PollFd[] = [{ fd, events: u.POLLIN }];
      expect(await u.poll(fds, 0)).toBe(0);
      const writer = await u.spawn(async () => {
        await u.sleep(500);
        const w = await u.open('/dev/page', u.O_WRONLY);
        await u.write(w, enc.encode('!'));
        await u.close(w);
      });
      const t0 = kernel.now();
      expect(await u.poll(fds, -1)).toBe(1);
      expect(fds[0]!.revents).toBe(u.POLLIN);
      expect(kernel.now() - t0).toBe(500);
      await u.waitpid(writer);
      expect(await u.poll([{ fd: 99, events: u.POLLIN }], 10)).toBe(1);
    });
  });

  it('fops with owner = THIS_MODULE pin the module while the device is open (rmmod: EAGAIN, /proc/modules counts it)', async () => {
    const dev = pageDevice();
    dev.misc.fops.owner = k.THIS_MODULE;
    await sim(async () => {
      await u.insmod(dev.mod);
      const fd = await u.open('/dev/page', u.O_RDONLY);
      expect(await cat('/proc/modules')).toMatch(/^page_dev 16384 1 /);
      await errno(u.rmmod('page_dev'), 'EAGAIN');
      await u.close(fd);
      expect(await u.rmmod('page_dev')).toBe(0);
    });
  });

  it('an unprivileged process is refused a 0600 node', async () => {
    const dev = pageDevice();
    dev.misc.mode = 0o600;
    await sim(async () => {
      await u.insmod(dev.mod);
      const pid = await u.spawn(
        async () => {
          await errno(u.open('/dev/page', u.O_RDONLY), 'EACCES');
        },
        { uid: 65534 },
      );
      expect(await u.waitpid(pid)).toBe(0);
    });
  });
});

describe('register_chrdev', () => {
  it('takes a dynamic major, lists it in /proc/devices; mknod makes the node; a minor nobody serves is ENXIO', async () => {
    let major = 0;
    const mod = k.defineModule({
      name: 'chr',
      init() {
        major = k.register_chrdev(0, 'chr', {
          read: (_f, buf, count, ppos) => k.simple_read_from_buffer(buf, count, ppos, 'chr!\n'),
        });
        return major < 0 ? major : 0;
      },
      exit() {
        k.unregister_chrdev(major, 'chr');
      },
    });
    await sim(async () => {
      await u.insmod(mod);
      expect(major).toBe(254);
      expect(await cat('/proc/devices')).toContain('254 chr\n');
      expect(await u.mknod('/dev/chr0', u.S_IFCHR | 0o600, u.makedev(major, 0))).toBe(0);
      expect(await cat('/dev/chr0')).toBe('chr!\n');
      await errno(u.mknod('/dev/chr0', u.S_IFCHR | 0o600, u.makedev(major, 0)), 'EEXIST');
      await u.mknod('/dev/nobody', u.S_IFCHR | 0o600, u.makedev(200, 0));
      await errno(u.open('/dev/nobody'), 'ENXIO');
      const pid = await u.spawn(
        async () => {
          await errno(u.mknod('/dev/x', u.S_IFCHR | 0o600, 0), 'EPERM');
        },
        { uid: 1000 },
      );
      await u.waitpid(pid);
    });
  });
});

describe('procfs and seq_file', () => {
  it('seq_operations restart on small reads and overflow; single_open; remove_proc_entry', async () => {
    const calls: string[] = [];
    const items = Array.from({ length: 50 }, (_, i) => `item ${i}`);
    const ops: k.seq_operations = {
      start: (_m, pos) => {
        calls.push(`start ${pos.value}`);
        return pos.value < items.length ? pos.value : null;
      },
      next: (_m, _v, pos) => {
        pos.value++;
        return pos.value < items.length ? pos.value : null;
      },
      stop: () => {
        calls.push('stop');
      },
      show: (m, v) => {
        k.seq_printf(m, '%s: %03d %-4s|\n', items[v as number]!, v as number, 'x');
        return 0;
      },
    };
    let dir: k.proc_dir_entry | null = null;
    const mod = k.defineModule({
      name: 'seqdemo',
      init() {
        dir = k.proc_mkdir('seqdemo', null);
        k.proc_create_seq('items', 0o444, dir, ops);
        k.proc_create_single('hello', 0o444, dir, (m) => {
          k.seq_puts(m, `hello from ${k.saved_command_line().split(' ')[0]}\n`);
          return 0;
        });
        return 0;
      },
      exit() {
        k.remove_proc_entry('items', dir);
        k.remove_proc_entry('hello', dir);
        k.remove_proc_entry('seqdemo', null);
      },
    });
    await sim(async () => {
      await u.insmod(mod);
      const whole = await cat('/proc/seqdemo/items', 65536);
      expect(whole.split('\n')[3]).toBe('item 3: 003 x   |');
      calls.length = 0;
      expect(await cat('/proc/seqdemo/items', 10)).toBe(whole);
      // Each read() starts again from the record where the last one stopped.
      expect(calls.filter((c) => c.startsWith('start')).length).toBeGreaterThan(50);
      expect(await cat('/proc/seqdemo/hello')).toBe('hello from console=ttyS0\n');
      await u.rmmod('seqdemo');
      await errno(u.open('/proc/seqdemo/items'), 'ENOENT');
    });
  });

  it('a module that forgets remove_proc_entry: the simulator removes it and says so', async () => {
    const mod = k.defineModule({
      name: 'leaky',
      init() {
        k.proc_create_single('leaky', 0o444, null, () => 0);
        return 0;
      },
      exit() {},
    });
    const kernel = await sim(async () => {
      await u.insmod(mod);
      await u.rmmod('leaky');
      await errno(u.open('/proc/leaky'), 'ENOENT');
    });
    expect(kernel.dmesg().join('\n')).toMatch(/leaky: module_exit left \/proc\/leaky registered/);
  });
});

describe('sysctl tables', () => {
  it('register_sysctl with proc_dointvec_minmax and proc_dostring; a clash fails', async () => {
    const level = { value: 3 };
    const name = { value: 'lab' };
    let hdr: k.ctl_table_header | null = null;
    const mod = k.defineModule({
      name: 'knobs',
      init() {
        hdr = k.register_sysctl('netlink_lab', [
          {
            procname: 'level',
            data: level,
            maxlen: 4,
            mode: 0o644,
            proc_handler: k.proc_dointvec_minmax,
            extra1: k.SYSCTL_ZERO,
            extra2: { value: 10 },
          },
          { procname: 'name', data: name, maxlen: 8, mode: 0o644, proc_handler: k.proc_dostring },
        ]);
        return hdr ? 0 : -k.ENOMEM;
      },
      exit() {
        k.unregister_sysctl_table(hdr);
      },
    });
    await sim(async () => {
      await u.insmod(mod);
      expect(await cat('/proc/sys/netlink_lab/level')).toBe('3\n');
      expect(await put('/proc/sys/netlink_lab/level', '7\n')).toBe(2);
      expect(level.value).toBe(7);
      await errno(put('/proc/sys/netlink_lab/level', '11'), 'EINVAL');
      expect(await put('/proc/sys/netlink_lab/name', 'a-long-name\n')).toBe(12);
      expect(name.value).toBe('a-long-');
      expect(await cat('/proc/sys/netlink_lab/name')).toBe('a-long-\n');
      expect(
        k.register_sysctl('netlink_lab', [
          { procname: 'level', data: level, maxlen: 4, mode: 0o644, proc_handler: k.proc_dointvec },
        ]),
      ).toBeNull();
      await u.rmmod('knobs');
      await errno(u.open('/proc/sys/netlink_lab/level'), 'ENOENT');
    });
  });
});

describe('module parameters', () => {
  it('insmod values, /sys/module/<m>/parameters by perm, bad values fail the load, custom ops', async () => {
    const make = () => {
      const count = k.module_param('count', 'int', 0o644, 1);
      const name = k.module_param('who', 'charp', 0o444, 'world');
      const debug = k.module_param('debug', 'bool', 0o600, false);
      k.module_param('secret', 'uint', 0, 5);
      const even = k.module_param_cb(
        'even',
        {
          set: (val, kp) => {
            const r: k.Ptr<number> = { value: 0 };
            const err = k.kstrtoint(val, 0, r);
            if (err) return err;
            if (r.value % 2) return -k.EINVAL;
            (kp.arg as k.Ptr<number>).value = r.value;
            return 0;
          },
          get: k.param_get_int,
        },
        { value: 2 },
        0o644,
      );
      let seen = '';
      const mod = k.defineModule({
        name: 'params',
        init() {
          seen = `${count.value} ${name.value} ${debug.value} ${even.value}`;
          return 0;
        },
        exit() {},
      });
      return { mod, count, seen: () => seen };
    };
    const kernel = await sim(async () => {
      const a = make();
      await u.insmod(a.mod, 'count=5 who="two words" debug even=4 bogus=1');
      expect(a.seen()).toBe('5 two words true 4');
      expect(await cat('/sys/module/params/parameters/count')).toBe('5\n');
      expect(await cat('/sys/module/params/parameters/who')).toBe('two words\n');
      expect(await cat('/sys/module/params/parameters/debug')).toBe('Y\n');
      await errno(u.open('/sys/module/params/parameters/secret'), 'ENOENT');
      expect(await put('/sys/module/params/parameters/count', '9\n')).toBe(2);
      expect(a.count.value).toBe(9);
      await errno(put('/sys/module/params/parameters/count', 'nine'), 'EINVAL');
      await errno(put('/sys/module/params/parameters/even', '3'), 'EINVAL');
      await errno(u.open('/sys/module/params/parameters/who', u.O_WRONLY), 'EACCES');
      const pid = await u.spawn(
        async () => {
          await errno(u.open('/sys/module/params/parameters/debug'), 'EACCES');
          expect(await cat('/sys/module/params/parameters/count')).toBe('9\n');
        },
        { uid: 65534 },
      );
      await u.waitpid(pid);
      await u.rmmod('params');
      const b = make();
      await errno(u.insmod(b.mod, { count: 'x' }), 'EINVAL');
      await errno(u.insmod(b.mod, 'even=3'), 'EINVAL');
      await errno(u.insmod(b.mod, 'count=99999999999'), 'ERANGE');
      await errno(u.open('/sys/module/params/parameters/count'), 'ENOENT');
    });
    const log = kernel.dmesg().join('\n');
    expect(log).toContain("params: unknown parameter 'bogus' ignored");
    expect(log).toContain("params: `x' invalid for parameter `count'");
  });
});

describe('debugfs and relay', () => {
  it('debugfs u32/bool/blob/file, root only; relay sub-buffers read through a debugfs file and poll', async () => {
    const counter = { value: 41 };
    const on = { value: true };
    const blob = { data: enc.encode('blob!'), size: 5 };
    let dir: k.dentry | null = null;
    let chan: k.rchan | null = null;
    const mod = k.defineModule({
      name: 'dbg',
      init() {
        dir = k.debugfs_create_dir('dbg', null);
        k.debugfs_create_u32('counter', 0o644, dir, counter);
        k.debugfs_create_u32('counter_ro', 0o444, dir, counter);
        k.debugfs_create_bool('on', 0o644, dir, on);
        k.debugfs_create_blob('blob', 0o444, dir, blob);
        chan = k.relay_open(
          'trace',
          dir,
          16,
          4,
          {
            create_buf_file: (filename, parent, mode, buf) =>
              k.debugfs_create_file(filename, mode, parent, buf, k.relay_file_operations),
            remove_buf_file: (d) => {
              k.debugfs_remove(d);
              return 0;
            },
          },
          null,
        );
        return chan ? 0 : -k.ENOMEM;
      },
      exit() {
        k.relay_close(chan!);
        k.debugfs_remove_recursive(dir);
      },
    });
    await sim(async () => {
      await u.insmod(mod);
      expect(await cat('/sys/kernel/debug/dbg/counter')).toBe('41\n');
      expect(await put('/sys/kernel/debug/dbg/counter', '0x10')).toBe(4);
      expect(counter.value).toBe(16);
      await errno(put('/sys/kernel/debug/dbg/counter_ro', '1'), 'EACCES');
      await errno(put('/sys/kernel/debug/dbg/counter', 'zz'), 'EINVAL');
      expect(await cat('/sys/kernel/debug/dbg/on')).toBe('Y\n');
      await put('/sys/kernel/debug/dbg/on', 'n');
      expect(on.value).toBe(false);
      expect(await cat('/sys/kernel/debug/dbg/blob')).toBe('blob!');
      const fd = await u.open('/sys/kernel/debug/dbg/counter');
      await errno(u.lseek(fd, 0, u.SEEK_SET), 'ESPIPE');
      await u.close(fd);
      const pid = await u.spawn(
        async () => {
          await errno(u.open('/sys/kernel/debug/dbg/counter'), 'EACCES');
        },
        { uid: 65534 },
      );
      await u.waitpid(pid);

      // relay: nothing to read until a sub-buffer is finished (or flushed).
      const rfd = await u.open('/sys/kernel/debug/dbg/trace0');
      const buf = new Uint8Array(64);
      k.relay_write(chan!, enc.encode('0123456789'));
      expect(await u.poll([{ fd: rfd, events: u.POLLIN }], 0)).toBe(0);
      expect(await u.read(rfd, buf)).toBe(10); // the current sub-buffer's bytes are readable
      k.relay_write(chan!, enc.encode('abcdefgh')); // does not fit: switch, 6 bytes of padding
      expect(await u.poll([{ fd: rfd, events: u.POLLIN }], 0)).toBe(1);
      const n = await u.read(rfd, buf);
      expect(dec.decode(buf.subarray(0, n))).toBe('abcdefgh');
      await errno(u.lseek(rfd, 0, u.SEEK_SET), 'ESPIPE');
      await u.close(rfd);
      await u.rmmod('dbg');
      await errno(u.open('/sys/kernel/debug/dbg/counter'), 'ENOENT');
    });
  });
});

describe('boot parameters', () => {
  it('early_param and __setup of built-in code, mod.param=value, /proc/cmdline, unknown options', async () => {
    const seen: string[] = [];
    const level = k.module_param('level', 'int', 0o644, 0);
    const builtin = k.defineModule({
      name: 'bootdemo',
      setup: [
        k.early_param('bootdemo_early', (v) => {
          seen.push(`early ${v}`);
          return 0;
        }),
        k.__setup('bootdemo=', (v) => {
          seen.push(`setup ${v}`);
          return 1;
        }),
      ],
      init() {
        seen.push(`init level=${level.value}`);
        return 0;
      },
    });
    const kernel = await createSimKernel({
      wasm: await kernelModule(),
      cmdline: 'console=ttyS0 bootdemo_early=1 bootdemo=on bootdemo.level=3 other.x=1 mystery',
      builtin: [builtin],
    });
    expect(seen).toEqual(['early 1', 'setup on', 'init level=3']);
    setBackend(kernel);
    try {
      await kernel.run(async () => {
        expect(await cat('/proc/cmdline')).toBe(
          'console=ttyS0 bootdemo_early=1 bootdemo=on bootdemo.level=3 other.x=1 mystery\n',
        );
        expect(await cat('/sys/module/bootdemo/parameters/level')).toBe('3\n');
      });
    } finally {
      setBackend(null);
    }
    expect(kernel.dmesg().join('\n')).toContain(
      'Unknown kernel command line parameters "mystery", will be passed to user space.',
    );
  });
});

describe('memory devices', () => {
  it("/dev/null, /dev/zero, and /dev/kmsg records (checked against the VM's 6.1)", async () => {
    await sim(async () => {
      const z = await u.open('/dev/zero');
      const b = new Uint8Array(4).fill(7);
      expect(await u.read(z, b)).toBe(4);
      expect(Array.from(b)).toEqual([0, 0, 0, 0]);
      await u.close(z);
      const nul = await u.open('/dev/null', u.O_RDWR);
      expect(await u.read(nul, b)).toBe(0);
      expect(await u.write(nul, b)).toBe(4);
      await u.close(nul);
      const k2 = await u.open('/dev/kmsg', u.O_RDONLY | u.O_NONBLOCK);
      expect(await u.lseek(k2, 0, u.SEEK_END)).toBe(0);
      await errno(u.lseek(k2, 5, u.SEEK_SET), 'ESPIPE');
      await errno(u.read(k2, new Uint8Array(100)), 'EAGAIN');
      const w = await u.open('/dev/kmsg', u.O_WRONLY);
      await u.write(w, enc.encode('<5>no newline yet'));
      await errno(u.read(k2, new Uint8Array(100)), 'EAGAIN');
      await u.write(w, enc.encode('done\n'));
      const buf = new Uint8Array(200);
      expect(dec.decode(buf.subarray(0, await u.read(k2, buf)))).toMatch(/^13,\d+,\d+,-;no newline yet\n$/);
      await errno(u.read(k2, new Uint8Array(5)), 'EINVAL');
      await errno(u.read(k2, buf), 'EAGAIN');
      await u.close(w);
      await u.close(k2);
      const pid = await u.spawn(
        async () => {
          await errno(u.open('/dev/kmsg'), 'EPERM');
        },
        { uid: 65534 },
      );
      await u.waitpid(pid);
    });
  });
});
