// SPDX-License-Identifier: MIT
/*
 * nl_hello_sendto: nl_hello with sendto()/recvfrom() instead of sendmsg()/recvmsg().
 *
 *   nl_hello_sendto [-p PORT] [-n REPLIES] [TEXT]
 *
 * The same message and the same output as nl_hello: only the system calls differ.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>

#define NETLINK_TEST	25
#define BUF_SIZE	8192

int main(int argc, char **argv)
{
	struct sockaddr_nl src = { .nl_family = AF_NETLINK };
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK };	/* nl_pid 0: the kernel */
	struct sockaddr_nl from;
	socklen_t fromlen;
	const char *text = "Hello you!";
	unsigned int port = getpid();
	int replies = 1, opt, fd, i;
	struct timespec t0, t1;
	struct nlmsghdr *nlh;
	ssize_t n;
	char *buf;

	while ((opt = getopt(argc, argv, "p:n:")) != -1) {
		switch (opt) {
		case 'p': port = strtoul(optarg, NULL, 0); break;
		case 'n': replies = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-p PORT] [-n REPLIES] [TEXT]\n", argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		text = argv[optind];

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_TEST);
	if (fd < 0) {
		fprintf(stderr, "socket: %s (is nl_test.ko loaded? try: insmod /lib/modules/nl_test.ko)\n",
			strerror(errno));
		return 1;
	}
	src.nl_pid = port;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
		fprintf(stderr, "bind to port %u: %s\n", port, strerror(errno));
		return 1;
	}

	buf = calloc(1, BUF_SIZE);
	if (!buf)
		return 1;
	nlh = (struct nlmsghdr *)buf;
	nlh->nlmsg_len = NLMSG_LENGTH(strlen(text) + 1);
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	nlh->nlmsg_flags = 0;
	nlh->nlmsg_seq = 1;
	nlh->nlmsg_pid = port;	/* where the module will send its replies */
	strcpy(NLMSG_DATA(nlh), text);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&dst, sizeof(dst));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (n < 0) {
		fprintf(stderr, "sendto: %s\n", strerror(errno));
		return 1;
	}
	printf("sendto: sent %zd bytes from port %u, returned after %.1f s\n", n, port,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	fflush(stdout);

	for (i = 1; i <= replies; i++) {
		memset(buf, 0, BUF_SIZE);
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, BUF_SIZE, 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			fprintf(stderr, "recvfrom: %s\n", strerror(errno));
			return 1;
		}
		printf("recvfrom: %zd bytes from port %u: type %u seq %u pid %u: \"%s\"\n",
		       n, from.nl_pid, nlh->nlmsg_type, nlh->nlmsg_seq, nlh->nlmsg_pid,
		       (char *)NLMSG_DATA(nlh));
		fflush(stdout);
	}
	close(fd);
	free(buf);
	return 0;
}
