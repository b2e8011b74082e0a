/**
 * Netlink captures in the format nlmon gives them (Wireshark's and tshark's LINKTYPE_NETLINK = 253):
 * a classic pcap file whose packets each start with the 16-byte Linux "cooked" header libpcap puts
 * before what it reads from an nlmon device — packet type, ARPHRD_NETLINK (824), address length and
 * 8 address bytes (unused, 0), and the netlink protocol (NETLINK_ROUTE, NETLINK_GENERIC, …), all
 * big-endian — then the netlink datagram as it crossed. A capture taken on a real nlmon device
 * through a packet socket (tcpdump, dumpcap, the VM's nlcap) has PACKET_OUTGOING (4) as the packet
 * type of every datagram, since nlmon transmits them (seen in the 6.1 VM); the exports written here
 * say which way each went, PACKET_KERNEL (7) to a kernel socket and PACKET_USER (6) to a user one
 * (include/uapi/linux/if_packet.h), which tshark shows as the packet type.
 *
 * Writing gives classic pcap (microsecond timestamps). Reading takes classic pcap in either byte
 * order with micro- or nanosecond timestamps, and pcapng (what dumpcap writes by default).
 */

/** LINKTYPE_NETLINK: what nlmon captures are. */
export const LINKTYPE_NETLINK = 253;
/** ARPHRD_NETLINK, the device type of nlmon (include/uapi/linux/if_arp.h). */
export const ARPHRD_NETLINK = 824;
/** include/uapi/linux/if_packet.h: a datagram to user space / to the kernel. */
export const PACKET_USER = 6;
export const PACKET_KERNEL = 7;
/** The cooked header's length. */
export const SLL_HDR_LEN = 16;

/** One captured datagram. */
export interface CapturedDatagram {
  /** Capture time in ms (virtual time for a simulated run). */
  time: number;
  /** The netlink protocol of the socket (NETLINK_ROUTE = 0, NETLINK_GENERIC = 16, …). */
  protocol: number;
  /** 'kernel' when it went to a kernel socket (PACKET_KERNEL), 'user' when to a user socket, 'unknown' for another packet type (PACKET_OUTGOING from a live nlmon capture). */
  to: 'kernel' | 'user' | 'unknown';
  /** The netlink datagram. */
  data: Uint8Array;
  /** Its original length, when the capture cut it (snaplen). */
  origLen?: number;
}

/** A capture file that cannot be read: says what and where. */
export class PcapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PcapError';
  }
}

/** A pcap file (LINKTYPE_NETLINK) holding `packets` in order. */
export function writePcap(packets: readonly CapturedDatagram[]): Uint8Array {
  const size = 24 + packets.reduce((n, p) => n + 16 + SLL_HDR_LEN + p.data.length, 0);
  const out = new Uint8Array(size);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0xa1b2c3d4, true); // magic, microsecond timestamps, written little-endian
  v.setUint16(4, 2, true);
  v.setUint16(6, 4, true);
  v.setInt32(8, 0, true); // thiszone
  v.setUint32(12, 0, true); // sigfigs
  v.setUint32(16, 262144, true); // snaplen
  v.setUint32(20, LINKTYPE_NETLINK, true);
  let off = 24;
  for (const p of packets) {
    const us = Math.max(0, Math.round(p.time * 1000));
    v.setUint32(off, Math.floor(us / 1e6), true);
    v.setUint32(off + 4, us % 1e6, true);
    v.setUint32(off + 8, SLL_HDR_LEN + p.data.length, true);
    v.setUint32(off + 12, SLL_HDR_LEN + (p.origLen ?? p.data.length), true);
    off += 16;
    v.setUint16(off, p.to === 'kernel' ? PACKET_KERNEL : PACKET_USER, false);
    v.setUint16(off + 2, ARPHRD_NETLINK, false);
    v.setUint16(off + 4, 0, false); // no link-layer address
    // off + 6 … off + 14: the 8 address bytes, zero
    v.setUint16(off + 14, p.protocol, false);
    out.set(p.data, off + SLL_HDR_LEN);
    off += SLL_HDR_LEN + p.data.length;
  }
  return out;
}

