/**
 * A netlink datagram as a tree of fields: each message's nlmsghdr with its type and flags named,
 * then its payload by protocol (generic netlink's genlmsghdr and attributes, rtnetlink's ifinfomsg,
 * NLMSG_ERROR's struct nlmsgerr with the echoed request and the extended-ACK TLVs, raw bytes for
 * protocols without a format), then the padding. Pure: bytes and names in, fields out.
 */
import {
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
} from '../../api/uapi.ts';
import { NLMSG_ALIGN } from '../../api/nlmsg.ts';
import { errnoName } from '../../api/errno.ts';
import { decodeAttrs, padding } from './attrs.ts';
import { asCString, hexBytes, quote, rd16, rd32, rd8, rds32 } from './bytes.ts';
import { field, type Field } from './field.ts';
import { controlTypeName, flagContextOf, flagNames, rtmName, type FlagContext } from './names.ts';
import { NLCTRL, NLMSGERR_ATTRS, type GenlFamilySpec } from './specs.ts';
import { rtnlBody, rtnlSpecBody } from './rtnl.ts';

/** What the decoder is told about where the bytes travelled. */
export interface DecodeContext {
  /** The socket's protocol (NETLINK_GENERIC, …); unknown protocols get their payload as bytes. */
  protocol?: number;
  /** Generic netlink families known by id (nlctrl is always known). */
  families?: GenlFamilySpec[];
  /** Who sent the datagram: 'kernel' (received from port 0), 'process' (a process sent it, or it came from a process's port). */
  sender?: 'kernel' | 'process';
  /** The datagram was cut by MSG_TRUNC: its whole length (the bytes here are what the buffer held). */
  truncatedFrom?: number;
}

/** What a message type means on a protocol. */
export interface TypeInfo {
  /** 'NLMSG_ERROR', 'RTM_GETLINK', 'nlctrl', 'DOC_EXMPL', or the number. */
  name: string;
  /** The generic netlink family, when the type is one. */
  family?: GenlFamilySpec;
}

/** Name a message type: control types, RTM_* on NETLINK_ROUTE, a family on NETLINK_GENERIC. */
export function typeInfo(type: number, ctx: DecodeContext): TypeInfo {
  const control = controlTypeName(type);
  if (control) return { name: control };
  if (type < NLMSG_MIN_TYPE) return { name: `reserved control type ${type}` };
  if (ctx.protocol === NETLINK_ROUTE) return { name: rtmName(type) ?? `${type}` };
  if (ctx.protocol === NETLINK_GENERIC) {
    const family = familyById(type, ctx);
    return family ? { name: family.name, family } : { name: `family ${type} (0x${type.toString(16)})` };
  }
  return { name: `${type} (0x${type.toString(16)})` };
}

// nlctrl's names are built in; other families come from the context.
const familyById = (id: number, ctx: DecodeContext): GenlFamilySpec | undefined =>
  id === GENL_ID_CTRL ? NLCTRL : ctx.families?.find((f) => f.id === id);

/**
 * Decode every message of a datagram, as the kernel walks them (NLMSG_OK/NLMSG_NEXT). A message
 * whose nlmsg_len is too small or too large ends the walk; what follows is 'trailing'.
 */
