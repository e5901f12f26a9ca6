/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/time64.h>. */
#ifndef _UNIT_SHIM_LINUX_TIME64_H
#define _UNIT_SHIM_LINUX_TIME64_H

/* include/vdso/time64.h NSEC_PER_USEC (which linux/time64.h includes). */
#define NSEC_PER_USEC	1000L

#endif /* _UNIT_SHIM_LINUX_TIME64_H */
