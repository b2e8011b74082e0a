/**
 * Boot the in-browser kernel's image once under Node and save the machine's state (run by
 * sandboxes/v86/image/build.sh): the shell is at its prompt and an agent waits on each agent
 * port, so a restored machine is ready at once. Writes the state (uncompressed; the build
 * compresses it) and manifest.json beside it.
 *
 *   node --import tsx sandboxes/v86/save-state.ts --bzimage F --initrd F --bios F --vga-bios F --memory MB --out F
 *        --kernel-release R --modules a,b --programs a,b
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeRequest, FrameSplitter, OP } from '../../src/agent/protocol.ts';
import { AGENT_PORTS, startMachine, type Machine } from './machine.ts';
import { loadV86, readV86Asset } from './node.ts';

const { values } = parseArgs({
  options: {
    bzimage: { type: 'string' },
    initrd: { type: 'string' },
    memory: { type: 'string' },
    out: { type: 'string' },
    'kernel-release': { type: 'string' },
    bios: { type: 'string' },
    'vga-bios': { type: 'string' },
    modules: { type: 'string' },
    programs: { type: 'string' },
  },
});
for (const k of ['bzimage', 'initrd', 'memory', 'out', 'kernel-release', 'bios', 'vga-bios'] as const) {
  if (!values[k]) {
    console.error(`save-state: --${k} is required`);
    process.exit(2);
  }
}

/** Every agent answers a HELLO: each is then blocked reading its port, as the state will keep it. */
async function agentsAnswer(m: Machine): Promise<void> {
  for (const port of AGENT_PORTS) {
    const splitter = new FrameSplitter();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no agent answered on ttyS${port}; console:\n${m.transcript().slice(-1500)}`));
      }, 30_000);
      const off = m.onData((p, bytes) => {
        if (p !== port) return;
        if (splitter.push(bytes).length) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      m.send(port, encodeRequest(0x7fffff00 + port, OP.HELLO));
    });
  }
}

const t0 = performance.now();
const memoryMB = Number(values.memory);
const V86 = await loadV86();
const machine = await startMachine(
  V86,
  {
    wasm: readV86Asset('v86.wasm.gz'),
    bios: readFileSync(values.bios!),
    vgaBios: readFileSync(values['vga-bios']!),
    bzimage: readFileSync(values.bzimage!),
    initrd: readFileSync(values.initrd!),
    // quiet: printing the boot log on an emulated UART is slow. init_on_free: pages the kernel
    // frees (the initramfs archive, boot-time buffers) are zeroed, so they compress to nothing.
    cmdline: 'console=ttyS0 quiet loglevel=3 init_on_free=1 mitigations=off nokaslr tsc=reliable panic=-1',
  },
  { memoryMB, timeoutMs: Number(process.env.NETLINK_LAB_V86_BOOT_TIMEOUT_S ?? 900) * 1000 },
);
const booted = performance.now();
const status = await machine.exec('uname -r; cat /proc/meminfo | head -3');
process.stdout.write(status.output);
if (status.output.split('\n')[0] !== values['kernel-release'])
  throw new Error(`the guest runs ${status.output.split('\n')[0]}, not ${values['kernel-release']}`);
try {
  await agentsAnswer(machine);
} catch (e) {
  const diag = await machine
    .exec('cat /proc/tty/driver/serial; dmesg | grep -i tty; cat /tmp/agent.log; ps', { timeoutMs: 10_000 })
    .catch(() => ({ output: '' }));
  console.error(diag.output);
  throw e;
}
// Free RAM still holds what the boot left there (the compressed kernel, the initramfs archive):
// fill it with zeros from a tmpfs, then free it. v86 leaves zero pages out of the state, so only
// the pages in use remain for zstd. A margin of 2 MiB keeps the OOM killer away.
const zero = await machine.exec(
  'mkdir -p /mnt/zero && mount -t tmpfs -o size=100% zero /mnt/zero && ' +
    "dd if=/dev/zero of=/mnt/zero/fill bs=4096 count=$(( $(awk '/MemFree/ {print $2}' /proc/meminfo) / 4 - 512 )) 2>/dev/null; " +
    'rm -f /mnt/zero/fill; umount /mnt/zero; rmdir /mnt/zero; sync; echo 3 >/proc/sys/vm/drop_caches; grep MemFree /proc/meminfo',
  { timeoutMs: 300_000 },
);
process.stdout.write(zero.output);
// v86 loads the initramfs at 64 MiB, above the RAM it gives the kernel (the top 16 MiB are
// reserved): the kernel copies it into its RAM ("Move RAMDISK"), unpacks and frees that copy,
// and never looks at the original again. Its ~3 MB of gzip would otherwise be in the state as
// they are, incompressible: zero them from outside.
const moved = await machine.exec('dmesg | grep "Move RAMDISK from"; grep "System RAM" /proc/iomem');
const from = /Move RAMDISK from \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\]/.exec(moved.output);
if (!from) throw new Error(`the kernel did not say where the initramfs was:\n${moved.output}`);
const [start, end] = [Number.parseInt(from[1]!, 16), Number.parseInt(from[2]!, 16) + 1];
for (const m of moved.output.matchAll(/^\s*([0-9a-f]+)-([0-9a-f]+) : System RAM$/gm)) {
  if (start < Number.parseInt(m[2]!, 16) + 1 && Number.parseInt(m[1]!, 16) < end)
    throw new Error(`the initramfs's first copy [${from[1]}, ${from[2]}] lies in the kernel's RAM (${m[0].trim()})`);
}
machine.zeroMemory(start, end);
console.log(`save-state: zeroed the initramfs's first copy, ${((end - start) / 1e6).toFixed(2)} MB at 0x${from[1]}`);
// A clean line for whoever types next: the prompt after an empty command.
await machine.exec('true');
const state = await machine.saveState();
await machine.stop();
writeFileSync(values.out!, new Uint8Array(state));
const manifest = {
  kernelRelease: values['kernel-release'],
  memoryMB,
  modules: (values.modules ?? '').split(',').filter(Boolean),
  programs: (values.programs ?? '').split(',').filter(Boolean),
  bootMs: Math.round(booted - t0),
  built: new Date().toISOString(),
};
writeFileSync(join(dirname(values.out!), 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(
  `save-state: booted in ${Math.round(booted - t0)} ms; state ${(state.byteLength / 1e6).toFixed(1)} MB uncompressed`,
);
process.exit(0);
