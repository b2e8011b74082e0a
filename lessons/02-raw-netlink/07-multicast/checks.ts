/**
 * Lesson "Multicast from user space": each group's message reaches every member of that group
 * (one send per group: only the lowest bit of nl_groups counts), a group above 32 is joined with
 * NETLINK_ADD_MEMBERSHIP, and an unprivileged process is refused what the protocol's flags forbid.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';

const EPERM = 1;
const key = (d?: Uint8Array) => (d ? [...d.subarray(16)].join(',') : '');

export default function checks({ events }: CheckInput): CheckResult[] {
  // Datagrams received from group 3, except those also addressed to a port (the skipping demo).
  // A send to groups with nl_pid 0 fails with ECONNREFUSED after delivering, so its bytes are
  // not recorded: the datagrams are told apart from those that went to a port as well.
  const toPort = new Set(
    events
      .filter((e) => e.syscall === 'sendto' && e.errno === undefined && e.addr && e.addr.nl_pid !== 0 && e.data)
      .map((e) => key(e.data)),
  );
  const group3Receivers = new Set(
    events
      .filter(
        (e) =>
          (e.syscall === 'recvfrom' || e.syscall === 'recvmsg') &&
          e.errno === undefined &&
          e.addr?.nl_groups === 0x4 &&
          !toPort.has(key(e.data)),
      )
      .map((e) => `${e.pid}/${e.fd}`),
  );

  const high = events.find(
    (e) =>
      e.syscall === 'setsockopt' &&
      e.ret === 0 &&
      /optname=1, value=(\d+)/.test(e.args ?? '') &&
      Number(/value=(\d+)/.exec(e.args!)![1]) > 32,
  );
  // The main process is the one that made most of the calls; the spawned one is the others.
  const calls = new Map<number, number>();
  for (const e of events) calls.set(e.pid, (calls.get(e.pid) ?? 0) + 1);
  const mainPid = [...calls].sort((x, y) => y[1] - x[1])[0]?.[0];
  const refused = events.filter((e) => e.pid !== mainPid && e.errno === EPERM);
  const bindRefused = refused.some((e) => e.syscall === 'bind');
  const sendRefused = refused.some((e) => e.syscall === 'sendto' || e.syscall === 'sendmsg');

  return [
    {
      name: 'every member of group 3 hears group 3',
      pass: group3Receivers.size >= 2,
      message:
        group3Receivers.size >= 2
          ? `A datagram sent to group 3 reached ${group3Receivers.size} sockets, a and b, from group mask 0x4.`
          : `${group3Receivers.size} socket(s) received a datagram sent to group 3 alone: b and a should both hear it.`,
      hints: [
        'a received "to 2 and 3?" from group 2 (0x2); b, which joined only group 3, received nothing: the send reached one group, not two.',
        'netlink_sendmsg() computes the destination group as dst_group = ffs(addr->nl_groups): the lowest set bit, one group.',
        'Send once per group: for each g of [2, 3], sendto(sender, …, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(g) }).',
      ],
    },
    {
      name: 'a group above 32 is joined',
      pass: !!high,
      message: high
        ? `setsockopt(NETLINK_ADD_MEMBERSHIP) joined group ${/value=(\d+)/.exec(high.args!)![1]}.`
        : 'No socket joined a group above 32.',
      hints: [
        'The list printed for the NETLINK_ROUTE socket does not say 33: look at what group(33) is — 1 << 32 is 1 in JavaScript (and in C it is undefined, on x86 also 1).',
        'nl_groups has 32 bits, one per group from 1 to 32; groups above that have no bit. NETLINK_ADD_MEMBERSHIP takes the group number instead.',
        'await setsockopt(route, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 33) instead of the bind.',
      ],
    },
    {
      name: 'an unprivileged process is refused',
      pass: bindRefused && sendRefused,
      message:
        bindRefused && sendRefused
          ? 'The unprivileged process was refused a USERSOCK group (bind: EPERM) and a send to a ROUTE group (EPERM), and allowed the rest.'
          : refused.length
            ? `The spawned process got EPERM from ${refused.map((e) => e.syscall).join(', ')} only.`
            : 'No spawned process was refused anything: it still runs as root.',
      hints: [
        'Root may join and send to every group; only a process without privileges shows what each protocol allows.',
        'spawn(main, options) takes { uid }: 65534 is "nobody".',
        "spawn(async () => { … }, { uid: 65534, name: 'nobody' }).",
      ],
    },
  ];
}
