/**
 * Multicast from user space, on NETLINK_USERSOCK (which lets processes multicast to each other):
 * joining groups by the bind mask and by NETLINK_ADD_MEMBERSHIP, what a destination's nl_groups
 * really selects, whom a broadcast skips, and what an unprivileged process may do.
 */
import {
  socket, bind, setsockopt, getsockopt, getsockname, sendto, recvfrom, spawn, waitpid, getuid, nlmsg, bytes, cstring,
  AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK, NETLINK_ROUTE, NLMSG_MIN_TYPE, NLMSG_HDRLEN, MSG_DONTWAIT,
  SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, NETLINK_LIST_MEMBERSHIPS, ErrnoError, type SockaddrNl,
} from 'netlink-lab/user';

const group = (n: number) => 1 << (n - 1); // a group's bit in nl_groups (groups 1 to 32 only)
const toGroups = (mask: number, pid = 0): SockaddrNl => ({ nl_family: AF_NETLINK, nl_pid: pid, nl_groups: mask });
const code = (e: unknown) => (e instanceof ErrnoError ? e.code : String(e));

/** Send `text`; a send to groups with nl_pid 0 ends in ECONNREFUSED (no kernel socket on USERSOCK) after the copies left. */
async function send(fd: number, text: string, to: SockaddrNl): Promise<string> {
  try {
    return String(await sendto(fd, nlmsg({ type: NLMSG_MIN_TYPE, payload: bytes(text, true) }), 0, to));
  } catch (e) {
    return code(e);
  }
}

/** Everything queued on fd, as text. */
async function drain(fd: number): Promise<string> {
  const got: string[] = [];
  const buf = new Uint8Array(256);
  for (;;) {
    try {
      const { n, from } = await recvfrom(fd, buf, MSG_DONTWAIT);
      got.push(`"${cstring(buf.subarray(NLMSG_HDRLEN, n))}" (from groups 0x${from.nl_groups.toString(16)})`);
    } catch (e) {
      if (code(e) === 'EAGAIN') return got.join(', ') || 'nothing';
      throw e;
    }
  }
}

// First, an unprivileged process: the protocol's NL_CFG_F_NONROOT_* flags decide what it may do.
// (Spawned before this process opens a socket: a child shares its parent's open sockets.)
const nobody = await spawn(async () => {
  const u = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  const joinUser = await bind(u, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: group(3) }).then(String, code);
  const sendUser = await send(u, 'from nobody', toGroups(group(3)));
  const r = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const joinRoute = await setsockopt(r, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1).then(String, code);
  const sendRoute = await send(r, 'to RTNLGRP_LINK', toGroups(group(1)));
  console.log(`uid ${getuid()}: USERSOCK join ${joinUser}, send to a group ${sendUser}; ROUTE join ${joinRoute}, send to a group ${sendRoute}`);
}, { uid: 65534, name: 'nobody' });
await waitpid(nobody);

const member = async (mask: number) => {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: mask });
  return fd;
};

// Two ways to join: the bind mask (groups 1–32), or NETLINK_ADD_MEMBERSHIP (a group number).
const a = await member(group(2) | group(3)); // groups 2 and 3
const b = await member(0);
await setsockopt(b, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 3); // group 3
const sender = await member(group(2)); // a member of group 2 itself

// 1. One send to "groups 2 and 3" reaches group 2 only: the lowest set bit counts.
console.log('to nl_groups 0x6:', await send(sender, 'to 2 and 3?', toGroups(group(2) | group(3))));
console.log('  a:', await drain(a), '| b:', await drain(b), '| the sender:', await drain(sender));

// Fixed: one send per group.
for (const g of [2, 3]) console.log(`to group ${g}:`, await send(sender, `to group ${g}`, toGroups(group(g))));
console.log('  a:', await drain(a), '| b:', await drain(b));

// 2. A broadcast skips the member whose port id is the destination's nl_pid: it gets the unicast instead.
const portOfA = (await getsockname(a)).nl_pid;
console.log('to group 3 and a\'s port:', await send(sender, 'to 3 and a', toGroups(group(3), portOfA)));
console.log('  a:', await drain(a), '| b:', await drain(b));

// 3. Groups above 32: no bit in a mask, so only NETLINK_ADD_MEMBERSHIP (on a protocol that has them).
const route = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
await setsockopt(route, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 33); // RTNLGRP_BRVLAN
const list = (await getsockopt(route, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS)) as Uint8Array;
const joined = [...list].flatMap((byte, i) => [0, 1, 2, 3, 4, 5, 6, 7].filter((bit) => byte & (1 << bit)).map((bit) => i * 8 + bit + 1));
console.log(`NETLINK_ROUTE socket: joined groups ${joined.join(', ')}`);
try {
  await setsockopt(b, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 33);
} catch (e) {
  console.log(`NETLINK_USERSOCK group 33: ${code(e)} (it has 32 groups)`);
}
