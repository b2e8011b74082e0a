#!/usr/bin/env node
/**
 * The Debian packages the tests need, by group, and the step that makes sure they are there:
 * installed when missing and running as root; otherwise a clear error naming the apt-get command.
 *
 *   node scripts/system-deps.mjs [group …]     (no group: all of them)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** Group → Debian packages. */
export const GROUPS = {
  /** The real-kernel agent and the native benchmark (C, built from source). */
  build: ['gcc', 'make', 'libc6-dev'],
  /** The uapi headers scripts/gen-rtnl-names.mjs reads (linux/rtnetlink.h, if_link.h, …). */
  headers: ['linux-libc-dev'],
  /** Private network namespaces for the real-kernel backend (unshare, nsenter). */
  namespaces: ['util-linux'],
  /** End-to-end tests and the site benchmark in a real browser. */
  browser: ['chromium', 'fonts-dejavu-core'],
  /** Captures: tshark reads the pcaps the Messages panel and `netlink-lab run --pcap` write (tests/capture). */
  capture: ['tshark'],
  /** The class server's tests against a real PostgreSQL 15 (tests/class/postgres.ts starts a throwaway cluster). */
  database: ['postgresql-15'],
  /** The real Linux VM: emulator, initramfs tools, busybox, module and static program builds, xz (vmlinux), setpriv and prlimit (util-linux), pgrep for the relay tests (procps). */
  vm: [
    'qemu-system-x86',
    'busybox-static',
    'cpio',
    'gzip',
    'kmod',
    'gcc',
    'make',
    'libc6-dev',
    'xz-utils',
    'util-linux',
    'procps',
  ],
  /**
   * The in-browser kernel's image (sandboxes/v86): SeaBIOS for v86, gcc-multilib for the i386
   * agent and programs, zstd for the saved state, busybox's applet list, cpio; its kernel, headers
   * and busybox are i386 packages the build downloads (apt-get download), hence the architecture.
   */
  v86: ['seabios', 'gcc-multilib', 'zstd', 'busybox-static', 'cpio', 'make', 'binutils', 'gcc', 'libc6-dev'],
};

/** Group → foreign dpkg architectures its packages (or the packages it downloads) need. */
export const ARCHITECTURES = { v86: ['i386'] };

const foreignArchitectures = () => {
  const r = spawnSync('dpkg', ['--print-foreign-architectures'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean) : [];
};

const installed = (pkg) => {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
};

/** Make sure the packages of `groups` are installed; throws with the command to run when they can't be. */
export function ensureSystemDeps(groups = Object.keys(GROUPS), log = console.log) {
  const unknown = groups.filter((g) => !(g in GROUPS));
  if (unknown.length)
    throw new Error(`unknown dependency group(s): ${unknown.join(', ')} (known: ${Object.keys(GROUPS).join(', ')})`);
  const arches = [...new Set(groups.flatMap((g) => ARCHITECTURES[g] ?? []))].filter(
    (a) => !foreignArchitectures().includes(a),
  );
  if (arches.length) {
    if (process.getuid?.() !== 0) {
      throw new Error(
        `Missing dpkg architecture(s): ${arches.join(', ')}.\nAdd them as root:\n  ${arches.map((a) => `dpkg --add-architecture ${a}`).join(' && ')} && apt-get update`,
      );
    }
    log(`system-deps: adding the dpkg architecture(s) ${arches.join(' ')}`);
    for (const a of arches) execFileSync('dpkg', ['--add-architecture', a], { stdio: 'inherit' });
    execFileSync('apt-get', ['update'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  const missing = [...new Set(groups.flatMap((g) => GROUPS[g]))].filter((p) => !installed(p));
  if (!missing.length) return [];
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Missing system packages: ${missing.join(', ')}.\nInstall them as root:\n  apt-get update && ${cmd}`,
    );
  }
  log(`system-deps: installing ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  } catch {
    // The package lists of a fresh machine may be empty or stale.
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  }
  return missing;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    ensureSystemDeps(process.argv.length > 2 ? process.argv.slice(2) : undefined);
  } catch (e) {
    console.error(String(e.message ?? e));
    process.exit(1);
  }
}
