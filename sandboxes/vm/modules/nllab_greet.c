// SPDX-License-Identifier: GPL-2.0
/*
 * nllab_greet: the NLLAB_GREET generic netlink family that lesson 4.3 writes (the C twin of the
 * lesson's module.ts).
 *
 * One command, GREET, takes NLLAB_GREET_A_NAME (a NUL-terminated string). The family answers the
 * sender with NLLAB_GREET_A_TEXT = "Hello, <name>!" and NLLAB_GREET_A_COUNT (greetings since the
 * module loaded), then sends NAME and COUNT to the multicast group "greetings". A GREET without
 * a name is refused with -EINVAL and NLMSGERR_ATTR_MISS_TYPE 1.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <net/genetlink.h>

enum {
	NLLAB_GREET_A_UNSPEC,
	NLLAB_GREET_A_NAME,
	NLLAB_GREET_A_TEXT,
	NLLAB_GREET_A_COUNT,
	__NLLAB_GREET_A_MAX,
};
#define NLLAB_GREET_A_MAX (__NLLAB_GREET_A_MAX - 1)

enum {
	NLLAB_GREET_C_UNSPEC,
	NLLAB_GREET_C_GREET,
};

enum {
	NLLAB_GREET_GRP_GREETINGS,
};

static const struct nla_policy nllab_greet_policy[NLLAB_GREET_A_MAX + 1] = {
	[NLLAB_GREET_A_NAME] = { .type = NLA_NUL_STRING },
};

static struct genl_family nllab_greet_family;
static u32 greeted;

static void nllab_greet_notify(const char *name)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(strlen(name) + 1) + nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nllab_greet_family, 0, NLLAB_GREET_C_GREET);
	if (!hdr || nla_put_string(skb, NLLAB_GREET_A_NAME, name) ||
	    nla_put_u32(skb, NLLAB_GREET_A_COUNT, greeted)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&nllab_greet_family, skb, 0, NLLAB_GREET_GRP_GREETINGS, GFP_KERNEL);
}

static int nllab_greet_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	const char *name;
	char *text;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, NLLAB_GREET_A_NAME))
		return -EINVAL;
	name = nla_data(info->attrs[NLLAB_GREET_A_NAME]);
	text = kasprintf(GFP_KERNEL, "Hello, %s!", name);
	if (!text)
		return -ENOMEM;
	greeted++;

	err = -ENOMEM;
	reply = genlmsg_new(nla_total_size(strlen(text) + 1) + nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!reply)
		goto out;
	err = -EMSGSIZE;
	hdr = genlmsg_put(reply, info->snd_portid, info->snd_seq, &nllab_greet_family, 0, NLLAB_GREET_C_GREET);
	if (!hdr || nla_put_string(reply, NLLAB_GREET_A_TEXT, text) ||
	    nla_put_u32(reply, NLLAB_GREET_A_COUNT, greeted)) {
		nlmsg_free(reply);
		goto out;
	}
	genlmsg_end(reply, hdr);
	err = genlmsg_reply(reply, info);
	if (err)
		goto out;

	nllab_greet_notify(name);
out:
	kfree(text);
	return err;
}

static const struct genl_small_ops nllab_greet_ops[] = {
	{
		.cmd	= NLLAB_GREET_C_GREET,
		.doit	= nllab_greet_doit,
	},
};

static const struct genl_multicast_group nllab_greet_mcgrps[] = {
	[NLLAB_GREET_GRP_GREETINGS] = { .name = "greetings" },
};

static struct genl_family nllab_greet_family __ro_after_init = {
	.name		= "NLLAB_GREET",
	.version	= 1,
	.maxattr	= NLLAB_GREET_A_MAX,
	.policy		= nllab_greet_policy,
	.module		= THIS_MODULE,
	.small_ops	= nllab_greet_ops,
	.n_small_ops	= ARRAY_SIZE(nllab_greet_ops),
	.mcgrps		= nllab_greet_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nllab_greet_mcgrps),
};

static int __init nllab_greet_init(void)
{
	greeted = 0;
	return genl_register_family(&nllab_greet_family);
}

static void __exit nllab_greet_exit(void)
{
	genl_unregister_family(&nllab_greet_family);
}

module_init(nllab_greet_init);
module_exit(nllab_greet_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the NLLAB_GREET generic netlink family (lesson 4.3)");
