/*
 * netlink-lab agent: performs the real syscalls of one process of a learner's program.
 *
 * It reads length-prefixed binary requests from an fd (stdin by default), performs exactly one
 * syscall per request and writes one response with the return value and errno (PROTOCOL.md).
 * A blocking syscall blocks the agent, so one agent is one process of the program, and the
 * socket's autobind port id is this agent's pid, as in Linux.
 *
 *   agent [--unshare] [--join PID] [--uid N [--gid N]] [--name COMM] [--pdeathsig] [--dev PATH]
 *
 * Build: cc -O2 -Wall -Werror -o agent agent.c   (add -static for a VM initramfs)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <setjmp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define AGENT_VERSION	1
#define HDR_LEN		12		/* u32 len, u32 tag, u16 op, u16 status */
#define MAX_FRAME	(16u << 20)	/* larger frames are refused (and skipped) */
#define MAX_IOV		64
#define ADDR_BUF	128		/* sockaddr_storage */
#define MAX_FILE	(1u << 20)

enum agent_op {
	OP_HELLO = 1, OP_SOCKET, OP_BIND, OP_CONNECT, OP_GETSOCKNAME, OP_GETPEERNAME,
	OP_SENDTO, OP_SENDMSG, OP_RECVFROM, OP_RECVMSG, OP_SETSOCKOPT, OP_GETSOCKOPT,
	OP_READ, OP_WRITE, OP_CLOSE, OP_READFILE, OP_EXIT, OP_GETPID, OP_GETUID, OP_FORK,
	OP_OPEN, OP_LSEEK, OP_IOCTL, OP_MMAP, OP_MUNMAP, OP_MEMREAD, OP_MEMWRITE, OP_POLL, OP_MKNOD,
};

enum agent_status { ST_OK = 0, ST_BADREQ = 1 };

#define NO_ADDR	0xffffffffu	/* addrlen meaning "pass NULL" */

static int in_fd = 0, out_fd = 1;

/* ---- output buffer ----------------------------------------------------------------------- */

struct out {
	uint8_t *buf;
	size_t len, cap;
};

