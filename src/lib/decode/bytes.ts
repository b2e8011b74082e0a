/** Reading little-endian numbers and C strings out of a datagram, and showing bytes as text. */

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

export const rd8 = (b: Uint8Array, off: number): number => b[off] ?? 0;
export const rd16 = (b: Uint8Array, off: number): number => view(b).getUint16(off, true);
export const rd32 = (b: Uint8Array, off: number): number => view(b).getUint32(off, true);
export const rds32 = (b: Uint8Array, off: number): number => view(b).getInt32(off, true);
export const rd64 = (b: Uint8Array, off: number): bigint => view(b).getBigUint64(off, true);
export const rds64 = (b: Uint8Array, off: number): bigint => view(b).getBigInt64(off, true);

/** Bytes as spaced hex ('6e 6c 63'), cut after `max` bytes with an ellipsis. */
export function hexBytes(b: Uint8Array, max = 32): string {
  const shown = Array.from(b.subarray(0, max), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return b.length > max ? `${shown} … (${b.length} bytes)` : shown;
}

/** A number with its hex when that says more: '16 (0x10)'. */
export const num = (n: number | bigint): string => (n > 9 ? `${n} (0x${n.toString(16)})` : `${n}`);

const PRINTABLE = /^[\x20-\x7e\t\n\r]*$/;

/**
 * The bytes as a C string when they look like one: printable text, optionally NUL-terminated (only
 * NULs after the text). Returns undefined for binary data.
 */
export function asCString(b: Uint8Array): { text: string; nul: boolean } | undefined {
  if (b.length === 0) return undefined;
  const z = b.indexOf(0);
  const body = z < 0 ? b : b.subarray(0, z);
  if (body.length === 0) return undefined;
  if (z >= 0 && b.subarray(z).some((x) => x !== 0)) return undefined;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
  return PRINTABLE.test(text) ? { text, nul: z >= 0 } : undefined;
}

/** A string shown as a C literal would be: quotes and escapes. */
export const quote = (s: string): string => JSON.stringify(s);
