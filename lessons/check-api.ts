/**
 * What a lesson's checks.ts receives and returns. A lesson's checks are one default-exported
 * function, run after the learner's program ends: in the browser by the playground, and in CI by
 * tests/lessons/lessons.test.ts. Besides types, checks may import only 'netlink-lab/user' (its
 * message and attribute parsers: parseNlmsgs, parseGenlmsg, nla_get_string…), which is linked to
 * them as to the program, so they run wherever the program runs.
 */
import type { SyscallEvent } from '../src/api/observe.ts';
import type { TraceEntry } from '../src/runtime/kernel-view.ts';

export type { TraceEntry };

/** What the program left behind. */
export interface CheckInput {
  /** Everything the program printed (console.log and friends), one line per call, joined by "\n". */
  output: string;
  /**
   * Every syscall the program made, in order, with the bytes that crossed into and out of the
   * kernel; sendmsg/recvmsg also carry each iovec's length (`iov`), recvmsg its control messages
   * and msg_flags, setsockopt its level, optname and value (`args`).
   */
  events: SyscallEvent[];
  /** The kernel's state after the run, as the kernel reports it; checks should not need it to decide. */
  state?: unknown;
  /**
   * The simulated kernel's function-call trace (what the Kernel trace panel shows), every call of
   * the run in order: `fn` is Linux's name ('netlink_attachskb'), `ret` its return value (a negative
   * errno when it refused: -11 for -EAGAIN), `depth` 0 for the syscall's entry (`__sys_sendmsg`), its
   * callees after it at depth 1, 2…, until the next depth-0 entry of the same `pid`.
   *
   * **`undefined` means the trace is unavailable**: on a real kernel (this machine's, or the VM's
   * Linux 6.1 in the playground), which does not show its function calls, and on the simulator when
   * the tracer stopped because the run was too long to trace whole. An empty array is a run that
   * made no traced call. So a check that asks the trace ("did netlink_attachskb return -EAGAIN?")
   * must decide in two ways:
   *
   * - `trace` present: ask it, and pass only if the function the lesson is about really refused;
   * - `trace` undefined: judge from `events` (and `output`) alone — the errno the syscall got — and
   *   say in `message` that the trace was unavailable, so the learner knows what was not checked.
   *
   * The verdict from events alone must be the same one the trace would give for the lesson's
   * solution, so the solution passes on every kernel: tests/lessons/lessons.test.ts runs the checks
   * on the simulator with the trace and without it, and tests/lessons/real.test.ts and
   * tests/vm/course.test.ts run them on the real run (this machine's Linux, the VM's) without it.
   * Never fail a check only because the trace is missing, and do not judge by timing alone: on a
   * busy real machine any syscall can take tens of milliseconds.
   */
  trace?: TraceEntry[];
}

/**
 * One check's verdict. `message` says what was seen (the errno, the count, the bytes), never the
 * answer. `hints`, for a check that can fail, are graded: the first says what is wrong, the next
 * where to look (a function, a field, a man page), the last gives the fix. The playground shows
 * them one at a time, on request, so the learner can stop as soon as they see it.
 */
export interface CheckResult {
  name: string;
  pass: boolean;
  message: string;
  hints?: string[];
}
