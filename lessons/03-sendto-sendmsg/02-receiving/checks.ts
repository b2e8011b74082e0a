/**
 * Lesson "Receiving": every datagram is read, one per call, until a non-blocking receive says
 * EAGAIN; SO_RCVTIMEO bounds a blocking receive; SO_SNDTIMEO bounds a send to a full receiver,
 * which sends all of a datagram or nothing.
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';
import type { SyscallEvent } from '../../../src/api/observe.ts';

const EAGAIN = 11;
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const SEND = new Set(['sendto', 'sendmsg', 'write']);
const waited = (e: SyscallEvent) => e.time - (e.start ?? e.time);

export default function checks({ events }: CheckInput): CheckResult[] {
  const recvs = events.filter((e) => RECV.has(e.syscall));
  const sends = events.filter((e) => SEND.has(e.syscall));
  const okRecvs = recvs.filter((e) => e.errno === undefined && (e.ret ?? 0) > 0);
  const firstSizes = okRecvs.slice(0, 3).map((e) => e.ret);
  const quickEagain = recvs.find((e) => e.errno === EAGAIN && waited(e) < 10);
  const drainedFirst = !!quickEagain && okRecvs.filter((e) => e.time <= quickEagain.time).length >= 3;
  const rcvtimeo =
    events.some((e) => e.syscall === 'setsockopt' && e.ret === 0) &&
    recvs.find((e) => e.errno === EAGAIN && waited(e) >= 200);
  const sndEagain = sends.find((e) => e.errno === EAGAIN && waited(e) >= 80);
  const fullSends = sndEagain
    ? sends.filter((e) => e.errno === undefined && e.time <= sndEagain.time && (e.ret ?? 0) > 100)
    : [];
  const lastDrain = sndEagain ? okRecvs.filter((e) => e.time >= sndEagain.time) : [];
  const whole = !!sndEagain && lastDrain.length > 0 && lastDrain.every((e) => fullSends.some((s) => s.ret === e.ret));

  return [
    {
      name: 'one datagram per receive, until EAGAIN',
      pass: drainedFirst,
      message: drainedFirst
        ? `Three receives returned ${firstSizes.join(', ')} bytes — one datagram each — and the next, with MSG_DONTWAIT, said EAGAIN at once.`
        : `${okRecvs.length} receive(s) returned data (${okRecvs.map((e) => e.ret).join(', ') || 'none'} bytes)${quickEagain ? '' : ', and no non-blocking receive has said EAGAIN yet'}.`,
      hints: [
        'A 4096-byte read got one 20-byte datagram, not the 80 bytes written: a datagram socket hands out one datagram per call, whatever the buffer size.',
        'Keep receiving until the queue is empty; without MSG_DONTWAIT the receive after the last datagram would sleep for ever.',
        'Loop on recv(rx, buf, MSG_DONTWAIT), print each return value, and break when it throws an ErrnoError whose code is EAGAIN.',
      ],
    },
    {
      name: 'SO_RCVTIMEO bounds a blocking receive',
      pass: !!rcvtimeo,
      message: rcvtimeo
        ? `A blocking ${rcvtimeo.syscall} slept ${waited(rcvtimeo)} ms on the empty queue, then gave up with EAGAIN.`
        : 'No blocking receive has given up with EAGAIN after 200 ms or more.',
      hints: [
        'A blocking receive on an empty queue sleeps until a datagram comes; SO_RCVTIMEO puts a limit on that sleep.',
        'setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, …) takes a struct timeval: timeval(250) in the program builds one.',
        'await setsockopt(rx, SOL_SOCKET, SO_RCVTIMEO, timeval(250)); then await read(rx, buf) inside try/catch, expecting EAGAIN.',
      ],
    },
    {
      name: 'SO_SNDTIMEO bounds a send to a full receiver',
      pass: !!sndEagain,
      message: sndEagain
        ? `A ${sndEagain.syscall} waited ${waited(sndEagain)} ms for room in the receiver's queue, then failed with EAGAIN.`
        : 'No send has waited and then failed with EAGAIN.',
      hints: [
        "A netlink send to another socket blocks only when the receiver's queue is full — so make it full, and small.",
        'SO_RCVBUF on rx shrinks its queue (the kernel raises tiny values to its minimum); SO_SNDTIMEO on tx limits how long a send waits for room.',
        'setsockopt(rx, SOL_SOCKET, SO_RCVBUF, 1); setsockopt(tx, SOL_SOCKET, SO_SNDTIMEO, timeval(100)); then write 1016-byte nlmsg()s in a loop until one throws EAGAIN.',
      ],
    },
    {
      name: 'a failed send leaves nothing behind',
      pass: whole,
      message: whole
        ? `After the failed send the queue held ${lastDrain.length} datagram(s), each as long as a send that succeeded: the failed one sent nothing.`
        : sndEagain
          ? 'The queue was not drained after the failed send (or held a datagram no send made).'
          : 'There is no failed send yet to look behind.',
      hints: [
        'The source articles loop on sendto until every byte is "sent"; a datagram send is all or nothing, so the queue shows what really happened.',
        'After the EAGAIN, receive with MSG_DONTWAIT until EAGAIN again and look at each length.',
        'Drain rx with recv(rx, buf, MSG_DONTWAIT) in a loop and count the datagrams: each is 1016 bytes, and there are as many as writes that succeeded.',
      ],
    },
  ];
}
