// Scenario 75: a bind that fails with EADDRINUSE leaves the port id it asked for behind.
import {
  socket,
  bind,
  connect,
  getsockname,
  sendto,
  getpid,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NLMSG_NOOP,
  NLM_F_REQUEST,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { show, KERNEL } from './lib.ts';

const at = (nl_pid: number, nl_groups = 0) => ({ nl_family: AF_NETLINK, nl_pid, nl_groups });
const name = async (fd: number) => {
  const a = await getsockname(fd);
  const pid =
    a.nl_pid === 7500 || a.nl_pid === 7501 || a.nl_pid === 0
      ? String(a.nl_pid)
      : a.nl_pid === getpid()
        ? 'getpid()'
        : a.nl_pid < 0
          ? 'negative'
          : 'other';
  return `nl_pid ${pid}, nl_groups 0x${a.nl_groups.toString(16)}`;
};

export default async function main() {
  const holder = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await bind(holder, at(7500));

  const a = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('a: bind(7500)', () => bind(a, at(7500)));
  await show(
    'a: getsockname',
    () => name(a),
    (s) => s,
  );
  await show('a: bind(7500, groups 0x1)', () => bind(a, at(7500, 1)));
  await show(
    'a: getsockname',
    () => name(a),
    (s) => s,
  );
  await show('a: bind(7501)', () => bind(a, at(7501)));
  await show(
    'a: getsockname',
    () => name(a),
    (s) => s,
  );

  // Not bound yet: the first send autobinds, and the stale port id is replaced.
  const b = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('b: bind(7500)', () => bind(b, at(7500)));
  await show('b: sendto(kernel)', () => sendto(b, nlmsg({ type: NLMSG_NOOP, flags: NLM_F_REQUEST }), 0, KERNEL));
  await show(
    'b: getsockname',
    () => name(b),
    (s) => s,
  );

  // connect() autobinds too (the tgid is taken by b now).
  const c = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('c: bind(7500)', () => bind(c, at(7500)));
  await show('c: connect(kernel)', () => connect(c, KERNEL));
  await show(
    'c: getsockname',
    () => name(c),
    (s) => s,
  );

  // Nobody is bound at the stale port: a send there is refused.
  const d = await socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  await show('d: bind(7501)', () => bind(d, at(7501)));
  await show(
    'd: getsockname',
    () => name(d),
    (s) => s,
  );
}

export const scenario: Scenario = {
  title: 'failed bind (EADDRINUSE) leaves nl_pid at the asked port until a later bind or autobind',
  expect: [
    'a: bind(7500): EADDRINUSE',
    // netlink_insert() writes nlk->portid before it tries the hash table, and does not undo it.
    'a: getsockname: nl_pid 7500, nl_groups 0x0',
    'a: bind(7500, groups 0x1): EADDRINUSE',
    'a: getsockname: nl_pid 7500, nl_groups 0x0',
    'a: bind(7501): 0',
    'a: getsockname: nl_pid 7501, nl_groups 0x0',
    'b: bind(7500): EADDRINUSE',
    'b: sendto(kernel): 16',
    'b: getsockname: nl_pid getpid(), nl_groups 0x0',
    'c: bind(7500): EADDRINUSE',
    'c: connect(kernel): 0',
    'c: getsockname: nl_pid negative, nl_groups 0x0',
    'd: bind(7501): EADDRINUSE',
    'd: getsockname: nl_pid 7501, nl_groups 0x0',
  ],
};
