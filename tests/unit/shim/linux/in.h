/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit-tier shim of <linux/in.h>: byte order and the address classes
 * kudp_parse.c tells apart. Not glibc's <netinet/in.h>, whose
 * <sys/socket.h> pulls in the real <asm/socket.h>.
 */
#ifndef _UNIT_SHIM_LINUX_IN_H
#define _UNIT_SHIM_LINUX_IN_H

#include <linux/types.h>

/* include/linux/byteorder/generic.h htonl() and ntohl(). */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define htonl(x)	((u32)(x))
#else
#define htonl(x)	__builtin_bswap32((u32)(x))
#endif
#define ntohl(x)	htonl(x)

/* include/uapi/linux/in.h INADDR_BROADCAST. */
#define INADDR_BROADCAST	((unsigned long int)0xffffffff)

/* include/linux/in.h ipv4_is_multicast(): 224.0.0.0/4. */
static inline bool ipv4_is_multicast(__be32 addr)
{
	return (addr & htonl(0xf0000000)) == htonl(0xe0000000);
}

/* include/linux/in.h ipv4_is_lbcast(): 255.255.255.255 alone. */
static inline bool ipv4_is_lbcast(__be32 addr)
{
	return addr == htonl(INADDR_BROADCAST);
}

/* include/linux/in.h ipv4_is_zeronet(): 0.0.0.0 alone, in 6.1 and 6.12 alike. */
static inline bool ipv4_is_zeronet(__be32 addr)
{
	return addr == 0;
}

#endif /* _UNIT_SHIM_LINUX_IN_H */
