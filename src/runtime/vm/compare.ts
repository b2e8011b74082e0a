/**
 * The same program run on the simulated kernel and on the real one (the VM): line up their
 * syscalls and say where they differ. Values that legitimately differ between two runs are
 * compared by role, not by value: process ids, port ids (autobind uses the pid), sequence numbers,
 * generic netlink family ids and multicast group ids (the kernel allocates them), file descriptor
 * numbers. Each is replaced by the order in which it first appeared in its run ("the first port id",
 * "the second sequence number"); two runs agree when those orders agree.
 */
import type { SyscallEvent } from '../../api/observe.ts';
import { errnoName } from '../../api/errno.ts';
import { NETLINK_GENERIC, GENL_ID_CTRL } from '../../api/uapi.ts';
import { decodeDatagram } from '../../lib/decode/index.ts';
import type { Field } from '../../lib/decode/field.ts';

/** A recorded syscall, with the protocol of its socket when the recorder knew it. */
export interface RunEvent extends SyscallEvent {
  protocol?: number;
}

/** A stretch of bytes [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** What a value means, for normalising. */
type Role = 'port' | 'seq' | 'family' | 'group';

/** A field of the bytes that is compared by role: where it is and its token in its run. */
interface RoleField extends ByteRange {
  role: Role;
  token: string;
}

/** One syscall after normalising. */
export interface NormalisedEvent {
  /** The event as recorded. */
  event: RunEvent;
  /** Its index in its run. */
  index: number;
  /** 'P1' for the run's first process, 'P2' for the next… */
  proc: string;
  /** 'fd1' for the process's first descriptor… */
  fd?: string;
  /** The fields of `event.data` compared by role (and the token each got). */
  roles: RoleField[];
  /** The datagram decoded, to name bytes. */
  fields: Field[];
}

/** One difference between two lined-up syscalls. */
export interface Difference {
  /** What differs: 'errno', 'return value', 'source address nl_pid', 'nlmsghdr › nlmsg_type'… */
  what: string;
  sim: string;
  vm: string;
  /** The bytes concerned, for data differences. */
  simBytes?: ByteRange;
  vmBytes?: ByteRange;
}

/** A row of the comparison. */
export interface CompareRow {
  status: 'same' | 'different' | 'only-sim' | 'only-vm';
  sim?: NormalisedEvent;
  vm?: NormalisedEvent;
  differences: Difference[];
}

/** The whole comparison. */
export interface Comparison {
  rows: CompareRow[];
  same: number;
  different: number;
  onlySim: number;
  onlyVm: number;
  /** True when every syscall lines up and none differs. */
  identical: boolean;
}

/** Hands out tokens in order of first appearance. */
class Tokens {
  private readonly seen = new Map<string, string>();
  constructor(private readonly prefix: string) {}
  of(key: string | number): string {
    const k = String(key);
    let t = this.seen.get(k);
    if (!t) {
      t = `${this.prefix}${this.seen.size + 1}`;
      this.seen.set(k, t);
    }
    return t;
  }
}

/** The numbering of one run. */
class RunNames {
  readonly procs = new Tokens('P');
  readonly pids = new Map<number, string>();
  private readonly fds = new Map<string, Tokens>();
  private readonly roles = {
    port: new Tokens('port'),
    seq: new Tokens('seq'),
    family: new Tokens('family'),
    group: new Tokens('group'),
  };

  proc(pid: number): string {
    const p = this.procs.of(pid);
    this.pids.set(pid, p);
    return p;
  }
  fd(proc: string, fd: number): string {
    let t = this.fds.get(proc);
    if (!t) {
      t = new Tokens('fd');
      this.fds.set(proc, t);
    }
    return t.of(fd);
  }
  /** A port id: 0 is the kernel; a process's pid is that process (autobind); others by appearance. */
  port(value: number): string {
    if (value === 0) return '0 (kernel)';
    const p = this.pids.get(value);
    return p ? `pid of ${p}` : this.roles.port.of(value);
  }
  role(role: Role, value: number): string {
    if (role === 'port') return this.port(value);
    if (role === 'seq' && value === 0) return '0';
    return this.roles[role].of(value);
  }
}

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const s32 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

