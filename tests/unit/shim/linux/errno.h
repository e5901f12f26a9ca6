/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/errno.h>: the kernel's numbers
 * (include/uapi/asm-generic/errno-base.h and errno.h), of the errors the
 * code under test and the shim return. Not glibc's <errno.h>, which would
 * pull in the real <linux/errno.h>.
 */
#ifndef _UNIT_SHIM_LINUX_ERRNO_H
#define _UNIT_SHIM_LINUX_ERRNO_H

#define E2BIG		7
#define EINVAL		22
#define EFBIG		27
#define ERANGE		34
#define EBADMSG		74
#define EADDRNOTAVAIL	99

#endif /* _UNIT_SHIM_LINUX_ERRNO_H */
