/**
 * Caps on one QEMU process beyond its own -m and -smp: a lower CPU priority (nice), a CPU-time
 * rlimit (prlimit), and, where the relay may create cgroups (root, cgroup v1 or v2 mounted at
 * /sys/fs/cgroup), a memory limit, a CPU quota and a process-count limit. Each cap that could not be
 * applied is reported, not fatal: `enforced` lists what holds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';

/** What to cap. */
export interface LimitSpec {
  /** Guest RAM given to QEMU; the cgroup allows this plus QEMU's own overhead. */
  memoryMB: number;
  /** CPU share of one core, in percent (100 = one full core). */
  cpuPercent: number;
  /** RLIMIT_CPU: CPU seconds before the kernel kills QEMU (SIGXCPU/SIGKILL). */
  cpuSeconds: number;
  /** Nice value (0–19). */
  nice: number;
}

/** The caps applied to one process. */
export interface AppliedLimits {
  /** Human-readable list of caps that hold, e.g. 'cgroup memory 320 MiB'. */
  enforced: string[];
  /** Caps that could not be applied, with the reason. */
  skipped: string[];
  /** Remove the process's cgroups (call after it has exited). */
  release(): void;
}

const CG = '/sys/fs/cgroup';
/** Parent cgroup of every session, under each controller. */
export const CGROUP_PARENT = 'netlink-lab-relay';
/** QEMU's own memory beyond the guest's RAM (code, TCG translation cache, buffers). */
const QEMU_OVERHEAD_MB = 192;
const PIDS_MAX = 64;
/** Address space allowed beyond the guest's RAM when only RLIMIT_AS can cap memory (see applyLimits). */
const AS_OVERHEAD_MB = 2048;

type CgroupLayout = { version: 1; memory: string; cpu: string; pids: string } | { version: 2; root: string } | null;

function layout(): CgroupLayout {
  if (existsSync(join(CG, 'cgroup.controllers'))) return { version: 2, root: CG };
  if (existsSync(join(CG, 'memory/cgroup.procs')) && existsSync(join(CG, 'cpu/cgroup.procs'))) {
    return { version: 1, memory: join(CG, 'memory'), cpu: join(CG, 'cpu'), pids: join(CG, 'pids') };
  }
  return null;
}

