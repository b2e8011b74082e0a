/**
 * Small helpers the scenario programs share. They use netlink-lab/user only, so a scenario runs on
 * every kernel and with `npx netlink-lab run`.
 */
import {
  recvfrom, sendto, parseNlmsgs, parseNlmsgerr, errnoName, nlmsg, genlmsghdr, nla_string,
  MSG_DONTWAIT, NLMSG_ERROR, NLMSG_DONE, NLM_F_REQUEST, NLM_F_ACK, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME,
  type SockaddrNl,
} from 'netlink-lab/user';

/** The kernel's address: port 0, no groups. */
export const KERNEL: SockaddrNl = { nl_family: 16, nl_pid: 0, nl_groups: 0 };

/** The errno name of a rejected syscall, or rethrow anything else. */
export function errname(e: unknown): string {
  const err = e as { name?: string; code?: string };
  if (err?.name === 'ErrnoError' && err.code) return err.code;
  throw e;
}

/** Run a syscall and print `label: result` or `label: ERRNO`, as a C program checking -1 would. */
export async function show<T>(label: string, f: () => Promise<T>, fmt: (v: T) => string = (v) => String(v)): Promise<T | undefined> {
  try {
    const v = await f();
    console.log(`${label}: ${fmt(v)}`);
    return v;
  } catch (e) {
    console.log(`${label}: ${errname(e)}`);
    return undefined;
  }
}

/** One line per message of a datagram: type, flags, and for NLMSG_ERROR the error. */
export function describe(buf: Uint8Array): string[] {
  return parseNlmsgs(buf).map((m) => {
    const head = `type=0x${m.nlmsg_type.toString(16)} len=${m.nlmsg_len} flags=0x${m.nlmsg_flags.toString(16)}`;
    if (m.nlmsg_type === NLMSG_ERROR) {
      const e = parseNlmsgerr(m);
      return `${head} error=${e && e.error ? `-${errnoName(-e.error)}` : '0'}`;
    }
    if (m.nlmsg_type === NLMSG_DONE) return `${head} done=${new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true)}`;
    return head;
  });
}

/** Receive until the queue is empty (MSG_DONTWAIT → EAGAIN); print every message; return the datagram lengths. */
export async function drain(fd: number, label = 'recv'): Promise<number[]> {
  const lens: number[] = [];
  const buf = new Uint8Array(65536);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      lens.push(n);
      for (const line of describe(buf.subarray(0, n))) console.log(`${label}: ${line}`);
    } catch (e) {
      console.log(`${label}: ${errname(e)}`);
      return lens;
    }
  }
}

/** CTRL_CMD_GETFAMILY for `name` (the nlctrl request of the reference notes). */
export function getfamily(name: string, flags = NLM_F_REQUEST | NLM_F_ACK, seq = 1): Uint8Array {
  return nlmsg({ type: GENL_ID_CTRL, flags, seq, payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, name)] });
}

/** Send a request to the kernel. */
export const toKernel = (fd: number, msg: Uint8Array, flags = 0): Promise<number> => sendto(fd, msg, flags, KERNEL);
