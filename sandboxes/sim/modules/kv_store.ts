/**
 * kv_store: a richer generic netlink family for the lessons — a small key/value table in the
 * kernel, with nested attributes, a dump, a range-checked value, an admin-only command and a
 * multicast group that announces every change.
 *
 *   NLLAB_KV_C_SET  {ENTRY {KEY, VALUE}}  store (or replace) a value; announces NEWENTRY
 *   NLLAB_KV_C_GET  {ENTRY {KEY}}         doit: that entry; dump (NLM_F_DUMP): every entry
 *   NLLAB_KV_C_DEL  {ENTRY {KEY}}         root only (GENL_ADMIN_PERM); announces DELENTRY
 *
 * Policies (validated by the simulated kernel before a handler runs, as lib/nlattr.c would):
 * ENTRY is NLA_NESTED (strict: NLA_F_NESTED required); KEY an NLA_NUL_STRING of at most 15
 * characters; VALUE an NLA_U32 of at most 1000.
 */
import {
  genl_register_family,
  genl_unregister_family,
  genlmsg_new,
  genlmsg_put,
  genlmsg_end,
  genlmsg_cancel,
  genlmsg_reply,
  genlmsg_multicast,
  nlmsg_free,
  nla_put_string,
  nla_put_u32,
  nla_nest_start,
  nla_nest_end,
  nla_get_string,
  nla_get_u32,
  nla_get_nested,
  NL_SET_ERR_MSG_ATTR,
  GENL_REQ_ATTR_CHECK,
  NLA_NESTED,
  NLA_NUL_STRING,
  NLA_U32,
  NLA_POLICY_MAX,
  GENL_ADMIN_PERM,
  NLMSG_DEFAULT_SIZE,
  ENOENT,
  EINVAL,
  ENOMEM,
  EMSGSIZE,
  type genl_family,
  type genl_info,
  type genl_policy,
  type netlink_callback,
  type sk_buff,
} from 'netlink-lab/kernel';
import type { KernelModule } from 'netlink-lab/user';

export const NLLAB_KV_C_SET = 1;
export const NLLAB_KV_C_GET = 2;
export const NLLAB_KV_C_DEL = 3;
export const NLLAB_KV_C_NEWENTRY = 4;
export const NLLAB_KV_C_DELENTRY = 5;

export const NLLAB_KV_A_ENTRY = 1;
export const NLLAB_KV_A_COUNT = 2;

export const NLLAB_KV_E_KEY = 1;
export const NLLAB_KV_E_VALUE = 2;

export const NLLAB_KV_GRP_EVENTS = 0;
export const NLLAB_KV_VALUE_MAX = 1000;

const entry_policy: genl_policy = {
  [NLLAB_KV_E_KEY]: { type: NLA_NUL_STRING, len: 15 },
  [NLLAB_KV_E_VALUE]: NLA_POLICY_MAX(NLA_U32, NLLAB_KV_VALUE_MAX),
};

const kv_policy: genl_policy = {
  [NLLAB_KV_A_ENTRY]: { type: NLA_NESTED, nested_policy: entry_policy },
  [NLLAB_KV_A_COUNT]: { type: NLA_U32 },
};

/** The table, in insertion order (what a dump lists). */
const table = new Map<string, number>();

