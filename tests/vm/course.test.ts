/**
 * The course's programs that talk to the course's modules (protocol 25's nl_test, the DOC_EXMPL
 * family) give the same normalised message stream on the VM — Linux 6.1 with the C modules — as on
 * the simulator with the TypeScript modules. The programs are the lessons' solutions; each run
 * boots a fresh VM (`run --kernel vm`) and a fresh simulated kernel.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareLines, normalise, runProgram, type NormalisedRun } from '../fidelity/harness.ts';
import { simAvailable } from '../fidelity/suite.ts';
import { ensureVmImage } from '../../sandboxes/vm/qemu.ts';

const root = join(import.meta.dirname, '..', '..');

/** Lesson solutions that load nl_test or doc_exmpl, with every local import present. */
function coursePrograms(): string[] {
  const lessons = join(root, 'lessons');
  const found: string[] = [];
  for (const part of readdirSync(lessons, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    for (const lesson of readdirSync(join(lessons, part.name), { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const main = join(lessons, part.name, lesson.name, 'solution', 'main.ts');
      if (!existsSync(main)) continue;
      const src = readFileSync(main, 'utf8');
      if (!/NETLINK_TEST|DOC_EXMPL/.test(src)) continue;
      const local = [...src.matchAll(/from '(\.\.?\/[^']+)'/g)].map((m) => resolve(dirname(main), m[1]!));
      if (local.every((f) => existsSync(f))) found.push(main);
    }
  }
  return found;
}

/** The lines compared: the message stream (datagram boundaries ignored), output, status. */
const lines = (n: NormalisedRun) => [...n.events, '--- output', ...n.output, `--- exit status ${n.status}`];

const programs = coursePrograms();

describe('course programs: VM (Linux 6.1 + C modules) against the simulator', () => {
  it('finds the course\'s programs for protocol 25 and DOC_EXMPL', () => {
    expect(programs.map((p) => p.slice(root.length + 1))).not.toEqual([]);
  });

  for (const file of programs) {
    const name = file.slice(root.length + 1);
    it(`${name} runs on the VM`, async () => {
      ensureVmImage();
      // nl_test's delayed mode takes its real 30 s on the VM.
      const vm = normalise(await runProgram(file, 'vm', 120_000), { streams: true });
      expect(vm.output.filter((l) => l.startsWith('! ')), vm.output.join('\n')).toEqual([]);
      expect(vm.status, vm.output.join('\n')).toBe(0);
      if (!simAvailable()) return;
      const sim = normalise(await runProgram(file, 'sim', 120_000), { streams: true });
      const diff = compareLines(lines(vm), lines(sim));
      expect(diff, `${name}: the simulator differs from Linux (- real = VM, + sim):\n${diff}`).toBeNull();
    }, 300_000);
  }
});
