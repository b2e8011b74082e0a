/**
 * The source article's five helpers — genlmsg_open, genlmsg_send, genlmsg_recv, genlmsg_dispatch
 * and genlmsg_get_family_id — written anew in TypeScript over raw bytes, with the article's two
 * mistakes corrected (genlmsg_recv returns what it received; the attributes of a message are
 * nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN bytes long) and the nested groups read.
 */
import {
  socket, bind, sendto, recvfrom, u16, u32, cstring, NLMSG_OK, NLMSG_NEXT, NLMSG_SPACE, NLA_ALIGN,
  AF_NETLINK, SOCK_RAW, NETLINK_GENERIC, NLM_F_REQUEST, NLMSG_ERROR, NLA_HDRLEN, GENL_HDRLEN,
  NLMSG_HDRLEN, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_MCAST_GROUPS, CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID,
} from 'netlink-lab/user';

// The attribute walkers user space has to write itself (linux/netlink.h only gives NLA_ALIGN and
// NLA_HDRLEN): the same shape as NLMSG_OK / NLMSG_NEXT, on an offset into `buf`.
/** A whole attribute starts at `off` with `left` bytes left. */
export const NLA_OK = (buf: Uint8Array, off: number, left: number): boolean =>
  left >= NLA_HDRLEN && u16(buf, off) >= NLA_HDRLEN && u16(buf, off) <= left;
/** The offset of the attribute after the one at `off`. */
export const NLA_NEXT = (buf: Uint8Array, off: number): number => off + NLA_ALIGN(u16(buf, off));
/** nla_type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits. */
export const NLA_TYPE = (buf: Uint8Array, off: number): number => u16(buf, off + 2) & 0x3fff;

/** A NETLINK_GENERIC socket with a port id chosen by the kernel. */
export async function genlmsg_open(): Promise<number> {
  const fd = await socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
  await bind(fd, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
  return fd;
}

/**
 * Send one generic netlink message with one attribute: nlmsghdr (16 bytes), genlmsghdr (4), then
 * nla_len, nla_type and the value, padded to 4. Resolves to the bytes sent.
 */
export async function genlmsg_send(fd: number, type: number, pid: number, cmd: number, version: number,
  nla_type: number, value: Uint8Array): Promise<number> {
  const len = NLMSG_SPACE(GENL_HDRLEN + NLA_ALIGN(NLA_HDRLEN + value.length));
  const buf = new Uint8Array(len);
  const v = new DataView(buf.buffer);
  v.setUint32(0, len, true);              // nlmsg_len
  v.setUint16(4, type, true);             // nlmsg_type: the family id
  v.setUint16(6, NLM_F_REQUEST, true);    // nlmsg_flags
  v.setUint32(8, 0, true);                // nlmsg_seq
  v.setUint32(12, pid, true);             // nlmsg_pid
  buf[16] = cmd;                          // genlmsghdr.cmd
  buf[17] = version;                      // genlmsghdr.version (reserved stays 0)
  v.setUint16(20, NLA_HDRLEN + value.length, true);   // nla_len: header + value, not the padding
  v.setUint16(22, nla_type, true);                    // nla_type
  buf.set(value, 24);                                 // the value; the padding stays zero
  return sendto(fd, buf, 0, { nl_family: AF_NETLINK, nl_pid: 0, nl_groups: 0 });
}

/** Receive one datagram into `buf`; resolves to its length. */
export async function genlmsg_recv(fd: number, buf: Uint8Array): Promise<number> {
  const { n } = await recvfrom(fd, buf, 0);
  return n;
}

/**
 * Walk every message of the first `n` bytes of `buf` and every top-level attribute of each, and
 * call `found` for each attribute. Prints how many bytes of attributes each message holds.
 */
export function genlmsg_dispatch(buf: Uint8Array, n: number, found: (type: number, off: number, len: number) => void): void {
  for (let off = 0, left = n; NLMSG_OK(buf, off, left);) {
    const nlmsg_len = u32(buf, off);
    const nlmsg_type = u16(buf, off + 4);
    if (nlmsg_type === NLMSG_ERROR) {
      console.log(`NLMSG_ERROR: error ${new DataView(buf.buffer, buf.byteOffset).getInt32(off + NLMSG_HDRLEN, true)}`);
    } else {
      const attrs = off + NLMSG_HDRLEN + GENL_HDRLEN;            // the first attribute
      const attrlen = nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;    // nlmsg_len counts the nlmsghdr too
      console.log(`message of family id ${nlmsg_type}, cmd ${buf[off + NLMSG_HDRLEN]}: ${attrlen} bytes of attributes`);
      for (let a = attrs, l = attrlen; NLA_OK(buf, a, l);) {
        found(NLA_TYPE(buf, a), a + NLA_HDRLEN, u16(buf, a) - NLA_HDRLEN);
        const next = NLA_NEXT(buf, a);
        l -= next - a;
        a = next;
      }
    }
    const next = NLMSG_NEXT(buf, off);
    left -= next - off;
    off = next;
  }
}

/** What nlctrl told us about a family. */
export interface FamilyIds { id: number; groups: Map<string, number> }

/** Ask nlctrl (GENL_ID_CTRL) for a family by name: CTRL_CMD_GETFAMILY with CTRL_ATTR_FAMILY_NAME. */
export async function genlmsg_get_family_id(fd: number, name: string): Promise<FamilyIds> {
  await genlmsg_send(fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME, new TextEncoder().encode(name + '\0'));
  const buf = new Uint8Array(4096);
  const n = (await genlmsg_recv(fd, buf)) ?? 0;
  const out: FamilyIds = { id: 0, groups: new Map() };
  genlmsg_dispatch(buf, n, (type, off, len) => {
    if (type === CTRL_ATTR_FAMILY_ID) out.id = u16(buf, off);
    if (type !== CTRL_ATTR_MCAST_GROUPS) return;
    for (let g = off, gl = len; NLA_OK(buf, g, gl);) {             // one nest per group: 1, 2, …
      let grpName = '';
      let grpId = 0;
      for (let a = g + NLA_HDRLEN, al = u16(buf, g) - NLA_HDRLEN; NLA_OK(buf, a, al);) {
        const data = buf.subarray(a + NLA_HDRLEN, a + u16(buf, a));
        if (NLA_TYPE(buf, a) === CTRL_ATTR_MCAST_GRP_NAME) grpName = cstring(data);
        if (NLA_TYPE(buf, a) === CTRL_ATTR_MCAST_GRP_ID) grpId = u32(data, 0);
        const next = NLA_NEXT(buf, a);
        al -= next - a;
        a = next;
      }
      out.groups.set(grpName, grpId);
      const next = NLA_NEXT(buf, g);
      gl -= next - g;
      g = next;
    }
  });
  return out;
}
