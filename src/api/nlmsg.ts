/**
 * Building and reading netlink messages from TypeScript: the NLMSG_* and NLA_* macros of
 * linux/netlink.h, plus small builders and parsers. Everything is little-endian, as on x86-64.
 */
import {
  NLMSG_ALIGNTO,
  NLMSG_HDRLEN,
  NLA_ALIGNTO,
  NLA_HDRLEN,
  NLA_F_NESTED,
  NLA_TYPE_MASK,
  NLMSG_ERROR,
  NLM_F_ACK_TLVS,
  GENL_HDRLEN,
} from './uapi.ts';

// ---- the macros -------------------------------------------------------------------------------

/** Round `len` up to the 4-byte netlink alignment. */
export const NLMSG_ALIGN = (len: number): number => (len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1);
/** nlmsg_len for a payload of `len` bytes: header + payload, not padded. */
export const NLMSG_LENGTH = (len: number): number => len + NLMSG_HDRLEN;
/** Bytes a message with a `len`-byte payload occupies, padding included. */
export const NLMSG_SPACE = (len: number): number => NLMSG_ALIGN(NLMSG_LENGTH(len));
/** The payload of the message at `offset` in `buf` (a view, not a copy). */
export const NLMSG_DATA = (buf: Uint8Array, offset = 0): Uint8Array => {
  const len = u32(buf, offset);
  return buf.subarray(offset + NLMSG_HDRLEN, offset + Math.max(len, NLMSG_HDRLEN));
};
/** Whether a whole message starts at `offset` with `remaining` bytes left, like NLMSG_OK. */
export const NLMSG_OK = (buf: Uint8Array, offset: number, remaining: number): boolean =>
  remaining >= NLMSG_HDRLEN && u32(buf, offset) >= NLMSG_HDRLEN && u32(buf, offset) <= remaining;
/** The offset of the next message after the one at `offset`, like NLMSG_NEXT. */
export const NLMSG_NEXT = (buf: Uint8Array, offset: number): number => offset + NLMSG_ALIGN(u32(buf, offset));
/** The payload length of the message at `offset`, after a payload header of `hdrlen` bytes. */
export const NLMSG_PAYLOAD = (buf: Uint8Array, offset: number, hdrlen = 0): number =>
  u32(buf, offset) - NLMSG_SPACE(hdrlen);

export const NLA_ALIGN = (len: number): number => (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);
export const NLA_LENGTH = (len: number): number => len + NLA_HDRLEN;

// ---- little-endian access ---------------------------------------------------------------------

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
export const u16 = (b: Uint8Array, off: number): number => view(b).getUint16(off, true);
export const u32 = (b: Uint8Array, off: number): number => view(b).getUint32(off, true);
export const i32 = (b: Uint8Array, off: number): number => view(b).getInt32(off, true);

/** Concatenate byte arrays. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
/** The bytes of a string, with a terminating NUL when `nul` is true (C strings). */
export const bytes = (s: string, nul = false): Uint8Array => (nul ? enc.encode(s + '\0') : enc.encode(s));
/** A C string from bytes: stops at the first NUL. */
export const cstring = (b: Uint8Array): string => {
  const z = b.indexOf(0);
  return dec.decode(z < 0 ? b : b.subarray(0, z));
};

// ---- nlmsghdr ----------------------------------------------------------------------------------

/** struct nlmsghdr, decoded. */
export interface NlMsgHdr {
  nlmsg_len: number;
  nlmsg_type: number;
  nlmsg_flags: number;
  nlmsg_seq: number;
  nlmsg_pid: number;
}

/** A decoded message: its header, its payload (a view), and where it started in the datagram. */
export interface NlMsg extends NlMsgHdr {
  payload: Uint8Array;
  offset: number;
}

export interface NlMsgInit {
  type: number;
  flags?: number;
  seq?: number;
  pid?: number;
  payload?: Uint8Array | Uint8Array[];
  len?: number;
}

/**
 * One netlink message: a 16-byte header, then the payload padded to 4 bytes.
 * `len` overrides nlmsg_len (to try a malformed message); it defaults to header + payload.
 */
export function nlmsg({ type, flags = 0, seq = 0, pid = 0, payload = new Uint8Array(0), len }: NlMsgInit): Uint8Array {
  const body = Array.isArray(payload) ? concat(...payload) : payload;
  const out = new Uint8Array(NLMSG_SPACE(body.length));
  const v = view(out);
  v.setUint32(0, len ?? NLMSG_LENGTH(body.length), true);
  v.setUint16(4, type, true);
  v.setUint16(6, flags, true);
  v.setUint32(8, seq >>> 0, true);
  v.setUint32(12, pid >>> 0, true);
  out.set(body, NLMSG_HDRLEN);
  return out;
}

/** Walk the messages of a datagram as NLMSG_OK/NLMSG_NEXT do; stops at the first malformed one. */
export function parseNlmsgs(buf: Uint8Array): NlMsg[] {
  const out: NlMsg[] = [];
  for (let off = 0; NLMSG_OK(buf, off, buf.length - off); off = NLMSG_NEXT(buf, off)) {
    const v = view(buf);
    const nlmsg_len = v.getUint32(off, true);
    out.push({
      nlmsg_len,
      nlmsg_type: v.getUint16(off + 4, true),
      nlmsg_flags: v.getUint16(off + 6, true),
      nlmsg_seq: v.getUint32(off + 8, true),
      nlmsg_pid: v.getUint32(off + 12, true),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + nlmsg_len),
      offset: off,
    });
  }
  return out;
}

// ---- struct nlmsgerr ---------------------------------------------------------------------------

