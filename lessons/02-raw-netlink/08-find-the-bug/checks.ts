/**
 * Lesson "Find the bug": the source article's module, fixed. Each check is one bug's symptom: an
 * oops in the kernel log (an uninitialised buffer), a send that never returns (replies to port 0:
 * NETLINK_CB(skb).pid), an empty reply (message = '\0' before the copy), a reply to a message that
 * should be ignored (a missing return).
 */
import type { CheckInput, CheckResult } from '../../check-api.ts';

const EDEADLK = 35;
const RECV = new Set(['recvfrom', 'recvmsg', 'read']);
const text = (d?: Uint8Array) =>
  d && d.length > 16 ? new TextDecoder().decode(d.subarray(16)).replace(/\0.*$/s, '') : '';
const seqOf = (d?: Uint8Array) => (d && d.length >= 12 ? new DataView(d.buffer, d.byteOffset).getUint32(8, true) : -1);

export default function checks({ events, state }: CheckInput): CheckResult[] {
  const dmesg = (state as { dmesg?: string[] } | undefined)?.dmesg;
  const oops = (dmesg ?? []).find((l) => /BUG: exception/.test(l));
  const lockup = events.find((e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.errno === EDEADLK);
  const sent = events.find((e) => (e.syscall === 'sendto' || e.syscall === 'sendmsg') && e.errno === undefined);
  const replies = events.filter((e) => RECV.has(e.syscall) && e.errno === undefined && e.data && e.data.length >= 16);
  const good = replies.filter((e) => text(e.data) === 'kernel got "hello"');
  const empty = replies.filter((e) => text(e.data) === '');
  const toOther = replies.filter((e) => seqOf(e.data) === 2);

  return [
    {
      name: 'the module does not oops',
      pass: dmesg === undefined || !oops,
      message:
        dmesg === undefined
          ? 'This kernel gives the checks no kernel log, so this check is not judged here (run on the simulated kernel to read its log).'
          : oops
            ? `The kernel log says: "${oops.replace(/^\[[^\]]*\]\s*/, '')}". The input callback died there: nothing after that line ran.`
            : 'No exception in the kernel log.',
      hints: [
        'The kernel log (Kernel panel, dmesg) names the function and what it tried to use: a buffer that was never given any memory.',
        'Look at str in nl_fixme_handle(): the article declares `char str;` — one char — and memcpy()s into it as if it were a pointer to a buffer. In C that writes wherever the uninitialised value points; here it is undefined.',
        'Give it memory: const str = new Uint8Array(MAX_TEXT) (in C, char str[MAX_TEXT], and copy at most sizeof(str) - 1 bytes).',
      ],
    },
    {
      name: 'sendto returns',
      pass: !!sent && !lockup,
      message: lockup
        ? 'sendto failed with EDEADLK: the soft-lockup watchdog fired, because the input callback kept calling itself. On real hardware the machine would hang here.'
        : sent
          ? `sendto returned ${sent.ret}: the input callback finished.`
          : 'The program has not sent yet.',
      hints: [
        "A kernel that replies to port 0 replies to itself: the reply enters the module's own input callback, which replies again… Which port does the module reply to?",
        'NETLINK_CB(skb) has no field `pid`: it was renamed portid in Linux 3.7. In C the line does not compile any more; here // @ts-nocheck at the top hides it, so the value is undefined, which netlink_unicast() takes as 0. Delete the @ts-nocheck line and the editor underlines it.',
        'const portid = NETLINK_CB(skb).portid;',
      ],
    },
    {
      name: 'the reply carries its text',
      pass: good.length > 0,
      message: good.length
        ? 'The reply says: kernel got "hello".'
        : empty.length
          ? `${empty.length} reply(ies) arrived with ${empty[0]!.data!.length - 16} bytes of payload, but an empty string.`
          : replies.length
            ? `The replies say: ${replies.map((e) => JSON.stringify(text(e.data))).join(', ')}.`
            : 'No reply arrived.',
      hints: [
        'The reply has the right length — the module measured the text — but the bytes it copied are not the text.',
        'In sendnlmsg(), follow `message` from its length to the copy: what does it hold when it is copied?',
        "Delete `message = '\\0';`: the article clears the pointer before memcpy() reads through it (in C, a NULL pointer dereference).",
      ],
    },
    {
      name: 'only the hello is answered',
      pass: replies.length > 0 && toOther.length === 0 && replies.length === 1,
      message: toOther.length
        ? `The module answered the message of type 0x12 too (seq 2): ${replies.length} replies.`
        : replies.length === 1
          ? 'One reply, to the hello: the other message was ignored.'
          : `${replies.length} replies.`,
      hints: [
        'The datagram holds two messages, and only the first is a hello. The kernel log says the module is "ignoring" the other — and yet it answers it.',
        'Look at the type test at the top of nl_fixme_handle(): what happens after the log line?',
        "Add `return;` after the pr_info() in the type test (the generic netlink article's genlmsg_recv() has the same missing return).",
      ],
    },
  ];
}
