/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SipHash-2-4 a piece at a time (Aumasson and Bernstein, 2012): the
 * kernel's lib/siphash.c hashes one buffer, and a datagram in a
 * nonlinear skb (UDP GRO's pages) comes in pieces. Its permutation and
 * constants are the kernel's (SIPHASH_PERMUTATION(), <linux/siphash.h>).
 * Pure, as kudp_wire.c: the unit tier (tests/unit) compiles it in user
 * space. Used by kudp_key.c's tags.
 */
#ifndef _KUDP_SIP_H
#define _KUDP_SIP_H

#include <linux/types.h>

/**
 * struct kudp_sip - a SipHash-2-4 in progress
 * @v: its four words of state
 * @tail: the bytes of an 8-byte word not yet complete, little-endian
 * @len: the bytes hashed so far
 */
struct kudp_sip {
	u64 v[4];
	u64 tail;
	u64 len;
};

void kudp_sip_init(struct kudp_sip *st, const u64 key[2]);
void kudp_sip_update(struct kudp_sip *st, const void *data, size_t len);
u64 kudp_sip_final(struct kudp_sip *st);

#endif /* _KUDP_SIP_H */