/** One entry as a message: genlmsghdr(cmd), ENTRY { KEY, VALUE }, COUNT. */
function kv_fill(
  skb: sk_buff,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
  key: string,
  value: number,
): number {
  const hdr = genlmsg_put(skb, portid, seq, family, flags, cmd);
  if (!hdr) return -EMSGSIZE;
  const nest = nla_nest_start(skb, NLLAB_KV_A_ENTRY);
  if (!nest || nla_put_string(skb, NLLAB_KV_E_KEY, key) || nla_put_u32(skb, NLLAB_KV_E_VALUE, value)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  nla_nest_end(skb, nest);
  if (nla_put_u32(skb, NLLAB_KV_A_COUNT, table.size)) {
    genlmsg_cancel(skb, hdr);
    return -EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
}

/** Announce a change to the events group (nobody listening is fine). */
function kv_notify(cmd: number, key: string, value: number): void {
  const skb = genlmsg_new(NLMSG_DEFAULT_SIZE);
  if (!skb) return;
  if (kv_fill(skb, 0, 0, 0, cmd, key, value)) {
    nlmsg_free(skb);
    return;
  }
  genlmsg_multicast(family, skb, 0, NLLAB_KV_GRP_EVENTS);
}

/** The ENTRY nest's attributes by type. */
function entry_attrs(info: genl_info) {
  const entry = info.attrs[NLLAB_KV_A_ENTRY]!;
  return new Map(nla_get_nested(entry).map((a) => [a.type, a]));
}

function kv_set(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, NLLAB_KV_A_ENTRY)) return -EINVAL;
  const e = entry_attrs(info);
  const key = e.get(NLLAB_KV_E_KEY);
  const value = e.get(NLLAB_KV_E_VALUE);
  if (!key || !value) {
    NL_SET_ERR_MSG_ATTR(info.extack, info.attrs[NLLAB_KV_A_ENTRY], 'an entry needs a key and a value');
    return -EINVAL;
  }
  const k = nla_get_string(key);
  const v = nla_get_u32(value);
  table.set(k, v);
  kv_notify(NLLAB_KV_C_NEWENTRY, k, v);
  return 0;
}

function kv_get(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, NLLAB_KV_A_ENTRY)) return -EINVAL;
  const key = entry_attrs(info).get(NLLAB_KV_E_KEY);
  if (!key) {
    NL_SET_ERR_MSG_ATTR(info.extack, info.attrs[NLLAB_KV_A_ENTRY], 'which key?');
    return -EINVAL;
  }
  const k = nla_get_string(key);
  const v = table.get(k);
  if (v === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, key, 'no such key');
    return -ENOENT;
  }
  const reply = genlmsg_new(NLMSG_DEFAULT_SIZE);
  if (!reply) return -ENOMEM;
  const err = kv_fill(reply, info.snd_portid, info.snd_seq, 0, NLLAB_KV_C_GET, k, v);
  if (err) {
    nlmsg_free(reply);
    return err;
  }
  return genlmsg_reply(reply, info);
}

/** One message per entry, resuming at cb.args[0] when the skb filled up. */
function kv_dump(skb: sk_buff, cb: netlink_callback): number {
  const entries = [...table];
  let i = cb.args[0];
  for (; i < entries.length; i++) {
    const [k, v] = entries[i];
    // NLM_F_MULTI: 0x2.
    if (kv_fill(skb, cb.portid, cb.nlh.nlmsg_seq, 0x2, NLLAB_KV_C_GET, k, v)) break;
  }
  cb.args[0] = i;
  return skb.len;
}

function kv_del(_skb: sk_buff, info: genl_info): number {
  if (GENL_REQ_ATTR_CHECK(info, NLLAB_KV_A_ENTRY)) return -EINVAL;
  const key = entry_attrs(info).get(NLLAB_KV_E_KEY);
  if (!key) return -EINVAL;
  const k = nla_get_string(key);
  const v = table.get(k);
  if (v === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, key, 'no such key');
    return -ENOENT;
  }
  table.delete(k);
  kv_notify(NLLAB_KV_C_DELENTRY, k, v);
  return 0;
}

/** The family. */
export const family: genl_family = {
  name: 'NLLAB_KV',
  version: 1,
  maxattr: NLLAB_KV_A_COUNT,
  policy: kv_policy,
  ops: [
    { cmd: NLLAB_KV_C_SET, doit: kv_set },
    { cmd: NLLAB_KV_C_GET, doit: kv_get, dumpit: kv_dump },
    { cmd: NLLAB_KV_C_DEL, doit: kv_del, flags: GENL_ADMIN_PERM },
  ],
  mcgrps: [{ name: 'kv_events' }],
};

/** The module: insmod registers the family with an empty table, rmmod unregisters it. */
const kv_store: KernelModule = {
  name: 'kv_store',
  description: 'netlink-lab: a key/value table over generic netlink (nested attributes, a dump, a multicast group)',
  init: () => {
    table.clear();
    return genl_register_family(family);
  },
  exit: () => {
    genl_unregister_family(family);
  },
};
export default kv_store;
