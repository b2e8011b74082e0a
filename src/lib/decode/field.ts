/**
 * The decoder's output: a tree of fields, each naming the bytes it covers, so a view can draw the
 * hex dump and the decoded fields side by side and link the two.
 */

/** What a field is, which a view uses to colour it. */
export type FieldKind =
  /** One netlink message (nlmsghdr and what follows it). */
  | 'message'
  /** A fixed header: nlmsghdr, genlmsghdr, ifinfomsg, struct nlmsgerr's echoed header. */
  | 'header'
  /** A number or string inside a header or an attribute. */
  | 'field'
  /** One attribute (struct nlattr and its payload). */
  | 'attr'
  /** An attribute's or a message's payload. */
  | 'payload'
  /** Alignment bytes (should be zero). */
  | 'padding'
  /** Bytes the kernel would not read: a short tail, a malformed message or attribute. */
  | 'trailing';

/** A decoded stretch of bytes: [start, end) in the datagram, with its name, value and parts. */
export interface Field {
  /** The C name: 'nlmsghdr', 'nlmsg_len', 'CTRL_ATTR_FAMILY_NAME', 'padding'. */
  label: string;
  kind: FieldKind;
  /** First byte, as an offset into the datagram. */
  start: number;
  /** One past the last byte. */
  end: number;
  /** The value as text: '32', 'GETFAMILY (3)', '"nlctrl"', 'REQUEST|ACK (0x5)'. */
  value?: string;
  /** Why the bytes are there or what is wrong with them. */
  note?: string;
  children?: Field[];
}

/** A field, leaving out what is undefined (so trees compare cleanly in tests). */
export function field(
  label: string,
  kind: FieldKind,
  start: number,
  end: number,
  extra: Partial<Pick<Field, 'value' | 'note' | 'children'>> = {},
): Field {
  const f: Field = { label, kind, start, end };
  if (extra.value !== undefined) f.value = extra.value;
  if (extra.note !== undefined) f.note = extra.note;
  if (extra.children !== undefined && extra.children.length > 0) f.children = extra.children;
  return f;
}
