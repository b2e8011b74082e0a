// SPDX-License-Identifier: MIT
/*
 * genl_echo: use the DOC_EXMPL generic netlink family (doc_exmpl.ko).
 *
 *   genl_echo [TEXT]          resolve DOC_EXMPL through nlctrl, send ECHO with TEXT
 *                             (default "hello from user space"), print the reply
 *   genl_echo -l [-n COUNT]   join DOC_EXMPL_GRP and print COUNT notifications (default: forever)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define DOC_EXMPL_A_MSG		1
#define DOC_EXMPL_C_ECHO	1
#define BUF_SIZE		8192

#define GENLMSG_DATA(nlh)	((char *)NLMSG_DATA(nlh) + GENL_HDRLEN)
#define NLA_DATA(nla)		((char *)(nla) + NLA_HDRLEN)
#define NLA_OK(nla, rem)	((rem) >= (int)sizeof(struct nlattr) && \
				 (nla)->nla_len >= sizeof(struct nlattr) && (nla)->nla_len <= (rem))
#define NLA_NEXT(nla, rem)	((rem) -= NLA_ALIGN((nla)->nla_len), \
				 (struct nlattr *)((char *)(nla) + NLA_ALIGN((nla)->nla_len)))

struct family {
	int id;
	int group;	/* id of DOC_EXMPL_GRP, 0 if absent */
};

static char buf[BUF_SIZE];

