// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fixme: the source article's NETLINK_TEST module, ported to a current kernel and with its
 * bugs fixed (lesson 2.8 has the learner find them). Protocol 27.
 *
 * For each message of type NL_FIXME_HELLO (0x10) it copies the text it received into a local
 * buffer and replies to the sending socket (NETLINK_CB(skb).portid) with
 * 'kernel got "<text>"'. Messages of any other type are ignored. The exact messages are
 * specified in README.md.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#define NETLINK_FIXME	27
#define NL_FIXME_HELLO	0x10
#define NL_FIXME_REPLY	0x11
#define MAX_TEXT	64

static struct sock *nl_sk;

/* Send message and its NUL to portid. */
static void sendnlmsg(const char *message, u32 portid, u32 seq)
{
	size_t slen = strlen(message);
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	int err;

	skb = nlmsg_new(slen + 1, GFP_KERNEL);
	if (!skb) {
		pr_err("nl_fixme: nlmsg_new failed\n");
		return;		/* the article went on with a NULL skb */
	}
	nlh = nlmsg_put(skb, 0, seq, NL_FIXME_REPLY, slen + 1, 0);
	if (!nlh) {
		kfree_skb(skb);
		return;
	}
	NETLINK_CB(skb).portid = 0;	/* from the kernel (called pid before Linux 3.7) */
	NETLINK_CB(skb).dst_group = 0;	/* a unicast */
	memcpy(nlmsg_data(nlh), message, slen + 1);	/* the article set message = '\0' first */
	err = netlink_unicast(nl_sk, skb, portid, MSG_DONTWAIT);
	if (err < 0)
		pr_info("nl_fixme: reply to port %u failed: %d\n", portid, err);
}

static void nl_fixme_handle(struct sk_buff *skb, struct nlmsghdr *nlh)
{
	char str[MAX_TEXT] = "";	/* the article had char str; and memcpy()d into it */
	char reply[MAX_TEXT + 16];
	int len = min_t(int, nlmsg_len(nlh), MAX_TEXT - 1);
	u32 portid = NETLINK_CB(skb).portid;	/* the sending socket */

	if (nlh->nlmsg_type != NL_FIXME_HELLO) {
		pr_info("nl_fixme: ignoring a message of type 0x%x\n", nlh->nlmsg_type);
		return;		/* the missing return */
	}
	memcpy(str, nlmsg_data(nlh), len);
	str[len] = '\0';
	pr_info("nl_fixme: \"%s\" from port %u\n", str, portid);
	snprintf(reply, sizeof(reply), "kernel got \"%s\"", str);
	sendnlmsg(reply, portid, nlh->nlmsg_seq);
}

static void nl_fixme_rcv(struct sk_buff *skb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(skb);
	int remaining = skb->len;

	while (nlmsg_ok(nlh, remaining)) {
		nl_fixme_handle(skb, nlh);
		nlh = nlmsg_next(nlh, &remaining);
	}
}

static int __init nl_fixme_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = nl_fixme_rcv,
	};

	nl_sk = netlink_kernel_create(&init_net, NETLINK_FIXME, &cfg);
	if (!nl_sk)
		return -EBUSY;
	pr_info("nl_fixme: protocol %d ready\n", NETLINK_FIXME);
	return 0;
}

static void __exit nl_fixme_exit(void)
{
	netlink_kernel_release(nl_sk);
	pr_info("nl_fixme: protocol %d closed\n", NETLINK_FIXME);
}

module_init(nl_fixme_init);
module_exit(nl_fixme_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: protocol 27, the source article's module with its bugs fixed");
