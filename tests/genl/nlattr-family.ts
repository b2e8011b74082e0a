/**
 * NLATTR_TEST: a family whose policy has one attribute of each type lib/nlattr.c knows (with
 * ranges, masks, a nested array and a recursive nest); command 1 is validated liberally, command 2
 * strictly, both answer 0. Used by nlattr-sim.test.ts and the fuzz test.
 */
import {
  NLA_S8,
  NLA_S16,
  NLA_S64,
  NLA_FLAG,
  NLA_STRING,
  NLA_NUL_STRING,
  NLA_BINARY,
  NLA_U8,
  NLA_U32,
  NLA_U64,
  NLA_MSECS,
  NLA_REJECT,
  NLA_NESTED,
  NLA_POLICY_RANGE,
  NLA_POLICY_MIN,
  NLA_POLICY_NESTED_ARRAY,
  NLA_POLICY_BITFIELD32,
  NLA_POLICY_MASK,
  NLA_POLICY_FULL_RANGE,
  GENL_DONT_VALIDATE_STRICT,
  type genl_family,
  type genl_policy,
} from '../../src/api/genl-kernel.ts';

const recursive: genl_policy = {};
recursive[1] = { type: NLA_NESTED, nested_policy: recursive };

const policy: genl_policy = {
  1: NLA_POLICY_RANGE(NLA_S8, -10, 10),
  2: { type: NLA_S16 },
  3: NLA_POLICY_MIN(NLA_S64, -5),
  4: { type: NLA_FLAG },
  5: { type: NLA_STRING, len: 8 },
  6: { type: NLA_NUL_STRING },
  7: { type: NLA_BINARY, len: 4 },
  8: NLA_POLICY_NESTED_ARRAY({ 1: { type: NLA_U8 } }),
  9: { type: NLA_MSECS },
  10: { type: NLA_REJECT, reject_message: 'attribute 10 is not for you' },
  11: NLA_POLICY_BITFIELD32(0x0f),
  12: NLA_POLICY_MASK(NLA_U32, 0xff00),
  13: NLA_POLICY_FULL_RANGE(NLA_U64, 10n, 1n << 40n),
  14: { type: NLA_NESTED, nested_policy: recursive },
  15: { type: NLA_REJECT },
};

/** The family. */
export const family: genl_family = {
  name: 'NLATTR_TEST',
  version: 1,
  maxattr: 15,
  policy,
  resv_start_op: 2,
  ops: [
    { cmd: 1, doit: () => 0, validate: GENL_DONT_VALIDATE_STRICT },
    { cmd: 2, doit: () => 0 },
  ],
};