/* Append one attribute to the message in buf; returns the new nlmsg_len. */
static void put_attr(struct nlmsghdr *nlh, unsigned short type, const void *data, int len)
{
	struct nlattr *nla = (struct nlattr *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));

	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	memcpy(NLA_DATA(nla), data, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static int genl_send(int fd, unsigned short type, unsigned int seq, unsigned char cmd,
		     unsigned char version, unsigned short attr, const char *text)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *genl;

	memset(buf, 0, BUF_SIZE);
	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	genl = NLMSG_DATA(nlh);
	genl->cmd = cmd;
	genl->version = version;
	put_attr(nlh, attr, text, strlen(text) + 1);

	if (sendto(fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		fprintf(stderr, "sendto: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* Receive one datagram; returns its first message, or NULL after printing the error. */
static struct nlmsghdr *genl_recv(int fd, struct sockaddr_nl *from, int *len)
{
	socklen_t fromlen = sizeof(*from);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	ssize_t n;

	n = recvfrom(fd, buf, BUF_SIZE, 0, (struct sockaddr *)from, &fromlen);
	if (n < 0) {
		fprintf(stderr, "recvfrom: %s\n", strerror(errno));
		return NULL;
	}
	if (!NLMSG_OK(nlh, n)) {
		fprintf(stderr, "recvfrom: a truncated message of %zd bytes\n", n);
		return NULL;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *err = NLMSG_DATA(nlh);

		fprintf(stderr, "the kernel answered: %s\n", strerror(-err->error));
		return NULL;
	}
	*len = n;
	return nlh;
}

static void parse_groups(struct nlattr *groups, struct family *fam)
{
	int rem = groups->nla_len - NLA_HDRLEN;
	struct nlattr *grp;

	for (grp = (struct nlattr *)NLA_DATA(groups); NLA_OK(grp, rem); grp = NLA_NEXT(grp, rem)) {
		int grem = grp->nla_len - NLA_HDRLEN, id = 0;
		const char *name = NULL;
		struct nlattr *a;

		for (a = (struct nlattr *)NLA_DATA(grp); NLA_OK(a, grem); a = NLA_NEXT(a, grem)) {
			if (a->nla_type == CTRL_ATTR_MCAST_GRP_ID)
				id = *(unsigned int *)NLA_DATA(a);
			else if (a->nla_type == CTRL_ATTR_MCAST_GRP_NAME)
				name = NLA_DATA(a);
		}
		if (name && !strcmp(name, "DOC_EXMPL_GRP"))
			fam->group = id;
	}
}

/* Ask nlctrl (GENL_ID_CTRL) for the family's id and its group's id. */
static int resolve(int fd, struct family *fam)
{
	struct sockaddr_nl from;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	int len, rem;

	if (genl_send(fd, GENL_ID_CTRL, 1, CTRL_CMD_GETFAMILY, 1, CTRL_ATTR_FAMILY_NAME, "DOC_EXMPL"))
		return -1;
	nlh = genl_recv(fd, &from, &len);
	if (!nlh) {
		fprintf(stderr, "DOC_EXMPL is not registered (try: insmod /lib/modules/doc_exmpl.ko)\n");
		return -1;
	}
	fam->id = fam->group = 0;
	rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	for (a = (struct nlattr *)GENLMSG_DATA(nlh); NLA_OK(a, rem); a = NLA_NEXT(a, rem)) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			fam->id = *(unsigned short *)NLA_DATA(a);
		else if (a->nla_type == CTRL_ATTR_MCAST_GROUPS)
			parse_groups(a, fam);
	}
	printf("family DOC_EXMPL: id %d, group DOC_EXMPL_GRP: id %d\n", fam->id, fam->group);
	return fam->id ? 0 : -1;
}

/* Print the DOC_EXMPL_A_MSG of a DOC_EXMPL message. */
static void print_msg(const char *what, const struct nlmsghdr *nlh, const struct sockaddr_nl *from)
{
	const struct genlmsghdr *genl = NLMSG_DATA(nlh);
	int rem = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	struct nlattr *a;

	for (a = (struct nlattr *)GENLMSG_DATA(nlh); NLA_OK(a, rem); a = NLA_NEXT(a, rem)) {
		if (a->nla_type == DOC_EXMPL_A_MSG)
			printf("%s from port %u groups 0x%x: cmd %u version %u seq %u: \"%s\"\n",
			       what, from->nl_pid, from->nl_groups, genl->cmd, genl->version,
			       nlh->nlmsg_seq, NLA_DATA(a));
	}
	fflush(stdout);
}

static int echo(int fd, const struct family *fam, const char *text)
{
	struct sockaddr_nl from;
	struct nlmsghdr *nlh;
	int len;

	if (genl_send(fd, fam->id, 2, DOC_EXMPL_C_ECHO, 1, DOC_EXMPL_A_MSG, text))
		return 1;
	nlh = genl_recv(fd, &from, &len);
	if (!nlh)
		return 1;
	print_msg("reply", nlh, &from);
	return 0;
}

static int listen_group(int fd, const struct family *fam, int count)
{
	struct sockaddr_nl from;
	struct nlmsghdr *nlh;
	int len, i;

	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &fam->group, sizeof(fam->group)) < 0) {
		fprintf(stderr, "NETLINK_ADD_MEMBERSHIP %d: %s\n", fam->group, strerror(errno));
		return 1;
	}
	printf("listening on DOC_EXMPL_GRP\n");
	fflush(stdout);
	for (i = 0; count < 0 || i < count; i++) {
		nlh = genl_recv(fd, &from, &len);
		if (!nlh)
			return 1;
		print_msg("notification", nlh, &from);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };	/* nl_pid 0: the kernel picks */
	const char *text = "hello from user space";
	int listen = 0, count = -1, opt, fd;
	struct family fam;

	while ((opt = getopt(argc, argv, "ln:")) != -1) {
		switch (opt) {
		case 'l': listen = 1; break;
		case 'n': count = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [TEXT] | %s -l [-n COUNT]\n", argv[0], argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		text = argv[optind];

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (fd < 0) {
		fprintf(stderr, "socket: %s\n", strerror(errno));
		return 1;
	}
	/* Bound before joining a group: an unbound member would not receive the group's messages. */
	if (bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		fprintf(stderr, "bind: %s\n", strerror(errno));
		return 1;
	}
	if (resolve(fd, &fam))
		return 1;
	return listen ? listen_group(fd, &fam, count) : echo(fd, &fam, text);
}