/** Put `pid` in a fresh cgroup per controller; returns the directories made. */
function cgroupCaps(pid: number, name: string, spec: LimitSpec, enforced: string[], skipped: string[]): string[] {
  const l = layout();
  if (!l) {
    skipped.push('cgroups: none mounted at /sys/fs/cgroup');
    return [];
  }
  const made: string[] = [];
  const memBytes = (spec.memoryMB + QEMU_OVERHEAD_MB) * 1024 * 1024;
  const period = 100_000;
  const quota = Math.round((period * spec.cpuPercent) / 100);
  const tryCap = (what: string, fn: () => void) => {
    try {
      fn();
      enforced.push(what);
    } catch (e) {
      skipped.push(`${what}: ${(e as Error).message.split('\n')[0]}`);
    }
  };
  const mk = (base: string) => {
    const parent = join(base, CGROUP_PARENT);
    mkdirSync(parent, { recursive: true });
    const dir = join(parent, name);
    mkdirSync(dir);
    made.push(dir);
    return dir;
  };
  if (l.version === 2) {
    tryCap(`cgroup v2 memory ${memBytes >> 20} MiB, cpu ${spec.cpuPercent}% of a core, pids ${PIDS_MAX}`, () => {
      const parent = join(l.root, CGROUP_PARENT);
      mkdirSync(parent, { recursive: true });
      writeFileSync(join(l.root, 'cgroup.subtree_control'), '+memory +cpu +pids');
      writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +cpu +pids');
      const dir = mk(l.root);
      writeFileSync(join(dir, 'memory.max'), String(memBytes));
      writeFileSync(join(dir, 'memory.swap.max'), '0');
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
      writeFileSync(join(dir, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    });
    return made;
  }
  tryCap(`cgroup memory ${memBytes >> 20} MiB`, () => {
    const dir = mk(l.memory);
    writeFileSync(join(dir, 'memory.limit_in_bytes'), String(memBytes));
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  });
  tryCap(`cgroup cpu ${spec.cpuPercent}% of a core`, () => {
    const dir = mk(l.cpu);
    writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
    writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
    writeFileSync(join(dir, 'cgroup.procs'), String(pid));
  });
  if (existsSync(join(l.pids, 'cgroup.procs'))) {
    tryCap(`cgroup pids ${PIDS_MAX}`, () => {
      const dir = mk(l.pids);
      writeFileSync(join(dir, 'pids.max'), String(PIDS_MAX));
      writeFileSync(join(dir, 'cgroup.procs'), String(pid));
    });
  }
  return made;
}

/** Apply every cap to `pid` (QEMU, just started); `name` names its cgroups (unique per session). */
export function applyLimits(pid: number, name: string, spec: LimitSpec): AppliedLimits {
  const enforced: string[] = [];
  const skipped: string[] = [];
  try {
    setPriority(pid, spec.nice);
    enforced.push(`nice ${spec.nice}`);
  } catch (e) {
    skipped.push(`nice: ${(e as Error).message}`);
  }
  const r = spawnSync('prlimit', ['--pid', String(pid), `--cpu=${spec.cpuSeconds}:${spec.cpuSeconds + 5}`], {
    encoding: 'utf8',
  });
  if (r.status === 0) enforced.push(`RLIMIT_CPU ${spec.cpuSeconds} s`);
  else skipped.push(`RLIMIT_CPU: prlimit ${r.error ? 'is not installed (util-linux)' : `failed: ${r.stderr.trim()}`}`);
  const dirs = cgroupCaps(pid, name, spec, enforced, skipped);
  if (!enforced.some((e) => /memory/.test(e))) {
    // No cgroup could cap memory: cap QEMU's address space instead (RLIMIT_AS). It is looser than
    // a cgroup (it counts reservations, not resident pages): QEMU 7.2 with TCG and -m 128 maps
    // about 1.5 GiB (its translation buffer is reserved up front) while ~270 MiB are resident.
    const asBytes = (spec.memoryMB + AS_OVERHEAD_MB) * 1024 * 1024;
    const a = spawnSync('prlimit', ['--pid', String(pid), `--as=${asBytes}:${asBytes}`], { encoding: 'utf8' });
    if (a.status === 0) enforced.push(`RLIMIT_AS ${(asBytes / 1024 / 1024) | 0} MiB (no memory cgroup)`);
    else skipped.push(`RLIMIT_AS: prlimit ${a.error ? 'is not installed (util-linux)' : `failed: ${a.stderr.trim()}`}`);
  }
  return {
    enforced,
    skipped,
    release() {
      // A cgroup can be removed once its last process has gone; leftovers are swept at startup.
      for (const d of dirs.reverse()) {
        try {
          rmdirSync(d);
        } catch {
          /* still busy or gone */
        }
      }
    },
  };
}

/**
 * Remove empty session cgroups left by a relay that was killed (SIGKILL leaves no time to clean
 * up). Busy ones, belonging to another running relay, cannot be removed and are kept.
 */
export function sweepStaleCgroups(): number {
  const l = layout();
  if (!l) return 0;
  const parents =
    l.version === 2 ? [join(l.root, CGROUP_PARENT)] : [l.memory, l.cpu, l.pids].map((b) => join(b, CGROUP_PARENT));
  let removed = 0;
  for (const p of parents) {
    if (!existsSync(p)) continue;
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      try {
        rmdirSync(join(p, e.name));
        removed++;
      } catch {
        /* in use */
      }
    }
  }
  return removed;
}
