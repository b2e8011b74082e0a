/**
 * The sim-vs-real harness: run a scenario program on a kernel, record what it did (every syscall
 * event of src/api/observe.ts and every line it printed), normalise what legitimately differs
 * between kernels, and compare two runs line by line. The format of a scenario is in README.md.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { diffLines } from 'diff';
import { setBackend } from '../../src/api/backend.ts';
import { setObserver, type SyscallEvent } from '../../src/api/observe.ts';
import { errnoName } from '../../src/api/errno.ts';
import { NLMSG_ERROR, NLMSG_HDRLEN } from '../../src/api/uapi.ts';
import { compile, link, loadModule } from '../../src/runtime/program.ts';
import type { KernelModule } from '../../src/api/types.ts';
import { createKernel, type KernelKind } from '../../src/cli/kernels.ts';
import { describeUncaught } from '../../src/cli/perror.ts';
import { readProgram } from '../../src/cli/program-files.ts';
import { rtnlMask } from './rtnl-mask.ts';
import { programLibraries } from '../../src/cli/libraries.ts';

/** What a scenario file exports as `scenario` (besides its `export default` main). */
export interface Scenario {
  /** One line: what the scenario shows. */
  title: string;
  /**
   * The program's normalised output on the real kernel, line by line: facts of Linux that must
   * hold (a scenario that is wrong about Linux fails here, before any comparison).
   */
  expect?: string[];
  /** Further checks of the real run; throw (e.g. with `fact`) when Linux did not do what the scenario says. */
  check?(run: NormalisedRun): void;
  /** Compare received messages as streams, not datagrams (where reply splitting may differ). */
  streams?: boolean;
  /**
   * Compare each process's events separately (in order of the processes' first events), for
   * processes that run at the same time: Linux runs them in parallel, the simulator one at a time.
   */
  perProcess?: boolean;
  /** Turn a normalised run into the lines to compare (default: events then output). */
  project?(run: NormalisedRun): string[];
  /** Needs root on this machine (e.g. processes running as uid 65534). */
  needsRoot?: boolean;
}

/** A raw recording of one run. */
export interface Run {
  kernel: KernelKind;
  events: SyscallEvent[];
  /** Printed lines; an uncaught error appears as `! <perror line>`. */
  output: string[];
  /** The first process's exit status. */
  status: number;
}

/** A run after normalisation: one line per event, and the output with ids replaced. */
export interface NormalisedRun {
  kernel: KernelKind;
  events: string[];
  output: string[];
  status: number;
  raw: Run;
}

/** A scenario file found on disk. */
export interface ScenarioFile {
  id: number;
  name: string;
  file: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Every scenario under tests/fidelity/scenarios, ordered by number (`NN-name.ts`). */
export function listScenarios(dir = join(here, 'scenarios')): ScenarioFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d+-.*\.ts$/.test(f))
    .map((f) => ({ id: Number(f.split('-')[0]), name: basename(f, '.ts'), file: join(dir, f) }))
    .sort((a, b) => a.id - b.id);
}

/** A scenario's metadata (its `scenario` export). */
export async function loadScenario(s: ScenarioFile): Promise<Scenario> {
  const mod = (await import(pathToFileURL(s.file).href)) as { scenario?: Scenario };
  if (!mod.scenario) throw new Error(`${s.file}: exports no \`scenario\` (see tests/fidelity/README.md)`);
  return mod.scenario;
}

/**
 * Run a scenario program as the first process of a fresh kernel, the way the CLI does (compile +
 * link with the netlink-lab libraries), recording its syscalls and output.
 */
