// SPDX-License-Identifier: GPL-2.0
/*
 * proc_exam: sysctl, procfs and seq_file (lesson 1.3, "sysctl, procfs and seq_file").
 *
 * Two sysctls, as in the source article's sysctl-exam but registered the current way:
 *   /proc/sys/mysysctl/myint     an int in 0..100 (proc_dointvec_minmax), default 3
 *   /proc/sys/mysysctl/mystring  a string of at most 63 characters (proc_dostring)
 * and a seq_file, /proc/proc_exam, that prints myint records, one line each:
 *   "record <i> of <myint>: <mystring>\n"
 * start() returns the record at *pos, so a reader that reads a few bytes at a time, and makes the
 * seq_file restart at every read, sees each record exactly once.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/sysctl.h>

static int myint = 3;
static char mystring[64] = "Hello, World";

/* 6.1 still needs the empty entry at the end; since 6.11 a table has none (and may be const). */
static struct ctl_table proc_exam_table[] = {
	{
		.procname	= "myint",
		.data		= &myint,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE_HUNDRED,
	},
	{
		.procname	= "mystring",
		.data		= mystring,
		.maxlen		= sizeof(mystring),
		.mode		= 0644,
		.proc_handler	= proc_dostring,
	},
	{ }
};

static struct ctl_table_header *proc_exam_header;

/* A record is its index, 1-based so that it is never NULL (NULL ends the walk). */
static void *proc_exam_start(struct seq_file *m, loff_t *pos)
{
	return *pos < myint ? (void *)(uintptr_t)(*pos + 1) : NULL;
}

static void *proc_exam_next(struct seq_file *m, void *v, loff_t *pos)
{
	++*pos;
	return proc_exam_start(m, pos);
}

static void proc_exam_stop(struct seq_file *m, void *v)
{
}

static int proc_exam_show(struct seq_file *m, void *v)
{
	seq_printf(m, "record %lu of %d: %s\n", (unsigned long)(uintptr_t)v - 1, myint, mystring);
	return 0;
}

static const struct seq_operations proc_exam_seq_ops = {
	.start	= proc_exam_start,
	.next	= proc_exam_next,
	.stop	= proc_exam_stop,
	.show	= proc_exam_show,
};

static int __init proc_exam_init(void)
{
	proc_exam_header = register_sysctl("mysysctl", proc_exam_table);
	if (!proc_exam_header)
		return -ENOMEM;
	if (!proc_create_seq("proc_exam", 0444, NULL, &proc_exam_seq_ops)) {
		unregister_sysctl_table(proc_exam_header);
		return -ENOMEM;
	}
	return 0;
}

static void __exit proc_exam_exit(void)
{
	remove_proc_entry("proc_exam", NULL);
	unregister_sysctl_table(proc_exam_header);
}

module_init(proc_exam_init);
module_exit(proc_exam_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: /proc/sys/mysysctl and the seq_file /proc/proc_exam");
