// SPDX-License-Identifier: GPL-2.0
/*
 * Sample for coccinelle/sock_msg_result.cocci: results of kernel_sendmsg(),
 * kernel_recvmsg(), kudp_send() and kudp_recv() used before they are checked
 * for a negative error, or summed into a variable narrower than 64 bits.
 * Every line marked BUG must be reported, and no other line. Not compiled
 * (Kbuild lists only send_udp.o and receive_udp.o).
 */
#include <linux/net.h>
#include <linux/string.h>
#include <linux/uio.h>

#include "../../kudp_core.h"

struct sample {
	struct socket *sock;
	char *buf;
	u64 size;
	u64 total;
	u32 small_total;
};

static struct sample s;

/* Added to the total before the check. */
static int sample_recv_all(void)
{
	struct kvec vec = { .iov_base = s.buf, .iov_len = 100 };
	struct msghdr msg = { };
	int ret;

	ret = kernel_recvmsg(s.sock, &msg, &vec, 1, 100, MSG_DONTWAIT);
	s.total += ret;						/* BUG */
	s.size -= ret;						/* BUG */
	if (ret < 0)
		return ret;
	return 0;
}

/* Used as an offset, a length and an index without any check. */
static void sample_unchecked(char *dst)
{
	int n;

	n = kudp_recv(s.sock, s.buf, 100, 0);
	memcpy(dst, s.buf, n);					/* BUG */
	n = kudp_recv(s.sock, s.buf, 100, 0);
	dst[n] = 0;						/* BUG */
	n = kudp_recv(s.sock, s.buf, 100, 0);
	kudp_xfer_add(NULL, s.buf + n, 10);			/* BUG */
}

/* The call itself in an expression: no chance to check. */
static size_t sample_direct(const void *data)
{
	struct kvec vec = { .iov_base = (void *)data, .iov_len = 10 };
	struct msghdr msg = { };
	size_t off = 0;

	off += kernel_sendmsg(s.sock, &msg, &vec, 1, 10);	/* BUG */
	return off;
}

/* Checked first, then summed into a 32-bit variable: 4 GiB wraps it. */
static int sample_narrow(void)
{
	unsigned int got = 0;
	int ret;

	do {
		ret = kudp_recv(s.sock, s.buf, 100, 0);
		if (ret < 0)
			break;
		got += ret;					/* BUG */
		s.small_total = s.small_total + ret;		/* BUG */
		s.total += ret;
	} while (ret > 0);
	return ret;
}

/* Correct: checked before use, summed into 64 bits. */
static int sample_good(void)
{
	struct kvec vec = { .iov_base = s.buf, .iov_len = 100 };
	struct msghdr msg = { };
	u64 total = 0;
	int ret;

	ret = kernel_recvmsg(s.sock, &msg, &vec, 1, 100, 0);
	if (ret < 0)
		return ret;
	s.buf[min_t(int, ret, 99)] = 0;
	total += ret;

	while ((ret = kudp_recv(s.sock, s.buf, 100, 0)) > 0)
		total += ret;
	if (ret < 0)
		return ret;

	ret = kudp_send(s.sock, s.buf, 100, 100, NULL);
	if (ret)
		return ret;
	s.total = total;
	return 0;
}