/** Walk a decoded datagram, collecting the fields compared by role. */
function roleFields(fields: Field[], data: Uint8Array, protocol: number | undefined, names: RunNames): RoleField[] {
  const out: RoleField[] = [];
  const add = (role: Role, start: number, end: number) => {
    if (end > data.length) return;
    const value = end - start === 2 ? u16(data, start) : s32(data, start);
    out.push({ role, start, end, token: names.role(role, value) });
  };
  const walk = (fs: Field[]) => {
    for (const f of fs) {
      if (f.label === 'nlmsg_pid') add('port', f.start, f.end);
      else if (f.label === 'nlmsg_seq') add('seq', f.start, f.end);
      else if (f.label === 'nlmsg_type' && protocol === NETLINK_GENERIC && u16(data, f.start) > GENL_ID_CTRL)
        add('family', f.start, f.end);
      else if (f.kind === 'attr' && f.label === 'CTRL_ATTR_FAMILY_ID') add('family', f.start + 4, f.start + 6);
      else if (f.kind === 'attr' && f.label === 'CTRL_ATTR_MCAST_GRP_ID') add('group', f.start + 4, f.start + 8);
      if (f.children) walk(f.children);
    }
  };
  walk(fields);
  return out;
}

/**
 * Each event with the protocol of its socket, as socket() recorded it (`event.socket`), carried to
 * every later event on that descriptor until it is closed.
 */
function withProtocols(events: RunEvent[]): RunEvent[] {
  const open = new Map<string, number>();
  return events.map((e) => {
    if (e.syscall === 'socket' && e.ret !== undefined && e.socket) {
      open.set(`${e.pid}:${e.ret}`, e.socket.protocol);
      return e.protocol === undefined ? { ...e, protocol: e.socket.protocol } : e;
    }
    const p = e.fd !== undefined ? open.get(`${e.pid}:${e.fd}`) : undefined;
    if (e.syscall === 'close' && e.fd !== undefined) open.delete(`${e.pid}:${e.fd}`);
    return e.protocol === undefined && p !== undefined ? { ...e, protocol: p } : e;
  });
}

/** Number one run's processes, descriptors, ports, sequence numbers and ids. */
function normaliseRun(recorded: RunEvent[], names: RunNames): NormalisedEvent[] {
  const events = withProtocols(recorded);
  // Every pid first, so that a port id equal to a later process's pid is still recognised.
  for (const e of events) names.proc(e.pid);
  return events.map((event, index) => {
    const proc = names.proc(event.pid);
    const fd = event.fd !== undefined ? names.fd(proc, event.fd) : undefined;
    if (event.syscall === 'socket' && event.ret !== undefined) names.fd(proc, event.ret);
    const fields = event.data ? decodeDatagram(event.data, { protocol: event.protocol }) : [];
    const roles = event.data ? roleFields(fields, event.data, event.protocol, names) : [];
    if (event.addr) names.port(event.addr.nl_pid);
    const n: NormalisedEvent = { event, index, proc, roles, fields };
    if (fd !== undefined) n.fd = fd;
    return n;
  });
}

/** The key two runs' syscalls are lined up by. */
const key = (n: NormalisedEvent) => `${n.event.syscall}|${n.proc}|${n.fd ?? ''}|${n.event.dir ?? ''}`;

