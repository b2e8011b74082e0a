/**
 * Lesson "Policies": the good request is still accepted, and each bad one is refused by the
 * policy with the errno and extended ACK Linux gives: a too-long or unterminated name EINVAL
 * (NUL_STRING, max length 15), an MTU out of 68..9000 ERANGE, a nested LEVEL above 7 ERANGE.
 */
import {
  parseNlmsgs,
  parseNlmsgerr,
  parseGenlmsg,
  parseExtAck,
  parseAttrs,
  errnoName,
  GENL_ID_CTRL,
  NLMSG_ERROR,
  NL_ATTR_TYPE,
  type GenlExtAck,
  type GenlMsg,
} from 'netlink-lab/user';
import type { CheckInput, CheckResult } from '../../check-api.ts';

const A_NAME = 1;
const A_MTU = 2;
const A_OPTS = 3;
const OPT_LEVEL = 2;
const EINVAL = 22;
const ERANGE = 34;

interface Exchange {
  req: GenlMsg;
  error?: number;
  extack?: GenlExtAck;
}

export default function checks({ events }: CheckInput): CheckResult[] {
  const sent = new Map<number, Exchange>();
  for (const e of events) {
    if (!e.data) continue;
    for (const m of parseNlmsgs(e.data)) {
      if (e.dir === 'out' && m.nlmsg_type > GENL_ID_CTRL) sent.set(m.nlmsg_seq, { req: parseGenlmsg(m) });
      if (e.dir === 'in' && m.nlmsg_type === NLMSG_ERROR && sent.has(m.nlmsg_seq)) {
        const err = parseNlmsgerr(m);
        if (err) Object.assign(sent.get(m.nlmsg_seq)!, { error: err.error, extack: parseExtAck(err.tlvs) });
      }
    }
  }
  const all = [...sent.values()];
  const find = (pred: (g: GenlMsg) => boolean) => all.find((x) => pred(x.req));
  const only = (g: GenlMsg, t: number) => g.attrs.length === 1 && g.attrs[0]!.type === t;
  const good = find((g) => g.attrs.length === 3);
  const longName = find((g) => only(g, A_NAME) && g.attrs[0]!.payload.length > 16);
  const noNul = find((g) => only(g, A_NAME) && g.attrs[0]!.payload[g.attrs[0]!.payload.length - 1] !== 0);
  const mtu10 = find((g) => only(g, A_MTU) && g.attrs[0]!.payload.length === 4 && g.attrs[0]!.payload[0] === 10);
  const level9 = find(
    (g) =>
      only(g, A_OPTS) &&
      g.attrs[0]!.nested &&
      parseAttrs(g.attrs[0]!.payload).some((a) => a.type === OPT_LEVEL && a.payload[0] === 9),
  );

  const verdict = (x?: Exchange): string => {
    if (!x) return 'not sent';
    if (x.error === undefined) return 'no answer';
    if (x.error === 0) return 'ACK 0 (accepted)';
    const p = x.extack?.policy;
    const pol = p
      ? `, policy ${Object.entries(NL_ATTR_TYPE).find(([, v]) => v === p.type)?.[0] ?? p.type}${p.maxLength !== undefined ? ` max length ${p.maxLength}` : ''}${p.minValue !== undefined ? ` range ${p.minValue}..${p.maxValue}` : ''}`
      : '';
    return `${errnoName(-x.error)}${x.extack?.msg ? ` "${x.extack.msg}"` : ''}${x.extack?.offs !== undefined ? ` at byte ${x.extack.offs}` : ''}${pol}`;
  };
  const isNulString = (x?: Exchange) =>
    x?.error === -EINVAL && x.extack?.policy?.type === NL_ATTR_TYPE.NUL_STRING && x.extack.policy.maxLength === 15;

  return [
    {
      name: 'the good request is still accepted',
      pass: good?.error === 0,
      message: `good request: ${verdict(good)}.`,
      hints: [
        'A policy that refuses valid input is as wrong as one that lets anything through.',
        'The good request has NAME "eth0", MTU 1500 and OPTS { VERBOSE, LEVEL 3 }: each must pass its entry.',
      ],
    },
    {
      name: 'the name must be a C string of at most 15 characters',
      pass: isNulString(longName) && isNulString(noNul),
      message: `20 characters: ${verdict(longName)}; without its NUL: ${verdict(noNul)}.`,
      hints: [
        'NLA_STRING accepts any bytes, with or without a terminating NUL, of any length unless .len says otherwise.',
        'NLA_NUL_STRING requires a NUL within the value; its .len is the longest string allowed, NUL not counted. validate_nla() looks for the NUL in the first .len + 1 bytes, so a longer string fails with EINVAL, not ERANGE.',
        '[NLLAB_CONF_A_NAME]: { type: NLA_NUL_STRING, len: 15 }',
      ],
    },
    {
      name: 'the MTU must be 68 to 9000',
      pass:
        mtu10?.error === -ERANGE && mtu10.extack?.policy?.minValue === 68n && mtu10.extack.policy.maxValue === 9000n,
      message: `MTU 10: ${verdict(mtu10)}.`,
      hints: [
        'A type alone only checks the size (4 bytes for NLA_U32); limits on the value are a validation of their own.',
        'NLA_POLICY_RANGE(type, min, max) sets validation_type NLA_VALIDATE_RANGE; a value outside gives ERANGE and "integer out of range". Its min and max are s16 in C: for bounds above 32767 use NLA_POLICY_FULL_RANGE.',
        '[NLLAB_CONF_A_MTU]: NLA_POLICY_RANGE(NLA_U32, 68, 9000)',
      ],
    },
    {
      name: 'the options nest has a policy of its own',
      pass: level9?.error === -ERANGE && level9.extack?.policy?.type === NL_ATTR_TYPE.U8,
      message: `level 9 in the options: ${verdict(level9)}.`,
      hints: [
        'NLA_NESTED without a nested policy checks that the value is a nest (and, strictly, that NLA_F_NESTED is set) but looks at nothing inside it.',
        "NLA_POLICY_NESTED(policy) validates the nest's contents against another policy, recursively; the extack offset then points inside the nest.",
        'const opts_policy = { [NLLAB_CONF_OPT_VERBOSE]: { type: NLA_FLAG }, [NLLAB_CONF_OPT_LEVEL]: NLA_POLICY_MAX(NLA_U8, 7) }; and [NLLAB_CONF_A_OPTS]: NLA_POLICY_NESTED(opts_policy)',
      ],
    },
  ];
}
