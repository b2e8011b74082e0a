// Scenario 51: /proc/net/netlink lists the program's sockets: protocol, port, groups, queued bytes.
import {
  socket,
  bind,
  readFile,
  getpid,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_GENERIC,
  NETLINK_USERSOCK,
  NLMSG_NOOP,
  NLM_F_REQUEST,
  NLM_F_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { toKernel } from './lib.ts';

/** The rows of /proc/net/netlink that belong to user sockets (Pid ≠ 0), as objects. */
async function userRows(): Promise<Record<string, string>[]> {
  const [header, ...lines] = (await readFile('/proc/net/netlink')).trim().split('\n');
  const names = header.trim().split(/\s+/);
  return lines
    .map((l) =>
      Object.fromEntries(
        l
          .trim()
          .split(/\s+/)
          .map((v, i) => [names[i], v]),
      ),
    )
    .filter((r) => r.Pid !== '0');
}

export default async function main() {
  console.log('columns:', (await readFile('/proc/net/netlink')).split('\n')[0].trim().split(/\s+/).join(' '));
  const route = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await toKernel(route, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 })); // an ACK stays queued
  const genl = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(genl, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  const user = await socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
  await bind(user, { nl_family: AF_NETLINK, nl_pid: 4321, nl_groups: 0b101 });
  await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE); // never bound: not listed with a port
  const rows = (await userRows()).sort((a, b) => Number(a.Eth) - Number(b.Eth) || Number(a.Pid) - Number(b.Pid));
  for (const r of rows) {
    const pid = Number(r.Pid) === getpid() ? 'getpid()' : r.Pid;
    console.log(
      `Eth ${r.Eth} Pid ${pid} Groups ${r.Groups} Rmem ${Number(r.Rmem) > 0 ? '> 0' : '0'} Wmem ${r.Wmem} Dump ${r.Dump} Drops ${r.Drops}`,
    );
  }
}

export const scenario: Scenario = {
  title: '/proc/net/netlink lists user sockets: protocol, port, groups; queued replies show in Rmem',
  expect: [
    'columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode',
    'Eth 0 Pid getpid() Groups 00000000 Rmem > 0 Wmem 0 Dump 0 Drops 0',
    'Eth 2 Pid 4321 Groups 00000005 Rmem 0 Wmem 0 Dump 0 Drops 0',
    'Eth 16 Pid getpid() Groups 00000000 Rmem 0 Wmem 0 Dump 0 Drops 0',
  ],
};
