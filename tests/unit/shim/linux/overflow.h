/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/overflow.h>. */
#ifndef _UNIT_SHIM_LINUX_OVERFLOW_H
#define _UNIT_SHIM_LINUX_OVERFLOW_H

#include <stdint.h>
#include <linux/types.h>

/* include/linux/overflow.h size_mul(), size_add(): SIZE_MAX on overflow. */
static inline size_t unit_size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t unit_size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

/* include/linux/overflow.h struct_size(): *p and count of member[], SIZE_MAX on overflow. */
#define struct_size(p, member, count) \
	unit_size_add(sizeof(*(p)), unit_size_mul(sizeof(*(p)->member), (count)))

#endif /* _UNIT_SHIM_LINUX_OVERFLOW_H */
