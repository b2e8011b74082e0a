// Scenario 80: what every NETLINK_ROUTE dump of a fresh network namespace holds, byte for byte,
// before and after `ip link set lo up` (links with IFLA_AF_SPEC, addresses, routes, rules, neighbours).
import {
  socket,
  nlmsg,
  ifinfomsg,
  ifaddrmsg,
  rtmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLM_F_REQUEST,
  NLM_F_DUMP,
  NLM_F_ACK,
  RTM_GETLINK,
  RTM_NEWLINK,
  RTM_GETADDR,
  RTM_GETROUTE,
  RTM_GETRULE,
  RTM_GETNEIGH,
  AF_INET,
  AF_INET6,
  IFF_UP,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { rtreq } from './lib.ts';

export default async function main() {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  const dumps = async (when: string) => {
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETLINK, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 1, payload: ifinfomsg() }),
      `${when} links`,
    );
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETADDR, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 2, payload: ifaddrmsg() }),
      `${when} addrs`,
    );
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 3, payload: rtmsg() }),
      `${when} routes`,
    );
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETRULE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 4, payload: rtmsg({ family: AF_INET }) }),
      `${when} rules4`,
    );
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETRULE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 5, payload: rtmsg({ family: AF_INET6 }) }),
      `${when} rules6`,
    );
    await rtreq(
      fd,
      nlmsg({ type: RTM_GETNEIGH, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 6, payload: new Uint8Array(12) }),
      `${when} neigh`,
    );
  };
  await dumps('fresh');
  await rtreq(
    fd,
    nlmsg({
      type: RTM_NEWLINK,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 7,
      payload: ifinfomsg({ index: 1, flags: IFF_UP, change: IFF_UP }),
    }),
    'lo up',
  );
  await dumps('lo up');
  await rtreq(
    fd,
    nlmsg({
      type: RTM_NEWLINK,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 8,
      payload: ifinfomsg({ index: 1, flags: 0, change: IFF_UP }),
    }),
    'lo down',
  );
  await rtreq(
    fd,
    nlmsg({ type: RTM_GETADDR, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 9, payload: ifaddrmsg() }),
    'lo down addrs',
  );
  await rtreq(
    fd,
    nlmsg({ type: RTM_GETROUTE, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: 10, payload: rtmsg() }),
    'lo down routes',
  );
}

export const scenario: Scenario = {
  title: 'rtnetlink dumps of a fresh namespace (links, addresses, routes, rules, neighbours), lo up and down',
  check(run) {
    const out = run.output.join('\n');
    if (!/lo up addrs: type=20 .*7f000001/.test(out)) throw new Error('not what Linux does: 127.0.0.1 after lo up');
  },
  // Time stamps are zeroed by rtlines; the program prints every byte of every reply.
  project: (n) => n.output,
};
