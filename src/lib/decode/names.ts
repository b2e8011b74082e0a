/**
 * Names of the numbers in a netlink message: protocols, message types, header flags. From
 * include/uapi/linux/netlink.h and rtnetlink.h.
 */
import * as U from '../../api/uapi.ts';
import { RTNL_NAMES } from './rtnl-names.gen.ts';

/** Protocol numbers by name (NETLINK_ROUTE …), including the course's NETLINK_TEST (25). */
const PROTOCOLS: Record<number, string> = {
  [U.NETLINK_ROUTE]: 'NETLINK_ROUTE',
  [U.NETLINK_UNUSED]: 'NETLINK_UNUSED',
  [U.NETLINK_USERSOCK]: 'NETLINK_USERSOCK',
  [U.NETLINK_FIREWALL]: 'NETLINK_FIREWALL',
  [U.NETLINK_SOCK_DIAG]: 'NETLINK_SOCK_DIAG',
  [U.NETLINK_NFLOG]: 'NETLINK_NFLOG',
  [U.NETLINK_XFRM]: 'NETLINK_XFRM',
  [U.NETLINK_SELINUX]: 'NETLINK_SELINUX',
  [U.NETLINK_ISCSI]: 'NETLINK_ISCSI',
  [U.NETLINK_AUDIT]: 'NETLINK_AUDIT',
  [U.NETLINK_FIB_LOOKUP]: 'NETLINK_FIB_LOOKUP',
  [U.NETLINK_CONNECTOR]: 'NETLINK_CONNECTOR',
  [U.NETLINK_NETFILTER]: 'NETLINK_NETFILTER',
  [U.NETLINK_IP6_FW]: 'NETLINK_IP6_FW',
  [U.NETLINK_DNRTMSG]: 'NETLINK_DNRTMSG',
  [U.NETLINK_KOBJECT_UEVENT]: 'NETLINK_KOBJECT_UEVENT',
  [U.NETLINK_GENERIC]: 'NETLINK_GENERIC',
  [U.NETLINK_SCSITRANSPORT]: 'NETLINK_SCSITRANSPORT',
  [U.NETLINK_ECRYPTFS]: 'NETLINK_ECRYPTFS',
  [U.NETLINK_RDMA]: 'NETLINK_RDMA',
  [U.NETLINK_CRYPTO]: 'NETLINK_CRYPTO',
  [U.NETLINK_SMC]: 'NETLINK_SMC',
  [U.NETLINK_TEST]: 'NETLINK_TEST',
};

/** 'NETLINK_GENERIC' for 16; 'protocol 30' for a number nobody named. */
export const protocolName = (p: number): string => PROTOCOLS[p] ?? `protocol ${p}`;

const CONTROL: Record<number, string> = {
  [U.NLMSG_NOOP]: 'NLMSG_NOOP',
  [U.NLMSG_ERROR]: 'NLMSG_ERROR',
  [U.NLMSG_DONE]: 'NLMSG_DONE',
  [U.NLMSG_OVERRUN]: 'NLMSG_OVERRUN',
};

/** The control message types (< NLMSG_MIN_TYPE) by number. */
export const controlTypeName = (t: number): string | undefined => CONTROL[t];

/** NETLINK_ROUTE message types (RTM_*) by number, from the table generated from the uapi headers. */
export const rtmName = (t: number): string | undefined => RTNL_NAMES.RTM?.[t];

/** Which meaning the upper flag bits (0x100–0x800) have: they depend on the kind of request. */
export type FlagContext = 'get' | 'new' | 'delete' | 'ack' | 'unknown';

const LOW: [number, string][] = [
  [U.NLM_F_REQUEST, 'REQUEST'],
  [U.NLM_F_MULTI, 'MULTI'],
  [U.NLM_F_ACK, 'ACK'],
  [U.NLM_F_ECHO, 'ECHO'],
  [U.NLM_F_DUMP_INTR, 'DUMP_INTR'],
  [U.NLM_F_DUMP_FILTERED, 'DUMP_FILTERED'],
];
const HIGH: Record<Exclude<FlagContext, 'unknown'>, [number, string][]> = {
  get: [
    [U.NLM_F_ROOT, 'ROOT'],
    [U.NLM_F_MATCH, 'MATCH'],
    [U.NLM_F_ATOMIC, 'ATOMIC'],
  ],
  new: [
    [U.NLM_F_REPLACE, 'REPLACE'],
    [U.NLM_F_EXCL, 'EXCL'],
    [U.NLM_F_CREATE, 'CREATE'],
    [U.NLM_F_APPEND, 'APPEND'],
  ],
  delete: [
    [U.NLM_F_NONREC, 'NONREC'],
    [U.NLM_F_BULK, 'BULK'],
  ],
  ack: [
    [U.NLM_F_CAPPED, 'CAPPED'],
    [U.NLM_F_ACK_TLVS, 'ACK_TLVS'],
  ],
};

/**
 * nlmsg_flags as names: 'REQUEST|ACK (0x5)'. ROOT|MATCH of a GET is shown as DUMP. Bits whose
 * meaning depends on an unknown request kind are shown in hex.
 */
export function flagNames(flags: number, ctx: FlagContext): string {
  const names: string[] = [];
  let left = flags;
  for (const [bit, name] of LOW)
    if (flags & bit) {
      names.push(name);
      left &= ~bit;
    }
  if (ctx === 'get' && (flags & U.NLM_F_DUMP) === U.NLM_F_DUMP) {
    names.push('DUMP');
    left &= ~U.NLM_F_DUMP;
  }
  if (ctx !== 'unknown')
    for (const [bit, name] of HIGH[ctx])
      if (left & bit) {
        names.push(name);
        left &= ~bit;
      }
  if (left) names.push(`0x${left.toString(16)}`);
  const hex = `0x${flags.toString(16)}`;
  return names.length ? `${names.join('|')} (${hex})` : '0';
}

/** The flag context of a request from the name of its type or command: GET…, NEW…, DEL…. */
export function flagContextOf(name: string | undefined): FlagContext {
  if (!name) return 'unknown';
  const verb = name.replace(/^(RTM_|CTRL_CMD_|[A-Z0-9]+_C(MD)?_)/, '');
  if (verb.startsWith('GET')) return 'get';
  if (verb.startsWith('NEW') || verb.startsWith('SET')) return 'new';
  if (verb.startsWith('DEL')) return 'delete';
  return 'unknown';
}