export function decodeDatagram(buf: Uint8Array, ctx: DecodeContext = {}): Field[] {
  const out: Field[] = [];
  let off = 0;
  while (off < buf.length) {
    const left = buf.length - off;
    const len = left >= NLMSG_HDRLEN ? rd32(buf, off) : 0;
    if (ctx.truncatedFrom !== undefined && ctx.truncatedFrom > buf.length && (left < NLMSG_HDRLEN || len > left)) {
      // Not malformed: the receive buffer was too small and MSG_TRUNC cut the datagram here.
      out.push(
        field('cut off (MSG_TRUNC)', 'trailing', off, buf.length, {
          value: `${left} of the message's ${left >= NLMSG_HDRLEN ? len : '?'} bytes`,
          note: `the datagram had ${ctx.truncatedFrom} bytes; the receive buffer held ${buf.length}, so the rest was cut off and lost`,
          ...(left >= NLMSG_HDRLEN ? { children: [nlmsghdr(buf, off, ctx, 'nlmsghdr')] } : {}),
        }),
      );
      break;
    }
    if (left < NLMSG_HDRLEN) {
      out.push(
        field('trailing bytes', 'trailing', off, buf.length, {
          value: hexBytes(buf.subarray(off)),
          note: `${left} bytes, fewer than a 16-byte nlmsghdr: the kernel ignores them`,
        }),
      );
      break;
    }
    if (len < NLMSG_HDRLEN || len > left) {
      const hdr = nlmsghdr(buf, off, ctx, 'nlmsghdr');
      out.push(
        field(`malformed message`, 'trailing', off, buf.length, {
          value: `nlmsg_len ${len}`,
          note:
            len < NLMSG_HDRLEN
              ? `nlmsg_len ${len} is less than the 16-byte header: the kernel drops this message and the rest of the datagram`
              : `nlmsg_len ${len} is more than the ${left} bytes left: the kernel drops this message and the rest of the datagram`,
          children: [hdr],
        }),
      );
      break;
    }
    out.push(decodeMessage(buf, off, len, ctx));
    off += NLMSG_ALIGN(len);
  }
  return out;
}

/** One message of `len` bytes at `off`, with its padding when the datagram has it. */
function decodeMessage(buf: Uint8Array, off: number, len: number, ctx: DecodeContext): Field {
  const type = rd16(buf, off + 4);
  const flags = rd16(buf, off + 6);
  const info = typeInfo(type, ctx);
  const body = decodeBody(buf, off + NLMSG_HDRLEN, off + len, type, flags, info, ctx);
  const children = [nlmsghdr(buf, off, ctx, 'nlmsghdr', body.flagCtx), ...body.fields];
  const padEnd = Math.min(off + NLMSG_ALIGN(len), buf.length);
  if (padEnd > off + len) children.push(padding(buf, off + len, padEnd, 'message'));
  return field(body.title ?? info.name, 'message', off, padEnd, { value: body.summary, children });
}

/** The 16-byte header as five fields. */
function nlmsghdr(buf: Uint8Array, off: number, ctx: DecodeContext, label: string, flagCtx?: FlagContext): Field {
  const type = rd16(buf, off + 4);
  const flags = rd16(buf, off + 6);
  const info = typeInfo(type, ctx);
  const fctx =
    flagCtx ?? (type === NLMSG_ERROR || type === NLMSG_DONE ? 'ack' : guessFlagCtx(buf, off, type, flags, info, ctx));
  return field(label, 'header', off, off + NLMSG_HDRLEN, {
    value: `type ${info.name}, seq ${rd32(buf, off + 8)}, pid ${rd32(buf, off + 12)}`,
    children: [
      field('nlmsg_len', 'field', off, off + 4, {
        value: `${rd32(buf, off)}`,
        note: 'the message length: header + payload, without the final padding',
      }),
      field('nlmsg_type', 'field', off + 4, off + 6, {
        value: info.name.startsWith(`${type}`) ? info.name : `${info.name} (${type})`,
      }),
      field('nlmsg_flags', 'field', off + 6, off + 8, { value: flagNames(flags, fctx) }),
      field('nlmsg_seq', 'field', off + 8, off + 12, { value: `${rd32(buf, off + 8)}` }),
      field('nlmsg_pid', 'field', off + 12, off + 16, {
        value: `${rd32(buf, off + 12)}`,
        note: pidNote(rd32(buf, off + 12), ctx),
      }),
    ],
  });
}

/** What nlmsg_pid says, as far as who sent the datagram is known. */
function pidNote(pid: number, ctx: DecodeContext): string {
  if (ctx.sender === 'kernel')
    return pid === 0
      ? 'the kernel (port id 0) sent this message'
      : "the port id the kernel put here (the request's sender, for a reply)";
  if (ctx.sender === 'process')
    return pid === 0
      ? 'left 0 by the process that sent it (the kernel does not check or fill it in)'
      : 'the port id the sending process put here (the kernel does not check it)';
  return 'the port id the sender put here (0 in what the kernel sends)';
}

