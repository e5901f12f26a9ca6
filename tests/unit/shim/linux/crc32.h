/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/crc32.h>: the CRC-32 of Ethernet and zlib,
 * reflected polynomial 0xedb88320, with no inversion on the way in or out:
 * crc32_le(~0, p, n) ^ ~0 is zlib's crc32(0, p, n).
 */
#ifndef _UNIT_SHIM_LINUX_CRC32_H
#define _UNIT_SHIM_LINUX_CRC32_H

#include <linux/types.h>

/* lib/crc32.c crc32_le(): from @crc, over @len bytes at @p. */
u32 crc32_le(u32 crc, unsigned char const *p, size_t len);

/* lib/crc32.c crc32_le_shift(): @crc with @len zero bytes appended. */
u32 crc32_le_shift(u32 crc, size_t len);

/*
 * include/linux/crc32.h crc32_le_combine(): the crc32_le() of seq1 then
 * seq2, from crc1 (of seq1, any seed) and crc2 (of seq2, from 0).
 */
static inline u32 crc32_le_combine(u32 crc1, u32 crc2, size_t len2)
{
	return crc32_le_shift(crc1, len2) ^ crc2;
}

#endif /* _UNIT_SHIM_LINUX_CRC32_H */
