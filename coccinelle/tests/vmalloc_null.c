// SPDX-License-Identifier: GPL-2.0
/*
 * Sample for coccinelle/vmalloc_null.cocci: vmalloc(), __vmalloc(),
 * vzalloc() and kudp_buf_alloc() results used before a NULL check, or never
 * checked. Every line marked BUG must be reported, and no other line. Not
 * compiled (Kbuild lists only send_udp.o and receive_udp.o).
 */
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "../../kudp_core.h"

struct sample {
	char *buf;
	char *copy;
	u64 size;
};

static struct sample s;

/* Checked, but too late. */
static int sample_late_check(size_t n)
{
	void *p = vmalloc(n);

	memset(p, 0, n);					/* BUG */
	memset(p + n / 2, 1, n / 2);				/* BUG */
	if (!p)
		return -ENOMEM;
	vfree(p);
	return 0;
}

static int sample_deref(size_t n)
{
	s.buf = vzalloc(n);
	s.buf[0] = 1;						/* BUG */
	if (s.buf == NULL)
		return -ENOMEM;
	return 0;
}

static int sample_offset(const void *data, u64 n)
{
	char *buf;

	buf = kudp_buf_alloc(n, "buffer_size");
	memcpy(buf + 10, data, 10);				/* BUG */
	if (!buf)
		return -ENOMEM;
	vfree(buf);
	return 0;
}

/* Never checked: the first use is somewhere else. */
static int sample_store(size_t n)
{
	s.copy = __vmalloc(n, GFP_KERNEL | __GFP_NOWARN);	/* BUG */
	s.size = n;
	return 0;
}

static void sample_direct(size_t n)
{
	memset(vzalloc(n), 0xff, n);				/* BUG */
}

/* Correct uses. */
static void *sample_return(size_t n)
{
	return vmalloc(n);
}

static int sample_good(size_t n)
{
	char *p = vmalloc(n);
	char *q;

	if (!p)
		return -ENOMEM;
	memset(p, 0, n);
	q = kudp_buf_alloc(n, "buffer_size");
	if (q == NULL) {
		vfree(p);
		return -ENOMEM;
	}
	q[0] = p[0];
	s.buf = vzalloc(n);
	if (s.buf) {
		s.buf[0] = 1;
		s.size = n;
	}
	vfree(q);
	vfree(p);
	/* Tested where it is assigned (checkpatch frowns, but it is correct). */
	if (!(p = vmalloc(n)))
		return -ENOMEM;
	vfree(p);
	return 0;
}
