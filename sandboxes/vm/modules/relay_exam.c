// SPDX-License-Identifier: GPL-2.0
/*
 * relay_exam: debugfs and relay (lesson 1.5, "debugfs and relay").
 *
 * In /sys/kernel/debug/relay_exam/:
 *   records  u32, read-only (debugfs_create_u32): how many records the module has written
 *   emit     write-only (debugfs_create_file): writing N (1..1000) makes the module write N
 *            records into the relay channel
 *   cpu0 …   the relay channel's per-CPU buffer files (relay_file_operations), created by
 *            create_buf_file: 4 sub-buffers of 64 bytes each per CPU
 * A record is 16 bytes of text: "record %8u\n", numbered from 1.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/debugfs.h>
#include <linux/relay.h>
#include <linux/fs.h>

#define RELAY_EXAM_SUBBUF_SIZE	64
#define RELAY_EXAM_N_SUBBUFS	4
#define RELAY_EXAM_RECORD	16

static struct dentry *relay_exam_dir;
static struct rchan *relay_exam_chan;
static u32 relay_exam_records;

static struct dentry *relay_exam_create_buf_file(const char *filename, struct dentry *parent,
						 umode_t mode, struct rchan_buf *buf, int *is_global)
{
	return debugfs_create_file(filename, mode, parent, buf, &relay_file_operations);
}

static int relay_exam_remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static const struct rchan_callbacks relay_exam_cb = {
	.create_buf_file = relay_exam_create_buf_file,
	.remove_buf_file = relay_exam_remove_buf_file,
};

static ssize_t relay_exam_emit(struct file *file, const char __user *ubuf, size_t count, loff_t *ppos)
{
	char rec[RELAY_EXAM_RECORD + 1];
	unsigned int n, i;
	int err;

	err = kstrtouint_from_user(ubuf, count, 0, &n);
	if (err)
		return err;
	if (n < 1 || n > 1000)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		snprintf(rec, sizeof(rec), "record %8u\n", ++relay_exam_records);
		relay_write(relay_exam_chan, rec, RELAY_EXAM_RECORD);
	}
	return count;
}

static const struct file_operations relay_exam_emit_fops = {
	.owner	= THIS_MODULE,
	.write	= relay_exam_emit,
};

static int __init relay_exam_init(void)
{
	relay_exam_dir = debugfs_create_dir("relay_exam", NULL);
	relay_exam_chan = relay_open("cpu", relay_exam_dir, RELAY_EXAM_SUBBUF_SIZE,
				     RELAY_EXAM_N_SUBBUFS, &relay_exam_cb, NULL);
	if (!relay_exam_chan) {
		debugfs_remove(relay_exam_dir);
		return -ENOMEM;
	}
	debugfs_create_u32("records", 0400, relay_exam_dir, &relay_exam_records);
	debugfs_create_file("emit", 0200, relay_exam_dir, NULL, &relay_exam_emit_fops);
	return 0;
}

static void __exit relay_exam_exit(void)
{
	relay_close(relay_exam_chan);
	debugfs_remove(relay_exam_dir);
}

module_init(relay_exam_init);
module_exit(relay_exam_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: debugfs files and a relay channel in /sys/kernel/debug/relay_exam");
