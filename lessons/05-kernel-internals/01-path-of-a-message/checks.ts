/**
 * Lesson "The path of a message": the program made netlink_sendmsg's first checks (up to the
 * permission check, which refuses user nobody with EPERM), netlink_unicast, the connected default
 * destination, the size check, netlink_attachskb and a broadcast overrun each refuse a message,
 * and saw the errno Linux gives. Where the simulator's trace is there, the checks ask it which
 * function refused; on a real kernel they judge from the errnos alone and say so.
 */
import type { CheckInput, CheckResult, TraceEntry } from '../../check-api.ts';

const ECONNREFUSED = 111;
const EMSGSIZE = 90;
const EAGAIN = 11;
const ENOBUFS = 105;
const EOPNOTSUPP = 95;
const ENODATA = 61;
const EINVAL = 22;
const EPERM = 1;

const SEND = new Set(['sendto', 'sendmsg', 'write']);
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const NO_TRACE = ' (The kernel trace is unavailable on this kernel: judged from the errnos only.)';

/** Each syscall in the trace: its entry (depth 0) followed by every call it made. */
function syscalls(trace: TraceEntry[]): TraceEntry[][] {
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
const returned = (g: TraceEntry[], fn: string, ret: number) => g.some((t) => t.fn === fn && t.ret === ret);
const called = (g: TraceEntry[], fn: string) => g.some((t) => t.fn === fn);

export default function checks({ events, trace }: CheckInput): CheckResult[] {
  const sends = events.filter((e) => SEND.has(e.syscall));
  const calls = trace ? syscalls(trace).filter((g) => g[0]!.fn === '__sys_sendmsg') : [];
  const results: CheckResult[] = [];

  // 0. the first checks of netlink_sendmsg, given in the starting code, in the kernel's order; the
  // last one, the permission check (netlink_allowed), by a process without CAP_NET_ADMIN.
  const order = [EOPNOTSUPP, ENODATA, EINVAL, EINVAL, EPERM];
  const names: Record<number, string> = {
    [EOPNOTSUPP]: 'EOPNOTSUPP',
    [ENODATA]: 'ENODATA',
    [EINVAL]: 'EINVAL',
    [EPERM]: 'EPERM',
    [ECONNREFUSED]: 'ECONNREFUSED',
  };
  let k = 0;
  for (const e of sends) if (k < order.length && e.errno === order[k]) k++;
  const denied = sends.find((e) => e.errno === EPERM);
  const early = calls.filter((g) => order.map((x) => -x).includes(Number(g[0]!.ret)) && !called(g, 'alloc_skb'));
  const eperm = calls.find((g) => returned(g, 'netlink_sendmsg', -EPERM) && !called(g, 'alloc_skb'));
  results.push({
    name: 'the first checks, in order: EOPNOTSUPP, ENODATA, EINVAL, EINVAL, then EPERM for uid 65534',
    pass: k === order.length && (!trace || (early.length >= order.length && !!eperm)),
    message: !denied
      ? `The sends got ${sends
          .map((e) => (e.errno ? (names[e.errno] ?? e.errno) : 'ok'))
          .slice(0, 7)
          .join(
            ', ',
          )}…: no send was refused with EPERM. The unprivileged process (spawn(…, { uid: 65534 })) must send to a port on NETLINK_ROUTE.`
      : k < order.length
        ? `The sends got ${sends
            .map((e) => (e.errno ? (names[e.errno] ?? e.errno) : 'ok'))
            .slice(0, 7)
            .join(', ')}…: the first five must be EOPNOTSUPP, ENODATA, EINVAL, EINVAL and EPERM, in the kernel's order.`
        : trace
          ? eperm
            ? `netlink_sendmsg refused them before any skb existed — the trace shows ${early.length} refusals with no alloc_skb under them: MSG_OOB, zero bytes, the malformed SCM_CREDENTIALS (scm_send's verdict), the short address, and uid 65534 naming port 4242 on NETLINK_ROUTE (netlink_allowed: no NL_CFG_F_NONROOT_SEND, no CAP_NET_ADMIN).`
            : `The trace shows no netlink_sendmsg returning -EPERM (-1) before alloc_skb.`
          : `The unprivileged process's sends got EOPNOTSUPP, ENODATA, EINVAL, EINVAL and EPERM, in the kernel's order.${NO_TRACE}`,
    hints: [
      'The five sends at the top are given: the spawned process (uid 65534) makes them fail first, each at the next check.',
      'netlink_sendmsg tests the flags, then the length, then the control messages (scm_send), then the address, then the permission: netlink_allowed(sock, NL_CFG_F_NONROOT_SEND), which NETLINK_ROUTE does not set.',
      'Keep the spawn(…, { uid: 65534 }) block before the first socket() as it is: its last send, sendto(route, hello, 0, to(4242)), is the EPERM.',
    ],
  });

  // 1. nobody at the port
  const refused = sends.find((e) => e.errno === ECONNREFUSED);
  const byUnicast = calls.find((g) => returned(g, 'netlink_unicast', -ECONNREFUSED) && !called(g, 'netlink_broadcast'));
  results.push({
    name: 'nobody at the port: ECONNREFUSED from netlink_unicast',
    pass: !!refused && (!trace || !!byUnicast),
    message: !refused
      ? 'No send was refused with ECONNREFUSED yet (step 1).'
      : trace
        ? byUnicast
          ? `netlink_unicast looked the port up, found no socket, and returned -ECONNREFUSED: ${byUnicast.find((t) => t.fn === 'netlink_unicast')!.fn}(${byUnicast.find((t) => t.fn === 'netlink_unicast')!.args}) = -111 in the trace.`
          : 'A send got ECONNREFUSED, but the trace shows no netlink_unicast returning -111 for a send to a port.'
        : `A send was refused with ECONNREFUSED.${NO_TRACE}`,
    hints: [
      'Send a message to a port id that no socket has bound.',
      'netlink_unicast asks netlink_getsockbyportid for the receiver: what does it return when the port is free?',
      'sendto(fd, hello, 0, to(4242)) — nobody binds 4242 in this program.',
    ],
  });

  // 2. the connected default destination: a send refused while the socket is connected
  const connects = events.filter((e) => e.syscall === 'connect' && e.ret === 0);
  const whileConnected =
    connects.length >= 1
      ? sends.find(
          (e) =>
            e.errno === ECONNREFUSED &&
            events.indexOf(e) > events.indexOf(connects[0]!) &&
            (connects.length < 2 || events.indexOf(e) < events.indexOf(connects[1]!)),
        )
      : undefined;
  const connectIdx = connects[0] ? events.indexOf(connects[0]) : -1;
  // The trace's syscalls in order line up with the events of the same process: the connect's
  // __sys_connect is followed by the send's __sys_sendmsg.
  const traced = trace ? syscalls(trace) : [];
  const afterConnect = traced.findIndex((g) => g[0]!.fn === '__sys_connect');
  const peerRefused =
    afterConnect >= 0 ? traced.slice(afterConnect + 1).find((g) => g[0]!.fn === '__sys_sendmsg') : undefined;
  const peerOk = !!peerRefused && returned(peerRefused, 'netlink_unicast', -ECONNREFUSED);
  results.push({
    name: 'no address: the connected peer is the destination',
    pass: !!whileConnected && (!trace || peerOk),
    message:
      connectIdx < 0
        ? 'The program never connected a socket (step 2).'
        : !whileConnected
          ? 'After connect, no send was refused with ECONNREFUSED before the socket was disconnected: send with no address, so netlink_sendmsg takes the connected port.'
          : trace
            ? peerOk
              ? `The first send after connect went to the connected port: the trace shows netlink_unicast(${peerRefused!.find((t) => t.fn === 'netlink_unicast')!.args}) = -111.`
              : 'The first send after connect did not reach netlink_unicast and get -111 there: send right after connecting, with no address.'
            : `A send while the socket was connected was refused with ECONNREFUSED.${NO_TRACE}`,
    hints: [
      'connect() a netlink socket to a port, then send without naming any address.',
      'In netlink_sendmsg, when msg_namelen is 0 the destination comes from nlk->dst_portid and nlk->dst_group, which connect() set.',
      'await connect(fd, to(4242)); then sendto(fd, hello) with no flags and no address; disconnect afterwards with connect(fd, { nl_family: 0, nl_pid: 0, nl_groups: 0 }) (AF_UNSPEC).',
    ],
  });

  // 3. too big for the sender's buffer
  const tooBigAt = sends.findIndex((e) => e.errno === EMSGSIZE);
  const justBefore = tooBigAt > 0 ? sends[tooBigAt - 1] : undefined;
  const passedBefore = !!justBefore && justBefore.errno !== EMSGSIZE;
  const lens = (trace ?? [])
    .filter((t) => t.fn === 'netlink_sendmsg')
    .map((t) => ({ len: Number(/len=(\d+)/.exec(t.args)?.[1]), ret: t.ret }));
  const refusedLen = lens.find((l) => l.ret === -EMSGSIZE)?.len;
  const edge = refusedLen !== undefined && lens.some((l) => l.len === refusedLen - 1 && l.ret !== -EMSGSIZE);
  const beforeAlloc = calls.find(
    (g) => returned(g, 'netlink_sendmsg', -EMSGSIZE) && !called(g, 'alloc_skb') && !called(g, 'netlink_unicast'),
  );
  results.push({
    name: 'too big for the send buffer: EMSGSIZE before any skb exists',
    pass: tooBigAt >= 0 && passedBefore && (!trace || (edge && !!beforeAlloc)),
    message:
      tooBigAt < 0
        ? 'No send was refused with EMSGSIZE yet (step 3).'
        : !passedBefore
          ? 'A send got EMSGSIZE; send one byte less just before it (sk_sndbuf - 32 bytes): that one must pass the size check.'
          : trace
            ? edge && beforeAlloc
              ? `netlink_sendmsg(len=${refusedLen}) returned -EMSGSIZE (-90) before alloc_skb or netlink_unicast ran, while len=${refusedLen! - 1} passed the size check and went on.`
              : `The trace shows netlink_sendmsg refusing len=${refusedLen ?? '?'} but no send of exactly one byte less passing: send sk_sndbuf - 32 bytes, then sk_sndbuf - 31.`
            : `A send got EMSGSIZE; the send just before it passed the size check.${NO_TRACE}`,
    hints: [
      "Make a datagram longer than the sender's buffer allows, right after one exactly as long as it allows.",
      'netlink_sendmsg compares len with sk->sk_sndbuf - 32. setsockopt(SO_SNDBUF, v) stores 2 × v; getsockopt tells you the result.',
      'After setsockopt(fd, SOL_SOCKET, SO_SNDBUF, 4096), read sndbuf back and send new Uint8Array(sndbuf - 32), then new Uint8Array(sndbuf - 31).',
    ],
  });

  // 4. the receiver's queue is full
  const full = sends.findIndex((e) => e.errno === EAGAIN);
  const queuedFirst = full > 0 && sends.slice(0, full).some((e) => e.errno === undefined);
  const attach = calls.find((g) => returned(g, 'netlink_attachskb', -EAGAIN));
  const attachArgs = attach?.find((t) => t.fn === 'netlink_attachskb')?.args;
  results.push({
    name: "the receiver's queue is full: EAGAIN from netlink_attachskb",
    pass: full >= 0 && queuedFirst && (!trace || !!attach),
    message:
      full < 0
        ? 'No send got EAGAIN yet (step 4).'
        : !queuedFirst
          ? 'A send got EAGAIN, but no datagram reached that receiver before it: fill one receiver until it refuses.'
          : trace
            ? attach
              ? `netlink_attachskb returned -EAGAIN (-11) with ${attachArgs}: the next datagram would take sk_rmem_alloc past sk_rcvbuf, and the sender would not wait.`
              : 'A send got EAGAIN, but the trace shows no netlink_attachskb returning -11.'
            : `Datagrams were queued until the receiver was full; the next send got EAGAIN.${NO_TRACE}`,
    hints: [
      'Keep sending to one bound receiver that nobody reads, without waiting, until the kernel says no.',
      "netlink_attachskb charges each skb's truesize to the receiver's sk_rmem_alloc and compares it with sk_rcvbuf; MSG_DONTWAIT makes the sender give up instead of sleeping.",
      'Bind a second socket to port 200, setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1), then loop sendto(fd, hello, MSG_DONTWAIT, to(200)) until it throws EAGAIN.',
    ],
  });

  // 5. a multicast overrun, reported once
  const rx = events.filter((e) => RECV.has(e.syscall));
  const overrun = rx.findIndex((e) => e.errno === ENOBUFS);
  const after =
    overrun >= 0
      ? rx.slice(overrun + 1).find((e) => e.fd === rx[overrun]!.fd && e.pid === rx[overrun]!.pid)
      : undefined;
  const marked = trace?.some((t) => t.fn === 'netlink_overrun');
  results.push({
    name: 'a multicast overrun is reported once: ENOBUFS',
    pass: overrun >= 0 && !!after && after.errno === undefined && (!trace || !!marked),
    message:
      overrun < 0
        ? 'No receive returned ENOBUFS yet (step 5).'
        : !(after && after.errno === undefined)
          ? 'The listener got ENOBUFS; receive on it again: the error is reported once, and the datagrams that did fit come next.'
          : trace
            ? marked
              ? 'do_one_broadcast found the listener full and called netlink_overrun, which set sk_err = ENOBUFS: the first receive reported it, the next read a datagram that had fit.'
              : 'The listener got ENOBUFS, but the trace shows no netlink_overrun.'
            : `The listener's first receive returned ENOBUFS, the next one read a datagram.${NO_TRACE}`,
    hints: [
      'Overflow a listener with multicasts to its group, then read it.',
      'A broadcast never waits: do_one_broadcast calls netlink_overrun on a member with no room, and netlink_recvmsg reports sk_err before any datagram.',
      'Bind a listener to (300, 1 << 0), give it SO_RCVBUF 1, sendto(fd, hello, 0, to(0, 1)) four times, then recvfrom(listener, buf, MSG_DONTWAIT) until EAGAIN.',
    ],
  });
  return results;
}
