/**
 * Small helpers the scenario programs share. They use netlink-lab/user only, so a scenario runs on
 * every kernel and with `npx netlink-lab run`.
 */
import {
  socket,
  bind,
  close,
  setsockopt,
  recvfrom,
  sendto,
  parseIfinfomsg,
  parseRtmsg,
  inet_pton6,
  parseNlmsgs,
  parseNlmsgerr,
  errnoName,
  nlmsg,
  genlmsghdr,
  nla_string,
  nla_nest,
  ifinfomsg,
  RTM_NEWLINK,
  IFF_UP,
  IFLA_IFNAME,
  IFLA_LINKINFO,
  MSG_DONTWAIT,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  SOL_SOCKET,
  SO_RCVTIMEO,
  IFLA_OPERSTATE,
  RTM_NEWROUTE,
  RTN_LOCAL,
  RTA_DST,
  NLMSG_ERROR,
  NLMSG_DONE,
  NLM_F_REQUEST,
  NLM_F_ACK,
  GENL_ID_CTRL,
  CTRL_CMD_GETFAMILY,
  CTRL_ATTR_FAMILY_NAME,
  type NlMsg,
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
export async function show<T>(
  label: string,
  f: () => Promise<T>,
  fmt: (v: T) => string = (v) => String(v),
): Promise<T | undefined> {
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
    if (m.nlmsg_type === NLMSG_DONE)
      return `${head} done=${new DataView(m.payload.buffer, m.payload.byteOffset).getInt32(0, true)}`;
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
  return nlmsg({
    type: GENL_ID_CTRL,
    flags,
    seq,
    payload: [genlmsghdr(CTRL_CMD_GETFAMILY, 1), nla_string(CTRL_ATTR_FAMILY_NAME, name)],
  });
}

/** Send a request to the kernel. */
export const toKernel = (fd: number, msg: Uint8Array, flags = 0): Promise<number> => sendto(fd, msg, flags, KERNEL);

// ---- NETLINK_ROUTE ------------------------------------------------------------------------------

/**
 * The messages of a datagram as lines of hex words, with the fields that legitimately vary between
 * runs of the same kernel zeroed: the time stamps of IFA_CACHEINFO (cstamp, tstamp) and of a link's
 * IPv6 cache info (tstamp and the randomised reachable time).
 */
export function rtlines(buf: Uint8Array): string[] {
  const b = new Uint8Array(buf);
  const v = new DataView(b.buffer);
  const walk = (off: number, end: number, f: (type: number, p: number, len: number) => void) => {
    while (off + 4 <= end) {
      const len = v.getUint16(off, true);
      if (len < 4 || off + len > end) break;
      f(v.getUint16(off + 2, true) & 0x3fff, off + 4, len - 4);
      off += (len + 3) & ~3;
    }
  };
  const out: string[] = [];
  for (const m of parseNlmsgs(buf)) {
    const o = m.offset,
      end = o + m.nlmsg_len,
      t = m.nlmsg_type;
    if (t === 16 || t === 17) {
      walk(o + 32, end, (at, p, l) => {
        if (at === 7 || at === 23) b.fill(0, p, p + l);
        if (at !== 26) return;
        walk(p, p + l, (fam, fp, fl) => {
          if (fam !== 10) return;
          walk(fp, fp + fl, (a6, q, ql) => {
            if (a6 === 5 && ql >= 12) b.fill(0, q + 4, q + 12);
            if ((a6 === 3 || a6 === 6) && ql > 8) b.fill(0, q + 8, q + ql);
          });
        });
      });
    }
    if (t === 20 || t === 21)
      walk(o + 24, end, (at, p, l) => {
        if (at === 6 && l >= 16) b.fill(0, p + 8, p + 16);
      });
    // RTA_CACHEINFO of a resolved route: the dst's reference count (it depends on the per-CPU route
    // cache) and its last use (time); NDA_CACHEINFO of a neighbour: confirmed, used, updated (times).
    if (t === 24 || t === 25)
      walk(o + 28, end, (at, p, l) => {
        if (at === 12 && l >= 8) b.fill(0, p, p + 8);
      });
    if (t === 28 || t === 29)
      walk(o + 28, end, (at, p, l) => {
        if (at === 3 && l >= 12) b.fill(0, p, p + 12);
      });
    const hexw = Array.from(b.subarray(o, end), (x) => x.toString(16).padStart(2, '0'))
      .join('')
      .replace(/(.{8})/g, '$1 ')
      .trim();
    const seqpid = `type=${t} flags=0x${m.nlmsg_flags.toString(16)} seq=${m.nlmsg_seq}`;
    out.push(`${seqpid} | ${hexw.slice(36)}`);
  }
  return out;
}

/** Send one rtnetlink request and print every reply message (rtlines; those `keep` accepts) until the ACK, error or DONE. */
export async function rtreq(
  fd: number,
  msg: Uint8Array,
  label: string,
  keep: (line: string) => boolean = () => true,
): Promise<void> {
  await toKernel(fd, msg);
  const buf = new Uint8Array(65536);
  for (;;) {
    const { n } = await recvfrom(fd, buf);
    const ms = parseNlmsgs(buf.subarray(0, n));
    for (const l of rtlines(buf.subarray(0, n))) if (keep(l)) console.log(`${label}: ${l}`);
    const last = ms[ms.length - 1];
    if (!last || last.nlmsg_type === NLMSG_ERROR || last.nlmsg_type === NLMSG_DONE || !(last.nlmsg_flags & 2)) return;
  }
}

/** Print what a group member has queued (rtlines; those `keep` accepts), until EAGAIN. */
export async function rtdrain(fd: number, label: string, keep: (line: string) => boolean = () => true): Promise<void> {
  const buf = new Uint8Array(65536);
  for (;;) {
    try {
      const { n } = await recvfrom(fd, buf, MSG_DONTWAIT);
      for (const l of rtlines(buf.subarray(0, n))) if (keep(l)) console.log(`${label}: ${l}`);
    } catch (e) {
      console.log(`${label}: ${errname(e)}`);
      return;
    }
  }
}

/**
 * Not the local route of a link-local address (fe80::/10 in table 255): Linux adds it when the
 * address finishes DAD, after a random 1–2 s, so a run's timing decides whether it is there yet.
 */
export const notLinkLocalLocal = (line: string): boolean =>
  !/\| 0a80.... ff...... [0-9a-f]{8} 08000f00 ff000000 14000100 fe[89ab]/.test(line);

/**
 * `ip link add v0 type veth peer name v1` as RTM_NEWLINK (create, exclusive, ACK): IFLA_LINKINFO
 * holds IFLA_INFO_KIND "veth" and, in IFLA_INFO_DATA, VETH_INFO_PEER: the peer's ifinfomsg, its
 * name and `peer` (more attributes of the peer).
 */
export const newVethPair = (seq: number, peer: Uint8Array[] = []): Uint8Array =>
  nlmsg({
    type: RTM_NEWLINK,
    flags: 0x605,
    seq,
    payload: [
      ifinfomsg(),
      nla_string(IFLA_IFNAME, 'v0'),
      nla_nest(IFLA_LINKINFO, [
        nla_string(1, 'veth'),
        nla_nest(2, [nla_nest(1, [ifinfomsg(), nla_string(IFLA_IFNAME, 'v1'), ...peer])]),
      ]),
    ],
  });

/** `ip link set dev <index> up` as RTM_NEWLINK: IFF_UP in ifi_flags and ifi_change, with an ACK. */
export const linkUp = (index: number, seq: number): Uint8Array =>
  nlmsg({ type: RTM_NEWLINK, flags: 0x5, seq, payload: [ifinfomsg({ index, flags: IFF_UP, change: IFF_UP })] });

/** RFC 2863 operational states (IFLA_OPERSTATE; linux/if.h has them, netlink-lab/user not). */
export const IF_OPER_LOWERLAYERDOWN = 3;
const IF_OPER_UP = 6;

/** A member of rtnetlink groups that prints nothing, to wait on what the kernel announces. */
export interface Watch {
  /**
   * Read the notifications until `seen` has accepted one (the ones before are dropped). Throws
   * when nothing comes for 5 s (SO_RCVTIMEO): a wait on the event, bounded, not a time.
   */
  until(what: string, seen: (m: NlMsg) => boolean): Promise<void>;
  close(): Promise<void>;
}

/**
 * Join `groups` (a bind() group mask) before the request whose asynchronous work is waited on: the
 * kernel finishes some of it from work items after answering the request (Linux's link watcher, the
 * IPv6 DAD work), so the answer alone does not say it is done; the notification it sends does.
 */
export async function watch(groups: number): Promise<Watch> {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: groups });
  const tv = new Uint8Array(16);
  new DataView(tv.buffer).setBigInt64(0, 5n, true);
  await setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv);
  const buf = new Uint8Array(65536);
  return {
    async until(what, seen) {
      for (;;) {
        let n: number;
        try {
          ({ n } = await recvfrom(fd, buf));
        } catch (e) {
          throw new Error(`waiting for ${what}: nothing announced for 5 s (${errname(e)})`);
        }
        if (parseNlmsgs(buf.subarray(0, n)).some(seen)) return;
      }
    },
    close: () => close(fd).then(() => undefined),
  };
}

