/*
 * Native request/ACK loop: the real kernel's speed for `npm run bench`, without any bridge.
 *
 * Sends NLMSG_NOOP with NLM_F_REQUEST|NLM_F_ACK on a NETLINK_GENERIC socket and receives the ACK,
 * one round trip at a time, for the given number of seconds; prints `round_trips seconds`.
 * Run it inside `unshare -Urn` (or via the agent's namespace) so it touches no real interface.
 *
 *   reqack SECONDS
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2.0;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr req = {
		.nlmsg_len = sizeof(req),
		.nlmsg_type = NLMSG_NOOP,
		.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	};
	char buf[256];
	long n = 0;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	double start = now(), end = start + seconds, t = start;

	while (t < end) {
		/* Check the clock every 256 round trips: clock_gettime would otherwise be measured too. */
		for (int i = 0; i < 256; i++) {
			req.nlmsg_seq++;
			if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
				perror("sendto");
				return 1;
			}
			ssize_t k = recv(fd, buf, sizeof(buf), 0);

			if (k < (ssize_t)sizeof(struct nlmsghdr) || ((struct nlmsghdr *)buf)->nlmsg_type != NLMSG_ERROR) {
				fprintf(stderr, "recv: expected an ACK, got %zd bytes (%s)\n", k, k < 0 ? strerror(errno) : "wrong type");
				return 1;
			}
			n++;
		}
		t = now();
	}
	printf("%ld %.6f\n", n, t - start);
	return 0;
}
