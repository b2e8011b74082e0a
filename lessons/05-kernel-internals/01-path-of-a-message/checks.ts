/**
 * Lesson "The path of a message": the program made netlink_unicast, the size check,
 * netlink_attachskb and a broadcast overrun each refuse a message, and saw the errno Linux gives.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const ECONNREFUSED = 111;
const EMSGSIZE = 90;
const EAGAIN = 11;
const ENOBUFS = 105;

const sends = (events: SyscallEvent[]) => events.filter((e) => e.syscall === 'sendto' || e.syscall === 'sendmsg');
const receives = (events: SyscallEvent[]) => events.filter((e) => e.syscall === 'recvfrom' || e.syscall === 'recvmsg');

export default function checks({ events }: CheckInput): CheckResult[] {
  const refused = sends(events).find((e) => e.errno === ECONNREFUSED);
  const tooBig = sends(events).find((e) => e.errno === EMSGSIZE);
  const full = sends(events).findIndex((e) => e.errno === EAGAIN);
  const queuedFirst = full > 0 && sends(events).slice(0, full).some((e) => e.errno === undefined);
  const rx = receives(events);
  const overrun = rx.findIndex((e) => e.errno === ENOBUFS);
  const after = overrun >= 0 ? rx.slice(overrun + 1).find((e) => e.fd === rx[overrun]!.fd) : undefined;

  return [
    {
      name: 'nobody at the port: ECONNREFUSED',
      pass: !!refused,
      message: refused
        ? 'netlink_unicast found no socket bound to the port and refused the datagram with ECONNREFUSED.'
        : 'No send was refused with ECONNREFUSED yet: send to a port id that no socket has bound (step 1).',
    },
    {
      name: 'too big for the send buffer: EMSGSIZE',
      pass: !!tooBig,
      message: tooBig
        ? 'netlink_sendmsg refused a datagram longer than sk_sndbuf - 32 with EMSGSIZE, before looking for a receiver.'
        : 'No send was refused with EMSGSIZE yet: shrink SO_SNDBUF, read it back, and send sk_sndbuf - 31 bytes (step 2).',
    },
    {
      name: 'the receiver\'s queue is full: EAGAIN',
      pass: full >= 0 && queuedFirst,
      message: full >= 0 && queuedFirst
        ? 'Datagrams were queued until the receiver\'s sk_rmem_alloc passed its sk_rcvbuf; then netlink_attachskb answered EAGAIN to a sender that would not wait.'
        : full >= 0 ? 'A send got EAGAIN, but no datagram was queued before it: send to a bound receiver with MSG_DONTWAIT until EAGAIN (step 3).'
          : 'No send got EAGAIN yet: give a bound receiver the smallest SO_RCVBUF and send to it with MSG_DONTWAIT until the kernel refuses (step 3).',
    },
    {
      name: 'a multicast overrun is reported once: ENOBUFS',
      pass: overrun >= 0 && !!after && after.errno === undefined,
      message: overrun < 0
        ? 'No receive returned ENOBUFS yet: overflow a small listener with multicasts to its group, then read it (step 4).'
        : after && after.errno === undefined
          ? 'The listener\'s first receive returned ENOBUFS (the datagrams do_one_broadcast had to drop); the next one read a datagram that did fit.'
          : 'The listener got ENOBUFS; receive again on it: the error is reported once, and the datagrams that fit come next.',
    },
  ];
}
