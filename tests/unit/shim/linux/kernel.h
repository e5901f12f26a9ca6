/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/kernel.h>: the part of what it brings in
 * (build_bug.h, limits.h, minmax.h, math.h, kstrtox.h, bitops.h) that kudp_wire.c and
 * kudp_parse.c use.
 */
#ifndef _UNIT_SHIM_LINUX_KERNEL_H
#define _UNIT_SHIM_LINUX_KERNEL_H

#include <linux/types.h>

#include <linux/build_bug.h>

/* include/linux/array_size.h ARRAY_SIZE() (without its __must_be_array check). */
#define ARRAY_SIZE(arr)		(sizeof(arr) / sizeof((arr)[0]))

/*
 * include/linux/minmax.h min(), max(), min_t(), clamp(): each argument
 * evaluated once, compared after the usual conversions. (The kernel also
 * refuses mixed signedness at build time; the kernel build checks that.)
 */
#define min(x, y)	({ __auto_type _x = (x); __auto_type _y = (y); _x < _y ? _x : _y; })
#define max(x, y)	({ __auto_type _x = (x); __auto_type _y = (y); _x > _y ? _x : _y; })
/* include/linux/minmax.h min_t(): both converted to type first. */
#define min_t(type, x, y) \
	({ type _xt = (x); type _yt = (y); _xt < _yt ? _xt : _yt; })
/* include/linux/minmax.h clamp(): val within lo and hi. */
#define clamp(val, lo, hi)	min(max(val, lo), hi)

/* include/linux/math.h DIV_ROUND_UP(). */
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
/* include/linux/math.h DIV_ROUND_UP_ULL(): an unsigned long long dividend. */
#define DIV_ROUND_UP_ULL(ll, d)	(((unsigned long long)(ll) + (d) - 1) / (d))

/* include/linux/bitops.h BITS_PER_TYPE() and BITS_TO_LONGS(). */
#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BITS_PER_TYPE(type)	(8 * sizeof(type))
#define BITS_TO_LONGS(nr)	DIV_ROUND_UP(nr, BITS_PER_TYPE(long))

/*
 * lib/kstrtox.c kstrtouint(): an optional '+', digits of @base (0: 0x for
 * hex, 0 for octal), one trailing newline; -ERANGE above UINT_MAX, -EINVAL
 * for anything else; @res untouched on errors.
 */
int kstrtouint(const char *s, unsigned int base, unsigned int *res);

/* lib/kstrtox.c kstrtoull(): as kstrtouint(), for unsigned long long. */
int kstrtoull(const char *s, unsigned int base, unsigned long long *res);
/* include/linux/kstrtox.h kstrtou64(): kstrtoull() of a u64. */
#define kstrtou64(s, base, res)	kstrtoull(s, base, res)

/*
 * lib/hexdump.c hex2bin(): @count bytes from 2 * @count hex digits (either
 * case); -EINVAL at the first that is not one.
 */
int hex2bin(u8 *dst, const char *src, size_t count);

/* include/vdso/limits.h U64_MAX. */
#define U64_MAX			((u64)~0ULL)


#endif /* _UNIT_SHIM_LINUX_KERNEL_H */
