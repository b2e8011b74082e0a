#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW, 26);
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	char buf[NLMSG_SPACE(8)] = {0};
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	nlh->nlmsg_len = NLMSG_LENGTH(8);
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	nlh->nlmsg_pid = 0;
	strcpy(NLMSG_DATA(nlh), "loop");
	printf("send0: sending with header pid 0\n");
	fflush(stdout);
	long r = sendto(fd, buf, nlh->nlmsg_len, 0, (struct sockaddr *)&k, sizeof(k));
	printf("send0: sendto returned %ld\n", r);
	return 0;
}
