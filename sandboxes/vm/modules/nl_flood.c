// SPDX-License-Identifier: GPL-2.0
/*
 * nl_flood: a kernel sender for part 5 of the course (NETLINK_FLOOD = 27).
 *
 * On request it sends a burst of messages to a port with nlmsg_unicast, or to a group with
 * netlink_broadcast, and reports to the requester what each call returned; or it answers a
 * dump of such messages. The exact messages are specified in README.md; the simulator's twin
 * is sandboxes/sim/modules/nl_flood.ts.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#define NETLINK_FLOOD		27
#define NL_FLOOD_UNICAST	0x10
#define NL_FLOOD_BROADCAST	0x11
#define NL_FLOOD_DUMP		0x12
#define NL_FLOOD_DATA		0x13
#define NL_FLOOD_REPORT		0x14
#define NL_FLOOD_MAX_COUNT	64
#define NL_FLOOD_MAX_SIZE	4000

struct nl_flood_req {
	__u32 target;
	__u32 count;
	__u32 size;
};

static struct sock *nl_sk;

/* The request in nlh's payload, or NULL if it is malformed. */
static const struct nl_flood_req *nl_flood_parse(const struct nlmsghdr *nlh)
{
	const struct nl_flood_req *req = nlmsg_data(nlh);

	if (nlmsg_len(nlh) < (int)sizeof(*req))
		return NULL;
	if (req->count < 1 || req->count > NL_FLOOD_MAX_COUNT ||
	    req->size < 4 || req->size > NL_FLOOD_MAX_SIZE)
		return NULL;
	return req;
}

/* One NL_FLOOD_DATA message with index `index` in a new skb (NULL: no memory). */
static struct sk_buff *nl_flood_data(const struct nl_flood_req *req, u32 index)
{
	struct sk_buff *skb = nlmsg_new(req->size, GFP_KERNEL);
	struct nlmsghdr *nlh;
	void *d;

	if (!skb)
		return NULL;
	nlh = nlmsg_put(skb, 0, index, NL_FLOOD_DATA, req->size, 0);
	if (!nlh) {
		kfree_skb(skb);
		return NULL;
	}
	d = nlmsg_data(nlh);
	memset(d, 0, req->size);
	memcpy(d, &index, sizeof(index));
	nlmsg_end(skb, nlh);
	return skb;
}

/* Tell the requester what each call returned. */
static int nl_flood_report(u32 portid, u32 seq, const s32 *results, u32 count)
{
	struct sk_buff *skb = nlmsg_new(4 * count, GFP_KERNEL);
	struct nlmsghdr *nlh;

	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, 0, seq, NL_FLOOD_REPORT, 4 * count, 0);
	if (!nlh) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	memcpy(nlmsg_data(nlh), results, 4 * count);
	nlmsg_end(skb, nlh);
	return nlmsg_unicast(nl_sk, skb, portid);
}

/* The dump: as many messages as fit in each skb; cb->args[0] counts those sent. */
static int nl_flood_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct nl_flood_req *req = nl_flood_parse(cb->nlh);
	struct nlmsghdr *nlh;
	u32 index;
	void *d;

	while (cb->args[0] < req->count) {
		nlh = nlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				NL_FLOOD_DATA, req->size, NLM_F_MULTI);
		if (!nlh)
			return skb->len; /* full: sent, and called again when the reader drained */
		d = nlmsg_data(nlh);
		memset(d, 0, req->size);
		index = cb->args[0] + 1;
		memcpy(d, &index, sizeof(index));
		nlmsg_end(skb, nlh);
		cb->args[0]++;
	}
	return 0; /* done: netlink_dump appends NLMSG_DONE */
}

static int nl_flood_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh,
			    struct netlink_ext_ack *extack)
{
	const struct nl_flood_req *req = nl_flood_parse(nlh);
	struct sk_buff *data;
	s32 *results;
	u32 i;
	int err;

	if (nlh->nlmsg_type == NL_FLOOD_DUMP) {
		struct netlink_dump_control c = { .dump = nl_flood_dump };

		if (!(nlh->nlmsg_flags & NLM_F_DUMP) || !req)
			return -EINVAL;
		return netlink_dump_start(nl_sk, skb, nlh, &c);
	}
	if (nlh->nlmsg_type != NL_FLOOD_UNICAST && nlh->nlmsg_type != NL_FLOOD_BROADCAST)
		return -EOPNOTSUPP;
	if (!req)
		return -EINVAL;

	results = kcalloc(req->count, sizeof(*results), GFP_KERNEL);
	if (!results)
		return -ENOMEM;
	for (i = 0; i < req->count; i++) {
		data = nl_flood_data(req, i + 1);
		if (!data) {
			results[i] = -ENOMEM;
			continue;
		}
		if (nlh->nlmsg_type == NL_FLOOD_UNICAST) {
			results[i] = nlmsg_unicast(nl_sk, data, req->target);
		} else {
			NETLINK_CB(data).dst_group = req->target;
			results[i] = netlink_broadcast(nl_sk, data, 0, req->target, GFP_KERNEL);
		}
	}
	err = nl_flood_report(NETLINK_CB(skb).portid, nlh->nlmsg_seq, results, req->count);
	if (err)
		pr_info("nl_flood: report to port %u failed: %d\n", NETLINK_CB(skb).portid, err);
	kfree(results);
	return 0;
}

/* Runs in the sender's sendmsg(). */
static void nl_flood_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, &nl_flood_rcv_msg);
}

static int __init nl_flood_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = nl_flood_rcv,
	};

	nl_sk = netlink_kernel_create(&init_net, NETLINK_FLOOD, &cfg);
	if (!nl_sk) {
		pr_err("nl_flood: protocol %d is taken\n", NETLINK_FLOOD);
		return -EBUSY;
	}
	pr_info("nl_flood: protocol %d ready\n", NETLINK_FLOOD);
	return 0;
}

static void __exit nl_flood_exit(void)
{
	netlink_kernel_release(nl_sk);
	pr_info("nl_flood: protocol %d closed\n", NETLINK_FLOOD);
}

module_init(nl_flood_init);
module_exit(nl_flood_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: a kernel sender that unicasts, broadcasts and dumps bursts (protocol 27)");
