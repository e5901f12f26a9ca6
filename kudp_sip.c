// SPDX-License-Identifier: GPL-2.0
/*
 * SipHash-2-4 a piece at a time (see kudp_sip.h). Linked into both
 * modules, and compiled in user space by the unit tier (tests/unit).
 */
#include <linux/bitops.h>
#include <linux/siphash.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_sip.h"

/* Two rounds of the permutation for each word (SipHash-2-4's 2). */
static void kudp_sip_word(struct kudp_sip *st, u64 m)
{
	u64 *v = st->v;

	v[3] ^= m;
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	v[0] ^= m;
}

/*
 * kudp_sip_word() for @n words at @p: the state in registers (the words
 * of the payload are nearly all of a tag's work).
 */
static void kudp_sip_words(struct kudp_sip *st, const u8 *p, size_t n)
{
	u64 v0 = st->v[0], v1 = st->v[1], v2 = st->v[2], v3 = st->v[3], m;

	for (; n; n--, p += 8) {
		m = get_unaligned_le64(p);
		v3 ^= m;
		SIPHASH_PERMUTATION(v0, v1, v2, v3);
		SIPHASH_PERMUTATION(v0, v1, v2, v3);
		v0 ^= m;
	}
	st->v[0] = v0;
	st->v[1] = v1;
	st->v[2] = v2;
	st->v[3] = v3;
}

/**
 * kudp_sip_init() - start a SipHash-2-4
 * @st: its state
 * @key: the key, two little-endian words (siphash_key_t's)
 *
 * Context: any.
 */
void kudp_sip_init(struct kudp_sip *st, const u64 key[2])
{
	st->v[0] = SIPHASH_CONST_0 ^ key[0];
	st->v[1] = SIPHASH_CONST_1 ^ key[1];
	st->v[2] = SIPHASH_CONST_2 ^ key[0];
	st->v[3] = SIPHASH_CONST_3 ^ key[1];
	st->tail = 0;
	st->len = 0;
}

/**
 * kudp_sip_update() - hash the next bytes
 * @st: the state
 * @data: the bytes
 * @len: how many
 *
 * Pieces of any lengths hash as the bytes they make up would at once.
 *
 * Context: any.
 */
void kudp_sip_update(struct kudp_sip *st, const void *data, size_t len)
{
	const u8 *p = data;
	unsigned int have = st->len % 8;

	st->len += len;
	/* Complete the word begun by the piece before. */
	while (have && len) {
		st->tail |= (u64)*p++ << (8 * have);
		len--;
		have = (have + 1) % 8;
		if (!have) {
			kudp_sip_word(st, st->tail);
			st->tail = 0;
		}
	}
	kudp_sip_words(st, p, len / 8);
	p += len & ~7UL;
	len &= 7;
	for (have = 0; have < len; have++)
		st->tail |= (u64)p[have] << (8 * have);
}

/**
 * kudp_sip_final() - the hash of everything kudp_sip_update() was given
 * @st: the state, of no use after
 *
 * Context: any.
 * Return: the 64-bit SipHash-2-4.
 */
u64 kudp_sip_final(struct kudp_sip *st)
{
	u64 *v = st->v;

	kudp_sip_word(st, st->tail | st->len << 56);
	v[2] ^= 0xff;
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	SIPHASH_PERMUTATION(v[0], v[1], v[2], v[3]);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