/** Longest common subsequence of the keys: the pairs (i, j) lined up. */
function align(a: NormalisedEvent[], b: NormalisedEvent[]): [number, number][] {
  const ka = a.map(key);
  const kb = b.map(key);
  const n = ka.length;
  const m = kb.length;
  const L = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i * (m + 1) + j] =
        ka[i] === kb[j]
          ? L[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(L[(i + 1) * (m + 1) + j]!, L[i * (m + 1) + j + 1]!);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (ka[i] === kb[j]) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (L[(i + 1) * (m + 1) + j]! >= L[i * (m + 1) + j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** The deepest field containing byte `off`, as a path ("nlmsghdr › nlmsg_seq"). */
function fieldPath(fields: Field[], off: number): string {
  const path: string[] = [];
  let level: Field[] | undefined = fields;
  while (level) {
    const f: Field | undefined = level.find((x) => off >= x.start && off < x.end);
    if (!f) break;
    path.push(f.label);
    level = f.children;
  }
  return path.length ? path.join(' › ') : `byte ${off}`;
}

const hex = (b: Uint8Array, r: ByteRange) =>
  [...b.subarray(r.start, r.end)].map((x) => x.toString(16).padStart(2, '0')).join(' ');

/** Compare the bytes of two datagrams, role fields by token, other bytes by value. */
function dataDifferences(a: NormalisedEvent, b: NormalisedEvent): Difference[] {
  const da = a.event.data!;
  const db = b.event.data!;
  const out: Difference[] = [];
  if (da.length !== db.length) out.push({ what: 'length', sim: `${da.length} bytes`, vm: `${db.length} bytes` });
  const roleAt = (n: NormalisedEvent, off: number) => n.roles.find((r) => off >= r.start && off < r.end);
  const n = Math.min(da.length, db.length);
  let off = 0;
  while (off < n) {
    const ra = roleAt(a, off);
    const rb = roleAt(b, off);
    if (ra && rb && ra.start === rb.start && ra.end === rb.end && ra.role === rb.role) {
      if (ra.token !== rb.token) {
        out.push({
          what: fieldPath(a.fields, off),
          sim: `${ra.token} (${fieldValue(da, ra)})`,
          vm: `${rb.token} (${fieldValue(db, rb)})`,
          simBytes: ra,
          vmBytes: rb,
        });
      }
      off = ra.end;
      continue;
    }
    if (da[off] === db[off]) {
      off++;
      continue;
    }
    // A run of differing bytes within one field.
    const path = fieldPath(a.fields, off);
    const start = off;
    while (off < n && da[off] !== db[off] && fieldPath(a.fields, off) === path && !roleAt(a, off)) off++;
    if (off === start) off++;
    const r = { start, end: off };
    out.push({ what: path, sim: hex(da, r), vm: hex(db, r), simBytes: r, vmBytes: r });
  }
  return out;
}

const fieldValue = (b: Uint8Array, r: RoleField) => (r.end - r.start === 2 ? u16(b, r.start) : s32(b, r.start));

/** Compare two lined-up syscalls. */
function differences(a: NormalisedEvent, b: NormalisedEvent, simNames: RunNames, vmNames: RunNames): Difference[] {
  const out: Difference[] = [];
  const ea = a.event;
  const eb = b.event;
  const errText = (e?: number) => (e === undefined ? 'success' : `${errnoName(e)} (${e})`);
  if (ea.errno !== eb.errno) out.push({ what: 'errno', sim: errText(ea.errno), vm: errText(eb.errno) });
  if (ea.syscall === 'socket') {
    const fa = ea.ret !== undefined ? simNames.fd(a.proc, ea.ret) : '—';
    const fb = eb.ret !== undefined ? vmNames.fd(b.proc, eb.ret) : '—';
    if (fa !== fb) out.push({ what: 'return value (descriptor)', sim: `${fa} (${ea.ret})`, vm: `${fb} (${eb.ret})` });
  } else if (ea.ret !== eb.ret) {
    out.push({ what: 'return value', sim: String(ea.ret ?? '—'), vm: String(eb.ret ?? '—') });
  }
  const side = ea.dir === 'in' ? 'source address' : 'destination address';
  if (ea.addr || eb.addr) {
    if (!ea.addr || !eb.addr) out.push({ what: side, sim: ea.addr ? 'given' : 'none', vm: eb.addr ? 'given' : 'none' });
    else {
      if (ea.addr.nl_family !== eb.addr.nl_family)
        out.push({ what: `${side} nl_family`, sim: String(ea.addr.nl_family), vm: String(eb.addr.nl_family) });
      const pa = simNames.port(ea.addr.nl_pid);
      const pb = vmNames.port(eb.addr.nl_pid);
      if (pa !== pb)
        out.push({ what: `${side} nl_pid`, sim: `${pa} (${ea.addr.nl_pid})`, vm: `${pb} (${eb.addr.nl_pid})` });
      if (ea.addr.nl_groups !== eb.addr.nl_groups)
        out.push({
          what: `${side} nl_groups`,
          sim: `0x${(ea.addr.nl_groups >>> 0).toString(16)}`,
          vm: `0x${(eb.addr.nl_groups >>> 0).toString(16)}`,
        });
    }
  }
  if (ea.data || eb.data) {
    if (!ea.data || !eb.data)
      out.push({
        what: 'data',
        sim: ea.data ? `${ea.data.length} bytes` : 'none',
        vm: eb.data ? `${eb.data.length} bytes` : 'none',
      });
    else out.push(...dataDifferences(a, b));
  }
  return out;
}

/**
 * Line up the syscalls of a run on the simulated kernel with those of a run on a real kernel and
 * compare each pair. Each process's syscalls are matched with the same process's (processes are
 * numbered in order of appearance) by name, descriptor and direction, in order (a longest common
 * subsequence), so one extra or missing call shows as one row, not a cascade.
 */
export function compareRuns(simEvents: RunEvent[], vmEvents: RunEvent[]): Comparison {
  const simNames = new RunNames();
  const vmNames = new RunNames();
  const sim = normaliseRun(simEvents, simNames);
  const vm = normaliseRun(vmEvents, vmNames);

  // Processes interleave differently on two kernels (scheduling is not part of the comparison):
  // each process's calls are lined up with the same process's calls, then the rows are merged in
  // the simulated run's order, a call only the VM made following the call before it.
  const keyed: { row: CompareRow; order: number }[] = [];
  const procs = [...new Set([...sim.map((n) => n.proc), ...vm.map((n) => n.proc)])];
  for (const proc of procs) {
    const a = sim.filter((n) => n.proc === proc);
    const b = vm.filter((n) => n.proc === proc);
    let i = 0;
    let j = 0;
    let after = -1;
    let extra = 0;
    const push = (x?: NormalisedEvent, y?: NormalisedEvent) => {
      let row: CompareRow;
      if (x && y) {
        const d = differences(x, y, simNames, vmNames);
        row = { status: d.length ? 'different' : 'same', sim: x, vm: y, differences: d };
      } else if (x) row = { status: 'only-sim', sim: x, differences: [] };
      else row = { status: 'only-vm', vm: y, differences: [] };
      if (x) {
        after = x.index;
        extra = 0;
        keyed.push({ row, order: x.index });
      } else keyed.push({ row, order: after + 0.5 + extra++ * 1e-4 });
    };
    for (const [pi, pj] of align(a, b)) {
      while (i < pi) push(a[i++]);
      while (j < pj) push(undefined, b[j++]);
      push(a[i++], b[j++]);
    }
    while (i < a.length) push(a[i++]);
    while (j < b.length) push(undefined, b[j++]);
  }
  const rows = keyed.sort((x, y) => x.order - y.order).map((k) => k.row);
  const count = (s: CompareRow['status']) => rows.filter((r) => r.status === s).length;
  const c = {
    same: count('same'),
    different: count('different'),
    onlySim: count('only-sim'),
    onlyVm: count('only-vm'),
  };
  return { rows, ...c, identical: c.different + c.onlySim + c.onlyVm === 0 };
}
