/**
 * Lesson "Broadcasts and congested listeners": what netlink_broadcast returns to a kernel sender
 * (0, -ESRCH, -ENOBUFS) and what a listener reads (ENOBUFS once, then the queue; nothing while
 * congested; no error with NETLINK_NO_ENOBUFS). Decided from nl_flood's reports and the listeners'
 * receives; with the simulator's trace also from do_one_broadcast's calls.
 */
import type { CheckInput, CheckResult, TraceEntry } from '../../check-api.ts';
import { parseNlmsgs } from 'netlink-lab/user';

const EAGAIN = 11;
const ESRCH = 3;
const ENOBUFS = 105;
const NETLINK_FLOOD = 27;
const NL_FLOOD_DATA = 0x13;
const NL_FLOOD_REPORT = 0x14;
const SOL_NETLINK = 270;
const NETLINK_BROADCAST_ERROR = 4;
const NETLINK_NO_ENOBUFS = 5;
const NO_TRACE = ' (The kernel trace is unavailable on this kernel: judged from the syscalls only.)';

type Ev = CheckInput['events'][number] & { protocol?: number };
/** What happened on protocol 27, in order: a report the module sent, or one receive of a listener. */
type Step =
  | { kind: 'report'; rets: number[]; at: number }
  | { kind: 'recv'; fd: number; pid: number; data: boolean; errno?: number; at: number };

function timeline(events: Ev[]): Step[] {
  const steps: Step[] = [];
  events.forEach((e, at) => {
    if (e.protocol !== NETLINK_FLOOD || !['recvfrom', 'recvmsg', 'read'].includes(e.syscall) || e.fd === undefined)
      return;
    const msgs = e.data ? parseNlmsgs(e.data) : [];
    const report = msgs.find((m) => m.nlmsg_type === NL_FLOOD_REPORT);
    if (report) {
      const v = new DataView(report.payload.buffer, report.payload.byteOffset, report.payload.byteLength);
      steps.push({
        kind: 'report',
        rets: Array.from({ length: report.payload.length >> 2 }, (_, i) => v.getInt32(4 * i, true)),
        at,
      });
    } else {
      steps.push({
        kind: 'recv',
        fd: e.fd,
        pid: e.pid,
        data: msgs.some((m) => m.nlmsg_type === NL_FLOOD_DATA),
        ...(e.errno !== undefined ? { errno: e.errno } : {}),
        at,
      });
    }
  });
  return steps;
}

/** Each traced call tree: a depth-0 entry followed by every call it made, per process. */
function trees(trace: TraceEntry[]): TraceEntry[][] {
  const open = new Map<number, TraceEntry[]>();
  const all: TraceEntry[][] = [];
  for (const t of trace) {
    if (t.depth === 0 || !open.has(t.pid)) {
      const g = [t];
      open.set(t.pid, g);
      all.push(g);
    } else open.get(t.pid)!.push(t);
  }
  return all;
}
const fmt = (rets: number[]) =>
  rets
    .map((r) => (r === -ESRCH ? '-ESRCH' : r === -ENOBUFS ? '-ENOBUFS' : r === -EAGAIN ? '-EAGAIN' : String(r)))
    .join(', ');
const num = (args: string, key: string) => Number(new RegExp(`${key}=(-?\\d+)`).exec(args)?.[1]);

