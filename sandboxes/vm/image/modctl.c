// SPDX-License-Identifier: MIT
/*
 * modctl: load or unload a kernel module with the raw system calls and print the result the
 * way a system call returns it: "0", or "-ERRNO" (e.g. "-17" for EEXIST). The host's VM backend
 * (sandboxes/vm/backend.ts) uses it for insmod()/rmmod(): busybox's insmod prints only text.
 *
 *   modctl load PATH [PARAMS...]     finit_module(open(PATH), "PARAMS...", 0)
 *   modctl unload NAME               delete_module(NAME, O_NONBLOCK)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char params[4096] = "";
	long ret;
	int i, fd;

	if (argc >= 3 && !strcmp(argv[1], "load")) {
		for (i = 3; i < argc; i++) {
			if (strlen(params) + strlen(argv[i]) + 2 > sizeof(params)) {
				printf("%d\n", -E2BIG);
				return 1;
			}
			if (i > 3)
				strcat(params, " ");
			strcat(params, argv[i]);
		}
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			printf("%d\n", -errno);
			return 1;
		}
		ret = syscall(SYS_finit_module, fd, params, 0);
	} else if (argc == 3 && !strcmp(argv[1], "unload")) {
		ret = syscall(SYS_delete_module, argv[2], O_NONBLOCK);
	} else {
		fprintf(stderr, "usage: modctl load PATH [PARAMS...] | modctl unload NAME\n");
		return 2;
	}
	printf("%ld\n", ret < 0 ? (long)-errno : ret);
	return ret < 0;
}
