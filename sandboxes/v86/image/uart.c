// SPDX-License-Identifier: MIT
/*
 * uart: give a serial port the UART type v86 emulates (16550A), like `setserial DEV uart 16550A`
 * (busybox in Debian has no setserial). The 8250 driver runs a loopback test on COM4, which v86's
 * UART does not pass, and then leaves ttyS3 typeless (unusable); COM1-3 skip that test.
 *
 *   uart DEV...
 */
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status = 0;

	for (int i = 1; i < argc; i++) {
		struct serial_struct ss;
		int fd = open(argv[i], O_RDWR | O_NOCTTY | O_NONBLOCK);

		if (fd < 0 || ioctl(fd, TIOCGSERIAL, &ss) < 0) {
			perror(argv[i]);
			status = 1;
			if (fd >= 0)
				close(fd);
			continue;
		}
		if (ss.type != PORT_16550A) {
			ss.type = PORT_16550A;
			if (ioctl(fd, TIOCSSERIAL, &ss) < 0) {
				perror(argv[i]);
				status = 1;
			}
		}
		close(fd);
	}
	return status;
}
