// SPDX-License-Identifier: GPL-2.0
/*
 * The tags of the reliable mode's version 2 (see kudp_key.h). Linked into
 * both modules.
 */
#include <crypto/blake2s.h>
#include <linux/compiler.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "kudp_key.h"

const u8 kudp_nonce_none[KUDP_NONCE_LEN];

/**
 * kudp_key_wipe() - forget a key
 * @key: the key: no key from now on
 *
 * Context: any; the caller holds @key's lock.
 */
void kudp_key_wipe(struct kudp_key *key)
{
	memzero_explicit(key, sizeof(*key));
}

/*
 * Whether two tags are equal, in a time that does not say where they
 * differ. crypto_memneq() does the same, but is the crypto API's: a kernel
 * may have the BLAKE2s library (random.c needs it) without it.
 */
static bool kudp_key_tag_eq(const u8 *a, const u8 *b)
{
	unsigned int i;
	u8 diff = 0;

	for (i = 0; i < KUDP_TAG_LEN; i++) {
		diff |= a[i] ^ b[i];
		/* No early exit: the compiler cannot see that diff is final. */
		OPTIMIZER_HIDE_VAR(diff);
	}
	return !diff;
}

/* BLAKE2s keyed with @key, of a 16-byte digest, fed @nonce first. */
static void kudp_key_begin(struct blake2s_state *st, const struct kudp_key *key,
			   const u8 *nonce)
{
	blake2s_init_key(st, KUDP_TAG_LEN, key->bytes, KUDP_KEY_LEN);
	blake2s_update(st, nonce, KUDP_NONCE_LEN);
}

/**
 * kudp_key_sign() - tag a datagram whose parts are apart
 * @key: the key (set)
 * @nonce: %KUDP_NONCE_LEN bytes: kudp_nonce_none for HELLO and CHALLENGE,
 *	else the message's challenge
 * @hdr: the type's header, version 2 already, with room for the tag after it
 * @hdr_len: its length, as kudp_wire_hdr_len() says
 * @rest: what follows the tag: a DATA's payload, a NACK's ranges
 * @rest_len: its length
 *
 * The tag goes right after the header, at @hdr + @hdr_len: how DATA goes
 * (its header is built apart from its payload, by kudp_send()'s callback).
 *
 * Context: any.
 */
void kudp_key_sign(const struct kudp_key *key, const u8 *nonce, void *hdr, size_t hdr_len,
		   const void *rest, size_t rest_len)
{
	struct blake2s_state st;

	kudp_key_begin(&st, key, nonce);
	blake2s_update(&st, hdr, hdr_len);
	blake2s_update(&st, rest, rest_len);
	blake2s_final(&st, hdr + hdr_len);
}

/**
 * kudp_key_seal() - make a control datagram of version 1 one of version 2
 * @key: the key (set)
 * @nonce: as for kudp_key_sign()
 * @buf: the datagram, with room for %KUDP_TAG_LEN bytes more
 * @len: its length
 *
 * Context: any.
 * Return: its new length, @len + %KUDP_TAG_LEN.
 */
size_t kudp_key_seal(const struct kudp_key *key, const u8 *nonce, void *buf, size_t len)
{
	struct kudp_common_hdr *c = buf;
	size_t hdr_len = kudp_wire_hdr_len(c->type);

	memmove(buf + hdr_len + KUDP_TAG_LEN, buf + hdr_len, len - hdr_len);
	c->version = KUDP_PROTO_KEYED;
	kudp_key_sign(key, nonce, buf, hdr_len, buf + hdr_len + KUDP_TAG_LEN, len - hdr_len);
	return len + KUDP_TAG_LEN;
}

/**
 * kudp_key_verify() - whether a datagram's tag is the key's
 * @key: the key (set)
 * @nonce: as for kudp_key_sign()
 * @buf: the datagram
 * @len: its length
 * @h: its header, parsed (kudp_wire_parse(): version 2)
 *
 * Context: any.
 * Return: true if it verifies.
 */
bool kudp_key_verify(const struct kudp_key *key, const u8 *nonce, const void *buf, size_t len,
		     const struct kudp_hdr *h)
{
	struct blake2s_state st;
	u8 tag[KUDP_TAG_LEN];
	bool ok;

	kudp_key_begin(&st, key, nonce);
	blake2s_update(&st, buf, h->tag);
	blake2s_update(&st, buf + h->len, len - h->len);
	blake2s_final(&st, tag);
	ok = kudp_key_tag_eq(tag, buf + h->tag);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

/* Feed @len bytes of @skb from @off into @st, wherever they lie. */
static void kudp_key_update_skb(struct blake2s_state *st, struct sk_buff *skb, size_t off,
				size_t len)
{
	struct skb_seq_state seq;
	unsigned int consumed = 0, n;
	const u8 *data;

	skb_prepare_seq_read(skb, off, off + len, &seq);
	/* A block may run past @len; the read after the last unmaps it. */
	while ((n = skb_seq_read(consumed, &data, &seq))) {
		n = min_t(size_t, n, len - consumed);
		blake2s_update(st, data, n);
		consumed += n;
	}
}

/**
 * kudp_key_verify_skb() - kudp_key_verify() of a datagram in an skb
 * @key: the key (set)
 * @nonce: as for kudp_key_sign()
 * @skb: the receive; the datagram need not be linear
 * @off: where the datagram starts in it (a GRO run holds several)
 * @len: its length
 * @h: its header, parsed (version 2)
 *
 * Reads the datagram in place: nothing is copied before it verifies.
 *
 * Context: any.
 * Return: true if it verifies.
 */
bool kudp_key_verify_skb(const struct kudp_key *key, const u8 *nonce, struct sk_buff *skb,
			 size_t off, size_t len, const struct kudp_hdr *h)
{
	struct blake2s_state st;
	u8 tag[KUDP_TAG_LEN], want[KUDP_TAG_LEN];
	bool ok;

	if (skb_copy_bits(skb, off + h->tag, want, KUDP_TAG_LEN))
		return false;
	kudp_key_begin(&st, key, nonce);
	kudp_key_update_skb(&st, skb, off, h->tag);
	kudp_key_update_skb(&st, skb, off + h->len, len - h->len);
	blake2s_final(&st, tag);
	ok = kudp_key_tag_eq(tag, want);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}
