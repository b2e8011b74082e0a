/**
 * Boot the netlink-lab VM (Debian's 6.1 kernel + a busybox initramfs, built by
 * `sandboxes/vm/image/build.sh` into build/vm/) under QEMU, and talk to it.
 *
 * A VM has two byte channels: `console`, the serial console (ttyS0, where a shell runs), and
 * `agent`, a virtio-serial port (/dev/vport0p1 in the guest) on which the real-kernel agent
 * (sandboxes/real/agent) speaks its binary protocol. QEMU is started through
 * `setpriv --pdeathsig KILL`, so it dies with the process that started it, whatever way that
 * process ends (exit, signal, crash); a normal exit also kills every VM still running.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  agentsListening,
  dropSnapshot,
  Qmp,
  resumeRestored,
  shellSafe,
  snapshotPath,
  takeSnapshot,
} from './snapshot.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const QEMU = 'qemu-system-x86_64';
const TRANSCRIPT_MAX = 256 * 1024;
const CONSOLE_BUFFER_MAX = 1024 * 1024;
/** Longer commands are not typed into the shell's line editor (1024 bytes a line) but sent as a file. */
const INLINE_COMMAND_MAX = 900;
/** The line /init prints just before it starts the shell. */
export const READY_MARKER = 'netlink-lab: ready';
/** The shell prompt set by the image's /etc/profile (busybox then sends ESC[6n). */
const PROMPT = /netlink-lab:[^\r\n]*# (\x1b\[6n)?$/;

/** What `build.sh` produced: absolute paths and what the image contains. */
export interface VmImage {
  dir: string;
  kernel: string;
  initramfs: string;
  kernelRelease: string;
  /** Whether the real-kernel agent is in the image (it is built from sandboxes/real/agent). */
  agent: boolean;
  modules: string[];
  programs: string[];
  /** When it was built (keys the boot snapshots). */
  built: string;
}

/** The directory of the built image: $NETLINK_LAB_VM_DIR or build/vm. */
export function vmDir(): string {
  return process.env.NETLINK_LAB_VM_DIR ?? join(REPO, 'build/vm');
}

/** Read the built image's manifest; throws, saying how to build it, when there is none. */
export function vmImage(dir = vmDir()): VmImage {
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) {
    throw new Error(`No VM image in ${dir}: build it with \`npm run vm:build\` (bash sandboxes/vm/image/build.sh).`);
  }
  const m = JSON.parse(readFileSync(manifest, 'utf8'));
  const image: VmImage = {
    dir,
    kernel: join(dir, m.kernel),
    initramfs: join(dir, m.initramfs),
    kernelRelease: m.kernelRelease,
    agent: Boolean(m.agent),
    modules: m.modules ?? [],
    programs: m.programs ?? [],
    built: m.built ?? '',
  };
  for (const f of [image.kernel, image.initramfs]) {
    if (!existsSync(f)) throw new Error(`The VM image in ${dir} lacks ${f}: rebuild it with \`npm run vm:build\`.`);
  }
  return image;
}

function newestMtime(dirs: string[]): number {
  let newest = 0;
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isFile()) newest = Math.max(newest, statSync(join(d, e.name)).mtimeMs);
    }
  }
  return newest;
}

/**
 * The image, built or rebuilt first when it is missing or older than its sources, or always with
 * `force` (the build script is idempotent; its output goes to stderr). Throws with the build's message when the build fails.
 */
export function ensureVmImage(dir = vmDir(), opts: { force?: boolean } = {}): VmImage {
  const manifest = join(dir, 'manifest.json');
  const sources = ['sandboxes/vm/image', 'sandboxes/vm/modules', 'sandboxes/vm/examples', 'sandboxes/real/agent'].map(
    (d) => join(REPO, d),
  );
  if (!opts.force && existsSync(manifest) && statSync(manifest).mtimeMs >= newestMtime(sources)) return vmImage(dir);
  const r = spawnSync('bash', [join(REPO, 'sandboxes/vm/image/build.sh')], {
    // fd 2 itself, not process.stderr: inside a worker thread that is not a real stream.
    stdio: ['ignore', 2, 2],
    env: { ...process.env, NETLINK_LAB_VM_DIR: dir },
  });
  if (r.status !== 0)
    throw new Error(
      `Building the VM image failed (bash sandboxes/vm/image/build.sh exited with ${r.status ?? r.signal}).`,
    );
  // An up-to-date build leaves the manifest alone; mark it as checked.
  const now = new Date();
  utimesSync(manifest, now, now);
  return vmImage(dir);
}

