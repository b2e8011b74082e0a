// SPDX-License-Identifier: GPL-2.0
/*
 * mychrdev: a character device with read, write, ioctl and mmap (lesson 1.4).
 *
 * The source article's syscall-exam device, in current form: a misc device (devtmpfs makes
 * /dev/mychrdev; no major number to look up in dmesg, no mknod) whose contents live in one page of
 * kernel memory. read() and write() copy to and from that page at the file offset (a write ends
 * the contents where it ends); mmap() maps the page itself, so a program sees every later change
 * the module makes without another system call. ioctl:
 *   MYCHRDEV_GET_INFO  _IOR('m', 1, struct mychrdev_info)  { len, size } of the contents
 *   MYCHRDEV_TRIM      _IO('m', 2), arg = new length         cut the contents (zeroing the rest);
 *                                                           EINVAL if longer than they are
 *   anything else                                           ENOTTY
 * mmap: at most one page from offset 0, else EINVAL.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/mutex.h>
#include <linux/io.h>

struct mychrdev_info {
	__u32 len;	/* bytes of contents */
	__u32 size;	/* room: one page */
};

#define MYCHRDEV_GET_INFO	_IOR('m', 1, struct mychrdev_info)
#define MYCHRDEV_TRIM		_IO('m', 2)

static char *mychrdev_page;
static size_t mychrdev_len;
static DEFINE_MUTEX(mychrdev_lock);

static ssize_t mychrdev_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&mychrdev_lock);
	ret = simple_read_from_buffer(buf, count, ppos, mychrdev_page, mychrdev_len);
	mutex_unlock(&mychrdev_lock);
	return ret;
}

static ssize_t mychrdev_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	if (*ppos >= PAGE_SIZE)
		return -ENOSPC;
	mutex_lock(&mychrdev_lock);
	ret = simple_write_to_buffer(mychrdev_page, PAGE_SIZE, ppos, buf, count);
	if (ret > 0)
		mychrdev_len = *ppos;
	mutex_unlock(&mychrdev_lock);
	return ret;
}

static long mychrdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct mychrdev_info info;
	long ret = 0;

	mutex_lock(&mychrdev_lock);
	switch (cmd) {
	case MYCHRDEV_GET_INFO:
		info.len = mychrdev_len;
		info.size = PAGE_SIZE;
		if (copy_to_user((void __user *)arg, &info, sizeof(info)))
			ret = -EFAULT;
		break;
	case MYCHRDEV_TRIM:
		if (arg > mychrdev_len) {
			ret = -EINVAL;
			break;
		}
		memset(mychrdev_page + arg, 0, mychrdev_len - arg);
		mychrdev_len = arg;
		break;
	default:
		ret = -ENOTTY;	/* "not an ioctl of this device" */
	}
	mutex_unlock(&mychrdev_lock);
	return ret;
}

static int mychrdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	unsigned long size = vma->vm_end - vma->vm_start;

	if (vma->vm_pgoff != 0 || size > PAGE_SIZE)
		return -EINVAL;
	return remap_pfn_range(vma, vma->vm_start, virt_to_phys(mychrdev_page) >> PAGE_SHIFT,
			       size, vma->vm_page_prot);
}

static const struct file_operations mychrdev_fops = {
	.owner		= THIS_MODULE,
	.read		= mychrdev_read,
	.write		= mychrdev_write,
	.unlocked_ioctl	= mychrdev_ioctl,
	.mmap		= mychrdev_mmap,
	.llseek		= default_llseek,
};

static struct miscdevice mychrdev_dev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "mychrdev",
	.fops	= &mychrdev_fops,
};

static int __init mychrdev_init(void)
{
	int err;

	mychrdev_page = (char *)get_zeroed_page(GFP_KERNEL);
	if (!mychrdev_page)
		return -ENOMEM;
	err = misc_register(&mychrdev_dev);
	if (err) {
		free_page((unsigned long)mychrdev_page);
		return err;
	}
	pr_info("mychrdev: /dev/mychrdev is misc %d:%d\n", MISC_MAJOR, mychrdev_dev.minor);
	return 0;
}

static void __exit mychrdev_exit(void)
{
	misc_deregister(&mychrdev_dev);
	free_page((unsigned long)mychrdev_page);
}

module_init(mychrdev_init);
module_exit(mychrdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: a misc device with read, write, ioctl and mmap of one page");
