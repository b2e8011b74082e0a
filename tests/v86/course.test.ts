/**
 * The course's programs that load a module give the same normalised message stream on the
 * in-browser kernel — Debian's i386 Linux 6.1 in v86 with the C twin of each module built for it —
 * as on the simulator with the TypeScript modules: tests/vm/course.test.ts's comparison, on the
 * kernel a learner gets with "Linux in your browser". Each run restores a fresh machine from the
 * saved state (`run --kernel browser`).
 *
 * 32-bit differences: the agent translates control messages between the protocol's x86-64
 * layout and i386's (sandboxes/real/agent/agent.c), so programs see the same cmsgs; sizes the
 * normaliser does not already rename (skb truesize in SO_RCVBUF accounting, pointer-sized
 * fields) would show here as diffs, and none of the course's programs prints one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithSim, coursePrograms } from '../lessons/course-compare.ts';
import { v86Manifest } from '../../sandboxes/v86/node.ts';

const scratch = mkdtempSync(join(tmpdir(), 'netlink-lab-v86-course-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

const programs = coursePrograms(scratch);

/**
 * Lessons that do not yet run on the in-browser kernel, and why (sandboxes/v86/README.md). Each is
 * reported as skipped, never as passing. None today.
 */
const KNOWN_BROKEN: Record<string, string> = {};

describe('course programs: in-browser kernel (v86, i386 Linux 6.1 + C modules) against the simulator', () => {
  it("finds the course's lessons that load a module", () => {
    expect(programs.map((p) => p.id)).not.toEqual([]);
  });

  for (const p of programs) {
    const known = KNOWN_BROKEN[p.id];
    (known ? it.skip : it)(
      known ? `${p.id}: skipped, ${known}` : `${p.id}: the same in the browser's kernel and on the simulator`,
      async () => {
        v86Manifest(); // a clear error when the image is not built
        await compareWithSim(p, {
          kernel: 'browser',
          name: 'the in-browser kernel',
          timeoutMs: 150_000,
          takesCmdline: false,
        });
      },
      300_000,
    );
  }
});
