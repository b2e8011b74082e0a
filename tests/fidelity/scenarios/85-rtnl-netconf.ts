// Scenario 85: `ip netconf` — RTM_GETNETCONF dumps (IPv4, IPv6, both) and single requests, and the
// RTM_NEWNETCONF / RTM_DELNETCONF that RTNLGRP_IPV4_NETCONF and RTNLGRP_IPV6_NETCONF members hear
// when a veth pair is created and deleted.
import { socket, bind, nlmsg, nla, nla_string, nla_nest, ifinfomsg } from 'netlink-lab/user';
import type { Scenario } from '../harness.ts';
import { rtreq, rtdrain } from './lib.ts';
export default async function main() {
  const mon = await socket(16, 3, 0);
  await bind(mon, { nl_family: 16, nl_pid: 0, nl_groups: (1 << 23) | (1 << 24) });
  const fd = await socket(16, 3, 0);
  await rtreq(fd, nlmsg({ type: 82, flags: 0x301, seq: 1, payload: [new Uint8Array([2, 0, 0, 0])] }), 'dump4');
  await rtreq(fd, nlmsg({ type: 82, flags: 0x301, seq: 2, payload: [new Uint8Array([10, 0, 0, 0])] }), 'dump6');
  await rtreq(fd, nlmsg({ type: 82, flags: 0x301, seq: 3, payload: [new Uint8Array([0, 0, 0, 0])] }), 'dump0');
  await rtreq(
    fd,
    nlmsg({
      type: 82,
      flags: 0x1,
      seq: 4,
      payload: [new Uint8Array([2, 0, 0, 0]), nla(1, new Uint8Array([1, 0, 0, 0]))],
    }),
    'get4 lo',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 82,
      flags: 0x1,
      seq: 14,
      payload: [new Uint8Array([10, 0, 0, 0]), nla(1, new Uint8Array([0xfe, 0xff, 0xff, 0xff]))],
    }),
    'get6 default',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 82,
      flags: 0x1,
      seq: 15,
      payload: [new Uint8Array([2, 0, 0, 0]), nla(1, new Uint8Array([9, 0, 0, 0]))],
    }),
    'get4 9',
  );
  await rtreq(
    fd,
    nlmsg({
      type: 16,
      flags: 0x605,
      seq: 5,
      payload: [ifinfomsg(), nla_string(3, 'v0'), nla_nest(18, [nla_string(1, 'veth')])],
    }),
    'veth',
  );
  // Each family announces the new links' configuration (RTM_NEWNETCONF) while registering them,
  // within the request: queued before its ACK, nothing to wait for.
  await rtdrain(mon, 'mon');
  await rtreq(fd, nlmsg({ type: 17, flags: 0x5, seq: 6, payload: [ifinfomsg({ index: 3 })] }), 'del');
  await rtdrain(mon, 'mon');
}

export const scenario: Scenario = {
  title: 'netconf: GETNETCONF dumps and gets, NEW/DELNETCONF notifications for a veth pair',
  project: (n) => n.output,
};