/** Options of {@link bootVm}. */
export interface BootOptions {
  /** Guest RAM (default 256). */
  memoryMB?: number;
  /** Virtual CPUs (default 1). */
  cpus?: number;
  /** Time allowed from start to the shell prompt; then QEMU is killed and `ready` rejects (default 60 s). */
  timeoutMs?: number;
  /**
   * 'tcg' (default): software emulation, works everywhere. 'kvm': hardware virtualisation.
   * 'auto': KVM only if a test boot with KVM succeeded on this host (see {@link probeKvm}).
   */
  accel?: 'tcg' | 'kvm' | 'auto';
  /**
   * 'pc' (default; virtio over PCI) or 'microvm' (virtio over MMIO, ~0.3 s faster to boot on an
   * idle host, but it has no HPET or ACPI PM timer: on a loaded host the guest's TSC calibration
   * against the PIT fails and the kernel hangs before printing anything).
   */
  machine?: 'microvm' | 'pc';
  /** Load nl_test and doc_exmpl at boot (default true). */
  loadModules?: boolean;
  /** Start the agents on the virtio ports at boot (default true when the image has one). */
  agent?: boolean;
  /**
   * How many agent ports (default 4): each is a virtio-serial port with its own agent in the
   * guest, i.e. one process of a learner's program; when an agent exits, a fresh one (a new
   * process) takes its port.
   */
  agentPorts?: number;
  /**
   * How many more virtio-serial ports (default 4), after the agent ports, with no agent at boot:
   * a forked child (OP_FORK with the port's /dev path, see sandboxes/real/PROTOCOL.md) serves on
   * one of them until it exits. This is how spawn() in the VM inherits the parent's sockets.
   */
  forkPorts?: number;
  /** Extra kernel command line words. */
  append?: string;
  /**
   * Start from a snapshot of this configuration just booted (~0.25 s instead of a boot), taking
   * it on the first boot (default false). The guest then has the snapshot's state: same pids,
   * same random seed, same boot log. See snapshot.ts.
   */
  snapshot?: boolean;
  /** The image to boot (default: {@link vmImage}()). Paths can be overridden one by one. */
  image?: VmImage;
  kernel?: string;
  initramfs?: string;
}

/** The result of {@link Vm.exec}. */
export interface ExecResult {
  /** What the command printed (stdout and stderr, in order), with `\r\n` turned into `\n`. */
  output: string;
  /** Its exit status. */
  status: number;
}

