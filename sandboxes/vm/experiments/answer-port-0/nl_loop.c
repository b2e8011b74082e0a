// SPDX-License-Identifier: GPL-2.0
/* Experiment: a netlink protocol (26) whose input echoes every message to the header's nlmsg_pid,
 * without refusing 0. Sending it a message with nlmsg_pid 0 makes it answer itself. */
#include <linux/module.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

static struct sock *nl_sk;
static atomic_t depth = ATOMIC_INIT(0);

static void nl_loop_rcv(struct sk_buff *skb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(skb);
	struct sk_buff *out;
	struct nlmsghdr *r;
	int d = atomic_inc_return(&depth);

	if (d % 16 == 1)
		pr_info("nl_loop: depth %d, header pid %u\n", d, nlh->nlmsg_pid);
	out = nlmsg_new(nlmsg_len(nlh), GFP_KERNEL);
	if (out) {
		r = nlmsg_put(out, 0, nlh->nlmsg_seq, nlh->nlmsg_type, nlmsg_len(nlh), 0);
		if (r) {
			memcpy(nlmsg_data(r), nlmsg_data(nlh), nlmsg_len(nlh));
			netlink_unicast(nl_sk, out, nlh->nlmsg_pid, MSG_DONTWAIT);
		} else {
			kfree_skb(out);
		}
	}
	atomic_dec(&depth);
}

static int __init nl_loop_init(void)
{
	struct netlink_kernel_cfg cfg = { .input = nl_loop_rcv };

	nl_sk = netlink_kernel_create(&init_net, 26, &cfg);
	return nl_sk ? 0 : -EBUSY;
}

static void __exit nl_loop_exit(void)
{
	netlink_kernel_release(nl_sk);
}

module_init(nl_loop_init);
module_exit(nl_loop_exit);
MODULE_LICENSE("GPL");