static void out_reserve(struct out *o, size_t n)
{
	if (o->len + n <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 256;
	while (cap < o->len + n)
		cap *= 2;
	uint8_t *b = realloc(o->buf, cap);
	if (!b) {
		perror("agent: realloc");
		exit(70);
	}
	o->buf = b;
	o->cap = cap;
}

static void out_bytes(struct out *o, const void *p, size_t n)
{
	out_reserve(o, n);
	if (n)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void out_u32(struct out *o, uint32_t v) { out_bytes(o, &v, 4); }
static void out_i32(struct out *o, int32_t v) { out_bytes(o, &v, 4); }

/* A length-prefixed blob: u32 len, bytes. */
static void out_blob(struct out *o, const void *p, size_t n)
{
	out_u32(o, (uint32_t)n);
	out_bytes(o, p, n);
}

/* ---- checked request reader --------------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t left;
	const char *err;	/* first problem found, for the BADREQ answer */
};

static void in_fail(struct in *r, const char *what)
{
	if (!r->err)
		r->err = what;
	r->left = 0;
}

static uint32_t in_u32(struct in *r, const char *what)
{
	uint32_t v = 0;

	if (r->left < 4) {
		in_fail(r, what);
		return 0;
	}
	memcpy(&v, r->p, 4);
	r->p += 4;
	r->left -= 4;
	return v;
}

static int32_t in_i32(struct in *r, const char *what) { return (int32_t)in_u32(r, what); }

/* n bytes of the request, or NULL (with r->err set) when fewer remain. */
static const uint8_t *in_bytes(struct in *r, size_t n, const char *what)
{
	const uint8_t *p = r->p;

	if (r->left < n) {
		in_fail(r, what);
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/* An address: u32 len (NO_ADDR for NULL), then that many bytes. */
static const uint8_t *in_addr(struct in *r, uint32_t *len, const char *what)
{
	*len = in_u32(r, what);
	if (*len == NO_ADDR)
		return NULL;
	if (*len > ADDR_BUF) {
		in_fail(r, "address longer than 128 bytes");
		return NULL;
	}
	return in_bytes(r, *len, what);
}

/* ---- framing ------------------------------------------------------------------------------ */

static int read_full(int fd, void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n) {
		ssize_t k = read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static void write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			exit(0);	/* the bridge went away */
		p += k;
		n -= (size_t)k;
	}
}

/* Send a response: header, then (for ST_OK) ret and errno, then the op's output. */
static void respond(uint32_t tag, uint16_t op, uint16_t status, const struct out *body)
{
	uint8_t hdr[HDR_LEN];
	uint32_t len = HDR_LEN + (uint32_t)body->len;

	memcpy(hdr, &len, 4);
	memcpy(hdr + 4, &tag, 4);
	memcpy(hdr + 8, &op, 2);
	memcpy(hdr + 10, &status, 2);
	write_full(out_fd, hdr, HDR_LEN);
	write_full(out_fd, body->buf, body->len);
}

static void respond_bad(uint32_t tag, uint16_t op, const char *fmt, ...)
{
	struct out o = { 0 };
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out_bytes(&o, msg, strlen(msg));
	respond(tag, op, ST_BADREQ, &o);
	free(o.buf);
}

/* ---- the syscalls ------------------------------------------------------------------------- */

/* Each handler parses its arguments, does the syscall and appends its output after ret/errno. */
struct call {
	long ret;
	int err;
	struct out out;	/* op-specific output, after ret and errno */
};

#define SYS(c, expr) do { errno = 0; (c)->ret = (expr); (c)->err = (c)->ret < 0 ? errno : 0; } while (0)

static void do_addr_call(struct in *r, struct call *c, int connect_op)
{
	int fd = in_i32(r, "fd");
	uint32_t len;
	const uint8_t *a = in_addr(r, &len, "address");
	uint8_t buf[ADDR_BUF];

	if (r->err)
		return;
	if (a)
		memcpy(buf, a, len);
	if (connect_op)
		SYS(c, connect(fd, a ? (struct sockaddr *)buf : NULL, a ? len : 0));
	else
		SYS(c, bind(fd, a ? (struct sockaddr *)buf : NULL, a ? len : 0));
}

static void do_name_call(struct in *r, struct call *c, int peer)
{
	int fd = in_i32(r, "fd");
	uint8_t buf[ADDR_BUF] = { 0 };
	socklen_t len = sizeof(buf);

	if (r->err)
		return;
	if (peer)
		SYS(c, getpeername(fd, (struct sockaddr *)buf, &len));
	else
		SYS(c, getsockname(fd, (struct sockaddr *)buf, &len));
	if (c->ret < 0)
		len = 0;
	out_blob(&c->out, buf, len < sizeof(buf) ? len : sizeof(buf));
}

static void do_sendto(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int flags = in_i32(r, "flags");
	uint32_t alen;
	const uint8_t *a = in_addr(r, &alen, "address");
	uint32_t n = in_u32(r, "data length");
	const uint8_t *data = in_bytes(r, n, "data");
	uint8_t abuf[ADDR_BUF];

	if (r->err)
		return;
	if (a)
		memcpy(abuf, a, alen);
	SYS(c, sendto(fd, data, n, flags, a ? (struct sockaddr *)abuf : NULL, a ? alen : 0));
}

#if __SIZEOF_SIZE_T__ != 8
/*
 * A 32-bit agent (the in-browser kernel, sandboxes/v86): the protocol's control messages are in
 * the x86-64 layout (u64 cmsg_len, 8-byte alignment); this kernel's are u32 cmsg_len with 4-byte
 * alignment. Translate each well-formed cmsg; bytes that do not parse as one are passed on as
 * they are (the kernel then refuses them as it would refuse them from a C program).
 */
#define WIRE_HDR 16u
#define WIRE_ALIGN(n) (((n) + 7u) & ~7u)

static size_t wire_to_native(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (len - i >= WIRE_HDR) {
		uint64_t clen;
		int32_t level, type;

		memcpy(&clen, in + i, 8);
		memcpy(&level, in + i + 8, 4);
		memcpy(&type, in + i + 12, 4);
		if (clen < WIRE_HDR || clen > len - i)
			break;
		size_t dlen = (size_t)clen - WIRE_HDR;
		struct cmsghdr *h = (struct cmsghdr *)(out + o);

		h->cmsg_len = CMSG_LEN(dlen);
		h->cmsg_level = level;
		h->cmsg_type = type;
		memcpy(CMSG_DATA(h), in + i + WIRE_HDR, dlen);
		o += CMSG_SPACE(dlen);
		i += WIRE_ALIGN((size_t)clen) < len - i ? WIRE_ALIGN((size_t)clen) : len - i;
	}
	memcpy(out + o, in + i, len - i);
	return o + (len - i);
}

static size_t native_to_wire(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;

	while (len - i >= sizeof(struct cmsghdr)) {
		const struct cmsghdr *h = (const struct cmsghdr *)(in + i);

		if (h->cmsg_len < sizeof(struct cmsghdr) || h->cmsg_len > len - i)
			break;
		size_t dlen = h->cmsg_len - CMSG_LEN(0);
		uint64_t clen = WIRE_HDR + dlen;
		int32_t level = h->cmsg_level, type = h->cmsg_type;

		memcpy(out + o, &clen, 8);
		memcpy(out + o + 8, &level, 4);
		memcpy(out + o + 12, &type, 4);
		memcpy(out + o + WIRE_HDR, CMSG_DATA(h), dlen);
		o += WIRE_ALIGN(WIRE_HDR + dlen);
		i += CMSG_ALIGN(h->cmsg_len) < len - i ? CMSG_ALIGN(h->cmsg_len) : len - i;
	}
	return o;
}
#endif

static void do_sendmsg(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int flags = in_i32(r, "flags");
	uint32_t alen;
	const uint8_t *a = in_addr(r, &alen, "msg_name");
	uint32_t iovcnt = in_u32(r, "iov count");
	struct iovec iov[MAX_IOV];
	uint8_t abuf[ADDR_BUF];
	struct msghdr msg = { 0 };
	void *control = NULL;

	if (!r->err && iovcnt > MAX_IOV)
		in_fail(r, "more than 64 iovecs");
	for (uint32_t i = 0; i < iovcnt && !r->err; i++) {
		uint32_t n = in_u32(r, "iov length");

		iov[i].iov_base = (void *)in_bytes(r, n, "iov data");
		iov[i].iov_len = n;
	}
	uint32_t clen = in_u32(r, "control length");
	const uint8_t *ctl = in_bytes(r, clen, "control data");

	if (r->err)
		return;
	if (a)
		memcpy(abuf, a, alen);
	if (clen) {
		/* cmsghdr needs 8-byte alignment: copy out of the request buffer. */
		control = calloc(1, clen);
		if (!control) {
			perror("agent: calloc");
			exit(70);
		}
#if __SIZEOF_SIZE_T__ != 8
		clen = wire_to_native(ctl, clen, control);
#else
		memcpy(control, ctl, clen);
#endif
	}
	msg.msg_name = a ? abuf : NULL;
	msg.msg_namelen = a ? alen : 0;
	msg.msg_iov = iov;
	msg.msg_iovlen = iovcnt;
	msg.msg_control = control;
	msg.msg_controllen = clen;
	SYS(c, sendmsg(fd, &msg, flags));
	free(control);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		perror("agent: calloc");
		exit(70);
	}
	return p;
}

static void do_recvfrom(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int flags = in_i32(r, "flags");
	uint32_t n = in_u32(r, "buffer length");
	uint8_t abuf[ADDR_BUF] = { 0 };
	socklen_t alen = sizeof(abuf);

	if (!r->err && n > MAX_FRAME)
		in_fail(r, "buffer larger than 16 MiB");
	if (r->err)
		return;
	uint8_t *buf = xmalloc(n);

	SYS(c, recvfrom(fd, buf, n, flags, (struct sockaddr *)abuf, &alen));
	if (c->ret < 0)
		alen = 0;
	out_blob(&c->out, abuf, alen < sizeof(abuf) ? alen : sizeof(abuf));
	out_blob(&c->out, buf, c->ret < 0 ? 0 : ((size_t)c->ret < n ? (size_t)c->ret : n));
	free(buf);
}

static void do_recvmsg(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int flags = in_i32(r, "flags");
	uint32_t iovcnt = in_u32(r, "iov count");
	struct iovec iov[MAX_IOV];
	size_t total = 0;

	if (!r->err && iovcnt > MAX_IOV)
		in_fail(r, "more than 64 iovecs");
	for (uint32_t i = 0; i < iovcnt && !r->err; i++) {
		iov[i].iov_len = in_u32(r, "iov length");
		total += iov[i].iov_len;
	}
	uint32_t clen = in_u32(r, "control length");

	if (!r->err && (total > MAX_FRAME || clen > MAX_FRAME))
		in_fail(r, "buffers larger than 16 MiB");
	if (r->err)
		return;

	uint8_t *data = xmalloc(total);
	uint8_t *control = clen ? xmalloc(clen) : NULL;
	uint8_t abuf[ADDR_BUF] = { 0 };
	struct msghdr msg = { 0 };
	size_t off = 0;

	for (uint32_t i = 0; i < iovcnt; i++) {
		iov[i].iov_base = data + off;
		off += iov[i].iov_len;
	}
	msg.msg_name = abuf;
	msg.msg_namelen = sizeof(abuf);
	msg.msg_iov = iov;
	msg.msg_iovlen = iovcnt;
	msg.msg_control = control;
	msg.msg_controllen = clen;
	SYS(c, recvmsg(fd, &msg, flags));
	if (c->ret < 0) {
		msg.msg_flags = 0;
		msg.msg_namelen = 0;
		msg.msg_controllen = 0;
	}
	out_i32(&c->out, msg.msg_flags);
	out_blob(&c->out, abuf, msg.msg_namelen < sizeof(abuf) ? msg.msg_namelen : sizeof(abuf));
#if __SIZEOF_SIZE_T__ != 8
	/* Each native cmsg grows by 4 (header) + up to 4 (alignment) bytes in the x86-64 layout. */
	uint8_t *wire = xmalloc(msg.msg_controllen * 3 + 16);
	size_t wlen = native_to_wire(control, msg.msg_controllen, wire);

	out_blob(&c->out, wire, wlen);
	free(wire);
#else
	out_blob(&c->out, control, msg.msg_controllen);
#endif
	out_blob(&c->out, data, c->ret < 0 ? 0 : ((size_t)c->ret < total ? (size_t)c->ret : total));
	free(data);
	free(control);
}

/*
 * The protocol's socket options are x86-64's. SO_RCVTIMEO and SO_SNDTIMEO take a struct timeval,
 * two 64-bit fields there; a 32-bit kernel's options of those numbers take two 32-bit fields, so
 * it would read the x86-64 value's tv_sec as {tv_sec, tv_usec} (1.5 s became 1 s, 100 ms became
 * "no timeout"). Its SO_*TIMEO_NEW options (Linux 5.1) take the 64-bit layout: use them, as glibc
 * does for a program built with 64-bit time_t.
 */
static int native_sockopt(int level, int name)
{
#if __SIZEOF_SIZE_T__ != 8
#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
	if (level == SOL_SOCKET && name == 20)	/* SO_RCVTIMEO on x86-64 */
		return SO_RCVTIMEO_NEW;
	if (level == SOL_SOCKET && name == 21)	/* SO_SNDTIMEO on x86-64 */
		return SO_SNDTIMEO_NEW;
#else
	(void)level;
#endif
	return name;
}

static void do_setsockopt(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int level = in_i32(r, "level");
	int name = in_i32(r, "optname");
	uint32_t n = in_u32(r, "optlen");
	const uint8_t *v = in_bytes(r, n, "optval");

	if (r->err)
		return;
	uint8_t *copy = xmalloc(n);	/* aligned for the kernel's copy_from_sockptr */

	memcpy(copy, v, n);
	SYS(c, setsockopt(fd, level, native_sockopt(level, name), copy, n));
	free(copy);
}

static void do_getsockopt(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int level = in_i32(r, "level");
	int name = in_i32(r, "optname");
	uint32_t n = in_u32(r, "optlen");

	if (!r->err && n > 65536)
		in_fail(r, "optlen larger than 65536");
	if (r->err)
		return;
	uint8_t *buf = xmalloc(n);
	socklen_t len = n;

	SYS(c, getsockopt(fd, level, native_sockopt(level, name), buf, &len));
	out_u32(&c->out, c->ret < 0 ? n : len);
	out_blob(&c->out, buf, n);
	free(buf);
}

static void do_read(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	uint32_t n = in_u32(r, "length");

	if (!r->err && n > MAX_FRAME)
		in_fail(r, "length larger than 16 MiB");
	if (r->err)
		return;
	uint8_t *buf = xmalloc(n);

	SYS(c, read(fd, buf, n));
	out_blob(&c->out, buf, c->ret < 0 ? 0 : (size_t)c->ret);
	free(buf);
}

static void do_write(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	uint32_t n = in_u32(r, "length");
	const uint8_t *data = in_bytes(r, n, "data");

	if (r->err)
		return;
	SYS(c, write(fd, data, n));
}

static uint64_t in_u64(struct in *r, const char *what)
{
	uint64_t lo = in_u32(r, what), hi = in_u32(r, what);

	return lo | (hi << 32);
}

static void out_u64(struct out *o, uint64_t v) { out_bytes(o, &v, 8); }

/* A path blob as a NUL-terminated string (at most PATH_MAX bytes, no NUL inside). */
static int in_path(struct in *r, char *path, size_t size)
{
	uint32_t n = in_u32(r, "path length");
	const uint8_t *p = in_bytes(r, n, "path");

	if (r->err)
		return -1;
	if (n >= size || memchr(p, 0, n)) {
		in_fail(r, "path too long or holds a NUL");
		return -1;
	}
	memcpy(path, p, n);
	path[n] = 0;
	return 0;
}

static void do_open(struct in *r, struct call *c)
{
	char path[4097];
	int flags, mode;

	if (in_path(r, path, sizeof(path)) < 0)
		return;
	flags = in_i32(r, "flags");
	mode = in_i32(r, "mode");
	if (r->err)
		return;
	SYS(c, open(path, flags, mode));
}

static void do_lseek(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	int64_t off = (int64_t)in_u64(r, "offset");
	int whence = in_i32(r, "whence");
	off_t res;

	if (r->err)
		return;
	errno = 0;
	res = lseek(fd, off, whence);
	c->ret = res < 0 ? -1 : (res > 0x7fffffff ? 0x7fffffff : (long)res);
	c->err = res < 0 ? errno : 0;
	out_u64(&c->out, (uint64_t)res);
}

/* IOCTL: i32 fd, u32 request, u32 kind (0: the argument is the u64 that follows; 1: a blob is the
 * user buffer, passed by address and sent back after the call). */
static void do_ioctl(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	uint32_t req = in_u32(r, "request"), kind = in_u32(r, "kind");

	if (r->err)
		return;
	if (kind == 0) {
		uint64_t arg = in_u64(r, "argument");

		if (!r->err)
			SYS(c, ioctl(fd, (unsigned long)req, (unsigned long)arg));
		out_blob(&c->out, NULL, 0);
		return;
	}
	uint32_t n = in_u32(r, "buffer length");
	const uint8_t *data = in_bytes(r, n, "buffer");

	if (r->err)
		return;
	/* The buffer ends where a PROT_NONE page starts, so a driver reading or writing past it
	 * faults (EFAULT) as it would past the end of the program's buffer. */
	size_t page = (size_t)sysconf(_SC_PAGESIZE), span = ((n + page - 1) / page + 1) * page;
	uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED) {
		c->ret = -1;
		c->err = errno;
		out_blob(&c->out, NULL, 0);
		return;
	}
	mprotect(base + span - page, page, PROT_NONE);
	uint8_t *buf = base + span - page - n;

	memcpy(buf, data, n);
	SYS(c, ioctl(fd, (unsigned long)req, buf));
	out_blob(&c->out, buf, n);
	munmap(base, span);
}

