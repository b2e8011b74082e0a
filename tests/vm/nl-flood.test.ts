/**
 * nl_flood on the VM (Linux 6.1 with the C module) against the simulator (the TypeScript module):
 * the same messages for every path of the spec (sandboxes/vm/modules/README.md), the error paths
 * included, which the part 5 lessons do not take.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareLines, normalise, runProgram, type NormalisedRun } from '../fidelity/harness.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';

const program = fileURLToPath(new URL('./programs/nl-flood-edges/main.ts', import.meta.url));
const lines = (n: NormalisedRun) => [...n.events, '--- output', ...n.output, `--- exit status ${n.status}`];

describe('nl_flood: VM against the simulator', () => {
  it('the same messages on both kernels', async () => {
    ensureVmImage();
    const vm = normalise(await runProgram(program, 'vm', 120_000), { streams: true });
    expect(
      vm.output.filter((l) => l.startsWith('! ')),
      vm.output.join('\n'),
    ).toEqual([]);
    // The facts the comparison rests on, as Linux shows them.
    expect(vm.output).toContain('unicast to nobody: type=0x14 len=24 flags=0x0 seq=9 pid=0 91ffffff91ffffff');
    expect(
      vm.output.find((l) => l.startsWith('unknown type:')),
      vm.output.join('\n'),
    ).toMatch(/^unknown type: type=0x2 len=48 flags=0x0 seq=9 pid=\S+ error=-95$/);
    const sim = normalise(await runProgram(program, 'sim', 120_000), { streams: true });
    const diff = compareLines(lines(vm), lines(sim));
    expect(diff, `the simulator differs from Linux (- real = VM, + sim):\n${diff}`).toBeNull();
  }, 300_000);
});