function guessFlagCtx(
  buf: Uint8Array,
  off: number,
  type: number,
  flags: number,
  info: TypeInfo,
  ctx: DecodeContext,
): FlagContext {
  if (ctx.protocol === NETLINK_ROUTE) return flagContextOf(rtmName(type));
  if (info.family && rd32(buf, off) >= NLMSG_HDRLEN + 1) {
    const c = flagContextOf(info.family.cmds?.[rd8(buf, off + NLMSG_HDRLEN)]);
    if (c !== 'unknown') return c;
  }
  return (flags & 0x300) === 0x300 ? 'get' : 'unknown';
}

interface Body {
  fields: Field[];
  summary?: string;
  title?: string;
  flagCtx?: FlagContext;
}

/** The payload of a message of `type`, in buf[start, end). */
function decodeBody(
  buf: Uint8Array,
  start: number,
  end: number,
  type: number,
  flags: number,
  info: TypeInfo,
  ctx: DecodeContext,
): Body {
  if (type === NLMSG_ERROR) return nlmsgerr(buf, start, end, flags, ctx);
  if (type === NLMSG_DONE) return done(buf, start, end, flags);
  if (end === start) return { fields: [], summary: 'no payload' };
  if (type < NLMSG_MIN_TYPE) return raw(buf, start, end);
  if (info.family) return genl(buf, start, end, info.family);
  // An unknown family still has genlmsghdr and attributes, only without names.
  if (ctx.protocol === NETLINK_GENERIC) return genl(buf, start, end, { id: type, name: info.name });
  if (ctx.protocol === NETLINK_ROUTE)
    return rtnlSpecBody(buf, start, end, type, ctx.sender) ?? rtnlBody(buf, start, end, type) ?? raw(buf, start, end);
  return raw(buf, start, end);
}

function raw(buf: Uint8Array, start: number, end: number): Body {
  const b = buf.subarray(start, end);
  const s = asCString(b);
  const value = s ? quote(s.text) : hexBytes(b);
  return {
    fields: [
      field('payload', 'payload', start, end, {
        value,
        note: s ? `${end - start} bytes of text${s.nul ? ' with its NUL' : ''}` : `${end - start} bytes`,
      }),
    ],
    summary: value,
  };
}

function genl(buf: Uint8Array, start: number, end: number, family: GenlFamilySpec): Body {
  if (end - start < 4) {
    return {
      fields: [
        field('payload', 'payload', start, end, {
          value: hexBytes(buf.subarray(start, end)),
          note: 'shorter than the 4-byte genlmsghdr: the kernel answers EINVAL',
        }),
      ],
      summary: 'too short for genlmsghdr',
    };
  }
  const cmd = rd8(buf, start);
  const cmdName = family.cmds?.[cmd];
  const hdr = field('genlmsghdr', 'header', start, start + 4, {
    value: `cmd ${cmdName ?? cmd}, version ${rd8(buf, start + 1)}`,
    children: [
      field('cmd', 'field', start, start + 1, { value: cmdName ? `${cmdName} (${cmd})` : `${cmd}` }),
      field('version', 'field', start + 1, start + 2, { value: `${rd8(buf, start + 1)}` }),
      field('reserved', 'field', start + 2, start + 4, { value: `${rd16(buf, start + 2)}` }),
    ],
  });
  const fields = [hdr];
  let at = start + 4;
  if (family.hdrsize) {
    const userEnd = Math.min(end, at + NLMSG_ALIGN(family.hdrsize));
    fields.push(
      field('family header', 'header', at, userEnd, {
        value: hexBytes(buf.subarray(at, userEnd)),
        note: `${family.name}'s own ${family.hdrsize}-byte header`,
      }),
    );
    at = userEnd;
  }
  fields.push(...decodeAttrs(buf, at, end, family.attrs));
  return {
    fields,
    summary: cmdName ?? `cmd ${cmd}`,
    flagCtx: flagContextOf(cmdName) === 'unknown' ? undefined : flagContextOf(cmdName),
  };
}