/* Mappings made by MMAP: MEMREAD/MEMWRITE reach only these, and a fault inside one (a page the
 * driver did not map: SIGBUS; no permission: SIGSEGV) is answered with EFAULT. */
#define MAX_MAPS 64
static struct { uint8_t *addr; size_t len; int prot; } maps[MAX_MAPS];
static sigjmp_buf fault_jmp;
static volatile sig_atomic_t fault_armed;

static void on_fault(int sig)
{
	if (fault_armed)
		siglongjmp(fault_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int find_map(uint64_t addr, uint64_t len)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (maps[i].addr && addr >= (uint64_t)(uintptr_t)maps[i].addr &&
		    addr + len <= (uint64_t)(uintptr_t)maps[i].addr + maps[i].len)
			return i;
	return -1;
}

static void do_mmap(struct in *r, struct call *c)
{
	int fd = in_i32(r, "fd");
	uint64_t len = in_u64(r, "length");
	int prot = in_i32(r, "prot"), flags = in_i32(r, "flags");
	uint64_t off = in_u64(r, "offset");
	void *p;
	int slot = -1;

	if (r->err)
		return;
	for (int i = 0; i < MAX_MAPS && slot < 0; i++)
		if (!maps[i].addr)
			slot = i;
	if (slot < 0) {
		c->ret = -1;
		c->err = ENOMEM;
		out_u64(&c->out, 0);
		return;
	}
	errno = 0;
	p = mmap(NULL, (size_t)len, prot, flags, fd, (off_t)off);
	if (p == MAP_FAILED) {
		c->ret = -1;
		c->err = errno;
		out_u64(&c->out, 0);
		return;
	}
	maps[slot].addr = p;
	maps[slot].len = (size_t)len;
	maps[slot].prot = prot;
	c->ret = 0;
	out_u64(&c->out, (uint64_t)(uintptr_t)p);
}

static void do_munmap(struct in *r, struct call *c)
{
	uint64_t addr = in_u64(r, "address"), len = in_u64(r, "length");
	int i;

	if (r->err)
		return;
	i = find_map(addr, len);
	SYS(c, munmap((void *)(uintptr_t)addr, (size_t)len));
	if (i >= 0 && c->ret == 0)
		maps[i].addr = NULL;
}

static void do_memrw(struct in *r, struct call *c, int write)
{
	uint64_t addr = in_u64(r, "address");
	uint32_t n = in_u32(r, "length");
	const uint8_t *data = write ? in_bytes(r, n, "data") : NULL;
	int i;

	if (r->err)
		return;
	i = find_map(addr, n);
	if (i < 0 || !(maps[i].prot & (write ? PROT_WRITE : PROT_READ))) {
		c->ret = -1;
		c->err = EFAULT;
		if (!write)
			out_blob(&c->out, NULL, 0);
		return;
	}
	uint8_t *tmp = xmalloc(n ? n : 1);
	volatile uint8_t *mem = (volatile uint8_t *)(uintptr_t)addr;

	signal(SIGBUS, on_fault);
	signal(SIGSEGV, on_fault);
	if (sigsetjmp(fault_jmp, 1)) {
		fault_armed = 0;
		c->ret = -1;
		c->err = EFAULT;
		if (!write)
			out_blob(&c->out, NULL, 0);
		free(tmp);
		return;
	}
	fault_armed = 1;
	for (uint32_t k = 0; k < n; k++) {
		if (write)
			mem[k] = data[k];
		else
			tmp[k] = mem[k];
	}
	fault_armed = 0;
	c->ret = 0;
	if (!write)
		out_blob(&c->out, tmp, n);
	free(tmp);
}

/* POLL: u32 n, n x (i32 fd, i32 events), i32 timeout; output n x i32 revents. */
static void do_poll(struct in *r, struct call *c)
{
	uint32_t n = in_u32(r, "count");
	struct pollfd *fds;

	if (!r->err && n > 1024)
		in_fail(r, "more than 1024 descriptors");
	if (r->err)
		return;
	fds = xmalloc(sizeof(*fds) * (n ? n : 1));
	for (uint32_t i = 0; i < n; i++) {
		fds[i].fd = in_i32(r, "fd");
		fds[i].events = (short)in_i32(r, "events");
		fds[i].revents = 0;
	}
	int timeout = in_i32(r, "timeout");

	if (!r->err) {
		SYS(c, poll(fds, n, timeout));
		for (uint32_t i = 0; i < n; i++)
			out_i32(&c->out, (uint16_t)fds[i].revents);
	}
	free(fds);
}

static void do_mknod(struct in *r, struct call *c)
{
	char path[4097];
	uint32_t mode;
	uint64_t dev;

	if (in_path(r, path, sizeof(path)) < 0)
		return;
	mode = in_u32(r, "mode");
	dev = in_u64(r, "dev");
	if (r->err)
		return;
	SYS(c, mknod(path, mode, (dev_t)dev));
}

static void do_readfile(struct in *r, struct call *c)
{
	uint32_t n = in_u32(r, "path length");
	const uint8_t *p = in_bytes(r, n, "path");
	char path[4096];

	if (!r->err && (n == 0 || n >= sizeof(path)))
		in_fail(r, "path empty or longer than 4095 bytes");
	if (r->err)
		return;
	memcpy(path, p, n);
	path[n] = 0;

	int fd;

	SYS(c, fd = open(path, O_RDONLY | O_CLOEXEC));
	if (fd < 0) {
		out_blob(&c->out, NULL, 0);
		return;
	}
	uint8_t *buf = xmalloc(MAX_FILE);
	size_t len = 0;
	ssize_t k;

	/* /proc files must be read in several reads; stop at EOF or the size limit. */
	while (len < MAX_FILE && (k = read(fd, buf + len, MAX_FILE - len)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			c->ret = -1;
			c->err = errno;
			break;
		}
		len += (size_t)k;
	}
	close(fd);
	if (c->ret >= 0)
		c->ret = (long)len;
	out_blob(&c->out, buf, c->ret < 0 ? 0 : len);
	free(buf);
}

static void serve(void);

/* HELLO's output: who this process is. */
static void out_hello(struct out *o)
{
	out_i32(o, getpid());
	out_u32(o, getuid());
	out_u32(o, getgid());
	out_u32(o, AGENT_VERSION);
}

/*
 * The new channel of a forked child: a path under /dev/ is a character device (a VM's free
 * virtio-serial port) opened read-write; any other path is the bridge's unix socket. A port the
 * previous child still holds answers EBUSY until that process is gone, so it is tried a while.
 */
static int child_channel(const char *path)
{
	if (strncmp(path, "/dev/", 5)) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		memcpy(addr.sun_path, path, strlen(path));
		if (s >= 0 && connect(s, (const struct sockaddr *)&addr, sizeof(addr)) < 0) {
			close(s);
			s = -1;
		}
		return s;
	}
	for (int i = 0;; i++) {
		int fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd >= 0 || errno != EBUSY || i == 100)
			return fd;
		usleep(20000);
	}
}

