/**
 * Mutated generic netlink datagrams for the fuzz test: well-formed requests to nlctrl and to the
 * example families, then damaged the ways user space damages them (lengths, types, flags,
 * nesting, truncation, random bytes), from a seeded generator so a failure can be replayed.
 */
import { genlmsg, nla, nla_string, nla_u16, nla_u32, nla_nest, concat } from '../../src/api/user.ts';

/** A small, fast, seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The families a datagram may address: nlctrl and whatever ids the test resolved. */
export interface FuzzTargets {
  ids: number[];
}

const FLAGS = [0x1, 0x5, 0x301, 0x305, 0x0, 0x4, 0x105, 0x305 | 0x800, 0x9, 0x25];

/** One plausible request, before mutation. */
function base(r: () => number, t: FuzzTargets): Uint8Array {
  const pick = <T>(a: T[]): T => a[Math.floor(r() * a.length)];
  const family = r() < 0.5 ? 0x10 : pick([...t.ids, 0x3ff, 0x11, 0]);
  const cmd = pick([0, 1, 2, 3, 4, 7, 10, 11, 12, 99, 255]);
  const attrs: Uint8Array[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const type = r() < 0.7 ? Math.floor(r() * 16) : pick([20, 0x3fff, 255]);
    switch (Math.floor(r() * 9)) {
      case 0:
        attrs.push(nla_string(type, pick(['nlctrl', 'DOC_EXMPL', 'NLLAB_KV', 'x', 'abcdefghijklmnopqrst', ''])));
        break;
      case 1:
        attrs.push(nla_u16(type, Math.floor(r() * 0x10000)));
        break;
      case 2:
        attrs.push(nla_u32(type, Math.floor(r() * 0x100000000)));
        break;
      case 3:
        attrs.push(nla_nest(type, [nla_string(1, 'k'), nla_u32(2, Math.floor(r() * 2000))], r() < 0.5));
        break;
      case 4:
        attrs.push(nla_nest(type, [nla_nest(1, [nla_u32(1, 1)], r() < 0.5)], r() < 0.5));
        break;
      case 5:
        attrs.push(
          nla(
            type,
            new Uint8Array(Math.floor(r() * 40)).map(() => Math.floor(r() * 256)),
          ),
        );
        break;
      case 6:
        attrs.push(
          nla(
            type | 0x8000,
            Array.from({ length: Math.floor(r() * 3) }, (_x, i) =>
              nla((i + 1) | 0x8000, [nla_u32(1, Math.floor(r() * 300))]),
            ),
          ),
        );
        break;
      case 7: {
        // A chain of nests, sometimes deeper than the recursion limit.
        let inner = nla(1 | 0x8000);
        for (let d = Math.floor(r() * 14); d > 0; d--) inner = nla(1 | 0x8000, inner);
        attrs.push(nla(type | 0x8000, inner));
        break;
      }
      default:
        attrs.push(nla(type | (r() < 0.3 ? 0x8000 : 0)));
        break;
    }
  }
  return genlmsg({
    family,
    cmd,
    version: Math.floor(r() * 3),
    flags: pick(FLAGS),
    seq: Math.floor(r() * 1000),
    attrs,
    reserved: r() < 0.1 ? 1 : 0,
  });
}

/** Damage a message in place or by resizing it. */
function mutate(r: () => number, m: Uint8Array): Uint8Array {
  const out = m.slice();
  const v = new DataView(out.buffer);
  const k = Math.floor(r() * 9);
  const at = (n: number) => Math.floor(r() * Math.max(1, out.length - n + 1));
  switch (k) {
    case 0:
      if (out.length) out[at(1)] ^= 1 << Math.floor(r() * 8);
      return out;
    case 1:
      if (out.length) out[at(1)] = Math.floor(r() * 256);
      return out;
    case 2:
      if (out.length >= 4) v.setUint32(0, Math.floor(r() * (out.length + 24)), true);
      return out;
    case 3:
      return out.subarray(0, Math.floor(r() * out.length));
    case 4:
      return concat(
        out,
        new Uint8Array(Math.floor(r() * 12)).map(() => Math.floor(r() * 256)),
      );
    case 5: {
      // An attribute length somewhere after the genl header.
      if (out.length >= 24) v.setUint16(20 + 4 * Math.floor(r() * ((out.length - 22) / 4)), Math.floor(r() * 64), true);
      return out;
    }
    case 6:
      if (out.length >= 24) v.setUint16(22, Math.floor(r() * 0x10000), true);
      return out;
    case 7:
      return out;
    default:
      if (out.length >= 8) v.setUint16(6, Math.floor(r() * 0x10000), true);
      return out;
  }
}

/** One datagram: one to three (mostly damaged) messages back to back. */
export function datagram(r: () => number, t: FuzzTargets): Uint8Array {
  const parts: Uint8Array[] = [];
  const n = 1 + Math.floor(r() * r() * 3);
  for (let i = 0; i < n; i++) {
    let m = base(r, t);
    const rounds = Math.floor(r() * 3);
    for (let j = 0; j < rounds; j++) m = mutate(r, m);
    parts.push(m);
  }
  const d = concat(...parts);
  return d.length ? d : new Uint8Array([0]);
}
