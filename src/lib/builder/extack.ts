/**
 * Which attribute of the builder's datagram an extended ACK points at: the kernel's NLMSG_ERROR
 * for a request (found by its sequence number) may carry NLMSGERR_ATTR_OFFS, the offset of the
 * offending attribute from the start of that request (NL_SET_BAD_ATTR in the kernel). The
 * attribute starting there, the innermost one when nests start at the same byte, is the one the
 * lab marks, with NLMSGERR_ATTR_MSG when the kernel gave a reason.
 */
import { NLMSG_ERROR, NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS } from '../../api/uapi.ts';
import { encodeWithSpans, type Datagram } from './model.ts';

const NLM_F_CAPPED = 0x100;
const NLM_F_ACK_TLVS = 0x200;

/** One NLMSG_ERROR's extended ACK: the request's seq, its error, and the TLVs the lab reads. */
export interface ExtAck {
  seq: number;
  error: number;
  /** NLMSGERR_ATTR_OFFS: from the start of the request's nlmsghdr. */
  offset?: number;
  /** NLMSGERR_ATTR_MSG, without its NUL. */
  message?: string;
}

/** The extended ACKs (NLMSG_ERROR with NLM_F_ACK_TLVS) in a received datagram. */
export function extAcks(b: Uint8Array): ExtAck[] {
  const out: ExtAck[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let off = 0; off + 16 <= b.length; ) {
    const len = dv.getUint32(off, true);
    if (len < 16 || off + len > b.length) break;
    const type = dv.getUint16(off + 4, true);
    const flags = dv.getUint16(off + 6, true);
    if (type === NLMSG_ERROR && len >= 36 && flags & NLM_F_ACK_TLVS) {
      const error = dv.getInt32(off + 16, true);
      const reqLen = dv.getUint32(off + 20, true);
      const ack: ExtAck = { seq: dv.getUint32(off + 28, true), error };
      // The echoed request: its header only when CAPPED (always so for an ACK), else all of it.
      const capped = (flags & NLM_F_CAPPED) !== 0 || error === 0;
      let at = 16 + 4 + (capped ? 16 : (reqLen + 3) & ~3);
      while (at + 4 <= len) {
        const alen = dv.getUint16(off + at, true);
        const atype = dv.getUint16(off + at + 2, true) & 0x3fff;
        if (alen < 4 || at + alen > len) break;
        if (atype === NLMSGERR_ATTR_OFFS && alen >= 8) ack.offset = dv.getUint32(off + at + 4, true);
        if (atype === NLMSGERR_ATTR_MSG)
          ack.message = new TextDecoder().decode(b.subarray(off + at + 4, off + at + alen)).replace(/\0.*$/s, '');
        at += (alen + 3) & ~3;
      }
      out.push(ack);
    }
    off += (len + 3) & ~3;
  }
  return out;
}

/**
 * The path (as the builder's spans name it: "m0.a1.a0") of the attribute the replies' extended ACK
 * points at, and what the kernel said; undefined when no ACK points at an attribute of `d`.
 */
export function offendingAttr(d: Datagram, replies: Uint8Array[]): { path: string; message: string } | undefined {
  const { spans } = encodeWithSpans(d);
  let found: { path: string; message: string } | undefined;
  for (const r of replies) {
    for (const ack of extAcks(r)) {
      const mi = d.messages.findIndex((m) => m.seq === ack.seq);
      if (ack.offset === undefined || mi < 0) continue;
      const abs = spans.get(`m${mi}`)![0] + ack.offset;
      let best: string | undefined;
      for (const [k, [s0]] of spans)
        if (k.startsWith(`m${mi}.a`) && !k.endsWith('.tail') && s0 === abs && (!best || k.length > best.length))
          best = k;
      if (best) found = { path: best, message: ack.message || `error ${ack.error}` };
    }
  }
  return found;
}
