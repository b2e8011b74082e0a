/**
 * Bad input to the file syscalls must never break the simulated kernel: seeded random open paths
 * and flags, reads and writes of random sizes and offsets, lseeks, ioctls with random requests and
 * arguments (numbers, short and long buffers), mmaps with random lengths/offsets/flags, polls,
 * mknods, and writes of random bytes to every writable sysctl, module parameter and debugfs file,
 * against /proc, /proc/sys, /sys/module, /sys/kernel/debug and a misc device. Every answer must be
 * a number, a Mapping or an ErrnoError; no trap, no exception from the host; afterwards no file
 * stays open in the VFS and the live sk_buff count is back at its baseline.
 */
import { describe, expect, it } from 'vitest';
import * as u from '../../src/api/user.ts';
import * as k from '../../src/api/kernel.ts';
import { ErrnoError } from '../../src/api/errno.ts';
import { setBackend } from '../../src/api/backend.ts';
import { bootKernel } from '../fixtures/sim-kernel.ts';

const ROUNDS = 20_000;

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, int: (n: number) => next() % n, pick: <T>(a: readonly T[]): T => a[next() % a.length]! };
}

/** A module with a misc device, a sysctl table, parameters and debugfs files, to be fuzzed. */
function target() {
  const page: { buf: Uint8Array } = { buf: new Uint8Array(0) };
  const level = { value: 1 };
  const text = { value: 'abc' };
  const flag = { value: false };
  const u32 = { value: 5 };
  let hdr: k.ctl_table_header | null = null;
  let dir: k.dentry | null = null;
  let chan: k.rchan | null = null;
  k.module_param('count', 'int', 0o644, 1);
  k.module_param('name', 'charp', 0o644, 'x');
  k.module_param('on', 'bool', 0o644, true);
  const misc: k.miscdevice = {
    minor: k.MISC_DYNAMIC_MINOR,
    name: 'fuzzdev',
    mode: 0o666,
    fops: {
      read: (_f, b, c, p) => k.simple_read_from_buffer(b, c, p, page.buf, page.buf.length),
      write: (_f, b, c, p) => k.simple_write_to_buffer(page.buf, page.buf.length, p, b, c),
      llseek: (f, o, w) => k.fixed_size_llseek(f, o, w, page.buf.length),
      unlocked_ioctl: (_f, cmd, arg) => {
        if (k._IOC_TYPE(cmd) !== 'f'.charCodeAt(0)) return -k.ENOTTY;
        const n = k._IOC_SIZE(cmd);
        const tmp = new Uint8Array(n);
        if (k._IOC_DIR(cmd) & k._IOC_WRITE && k.copy_from_user(tmp, arg, n)) return -k.EFAULT;
        if (k._IOC_DIR(cmd) & k._IOC_READ && k.copy_to_user(arg, tmp.reverse(), n)) return -k.EFAULT;
        return n;
      },
      mmap: (_f, vma) => {
        if (vma.vm_pgoff || vma.vm_end - vma.vm_start > page.buf.length) return -k.EINVAL;
        return k.remap_pfn_range(
          vma,
          vma.vm_start,
          k.virt_to_phys(page.buf) >> k.PAGE_SHIFT,
          vma.vm_end - vma.vm_start,
          vma.vm_page_prot,
        );
      },
    },
  };
  const mod = k.defineModule({
    name: 'fuzz_files',
    init() {
      page.buf = k.kzalloc(8192);
      hdr = k.register_sysctl('fuzz', [
        {
          procname: 'level',
          data: level,
          maxlen: 4,
          mode: 0o644,
          proc_handler: k.proc_dointvec_minmax,
          extra1: k.SYSCTL_ZERO,
          extra2: { value: 100 },
        },
        { procname: 'vec', data: { value: [1, 2, 3] }, maxlen: 12, mode: 0o644, proc_handler: k.proc_dointvec },
        { procname: 'text', data: text, maxlen: 16, mode: 0o644, proc_handler: k.proc_dostring },
        { procname: 'uint', data: { value: 7 }, maxlen: 4, mode: 0o644, proc_handler: k.proc_douintvec },
        { procname: 'bool', data: flag, maxlen: 4, mode: 0o644, proc_handler: k.proc_dobool },
      ]);
      dir = k.debugfs_create_dir('fuzz', null);
      k.debugfs_create_u32('u32', 0o644, dir, u32);
      k.debugfs_create_x32('x32', 0o644, dir, u32);
      k.debugfs_create_bool('flag', 0o644, dir, flag);
      k.debugfs_create_blob('blob', 0o444, dir, { data: new TextEncoder().encode('blob'), size: 4 });
      chan = k.relay_open(
        'relay',
        dir,
        64,
        4,
        {
          create_buf_file: (n, p, m, b) => k.debugfs_create_file(n, m, p, b, k.relay_file_operations),
          remove_buf_file: (d) => {
            k.debugfs_remove(d);
            return 0;
          },
        },
        null,
      );
      k.proc_create_seq('fuzz_seq', 0o444, null, {
        start: (_m, pos) => (pos.value < 30 ? pos.value : null),
        next: (_m, _v, pos) => (++pos.value < 30 ? pos.value : null),
        stop: () => {},
        show: (m, v) => {
          k.seq_printf(m, '%5d %s\n', v as number, 'x'.repeat((v as number) * 7));
          return 0;
        },
      });
      return k.misc_register(misc);
    },
    exit() {
      k.misc_deregister(misc);
      k.remove_proc_entry('fuzz_seq', null);
      k.relay_close(chan!);
      k.debugfs_remove_recursive(dir);
      k.unregister_sysctl_table(hdr);
    },
  });
  return { mod, chan: () => chan };
}

