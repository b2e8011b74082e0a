/**
 * The `netlink-lab` command (bin/netlink-lab.mjs): dispatches to its subcommands. `run` is here;
 * `vm` lives in src/cli/vm.ts (loaded only when used) and exports `vm(argv)` and `VM_HELP`.
 */
import { existsSync } from 'node:fs';
import { RUN_HELP, runCommand } from './run.ts';
import { DECODE_HELP, decodeCommand } from './decode.ts';

const vmModule = new URL('./vm.ts', import.meta.url);

interface VmCli {
  vm(argv: string[]): Promise<number>;
  VM_HELP?: string;
}

async function loadVm(): Promise<VmCli | null> {
  return existsSync(vmModule) ? ((await import(vmModule.href)) as VmCli) : null;
}

/** The top-level help text. */
export async function help(): Promise<string> {
  const vm = await loadVm();
  const { CLASS_HELP } = await import('./class.ts');
  return `netlink-lab — run netlink programs against a simulated or a real Linux kernel (this machine's or a VM)

Usage:
  netlink-lab run FILE.ts [--kernel sim|real|vm|browser] [--trace] [--timeout SECONDS] [--pcap OUT.pcap]
  netlink-lab decode FILE.pcap [--hex]
  netlink-lab class …        (a class server: the site, teacher and join links, verified progress)
  netlink-lab vm …            (a real Linux VM under QEMU${vm ? '' : '; not installed in this checkout'})
  netlink-lab --help | help [COMMAND]

${RUN_HELP}

${DECODE_HELP}

${CLASS_HELP}
${vm?.VM_HELP ? `\n${vm.VM_HELP}\n` : ''}`;
}

/** Run the command line `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || (cmd === 'help' && rest.length === 0)) {
    process.stdout.write(await help());
    return cmd ? 0 : 2;
  }
  if (cmd === 'help') return main([rest[0], '--help']);
  if (cmd === 'run') return runCommand(rest);
  if (cmd === 'decode') return decodeCommand(rest);
  if (cmd === 'class') return (await import('./class.ts')).classCommand(rest);
  if (cmd === 'vm') {
    const vm = await loadVm();
    if (!vm) {
      process.stderr.write('netlink-lab vm: not available in this checkout (src/cli/vm.ts is missing).\n');
      return 2;
    }
    return vm.vm(rest);
  }
  process.stderr.write(`netlink-lab: unknown command '${cmd}'. Try \`netlink-lab --help\`.\n`);
  return 2;
}
