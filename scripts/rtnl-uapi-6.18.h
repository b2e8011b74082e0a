/*
 * What this machine's kernel (6.18) numbers beyond the uapi headers installed here (Debian's
 * linux-libc-dev 6.1), as C, for scripts/gen-rtnl-names.mjs. Each value was read from a 6.18 dump
 * (npx netlink-lab run … --kernel real; see tests/fidelity/scenarios/80-83) or the 6.18 headers.
 */
enum {
	IFLA_DEVLINK_PORT = 62,
	IFLA_GSO_IPV4_MAX_SIZE = 63,
	IFLA_GRO_IPV4_MAX_SIZE = 64,
	IFLA_DPLL_PIN = 65,
	IFLA_MAX_PACING_OFFLOAD_HORIZON = 66,
	IFLA_NETNS_IMMUTABLE = 67,
	IFLA_HEADROOM = 68,
	IFLA_TAILROOM = 69,
};
enum {
	IFLA_BR_FDB_N_LEARNED = 48,
	IFLA_BR_FDB_MAX_LEARNED = 49,
};
enum rtnetlink_groups {
	RTNLGRP_IPV4_MCADDR = 37,
	RTNLGRP_IPV6_MCADDR = 38,
	RTNLGRP_IPV6_ACADDR = 39,
};
enum {
	RTM_NEWTUNNEL = 120,
	RTM_DELTUNNEL = 121,
	RTM_GETTUNNEL = 122,
};