const errText = (e: number) => (e === 0 ? '0 (success)' : e < 0 ? `${e} (${errnoName(-e)})` : `${e}`);

/** struct nlmsgerr: error, the request's header, its payload unless capped or an ACK, then TLVs. */
function nlmsgerr(buf: Uint8Array, start: number, end: number, flags: number, ctx: DecodeContext): Body {
  if (end - start < 4 + NLMSG_HDRLEN) {
    return {
      fields: [
        field('payload', 'payload', start, end, {
          value: hexBytes(buf.subarray(start, end)),
          note: 'shorter than struct nlmsgerr (20 bytes)',
        }),
      ],
      summary: 'truncated error',
    };
  }
  const error = rds32(buf, start);
  const fields: Field[] = [
    field('error', 'field', start, start + 4, {
      value: errText(error),
      note: error === 0 ? 'an acknowledgement (ACK)' : 'a negative errno',
    }),
  ];
  const reqOff = start + 4;
  const reqLen = rd32(buf, reqOff);
  const reqType = rd16(buf, reqOff + 4);
  const reqFlags = rd16(buf, reqOff + 6);
  const reqInfo = typeInfo(reqType, ctx);
  fields.push(nlmsghdr(buf, reqOff, ctx, "msg (the request's nlmsghdr)"));
  let at = reqOff + NLMSG_HDRLEN;
  const capped = (flags & NLM_F_CAPPED) !== 0 || error === 0;
  if (!capped && reqLen > NLMSG_HDRLEN) {
    const echoEnd = Math.min(end, reqOff + NLMSG_ALIGN(reqLen));
    const body = decodeBody(buf, at, Math.min(echoEnd, reqOff + reqLen), reqType, reqFlags, reqInfo, ctx);
    fields.push(
      field("the request's payload", 'payload', at, echoEnd, {
        note: 'echoed because the error is not 0 and NETLINK_CAP_ACK is off',
        children: body.fields,
      }),
    );
    at = echoEnd;
  }
  if (flags & NLM_F_ACK_TLVS) fields.push(...extack(buf, at, end));
  else if (at < end)
    fields.push(field('trailing bytes', 'trailing', at, end, { value: hexBytes(buf.subarray(at, end)) }));
  const msg = fields.flatMap((f) => (f.label === 'NLMSGERR_ATTR_MSG' ? [f.value] : []));
  return {
    fields,
    title: error === 0 ? 'NLMSG_ERROR (ACK)' : 'NLMSG_ERROR',
    summary: `${error === 0 ? 'ACK' : errText(error)} for ${reqInfo.name} seq ${rd32(buf, reqOff + 8)}${msg.length ? `: ${msg[0]}` : ''}`,
  };
}

function extack(buf: Uint8Array, start: number, end: number): Field[] {
  const tlvs = decodeAttrs(buf, start, end, NLMSGERR_ATTRS);
  for (const t of tlvs)
    if (t.label === 'NLMSGERR_ATTR_OFFS') t.note = 'the byte offset, in the request, of the attribute that failed';
  return tlvs;
}

/** NLMSG_DONE: the int error of the dump, then extack TLVs when NLM_F_ACK_TLVS is set. */
function done(buf: Uint8Array, start: number, end: number, flags: number): Body {
  if (end - start < 4) return { fields: end > start ? raw(buf, start, end).fields : [], summary: 'end of dump' };
  const error = rds32(buf, start);
  const fields = [
    field('error', 'field', start, start + 4, {
      value: errText(error),
      note: error === 0 ? 'the dump ended normally' : 'the dump failed part-way',
    }),
  ];
  if (flags & NLM_F_ACK_TLVS) fields.push(...extack(buf, start + 4, end));
  else if (end > start + 4)
    fields.push(field('trailing bytes', 'trailing', start + 4, end, { value: hexBytes(buf.subarray(start + 4, end)) }));
  return { fields, summary: error === 0 ? 'end of dump' : `dump failed: ${errText(error)}` };
}