export async function runProgram(
  file: string,
  kernel: KernelKind,
  timeoutMs = 15_000,
  boot: { cmdline?: string; builtin?: string[] } = {},
): Promise<Run> {
  const output: string[] = [];
  const events: SyscallEvent[] = [];
  const print = (...a: unknown[]) => {
    output.push(...format(...a).split('\n'));
  };
  const { files, entry } = readProgram(file);
  const libs = await programLibraries();
  const con = { log: print, info: print, warn: print, error: print };
  const main = link(compile(files), entry, libs, con);
  // Built-in code (sim only): each file's default export, booted with the kernel.
  const builtin = (boot.builtin ?? []).map((b) => {
    const p = readProgram(b);
    return loadModule(compile(p.files), p.entry, libs, con).default as KernelModule;
  });
  const k = await createKernel(kernel, {
    cmdline: boot.cmdline,
    builtin,
    onUncaught: (_pid, e) => output.push(...`! ${describeUncaught(e)}`.split('\n')),
  });
  setBackend(k.backend);
  setObserver((e) => events.push(e));
  let timer: NodeJS.Timeout | undefined;
  try {
    const status = await Promise.race([
      k.run(
        async () => {
          await main();
        },
        { name: basename(file, '.ts').slice(0, 15) },
      ),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${basename(file)} did not finish within ${timeoutMs} ms on the ${kernel} kernel`)),
          timeoutMs,
        );
      }),
    ]);
    return { kernel, events, output, status };
  } finally {
    clearTimeout(timer);
    setObserver(null);
    setBackend(null);
    await k.shutdown();
  }
}

// ---- normalisation ------------------------------------------------------------------------------

/** Numbers that differ between kernels, renamed by order of first appearance. */
class Renamer {
  private readonly map = new Map<number, string>();
  constructor(private readonly prefix: string) {}
  name(v: number): string {
    if (v === 0) return '0';
    let n = this.map.get(v);
    if (!n) {
      n = `${this.prefix}${this.map.size + 1}`;
      this.map.set(v, n);
    }
    return n;
  }
  has(v: number): boolean {
    return this.map.has(v);
  }
  get(v: number): string | undefined {
    return this.map.get(v);
  }
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
/** Hex in 4-byte words, for readable diffs. */
const words = (b: Uint8Array) => (hex(b).match(/.{1,8}/g) ?? []).join(' ');

/**
 * Render a datagram: as netlink messages when it is a well-formed sequence of them (port ids and
 * sequence numbers renamed, the header echoed in an NLMSG_ERROR too), otherwise as raw bytes.
 */
function renderData(b: Uint8Array, ports: Renamer, seqs: Renamer): string[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const msgs: string[] = [];
  let off = 0;
  while (b.length - off >= NLMSG_HDRLEN) {
    const len = v.getUint32(off, true);
    if (len < NLMSG_HDRLEN) break;
    // A message cut short by the receive buffer (MSG_TRUNC): its header is still worth renaming.
    const cut = len > b.length - off;
    if (cut && off > 0) break;
    const type = v.getUint16(off + 4, true);
    const head = `nlmsg len=${len} type=0x${type.toString(16)} flags=0x${v.getUint16(off + 6, true).toString(16)} seq=${seqs.name(v.getUint32(off + 8, true))} pid=${ports.name(v.getInt32(off + 12, true))}${cut ? ` (truncated to ${b.length} bytes)` : ''}`;
    if (cut) return [`${head}${b.length > NLMSG_HDRLEN ? ` | ${words(b.subarray(NLMSG_HDRLEN))}` : ''}`];
    let body = b.subarray(off + NLMSG_HDRLEN, off + len);
    let extra = '';
    if (type === NLMSG_ERROR && body.length >= 20) {
      const err = v.getInt32(off + 16, true);
      extra = ` error=${err === 0 ? '0' : `-${errnoName(-err)}`} req{len=${v.getUint32(off + 20, true)} type=0x${v.getUint16(off + 24, true).toString(16)} flags=0x${v.getUint16(off + 26, true).toString(16)} seq=${seqs.name(v.getUint32(off + 28, true))} pid=${ports.name(v.getInt32(off + 32, true))}}`;
      body = body.subarray(20);
    }
    msgs.push(`${head}${extra}${body.length ? ` | ${words(body)}` : ''}`);
    off += (len + 3) & ~3;
  }
  // Only a datagram made entirely of messages (up to padding) is shown as messages.
  if (msgs.length && off >= b.length - 3 && b.subarray(Math.min(off, b.length)).every((x) => x === 0)) return msgs;
  return [`bytes ${b.length} | ${words(b)}`];
}

const RECV = new Set(['recvfrom', 'recvmsg', 'read']);

/** Normalise a run: pids, port ids and sequence numbers by order of first appearance. */
export function normalise(run: Run, opts: { streams?: boolean } = {}): NormalisedRun {
  const ports = new Renamer('P');
  const seqs = new Renamer('S');
  // Where mmap put a mapping is the kernel's choice (randomised): M1, M2, … in order of appearance.
  const maps = new Renamer('M');
  const events: string[] = [];
  // Which descriptors speak NETLINK_ROUTE (by fd number: a spawned process inherits them).
  const route = new Set<number>();
  for (const e of run.events) {
    if (e.socket && e.fd === undefined && e.ret !== undefined) {
      if (e.socket.domain === 16 && e.socket.protocol === 0) route.add(e.ret);
      else route.delete(e.ret);
    }
    const who = ports.name(e.pid);
    const addr = e.addr
      ? ` ${e.dir === 'in' ? 'from' : 'to'} (${ports.name(e.addr.nl_pid)}, 0x${(e.addr.nl_groups >>> 0).toString(16)})`
      : '';
    const result =
      e.errno !== undefined ? `-${errnoName(e.errno)}` : e.syscall === 'mmap' ? maps.name(e.ret ?? 0) : String(e.ret);
    const fd = e.fd !== undefined ? ` fd=${e.fd}` : '';
    const bytes = e.data && e.fd !== undefined && route.has(e.fd) ? rtnlMask(e.data) : e.data;
    const data = bytes && bytes.length ? renderData(bytes, ports, seqs) : [];
    if (opts.streams && RECV.has(e.syscall) && e.errno === undefined) {
      // One line per message, without the byte count or the call that carried it.
      if (!data.length) events.push(`${who} recv${fd} → ${result}${addr}`);
      for (const m of data) events.push(`${who} recv${fd}${addr} ⇐ ${m}`);
      continue;
    }
    events.push(`${who} ${e.syscall}${fd} → ${result}${addr}`);
    for (const m of data) events.push(`    ${e.dir === 'in' ? '⇐' : '⇒'} ${m}`);
  }
  // Ids in printed text: only values already seen as pids or ports, and not small constants.
  const output = run.output.map((line) =>
    line.replace(/-?\b\d+\b/g, (s) => {
      const n = Number(s);
      return Math.abs(n) >= 100 && ports.has(n) ? ports.get(n)! : s;
    }),
  );
  return { kernel: run.kernel, events, output, status: run.status, raw: run };
}

/** Events grouped by process (an event's data lines stay with it), processes in order of first appearance. */
export function eventsByProcess(events: string[]): string[] {
  const groups = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of events) {
    const who = /^(P\d+|0) /.exec(line)?.[1];
    if (who) {
      if (!groups.has(who)) groups.set(who, []);
      current = groups.get(who)!;
    }
    current.push(line);
  }
  return [...groups.entries()].flatMap(([who, lines]) => [`--- process ${who}`, ...lines]);
}

/** The lines a comparison looks at. */
export function project(s: Scenario, n: NormalisedRun): string[] {
  if (s.project) return s.project(n);
  const events = s.perProcess ? eventsByProcess(n.events) : n.events;
  return [...events, '--- output', ...n.output, `--- exit status ${n.status}`];
}

/** A readable diff (- real, + sim), or null when the two are identical. */
export function compareLines(real: string[], sim: string[]): string | null {
  const a = `${real.join('\n')}\n`;
  const b = `${sim.join('\n')}\n`;
  if (a === b) return null;
  const out: string[] = [];
  for (const part of diffLines(a, b)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    const mark = part.added ? '+ sim  ' : part.removed ? '- real ' : '       ';
    // Keep a little context around changes only.
    const shown =
      !part.added && !part.removed && lines.length > 6
        ? [...lines.slice(0, 2), `… ${lines.length - 4} identical lines …`, ...lines.slice(-2)]
        : lines;
    for (const l of shown) out.push(`${mark}${l}`);
  }
  return out.join('\n');
}

/** Check a real run against the scenario's facts; returns the problems found. */
export function checkReal(s: Scenario, n: NormalisedRun): string[] {
  const problems: string[] = [];
  if (s.expect) {
    // Facts may name ids as the normalised output does (P1) or give the number the program chose
    // (port 77777, which a refused call's recorded address makes a "seen" id): either holds.
    const d = compareLines(s.expect, n.raw.output) === null ? null : compareLines(s.expect, n.output);
    if (d)
      problems.push(
        `the real kernel's output is not what the scenario expects (- expected, + real):\n${d.replace(/^- real /gm, '- expct ').replace(/^\+ sim {2}/gm, '+ real ')}`,
      );
  }
  if (s.check) {
    try {
      s.check(n);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  return problems;
}
