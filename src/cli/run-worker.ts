/**
 * Runs one program inside a worker thread (started by run.ts): compile, link, attach the kernel,
 * start the program as its first process, wait for it, report. Everything the program prints goes
 * to the main thread as messages, in order.
 */
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';
import { setBackend } from '../api/backend.ts';
import { setObserver } from '../api/observe.ts';
import { capturedFromRecords, pcapFromRecords, type RecordWithProtocol } from '../lib/capture.ts';
import { compile, link, loadModule } from '../runtime/program.ts';
import type { KernelModule } from '../api/types.ts';
import { createKernel, type KernelKind } from './kernels.ts';
import { programLibraries } from './libraries.ts';
import { describeUncaught } from './perror.ts';
import { readProgram } from './program-files.ts';
import { installMemoryMeter, MEMORY_LIMIT_MIB } from '../runtime/memory-limit.ts';

/** What run.ts hands the worker. */
export interface RunRequest {
  file: string;
  kernel: KernelKind;
  trace: boolean;
  /** The kernel command line (--cmdline). */
  cmdline?: string;
  /** Files whose default export is a module to build into the kernel (--builtin). */
  builtin?: string[];
  /** Write every datagram that crossed to this file as an nlmon-style pcap (--pcap). */
  pcap?: string;
}

/** What the worker tells run.ts. */
export type RunMessage =
  | { type: 'stdout' | 'stderr'; text: string }
  | { type: 'agent'; pid: number }
  /** The kernel is up and the program starts now: the wall-clock limit counts from here. */
  | { type: 'started' }
  /** The program passed the per-run memory limit (src/runtime/memory-limit.ts). */
  | { type: 'memory'; usedMiB: number }
  | { type: 'done'; status: number };

const post = (m: RunMessage) => parentPort!.postMessage(m);
const print =
  (type: 'stdout' | 'stderr') =>
  (...a: unknown[]) =>
    post({ type, text: `${format(...a)}\n` });

/** Record every syscall with its socket's protocol (by pid and fd, as the playground's session does). */
function recorder(): { records: RecordWithProtocol[]; stop(): void } {
  const records: RecordWithProtocol[] = [];
  const protocols = new Map<string, number>();
  setObserver((e) => {
    if (e.syscall === 'socket' && e.ret !== undefined && e.socket)
      protocols.set(`${e.pid}:${e.ret}`, e.socket.protocol);
    const protocol = e.fd !== undefined ? protocols.get(`${e.pid}:${e.fd}`) : undefined;
    if (e.data) records.push({ ...e, ...(protocol !== undefined ? { protocol } : {}) });
    if (e.syscall === 'close' && e.fd !== undefined) protocols.delete(`${e.pid}:${e.fd}`);
  });
  return { records, stop: () => setObserver(null) };
}

async function run({ file, kernel, trace, cmdline, builtin = [], pcap }: RunRequest): Promise<number> {
  const { files, entry } = readProgram(file);
  const libs = await programLibraries();
  const con = { log: print('stdout'), info: print('stdout'), warn: print('stderr'), error: print('stderr') };
  const main = link(compile(files), entry, libs, con);
  const mods = builtin.map((b) => {
    const p = readProgram(b);
    const m = loadModule(compile(p.files), p.entry, libs, con).default as KernelModule | undefined;
    if (!m || typeof m.init !== 'function')
      throw new Error(`--builtin ${b}: its default export is not a module (defineModule from netlink-lab/kernel)`);
    return m;
  });
  const k = await createKernel(kernel, {
    trace,
    cmdline,
    builtin: mods,
    onUncaught: (_pid, e) => post({ type: 'stderr', text: `${describeUncaught(e)}\n` }),
    onAgent: (pid) => post({ type: 'agent', pid }),
  });
  setBackend(k.backend);
  const rec = pcap ? recorder() : undefined;
  // This thread is thrown away after the run: from here on its allocations are metered (run.ts
  // also gives the thread a V8 heap limit of the same size for what the meter does not see).
  installMemoryMeter({
    limitMiB: MEMORY_LIMIT_MIB,
    exceeded: (n) => post({ type: 'memory', usedMiB: Math.round(n / 2 ** 20) }),
  });
  try {
    post({ type: 'started' });
    const status = await k.run(
      async () => {
        await main();
      },
      { name: basename(file).replace(/\.[^.]*$/, '') },
    );
    if (trace && k.trace) post({ type: 'stdout', text: k.trace() });
    return status;
  } finally {
    if (rec && pcap) {
      rec.stop();
      const bytes = pcapFromRecords(rec.records);
      writeFileSync(pcap, bytes);
      post({
        type: 'stderr',
        text: `netlink-lab: wrote ${capturedFromRecords(rec.records).length} datagrams to ${pcap} (${bytes.length} bytes, LINKTYPE_NETLINK)\n`,
      });
    }
    setBackend(null);
    await k.shutdown();
  }
}

if (parentPort) {
  run(workerData as RunRequest).then(
    (status) => post({ type: 'done', status }),
    (e) => {
      post({ type: 'stderr', text: `${describeUncaught(e)}\n` });
      post({ type: 'done', status: 1 });
    },
  );
}
