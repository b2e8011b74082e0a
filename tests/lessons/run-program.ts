/**
 * Run a lesson's program in Node exactly as the playground runs it in the browser's worker: a
 * fresh simulated kernel (build/kernel.wasm) per run, driven by src/runtime/session.ts, which
 * compiles and links the program, records output and syscalls, and runs the lesson's checks.
 */
import { bootKernel } from '../fixtures/sim-kernel.ts';
import * as user from '../../src/api/user.ts';
import * as kernelApi from '../../src/api/kernel.ts';
import { runSession, type SessionKernel } from '../../src/runtime/session.ts';
import type { CheckResult, Exit, OutputLine, SyscallRecord } from '../../src/runtime/messages.ts';
import { compile, loadModule, type ProgramFiles } from '../../src/runtime/program.ts';
import type { KernelModule } from '../../src/api/types.ts';

const quiet = { log: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** What a run left behind. */
export interface RunResult {
  output: string;
  exit: Exit;
  checks: CheckResult[];
  /** Set when the checks themselves could not run. */
  checksError?: string;
  /** Every syscall the run made, with the bytes it sent and received (as the Messages panel gets them). */
  syscalls: SyscallRecord[];
}

let runId = 0;

/**
 * Run `files` from `entry` on a new simulated kernel, then `checks` (the text of checks.ts).
 * `opts.noTrace`: the session treats the kernel as one without a function trace, as it treats the
 * VM's Linux, so the checks get no `trace` and must judge from the syscalls alone. `opts.cmdline`,
 * `opts.builtin`: the lesson's front matter (files whose default export is built in).
 */
export async function runProgram(
  files: ProgramFiles,
  entry: string,
  checks?: string,
  opts: { noTrace?: boolean; cmdline?: string; builtin?: string[] } = {},
): Promise<RunResult> {
  const builtin = (opts.builtin ?? []).map(
    (f) =>
      loadModule(compile(files), f, { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi }, quiet)
        .default as KernelModule,
  );
  const kernel = (await bootKernel({ cmdline: opts.cmdline, builtin })) as unknown as SessionKernel;
  if (opts.noTrace) kernel.trace = { ...kernel.trace, available: false };
  const output: OutputLine[] = [];
  const syscalls: SyscallRecord[] = [];
  let results: CheckResult[] = [];
  let checksError: string | undefined;
  const exit = await runSession(kernel, {
    runId: ++runId,
    files,
    entry,
    checks,
    libs: { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi },
    maxOutputLines: 100_000,
    post(msg) {
      if (msg.type === 'batch') {
        output.push(...msg.output);
        syscalls.push(...msg.syscalls);
      } else if (msg.type === 'checks') {
        results = msg.results;
        checksError = msg.error;
      }
    },
  });
  return { output: output.map((l) => l.text).join('\n'), exit, checks: results, checksError, syscalls };
}