static void drop_privileges(long uid, long gid);

/*
 * The child side of OP_FORK: a new process with the parent's open files (its sockets), serving on
 * a new channel. It opens that channel (child_channel), makes it its stdin and stdout (so the
 * program's descriptors keep their numbers), announces itself with an unasked HELLO (tag 0), and
 * serves until told to exit.
 */
static void become_child(const char *path, const char *name, long uid)
{
	int s = child_channel(path);

	if (s < 0) {
		fprintf(stderr, "agent: forked child %d cannot open its channel %s: %s\n", getpid(), path, strerror(errno));
		_exit(3);
	}
	if (in_fd > 2)
		close(in_fd);
	if (out_fd > 2 && out_fd != in_fd)
		close(out_fd);
	if (dup2(s, 0) < 0 || dup2(s, 1) < 0)
		_exit(3);
	close(s);
	/* Not the parent's stderr pipe: holding it open would keep the bridge waiting for the parent's end. */
	int null = open("/dev/null", O_WRONLY);

	if (null >= 0 && null != 2) {
		dup2(null, 2);
		close(null);
	}
	in_fd = 0;
	out_fd = 1;
	/* After the channel is open: a device node may be root's only. */
	if (uid >= 0)
		drop_privileges(uid, uid);
	if (name[0])
		prctl(PR_SET_NAME, name, 0, 0, 0);

	struct out o = { 0 };

	out_i32(&o, 0);
	out_i32(&o, 0);
	out_hello(&o);
	respond(0, OP_HELLO, ST_OK, &o);
	free(o.buf);
	serve();
	_exit(0);
}

