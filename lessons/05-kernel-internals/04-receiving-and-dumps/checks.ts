/**
 * Lesson "What a receive hands back": source address and group, NETLINK_PKTINFO, SCM_CREDENTIALS,
 * MSG_TRUNC (a short buffer, and MSG_PEEK|MSG_TRUNC to size a datagram), and a dump that goes on
 * only as the reader drains its queue below half of the receive buffer. Decided from the
 * receives (their bytes, addresses, msg_flags and control messages); with the simulator's trace
 * also from where netlink_dump was called.
 */
import type { CheckInput, CheckResult, TraceEntry } from '../../check-api.ts';
import { parseNlmsgs } from 'netlink-lab/user';

const NETLINK_FLOOD = 27;
const NL_FLOOD_DATA = 0x13;
const NLMSG_DONE = 3;
const NLM_F_MULTI = 2;
const SOL_SOCKET = 1;
const SCM_CREDENTIALS = 2;
const SOL_NETLINK = 270;
const NETLINK_PKTINFO = 3;
const MSG_TRUNC = 0x20;
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const NO_TRACE = ' (The kernel trace is unavailable on this kernel: judged from the syscalls only.)';

type Ev = CheckInput['events'][number] & { protocol?: number };

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
const num = (args: string, key: string) => Number(new RegExp(`${key}=(-?\\d+)`).exec(args)?.[1]);
const cmsg = (e: Ev, level: number, type: number) =>
  e.control?.find((c) => c.cmsg_level === level && c.cmsg_type === type);
const u32 = (d: Uint8Array, at = 0) => new DataView(d.buffer, d.byteOffset, d.byteLength).getInt32(at, true);

