// SPDX-License-Identifier: GPL-2.0
/*
 * doc_exmpl: the DOC_EXMPL generic netlink family of the course.
 *
 * One command, ECHO, takes a NUL-terminated string attribute; the family answers the sender
 * with a greeting and tells the members of its multicast group what was received. The exact
 * messages are specified in README.md.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <net/genetlink.h>

#define DOC_EXMPL_GREETING	"Hello from kernel space!!!"

enum {
	DOC_EXMPL_A_UNSPEC,
	DOC_EXMPL_A_MSG,
	__DOC_EXMPL_A_MAX,
};
#define DOC_EXMPL_A_MAX (__DOC_EXMPL_A_MAX - 1)

enum {
	DOC_EXMPL_C_UNSPEC,
	DOC_EXMPL_C_ECHO,
	__DOC_EXMPL_C_MAX,
};

enum {
	DOC_EXMPL_GRP,
};

static const struct nla_policy doc_exmpl_policy[DOC_EXMPL_A_MAX + 1] = {
	[DOC_EXMPL_A_MSG] = { .type = NLA_NUL_STRING },
};

static struct genl_family doc_exmpl_family;

static int doc_exmpl_put_msg(struct sk_buff *skb, u32 portid, u32 seq, const char *text)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &doc_exmpl_family, 0, DOC_EXMPL_C_ECHO);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DOC_EXMPL_A_MSG, text)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static void doc_exmpl_notify(const char *text)
{
	struct sk_buff *skb;

	skb = genlmsg_new(nla_total_size(strlen(text) + 1), GFP_KERNEL);
	if (!skb)
		return;
	if (doc_exmpl_put_msg(skb, 0, 0, text)) {
		nlmsg_free(skb);
		return;
	}
	/* -ESRCH (nobody joined) is normal for a notification. */
	genlmsg_multicast(&doc_exmpl_family, skb, 0, DOC_EXMPL_GRP, GFP_KERNEL);
}

static int doc_exmpl_echo(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *reply;
	const char *text;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DOC_EXMPL_A_MSG))
		return -EINVAL;
	text = nla_data(info->attrs[DOC_EXMPL_A_MSG]);
	pr_info("doc_exmpl: ECHO from port %u: \"%s\"\n", info->snd_portid, text);

	reply = genlmsg_new(nla_total_size(sizeof(DOC_EXMPL_GREETING)), GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	err = doc_exmpl_put_msg(reply, info->snd_portid, info->snd_seq, DOC_EXMPL_GREETING);
	if (err) {
		nlmsg_free(reply);
		return err;
	}
	err = genlmsg_reply(reply, info);
	if (err)
		return err;

	doc_exmpl_notify(text);
	return 0;
}

static const struct genl_small_ops doc_exmpl_ops[] = {
	{
		.cmd	= DOC_EXMPL_C_ECHO,
		.doit	= doc_exmpl_echo,
	},
};

static const struct genl_multicast_group doc_exmpl_mcgrps[] = {
	[DOC_EXMPL_GRP] = { .name = "DOC_EXMPL_GRP" },
};

static struct genl_family doc_exmpl_family __ro_after_init = {
	.name		= "DOC_EXMPL",
	.version	= 1,
	.hdrsize	= 0,
	.maxattr	= DOC_EXMPL_A_MAX,
	.policy		= doc_exmpl_policy,
	.module		= THIS_MODULE,
	.small_ops	= doc_exmpl_ops,
	.n_small_ops	= ARRAY_SIZE(doc_exmpl_ops),
	.mcgrps		= doc_exmpl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(doc_exmpl_mcgrps),
};

static int __init doc_exmpl_init(void)
{
	int err;

	err = genl_register_family(&doc_exmpl_family);
	if (err) {
		pr_err("doc_exmpl: genl_register_family failed: %d\n", err);
		return err;
	}
	pr_info("doc_exmpl: family %s id %u, group %s id %u\n",
		doc_exmpl_family.name, doc_exmpl_family.id,
		doc_exmpl_mcgrps[DOC_EXMPL_GRP].name,
		doc_exmpl_family.mcgrp_offset + DOC_EXMPL_GRP);
	return 0;
}

static void __exit doc_exmpl_exit(void)
{
	genl_unregister_family(&doc_exmpl_family);
	pr_info("doc_exmpl: family DOC_EXMPL unregistered\n");
}

module_init(doc_exmpl_init);
module_exit(doc_exmpl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the DOC_EXMPL generic netlink family (ECHO and a multicast group)");
