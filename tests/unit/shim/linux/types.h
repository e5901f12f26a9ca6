/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim (tests/unit/README) of <linux/types.h>: the kernel's
 * fixed-width types, and the attributes a kernel build gets in every
 * file (it is compiled with -include linux/compiler_types.h).
 */
#ifndef _UNIT_SHIM_LINUX_TYPES_H
#define _UNIT_SHIM_LINUX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>		/* ssize_t; no <linux/...> header behind it */

/* include/uapi/asm-generic/int-ll64.h: u64 is unsigned long long everywhere. */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;

/* include/uapi/linux/types.h: sparse's __bitwise types, plain integers to gcc. */
typedef u16 __be16;
typedef u32 __be32;
typedef u64 __be64;

/* include/linux/compiler_attributes.h __packed. */
#define __packed	__attribute__((__packed__))

#endif /* _UNIT_SHIM_LINUX_TYPES_H */