export default function checks({ events, trace }: CheckInput): CheckResult[] {
  const evs = events as Ev[];
  const recvs = evs.filter((e) => RECV.has(e.syscall) && e.protocol === NETLINK_FLOOD);
  const results: CheckResult[] = [];

  // 1. the source address: (0, group bit) from the kernel's broadcast, (port, 0) from a process.
  const fromGroup = recvs.find((e) => e.errno === undefined && e.addr?.nl_pid === 0 && e.addr.nl_groups === 1);
  const fromPort = recvs.find((e) => e.errno === undefined && e.addr && e.addr.nl_pid !== 0 && e.addr.nl_groups === 0);
  results.push({
    name: 'the source address: port and group of the sender',
    pass: !!fromGroup && !!fromPort,
    message:
      fromGroup && fromPort
        ? `The module's broadcast came from (0, 0x1) — port 0 is the kernel, 0x1 the bit of group 1; the process's unicast from (${fromPort.addr!.nl_pid}, 0): netlink_recvmsg copies NETLINK_CB(skb).portid and the mask of dst_group.`
        : "Not both seen: receive the module's broadcast to group 1 and the peer's unicast with recvmsg, and look at the source address (part A of the starting code).",
    hints: [
      'Part A is given: a broadcast from the module and a unicast from the peer to rx.',
      "recvmsg returns `from`, a sockaddr_nl: nl_pid is the sender's port id, nl_groups the bit of the group it was sent to.",
      'Keep the two receive(...) calls of part A.',
    ],
  });

  // 2. NETLINK_PKTINFO: the group number as a control message.
  const pkt = recvs.find((e) => {
    const c = cmsg(e, SOL_NETLINK, NETLINK_PKTINFO);
    return !!c && u32(c.data) === 1;
  });
  const pktOn = trace
    ? trees(trace).some(
        (g) =>
          g[0]!.fn === '__sys_setsockopt' &&
          num(g[0]!.args, 'level') === SOL_NETLINK &&
          num(g[0]!.args, 'optname') === NETLINK_PKTINFO &&
          g[0]!.ret === 0,
      )
    : true;
  results.push({
    name: 'NETLINK_PKTINFO: the group as a number',
    pass: !!pkt && pktOn,
    message: pkt
      ? 'A receive carried a NETLINK_PKTINFO control message (level 270, type 3) saying group 1: the group number itself, which works for groups above 32 too, where nl_groups has no bit.'
      : 'No receive carried a NETLINK_PKTINFO control message with group 1 (step 1).',
    hints: [
      'Ask the socket to report the destination group of each message as a control message.',
      'setsockopt(rx, SOL_NETLINK, NETLINK_PKTINFO, 1); recvmsg then returns a cmsg of level SOL_NETLINK, type NETLINK_PKTINFO holding a u32 group.',
      'await setsockopt(rx, SOL_NETLINK, NETLINK_PKTINFO, 1); before the first receive.',
    ],
  });

  // 3. SCM_CREDENTIALS: who sent it, as NETLINK_CB(skb).creds.
  const kernelCreds = recvs.find((e) => {
    const c = cmsg(e, SOL_SOCKET, SCM_CREDENTIALS);
    return !!c && e.addr?.nl_pid === 0 && u32(c.data) === 0;
  });
  const userCreds = recvs.find((e) => {
    const c = cmsg(e, SOL_SOCKET, SCM_CREDENTIALS);
    return !!c && e.addr !== undefined && e.addr.nl_pid !== 0 && u32(c.data) !== 0;
  });
  results.push({
    name: "SCM_CREDENTIALS: the sender's pid and uid",
    pass: !!kernelCreds && !!userCreds,
    message:
      kernelCreds && userCreds
        ? `The kernel's messages carry pid 0, the process's unicast pid ${u32(cmsg(userCreds, SOL_SOCKET, SCM_CREDENTIALS)!.data)} uid ${u32(cmsg(userCreds, SOL_SOCKET, SCM_CREDENTIALS)!.data, 4)}: the credentials netlink_sendmsg stamped into NETLINK_CB(skb).creds.`
        : "No SCM_CREDENTIALS control message seen on both the kernel's message and the process's unicast (step 1).",
    hints: [
      "Ask the socket for the sender's credentials with every message.",
      'SO_PASSCRED at level SOL_SOCKET; the cmsg is SOL_SOCKET / SCM_CREDENTIALS, a struct ucred { pid, uid, gid }.',
      'await setsockopt(rx, SOL_SOCKET, SO_PASSCRED, 1); next to the NETLINK_PKTINFO line.',
    ],
  });

  // 4. MSG_TRUNC: a short buffer loses the rest; MSG_PEEK|MSG_TRUNC with no buffer sizes the next one.
  const cut = recvs.find(
    (e) => e.errno === undefined && (e.msg_flags ?? 0) & MSG_TRUNC && e.data && e.ret === e.data.length && e.ret > 0,
  );
  const peekAt = recvs.findIndex(
    (e) => e.errno === undefined && e.data !== undefined && e.data.length === 0 && (e.ret ?? 0) > 0,
  );
  const peek = peekAt >= 0 ? recvs[peekAt] : undefined;
  const taken = peek ? recvs.slice(peekAt + 1).find((e) => e.fd === peek.fd && e.pid === peek.pid) : undefined;
  const sized =
    !!peek &&
    !!taken &&
    taken.ret === peek.ret &&
    taken.data?.length === peek.ret &&
    !((taken.msg_flags ?? 0) & MSG_TRUNC);
  const hexFlags = (args: string) => parseInt(/flags=0x([0-9a-f]+)/.exec(args)?.[1] ?? '0', 16);
  const peekTrace = trace?.find(
    (t) =>
      t.fn === 'netlink_recvmsg' &&
      num(t.args, 'len') === 0 &&
      (hexFlags(t.args) & 0x22) === 0x22 &&
      Number(t.ret ?? 0) > 0,
  );
  results.push({
    name: 'MSG_TRUNC: cut short, or sized first with MSG_PEEK',
    pass: !!cut && sized && (!trace || !!peekTrace),
    message: !cut
      ? 'No receive came back cut short with MSG_TRUNC in msg_flags (part B of the starting code: keep the 100-byte receive).'
      : !sized
        ? `A ${cut.ret}-byte receive was cut short (MSG_TRUNC in msg_flags; the rest of that datagram is gone). Now size the next one: receive into 0 bytes with MSG_PEEK | MSG_TRUNC, then receive it with a buffer of the length that returned (step 2).`
        : trace
          ? `netlink_recvmsg(${peekTrace!.args}) returned ${peekTrace!.ret}: with MSG_TRUNC in the flags it returns the datagram's full length, and MSG_PEEK left it queued; the next receive took all ${taken!.ret} bytes.`
          : `A 0-byte peek returned ${peek!.ret}, and the next receive took all ${taken!.ret} bytes.${NO_TRACE}`,
    hints: [
      'Find out how long the next datagram is before you receive it, without losing it.',
      'MSG_PEEK leaves the datagram queued; MSG_TRUNC as a *flag* makes recv return the full length even if the buffer is shorter — even 0 bytes.',
      "await receive('peek', 0, MSG_PEEK | MSG_TRUNC) prints 1000 bytes; then await receive('sized', 1000).",
    ],
  });

  // 5. the dump: all records and DONE, continued by netlink_recvmsg as the queue drains.
  const dumpRecvs = recvs.filter((e) => e.data && parseNlmsgs(e.data).some((m) => m.nlmsg_flags & NLM_F_MULTI));
  const records = new Set<number>();
  let done = false;
  for (const e of dumpRecvs) {
    for (const m of parseNlmsgs(e.data!)) {
      if (m.nlmsg_type === NL_FLOOD_DATA && m.payload.length >= 4) records.add(u32(m.payload));
      if (m.nlmsg_type === NLMSG_DONE) done = true;
    }
  }
  const parts = dumpRecvs.length;
  let fromRecv: TraceEntry[] = [];
  let idle = 0;
  if (trace) {
    const t = trees(trace);
    const started = t.findIndex((g) => g.some((x) => x.fn === '__netlink_dump_start'));
    let last = -1;
    t.forEach((g, i) => {
      if (started >= 0 && i > started && g.some((x) => x.fn === 'netlink_dump')) last = i;
    });
    // The receives from the dump's start to the last one that continued it.
    const during = last > started ? t.slice(started + 1, last + 1).filter((g) => g[0]!.fn === '__sys_recvmsg') : [];
    fromRecv = during.flatMap((g) => g.filter((x) => x.fn === 'netlink_dump'));
    idle = during.filter((g) => !g.some((x) => x.fn === 'netlink_dump')).length;
  }
  const belowHalf = fromRecv.length > 0 && fromRecv.every((x) => num(x.args, 'rmem') <= num(x.args, 'rcvbuf') / 2);
  const complete = records.size === 20 && done;
  results.push({
    name: 'a dump goes on as the reader drains its queue',
    pass: complete && parts >= 2 && (!trace || (belowHalf && idle > 0)),
    message: !complete
      ? `${records.size} of the dump's 20 records${done ? ' and NLMSG_DONE' : ', no NLMSG_DONE'} were received in ${parts} receive(s): keep receiving until NLMSG_DONE (step 3).`
      : trace
        ? belowHalf && idle > 0
          ? `All 20 records and NLMSG_DONE came in ${parts} receives. netlink_dump ran ${fromRecv.length} more time(s) from netlink_recvmsg, each with the queue at or below half of sk_rcvbuf (${fromRecv.map((x) => `rmem ${num(x.args, 'rmem')}`).join(', ')} of ${num(fromRecv[0]!.args, 'rcvbuf')}); ${idle} receive(s) in between left the dump waiting, the queue still being above half.`
          : "The dump arrived whole, but the trace does not show receives that left it waiting (queue above half) and receives that continued it: keep the peer's nine datagrams in front of the dump."
        : `All 20 records and NLMSG_DONE came in ${parts} receives.${NO_TRACE}`,
    hints: [
      'One receive gets one part of the dump; the kernel makes the next part only when you read.',
      'netlink_recvmsg calls netlink_dump after taking a datagram if a dump is running and sk_rmem_alloc <= sk_rcvbuf / 2. Loop until a message of type NLMSG_DONE.',
      'for (;;) { const { n } = await recvfrom(d, buf); const msgs = parseNlmsgs(buf.subarray(0, n)); … if (msgs.some((m) => m.nlmsg_type === NLMSG_DONE)) break; }',
    ],
  });
  return results;
}
