// Scenario 84: RTM_NEWROUTE's errors as `ip route add … dev X` meets them: a missing or down
// device, a duplicate, no NLM_F_CREATE, host bits in the prefix, a prefix length over 32; and that a
// route dump without strict checking ignores an RTA_TABLE filter.
import {
  socket,
  setsockopt,
  nlmsg,
  nla,
  nla_u32,
  nla_string,
  nla_nest,
  ifinfomsg,
  rtmsg,
  inet_pton4,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
} from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { linkUp, rtreq } from './lib.ts';
export default async function main() {
  const fd = await socket(16, 3, 0);
  await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
  await rtreq(
    fd,
    nlmsg({
      type: 16,
      flags: 0x605,
      seq: 1,
      payload: [ifinfomsg(), nla_string(3, 'v0'), nla_nest(18, [nla_string(1, 'veth')])],
    }),
    'veth',
  );
  const r = (oif: number, s: number, scope = 253) =>
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: s,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 254, protocol: 3, scope, type: 1 }),
        nla(1, inet_pton4('10.9.0.0')),
        nla_u32(4, oif),
      ],
    });
  await rtreq(fd, r(99, 2), 'oif 99');
  await rtreq(fd, r(3, 3), 'oif down');
  await rtreq(fd, r(1, 4), 'oif lo down');
  await rtreq(fd, linkUp(1, 5), 'lo up');
  await rtreq(fd, r(1, 6), 'oif lo up');
  await rtreq(fd, r(1, 7), 'oif lo up again');
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x5,
      seq: 8,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 254, protocol: 3, scope: 253, type: 1 }),
        nla(1, inet_pton4('10.8.0.0')),
        nla_u32(4, 1),
      ],
    }),
    'no create',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 9,
      payload: [
        rtmsg({ family: 2, dst_len: 16, table: 254, protocol: 3, scope: 253, type: 1 }),
        nla(1, inet_pton4('10.8.1.0')),
        nla_u32(4, 1),
      ],
    }),
    'bad prefix',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 24,
      flags: 0x605,
      seq: 10,
      payload: [
        rtmsg({ family: 2, dst_len: 33, table: 254, protocol: 3, scope: 253, type: 1 }),
        nla(1, inet_pton4('10.8.1.0')),
        nla_u32(4, 1),
      ],
    }),
    'len 33',
  );
  await rtreq(
    fd,
    nlmsg({ type: 26, flags: 0x301, seq: 11, payload: [rtmsg({ family: 2 }), nla_u32(15, 254)] }),
    'dump main',
  );
}

export const scenario: Scenario = {
  title:
    'RTM_NEWROUTE errors: ENODEV, ENETDOWN with extack, EEXIST, ENOENT, EINVAL; a non-strict dump ignores RTA_TABLE',
  project: (n) => n.output,
};
