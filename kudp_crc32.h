/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The CRC-32 function both modules compute with (kudp_crc32.c): zlib's
 * CRC-32, through crc32_le() or the crypto API's "crc32", whichever is
 * faster on this machine.
 */
#ifndef _KUDP_CRC32_H
#define _KUDP_CRC32_H

#include <linux/types.h>

int kudp_crc32_init(void);
void kudp_crc32_exit(void);
u32 kudp_crc32(u32 crc, const void *p, size_t len);

#endif /* _KUDP_CRC32_H */
