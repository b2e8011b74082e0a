// SPDX-License-Identifier: GPL-2.0
/*
 * nl_test: a custom netlink protocol (NETLINK_TEST = 25) for the course.
 *
 * Echo mode answers every message with a copy of it. Delayed mode reproduces the source
 * article's experiment: the input callback sleeps before each of its replies, and since the
 * callback runs inside the sender's sendmsg(), the sender stays blocked until the last reply
 * is queued. The exact messages are specified in README.md.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#define NETLINK_TEST		25
#define NL_TEST_GREETING	"I am from kernel!"
#define NL_TEST_SHOW_MAX	64

static int delayed;
module_param(delayed, int, 0444);
MODULE_PARM_DESC(delayed, "0: echo each message; 1: send `replies` greetings, interval_ms apart");

static int replies = 10;
module_param(replies, int, 0444);
MODULE_PARM_DESC(replies, "delayed mode: replies per message (1-100)");

static int interval_ms = 3000;
module_param(interval_ms, int, 0444);
MODULE_PARM_DESC(interval_ms, "delayed mode: sleep before each reply, in ms (0-60000)");

static struct sock *nl_sk;

static void nl_test_send(u32 dst, const struct nlmsghdr *req,
			 const void *payload, size_t len)
{
	struct sk_buff *skb;
	struct nlmsghdr *nlh;
	int err;

	skb = nlmsg_new(len, GFP_KERNEL);
	if (!skb) {
		pr_info("nl_test: reply to port %u failed: %d\n", dst, -ENOMEM);
		return;
	}
	nlh = nlmsg_put(skb, 0, req->nlmsg_seq, req->nlmsg_type, len, 0);
	if (!nlh) {
		kfree_skb(skb);
		pr_info("nl_test: reply to port %u failed: %d\n", dst, -EMSGSIZE);
		return;
	}
	memcpy(nlmsg_data(nlh), payload, len);
	NETLINK_CB(skb).portid = 0;
	NETLINK_CB(skb).dst_group = 0;

	err = netlink_unicast(nl_sk, skb, dst, MSG_DONTWAIT);
	if (err < 0)
		pr_info("nl_test: reply to port %u failed: %d\n", dst, err);
}

static void nl_test_handle(struct sk_buff *skb, const struct nlmsghdr *nlh)
{
	const char *payload = nlmsg_data(nlh);
	int len = nlmsg_len(nlh);
	u32 dst = nlh->nlmsg_pid;
	unsigned long deadline;
	long left;
	int i;

	pr_info("nl_test: %d bytes from port %u, header pid %u: \"%.*s\"\n",
		len, NETLINK_CB(skb).portid, dst,
		(int)strnlen(payload, min(len, NL_TEST_SHOW_MAX)), payload);

	/* Port 0 is this kernel socket: replying there would feed our own input again. */
	if (dst == 0) {
		pr_info("nl_test: header pid is 0 (the kernel itself): not replying\n");
		return;
	}

	if (!delayed) {
		nl_test_send(dst, nlh, payload, len);
		return;
	}
	/* Absolute deadlines: reply i leaves i * interval_ms after the message came, the sleeps'
	 * overshoots (a jiffy each, more on a busy host) do not add up over ten replies. */
	deadline = jiffies;
	for (i = 0; i < replies; i++) {
		deadline += msecs_to_jiffies(interval_ms);
		while ((left = (long)(deadline - jiffies)) > 0)
			schedule_timeout_uninterruptible(left);
		nl_test_send(dst, nlh, NL_TEST_GREETING, sizeof(NL_TEST_GREETING));
	}
}

/* Runs in the context of the sender's sendmsg(): the sender waits until this returns. */
static void nl_test_rcv(struct sk_buff *skb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(skb);
	int remaining = skb->len;

	while (nlmsg_ok(nlh, remaining)) {
		nl_test_handle(skb, nlh);
		nlh = nlmsg_next(nlh, &remaining);
	}
}

static int __init nl_test_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = nl_test_rcv,
	};

	if (delayed && (replies < 1 || replies > 100 || interval_ms < 0 || interval_ms > 60000)) {
		pr_err("nl_test: replies must be 1-100 and interval_ms 0-60000\n");
		return -EINVAL;
	}
	nl_sk = netlink_kernel_create(&init_net, NETLINK_TEST, &cfg);
	if (!nl_sk) {
		pr_err("nl_test: protocol %d is taken\n", NETLINK_TEST);
		return -EBUSY;
	}
	pr_info("nl_test: protocol %d ready (delayed=%d)\n", NETLINK_TEST, delayed);
	return 0;
}

static void __exit nl_test_exit(void)
{
	netlink_kernel_release(nl_sk);
	pr_info("nl_test: protocol %d closed\n", NETLINK_TEST);
}

module_init(nl_test_init);
module_exit(nl_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: custom netlink protocol 25 that echoes or answers slowly");
