/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/math64.h>. */
#ifndef _UNIT_SHIM_LINUX_MATH64_H
#define _UNIT_SHIM_LINUX_MATH64_H

#include <linux/types.h>

/* include/linux/math64.h div_u64_rem(): 64-bit dividend, 32-bit divisor. */
static inline u64 div_u64_rem(u64 dividend, u32 divisor, u32 *remainder)
{
	*remainder = dividend % divisor;
	return dividend / divisor;
}

/* include/linux/math64.h div_u64(). */
static inline u64 div_u64(u64 dividend, u32 divisor)
{
	return dividend / divisor;
}

#endif /* _UNIT_SHIM_LINUX_MATH64_H */
