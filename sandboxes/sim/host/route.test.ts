import { describe, expect, it } from 'vitest';
import * as u from '../../../src/api/user.ts';
import { sim, errno, drainMessages } from '../../../tests/fixtures/sim-helpers.ts';

const { AF_NETLINK, SOCK_RAW, NETLINK_ROUTE } = u;
const kaddr = { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 };
const IFLA_IFNAME = 3;

function ifinfomsg(index: number, flags = 0, change = 0, type = 0): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint16(2, type, true);
  v.setInt32(4, index, true);
  v.setUint32(8, flags, true);
  v.setUint32(12, change, true);
  return b;
}

describe('NETLINK_ROUTE (a fresh namespace: only lo)', () => {
  it('GETLINK by name; strict checking rejects a dirty ifinfomsg with an extack message', async () => {
    await sim(async () => {
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      const name = new Uint8Array([7, 0, IFLA_IFNAME, 0, 0x6c, 0x6f, 0, 0]);
      await u.sendto(
        fd,
        u.nlmsg({ type: u.RTM_GETLINK, flags: u.NLM_F_REQUEST, seq: 1, payload: [ifinfomsg(0), name] }),
        0,
        kaddr,
      );
      const [m] = await drainMessages(fd);
      expect(m.nlmsg_type).toBe(u.RTM_NEWLINK);
      expect(u.i32(m.payload, 4)).toBe(1);
      const attrs = u.parseAttrs(m.payload.subarray(16));
      expect(u.cstring(attrs.find((a) => a.type === IFLA_IFNAME)!.payload)).toBe('lo');
      await u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_GET_STRICT_CHK, 1);
      await u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_EXT_ACK, 1);
      await u.sendto(
        fd,
        u.nlmsg({ type: u.RTM_GETLINK, flags: u.NLM_F_REQUEST | u.NLM_F_DUMP, seq: 2, payload: ifinfomsg(0, 0, 0, 1) }),
        0,
        kaddr,
      );
      const [done] = await drainMessages(fd);
      expect([done.nlmsg_type, done.nlmsg_flags, u.i32(done.payload, 0)]).toEqual([
        u.NLMSG_DONE,
        u.NLM_F_MULTI | u.NLM_F_ACK_TLVS,
        -u.ERRNO.EINVAL,
      ]);
      expect(u.cstring(u.parseAttrs(done.payload.subarray(4))[0].payload)).toBe(
        'Invalid values in header for link dump request',
      );
    });
  });

  it('setting lo up needs CAP_NET_ADMIN; as root it notifies RTNLGRP_LINK and shows in the next GETLINK', async () => {
    await sim(
      async () => {
        const fd = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        await u.sendto(
          fd,
          u.nlmsg({ type: u.RTM_NEWLINK, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: 1, payload: ifinfomsg(1, 1, 1) }),
          0,
          kaddr,
        );
        expect(u.parseNlmsgerr((await drainMessages(fd))[0])!.error).toBe(-u.ERRNO.EPERM);
        // rtnetlink_bind: the multicast-routing groups need CAP_NET_ADMIN, the others do not.
        expect(await u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_ADD_MEMBERSHIP, 1)).toBe(0);
        await errno(u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_ADD_MEMBERSHIP, 30), 'EPERM');
        await errno(u.setsockopt(fd, u.SOL_NETLINK, u.NETLINK_ADD_MEMBERSHIP, 31), 'EPERM');
      },
      { uid: 65534 },
    );
    await sim(async () => {
      const listener = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      await u.bind(listener, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 1 });
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      await u.sendto(
        fd,
        u.nlmsg({ type: u.RTM_NEWLINK, flags: u.NLM_F_REQUEST | u.NLM_F_ACK, seq: 1, payload: ifinfomsg(1, 1, 1) }),
        0,
        kaddr,
      );
      expect(u.parseNlmsgerr((await drainMessages(fd))[0])!.error).toBe(0);
      const note = await drainMessages(listener);
      expect(note.map((m) => [m.nlmsg_type, m.nlmsg_seq, m.nlmsg_pid, u.u32(m.payload, 8) & 1])).toEqual([
        [u.RTM_NEWLINK, 0, 0, 1],
      ]);
      await u.sendto(
        fd,
        u.nlmsg({ type: u.RTM_GETLINK, flags: u.NLM_F_REQUEST, seq: 2, payload: ifinfomsg(1) }),
        0,
        kaddr,
      );
      expect(u.u32((await drainMessages(fd))[0].payload, 8)).toBe(0x10049);
    });
  });

  it('RTM_GETADDR dump: nothing while lo was never up, then 127.0.0.1/8 and ::1/128 as this kernel sends them', async () => {
    await sim(async (kernel) => {
      const fd = await u.socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
      const dumpAddrs = async (family: number) => {
        await u.sendto(
          fd,
          u.nlmsg({
            type: 22,
            flags: u.NLM_F_REQUEST | u.NLM_F_DUMP,
            seq: 7,
            payload: new Uint8Array([family, 0, 0, 0, 0, 0, 0, 0]),
          }),
          0,
          kaddr,
        );
        return (await drainMessages(fd)).map((m) =>
          m.nlmsg_type === u.NLMSG_DONE
            ? 'DONE'
            : `${m.nlmsg_len} fam ${m.payload[0]} plen ${m.payload[1]} flags ${m.payload[2]} scope ${m.payload[3]} idx ${u.i32(m.payload, 4)} ` +
              u
                .parseAttrs(m.payload.subarray(8))
                .map((a) => `${a.type}:${a.type === 6 ? a.payload.length : Buffer.from(a.payload).toString('hex')}`)
                .join(' '),
        );
      };
      expect(await dumpAddrs(0)).toEqual(['DONE']);
      await u.sleep(6099920);
      await u.sendto(
        fd,
        u.nlmsg({ type: u.RTM_NEWLINK, flags: u.NLM_F_REQUEST, seq: 1, payload: ifinfomsg(1, 1, 1) }),
        0,
        kaddr,
      );
      expect(await dumpAddrs(0)).toEqual([
        '76 fam 2 plen 8 flags 128 scope 254 idx 1 1:7f000001 2:7f000001 3:6c6f00 8:80000000 6:16',
        '80 fam 10 plen 128 flags 128 scope 254 idx 1 1:00000000000000000000000000000001 6:16 8:80000000 11:01',
        'DONE',
      ]);
      expect(await dumpAddrs(10)).toHaveLength(2);
      expect(kernel.now()).toBe(6099920);
    });
  });
});
