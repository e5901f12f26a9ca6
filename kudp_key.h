/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The shared key (the "key" parameter of both modules) and the tags of
 * the reliable mode's version 2 (Documentation/protocol.rst, "The tag"):
 * keyed BLAKE2s, the kernel's own (lib/crypto/blake2s.c), over a nonce,
 * the type's header and the SipHash-2-4 of the rest (kudp_sip.c), keyed
 * with a key derived from the key. Where the tag goes is kudp_wire.c's;
 * this file only computes and checks it.
 */
#ifndef _KUDP_KEY_H
#define _KUDP_KEY_H

#include <linux/types.h>

#include "kudp_parse.h"
#include "kudp_wire.h"

struct sk_buff;

/**
 * struct kudp_key - a shared key, or none
 * @set: there is one: the reliable mode speaks version 2
 * @bytes: the key, %KUDP_KEY_LEN bytes; never logged, never shown,
 *	wiped (kudp_key_wipe()) when it is replaced or the module unloads
 * @sip: the SipHash key derived from it (kudp_key_derive()), wiped with it
 *
 * Its owner's lock protects it: each module says which (send_udp.c,
 * receive_udp.h).
 */
struct kudp_key {
	bool set;
	u8 bytes[KUDP_KEY_LEN];
	u64 sip[2];
};

/* The nonce of HELLO and CHALLENGE: all zero. */
extern const u8 kudp_nonce_none[KUDP_NONCE_LEN];

void kudp_key_derive(struct kudp_key *key);
void kudp_key_wipe(struct kudp_key *key);
void kudp_key_sign(const struct kudp_key *key, const u8 *nonce, void *hdr, size_t hdr_len,
		   const void *rest, size_t rest_len);
size_t kudp_key_seal(const struct kudp_key *key, const u8 *nonce, void *buf, size_t len);
bool kudp_key_verify(const struct kudp_key *key, const u8 *nonce, const void *buf, size_t len,
		     const struct kudp_hdr *h);
bool kudp_key_verify_skb(const struct kudp_key *key, const u8 *nonce, struct sk_buff *skb,
			 size_t off, size_t len, const struct kudp_hdr *h);

#endif /* _KUDP_KEY_H */
