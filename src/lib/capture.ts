/**
 * A run's messages as a capture and back: the datagrams the Messages panel shows, written as an
 * nlmon-style pcap (src/lib/pcap.ts), and a capture read back as decoded messages — with generic
 * netlink families resolved from the capture's own nlctrl replies, as on a live run.
 */
import type { SyscallEvent } from '../api/observe.ts';
import { decodeDatagram, type Field, type GenlFamilySpec } from './decode/index.ts';
import { resolveFamilies } from './decode/families.ts';
import { readPcap, writePcap, type CapturedDatagram } from './pcap.ts';

/** A syscall record with its socket's protocol (the shape the runtime and the CLI record). */
export type RecordWithProtocol = SyscallEvent & { protocol?: number };

/**
 * The datagrams that crossed, as nlmon would have seen them: each one a process sent (to the kernel,
 * or to another process's port) and each one a process received. A refused send never reached a
 * socket, so it is left out; a receive cut by MSG_TRUNC keeps its whole length as the original length.
 */
export function capturedFromRecords(records: readonly RecordWithProtocol[]): CapturedDatagram[] {
  const out: CapturedDatagram[] = [];
  for (const e of records) {
    if (!e.data || !e.dir || e.errno !== undefined || e.protocol === undefined) continue;
    const toPort = e.addr ? e.addr.nl_pid >>> 0 : 0;
    const d: CapturedDatagram = {
      time: e.dir === 'out' ? (e.start ?? e.time) : e.time,
      protocol: e.protocol,
      to: e.dir === 'out' && toPort === 0 && !e.addr?.nl_groups ? 'kernel' : 'user',
      data: e.data,
    };
    if (e.dir === 'in' && e.ret !== undefined && e.ret > e.data.length) d.origLen = e.ret;
    out.push(d);
  }
  return out;
}

/** A run's messages as a pcap file (LINKTYPE_NETLINK). */
export const pcapFromRecords = (records: readonly RecordWithProtocol[]): Uint8Array =>
  writePcap(capturedFromRecords(records));

/**
 * Who sent a captured datagram: a process when it went to the kernel, the kernel when it went to a
 * user socket; for a live nlmon capture, which does not say, a request (NLM_F_REQUEST) came from a
 * process and anything else from the kernel.
 */
function senderOf(p: CapturedDatagram): 'kernel' | 'process' {
  if (p.to !== 'unknown') return p.to === 'kernel' ? 'process' : 'kernel';
  return p.data.length >= 8 && p.data[6]! & 1 ? 'process' : 'kernel';
}

/** One packet of a capture, decoded. */
export interface DecodedPacket {
  n: number;
  packet: CapturedDatagram;
  fields: Field[];
}

/** Every packet of a capture decoded; families from the capture's nlctrl replies (plus `families`). */
export function decodeCapture(
  file: Uint8Array,
  families: GenlFamilySpec[] = [],
): { packets: DecodedPacket[]; families: GenlFamilySpec[] } {
  const packets = readPcap(file);
  const resolved = [...families, ...resolveFamilies(packets)];
  return {
    families: resolved,
    packets: packets.map((p, i) => ({
      n: i + 1,
      packet: p,
      fields: decodeDatagram(p.data, {
        protocol: p.protocol,
        families: resolved,
        sender: senderOf(p),
        ...(p.origLen ? { truncatedFrom: p.origLen } : {}),
      }),
    })),
  };
}
