/**
 * Verified completion: the server runs the student's code on a fresh simulated kernel in one
 * sandboxed process, then the lesson's checks on what that run did in a second process the
 * program never touched, and returns the verdict. What the page said about its own run is not
 * an input.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../course/lesson-model.ts';
import type { ChecksInput } from '../runtime/messages.ts';
import { ROOT } from './course.ts';
import { DEFAULT_LIMITS, runInSandbox, type SandboxLimits } from './sandbox.ts';

export interface Verdict {
  verdict: 'pass' | 'fail' | 'error';
  detail: string;
}

let wasm: Uint8Array | undefined;
export function kernelWasm(): Uint8Array {
  if (wasm) return wasm;
  const file = join(ROOT, 'build/kernel.wasm');
  if (!existsSync(file))
    throw new Error(`${file} is missing: build the simulated kernel with \`npm run build:kernel\`.`);
  wasm = new Uint8Array(readFileSync(file));
  return wasm;
}

/** Run `files` as `lesson`'s program, then its checks; never throws for anything the code does. */
export async function verify(
  lesson: Lesson,
  files: Record<string, string>,
  limits: SandboxLimits = DEFAULT_LIMITS,
): Promise<Verdict> {
  if (!lesson.checks) return { verdict: 'error', detail: 'this lesson has no checks' };
  const run = await runInSandbox<{
    exit: { status: string; error?: string };
    input: ChecksInput | null;
    output: string;
  }>(
    {
      kind: 'program',
      wasm: kernelWasm(),
      files,
      entry: lesson.data.entry,
      maxLines: 2000,
      ...(lesson.data.cmdline !== undefined ? { cmdline: lesson.data.cmdline } : {}),
      builtin: lesson.data.builtin,
    },
    limits,
  );
  if (!run.ok) return { verdict: 'fail', detail: `the program was ${run.message}` };
  if (!run.value.input)
    return { verdict: 'fail', detail: `the program did not run: ${run.value.exit.error ?? 'no record'}` };
  const checked = await runInSandbox<{ results: { name: string; pass: boolean; message: string }[]; error?: string }>(
    {
      kind: 'checks',
      checks: lesson.checks,
      input: run.value.input,
    },
    limits,
  );
  if (!checked.ok) return { verdict: 'error', detail: `the checks could not run: ${checked.message}` };
  const { results, error } = checked.value;
  if (error) return { verdict: 'fail', detail: error };
  const failed = results.filter((r) => !r.pass);
  if (results.length === 0) return { verdict: 'fail', detail: 'the checks returned no result' };
  return failed.length === 0
    ? { verdict: 'pass', detail: `${results.length}/${results.length} checks passed (${run.ms + checked.ms} ms)` }
    : {
        verdict: 'fail',
        detail: `${results.length - failed.length}/${results.length} checks passed; failed: ${failed.map((r) => `${r.name} — ${r.message}`).join('; ')}`,
      };
}
