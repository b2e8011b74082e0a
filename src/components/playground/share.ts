/**
 * Share links: a program's files, compressed (deflate-raw) and base64url-encoded into the URL's
 * fragment (#code=…), so the link works on any static host and the code never reaches a server.
 */

const PARAM = 'code';

/** What a share link carries. */
export interface Shared {
  lessonId: string;
  files: Record<string, string>;
}

const toB64url = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const fromB64url = (s: string): Uint8Array => {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
};

/**
 * The most a share link may hold once decompressed: far more than any lesson's code, far less than
 * what would hurt the tab (a small link can inflate a thousandfold).
 */
export const MAX_SHARED_BYTES = 1 << 20;
/** The longest fragment value read at all. */
const MAX_LINK_CHARS = 2 << 20;

/** Pipe `data` through `stream`; stops (and throws TooBig) once the output passes `limit` bytes. */
async function pipe(
  data: Uint8Array,
  stream: CompressionStream | DecompressionStream,
  limit = Infinity,
): Promise<Uint8Array> {
  const reader = new Blob([data as BlobPart]).stream().pipeThrough(stream).getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      void reader.cancel();
      throw new TooBig();
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

class TooBig extends Error {}

/** The fragment value for `shared`: base64url of the deflated JSON. */
export async function encodeShare(shared: Shared): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify({ v: 1, l: shared.lessonId, f: shared.files }));
  return toB64url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** Read a fragment value made by encodeShare; throws with a readable reason when it is damaged. */
export async function decodeShare(value: string): Promise<Shared> {
  const tooBig = `This link holds more than ${MAX_SHARED_BYTES >> 20} MiB of code once unpacked, more than any lesson needs: it was not opened.`;
  if (value.length > MAX_LINK_CHARS) throw new Error(tooBig);
  let json: unknown;
  try {
    json = JSON.parse(
      new TextDecoder().decode(await pipe(fromB64url(value), new DecompressionStream('deflate-raw'), MAX_SHARED_BYTES)),
    );
  } catch (e) {
    if (e instanceof TooBig) throw new Error(tooBig);
    throw new Error(
      'The shared code in this link is damaged (it may have been cut when copied). Ask for the link again.',
    );
  }
  const o = json as { v?: number; l?: unknown; f?: unknown };
  if (
    o.v !== 1 ||
    typeof o.l !== 'string' ||
    !o.f ||
    typeof o.f !== 'object' ||
    Object.values(o.f).some((x) => typeof x !== 'string')
  ) {
    throw new Error('This link holds code in a format this version of the site does not know.');
  }
  return { lessonId: o.l, files: o.f as Record<string, string> };
}

/** The share parameter of a URL's fragment, if any. */
export function shareParam(hash: string): string | undefined {
  return new URLSearchParams(hash.replace(/^#/, '')).get(PARAM) ?? undefined;
}

/** `url` with its fragment set to carry `value`. */
export function shareUrl(url: string, value: string): string {
  const u = new URL(url);
  u.hash = `${PARAM}=${value}`;
  return u.toString();
}
