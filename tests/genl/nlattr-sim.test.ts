/**
 * Attribute types that no family reachable on this machine's kernel exercises (S8, S16, S64,
 * FLAG, STRING, NUL_STRING without a maximum, BINARY with a maximum, NESTED_ARRAY, MSECS, REJECT,
 * BITFIELD32, masks, 64-bit ranges, recursion), checked on the simulated kernel against what
 * lib/nlattr.c (Linux 6.1) does — each expectation names the code it follows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../src/api/backend.ts';
import {
  genl_socket,
  genl_ctrl_resolve,
  genl_ctrl_policy,
  genl_request,
  setsockopt,
  insmod,
  nla,
  nla_u8,
  nla_u32,
  nla_u64,
  nla_flag,
  nla_string,
  nla_string_nonul,
  nla_nest,
  type NetlinkError,
  NL_ATTR_TYPE,
  SOL_NETLINK,
  NETLINK_EXT_ACK,
  type GenlPolicies,
} from '../../src/api/user.ts';
import { nla_s8, nla_s16, nla_s64, nla_msecs, nla_nest_array } from '../../src/api/genl.ts';
import { genl_register_family } from '../../src/api/genl-kernel.ts';
import { bootKernel as newSimKernel } from '../fixtures/sim-kernel.ts';
import { family } from './nlattr-family.ts';

const bitfield = (value: number, selector: number) => new Uint8Array(new Uint32Array([value, selector]).buffer);

/** [name, cmd (1 liberal, 2 strict), attrs, expected: 'ok' or [errno name, extack message, offs]] */
type Want = 'ok' | [string, string | undefined, number | undefined];
const CASES: [string, number, Uint8Array[], Want][] = [
  // nla_validate_int_range_signed: NLA_POLICY_RANGE(S8, -10, 10)
  ['S8 in range', 2, [nla_s8(1, -10)], 'ok'],
  ['S8 below range', 2, [nla_s8(1, -11)], ['ERANGE', 'integer out of range', 20]],
  ['S8 of 2 bytes, strict: nla_attr_len', 2, [nla_s16(1, 1)], ['EINVAL', 'invalid attribute length', 20]],
  ['S8 of 2 bytes, liberal: only a warning', 1, [nla_s16(1, 1)], 'ok'],
  ['S16 of 1 byte: minlen', 1, [nla_s8(2, 1)], ['ERANGE', 'Attribute failed policy validation', 20]],
  // NLA_POLICY_MIN(S64, -5)
  ['S64 at min', 2, [nla_s64(3, -5n)], 'ok'],
  ['S64 below min', 2, [nla_s64(3, -6n)], ['ERANGE', 'integer out of range', 20]],
  // case NLA_FLAG: attrlen > 0 → out_err (err stays -ERANGE)
  ['FLAG empty', 2, [nla_flag(4)], 'ok'],
  ['FLAG with payload', 2, [nla_u8(4, 1)], ['ERANGE', 'Attribute failed policy validation', 20]],
  // case NLA_STRING with len 8: a trailing NUL does not count
  ['STRING of 8 + NUL', 2, [nla_string(5, '12345678')], 'ok'],
  ['STRING of 9', 2, [nla_string_nonul(5, '123456789')], ['ERANGE', 'Attribute failed policy validation', 20]],
  ['STRING empty', 2, [nla(5)], ['ERANGE', 'Attribute failed policy validation', 20]],
  // case NLA_NUL_STRING without len: a NUL anywhere in the payload
  ['NUL_STRING long', 2, [nla_string(6, 'x'.repeat(300))], 'ok'],
  ['NUL_STRING without NUL', 2, [nla_string_nonul(6, 'abc')], ['EINVAL', 'Attribute failed policy validation', 20]],
  ['NUL_STRING empty', 2, [nla(6)], ['EINVAL', 'Attribute failed policy validation', 20]],
  // case NLA_BINARY with len 4
  ['BINARY of 4', 2, [nla(7, new Uint8Array(4))], 'ok'],
  ['BINARY of 5', 2, [nla(7, new Uint8Array(5))], ['ERANGE', 'Attribute failed policy validation', 20]],
  // nla_validate_array: each element validated as a nest of the inner policy
  ['NESTED_ARRAY good', 2, [nla_nest_array(8, [[nla_u8(1, 1)], [nla_u8(1, 2)]])], 'ok'],
  [
    'NESTED_ARRAY element with a U8 of 2 bytes',
    2,
    [nla_nest_array(8, [[nla_u8(1, 1)], [nla(1, new Uint8Array(2))]])],
    ['EINVAL', 'invalid attribute length', 40],
  ],
  [
    'NESTED_ARRAY element too short',
    2,
    [nla(8 | 0x8000, [nla(1 | 0x8000, new Uint8Array(2))])],
    ['ERANGE', 'Array element too short', 24],
  ],
  // MSECS: minimum 8 bytes, no exact length
  ['MSECS', 2, [nla_msecs(9, 1500)], 'ok'],
  ['MSECS of 4 bytes', 1, [nla_u32(9, 1)], ['ERANGE', 'Attribute failed policy validation', 20]],
  // NLA_REJECT: its own message, or the generic one with -EINVAL
  ['REJECT with message', 2, [nla_u32(10, 1)], ['EINVAL', 'attribute 10 is not for you', 20]],
  ['REJECT without message', 2, [nla_u32(15, 1)], ['EINVAL', 'Attribute failed policy validation', 20]],
  // validate_nla_bitfield32
  ['BITFIELD32 good', 2, [nla(11, bitfield(0x3, 0x7))], 'ok'],
  [
    'BITFIELD32 value outside selector',
    2,
    [nla(11, bitfield(0x8, 0x7))],
    ['EINVAL', 'Attribute failed policy validation', 20],
  ],
  ['BITFIELD32 invalid bit', 2, [nla(11, bitfield(0x10, 0x10))], ['EINVAL', 'Attribute failed policy validation', 20]],
  // nla_validate_mask
  ['MASK good', 2, [nla_u32(12, 0x0100)], 'ok'],
  ['MASK reserved bit', 2, [nla_u32(12, 0x0001)], ['EINVAL', 'reserved bit set', 20]],
  // NLA_POLICY_FULL_RANGE(U64, 10, 2^40)
  ['U64 in range', 2, [nla_u64(13, 1n << 39n)], 'ok'],
  ['U64 above range', 2, [nla_u64(13, (1n << 40n) + 1n)], ['ERANGE', 'integer out of range', 20]],
  // MAX_POLICY_RECURSION_DEPTH = 10
  ['nesting 9 deep', 2, [nest(9)], 'ok'],
  ['nesting 10 deep', 2, [nest(10)], ['EINVAL', 'allowed policy recursion depth exceeded', undefined]],
];

