/* SPDX-License-Identifier: GPL-2.0 */
/* Unit-tier shim of <linux/inet.h>. */
#ifndef _UNIT_SHIM_LINUX_INET_H
#define _UNIT_SHIM_LINUX_INET_H

#include <linux/types.h>

/*
 * net/core/utils.c in4_pton(): a dotted quad of decimal octets (0 to 255,
 * leading zeros allowed) in the first @srclen bytes of @src (-1: strlen);
 * it ends at @srclen, at a NUL, at a ':', at @delim, or, for @delim -1, at
 * the first byte that is neither a digit, a '.' nor a hex letter. 1 and
 * @dst set if four octets came; else 0. *@end (if @end) says where it
 * stopped either way.
 */
int in4_pton(const char *src, int srclen, u8 *dst, int delim, const char **end);

#endif /* _UNIT_SHIM_LINUX_INET_H */
