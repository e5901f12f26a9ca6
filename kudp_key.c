// SPDX-License-Identifier: GPL-2.0
/*
 * The tags of the reliable mode's version 2 (see kudp_key.h). Linked into
 * both modules.
 */
#include <crypto/blake2s.h>
#include <linux/compiler.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_key.h"
#include "kudp_sip.h"

const u8 kudp_nonce_none[KUDP_NONCE_LEN];

/* What the SipHash key is derived from (Documentation/protocol.rst). */
static const char kudp_sip_label[16] = "kudp siphash key";

/**
 * kudp_key_derive() - derive the SipHash key from a key's bytes
 * @key: a key whose &kudp_key.bytes are set
 *
 * Context: any; the caller holds @key's lock.
 */
void kudp_key_derive(struct kudp_key *key)
{
	u8 sip[16];

	blake2s(sip, (const u8 *)kudp_sip_label, key->bytes, sizeof(sip), sizeof(kudp_sip_label),
		KUDP_KEY_LEN);
	key->sip[0] = get_unaligned_le64(sip);
	key->sip[1] = get_unaligned_le64(sip + 8);
	memzero_explicit(sip, sizeof(sip));
}

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

/*
 * The tag of a datagram: keyed BLAKE2s of @nonce, the @hdr_len bytes of
 * its header at @hdr and @sip, the SipHash of the rest (little-endian),
 * into @tag.
 */
static void kudp_key_tag(const struct kudp_key *key, const u8 *nonce, const void *hdr,
			 size_t hdr_len, u64 sip, u8 *tag)
{
	struct blake2s_state st;
	__le64 s = cpu_to_le64(sip);

	blake2s_init_key(&st, KUDP_TAG_LEN, key->bytes, KUDP_KEY_LEN);
	blake2s_update(&st, nonce, KUDP_NONCE_LEN);
	blake2s_update(&st, hdr, hdr_len);
	blake2s_update(&st, (const u8 *)&s, sizeof(s));
	blake2s_final(&st, tag);
}

/* SipHash-2-4 of @len bytes at @data, keyed with @key's SipHash key. */
static u64 kudp_key_sip(const struct kudp_key *key, const void *data, size_t len)
{
	struct kudp_sip st;

	kudp_sip_init(&st, key->sip);
	kudp_sip_update(&st, data, len);
	return kudp_sip_final(&st);
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
	kudp_key_tag(key, nonce, hdr, hdr_len, kudp_key_sip(key, rest, rest_len), hdr + hdr_len);
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
	u8 tag[KUDP_TAG_LEN];
	bool ok;

	kudp_key_tag(key, nonce, buf, h->tag, kudp_key_sip(key, buf + h->len, len - h->len), tag);
	ok = kudp_key_tag_eq(tag, buf + h->tag);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

/* Hash @len bytes of @skb from @off into @st, wherever they lie. */
static void kudp_key_update_skb(struct kudp_sip *st, struct sk_buff *skb, size_t off,
				size_t len)
{
	struct skb_seq_state seq;
	unsigned int consumed = 0, n;
	const u8 *data;

	skb_prepare_seq_read(skb, off, off + len, &seq);
	/* A block may run past @len; the read after the last unmaps it. */
	while ((n = skb_seq_read(consumed, &data, &seq))) {
		n = min_t(size_t, n, len - consumed);
		kudp_sip_update(st, data, n);
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
 * Reads the datagram in place (its header and tag copied out): nothing is
 * copied into the message before it verifies.
 *
 * Context: any.
 * Return: true if it verifies.
 */
bool kudp_key_verify_skb(const struct kudp_key *key, const u8 *nonce, struct sk_buff *skb,
			 size_t off, size_t len, const struct kudp_hdr *h)
{
	/* The largest header and its tag: a DATA's. */
	u8 hdr[sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN], tag[KUDP_TAG_LEN];
	struct kudp_sip st;
	bool ok;

	if (h->len > sizeof(hdr) || skb_copy_bits(skb, off, hdr, h->len))
		return false;
	kudp_sip_init(&st, key->sip);
	kudp_key_update_skb(&st, skb, off + h->len, len - h->len);
	kudp_key_tag(key, nonce, hdr, h->tag, kudp_sip_final(&st), tag);
	ok = kudp_key_tag_eq(tag, hdr + h->tag);
	memzero_explicit(tag, sizeof(tag));
	return ok;
}