/** The datagrams of a capture: classic pcap or pcapng, LINKTYPE_NETLINK only. */
export function readPcap(file: Uint8Array): CapturedDatagram[] {
  if (file.length < 4) throw new PcapError(`not a capture file: ${file.length} bytes is too short for any header`);
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (v.getUint32(0, true) === 0x0a0d0d0a) return readPcapng(file, v);
  const magicLE = v.getUint32(0, true);
  const magicBE = v.getUint32(0, false);
  const le = magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d;
  if (!le && magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
    throw new PcapError(`not a pcap or pcapng file: magic number 0x${magicBE.toString(16).padStart(8, '0')}`);
  }
  if (file.length < 24) throw new PcapError('pcap file cut short inside its 24-byte header');
  const nano = (le ? magicLE : magicBE) === 0xa1b23c4d;
  const linktype = v.getUint32(20, le) & 0x0fffffff;
  if (linktype !== LINKTYPE_NETLINK)
    throw new PcapError(`link type ${linktype}, not LINKTYPE_NETLINK (253): this capture is not from an nlmon device`);
  const out: CapturedDatagram[] = [];
  for (let off = 24, n = 1; off < file.length; n++) {
    if (file.length - off < 16) throw new PcapError(`packet ${n}: record header cut short at byte ${off}`);
    const sec = v.getUint32(off, le);
    const frac = v.getUint32(off + 4, le);
    const incl = v.getUint32(off + 8, le);
    const orig = v.getUint32(off + 12, le);
    off += 16;
    if (incl > file.length - off)
      throw new PcapError(`packet ${n}: ${incl} bytes announced, ${file.length - off} left in the file`);
    out.push(cooked(file.subarray(off, off + incl), sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), orig, n));
    off += incl;
  }
  return out;
}

function cooked(pkt: Uint8Array, time: number, orig: number, n: number): CapturedDatagram {
  if (pkt.length < SLL_HDR_LEN)
    throw new PcapError(`packet ${n}: ${pkt.length} bytes, shorter than the 16-byte cooked header`);
  const v = new DataView(pkt.buffer, pkt.byteOffset, pkt.byteLength);
  const hatype = v.getUint16(2, false);
  if (hatype !== ARPHRD_NETLINK) throw new PcapError(`packet ${n}: device type ${hatype}, not ARPHRD_NETLINK (824)`);
  const type = v.getUint16(0, false);
  const d: CapturedDatagram = {
    time,
    protocol: v.getUint16(14, false),
    to: type === PACKET_KERNEL ? 'kernel' : type === PACKET_USER ? 'user' : 'unknown',
    data: pkt.slice(SLL_HDR_LEN),
  };
  if (orig > pkt.length) d.origLen = orig - SLL_HDR_LEN;
  return d;
}

/** pcapng: section header, interface descriptions (their link types and timestamp units), packets. */
function readPcapng(file: Uint8Array, v: DataView): CapturedDatagram[] {
  if (file.length < 12) throw new PcapError('pcapng file cut short inside its section header');
  const bom = v.getUint32(8, true);
  const le = bom === 0x1a2b3c4d;
  if (!le && v.getUint32(8, false) !== 0x1a2b3c4d)
    throw new PcapError('pcapng section header with an unknown byte-order magic');
  const ifaces: { linktype: number; tsres: number }[] = [];
  const out: CapturedDatagram[] = [];
  for (let off = 0, n = 0; off < file.length; ) {
    if (file.length - off < 12) throw new PcapError(`pcapng block at byte ${off} cut short`);
    const type = v.getUint32(off, le);
    const len = v.getUint32(off + 4, le);
    if (len < 12 || len % 4 !== 0 || len > file.length - off)
      throw new PcapError(`pcapng block at byte ${off}: bad length ${len}`);
    if (type === 1) {
      // Interface Description Block: link type, then options (if_tsresol = 9)
      let tsres = 1e-6;
      for (let o = off + 16; o + 4 <= off + len - 4; ) {
        const code = v.getUint16(o, le);
        const olen = v.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const r = file[o + 4]!;
          tsres = r & 0x80 ? 2 ** -(r & 0x7f) : 10 ** -r;
        }
        o += 4 + Math.ceil(olen / 4) * 4;
      }
      ifaces.push({ linktype: v.getUint16(off + 8, le), tsres });
    } else if (type === 6 || type === 3) {
      // Enhanced / Simple Packet Block
      n++;
      const epb = type === 6;
      const iface = ifaces[epb ? v.getUint32(off + 8, le) : 0];
      if (!iface) throw new PcapError(`packet ${n}: refers to an interface the file does not describe`);
      if (iface.linktype !== LINKTYPE_NETLINK)
        throw new PcapError(
          `packet ${n}: link type ${iface.linktype}, not LINKTYPE_NETLINK (253): not an nlmon capture`,
        );
      const ts = epb ? v.getUint32(off + 12, le) * 2 ** 32 + v.getUint32(off + 16, le) : 0;
      const incl = epb ? v.getUint32(off + 20, le) : Math.min(v.getUint32(off + 8, le), len - 16);
      const orig = epb ? v.getUint32(off + 24, le) : v.getUint32(off + 8, le);
      const dataOff = off + (epb ? 28 : 12);
      if (dataOff + incl > off + len)
        throw new PcapError(`packet ${n}: ${incl} bytes announced, the block holds fewer`);
      out.push(cooked(file.subarray(dataOff, dataOff + incl), ts * iface.tsres * 1000, orig, n));
    }
    off += len;
  }
  return out;
}
