/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/build_bug.h>: static_assert(). */
#ifndef _UNIT_SHIM_LINUX_BUILD_BUG_H
#define _UNIT_SHIM_LINUX_BUILD_BUG_H

/* include/linux/build_bug.h static_assert(): the message is optional. */
#define static_assert(expr, ...)	__static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...)	_Static_assert(expr, msg)

#endif /* _UNIT_SHIM_LINUX_BUILD_BUG_H */
