/**
 * `netlink-lab run prog.ts --kernel sim|real [--trace] [--timeout S]`: run a learner's program from
 * the command line. The program runs in a worker thread, so a runaway program is stopped after the
 * wall-clock limit instead of hanging the terminal.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { RunMessage, RunRequest } from './run-worker.ts';
import { MEMORY_LIMIT_MIB } from '../runtime/memory-limit.ts';

/** Help text of `netlink-lab run`. */
export const RUN_HELP = `netlink-lab run FILE.ts [--kernel sim|real|vm|browser] [--trace] [--timeout SECONDS] [--cmdline TEXT] [--builtin MOD.ts] [--pcap OUT.pcap]

Run a netlink-lab program (TypeScript importing 'netlink-lab/user' and 'netlink-lab/kernel')
as the first process of a fresh kernel, and print what it prints.

  --kernel sim    the simulated kernel (WebAssembly), the default
  --kernel real   this machine's Linux kernel: each process of the program is a C agent
                  (build/real/agent, built from sandboxes/real/agent on demand) inside one
                  private user+network namespace, like \`unshare -Urn\`; spawn({ uid: 65534 })
                  runs as nobody in the initial namespaces (needs root)
  --kernel vm     Linux 6.1 in a fresh QEMU VM (build/vm, built by \`npm run vm:build\`):
                  each process is an agent in the guest; insmod() loads the course's C modules
  --kernel browser  Linux 6.1 (i386) in v86, the lessons' "Linux in your browser", restored
                  from its saved state (public/v86, built by \`npm run v86:build\`); as vm
  --trace         after the program, print the simulated kernel's function-graph trace (sim only)
  --timeout S     stop the program after S seconds of wall-clock time (default 30, at most
                  2147483; counted from the program's start, after the kernel is built and booted)
  --cmdline TEXT  boot the kernel with this command line (sim: /proc/cmdline, early_param and
                  __setup handlers, mod.param=value; vm: appended to the VM's)
  --builtin F.ts  build the module that F.ts exports by default into the simulated kernel
                  (its boot-parameter handlers and init run at boot); may be repeated
  --pcap OUT      write every datagram the program's sockets sent or received to OUT as a
                  pcap in nlmon's format (LINKTYPE_NETLINK), for Wireshark, tshark or
                  \`netlink-lab decode OUT\`

The run ends when every process of the program has ended. A run may use ${MEMORY_LIMIT_MIB} MiB of
memory (JavaScript heap and buffers); a program that passes that is stopped.
Exit status: the first process's (0, or 1 when it ended with an uncaught error, printed like
perror: "bind: Address already in use"); 124 when the time limit was hit; 137 when the memory
limit was; 2 for a usage error.`;

/** How long building and booting a kernel may take before the CLI gives up, in seconds. */
const SETUP_LIMIT_S = 300;

/**
 * The longest --timeout: Node's timers hold at most 2^31-1 ms (about 24.8 days); a longer delay
 * overflows (TimeoutOverflowWarning) and fires after 1 ms, which stopped the program at once.
 */
export const MAX_TIMEOUT_S = Math.floor((2 ** 31 - 1) / 1000);

/** Output sinks (the terminal by default; tests pass their own). */
export interface RunIO {
  stdout(s: string): void;
  stderr(s: string): void;
}
const terminal: RunIO = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

/** Run the `run` subcommand; resolves to the exit status. */
export async function runCommand(argv: string[], io: RunIO = terminal): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kernel: { type: 'string', default: 'sim' },
        trace: { type: 'boolean', default: false },
        timeout: { type: 'string', default: '30' },
        help: { type: 'boolean', short: 'h' },
        cmdline: { type: 'string' },
        builtin: { type: 'string', multiple: true },
        pcap: { type: 'string' },
      },
    });
  } catch (e) {
    io.stderr(`netlink-lab run: ${(e as Error).message}\n\n${RUN_HELP}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${RUN_HELP}\n`);
    return 0;
  }
  const usage = (msg: string) => {
    io.stderr(`netlink-lab run: ${msg}\n\n${RUN_HELP}\n`);
    return 2;
  };
  if (positionals.length !== 1) return usage('give exactly one program file');
  if (values.kernel !== 'sim' && values.kernel !== 'real' && values.kernel !== 'vm' && values.kernel !== 'browser')
    return usage(`--kernel must be sim, real, vm or browser, not '${values.kernel}'`);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) return usage(`--timeout must be a positive number of seconds, not '${values.timeout}'`);
  if (timeout > MAX_TIMEOUT_S)
    return usage(
      `--timeout must be at most ${MAX_TIMEOUT_S} s (about 24 days: Node's timers cannot wait longer), not '${values.timeout}'`,
    );
  const file = resolve(positionals[0]);
  if (!existsSync(file)) return usage(`no such file: ${positionals[0]}`);

  const builtin = (values.builtin ?? []).map((b) => resolve(b));
  const missing = builtin.find((b) => !existsSync(b));
  if (missing) return usage(`no such file: ${missing}`);
  const request: RunRequest = {
    file,
    kernel: values.kernel,
    trace: values.trace,
    cmdline: values.cmdline,
    builtin,
    ...(values.pcap ? { pcap: resolve(values.pcap) } : {}),
  };
  // The program's thread gets a V8 heap limit; buffers outside the heap are metered in the thread
  // (src/runtime/memory-limit.ts). Either way the run stops with the same message.
  const worker = new Worker(new URL('./worker.mjs', import.meta.url), {
    workerData: request,
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: MEMORY_LIMIT_MIB },
  });
  const agents = new Set<number>();
  return await new Promise<number>((done) => {
    let finished = false;
    const finish = (status: number) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      done(status);
    };
    const stop = (why: string, status: number) => {
      io.stderr(`netlink-lab: ${why}; stopped it.\n`);
      void worker.terminate();
      // Agents blocked in a syscall would outlive the worker: kill them by pid (they are ours).
      for (const pid of agents) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      finish(status);
    };
    // Building and booting the kernel (the wasm build may take a while on a busy machine) is not
    // the program's time: its limit starts when the worker says the program starts.
    let timer = setTimeout(() => stop(`the kernel did not start within ${SETUP_LIMIT_S} s`, 1), SETUP_LIMIT_S * 1000);
    const startProgramClock = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => stop(`the program did not finish within ${timeout} s (--timeout ${timeout})`, 124),
        timeout * 1000,
      );
    };
    worker.on('message', (m: RunMessage) => {
      if (m.type === 'stdout') io.stdout(m.text);
      else if (m.type === 'stderr') io.stderr(m.text);
      else if (m.type === 'agent') agents.add(m.pid);
      else if (m.type === 'started') startProgramClock();
      else if (m.type === 'memory')
        stop(
          `the program used more than ${MEMORY_LIMIT_MIB} MiB of memory, the limit of one run (something keeps growing: an array pushed to in a loop, a huge ArrayBuffer)`,
          137,
        );
      else if (m.type === 'done') {
        void worker.terminate();
        finish(m.status);
      }
    });
    worker.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        stop(
          `the program used more than ${MEMORY_LIMIT_MIB} MiB of memory, the limit of one run (its JavaScript heap is full)`,
          137,
        );
        return;
      }
      io.stderr(`netlink-lab: the program's worker failed: ${e.stack ?? e.message}\n`);
      finish(1);
    });
    worker.on('exit', () => finish(1));
  });
}
