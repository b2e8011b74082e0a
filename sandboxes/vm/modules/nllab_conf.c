// SPDX-License-Identifier: GPL-2.0
/*
 * nllab_conf: the NLLAB_CONF generic netlink family of lesson 4.4 (the C twin of the lesson's
 * solution/module.ts). One command, SET, whose doit accepts anything that passed the policy:
 * NAME (NUL-terminated, at most 15 characters), MTU (u32, 68 to 9000) and OPTS, a nest of
 * VERBOSE (flag) and LEVEL (u8, at most 7). Strict validation (a new family).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

enum {
	NLLAB_CONF_A_UNSPEC,
	NLLAB_CONF_A_NAME,
	NLLAB_CONF_A_MTU,
	NLLAB_CONF_A_OPTS,
	__NLLAB_CONF_A_MAX,
};
#define NLLAB_CONF_A_MAX (__NLLAB_CONF_A_MAX - 1)

enum {
	NLLAB_CONF_OPT_UNSPEC,
	NLLAB_CONF_OPT_VERBOSE,
	NLLAB_CONF_OPT_LEVEL,
	__NLLAB_CONF_OPT_MAX,
};
#define NLLAB_CONF_OPT_MAX (__NLLAB_CONF_OPT_MAX - 1)

enum {
	NLLAB_CONF_C_UNSPEC,
	NLLAB_CONF_C_SET,
};

static const struct nla_policy nllab_conf_opts_policy[NLLAB_CONF_OPT_MAX + 1] = {
	[NLLAB_CONF_OPT_VERBOSE] = { .type = NLA_FLAG },
	[NLLAB_CONF_OPT_LEVEL] = NLA_POLICY_MAX(NLA_U8, 7),
};

static const struct nla_policy nllab_conf_policy[NLLAB_CONF_A_MAX + 1] = {
	[NLLAB_CONF_A_NAME] = { .type = NLA_NUL_STRING, .len = 15 },
	[NLLAB_CONF_A_MTU] = NLA_POLICY_RANGE(NLA_U32, 68, 9000),
	[NLLAB_CONF_A_OPTS] = NLA_POLICY_NESTED(nllab_conf_opts_policy),
};

static int nllab_conf_set(struct sk_buff *skb, struct genl_info *info)
{
	return 0;
}

static const struct genl_small_ops nllab_conf_ops[] = {
	{
		.cmd	= NLLAB_CONF_C_SET,
		.doit	= nllab_conf_set,
	},
};

static struct genl_family nllab_conf_family __ro_after_init = {
	.name		= "NLLAB_CONF",
	.version	= 1,
	.maxattr	= NLLAB_CONF_A_MAX,
	.policy		= nllab_conf_policy,
	.module		= THIS_MODULE,
	.small_ops	= nllab_conf_ops,
	.n_small_ops	= ARRAY_SIZE(nllab_conf_ops),
};

static int __init nllab_conf_init(void)
{
	return genl_register_family(&nllab_conf_family);
}

static void __exit nllab_conf_exit(void)
{
	genl_unregister_family(&nllab_conf_family);
}

module_init(nllab_conf_init);
module_exit(nllab_conf_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the NLLAB_CONF generic netlink family, attribute policies (lesson 4.4)");
