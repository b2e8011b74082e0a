/**
 * What a lesson's checks.ts receives and returns. A lesson's checks are one default-exported
 * function, run after the learner's program ends: in the browser by the playground, and in CI by
 * tests/lessons/lessons.test.ts. Besides types, checks may import only 'netlink-lab/user' (its
 * message and attribute parsers: parseNlmsgs, parseGenlmsg, nla_get_string…), which is linked to
 * them as to the program, so they run wherever the program runs.
 */
import type { SyscallEvent } from '../src/api/observe.ts';

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
}

/**
 * One check's verdict. `message` says what was seen (the errno, the count, the bytes), never the
 * answer. `hints`, for a check that can fail, are graded: the first says what is wrong, the next
 * where to look (a function, a field, a man page), the last gives the fix. The playground shows
 * them one at a time, on request, so the learner can stop as soon as they see it.
 */
export interface CheckResult { name: string; pass: boolean; message: string; hints?: string[] }

/** A lesson's checks. */
export type Checks = (input: CheckInput) => CheckResult[];
