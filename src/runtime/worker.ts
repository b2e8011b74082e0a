/**
 * The run worker: a learner's program runs here, never on the page's thread, against a fresh
 * simulated kernel per run. The page starts one worker ahead of time (it compiles the kernel's wasm
 * while the learner reads), sends one 'run', and throws the worker away afterwards; a runaway
 * program is ended by terminating the worker. The 'alive' beat stops when the program never yields
 * to the event loop, which is how the page's watchdog notices an endless loop.
 */
import { createSimKernel } from '../../sandboxes/sim/host/index.ts';
import * as user from '../api/user.ts';
import * as kernelApi from '../api/kernel.ts';
import { runChecks, runSession, type SessionKernel } from './session.ts';
import type { FromWorker } from './messages.ts';
import type { ToWorker } from './worker-protocol.ts';
import { linkFromPort } from './vm/agent-link-port.ts';
import { vmSessionKernel } from './vm/session-kernel.ts';
import { compile, loadModule, type CompileCache } from './program.ts';
import { installMemoryMeter, memoryLimitMessage, MEMORY_LIMIT_MIB } from './memory-limit.ts';
import type { KernelModule } from '../api/types.ts';

/** The modules a run builds into the kernel: each file's default export. */
function builtinModules(files: Record<string, string>, names: string[]): KernelModule[] {
  if (!names.length) return [];
  const compiled = compile(files, cache);
  const quiet = { log: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  return names.map((n) => {
    const m = loadModule(compiled, n, { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi }, quiet).default as
      | KernelModule
      | undefined;
    if (!m || typeof m.init !== 'function')
      throw new Error(
        `${n}: its default export is not a module (defineModule from netlink-lab/kernel), so it cannot be built into the kernel.`,
      );
    return m;
  });
}

// Everything goes out on the private port the page gave with 'init', through a bound function taken
// before any program ran: a program can call the global postMessage, or change MessagePort's
// prototype, but neither reaches the page's listener.
let send: ((m: FromWorker) => void) | undefined;
const early: FromWorker[] = [];
const post = (m: FromWorker) => {
  if (send) send(m);
  else early.push(m);
};
let wasm: Promise<WebAssembly.Module> | undefined;
let busy = false;
let booted: ReturnType<typeof createSimKernel> | undefined;
/** The editor's files compiled ahead of time ('prepare'), by name, with their source. */
let cache: CompileCache = new Map();
let prepared: Record<string, string> | undefined;
let warmed = false;

/** Compile the latest prepared files (a file that does not compile yet is left for Run to report). */
function prepareNow(): void {
  if (!prepared || busy) return;
  const fresh: CompileCache = new Map();
  for (const [file, source] of Object.entries(prepared)) {
    const old = cache.get(file);
    if (old?.source === source) fresh.set(file, old);
    else {
      try {
        compile({ [file]: source }, fresh);
      } catch {
        // A syntax error: Run compiles the file again and says where.
      }
    }
  }
  cache = fresh;
  prepared = undefined;
}

setInterval(() => post({ type: 'alive' }), 200);

async function compileKernel(url: string): Promise<WebAssembly.Module> {
  const started = performance.now();
  const res = await fetch(url);
  if (!res.ok) {
    throw new Error(
      `The simulated kernel (${url}) could not be loaded: HTTP ${res.status}. Build it with \`npm run build:kernel\` and rebuild the site (\`npm run build\` does both).`,
    );
  }
  const mod = res.headers.get('content-type')?.startsWith('application/wasm')
    ? await WebAssembly.compileStreaming(res)
    : await WebAssembly.compile(await res.arrayBuffer());
  await warmUp(mod);
  // The editor's files, when the page sent them already; later ones are compiled as they come.
  warmed = true;
  prepareNow();
  // The kernel of the next run is booted now, before the learner presses Run (a run with its
  // own command line or built-in modules boots its own).
  booted = createSimKernel({ wasm: mod });
  booted.catch(() => undefined);
  await booted;
  post({ type: 'ready', compileMs: Math.round(performance.now() - started) });
  return mod;
}

/**
 * Run a tiny program once on a throwaway kernel before saying 'ready', so the learner's Run meets
 * warm code (the compiler, the kernel's host, the session) and shows output sooner.
 */
async function warmUp(mod: WebAssembly.Module): Promise<void> {
  const kernel = (await createSimKernel({ wasm: mod })) as unknown as SessionKernel;
  const program =
    "import { socket, close, AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK } from 'netlink-lab/user';\nconst fd: number = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);\nconsole.log(fd);\nawait close(fd);\n";
  await runSession(kernel, {
    runId: 0,
    files: { 'main.ts': program },
    entry: 'main.ts',
    libs: { 'netlink-lab/user': user },
    post: () => undefined,
  });
}

self.addEventListener('message', (ev: MessageEvent<ToWorker>) => {
  const msg = ev.data;
  if (msg.type === 'init') {
    if (send) return;
    const port = msg.port;
    const bound = port.postMessage.bind(port) as (m: FromWorker) => void;
    send = bound;
    for (const m of early.splice(0)) bound(m);
    wasm = compileKernel(msg.wasmUrl);
    wasm.catch((e: unknown) => post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) }));
    return;
  }
  if (msg.type === 'prepare') {
    prepared = msg.files;
    if (warmed) prepareNow();
    return;
  }
  if (msg.type === 'checks') {
    // This worker never ran a program: its realm is as the site shipped it.
    if (busy) return;
    const { runId, checks, input } = msg;
    void runChecks(checks, input, { 'netlink-lab/user': user }).then((r) => post({ type: 'checks', runId, ...r }));
    return;
  }
  if (msg.type === 'run') {
    if (busy)
      return post({ type: 'fatal', message: 'This worker already ran a program; the page should start a fresh one.' });
    busy = true;
    void (async () => {
      try {
        if (!wasm) throw new Error('The run worker got "run" before "init".');
        const kernel = msg.vm
          ? vmSessionKernel(linkFromPort(msg.vm.port, msg.vm.ports, msg.vm.forkPorts))
          : ((await (booted && msg.boot?.cmdline === undefined && !msg.boot?.builtin?.length
              ? booted
              : createSimKernel({
                  wasm: await wasm,
                  cmdline: msg.boot?.cmdline,
                  builtin: builtinModules(msg.files, msg.boot?.builtin ?? []),
                }))) as unknown as SessionKernel);
        // This realm is thrown away after the run: from here on its allocations are metered.
        installMemoryMeter({
          limitMiB: MEMORY_LIMIT_MIB,
          exceeded: () => post({ type: 'memory', runId: msg.runId, message: memoryLimitMessage(MEMORY_LIMIT_MIB) }),
        });
        await runSession(kernel, {
          runId: msg.runId,
          files: msg.files,
          entry: msg.entry,
          checks: msg.checks,
          libs: { 'netlink-lab/user': user, 'netlink-lab/kernel': kernelApi },
          compileCache: cache,
          checksElsewhere: (input) => post({ type: 'record', runId: msg.runId, input }),
          post,
        });
      } catch (e) {
        post({ type: 'fatal', message: e instanceof Error ? e.message : String(e) });
      }
    })();
  }
});

// Past the memory limit the page is about to terminate this worker: an allocation that threw
// outside the program (in a timer) is not an error of the page's.
self.addEventListener('error', (ev: ErrorEvent) => {
  if ((ev.error as Error | undefined)?.name === 'MemoryLimitError') ev.preventDefault();
});

// A rejection nobody awaited (say, in a process the program spawned and never waited for).
self.addEventListener('unhandledrejection', (ev: PromiseRejectionEvent) => {
  ev.preventDefault();
  const r = ev.reason as unknown;
  post({
    type: 'batch',
    runId: -1,
    output: [
      { stream: 'error', text: `Unhandled rejection: ${r instanceof Error ? `${r.name}: ${r.message}` : String(r)}` },
    ],
    syscalls: [],
    trace: [],
    kernel: [],
  });
});
