/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/bitops.h>: rol64(), which kudp_sip.c uses. */
#ifndef _UNIT_SHIM_LINUX_BITOPS_H
#define _UNIT_SHIM_LINUX_BITOPS_H

#include <linux/types.h>

/* include/linux/bitops.h rol64() */
static inline u64 rol64(u64 word, unsigned int shift)
{
	return (word << (shift & 63)) | (word >> ((-shift) & 63));
}

#endif /* _UNIT_SHIM_LINUX_BITOPS_H */
