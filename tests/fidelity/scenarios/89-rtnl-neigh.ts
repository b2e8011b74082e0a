// Scenario 89: neighbour entries from user space (`ip neigh add/replace/del/get`): permanent and
// other NUD states on a veth for IPv4 and IPv6, NTF flags, NLM_F_EXCL / REPLACE / CREATE, the errors
// (with extended ACK), single gets, dumps filtered by device, what link down does, and what RTNLGRP_NEIGH hears.
import {
  socket,
  bind,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  ifinfomsg,
  inet_pton4,
  inet_pton6,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { linkUp, newVethPair, rtdrain, rtreq } from './lib.ts';

const ndmsg = (family: number, ifindex: number, state: number, flags = 0, type = 0) => {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  b[0] = family;
  v.setInt32(4, ifindex, true);
  v.setUint16(8, state, true);
  b[10] = flags;
  b[11] = type;
  return b;
};
const mac = (x: number) => new Uint8Array([0x02, 0, 0, 0, 0, x]);
const neigh = (
  type: number,
  flags: number,
  seq: number,
  family: number,
  ifindex: number,
  state: number,
  dst: string | null,
  ll: Uint8Array | null,
  ntf = 0,
) =>
  nlmsg({
    type,
    flags: 0x1 | flags,
    seq,
    payload: [
      ndmsg(family, ifindex, state, ntf),
      ...(dst ? [nla(1, family === 10 ? inet_pton6(dst) : inet_pton4(dst))] : []),
      ...(ll ? [nla(2, ll)] : []),
    ],
  });
const C = 0x400,
  X = 0x200,
  R = 0x100,
  A = 0x4;

export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(fd, newVethPair(1), 'veth');
  const mon = await socket(16, 3, 0);
  await bind(mon, { nl_family: 16, nl_pid: 0, nl_groups: 1 << 2 });
  await rtreq(fd, neigh(28, A | C | X, 2, 2, 3, 0x80, '10.0.0.2', mac(2)), 'add down');
  await rtreq(fd, neigh(28, A | C | X, 3, 2, 3, 0x80, '10.0.0.2', mac(2)), 'add again EXCL');
  await rtreq(fd, neigh(28, A | C | R, 4, 2, 3, 0x80, '10.0.0.2', mac(4)), 'replace');
  await rtreq(fd, neigh(28, A | C | X, 5, 2, 3, 0x04, '10.0.0.3', mac(3)), 'add stale');
  await rtreq(fd, neigh(28, A | C | X, 6, 2, 3, 0x02, '10.0.0.4', mac(5)), 'add reachable');
  await rtreq(fd, neigh(28, A | C | X, 7, 2, 3, 0x40, '10.0.0.5', null), 'add noarp');
  await rtreq(fd, neigh(28, A | C | X, 8, 2, 3, 0x80, '10.0.0.6', mac(6), 0x80), 'add router flag');
  await rtreq(fd, neigh(28, A | C | X, 9, 10, 3, 0x80, '2001:db8::2', mac(7), 0x80), 'add v6 router');
  await rtreq(fd, neigh(28, A | C | X, 10, 2, 99, 0x80, '10.0.0.7', mac(2)), 'no dev');
  await rtreq(fd, neigh(28, A | C | X, 11, 2, 3, 0x80, null, mac(2)), 'no dst');
  await rtreq(fd, neigh(28, A | C | X, 12, 2, 3, 0x80, '10.0.0.8', new Uint8Array([1, 2, 3])), 'short lladdr');
  await rtreq(fd, neigh(28, A | X, 13, 2, 3, 0x80, '10.0.0.9', mac(9)), 'no create');
  await rtreq(fd, neigh(28, A | C | X, 14, 3, 3, 0x80, '10.0.0.9', mac(9)), 'family 3');
  await rtreq(fd, neigh(28, A | C | X, 15, 2, 1, 0x80, '10.0.0.10', mac(9)), 'on lo');
  await rtdrain(mon, 'mon');
  // Linux dumps a table in hash-bucket order (random per boot): compare dumps of one entry each.
  const strict = await socket(16, 3, 0);
  await setsockopt(strict, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await setsockopt(strict, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(
    strict,
    nlmsg({ type: 30, flags: 0x301, seq: 20, payload: [ndmsg(2, 0, 0), nla_u32(8, 1)] }),
    'dump v4 lo',
  );
  await rtreq(
    strict,
    nlmsg({ type: 30, flags: 0x301, seq: 20, payload: [ndmsg(10, 0, 0), nla_u32(8, 3)] }),
    'dump v6 v0',
  );
  await rtreq(fd, neigh(30, 0, 21, 2, 3, 0, '10.0.0.2', null), 'get');
  await rtreq(fd, neigh(30, 0, 22, 10, 3, 0, '2001:db8::2', null), 'get v6');
  await rtreq(fd, neigh(30, 0, 23, 2, 3, 0, '10.0.0.99', null), 'get missing');
  await rtreq(fd, neigh(30, 0, 24, 2, 0, 0, '10.0.0.2', null), 'get no ifindex');
  await rtreq(fd, neigh(29, A, 25, 2, 3, 0, '10.0.0.3', null), 'del');
  await rtreq(fd, neigh(29, A, 26, 2, 3, 0, '10.0.0.3', null), 'del again');
  await rtreq(fd, neigh(29, A, 27, 2, 2, 0, '10.0.0.2', null), 'del wrong dev');
  await rtdrain(mon, 'mon');
  await rtreq(fd, linkUp(3, 30), 'up (peer down)');
  await rtreq(
    fd,
    nlmsg({ type: 16, flags: 0x5, seq: 31, payload: [ifinfomsg({ index: 3, flags: 0, change: 1 })] }),
    'down',
  );
  await rtdrain(mon, 'mon');
  await rtreq(fd, nlmsg({ type: 30, flags: 0x301, seq: 32, payload: [ndmsg(2, 0, 0)] }), 'dump after down');
  await setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, 1);
  await rtreq(
    fd,
    nlmsg({ type: 30, flags: 0x301, seq: 40, payload: [ndmsg(2, 0, 0), nla_u32(8, 3)] }),
    'strict dump ifindex',
  );
  await rtreq(
    fd,
    nlmsg({ type: 30, flags: 0x301, seq: 41, payload: [ndmsg(2, 0, 0), nla_u32(6, 3)] }),
    'strict dump bad attr',
  );
  await rtreq(fd, neigh(30, 0, 42, 2, 3, 0x80, '10.0.0.2', null), 'strict get state');
  await rtreq(fd, neigh(30, 0, 43, 2, 3, 0, '10.0.0.2', null), 'strict get');
}

export const scenario: Scenario = {
  title:
    'RTM_NEWNEIGH / DELNEIGH / GETNEIGH: NUD states, NTF_ROUTER, EXCL/REPLACE, errors, gets, filtered dumps, link down, RTNLGRP_NEIGH',
  project: (n) => n.output,
};