static void do_fork(struct in *r, struct call *c)
{
	uint32_t n = in_u32(r, "channel path length");
	const uint8_t *path = in_bytes(r, n, "channel path");
	uint32_t m = in_u32(r, "name length");
	const uint8_t *nm = in_bytes(r, m, "name");
	/* Optional: the uid the child drops to (setgroups/setgid/setuid), as fork + setuid would. */
	long uid = !r->err && r->left >= 4 ? (long)in_u32(r, "uid") : -1;
	char where[sizeof(((struct sockaddr_un *)0)->sun_path)] = { 0 };
	char name[16] = { 0 };

	if (!r->err && (n == 0 || n >= sizeof(where)))
		in_fail(r, "channel path empty or longer than 107 bytes");
	if (!r->err && memchr(path, 0, n))
		in_fail(r, "channel path contains a NUL byte");
	if (!r->err && m >= sizeof(name))
		in_fail(r, "name longer than 15 bytes");
	if (r->err)
		return;
	memcpy(where, path, n);
	memcpy(name, nm, m);

	pid_t pid;

	SYS(c, pid = fork());
	if (pid == 0)
		become_child(where, name, uid);
}

/* Handle one request; returns the exit status to leave with, or -1 to keep serving. */
static int serve_one(uint32_t tag, uint16_t op, const uint8_t *body, size_t len)
{
	struct in r = { body, len, NULL };
	struct call c = { 0, 0, { 0 } };
	int exit_status = -1;

	switch (op) {
	case OP_HELLO:
		c.ret = 0;
		out_hello(&c.out);
		break;
	case OP_SOCKET: {
		int domain = in_i32(&r, "domain"), type = in_i32(&r, "type"), proto = in_i32(&r, "protocol");

		if (!r.err)
			SYS(&c, socket(domain, type, proto));
		break;
	}
	case OP_BIND:		do_addr_call(&r, &c, 0); break;
	case OP_CONNECT:	do_addr_call(&r, &c, 1); break;
	case OP_GETSOCKNAME:	do_name_call(&r, &c, 0); break;
	case OP_GETPEERNAME:	do_name_call(&r, &c, 1); break;
	case OP_SENDTO:		do_sendto(&r, &c); break;
	case OP_SENDMSG:	do_sendmsg(&r, &c); break;
	case OP_RECVFROM:	do_recvfrom(&r, &c); break;
	case OP_RECVMSG:	do_recvmsg(&r, &c); break;
	case OP_SETSOCKOPT:	do_setsockopt(&r, &c); break;
	case OP_GETSOCKOPT:	do_getsockopt(&r, &c); break;
	case OP_READ:		do_read(&r, &c); break;
	case OP_WRITE:		do_write(&r, &c); break;
	case OP_CLOSE: {
		int fd = in_i32(&r, "fd");

		if (!r.err)
			SYS(&c, close(fd));
		break;
	}
	case OP_READFILE:	do_readfile(&r, &c); break;
	case OP_EXIT:
		exit_status = in_i32(&r, "status") & 0xff;
		c.ret = 0;
		break;
	case OP_GETPID:		c.ret = getpid(); break;
	case OP_GETUID:		c.ret = getuid(); break;
	case OP_FORK:		do_fork(&r, &c); break;
	case OP_OPEN:		do_open(&r, &c); break;
	case OP_LSEEK:		do_lseek(&r, &c); break;
	case OP_IOCTL:		do_ioctl(&r, &c); break;
	case OP_MMAP:		do_mmap(&r, &c); break;
	case OP_MUNMAP:		do_munmap(&r, &c); break;
	case OP_MEMREAD:	do_memrw(&r, &c, 0); break;
	case OP_MEMWRITE:	do_memrw(&r, &c, 1); break;
	case OP_POLL:		do_poll(&r, &c); break;
	case OP_MKNOD:		do_mknod(&r, &c); break;
	default:
		respond_bad(tag, op, "unknown op %u", op);
		return -1;
	}
	if (r.err) {
		respond_bad(tag, op, "op %u: request too short or invalid: %s", op, r.err);
		free(c.out.buf);
		return -1;
	}
	if (r.left) {
		respond_bad(tag, op, "op %u: %zu unexpected bytes after the arguments", op, r.left);
		free(c.out.buf);
		return -1;
	}

	struct out o = { 0 };

	out_i32(&o, (int32_t)c.ret);
	out_i32(&o, c.err);
	out_bytes(&o, c.out.buf, c.out.len);
	respond(tag, op, ST_OK, &o);
	free(o.buf);
	free(c.out.buf);
	return exit_status;
}

