// SPDX-License-Identifier: GPL-2.0
/*
 * nl_ticker: a module that speaks first, on its own netlink protocol (NETLINK_TICKER = 26).
 *
 * Nobody asks it anything. One second after it loads, and every second after that (four times
 * in all), a timer broadcasts "tick N" to multicast group 1 and queues a work item, which
 * unicasts "hello N" to port 100, the port agreed with user space. Each message says what the
 * previous send of its kind returned (-ESRCH, -ECONNREFUSED, ...). The timer runs in softirq
 * context and allocates with GFP_ATOMIC; the work item runs in a kworker, process context, and
 * allocates with GFP_KERNEL. The exact messages are specified in README.md.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/jiffies.h>
#include <linux/timer.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#define NETLINK_TICKER		26
#define TICKER_GROUP		1
#define TICKER_PORT		100
#define TICKER_PERIOD_MS	1000
#define TICKER_TICKS		4
#define TICKER_MSG_TICK		0x10
#define TICKER_MSG_HELLO	0x11
#define TICKER_TEXT_MAX		96

static struct sock *nl_sk;
static struct timer_list tick_timer;
static struct work_struct hello_work;
static unsigned int ticks;
static int last_broadcast;	/* what the previous netlink_broadcast() returned */
static int last_unicast;	/* what the previous netlink_unicast() returned */

/* One message holding the text and its NUL; gfp says whether the allocation may sleep. */
static struct sk_buff *ticker_msg(int type, const char *text, gfp_t gfp)
{
	size_t len = strlen(text) + 1;
	struct sk_buff *skb;
	struct nlmsghdr *nlh;

	skb = nlmsg_new(len, gfp);
	if (!skb)
		return NULL;
	nlh = nlmsg_put(skb, 0, ticks, type, len, 0);
	if (!nlh) {
		kfree_skb(skb);
		return NULL;
	}
	memcpy(nlmsg_data(nlh), text, len);
	return skb;
}

/* The timer: softirq context. It must not sleep, so it allocates with GFP_ATOMIC. */
static void ticker_tick(struct timer_list *t)
{
	char text[TICKER_TEXT_MAX];
	struct sk_buff *skb;

	ticks++;
	snprintf(text, sizeof(text), "tick %u: the last broadcast returned %d", ticks, last_broadcast);
	skb = ticker_msg(TICKER_MSG_TICK, text, GFP_ATOMIC);
	if (skb) {
		NETLINK_CB(skb).dst_group = TICKER_GROUP;	/* receivers see the group */
		last_broadcast = netlink_broadcast(nl_sk, skb, 0, TICKER_GROUP, GFP_ATOMIC);
	}
	schedule_work(&hello_work);	/* the rest runs later, in process context */
	if (ticks < TICKER_TICKS)
		mod_timer(t, jiffies + msecs_to_jiffies(TICKER_PERIOD_MS));
}

/* The work item: a kworker thread, process context. It may sleep: GFP_KERNEL. */
static void ticker_hello(struct work_struct *w)
{
	char text[TICKER_TEXT_MAX];
	struct sk_buff *skb;

	snprintf(text, sizeof(text), "hello %u: the last unicast returned %d", ticks, last_unicast);
	skb = ticker_msg(TICKER_MSG_HELLO, text, GFP_KERNEL);
	if (!skb)
		return;
	last_unicast = netlink_unicast(nl_sk, skb, TICKER_PORT, MSG_DONTWAIT);
}

static int __init nl_ticker_init(void)
{
	struct netlink_kernel_cfg cfg = {};

	nl_sk = netlink_kernel_create(&init_net, NETLINK_TICKER, &cfg);
	if (!nl_sk)
		return -EBUSY;
	timer_setup(&tick_timer, ticker_tick, 0);
	INIT_WORK(&hello_work, ticker_hello);
	mod_timer(&tick_timer, jiffies + msecs_to_jiffies(TICKER_PERIOD_MS));
	pr_info("nl_ticker: protocol %d ready\n", NETLINK_TICKER);
	return 0;
}

static void __exit nl_ticker_exit(void)
{
	timer_delete_sync(&tick_timer);	/* first the timer: it queues the work */
	cancel_work_sync(&hello_work);
	netlink_kernel_release(nl_sk);
	pr_info("nl_ticker: protocol %d closed\n", NETLINK_TICKER);
}

module_init(nl_ticker_init);
module_exit(nl_ticker_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: protocol 26, a timer broadcasting ticks and a work item saying hello");