const PATHS = [
  '/proc/sys/fuzz/level',
  '/proc/sys/fuzz/vec',
  '/proc/sys/fuzz/text',
  '/proc/sys/fuzz/uint',
  '/proc/sys/fuzz/bool',
  '/proc/sys/net/core/somaxconn',
  '/proc/sys/net/ipv4/ip_local_port_range',
  '/proc/sys/net/ipv4/tcp_rmem',
  '/proc/sys/net/core/rmem_max',
  '/proc/net/netlink',
  '/proc/modules',
  '/proc/cmdline',
  '/proc/devices',
  '/proc/misc',
  '/proc/mounts',
  '/proc/fuzz_seq',
  '/sys/module/fuzz_files/parameters/count',
  '/sys/module/fuzz_files/parameters/name',
  '/sys/module/fuzz_files/parameters/on',
  '/sys/kernel/debug/fuzz/u32',
  '/sys/kernel/debug/fuzz/x32',
  '/sys/kernel/debug/fuzz/flag',
  '/sys/kernel/debug/fuzz/blob',
  '/sys/kernel/debug/fuzz/relay0',
  '/dev/fuzzdev',
  '/proc',
  '/proc/sys',
  '/dev',
  '/',
  '/nope',
  '/proc/cmdline/x',
  '',
  '//proc//cmdline',
  '/proc/../proc/./cmdline',
  '/sys/kernel/debug/fuzz',
  '/proc/sys/fuzz/level/',
  'proc/cmdline',
];
const WORDS = [
  '0',
  '1',
  '-1',
  ' 42\n',
  '0x7fffffff',
  '2147483648',
  '-2147483649',
  '99999999999999999999999',
  'Y',
  'n',
  'on',
  'off',
  '1 2 3 4',
  '\t\t7',
  'abc',
  '',
  '\n',
  '0x',
  '0xZ',
  '08',
  '+3',
  '--1',
  '1\0 2',
  'x'.repeat(5000),
];

