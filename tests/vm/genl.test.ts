/**
 * Generic netlink on the VM (Linux 6.1 with the C doc_exmpl module) against the simulator (the
 * TypeScript module): nlctrl's announcements, an ECHO, and every refusal with its extended ACK,
 * message for message after naming the allocated family and group ids.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareLines, normalise, runProgram, type NormalisedRun } from '../fidelity/harness.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';
import { nameGenlIds } from './genl-ids.ts';

const program = fileURLToPath(new URL('../genl/programs/doc-exmpl-edges/main.ts', import.meta.url));
const lines = (n: NormalisedRun) =>
  nameGenlIds(n, [...n.events, '--- output', ...n.output, `--- exit status ${n.status}`]);

describe('DOC_EXMPL edge cases: VM against the simulator', () => {
  it('the same messages on both kernels', async () => {
    ensureVmImage();
    const vm = normalise(await runProgram(program, 'vm', 120_000), { streams: true });
    expect(
      vm.output.filter((l) => l.startsWith('! ')),
      vm.output.join('\n'),
    ).toEqual([]);
    if (process.env.GENL_SHOW) console.log(vm.output.join('\n'));
    // The facts the comparison rests on, as Linux shows them.
    expect(vm.output).toContain('echo: type=F len=52 flags=0x0');
    expect(vm.output).toContain('no attribute: type=2 len=48 flags=0x200');
    expect(vm.output.filter((l) => l.startsWith('nlctrl notify'))).toEqual([
      'nlctrl notify: type=16 len=128 flags=0x0',
      'nlctrl notify: type=16 len=80 flags=0x0',
      'nlctrl notify: type=16 len=80 flags=0x0',
      'nlctrl notify: type=16 len=128 flags=0x0',
    ]);
    const sim = normalise(await runProgram(program, 'sim', 120_000), { streams: true });
    const diff = compareLines(lines(vm), lines(sim));
    expect(diff, `the simulator differs from Linux (- real = VM, + sim):\n${diff}`).toBeNull();
  }, 300_000);
});
