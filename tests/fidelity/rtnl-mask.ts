/**
 * What legitimately differs between two kernels in NETLINK_ROUTE messages, zeroed before comparing:
 * time stamps counted from each kernel's boot (IFA_CACHEINFO's cstamp and tstamp; the tstamp and
 * the randomised reachable time in a link's IFLA_INET6_CACHEINFO) and the traffic counters of a
 * link (IFLA_STATS, IFLA_STATS64, and IPv6's and ICMPv6's counters after their count), which move
 * as the real kernel sends router solicitations and DAD probes on links that are up; a looked-up
 * route's RTA_CACHEINFO reference count (it depends on which per-CPU route cache entry served the
 * lookup) and last use (time); a neighbour's NDA_CACHEINFO confirmed, used and updated (times).
 */
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;

/** A copy of a datagram of NETLINK_ROUTE messages with those fields zeroed. */
export function rtnlMask(buf: Uint8Array): Uint8Array {
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
  for (let o = 0; o + 16 <= b.length; ) {
    const len = v.getUint32(o, true);
    if (len < 16 || o + len > b.length) break;
    const t = v.getUint16(o + 4, true);
    const end = o + len;
    if (t === RTM_NEWLINK || t === RTM_DELLINK) {
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
    if (t === RTM_NEWADDR || t === RTM_DELADDR)
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
    o += (len + 3) & ~3;
  }
  return b;
}