describe('fuzz: file syscalls', () => {
  it(`survive ${ROUNDS} random calls on procfs, sysctl, sysfs, debugfs, relay and a device; nothing stays open`, async () => {
    const kernel = await bootKernel();
    setBackend(kernel);
    const baseline = kernel.liveBuffers();
    const r = rng(0xf11e5);
    const counts = { ok: 0, errno: 0 };
    const codes = new Set<string>();
    const attempt = async (f: () => Promise<unknown>) => {
      try {
        await f();
        counts.ok++;
      } catch (e) {
        if (!(e instanceof ErrnoError)) throw e;
        counts.errno++;
        codes.add(e.code);
      }
    };
    const { mod, chan } = target();
    const result = await kernel.run(async () => {
      await u.insmod(mod, 'count=3 name=fuzz');
      const fds: number[] = [];
      const maps: u.Mapping[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        // The module logs through relay now and then: records of 0–80 bytes (some too big for a sub-buffer).
        if (r.int(4) === 0) k.relay_write(chan()!, new Uint8Array(r.int(81)).fill(0x41 + r.int(26)));
        if (r.int(200) === 0) k.relay_flush(chan()!);
        const op = r.int(12);
        const fd = fds.length && r.int(8) ? r.pick(fds) : r.pick([-1, 0, 1, 2, 3, 77, 1024, 1 << 30]);
        switch (op) {
          case 0:
          case 1:
            await attempt(async () => {
              const flags = r.pick([
                u.O_RDONLY,
                u.O_WRONLY,
                u.O_RDWR,
                3,
                u.O_RDONLY | u.O_DIRECTORY,
                u.O_WRONLY | u.O_CREAT,
                u.O_CREAT | u.O_EXCL | u.O_RDWR,
                u.O_NONBLOCK,
                u.O_PATH,
                r.next(),
              ]);
              const n = await u.open(r.pick(PATHS), flags, r.int(0o7777));
              fds.push(n);
              if (fds.length > 40) await u.close(fds.shift()!);
            });
            break;
          case 2:
            await attempt(() => u.read(fd, new Uint8Array(r.pick([0, 1, 2, 3, 7, 64, 4096, 70000]))));
            break;
          case 3:
            await attempt(() => u.write(fd, new TextEncoder().encode(r.pick(WORDS))));
            break;
          case 4:
            await attempt(() =>
              u.write(
                fd,
                Uint8Array.from({ length: r.int(64) }, () => r.int(256)),
              ),
            );
            break;
          case 5:
            await attempt(() =>
              u.lseek(fd, r.pick([0, 1, 2, 5, 100, 4096, 8191, 8192, 1e9, -1, -4096, r.next()]), r.int(6)),
            );
            break;
          case 6:
            await attempt(() => {
              const req = r.pick([
                u._IOR('f', r.int(4), r.int(64)),
                u._IOW('f', 1, 8),
                u._IOWR('f', 2, 16),
                u._IO('f', 3),
                0x5421,
                0x541b,
                0x5451,
                r.next(),
              ]);
              const arg = r.pick<number | Uint8Array>([
                0,
                1,
                0x7ffd30000000,
                r.next(),
                new Uint8Array(r.int(32)),
                new Uint8Array(0),
              ]);
              return u.ioctl(fd, req, arg);
            });
            break;
          case 7:
            await attempt(async () => {
              const m = await u.mmap(
                fd,
                r.pick([0, 1, 4096, 8192, 12288, -1]),
                r.pick([u.PROT_READ, u.PROT_WRITE, u.PROT_READ | u.PROT_WRITE, u.PROT_NONE]),
                r.pick([u.MAP_SHARED, u.MAP_PRIVATE, 0, u.MAP_SHARED_VALIDATE, 7]),
                r.pick([0, 4096, 100, -4096]),
              );
              maps.push(m);
            });
            break;
          case 8:
            if (maps.length) {
              const m = r.pick(maps);
              await attempt(() =>
                r.int(2) ? m.read(r.int(9000), r.int(5000)) : m.write(r.int(9000), new Uint8Array(r.int(300))),
              );
              if (r.int(4) === 0) await attempt(() => u.munmap(maps.splice(maps.indexOf(m), 1)[0]!));
            }
            break;
          case 9:
            await attempt(() =>
              u.poll(
                [
                  { fd, events: u.POLLIN | u.POLLOUT },
                  { fd: r.pick(fds.length ? fds : [5]), events: u.POLLIN },
                ],
                r.pick([0, 0, 1]),
              ),
            );
            break;
          case 10:
            await attempt(() =>
              u.close(fd).then((n) => {
                const j = fds.indexOf(fd);
                if (j >= 0) fds.splice(j, 1);
                return n;
              }),
            );
            break;
          case 11:
            await attempt(() =>
              u.mknod(
                r.pick(['/dev/x', '/dev/fuzzdev', '/proc/x', '/nope/x', '/dev/']),
                r.pick([u.S_IFCHR | 0o600, u.S_IFREG, 0, u.S_IFDIR]),
                u.makedev(r.int(300), r.int(300)),
              ),
            );
            break;
        }
      }
      for (const m of maps) await u.munmap(m);
      for (const fd of fds) await attempt(() => u.close(fd));
      await u.rmmod('fuzz_files');
    });
    setBackend(null);
    if (result.error) throw result.error;
    expect(counts.ok).toBeGreaterThan(ROUNDS / 5);
    expect(counts.errno).toBeGreaterThan(ROUNDS / 5);
    for (const c of [
      'ENOENT',
      'EBADF',
      'EINVAL',
      'ENOTTY',
      'EFAULT',
      'ESPIPE',
      'EISDIR',
      'EACCES',
      'ENOTDIR',
      'ENODEV',
    ])
      expect(codes, c).toContain(c);
    expect((kernel.fs.vfs as unknown as { files: Map<number, unknown> }).files.size).toBe(0);
    expect(kernel.liveBuffers()).toBe(baseline);
    expect(kernel.dmesg().join('\n')).not.toMatch(/BUG: exception/);
  }, 120_000);
});