static void serve(void)
{
	for (;;) {
		uint8_t hdr[HDR_LEN];
		uint32_t len, tag;
		uint16_t op;

		if (read_full(in_fd, hdr, 4) < 0)
			exit(0);	/* EOF: the bridge is done with this process */
		memcpy(&len, hdr, 4);
		if (len < HDR_LEN) {
			/* Cannot even read a tag: answer with tag 0 and go on reading. */
			respond_bad(0, 0, "frame length %u is shorter than the 12-byte header", len);
			continue;
		}
		if (read_full(in_fd, hdr + 4, HDR_LEN - 4) < 0)
			exit(0);
		memcpy(&tag, hdr + 4, 4);
		memcpy(&op, hdr + 8, 2);
		if (len > MAX_FRAME) {
			/* Skip the body so the next frame is read from its start. */
			uint8_t sink[4096];
			size_t left = len - HDR_LEN;

			while (left) {
				size_t k = left < sizeof(sink) ? left : sizeof(sink);

				if (read_full(in_fd, sink, k) < 0)
					exit(0);
				left -= k;
			}
			respond_bad(tag, op, "frame of %u bytes is larger than 16 MiB", len);
			continue;
		}
		size_t blen = len - HDR_LEN;
		uint8_t *body = xmalloc(blen);

		if (read_full(in_fd, body, blen) < 0)
			exit(0);
		int st = serve_one(tag, op, body, blen);

		free(body);
		if (st >= 0)
			exit(st);
	}
}

