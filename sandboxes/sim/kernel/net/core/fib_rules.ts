/**
 * Policy-routing rules of a fresh namespace: IPv4 has local (0), main (32766) and default (32767),
 * IPv6 local and main. Only the dump is modelled (RTM_NEWRULE / DELRULE answer EOPNOTSUPP).
 * Ref: net/core/fib_rules.c (fib_nl_fill_rule, fib_nl_dumprule), net/ipv4/fib_rules.c, net/ipv6/fib6_rules.c
 *
 * Models Linux 6.18: net/core/fib_rules.c
 */
import { NLM_F_MULTI } from '../../include/uapi/linux/netlink';
import { RTM_DELRULE, RTM_GETRULE, RTM_NEWRULE, RTPROT_KERNEL } from '../../include/uapi/linux/rtnetlink';
import { sk_buff, netlink_callback, nlmsg_put, nlmsg_end, nlmsg_cancel, nlmsg_data, nlmsghdr, NETLINK_CB, nlmsg_len } from '../netlink/af_netlink';
import { NL_SET_ERR_MSG, nla_put_u32, nla_put_u8, netlink_ext_ack } from '../../lib/nlattr';
import { rtnl_register, AF_UNSPEC, AF_INET, AF_INET6 } from './rtnetlink';
import { EMSGSIZE, EAFNOSUPPORT, EOPNOTSUPP } from '../../include/uapi/asm-generic/errno';
import { fib_rule_hdr } from '../../include/uapi/linux/fib_rules';
import { RT_TABLE_MAIN, RT_TABLE_LOCAL } from '../ipv4/fib_trie';

const FRA_PRIORITY: i32 = 6;
const FRA_SUPPRESS_PREFIXLEN: i32 = 14;
const FRA_TABLE: i32 = 15;
const FRA_PROTOCOL: i32 = 21;
const FR_ACT_TO_TBL: u8 = 1;
const RTNL_FAMILY_IPMR: u8 = 128;
const RTNL_FAMILY_IP6MR: u8 = 129;
const RT_TABLE_DEFAULT: u32 = 253;

/** Ref: fib_nl_fill_rule (a default rule: table, no suppression, kernel protocol, its priority unless 0) */
function fib_nl_fill_rule(skb: sk_buff, family: u8, table: u32, pref: u32, portid: u32, seq: u32): i32 {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWRULE, offsetof<fib_rule_hdr>(), NLM_F_MULTI);
  if (!nlh) return -EMSGSIZE;
  const frh = changetype<fib_rule_hdr>(nlmsg_data(nlh));
  frh.family = family;
  frh.dst_len = 0;
  frh.src_len = 0;
  frh.tos = 0;
  frh.table = <u8>table;
  frh.res1 = 0;
  frh.res2 = 0;
  frh.action = FR_ACT_TO_TBL;
  frh.flags = 0;
  if (nla_put_u32(skb, FRA_TABLE, table) || nla_put_u32(skb, FRA_SUPPRESS_PREFIXLEN, 0xffffffff) ||
    nla_put_u8(skb, FRA_PROTOCOL, RTPROT_KERNEL) || (pref && nla_put_u32(skb, FRA_PRIORITY, pref))) {
    nlmsg_cancel(skb, nlh);
    return -EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
}

function dump_rules(skb: sk_buff, cb: netlink_callback, family: u8, n: i32): i32 {
  const tables: u32[] = [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT];
  const prefs: u32[] = [0, 32766, 32767];
  let idx = <i32>cb.args[0];
  for (; idx < n; idx++) {
    if (fib_nl_fill_rule(skb, family, tables[idx], prefs[idx], NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq) < 0) break;
  }
  cb.args[0] = idx;
  return <i32>skb.len;
}

function fib4_rules_dump(skb: sk_buff, cb: netlink_callback): i32 { return dump_rules(skb, cb, AF_INET, 3); }
function fib6_rules_dump(skb: sk_buff, cb: netlink_callback): i32 { return dump_rules(skb, cb, AF_INET6, 2); }

/**
 * sim: Without a family, every rules_ops in registration order: IPv4, IPv4 multicast routing (family
 * RTNL_FAMILY_IPMR 128: one rule to table default), IPv6 multicast routing (129: one rule to main),
 * IPv6. Ref: fib_nl_dumprule, ipmr_rules_init, ip6mr_rules_init
 */
function fib_nl_dumprule_unspec(skb: sk_buff, cb: netlink_callback): i32 {
  // args[1]: which family; args[0]: the rule within it.
  const fams: u8[] = [AF_INET, RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR, AF_INET6];
  let f = <i32>cb.args[1];
  for (; f < 4; f++) {
    const fam = fams[f];
    const n = fam == AF_INET ? 3 : fam == AF_INET6 ? 2 : 1;
    let idx = <i32>cb.args[0];
    for (; idx < n; idx++) {
      let table: u32 = fam == AF_INET || fam == AF_INET6 ? [RT_TABLE_LOCAL, RT_TABLE_MAIN, RT_TABLE_DEFAULT][idx] : fam == RTNL_FAMILY_IPMR ? RT_TABLE_DEFAULT : RT_TABLE_MAIN;
      let pref: u32 = fam == AF_INET || fam == AF_INET6 ? [0, 32766, 32767][idx] : 32767;
      if (fib_nl_fill_rule(skb, fam, table, pref, NETLINK_CB(cb.skb).portid, cb.nlh.nlmsg_seq) < 0) {
        cb.args[0] = idx;
        cb.args[1] = f;
        return <i32>skb.len;
      }
    }
    cb.args[0] = 0;
  }
  cb.args[1] = f;
  return <i32>skb.len;
}

/** sim: Adding or deleting a rule: the family must have rules; changing them is not modelled. Ref: fib_nl_newrule, fib_nl_delrule */
function fib_nl_changerule(skb: sk_buff, nlh: nlmsghdr, extack: netlink_ext_ack | null): i32 {
  const frh = changetype<fib_rule_hdr>(nlmsg_data(nlh));
  const family = nlmsg_len(nlh) >= 1 ? frh.family : 0;
  if (family != AF_INET && family != AF_INET6) {
    NL_SET_ERR_MSG(extack, 'Rule family not supported');
    return -EAFNOSUPPORT;
  }
  NL_SET_ERR_MSG(extack, 'sim: changing routing rules is not modelled');
  return -EOPNOTSUPP;
}

export function fib_rules_init(): void {
  rtnl_register(AF_UNSPEC, RTM_NEWRULE, fib_nl_changerule, null);
  rtnl_register(AF_UNSPEC, RTM_DELRULE, fib_nl_changerule, null);
  rtnl_register(AF_UNSPEC, RTM_GETRULE, null, fib_nl_dumprule_unspec);
  rtnl_register(AF_INET, RTM_GETRULE, null, fib4_rules_dump);
  rtnl_register(AF_INET6, RTM_GETRULE, null, fib6_rules_dump);
}
