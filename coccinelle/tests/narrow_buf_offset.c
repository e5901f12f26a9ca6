// SPDX-License-Identifier: GPL-2.0
/*
 * Sample for coccinelle/narrow_buf_offset.cocci: int, unsigned int and u32
 * offsets into a buffer that may be 4 GiB long. Every line marked BUG must
 * be reported, and no other line. Not compiled (Kbuild lists only
 * send_udp.o and receive_udp.o).
 */
#include <linux/net.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "../../kudp_core.h"

struct sample {
	struct socket *sock;
	char *buf;
	u32 off32;
	u64 off64;
};

static struct sample s;

static void sample_copy(const void *src, size_t n)
{
	u32 off = 0;
	int i = 0;
	char *dest;

	memcpy(s.buf + off, src, n);				/* BUG */
	memmove(&s.buf[i], src, n);				/* BUG */
	dest = s.buf + i;					/* BUG */
	memcpy(dest, src, n);
}

static int sample_user(char __user *ubuf, size_t n)
{
	unsigned int pos = 0;

	if (copy_to_user(ubuf, s.buf + pos, n))			/* BUG */
		return -EFAULT;
	if (copy_from_user(pos + s.buf, ubuf, n))		/* BUG */
		return -EFAULT;
	return 0;
}

static int sample_recv(size_t n)
{
	struct kvec vec = {
		.iov_base = s.buf + s.off32,			/* BUG */
		.iov_len = n,
	};
	struct msghdr msg = { };
	int ret;

	ret = kernel_recvmsg(s.sock, &msg, &vec, 1, n, 0);
	if (ret < 0)
		return ret;
	vec.iov_base = s.buf + s.off32;				/* BUG */
	return kernel_recvmsg(s.sock, &msg, &vec, 1, n, 0);
}

/* Correct: 64-bit (or address-wide) offsets, constants. */
static void sample_good(const void *src, size_t n, loff_t ppos)
{
	struct kvec vec = { .iov_base = s.buf + s.off64, .iov_len = n };
	size_t off = 0;
	u64 pos = 0;
	int i;

	memcpy(s.buf + off, src, n);
	memcpy(s.buf + pos, src, n);
	memcpy(s.buf + ppos, src, n);
	memcpy(s.buf + 4, src, n);
	memcpy(s.buf + KUDP_HEADERS, src, n);
	memcpy(s.buf + sizeof(vec), src, n);
	for (i = 0; i < 4; i++)
		s.buf[i] = 0;
	vec.iov_base = s.buf;
}
