/**
 * `netlink-lab vm …`: the real Linux VM from the command line.
 *
 *   netlink-lab vm build                   build (or check) the image in build/vm
 *   netlink-lab vm exec [opts] -- COMMAND  boot a fresh VM, run COMMAND in its shell, print its
 *                                          output, exit with its status
 *   netlink-lab vm shell [opts]            boot a VM and attach this terminal to its console
 *                                          (Ctrl-] quits)
 *   netlink-lab vm run PROG.ts             run a TypeScript program on the VM's kernel (run --kernel vm)
 *   netlink-lab vm probe-kvm               test once whether KVM guests boot on this host
 *
 * opts: --timeout MS (boot and command, default 60000), --no-modules (do not load nl_test and
 * doc_exmpl), --fresh (boot instead of restoring the boot snapshot), --accel tcg|kvm|auto,
 * --memory MB.
 */
import { ensureVmImage, probeKvm, startVm, type BootOptions } from '../../sandboxes/vm/qemu.ts';

/** Help text of `netlink-lab vm`. */
export const VM_HELP = `usage: netlink-lab vm build
       netlink-lab vm exec [--timeout MS] [--no-modules] [--fresh] [--accel tcg|kvm|auto] [--memory MB] -- COMMAND
       netlink-lab vm shell [--no-modules] [--fresh] [--accel tcg|kvm|auto] [--memory MB]
       (a VM starts from a snapshot of the same configuration just booted, ~0.3 s; --fresh boots)
       netlink-lab vm run PROG.ts [--timeout SECONDS]   (= netlink-lab run PROG.ts --kernel vm)
       netlink-lab vm probe-kvm`;

interface Parsed {
  boot: BootOptions;
  timeoutMs: number;
  rest: string[];
}

/** A command line that cannot be run as written (exit status 2, like `run`). */
class UsageError extends Error {}

function parseOptions(argv: string[]): Parsed {
  const boot: BootOptions = { snapshot: true };
  let timeoutMs = 60_000;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value\n${VM_HELP}`);
      return v;
    };
    if (a === '--') {
      i++;
      break;
    }
    if (a === '--timeout') timeoutMs = Number(value());
    else if (a === '--no-modules') boot.loadModules = false;
    else if (a === '--fresh') boot.snapshot = false;
    else if (a === '--accel') {
      const v = value();
      if (v !== 'tcg' && v !== 'kvm' && v !== 'auto')
        throw new UsageError(`--accel must be tcg, kvm or auto\n${VM_HELP}`);
      boot.accel = v;
    } else if (a === '--memory') boot.memoryMB = Number(value());
    else if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${VM_HELP}`);
    else break;
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError(`--timeout must be a positive number of ms\n${VM_HELP}`);
  // Node's timers hold at most 2^31-1 ms; a longer delay fires after 1 ms.
  if (timeoutMs > 2 ** 31 - 1)
    throw new UsageError(
      `--timeout must be at most ${2 ** 31 - 1} ms (about 24 days: Node's timers cannot wait longer), not ${timeoutMs}\n${VM_HELP}`,
    );
  boot.timeoutMs = timeoutMs;
  return { boot, timeoutMs, rest: argv.slice(i) };
}

async function exec(argv: string[]): Promise<number> {
  const { boot, timeoutMs, rest } = parseOptions(argv);
  const command = rest.join(' ').trim();
  if (!command) throw new UsageError(`vm exec: no command\n${VM_HELP}`);
  ensureVmImage();
  const vm = await startVm(boot);
  try {
    const r = await vm.exec(command, { timeoutMs });
    process.stdout.write(r.output);
    return r.status;
  } finally {
    await vm.kill();
  }
}

async function shell(argv: string[]): Promise<number> {
  const { boot } = parseOptions(argv);
  ensureVmImage();
  process.stderr.write('netlink-lab: booting the VM (Ctrl-] quits)…\n');
  const vm = await startVm(boot);
  // A fresh boot shows from /init's ready line; a restored snapshot has only its new prompt.
  const t = vm.transcript();
  process.stdout.write(t.slice(Math.max(0, t.lastIndexOf('netlink-lab: ready'))));
  vm.console.resume();
  vm.console.on('data', (d: Buffer) => process.stdout.write(d));
  const stdin = process.stdin;
  if (stdin.isTTY) stdin.setRawMode(true);
  const onKey = (d: Buffer) => {
    if (d.includes(0x1d)) {
      void vm.kill();
      return;
    }
    vm.console.write(d);
  };
  stdin.on('data', onKey);
  const { code } = await vm.exited;
  stdin.off('data', onKey);
  if (stdin.isTTY) stdin.setRawMode(false);
  stdin.pause();
  process.stderr.write('\nnetlink-lab: the VM is gone\n');
  return code ?? 0;
}

/** `vm run PROG.ts [--timeout S]` is `run PROG.ts --kernel vm`: the same runner, the VM's kernel. */
async function run(argv: string[]): Promise<number> {
  const { runCommand } = await import('./run.ts');
  return runCommand([...argv, '--kernel', 'vm']);
}

/** Entry point of `netlink-lab vm` (dispatched from main.ts); returns the exit status. */
export async function vm(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'build':
        ensureVmImage(undefined, { force: true });
        return 0;
      case 'exec':
        return await exec(rest);
      case 'shell':
        return await shell(rest);
      case 'run':
        return await run(rest);
      case 'probe-kvm': {
        ensureVmImage();
        const ok = await probeKvm();
        console.log(
          ok ? 'kvm: a KVM guest booted; --accel auto will use KVM' : 'kvm: no KVM guest booted here; TCG it is',
        );
        return 0;
      }
      default:
        console.error(VM_HELP);
        return sub === undefined || sub === '--help' || sub === '-h' ? 0 : 2;
    }
  } catch (e) {
    console.error(`netlink-lab vm: ${(e as Error).message}`);
    return e instanceof UsageError ? 2 : 1;
  }
}