/** A running VM. */
export interface Vm {
  /** QEMU's process id. */
  readonly pid: number;
  /** A name unique to this VM, also QEMU's `-name` (find it with `pgrep -f <name>`). */
  readonly name: string;
  /** The serial console: what the guest prints (from the start of boot), and keystrokes to it. */
  readonly console: Duplex;
  /** The first agent port: the agent's stdin and stdout in the guest (`agents[0]`). */
  readonly agent: Duplex;
  /** Every agent port, in order: /dev/vport0p1, /dev/vport0p2, … in the guest. */
  readonly agents: Duplex[];
  /** The ports after the agent ports, which no agent serves at boot, with their guest paths (see BootOptions.forkPorts). */
  readonly forkPorts: { port: Duplex; dev: string }[];
  /** Resolves at the shell's first prompt; rejects if QEMU exits or the timeout passes first. */
  readonly ready: Promise<void>;
  /** Resolves when QEMU has exited (never rejects). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 256 KiB of console output. */
  transcript(): string;
  /** What QEMU wrote to stderr. */
  stderr(): string;
  /** Run one shell command on the console (after `ready`); commands run one at a time. */
  exec(command: string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  /** Kill QEMU (SIGKILL); resolves once it has exited. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function kvmCacheFile(): string {
  return join(vmDir(), 'accel.json');
}

function qemuVersion(): string {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : '';
}

/**
 * Whether a KVM guest boots on this host within `timeoutMs`: /dev/kvm may exist and still not
 * run a guest (nested virtualisation). The answer is cached in build/vm/accel.json per host
 * kernel and QEMU version.
 */
export async function probeKvm(timeoutMs = 15_000): Promise<boolean> {
  const key = `${release()} ${qemuVersion()}`;
  try {
    const cached = JSON.parse(readFileSync(kvmCacheFile(), 'utf8'));
    if (cached.key === key) return cached.kvm === true;
  } catch {
    /* no cache yet */
  }
  let kvm = false;
  if (existsSync('/dev/kvm')) {
    const vm = bootVm({ accel: 'kvm', timeoutMs, loadModules: false, agent: false });
    try {
      await vm.ready;
      kvm = true;
    } catch {
      kvm = false;
    } finally {
      await vm.kill();
    }
  }
  writeFileSync(kvmCacheFile(), JSON.stringify({ key, kvm, probed: new Date().toISOString() }) + '\n');
  return kvm;
}

function cachedKvm(): boolean {
  try {
    const cached = JSON.parse(readFileSync(kvmCacheFile(), 'utf8'));
    return cached.key === `${release()} ${qemuVersion()}` && cached.kvm === true;
  } catch {
    return false;
  }
}

function agentPorts(opts: BootOptions): number {
  const n = opts.agentPorts ?? 4;
  if (!Number.isInteger(n) || n < 1 || n > 30) throw new Error(`agentPorts must be 1-30, not ${n}`);
  return n;
}

function forkPorts(opts: BootOptions): number {
  const n = opts.forkPorts ?? 4;
  // A virtio-serial device has ports 1-30 (0 is the console's).
  if (!Number.isInteger(n) || n < 0 || agentPorts(opts) + n > 30)
    throw new Error(`forkPorts must be 0-${30 - agentPorts(opts)} with ${agentPorts(opts)} agent ports, not ${n}`);
  return n;
}

/** Every virtio-serial port: the agent ports, then the fork ports. */
function allPorts(opts: BootOptions): number {
  return agentPorts(opts) + forkPorts(opts);
}

/** The QEMU command line for a VM (exported for tests and for the README). */
export function qemuArgs(opts: BootOptions & { name: string; image: VmImage }): string[] {
  const machine = opts.machine ?? 'pc';
  const accel = opts.accel === 'kvm' || (opts.accel === 'auto' && cachedKvm()) ? 'kvm' : 'tcg';
  // no_timer_check: under load the IO-APIC timer check fails under TCG ("..MP-BIOS bug: 8254
  // timer not connected to IO-APIC") and the kernel panics.
  const cmdline = ['console=ttyS0', 'quiet', 'panic=-1', 'no_timer_check'];
  if (machine === 'microvm') cmdline.push('pci=off');
  if (opts.loadModules === false) cmdline.push('netlink_lab.modules=0');
  if (opts.agent === false) cmdline.push('netlink_lab.agent=0');
  cmdline.push(`netlink_lab.ports=${agentPorts(opts)}`);
  if (opts.append) cmdline.push(opts.append);
  return [
    '-name',
    opts.name,
    '-M',
    machine,
    '-accel',
    accel,
    '-m',
    String(opts.memoryMB ?? 256),
    '-smp',
    String(opts.cpus ?? 1),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-monitor',
    'none',
    '-nic',
    'none',
    '-no-reboot',
    '-chardev',
    'stdio,id=con,signal=off',
    '-serial',
    'chardev:con',
    '-device',
    machine === 'microvm' ? 'virtio-serial-device' : 'virtio-serial-pci',
    // fds 3, 4, … are ends of socketpairs made by spawn(): the agent channels need no socket file.
    ...Array.from({ length: allPorts(opts) }, (_, i) => [
      '-chardev',
      `socket,id=agent${i + 1},fd=${3 + i}`,
      '-device',
      `virtserialport,chardev=agent${i + 1},name=netlink-lab.agent.${i + 1},nr=${i + 1}`,
    ]).flat(),
    // The fd after the ports' is QMP, for snapshots.
    '-chardev',
    `socket,id=qmp,fd=${3 + allPorts(opts)}`,
    '-mon',
    'chardev=qmp,mode=control',
    '-kernel',
    opts.kernel ?? opts.image.kernel,
    '-initrd',
    opts.initramfs ?? opts.image.initramfs,
    '-append',
    cmdline.join(' '),
  ];
}

function snapshotFileFor(args: string[], image: VmImage): string | null {
  if (!image.dir || !image.built) return null;
  const built = `${image.built} ${statSync(image.initramfs).mtimeMs} ${statSync(image.kernel).mtimeMs}`;
  return snapshotPath(image.dir, args, built, qemuVersion());
}

/** The snapshot file a VM booted with `opts` restores from or saves to (null: none possible). */
export function snapshotFile(opts: BootOptions = {}): string | null {
  const image = opts.image ?? vmImage();
  return snapshotFileFor(qemuArgs({ ...opts, name: 'x', image }), image);
}

/**
 * Start a VM. Returns at once: boot output streams on `console` from the first byte, and `ready`
 * tells when the shell is up. Throws only when there is no image (see {@link ensureVmImage}).
 */
export function bootVm(opts: BootOptions = {}): Vm {
  const image =
    opts.image ??
    (opts.kernel && opts.initramfs
      ? {
          dir: '',
          kernel: opts.kernel,
          initramfs: opts.initramfs,
          kernelRelease: '',
          agent: false,
          modules: [],
          programs: [],
          built: '',
        }
      : vmImage());
  const name = `netlink-lab-vm-${randomBytes(6).toString('hex')}`;
  const args = qemuArgs({ ...opts, name, image });
  const snap = opts.snapshot ? snapshotFileFor(args, image) : null;
  const restoring = snap !== null && shellSafe(snap) && existsSync(snap);
  installExitHook();
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', QEMU, ...args, ...(restoring ? ['-incoming', `exec:cat ${snap}`] : [])],
    {
      stdio: ['pipe', 'pipe', 'pipe', ...Array<'pipe'>(allPorts(opts) + 1).fill('pipe')],
    },
  );
  live.add(child);

  let transcript = '';
  let stderrText = '';
  const watchers = new Set<(text: string) => void>();

  const console = new Duplex({
    read() {
      /* data is pushed as QEMU prints it */
    },
    write(chunk, _enc, cb) {
      if (!child.stdin || child.stdin.destroyed) return cb(new Error(`VM ${name} is not running`));
      child.stdin.write(chunk, cb);
    },
    final(cb) {
      child.stdin?.end();
      cb();
    },
  });
  child.stdin!.on('error', () => {
    /* QEMU exited: writes fail through their callbacks */
  });
  // A write after QEMU exited fails; that is reported by exec() and `exited`, not as a crash.
  console.on('error', () => {});
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    transcript = (transcript + text).slice(-TRANSCRIPT_MAX);
    for (const w of watchers) w(text);
    // Until someone reads the console, keep at most 1 MiB of it (the transcript keeps the rest).
    if (console.readableFlowing || console.readableLength < CONSOLE_BUFFER_MAX) console.push(chunk);
  });
  child.stdout!.on('end', () => console.push(null));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderrText = (stderrText + chunk.toString()).slice(-65536);
  });

  const agents = child.stdio.slice(3, 3 + agentPorts(opts)) as Socket[];
  const forks = (child.stdio.slice(3 + agentPorts(opts), 3 + allPorts(opts)) as Socket[]).map((port, i) => ({
    port,
    dev: `/dev/vport0p${agentPorts(opts) + i + 1}`,
  }));
  const qmpStream = child.stdio[3 + allPorts(opts)] as Socket;
  for (const a of [...agents, ...forks.map((f) => f.port), qmpStream])
    a.on('error', () => {
      /* the other end is QEMU: it closes when QEMU exits */
    });
  const qmp = new Qmp(qmpStream);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('exit', (code, signal) => {
      live.delete(child);
      // 'exit' can come before the last of stderr (why QEMU stopped) has been read: wait for it
      // (briefly: a stream that never ends must not hold this up).
      const err = child.stderr!;
      if (err.readableEnded || err.destroyed) return res({ code, signal });
      const t = setTimeout(() => res({ code, signal }), 500);
      err.once('close', () => {
        clearTimeout(t);
        res({ code, signal });
      });
    });
    child.on('error', () => {
      live.delete(child);
      res({ code: null, signal: null });
    });
  });

  const describe = (why: string) => {
    const tail = transcript.slice(-3000).replace(/\r\n/g, '\n');
    const err = stderrText.trim();
    return `VM ${name}: ${why}.` + (err ? `\nQEMU said: ${err}` : '') + (tail ? `\nLast console output:\n${tail}` : '');
  };

  const timeoutMs = opts.timeoutMs ?? 60_000;
  const prompt = new Promise<void>((res, rej) => {
    // A restored VM printed its boot long ago: a new prompt is all it shows.
    let seenMarker = restoring;
    const onText = () => {
      if (!seenMarker && transcript.includes(READY_MARKER)) seenMarker = true;
      if (seenMarker && PROMPT.test(transcript)) {
        done();
        res();
      }
    };
    const timer = setTimeout(() => {
      done();
      child.kill('SIGKILL');
      rej(new Error(describe(`no shell prompt within ${timeoutMs} ms (QEMU killed)`)));
    }, timeoutMs);
    const done = () => {
      clearTimeout(timer);
      watchers.delete(onText);
    };
    watchers.add(onText);
    child.on('error', (e) => {
      done();
      rej(
        new Error(
          describe(
            `cannot start QEMU through setpriv (${e.message}); install them with \`apt-get install qemu-system-x86 util-linux\``,
          ),
        ),
      );
    });
    child.on('exit', (code, signal) => {
      done();
      rej(new Error(describe(`QEMU exited (${signal ?? `code ${code}`}) before the shell prompt`)));
    });
  });
  prompt.catch(() => {
    /* reported through ready */
  });

  const ready = (async () => {
    if (restoring) {
      try {
        await resumeRestored(qmp, timeoutMs);
      } catch (e) {
        dropSnapshot(snap!);
        child.kill('SIGKILL');
        throw new Error(
          describe(
            `restoring the snapshot ${snap} failed (${(e as Error).message}); it is removed: the next boot makes a new one`,
          ),
        );
      }
      // The snapshot's prompt was printed by another QEMU: ask the shell for a new one.
      console.write('\n');
      await prompt.catch((e) => {
        dropSnapshot(snap!);
        throw e;
      });
      return;
    }
    await prompt;
    if (snap) {
      try {
        if (opts.agent !== false && image.agent) await agentsListening(agents, 20_000);
        await takeSnapshot(qmp, snap, join(image.dir, 'manifest.json'));
      } catch (e) {
        // A VM without a snapshot still works; the next boot tries again.
        process.emitWarning(`netlink-lab VM ${name}: no snapshot taken: ${(e as Error).message}`);
      }
    }
  })();
  ready.catch(() => {
    /* observed by whoever awaits it; never an unhandled rejection */
  });

  let queue: Promise<unknown> = Promise.resolve();
  const runOne = async (command: string, timeout: number): Promise<ExecResult> => {
    await ready;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(describe(`QEMU has exited; cannot run \`${command}\``));
    const id = randomBytes(6).toString('hex');
    // The markers are split by quotes so that the tty's echo of this line does not match them.
    const begin = `${id}-begin\r\n`;
    const endRe = new RegExp(`${id}-end:(\\d+)\\r?\\n`);
    let line: string;
    if (command.length <= INLINE_COMMAND_MAX) {
      line = `echo "${id}""-begin"; ( ${command}\n) </dev/null 2>&1; echo "${id}""-end:$?"\n`;
    } else {
      // busybox's line editor keeps 1024 bytes of a line: a longer command travels as base64
      // lines appended to a file, which then runs.
      const file = `/tmp/.exec-${id}`;
      const b64 = Buffer.from(command + '\n').toString('base64');
      line = '';
      for (let i = 0; i < b64.length; i += 760) line += `echo ${b64.slice(i, i + 760)} >>${file}.b64\n`;
      line += `base64 -d ${file}.b64 >${file}; rm -f ${file}.b64; echo "${id}""-begin"; ( . ${file} ) </dev/null 2>&1; echo "${id}""-end:$?"; rm -f ${file}\n`;
    }
    let seen = '';
    return await new Promise<ExecResult>((res, rej) => {
      const onText = (text: string) => {
        seen += text;
        const b = seen.indexOf(begin);
        if (b < 0) return;
        const rest = seen.slice(b + begin.length);
        const m = endRe.exec(rest);
        if (!m) return;
        finish();
        res({ output: rest.slice(0, m.index).replace(/\r\n/g, '\n'), status: Number(m[1]) });
      };
      const timer = setTimeout(() => {
        finish();
        console.write('\x03');
        rej(new Error(describe(`\`${command}\` did not finish within ${timeout} ms (sent ^C)`)));
      }, timeout);
      const onExit = () => {
        finish();
        rej(new Error(describe(`QEMU exited while running \`${command}\``)));
      };
      const finish = () => {
        clearTimeout(timer);
        watchers.delete(onText);
        child.off('exit', onExit);
      };
      watchers.add(onText);
      child.on('exit', onExit);
      console.write(line);
    });
  };

  const vm: Vm = {
    pid: child.pid ?? -1,
    name,
    console,
    agent: agents[0],
    agents,
    forkPorts: forks,
    ready,
    exited,
    transcript: () => transcript,
    stderr: () => stderrText,
    exec(command, o = {}) {
      const p = queue.then(() => runOne(command, o.timeoutMs ?? 30_000));
      queue = p.catch(() => undefined);
      return p;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      for (const a of agents) a.destroy();
      for (const f of forks) f.port.destroy();
    },
  };
  return vm;
}

/**
 * Boot a VM and wait for its shell; on failure QEMU is already gone when this rejects. With
 * `snapshot`, a snapshot that does not restore is removed and the VM boots afresh once.
 */
export async function startVm(opts: BootOptions = {}): Promise<Vm> {
  const vm = bootVm(opts);
  try {
    await vm.ready;
  } catch (e) {
    await vm.kill();
    if (opts.snapshot && /restoring the snapshot/.test((e as Error).message)) return startVm({ ...opts });
    throw e;
  }
  return vm;
}
