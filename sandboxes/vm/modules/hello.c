// SPDX-License-Identifier: GPL-2.0
/*
 * hello: the smallest module of the course (lesson 1.1, "User space and the kernel").
 *
 * Nothing in it is reachable from user space: it offers no file, no socket, no parameter. Its init
 * runs inside the init_module (finit_module) system call of the process that loads it, its exit
 * inside delete_module. A module with an init but no exit cannot be unloaded: delete_module
 * answers EBUSY (kernel/module/main.c) — the lesson's exercise.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/init.h>
#include <linux/sched.h>

static int __init hello_init(void)
{
	/* current: the process whose system call is running this code. */
	pr_info("hello: loaded by %s (pid %d)\n", current->comm, task_pid_nr(current));
	return 0;
}

static void __exit hello_exit(void)
{
	pr_info("hello: unloaded by %s (pid %d)\n", current->comm, task_pid_nr(current));
}

module_init(hello_init);
module_exit(hello_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("netlink-lab: the smallest module, loaded and unloaded by a program");
