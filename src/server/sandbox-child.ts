/**
 * The process a verification runs in (started by sandbox.ts, bundled by esbuild and read from
 * standard input: it has no file to read). It takes one job over the IPC channel, answers once,
 * and exits. The Node APIs the runner needs are captured first; then every global that leads out
 * of the process (process, fetch, WebSocket, …) is removed before the learner's code runs, so the
 * program sees only the netlink-lab API, its console and the language. The process itself is
 * started with the permission model (no files, no child processes, no workers) in a network
 * namespace of its own, with a heap cap; the parent kills it at its time and memory limits.
 *
 * Jobs:
 *   { kind: 'program', nonce, wasm, files, entry, cmdline?, builtin? } → { nonce, exit, input }
 *       runs the program on a fresh simulated kernel and hands back what the checks judge;
 *   { kind: 'checks', nonce, checks, input } → { nonce, results, error? }
 *       runs a lesson's checks on that record, in a process the program never ran in;
 *   { kind: 'probe', nonce, code } → { nonce, result }
 *       runs code with the process's own globals still present (the sandbox tests use it to show
 *       what the process-level limits stop when a program gets past the first layer).
 */
import * as user from '../api/user.ts';
import * as kernelApi from '../api/kernel.ts';
import { createSimKernel } from '../../sandboxes/sim/host/index.ts';
import { runSession, runChecks, type SessionKernel } from '../runtime/session.ts';
import { compile, loadModule } from '../runtime/program.ts';
import type { ChecksInput, Exit } from '../runtime/messages.ts';
import type { KernelModule } from '../api/types.ts';
import { harden, lockdown } from './harden.ts';

const proc = process;
const send = proc.send!.bind(proc);
const exit = proc.exit.bind(proc);
const libs = { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi };

type Job =
  | {
      kind: 'program';
      nonce: string;
      wasm: Uint8Array;
      files: Record<string, string>;
      entry: string;
      cmdline?: string;
      builtin?: string[];
      maxLines: number;
    }
  | { kind: 'checks'; nonce: string; checks: string; input: ChecksInput }
  | { kind: 'probe'; nonce: string; code: string };

/** Remove what leads out of this process from the global scope the learner's code sees. */
function closeTheWayOut(): void {
  const g = globalThis as Record<string, unknown>;
  for (const name of [
    'process',
    'fetch',
    'WebSocket',
    'EventSource',
    'navigator',
    'Request',
    'Response',
    'Headers',
    'FormData',
    'require',
    'module',
    'exports',
    '__filename',
    '__dirname',
    'global',
    'BroadcastChannel',
    'MessageChannel',
    'MessagePort',
    'Worker',
  ]) {
    try {
      delete g[name];
    } catch {
      /* not configurable */
    }
    if (name in g) Object.defineProperty(g, name, { value: undefined, configurable: false, writable: false });
  }
}

function finish(msg: Record<string, unknown>): void {
  send(msg, () => exit(0));
}

async function program(job: Extract<Job, { kind: 'program' }>): Promise<void> {
  const wasm = await WebAssembly.compile(job.wasm as Uint8Array<ArrayBuffer>);
  const lines: string[] = [];
  const quiet = { log() {}, info() {}, warn() {}, error() {} };
  closeTheWayOut();
  // The program shares this realm with the kernel and the recorder (src/server/harden.ts): from
  // here on it can change none of the objects they use.
  lockdown();
  harden(libs, { readGetters: true });
  const builtin = (job.builtin ?? []).map(
    (f) => loadModule(compile(job.files), f, libs, quiet).default as KernelModule,
  );
  const kernel = (await createSimKernel({ wasm, cmdline: job.cmdline, builtin })) as unknown as SessionKernel;
  let input: ChecksInput | undefined;
  const ended: Exit = await runSession(kernel, {
    runId: 1,
    files: job.files,
    entry: job.entry,
    libs,
    maxOutputLines: job.maxLines,
    checks: 'export default () => []',
    checksElsewhere(i) {
      input = i;
    },
    post(m) {
      if (m.type === 'batch') for (const l of m.output) lines.push(l.text);
    },
  });
  finish({
    nonce: job.nonce,
    exit: { status: ended.status, error: ended.error?.message },
    input: input ?? null,
    output: lines.slice(0, job.maxLines).join('\n'),
  });
}

async function checks(job: Extract<Job, { kind: 'checks' }>): Promise<void> {
  closeTheWayOut();
  const r = await runChecks(job.checks, job.input, libs, { log() {}, info() {}, warn() {}, error() {} });
  finish({
    nonce: job.nonce,
    results: r.results.map((x) => ({ name: String(x.name), pass: x.pass === true, message: String(x.message) })),
    error: r.error,
  });
}

async function probe(job: Extract<Job, { kind: 'probe' }>): Promise<void> {
  const r = (await new Function('require', `return (async () => { ${job.code} })()`)(require)) as unknown;
  finish({ nonce: job.nonce, result: r });
}

proc.once('message', (job: Job) => {
  const fail = (e: unknown) =>
    finish({ nonce: job.nonce, crash: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
  try {
    const p = job.kind === 'program' ? program(job) : job.kind === 'checks' ? checks(job) : probe(job);
    p.catch(fail);
  } catch (e) {
    fail(e);
  }
});
send({ ready: true });