/**
 * RTNLGRP_LINK: each link of `indexes` announced with operstate `state`. Linux's link watcher sets
 * it from a work item when a carrier comes or goes, after the request that caused it.
 */
export function operstate(state: number, indexes: number[]): (m: NlMsg) => boolean {
  const left = new Set(indexes);
  return (m) => {
    if (m.nlmsg_type !== RTM_NEWLINK) return false;
    const link = parseIfinfomsg(m);
    if (link.attrs.find((a) => a.type === IFLA_OPERSTATE)?.payload[0] === state) left.delete(link.index);
    return left.size === 0;
  };
}

/** RTNLGRP_LINK: each link of `indexes` announced up (its carrier on). */
export const operUp = (indexes: number[]): ((m: NlMsg) => boolean) => operstate(IF_OPER_UP, indexes);

/**
 * RTNLGRP_IPV6_ROUTE: the local route of `addr` announced (table local, RTN_LOCAL). Linux adds it
 * when the address is ready, from the DAD work item, after announcing the address itself.
 */
export function localRoute6(addr: string): (m: NlMsg) => boolean {
  const want = inet_pton6(addr).join();
  return (m) => {
    if (m.nlmsg_type !== RTM_NEWROUTE) return false;
    const r = parseRtmsg(m);
    return r.type === RTN_LOCAL && r.attrs.find((a) => a.type === RTA_DST)?.payload.join() === want;
  };
}

/** Every one of `seen`, each on a notification of its own or a shared one, in any order. */
export function allOf(...seen: ((m: NlMsg) => boolean)[]): (m: NlMsg) => boolean {
  const left = new Set(seen);
  return (m) => {
    for (const f of left) if (f(m)) left.delete(f);
    return left.size === 0;
  };
}
