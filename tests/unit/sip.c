// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_sip.c: SipHash-2-4 against the reference's vectors (the paper's
 * key 00..0f, messages 00, 01, ... of each length), and pieces of every
 * length hashing as the whole, as a datagram in a nonlinear skb does.
 */
#include <string.h>

#include <linux/kernel.h>

#include "kudp_sip.h"
#include "unit.h"

/* The paper's key, bytes 00..0f: two little-endian words. */
static const u64 key[2] = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };

static u64 sip(const u8 *msg, size_t len)
{
	struct kudp_sip st;

	kudp_sip_init(&st, key);
	kudp_sip_update(&st, msg, len);
	return kudp_sip_final(&st);
}

TEST(sip_reference_vectors)
{
	u8 msg[64];
	unsigned int i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i;
	/* SipHash-2-4's reference (vectors.h) and the paper's appendix A. */
	CHECK_EQ(sip(msg, 0), 0x726fdb47dd0e0e31ULL);
	CHECK_EQ(sip(msg, 1), 0x74f839c593dc67fdULL);
	CHECK_EQ(sip(msg, 7), 0xab0200f58b01d137ULL);
	CHECK_EQ(sip(msg, 8), 0x93f5f5799a932462ULL);
	CHECK_EQ(sip(msg, 15), 0xa129ca6149be45e5ULL);
	CHECK_EQ(sip(msg, 63), 0x958a324ceb064572ULL);
}

TEST(sip_pieces_hash_as_the_whole)
{
	u8 msg[100];
	unsigned int i, a, b;
	struct kudp_sip st;
	u64 whole;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = 7 * i + 3;
	whole = sip(msg, sizeof(msg));
	/* Three pieces, cut anywhere (empty ones too). */
	for (a = 0; a <= sizeof(msg); a++) {
		for (b = a; b <= sizeof(msg); b += 3) {
			kudp_sip_init(&st, key);
			kudp_sip_update(&st, msg, a);
			kudp_sip_update(&st, msg + a, b - a);
			kudp_sip_update(&st, msg + b, sizeof(msg) - b);
			CHECK_EQ(kudp_sip_final(&st), whole);
		}
	}
	/* A byte at a time. */
	kudp_sip_init(&st, key);
	for (i = 0; i < sizeof(msg); i++)
		kudp_sip_update(&st, msg + i, 1);
	CHECK_EQ(kudp_sip_final(&st), whole);
}