/** An NLMSG_ERROR message, decoded: error 0 is an ACK. */
export interface NlMsgErr {
  /** 0 for an ACK, otherwise a negative errno. */
  error: number;
  /** The header of the request it answers, as sent. */
  msg: NlMsgHdr;
  /** The request's payload when the kernel echoed it (not for ACKs, not with NETLINK_CAP_ACK). */
  payload: Uint8Array;
  /** Extended ACK attributes (NLMSGERR_ATTR_*), when NLM_F_ACK_TLVS is set. */
  tlvs: NlAttr[];
}

/** Decode the payload of an NLMSG_ERROR message. Returns null for any other type. */
export function parseNlmsgerr(m: NlMsg): NlMsgErr | null {
  if (m.nlmsg_type !== NLMSG_ERROR || m.payload.length < 20) return null;
  const p = m.payload;
  const error = i32(p, 0);
  const msg: NlMsgHdr = {
    nlmsg_len: u32(p, 4),
    nlmsg_type: u16(p, 8),
    nlmsg_flags: u16(p, 10),
    nlmsg_seq: u32(p, 12),
    nlmsg_pid: u32(p, 16),
  };
  const capped = (m.nlmsg_flags & 0x100) !== 0 || error === 0;
  const echoed = capped ? 0 : Math.max(0, NLMSG_ALIGN(msg.nlmsg_len) - NLMSG_HDRLEN);
  const payload = p.subarray(20, Math.min(p.length, 20 + echoed));
  const tlvs = m.nlmsg_flags & NLM_F_ACK_TLVS ? parseAttrs(p.subarray(20 + echoed)) : [];
  return { error, msg, payload, tlvs };
}

// ---- struct nlattr -----------------------------------------------------------------------------

/** A decoded attribute. `type` has the NLA_F_* bits removed; `nested` tells whether NLA_F_NESTED was set. */
export interface NlAttr {
  type: number;
  nested: boolean;
  len: number;
  payload: Uint8Array;
  offset: number;
}

/** One attribute: 4-byte header (nla_len, nla_type), payload, padding to 4 bytes. */
export function nla(type: number, payload: Uint8Array | Uint8Array[] = new Uint8Array(0)): Uint8Array {
  const body = Array.isArray(payload) ? concat(...payload) : payload;
  const out = new Uint8Array(NLA_ALIGN(NLA_LENGTH(body.length)));
  const v = view(out);
  v.setUint16(0, NLA_LENGTH(body.length), true);
  v.setUint16(2, type, true);
  out.set(body, NLA_HDRLEN);
  return out;
}
const num = (size: number, set: (v: DataView) => void) => {
  const b = new Uint8Array(size);
  set(view(b));
  return b;
};
export const nla_u8 = (type: number, v: number) =>
  nla(
    type,
    num(1, (d) => d.setUint8(0, v)),
  );
export const nla_u16 = (type: number, v: number) =>
  nla(
    type,
    num(2, (d) => d.setUint16(0, v, true)),
  );
export const nla_u32 = (type: number, v: number) =>
  nla(
    type,
    num(4, (d) => d.setUint32(0, v >>> 0, true)),
  );
export const nla_u64 = (type: number, v: bigint) =>
  nla(
    type,
    num(8, (d) => d.setBigUint64(0, v, true)),
  );
export const nla_s32 = (type: number, v: number) =>
  nla(
    type,
    num(4, (d) => d.setInt32(0, v, true)),
  );
/** NLA_NUL_STRING / NLA_STRING with the terminating NUL (what the kernel's nla_put_string writes). */
export const nla_string = (type: number, s: string) => nla(type, bytes(s, true));
export const nla_flag = (type: number) => nla(type);
/** A nest: the attributes inside, under one header. Linux's generic netlink often leaves NLA_F_NESTED unset. */
export const nla_nest = (type: number, attrs: Uint8Array[], flagNested = false) =>
  nla(flagNested ? type | NLA_F_NESTED : type, attrs);

/** Walk attributes like nla_for_each_attr: stops at the first one whose length does not fit. */
export function parseAttrs(buf: Uint8Array): NlAttr[] {
  const out: NlAttr[] = [];
  let off = 0;
  while (buf.length - off >= NLA_HDRLEN) {
    const len = u16(buf, off);
    if (len < NLA_HDRLEN || len > buf.length - off) break;
    const t = u16(buf, off + 2);
    out.push({
      type: t & NLA_TYPE_MASK,
      nested: (t & NLA_F_NESTED) !== 0,
      len,
      payload: buf.subarray(off + NLA_HDRLEN, off + len),
      offset: off,
    });
    off += NLA_ALIGN(len);
  }
  return out;
}

/** Attributes by type (the last of each type wins, as nla_parse does). */
export function attrMap(buf: Uint8Array): Map<number, NlAttr> {
  return new Map(parseAttrs(buf).map((a) => [a.type, a]));
}

// ---- struct genlmsghdr -------------------------------------------------------------------------

/** struct genlmsghdr: cmd, version, 2 reserved bytes. */
export function genlmsghdr(cmd: number, version = 1): Uint8Array {
  return new Uint8Array([cmd, version, 0, 0]);
}
/** Split a generic netlink payload into its header and its attributes (after `hdrsize` user-header bytes). */
export function parseGenl(
  payload: Uint8Array,
  hdrsize = 0,
): { cmd: number; version: number; userhdr: Uint8Array; attrs: NlAttr[] } {
  return {
    cmd: payload[0] ?? 0,
    version: payload[1] ?? 0,
    userhdr: payload.subarray(GENL_HDRLEN, GENL_HDRLEN + hdrsize),
    attrs: parseAttrs(payload.subarray(GENL_HDRLEN + NLMSG_ALIGN(hdrsize))),
  };
}

/** Hex of bytes, grouped like the reference notes (`20000000 1000 0500 …` is up to the caller). */
export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