/** Attribute 14 holding `depth` levels of attribute 1 nests. */
function nest(depth: number): Uint8Array {
  let inner = nla(1 | 0x8000);
  for (let i = 1; i < depth; i++) inner = nla_nest(1, [inner], true);
  return nla_nest(14, [inner], true);
}

let results: Map<string, Want>;
let pol: GenlPolicies;

beforeAll(async () => {
  const k = await newSimKernel();
  setBackend(k);
  results = new Map();
  let err: unknown;
  await k.run(async () => {
    try {
      await insmod({ name: 'nlattr_test', init: () => genl_register_family(family) });
      const fd = await genl_socket();
      await setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      const id = (await genl_ctrl_resolve(fd, 'NLATTR_TEST')).id;
      for (const [name, cmd, attrs] of CASES) {
        results.set(
          name,
          await genl_request(fd, { family: id, cmd, attrs }).then(
            (): Want => 'ok',
            (e: NetlinkError) => [e.code, e.extack.msg, e.extack.offs],
          ),
        );
      }
      pol = await genl_ctrl_policy(fd, 'NLATTR_TEST');
    } catch (e) {
      err = e;
    }
  });
  setBackend(null);
  if (err) throw err;
});

describe('lib/nlattr.c logic on the simulated kernel', () => {
  for (const [name, , , want] of CASES) it(name, () => expect(results.get(name)).toEqual(want));

  it('GETPOLICY describes each type as net/netlink/policy.c does', () => {
    const p = pol.policies.get(0)!;
    expect(p.get(1)).toEqual({ type: NL_ATTR_TYPE.S8, minValue: -10n, maxValue: 10n });
    expect(p.get(3)).toEqual({ type: NL_ATTR_TYPE.S64, minValue: -5n, maxValue: (1n << 63n) - 1n });
    expect(p.get(4)).toEqual({ type: NL_ATTR_TYPE.FLAG });
    expect(p.get(5)).toEqual({ type: NL_ATTR_TYPE.STRING, maxLength: 8 });
    expect(p.get(7)).toEqual({ type: NL_ATTR_TYPE.BINARY, maxLength: 4 });
    expect(p.get(8)).toEqual({ type: NL_ATTR_TYPE.NESTED_ARRAY, policyIdx: 1, policyMaxtype: 1 });
    // NLA_MSECS is described as a U64; NLA_REJECT not at all.
    expect(p.get(9)).toEqual({ type: NL_ATTR_TYPE.U64, minValue: 0n, maxValue: (1n << 64n) - 1n });
    expect(p.has(10)).toBe(false);
    expect(p.get(11)).toEqual({ type: NL_ATTR_TYPE.BITFIELD32, bitfield32Mask: 0x0f });
    expect(p.get(12)).toEqual({ type: NL_ATTR_TYPE.U32, mask: 0xff00n });
    expect(p.get(13)).toEqual({ type: NL_ATTR_TYPE.U64, minValue: 10n, maxValue: 1n << 40n });
    // The recursive policy is listed once and refers to itself.
    expect(p.get(14)).toEqual({ type: NL_ATTR_TYPE.NESTED, policyIdx: 2, policyMaxtype: 1 });
    expect(pol.policies.get(2)!.get(1)).toEqual({ type: NL_ATTR_TYPE.NESTED, policyIdx: 2, policyMaxtype: 1 });
    expect(pol.policies.size).toBe(3);
  });
});
