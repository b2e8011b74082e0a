/**
 * Lesson "Full receivers": a non-blocking sender gets EAGAIN and nothing more; a blocking sender
 * sleeps until the reader drains; SO_SNDTIMEO ends the wait with EAGAIN; a kernel sender's drop
 * (nlmsg_unicast never waits) marks the receiver, whose next read fails with ENOBUFS. With the
 * simulator's trace the checks also ask netlink_attachskb and netlink_overrun; without one they
 * judge from the syscalls and say so.
 */
import type { CheckInput, CheckResult, TraceEntry } from '../../check-api.ts';
import { parseNlmsgs } from 'netlink-lab/user';

const EAGAIN = 11;
const ENOBUFS = 105;
const NETLINK_USERSOCK = 2;
const NETLINK_FLOOD = 27;
const NL_FLOOD_REPORT = 0x14;

const SEND = new Set(['sendto', 'sendmsg', 'write']);
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const NO_TRACE = ' (The kernel trace is unavailable on this kernel: judged from the syscalls only.)';

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
/** The calls made directly or indirectly by entry i of a tree. */
function under(g: TraceEntry[], i: number): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (let j = i + 1; j < g.length && g[j]!.depth > g[i]!.depth; j++) out.push(g[j]!);
  return out;
}

type Ev = CheckInput['events'][number] & { protocol?: number };

