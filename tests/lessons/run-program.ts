/**
 * Run a lesson's program in Node the way the playground runs it in the browser: compile with
 * src/runtime/program.ts, link against netlink-lab's libraries, attach a fresh simulated kernel,
 * capture the console and every syscall event.
 */
import { compile, link, type ProgramFiles } from '../../src/runtime/program.ts';
import { setObserver, type SyscallEvent } from '../../src/api/observe.ts';
import { setBackend } from '../../src/api/backend.ts';
import { format } from 'node:util';
import { programLibraries, createKernel } from './sim.ts';

/** What a run left behind. */
export interface RunResult { output: string; events: SyscallEvent[]; error?: Error; state?: unknown }

/** Run `files` from `entry` on a new simulated kernel; a thrown error is returned, not raised. */
export async function runProgram(files: ProgramFiles, entry: string, timeoutMs = 20_000): Promise<RunResult> {
  const lines: string[] = [];
  const events: SyscallEvent[] = [];
  const print = (...a: unknown[]) => { lines.push(format(...a)); };
  const cons = { log: print, info: print, warn: print, error: print };
  const kernel = await createKernel();
  setBackend(kernel.backend);
  setObserver((e) => events.push(e));
  let error: Error | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const main = link(compile(files), entry, await programLibraries(), cons);
    await Promise.race([
      kernel.run(main),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`the program did not finish within ${timeoutMs / 1000} s of wall time`)), timeoutMs); }),
    ]);
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(timer);
    setObserver(null);
    setBackend(null);
  }
  return { output: lines.join('\n'), events, error, state: await kernel.state?.() };
}
