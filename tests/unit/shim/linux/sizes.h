/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/sizes.h>: include/linux/sizes.h SZ_1M (an int there too). */
#ifndef _UNIT_SHIM_LINUX_SIZES_H
#define _UNIT_SHIM_LINUX_SIZES_H

#define SZ_1M	0x00100000

#endif /* _UNIT_SHIM_LINUX_SIZES_H */
