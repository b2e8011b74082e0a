/*
 * nlcap: a tcpdump for nlmon devices, for the VM (busybox has none). Opens a packet socket on the
 * device in cooked mode (SOCK_DGRAM), as libpcap does for ARPHRD_NETLINK, and writes each datagram
 * to a pcap file with LINKTYPE_NETLINK (253) and the 16-byte cooked header libpcap builds from the
 * sockaddr_ll the kernel returns: packet type, ARPHRD type, address length and address, protocol
 * (the netlink family, as nlmon sets skb->protocol), all in network byte order.
 *
 *   nlcap DEVICE FILE [COUNT]     stop after COUNT packets, or at SIGINT/SIGTERM; flushes each packet
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct pcap_hdr { uint32_t magic; uint16_t major, minor; int32_t zone; uint32_t sigfigs, snaplen, linktype; };
struct rec_hdr { uint32_t sec, usec, incl, orig; };

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: nlcap DEVICE FILE [COUNT]\n"); return 2; }
	long count = argc > 3 ? strtol(argv[3], NULL, 10) : -1;
	int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
	if (fd < 0) { perror("nlcap: socket"); return 1; }
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = (int)if_nametoindex(argv[1]) };
	if (!sll.sll_ifindex) { perror("nlcap: if_nametoindex"); return 1; }
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) { perror("nlcap: bind"); return 1; }
	FILE *out = fopen(argv[2], "wb");
	if (!out) { perror("nlcap: fopen"); return 1; }
	struct pcap_hdr h = { 0xa1b2c3d4, 2, 4, 0, 0, 262144, 253 };
	fwrite(&h, sizeof(h), 1, out);
	fflush(out);
	static unsigned char buf[262144];
	for (long n = 0; count < 0 || n < count; n++) {
		struct sockaddr_ll from;
		socklen_t flen = sizeof(from);
		ssize_t len = recvfrom(fd, buf + 16, sizeof(buf) - 16, MSG_TRUNC, (struct sockaddr *)&from, &flen);
		if (len < 0) { perror("nlcap: recvfrom"); return 1; }
		size_t got = (size_t)len < sizeof(buf) - 16 ? (size_t)len : sizeof(buf) - 16;
		uint16_t v;
		v = htons(from.sll_pkttype); memcpy(buf, &v, 2);
		v = htons(from.sll_hatype); memcpy(buf + 2, &v, 2);
		v = htons(from.sll_halen); memcpy(buf + 4, &v, 2);
		memset(buf + 6, 0, 8);
		memcpy(buf + 6, from.sll_addr, from.sll_halen < 8 ? from.sll_halen : 8);
		memcpy(buf + 14, &from.sll_protocol, 2); /* already network byte order */
		struct timeval tv;
		gettimeofday(&tv, NULL);
		struct rec_hdr r = { (uint32_t)tv.tv_sec, (uint32_t)tv.tv_usec, (uint32_t)got + 16, (uint32_t)len + 16 };
		fwrite(&r, sizeof(r), 1, out);
		fwrite(buf, 1, got + 16, out);
		fflush(out);
	}
	fclose(out);
	return 0;
}
