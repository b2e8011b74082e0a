// SPDX-License-Identifier: GPL-2.0
/*
 * param_exam: module parameters and /sys/module (lesson 1.2, "Parameters").
 *
 * The source article's module-param-exam, in current form: an int hidden from sysfs (perm 0), an
 * int and a string that /sys/module/param_exam/parameters/ shows and root may change, and one
 * parameter with its own kernel_param_ops whose set() refuses values outside 0..100 — at insmod
 * time (init_module fails with EINVAL) and when written through sysfs (the write fails with EINVAL).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>

static int my_invisible_int = 10;
module_param(my_invisible_int, int, 0);
MODULE_PARM_DESC(my_invisible_int, "an int set at load time only: perm 0 keeps it out of sysfs");

static int my_visible_int = 20;
module_param(my_visible_int, int, 0644);
MODULE_PARM_DESC(my_visible_int, "an int anyone may read and root may write in sysfs");

static char *mystring = "Hello,World";
module_param(mystring, charp, 0644);
MODULE_PARM_DESC(mystring, "a string (charp)");

static int percent = 50;

/* Runs for "percent=…" on the insmod line and for every write to its sysfs file. */
static int percent_set(const char *val, const struct kernel_param *kp)
{
	int n, err;

	err = kstrtoint(val, 0, &n);
	if (err)
		return err;
	if (n < 0 || n > 100)
		return -EINVAL;
	*(int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops percent_ops = {
	.set = percent_set,
	.get = param_get_int,
};
module_param_cb(percent, &percent_ops, &percent, 0644);
MODULE_PARM_DESC(percent, "0..100; anything else is refused");

static int __init param_exam_init(void)
{
	pr_info("param_exam: my_invisible_int=%d my_visible_int=%d mystring='%s' percent=%d\n",
		my_invisible_int, my_visible_int, mystring, percent);
	return 0;
}

static void __exit param_exam_exit(void)
{
	pr_info("param_exam: at unload my_visible_int=%d mystring='%s' percent=%d\n",
		my_visible_int, mystring, percent);
}

module_init(param_exam_init);
module_exit(param_exam_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: module parameters in /sys/module/param_exam/parameters");
