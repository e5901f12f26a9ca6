/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/unaligned.h> (6.12; <asm/unaligned.h> before,
 * the build passes -DKUDP_HAVE_LINUX_UNALIGNED): big-endian loads and
 * stores at any address, a byte at a time, and the little-endian 64-bit
 * load of kudp_sip.c.
 */
#ifndef _UNIT_SHIM_LINUX_UNALIGNED_H
#define _UNIT_SHIM_LINUX_UNALIGNED_H

#include <linux/types.h>

/* include/linux/unaligned.h get_unaligned_be16() */
static inline u16 get_unaligned_be16(const void *p)
{
	const u8 *b = p;

	return (u16)(b[0] << 8 | b[1]);
}

/* include/linux/unaligned.h get_unaligned_be32() */
static inline u32 get_unaligned_be32(const void *p)
{
	const u8 *b = p;

	return (u32)b[0] << 24 | (u32)b[1] << 16 | (u32)b[2] << 8 | b[3];
}

/* include/linux/unaligned.h get_unaligned_be64() */
static inline u64 get_unaligned_be64(const void *p)
{
	const u8 *b = p;

	return (u64)get_unaligned_be32(b) << 32 | get_unaligned_be32(b + 4);
}

/* include/linux/unaligned.h get_unaligned_le64() */
static inline u64 get_unaligned_le64(const void *p)
{
	const u8 *b = p;
	u64 v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* include/linux/unaligned.h put_unaligned_be16() */
static inline void put_unaligned_be16(u16 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 8;
	b[1] = v;
}

/* include/linux/unaligned.h put_unaligned_be32() */
static inline void put_unaligned_be32(u32 v, void *p)
{
	u8 *b = p;

	b[0] = v >> 24;
	b[1] = v >> 16;
	b[2] = v >> 8;
	b[3] = v;
}

/* include/linux/unaligned.h put_unaligned_be64() */
static inline void put_unaligned_be64(u64 v, void *p)
{
	u8 *b = p;

	put_unaligned_be32(v >> 32, b);
	put_unaligned_be32(v, b + 4);
}

#endif /* _UNIT_SHIM_LINUX_UNALIGNED_H */
