/**
 * Lesson "The kernel speaks first": the timer's ticks reach the listener from group 1, the work
 * item's hellos reach port 100, the module reported what it saw when nobody listened, and the
 * kernel log has no complaint about sleeping in atomic context.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const text = (d?: Uint8Array) =>
  d && d.length > 16 ? new TextDecoder().decode(d.subarray(16)).replace(/\0.*$/s, '') : '';

interface Got {
  text: string;
  groups: number;
  port: number;
}

export default function checks({ events, state }: CheckInput): CheckResult[] {
  const got: Got[] = events
    .filter((e: SyscallEvent) => RECV.has(e.syscall) && e.errno === undefined && e.data)
    .map((e) => ({ text: text(e.data), groups: e.addr?.nl_groups ?? 0, port: e.addr?.nl_pid ?? 0 }));
  const ticks = got.filter((g) => g.text.startsWith('tick '));
  const fromGroup = ticks.filter((g) => g.groups === 1);
  const hellos = got.filter((g) => g.text.startsWith('hello '));
  const unicastHellos = hellos.filter((g) => g.groups === 0 && g.port === 0);
  const sawEsrch = ticks.some((g) => / returned -3$/.test(g.text));
  const sawRefused = hellos.some((g) => / returned -111$/.test(g.text));
  const dmesg = (state as { dmesg?: string[] } | undefined)?.dmesg;
  const bugs = (dmesg ?? []).filter((l) => l.includes('BUG:'));

  return [
    {
      name: 'the ticks arrive from group 1',
      pass: fromGroup.length >= 3,
      message:
        fromGroup.length >= 3
          ? `${fromGroup.length} ticks arrived from group mask 0x1: the listener can tell they were broadcast.`
          : ticks.length === 0
            ? 'No tick arrived at all.'
            : `${ticks.length} tick(s) arrived, from group mask 0x${(ticks[0]!.groups >>> 0).toString(16)}: to the listener they look like unicasts from the kernel.`,
      hints: [
        "recvfrom() reports the group a datagram was broadcast to in the source address's nl_groups, and it reads that from the skb, not from netlink_broadcast()'s arguments.",
        'netlink_recvmsg() sets nl_groups from NETLINK_CB(skb).dst_group: who sets it before the broadcast?',
        'Set NETLINK_CB(skb).dst_group = TICKER_GROUP before netlink_broadcast() (nlmsg_multicast() does both in one call).',
      ],
    },
    {
      name: 'the hellos arrive at port 100',
      pass: unicastHellos.length >= 3,
      message:
        unicastHellos.length >= 3
          ? `${unicastHellos.length} hellos arrived from port 0, the kernel, as unicasts.`
          : `${unicastHellos.length} hello(s) arrived; the listener expects one after each of the last three ticks.`,
      hints: [
        'The module never sends to port 100: the TODO in ticker_tick() is still open.',
        'The unicast may run in the timer, but the lesson wants it where sleeping is allowed: a work item (INIT_WORK in init, schedule_work in the timer, cancel_work_sync in exit).',
        'In a function ticker_hello(w), build the message with ticker_msg(TICKER_MSG_HELLO, `hello ${ticks}: the last unicast returned ${last_unicast}`, GFP_KERNEL) and keep what netlink_unicast(nl_sk, skb, TICKER_PORT, MSG_DONTWAIT) returns in last_unicast.',
      ],
    },
    {
      name: 'the module saw nobody listening',
      pass: sawEsrch && sawRefused,
      message:
        sawEsrch && sawRefused
          ? "The first tick's broadcast returned -3 (ESRCH: no member in the group) and its unicast -111 (ECONNREFUSED: nobody bound at port 100)."
          : `Reported: broadcast -3 ${sawEsrch ? 'seen' : 'not seen'}, unicast -111 ${sawRefused ? 'seen' : 'not seen'} (the messages say what the previous send returned).`,
      hints: [
        'The first tick comes 1 s after insmod, while the program still sleeps: that send has no receiver, and the next message should say what it returned.',
        "Keep netlink_unicast()'s return value in last_unicast and put it in the next hello's text, as the tick does with last_broadcast.",
        'last_unicast = netlink_unicast(nl_sk!, skb, TICKER_PORT, MSG_DONTWAIT);',
      ],
    },
    {
      name: 'nothing sleeps in atomic context',
      pass: dmesg === undefined || bugs.length === 0,
      message:
        dmesg === undefined
          ? 'This kernel gives the checks no kernel log, so this check is not judged here (run on the simulated kernel to read its log).'
          : bugs.length === 0
            ? 'The kernel log has no BUG: the timer allocates with GFP_ATOMIC, the work item with GFP_KERNEL.'
            : `The kernel log says: "${bugs[0]}"${bugs.length > 1 ? ` (and ${bugs.length - 1} more BUG line(s))` : ''}.`,
      hints: [
        'A timer callback runs in softirq context, where nothing may sleep; a GFP_KERNEL allocation may sleep to reclaim memory.',
        'Look at every allocation the timer callback makes: nlmsg_new() and netlink_broadcast() (which clones the skb for each listener) both take gfp flags.',
        'Pass GFP_ATOMIC to nlmsg_new() and netlink_broadcast() in ticker_tick(); keep GFP_KERNEL in the work item.',
      ],
    },
  ];
}
