/**
 * The builder's editor state: the datagram and the hex text the learner sees, kept in step.
 * Editing the fields rewrites the hex; editing the hex re-reads the fields — unless the text is
 * not hex at all, in which case the fields stay as they were and the error is kept beside the
 * text (nothing the learner typed is refused or rewritten). State in, state out.
 */
import {
  encodeDatagram,
  formatHex,
  issues,
  parseDatagram,
  parseHexText,
  type Datagram,
  type HexError,
  type Issue,
} from './model.ts';

export interface BuilderState {
  datagram: Datagram;
  /** The hex text as shown (as typed, when the learner typed it). */
  hex: string;
  /** Why `hex` is not bytes (the fields show the last bytes that were). */
  hexError: HexError | null;
}

/** A state showing `d`, its hex written out. */
export function fromDatagram(d: Datagram): BuilderState {
  return { datagram: d, hex: formatHex(encodeDatagram(d)), hexError: null };
}

/** The learner changed the fields. */
export const editFields = (s: BuilderState, fn: (d: Datagram) => Datagram): BuilderState =>
  fromDatagram(fn(s.datagram));

/** The learner typed hex: the fields follow when it is hex, otherwise the error is shown. */
export function editHex(s: BuilderState, text: string): BuilderState {
  const r = parseHexText(text);
  if ('error' in r) return { ...s, hex: text, hexError: r.error };
  return { datagram: parseDatagram(r.bytes, s.datagram.protocol), hex: text, hexError: null };
}

/** The same bytes read as another protocol's (the family headers change with it). */
export function setProtocol(s: BuilderState, protocol: number): BuilderState {
  return { ...s, datagram: parseDatagram(encodeDatagram(s.datagram), protocol) };
}

/** What is inconsistent or malformed: pinned lengths, padding, stray bytes, and a hex text that is not hex. */
export function problems(s: BuilderState): Issue[] {
  return [
    ...(s.hexError
      ? [
          {
            path: 'hex',
            message: `The hex is malformed: ${s.hexError.message}. The fields show the last bytes that were well-formed.`,
          },
        ]
      : []),
    ...issues(s.datagram),
  ];
}
