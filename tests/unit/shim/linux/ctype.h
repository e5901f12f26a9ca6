/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/ctype.h>: tolower(). The kernel's table is
 * Latin-1; glibc's in the C locale agrees on ASCII, all kudp reads.
 */
#ifndef _UNIT_SHIM_LINUX_CTYPE_H
#define _UNIT_SHIM_LINUX_CTYPE_H

#include <ctype.h>

#endif /* _UNIT_SHIM_LINUX_CTYPE_H */
