/**
 * The IPv4 per-device settings as IFLA_INET_CONF carries them: `s32 data[IPV4_DEVCONF_MAX]`,
 * indexed by IPV4_DEVCONF_* - 1 (struct ipv4_devconf, read by inet_fill_link_af).
 *
 * Models Linux 6.18: include/uapi/linux/ip.h
 */

export const IPV4_DEVCONF_FORWARDING: i32 = 1;
export const IPV4_DEVCONF_MC_FORWARDING: i32 = 2;
export const IPV4_DEVCONF_PROXY_ARP: i32 = 3;
export const IPV4_DEVCONF_ACCEPT_REDIRECTS: i32 = 4;
export const IPV4_DEVCONF_SECURE_REDIRECTS: i32 = 5;
export const IPV4_DEVCONF_SEND_REDIRECTS: i32 = 6;
export const IPV4_DEVCONF_SHARED_MEDIA: i32 = 7;
export const IPV4_DEVCONF_RP_FILTER: i32 = 8;
export const IPV4_DEVCONF_ACCEPT_SOURCE_ROUTE: i32 = 9;
export const IPV4_DEVCONF_BOOTP_RELAY: i32 = 10;
export const IPV4_DEVCONF_LOG_MARTIANS: i32 = 11;
export const IPV4_DEVCONF_TAG: i32 = 12;
export const IPV4_DEVCONF_ARPFILTER: i32 = 13;
export const IPV4_DEVCONF_MEDIUM_ID: i32 = 14;
export const IPV4_DEVCONF_NOXFRM: i32 = 15;
export const IPV4_DEVCONF_NOPOLICY: i32 = 16;
export const IPV4_DEVCONF_FORCE_IGMP_VERSION: i32 = 17;
export const IPV4_DEVCONF_ARP_ANNOUNCE: i32 = 18;
export const IPV4_DEVCONF_ARP_IGNORE: i32 = 19;
export const IPV4_DEVCONF_PROMOTE_SECONDARIES: i32 = 20;
export const IPV4_DEVCONF_ARP_ACCEPT: i32 = 21;
export const IPV4_DEVCONF_ARP_NOTIFY: i32 = 22;
export const IPV4_DEVCONF_ACCEPT_LOCAL: i32 = 23;
export const IPV4_DEVCONF_SRC_VMARK: i32 = 24;
export const IPV4_DEVCONF_PROXY_ARP_PVLAN: i32 = 25;
export const IPV4_DEVCONF_ROUTE_LOCALNET: i32 = 26;
export const IPV4_DEVCONF_IGMPV2_UNSOLICITED_REPORT_INTERVAL: i32 = 27;
export const IPV4_DEVCONF_IGMPV3_UNSOLICITED_REPORT_INTERVAL: i32 = 28;
export const IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN: i32 = 29;
export const IPV4_DEVCONF_DROP_UNICAST_IN_L2_MULTICAST: i32 = 30;
export const IPV4_DEVCONF_DROP_GRATUITOUS_ARP: i32 = 31;
export const IPV4_DEVCONF_BC_FORWARDING: i32 = 32;
export const IPV4_DEVCONF_ARP_EVICT_NOCARRIER: i32 = 33;
/** The number of settings: __IPV4_DEVCONF_MAX - 1. */
export const IPV4_DEVCONF_MAX: i32 = 33;