/* ---- setting up the process --------------------------------------------------------------- */

static void die(const char *what)
{
	fprintf(stderr, "agent: %s: %s\n", what, strerror(errno));
	exit(3);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/* Like `unshare -Urn`: a new user namespace where we are root, and a new network namespace. */
static void new_namespaces(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWUSER|CLONE_NEWNET)");
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	write_file("/proc/self/gid_map", map);
}

/* Like `nsenter -t PID -U -n`: join the user and network namespaces of another process. */
static void join_namespaces(const char *pid)
{
	const char *kinds[] = { "user", "net" };
	int types[] = { CLONE_NEWUSER, CLONE_NEWNET };

	for (int i = 0; i < 2; i++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, kinds[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die(path);
		if (setns(fd, types[i]) < 0)
			die(i ? "setns(net)" : "setns(user)");
		close(fd);
	}
	if (setgid(0) < 0 || setuid(0) < 0)
		die("becoming root of the joined user namespace");
}

static void drop_privileges(long uid, long gid)
{
	if (setgroups(0, NULL) < 0)
		die("setgroups");
	if (setgid((gid_t)gid) < 0)
		die("setgid");
	if (setuid((uid_t)uid) < 0)
		die("setuid");
}

static void usage(void)
{
	fprintf(stderr,
		"usage: agent [--unshare] [--join PID] [--uid N [--gid N]] [--name COMM] [--pdeathsig] [--dev PATH]\n"
		"Serves the binary request/response protocol of PROTOCOL.md on stdin/stdout (or PATH).\n");
	exit(2);
}

int main(int argc, char **argv)
{
	long uid = -1, gid = -1;
	const char *join = NULL, *name = NULL, *dev = NULL;
	int want_unshare = 0, pdeathsig = 0;
	pid_t parent = getppid();

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--unshare"))
			want_unshare = 1;
		else if (!strcmp(a, "--pdeathsig"))
			pdeathsig = 1;
		else if (!strcmp(a, "--join") && v)
			join = argv[++i];
		else if (!strcmp(a, "--uid") && v)
			uid = strtol(argv[++i], NULL, 10);
		else if (!strcmp(a, "--gid") && v)
			gid = strtol(argv[++i], NULL, 10);
		else if (!strcmp(a, "--name") && v)
			name = argv[++i];
		else if (!strcmp(a, "--dev") && v)
			dev = argv[++i];
		else
			usage();
	}
	if (want_unshare && join)
		usage();
	/* A reply to a closed pipe must end the agent quietly, not kill it with SIGPIPE mid-write. */
	signal(SIGPIPE, SIG_IGN);
	/* Forked children are reaped by the kernel: nobody here waits for them. */
	signal(SIGCHLD, SIG_IGN);
	if (want_unshare)
		new_namespaces();
	if (join)
		join_namespaces(join);
	if (uid >= 0)
		drop_privileges(uid, gid >= 0 ? gid : uid);
	if (name)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	/* Set after the credential change, which clears it. */
	if (pdeathsig) {
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			return 0;
	}
	if (dev) {
		in_fd = out_fd = open(dev, O_RDWR | O_CLOEXEC);
		if (in_fd < 0)
			die(dev);
	}
	serve();
	return 0;
}
