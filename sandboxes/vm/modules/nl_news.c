// SPDX-License-Identifier: GPL-2.0
/*
 * nl_news: the kernel side of lesson 1.6 (the C twin of lessons/01-mechanisms/06-why-netlink/
 * solution/news.ts).
 *
 * A line written to /proc/nl_news (at most 255 bytes; a trailing newline is dropped) becomes the
 * latest news, which reading the file shows (pull). The generic netlink family NL_NEWS has no
 * command and one multicast group, "news": each written line is also sent to the group as
 * NL_NEWS_C_NEWS with the line in NL_NEWS_A_TEXT (NUL-terminated), nlmsg_pid 0, seq 0 (push).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <net/genetlink.h>

#define NL_NEWS_MAX	255

enum {
	NL_NEWS_A_UNSPEC,
	NL_NEWS_A_TEXT,
	__NL_NEWS_A_MAX,
};
#define NL_NEWS_A_MAX (__NL_NEWS_A_MAX - 1)

enum {
	NL_NEWS_C_UNSPEC,
	NL_NEWS_C_NEWS,
};

enum {
	NL_NEWS_GRP,
};

static DEFINE_MUTEX(nl_news_lock);
static char latest[NL_NEWS_MAX + 1];

static const struct nla_policy nl_news_policy[NL_NEWS_A_MAX + 1] = {
	[NL_NEWS_A_TEXT] = { .type = NLA_NUL_STRING },
};

static const struct genl_multicast_group nl_news_mcgrps[] = {
	[NL_NEWS_GRP] = { .name = "news" },
};

static struct genl_family nl_news_family __ro_after_init = {
	.name		= "NL_NEWS",
	.version	= 1,
	.hdrsize	= 0,
	.maxattr	= NL_NEWS_A_MAX,
	.policy		= nl_news_policy,
	.module		= THIS_MODULE,
	.mcgrps		= nl_news_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(nl_news_mcgrps),
};

/* Tell the members of the group "news" the new line (nobody listening is fine: -ESRCH). */
static void nl_news_notify(const char *text)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(strlen(text) + 1), GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &nl_news_family, 0, NL_NEWS_C_NEWS);
	if (!hdr || nla_put_string(skb, NL_NEWS_A_TEXT, text)) {
		if (hdr)
			genlmsg_cancel(skb, hdr);
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&nl_news_family, skb, 0, NL_NEWS_GRP, GFP_KERNEL);
}

static int nl_news_show(struct seq_file *m, void *v)
{
	mutex_lock(&nl_news_lock);
	seq_printf(m, "%s\n", latest);
	mutex_unlock(&nl_news_lock);
	return 0;
}

static int nl_news_open(struct inode *inode, struct file *file)
{
	return single_open(file, nl_news_show, NULL);
}

static ssize_t nl_news_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char text[NL_NEWS_MAX + 1];

	if (count == 0 || count > NL_NEWS_MAX)
		return -EINVAL;
	if (copy_from_user(text, buf, count))
		return -EFAULT;
	text[count] = '\0';
	if (text[count - 1] == '\n')
		text[count - 1] = '\0';
	mutex_lock(&nl_news_lock);
	strscpy(latest, text, sizeof(latest));
	mutex_unlock(&nl_news_lock);
	nl_news_notify(text);
	return count;
}

static const struct proc_ops nl_news_proc_ops = {
	.proc_open	= nl_news_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
	.proc_write	= nl_news_write,
};

static int __init nl_news_init(void)
{
	int err;

	err = genl_register_family(&nl_news_family);
	if (err)
		return err;
	if (!proc_create("nl_news", 0644, NULL, &nl_news_proc_ops)) {
		genl_unregister_family(&nl_news_family);
		return -ENOMEM;
	}
	return 0;
}

static void __exit nl_news_exit(void)
{
	remove_proc_entry("nl_news", NULL);
	genl_unregister_family(&nl_news_family);
}

module_init(nl_news_init);
module_exit(nl_news_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: /proc/nl_news, and the NL_NEWS family that announces each new line to its group \"news\"");
