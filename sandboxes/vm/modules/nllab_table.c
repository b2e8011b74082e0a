// SPDX-License-Identifier: GPL-2.0
/*
 * nllab_table: the NLLAB_TABLE generic netlink family of lesson 4.5 (the C twin of the lesson's
 * solution/module.ts). One dump-only command, GET, lists a 1000-row table — one message per row
 * with NLLAB_TABLE_A_ID (u32 i), NLLAB_TABLE_A_NAME ("row-%04u") and NLLAB_TABLE_A_VALUE (u32 i*i)
 * — resuming from cb->args[0] each time the kernel calls the dumpit again.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

enum {
	NLLAB_TABLE_A_UNSPEC,
	NLLAB_TABLE_A_ID,
	NLLAB_TABLE_A_NAME,
	NLLAB_TABLE_A_VALUE,
	__NLLAB_TABLE_A_MAX,
};
#define NLLAB_TABLE_A_MAX (__NLLAB_TABLE_A_MAX - 1)

enum {
	NLLAB_TABLE_C_UNSPEC,
	NLLAB_TABLE_C_GET,
};

#define NLLAB_TABLE_ROWS 1000

static struct genl_family nllab_table_family;

static int nllab_table_fill(struct sk_buff *skb, u32 portid, u32 seq, int flags, u32 i)
{
	char name[16];
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &nllab_table_family, flags, NLLAB_TABLE_C_GET);
	if (!hdr)
		return -EMSGSIZE;
	snprintf(name, sizeof(name), "row-%04u", i);
	if (nla_put_u32(skb, NLLAB_TABLE_A_ID, i) ||
	    nla_put_string(skb, NLLAB_TABLE_A_NAME, name) ||
	    nla_put_u32(skb, NLLAB_TABLE_A_VALUE, i * i)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int nllab_table_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long i;

	for (i = cb->args[0]; i < NLLAB_TABLE_ROWS; i++) {
		if (nllab_table_fill(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq, NLM_F_MULTI, i))
			break;
	}
	cb->args[0] = i;
	return skb->len;
}

static const struct genl_small_ops nllab_table_ops[] = {
	{
		.cmd	= NLLAB_TABLE_C_GET,
		.dumpit	= nllab_table_dumpit,
	},
};

static struct genl_family nllab_table_family __ro_after_init = {
	.name		= "NLLAB_TABLE",
	.version	= 1,
	.maxattr	= NLLAB_TABLE_A_MAX,
	.module		= THIS_MODULE,
	.small_ops	= nllab_table_ops,
	.n_small_ops	= ARRAY_SIZE(nllab_table_ops),
};

static int __init nllab_table_init(void)
{
	return genl_register_family(&nllab_table_family);
}

static void __exit nllab_table_exit(void)
{
	genl_unregister_family(&nllab_table_family);
}

module_init(nllab_table_init);
module_exit(nllab_table_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the NLLAB_TABLE generic netlink family, a 1000-row dump (lesson 4.5)");
