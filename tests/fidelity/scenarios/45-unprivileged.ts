// Scenario 45: what an unprivileged process (uid 65534) may do on each protocol.
import {
  socket,
  bind,
  connect,
  setsockopt,
  sendto,
  spawn,
  waitpid,
  getuid,
  nlmsg,
  AF_NETLINK,
  SOCK_RAW,
  NETLINK_ROUTE,
  NETLINK_GENERIC,
  NETLINK_USERSOCK,
  SOL_NETLINK,
  NETLINK_ADD_MEMBERSHIP,
  NLMSG_NOOP,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { errname } from './lib.ts';

// A port id nobody binds: unicast to it is refused (ECONNREFUSED) once permission is granted.
const SOMEONE = 987654;

async function matrix(): Promise<void> {
  console.log('uid:', getuid());
  const msg = nlmsg({ type: NLMSG_NOOP });
  const protocols: [string, number][] = [
    ['ROUTE', NETLINK_ROUTE],
    ['GENERIC', NETLINK_GENERIC],
    ['USERSOCK', NETLINK_USERSOCK],
  ];
  for (const [name, proto] of protocols) {
    const fresh = () => socket(AF_NETLINK, SOCK_RAW, proto);
    const row: string[] = [];
    const attempt = async (label: string, f: (fd: number) => Promise<number>) => {
      const fd = await fresh();
      try {
        row.push(`${label}=${await f(fd)}`);
      } catch (e) {
        row.push(`${label}=${errname(e)}`);
      }
    };
    await attempt('bind-groups', (fd) => bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 }));
    await attempt('add-membership', (fd) => setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, 1));
    await attempt('sendto-group', (fd) => sendto(fd, msg, 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 }));
    await attempt('sendto-pid', (fd) => sendto(fd, msg, 0, { nl_family: AF_NETLINK, nl_pid: SOMEONE, nl_groups: 0 }));
    await attempt('connect-pid', (fd) => connect(fd, { nl_family: AF_NETLINK, nl_pid: SOMEONE, nl_groups: 0 }));
    await attempt('connect-group', (fd) => connect(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 }));
    console.log(`${name}: ${row.join(' ')}`);
  }
}

export default async function main() {
  const pid = await spawn(matrix, { uid: 65534, name: 'nobody' });
  console.log('exit status:', await waitpid(pid));
}

export const scenario: Scenario = {
  title:
    'unprivileged matrix (uid 65534): ROUTE/GENERIC refuse sending to groups and pids; USERSOCK refuses joining groups',
  needsRoot: true,
  expect: [
    'uid: 65534',
    'ROUTE: bind-groups=0 add-membership=0 sendto-group=EPERM sendto-pid=EPERM connect-pid=EPERM connect-group=EPERM',
    'GENERIC: bind-groups=0 add-membership=0 sendto-group=EPERM sendto-pid=EPERM connect-pid=EPERM connect-group=EPERM',
    // USERSOCK lets anyone send (to groups too: nobody listens here) but not receive from groups.
    'USERSOCK: bind-groups=EPERM add-membership=EPERM sendto-group=ECONNREFUSED sendto-pid=ECONNREFUSED connect-pid=0 connect-group=0',
    'exit status: 0',
  ],
};
