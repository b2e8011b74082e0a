// SPDX-License-Identifier: GPL-2.0
/*
 * nllab_counter: the NLLAB_COUNTER generic netlink family of lesson 4.6 (the C twin of the
 * lesson's solution/module.ts). A u32 counter: GET (anyone) replies VALUE; ADD (anyone) adds
 * DELTA; RESET (GENL_ADMIN_PERM) sets 0. Each change is sent to the group "changes" (VALUE, pid 0)
 * and to "audit" (VALUE, with nlmsg_pid = the port whose request made the change, as rtnetlink's
 * notifications do), which needs CAP_NET_ADMIN to join
 * (GENL_MCAST_CAP_NET_ADMIN: upstream 6.7, and Debian's 6.1 from 6.1.68 on).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

enum {
	NLLAB_COUNTER_A_UNSPEC,
	NLLAB_COUNTER_A_VALUE,
	NLLAB_COUNTER_A_DELTA,
	__NLLAB_COUNTER_A_MAX,
};
#define NLLAB_COUNTER_A_MAX (__NLLAB_COUNTER_A_MAX - 1)

enum {
	NLLAB_COUNTER_C_UNSPEC,
	NLLAB_COUNTER_C_GET,
	NLLAB_COUNTER_C_ADD,
	NLLAB_COUNTER_C_RESET,
};

enum {
	NLLAB_COUNTER_GRP_CHANGES,
	NLLAB_COUNTER_GRP_AUDIT,
};

static const struct nla_policy nllab_counter_policy[NLLAB_COUNTER_A_MAX + 1] = {
	[NLLAB_COUNTER_A_DELTA] = { .type = NLA_U32 },
};

static struct genl_family nllab_counter_family;
static u32 value;

static int nllab_counter_fill(struct sk_buff *skb, u32 portid, u32 seq, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nllab_counter_family, 0, cmd);
	if (!hdr || nla_put_u32(skb, NLLAB_COUNTER_A_VALUE, value))
		return -EMSGSIZE;
	genlmsg_end(skb, hdr);
	return 0;
}

static void nllab_counter_notify(u8 cmd, u32 changer)
{
	static const unsigned int groups[] = { NLLAB_COUNTER_GRP_CHANGES, NLLAB_COUNTER_GRP_AUDIT };
	struct sk_buff *skb;
	int i;

	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		skb = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
		if (!skb)
			return;
		if (nllab_counter_fill(skb, groups[i] == NLLAB_COUNTER_GRP_AUDIT ? changer : 0, 0, cmd)) {
			nlmsg_free(skb);
			return;
		}
		genlmsg_multicast(&nllab_counter_family, skb, 0, groups[i], GFP_KERNEL);
	}
}

static int nllab_counter_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;

	reply = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	if (nllab_counter_fill(reply, info->snd_portid, info->snd_seq, NLLAB_COUNTER_C_GET)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	return genlmsg_reply(reply, info);
}

static int nllab_counter_add(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, NLLAB_COUNTER_A_DELTA))
		return -EINVAL;
	value += nla_get_u32(info->attrs[NLLAB_COUNTER_A_DELTA]);
	nllab_counter_notify(NLLAB_COUNTER_C_ADD, info->snd_portid);
	return 0;
}

static int nllab_counter_reset(struct sk_buff *skb, struct genl_info *info)
{
	value = 0;
	nllab_counter_notify(NLLAB_COUNTER_C_RESET, info->snd_portid);
	return 0;
}

static const struct genl_small_ops nllab_counter_ops[] = {
	{ .cmd = NLLAB_COUNTER_C_GET, .doit = nllab_counter_get },
	{ .cmd = NLLAB_COUNTER_C_ADD, .doit = nllab_counter_add },
	{ .cmd = NLLAB_COUNTER_C_RESET, .doit = nllab_counter_reset, .flags = GENL_ADMIN_PERM },
};

static const struct genl_multicast_group nllab_counter_mcgrps[] = {
	[NLLAB_COUNTER_GRP_CHANGES] = { .name = "changes" },
	[NLLAB_COUNTER_GRP_AUDIT] = { .name = "audit", .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family nllab_counter_family __ro_after_init = {
	.name		= "NLLAB_COUNTER",
	.version	= 1,
	.maxattr	= NLLAB_COUNTER_A_MAX,
	.policy		= nllab_counter_policy,
	.module		= THIS_MODULE,
	.small_ops	= nllab_counter_ops,
	.n_small_ops	= ARRAY_SIZE(nllab_counter_ops),
	.mcgrps		= nllab_counter_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nllab_counter_mcgrps),
};

static int __init nllab_counter_init(void)
{
	value = 0;
	return genl_register_family(&nllab_counter_family);
}

static void __exit nllab_counter_exit(void)
{
	genl_unregister_family(&nllab_counter_family);
}

module_init(nllab_counter_init);
module_exit(nllab_counter_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the NLLAB_COUNTER generic netlink family, permissions and groups (lesson 4.6)");