export default function checks({ events, trace }: CheckInput): CheckResult[] {
  const evs = events as Ev[];
  const sends = evs.filter((e) => SEND.has(e.syscall));
  const recvs = evs.filter((e) => RECV.has(e.syscall));
  const all = trace ? trees(trace) : [];
  const results: CheckResult[] = [];

  // 1. non-blocking sender: EAGAIN, and the receiver is not told (ssk is a user socket).
  // The first EAGAIN on NETLINK_USERSOCK (step 1 comes before the SO_SNDTIMEO one of step 3; their
  // durations tell nothing on a busy real machine, where even a non-blocking call can take 50 ms).
  const nb = sends.find((e) => e.errno === EAGAIN && e.protocol === NETLINK_USERSOCK);
  const userDrop = all
    .flatMap((g) => g.map((t, i) => ({ t, below: under(g, i) })))
    .find(
      ({ t, below }) =>
        t.fn === 'netlink_attachskb' &&
        t.ret === -EAGAIN &&
        !below.some((b) => b.fn === 'netlink_overrun') &&
        /rcvbuf=2304/.test(t.args),
    );
  const userSockRecvErr = recvs.some((e) => e.protocol === NETLINK_USERSOCK && e.errno === ENOBUFS);
  results.push({
    name: 'a sender that will not wait: EAGAIN, and the receiver is not told',
    pass: !!nb && !userSockRecvErr && (!trace || !!userDrop),
    message: !nb
      ? `No MSG_DONTWAIT send to the full receiver got EAGAIN (step 1 of the starting code: keep it); the NETLINK_USERSOCK sends got ${
          sends
            .filter((e) => e.protocol === NETLINK_USERSOCK)
            .map((e) => e.errno ?? e.ret)
            .join(', ') || 'nothing'
        }.`
      : userSockRecvErr
        ? "A NETLINK_USERSOCK receive returned ENOBUFS: a user sender's EAGAIN should leave the receiver unmarked."
        : trace
          ? `netlink_attachskb(${userDrop!.t.args}) = -11 and called no netlink_overrun: a user sender that will not wait is told, the receiver is not.`
          : `The non-blocking send got EAGAIN, and the receiver never got ENOBUFS.${NO_TRACE}`,
    hints: [
      'Step 1 is given: send to the full receiver with MSG_DONTWAIT.',
      'netlink_attachskb calls netlink_overrun only when the sender (ssk) is a kernel socket or missing.',
      'Keep `sendto(tx, datagram, MSG_DONTWAIT, to(200))` as the starting code has it.',
    ],
  });

  // 2. blocking sender sleeps until another process reads.
  // The first send that succeeded after step 1's EAGAIN: it met the same full receiver, so it
  // either slept until another process read, or came too late to need to.
  const blocked = nb
    ? sends.find(
        (e) =>
          events.indexOf(e) > events.indexOf(nb) &&
          e.protocol === NETLINK_USERSOCK &&
          e.errno === undefined &&
          e.start !== undefined,
      )
    : undefined;
  // The reader's receive began while the sender slept. (Its return and the sender's are one
  // wake-up apart; on a real kernel either can be recorded first.)
  const drained = blocked
    ? recvs.find(
        (e) =>
          e.pid !== blocked.pid &&
          e.errno === undefined &&
          (e.start ?? e.time) >= blocked.start! &&
          (e.start ?? e.time) <= blocked.time,
      )
    : undefined;
  const retried = all.find(
    (g) =>
      g[0]!.fn === 'netlink_unicast' &&
      /nonblock=0/.test(g[0]!.args) &&
      Number(g[0]!.ret ?? -1) >= 0 &&
      g.some((t) => t.fn === 'netlink_attachskb' && t.ret === 0),
  );
  results.push({
    name: 'a blocking sender sleeps until the reader drains',
    pass: !!blocked && !!drained && (!trace || !!retried),
    message: !blocked
      ? 'No send to the full receiver succeeded after step 1: send without MSG_DONTWAIT while another process reads it 50 ms later (step 2).'
      : !drained
        ? `A send succeeded after ${(blocked.time - blocked.start!).toFixed(0)} ms, but no other process started reading while it waited: spawn the reader first, then send without MSG_DONTWAIT.`
        : trace
          ? `The send slept ${(blocked.time - blocked.start!).toFixed(0)} ms in netlink_attachskb; when process ${drained.pid}'s read made room, netlink_unicast tried again and netlink_attachskb(${retried!.find((t) => t.fn === 'netlink_attachskb')!.args}) = 0 let it in.`
          : `The send slept ${(blocked.time - blocked.start!).toFixed(0)} ms and returned once process ${drained.pid} had read.${NO_TRACE}`,
    hints: [
      'Send to the full receiver without MSG_DONTWAIT, while a second process reads from it a little later.',
      'spawn() runs a function as another process; in it, sleep(50) and then recvfrom(rx, …). The blocking sendto returns only when there is room.',
      'const reader = await spawn(async () => { await sleep(50); await recvfrom(rx, new Uint8Array(4096)); }); then sendto(tx, datagram, 0, to(200)); then waitpid(reader).',
    ],
  });

  // 3. SO_SNDTIMEO ends the wait.
  const timedOut = sends.find((e) => e.errno === EAGAIN && e.start !== undefined && e.time - e.start >= 95);
  const lastLook = all.find(
    (g) =>
      g[0]!.fn === 'netlink_unicast' &&
      /nonblock=1/.test(g[0]!.args) &&
      g[0]!.ret === -EAGAIN &&
      g.some((t) => t.fn === 'netlink_attachskb' && t.ret === -EAGAIN),
  );
  results.push({
    name: 'SO_SNDTIMEO ends the wait: EAGAIN after the timeout',
    pass: !!timedOut && (!trace || !!lastLook),
    message: !timedOut
      ? 'No send got EAGAIN after waiting about 100 ms: set SO_SNDTIMEO on the sender and send to the full receiver while nobody reads (step 3).'
      : trace
        ? `The send waited ${(timedOut.time - timedOut.start!).toFixed(0)} ms; then netlink_unicast looked once more with the timeout spent, and netlink_attachskb answered -EAGAIN.`
        : `The send waited ${(timedOut.time - timedOut.start!).toFixed(0)} ms and got EAGAIN.${NO_TRACE}`,
    hints: [
      'Limit how long the sender may wait, then send to the full receiver with nobody reading.',
      "SO_SNDTIMEO takes a struct timeval (16 bytes: tv_sec, tv_usec); the starting code's timeval(ms) builds one.",
      'await setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(100)); then sendto(tx, datagram, 0, to(200)) gets EAGAIN after 100 ms.',
    ],
  });

  // 4. kernel sender: nlmsg_unicast never waits; the drop marks the receiver.
  let report: number[] | undefined;
  for (const e of recvs) {
    if (e.protocol !== NETLINK_FLOOD || !e.data) continue;
    const m = parseNlmsgs(e.data).find((x) => x.nlmsg_type === NL_FLOOD_REPORT);
    if (m) {
      const v = new DataView(m.payload.buffer, m.payload.byteOffset, m.payload.byteLength);
      report = Array.from({ length: m.payload.length >> 2 }, (_, i) => v.getInt32(4 * i, true));
    }
  }
  const victim = recvs.findIndex((e) => e.protocol === NETLINK_FLOOD && e.errno === ENOBUFS);
  const next =
    victim >= 0
      ? recvs.slice(victim + 1).find((e) => e.fd === recvs[victim]!.fd && e.pid === recvs[victim]!.pid)
      : undefined;
  const kernelDrop = all
    .flatMap((g) => g.map((t, i) => ({ t, below: under(g, i), g })))
    .find(
      ({ t, below, g }) =>
        t.fn === 'netlink_attachskb' &&
        t.ret === -EAGAIN &&
        below.some((b) => b.fn === 'netlink_overrun') &&
        g.some((x) => x.fn === 'nl_flood_rcv'),
    );
  const refusedByKernel = !!report && report.some((r) => r === -EAGAIN);
  results.push({
    name: 'nlmsg_unicast never waits, and its drop marks the receiver: ENOBUFS',
    pass: refusedByKernel && victim >= 0 && !!next && next.errno === undefined && (!trace || !!kernelDrop),
    message: !report
      ? 'No NL_FLOOD_REPORT was received: ask nl_flood for NL_FLOOD_UNICAST to port 300 and read its report on the ctl socket (step 4).'
      : !refusedByKernel
        ? `nlmsg_unicast returned ${report.join(', ')}: none was refused. Give port 300 the smallest SO_RCVBUF and ask for three 1000-byte messages.`
        : victim < 0
          ? `nlmsg_unicast returned ${report.join(', ')}; now receive on port 300's socket: what does its first receive say?`
          : !(next && next.errno === undefined)
            ? "Port 300's first receive returned ENOBUFS; receive again: the message that fit is still queued."
            : trace
              ? `nlmsg_unicast returned ${report.join(', ')}: the module never waited. netlink_attachskb(${kernelDrop!.t.args}) = -11 called netlink_overrun because the sender is a kernel socket; port 300's next read got ENOBUFS, the read after it the message that fit.`
              : `nlmsg_unicast returned ${report.join(', ')}; port 300's first read got ENOBUFS, the next one the message that fit.${NO_TRACE}`,
    hints: [
      'Have the module flood a small receiver, read what each nlmsg_unicast returned, then read the receiver.',
      'The request is an nlmsg of type NL_FLOOD_UNICAST with NLM_F_REQUEST, payload floodRequest(300, 3, 984), sent to port 0 from ctl; the report is an NL_FLOOD_REPORT message whose payload is one s32 per message.',
      'sendto(ctl, nlmsg({ type: NL_FLOOD_UNICAST, flags: NLM_F_REQUEST, seq: 1, payload: floodRequest(300, 3, 984) }), 0, to(0)); recvfrom(ctl, buf) and parseNlmsgs; then recvfrom(victim, buf, MSG_DONTWAIT) until EAGAIN.',
    ],
  });
  return results;
}