export default function checks({ events, trace }: CheckInput): CheckResult[] {
  const steps = timeline(events as Ev[]);
  const reports = steps.filter((s): s is Extract<Step, { kind: 'report' }> => s.kind === 'report');
  const recvs = steps.filter((s): s is Extract<Step, { kind: 'recv' }> => s.kind === 'recv');
  const fds = [...new Set(recvs.map((r) => r.fd))];
  const on = (fd: number) => recvs.filter((r) => r.fd === fd);
  const all = trace ? trees(trace) : [];
  const flat = trace ?? [];
  const optionOn = (opt: number) =>
    all.some(
      (g) =>
        g[0]!.fn === '__sys_setsockopt' &&
        num(g[0]!.args, 'level') === SOL_NETLINK &&
        num(g[0]!.args, 'optname') === opt &&
        g[0]!.ret === 0,
    );
  const results: CheckResult[] = [];

  // 1. a full listener: the module hears -ESRCH; over half full the deliveries say "congested".
  const burst = reports.find((r) => r.rets.includes(0) && r.rets.includes(-ESRCH));
  const overHalf = flat.find((t) => t.fn === 'netlink_broadcast_deliver' && t.ret === 1);
  const dropped = flat.find((t) => t.fn === 'netlink_broadcast_deliver' && t.ret === -1);
  results.push({
    name: 'a full listener: netlink_broadcast returns -ESRCH to the module',
    pass: !!burst && (!trace || (!!overHalf && !!dropped)),
    message: !burst
      ? 'No report shows a burst partly delivered and then -ESRCH (step 1 of the starting code: keep it).'
      : trace
        ? `netlink_broadcast returned ${fmt(burst.rets)}. From ${overHalf!.args} on, netlink_broadcast_deliver returned 1 — the listener was over half full, so the sender yields the CPU; at ${dropped!.args} it returned -1: dropped, netlink_overrun, and with nobody else in the group, -ESRCH.`
        : `netlink_broadcast returned ${fmt(burst.rets)}.${NO_TRACE}`,
    hints: [
      'Step 1 is given: five 1000-byte messages to a listener with room for four.',
      'netlink_broadcast returns 0 if at least one member got the message, -ESRCH if none did.',
      'Keep `broadcast(1, 5)` with listener(300, 1) as the starting code has it.',
    ],
  });

  // 2. ENOBUFS once, then the queue.
  const fdErr = fds.find((fd) => {
    const r = on(fd);
    const i = r.findIndex((x) => x.errno === ENOBUFS);
    return i >= 0 && !!r[i + 1]?.data;
  });
  results.push({
    name: 'the listener reads ENOBUFS once, then what had fit',
    pass: fdErr !== undefined,
    message:
      fdErr !== undefined
        ? `The listener's first receive failed with ENOBUFS (netlink_overrun had set sk_err), the next one returned message #1: what fit is still there.`
        : 'No listener read ENOBUFS and then a message: after the burst, receive on listener 300 twice (step 2).',
    hints: [
      'Read the overrun listener right after the burst, twice.',
      'netlink_recvmsg reports a pending sk_err before it dequeues anything, and clears it.',
      'console.log(await receive(a), await receive(a)) after the first broadcast.',
    ],
  });

  // 3. congested until the queue is empty.
  let congested: string | undefined;
  if (fdErr !== undefined) {
    const mine = on(fdErr);
    const firstData = mine.find((r) => r.data)!;
    const refused = reports.find(
      (r) =>
        r.at > firstData.at &&
        r.rets.length > 0 &&
        r.rets.every((x) => x === -ESRCH) &&
        mine.some((m) => m.data && m.at > r.at),
    );
    const empty = refused ? mine.find((m) => m.at > refused.at && m.errno === EAGAIN) : undefined;
    const again = empty ? reports.find((r) => r.at > empty.at && r.rets.includes(0)) : undefined;
    if (refused && empty && again)
      congested = `With messages still queued, one more broadcast got ${fmt(refused.rets)}; once the listener had read until EAGAIN, the next one got ${fmt(again.rets)}.`;
  }
  const roomButRefused = flat.find(
    (t) =>
      t.fn === 'netlink_broadcast_deliver' &&
      t.ret === -1 &&
      num(t.args, 'rmem') + num(t.args, 'truesize') <= num(t.args, 'rcvbuf'),
  );
  results.push({
    name: 'an overrun listener is congested until its queue is empty',
    pass: !!congested && (!trace || !!roomButRefused),
    message: !congested
      ? 'Not seen yet: while listener 300 still holds messages after its ENOBUFS, broadcast one more (refused?); then drain it to EAGAIN and broadcast again (step 2).'
      : trace
        ? roomButRefused
          ? `${congested} The trace shows netlink_broadcast_deliver(${roomButRefused.args}) = -1: there was room, but the socket was marked congested (NETLINK_S_CONGESTED), which only an empty queue clears.`
          : `${congested} But the trace shows no delivery refused while there was room.`
        : `${congested}${NO_TRACE}`,
    hints: [
      'After the overrun, the listener refuses new broadcasts even when its queue has room again — until something specific happens.',
      'netlink_overrun sets NETLINK_S_CONGESTED; netlink_rcv_wake clears it only when the receive queue is empty.',
      'After the two receives: broadcast(1, 1) (refused), drain(a), broadcast(1, 1) (delivered), drain(a).',
    ],
  });

  // 4. NETLINK_NO_ENOBUFS: dropped without a word, never congested.
  const quiet = fds.find((fd) => {
    const r = on(fd);
    if (r.some((x) => x.errno === ENOBUFS) || !r.some((x) => x.data)) return false;
    const before = reports.filter((p) => p.at < r[0]!.at).at(-1);
    return !!before && before.rets.includes(-ESRCH) && before.rets.includes(0);
  });
  results.push({
    name: 'NETLINK_NO_ENOBUFS: the overrun listener is not told',
    pass: quiet !== undefined && (!trace || optionOn(NETLINK_NO_ENOBUFS)),
    message:
      quiet === undefined
        ? 'No listener lost part of a burst and then read only messages, without ENOBUFS: turn NETLINK_NO_ENOBUFS on for a listener of its own (step 3).'
        : trace
          ? optionOn(NETLINK_NO_ENOBUFS)
            ? 'A listener with NETLINK_NO_ENOBUFS lost the fifth message and read the four others with no error: netlink_overrun only counted the drop (sk_drops) and marked nothing.'
            : 'A listener read without ENOBUFS, but the trace shows no setsockopt(SOL_NETLINK, NETLINK_NO_ENOBUFS).'
          : `A listener lost part of a burst and read the rest without ENOBUFS.${NO_TRACE}`,
    hints: [
      'Give a second listener, in a group of its own, the option that silences overruns.',
      'setsockopt at level SOL_NETLINK: NETLINK_NO_ENOBUFS = 5, value 1. netlink_overrun checks it before setting sk_err.',
      'const b = await listener(301, 2); await setsockopt(b, SOL_NETLINK, NETLINK_NO_ENOBUFS, 1); broadcast(2, 5); then drain(b).',
    ],
  });

  // 5. NETLINK_BROADCAST_ERROR on the listener: the kernel sender hears -ENOBUFS.
  const told = reports.find((r) => r.rets.includes(-ENOBUFS));
  const failed = flat.find((t) => t.fn === 'netlink_broadcast' && t.ret === -ENOBUFS);
  results.push({
    name: 'NETLINK_BROADCAST_ERROR on the listener: the module gets -ENOBUFS',
    pass: !!told && (!trace || (optionOn(NETLINK_BROADCAST_ERROR) && !!failed)),
    message: !told
      ? 'No netlink_broadcast returned -ENOBUFS yet: turn NETLINK_BROADCAST_ERROR on for a listener of its own and overflow it (step 4).'
      : trace
        ? optionOn(NETLINK_BROADCAST_ERROR) && failed
          ? `netlink_broadcast returned ${fmt(told.rets)}: do_one_broadcast saw the flag on the listener it could not deliver to and set delivery_failure, which wins over "delivered". The listener itself was marked as usual.`
          : 'A report shows -ENOBUFS, but the trace shows no setsockopt(SOL_NETLINK, NETLINK_BROADCAST_ERROR) or no netlink_broadcast returning -105.'
        : `netlink_broadcast returned ${fmt(told.rets)}.${NO_TRACE}`,
    hints: [
      'The option that lets a kernel sender learn about a lost broadcast is set on the listener, not on the sender.',
      'setsockopt at level SOL_NETLINK: NETLINK_BROADCAST_ERROR = 4, value 1; do_one_broadcast reads it on each member it failed.',
      'const c = await listener(302, 3); await setsockopt(c, SOL_NETLINK, NETLINK_BROADCAST_ERROR, 1); broadcast(3, 5); then drain(c).',
    ],
  });
  return results;
}
