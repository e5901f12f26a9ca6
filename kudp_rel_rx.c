// SPDX-License-Identifier: GPL-2.0
/*
 * The reliable mode's receiver (Documentation/protocol.rst, "The
 * receiver"): struct kudp_rel_rx, from receive_udp's reliable engine
 * (receive_udp_rel.c). Linked into receive_udp only. What goes on the
 * wire, the map of what arrived and the NACKs built from it are
 * kudp_wire.c's.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "kudp_rel.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/**
 * kudp_rel_rx_init() - set up the reliable mode's receiving side
 * @r: the receiver's state, zeroed
 * @buf: the receiver's buffer
 * @size: its capacity
 * @crcs: the CRC-32 of the buffer's messages, set up (kudp_crc_init()):
 *	the chunks of the map go to it as they become whole
 *
 * Allocates the map of what arrived, one bit per segment of the smallest
 * size: @size / 4096 bytes (1 MiB for 4 GiB). Draws the first challenge;
 * the key (&kudp_rel_rx.key) is the caller's to set, before the receiving
 * work runs.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int kudp_rel_rx_init(struct kudp_rel_rx *r, void *buf, u64 size, struct kudp_crc *crcs)
{
	u64 bits = DIV_ROUND_UP_ULL(size, KUDP_SEGMENT_MIN);
	size_t chunks = kudp_map_max_chunks(size);

	r->buf = buf;
	r->size = size;
	r->crcs = crcs;
	r->ctl = kmalloc(KUDP_CONTROL_MAX, GFP_KERNEL);
	r->map.bits = kvcalloc(BITS_TO_LONGS(bits), sizeof(long), GFP_KERNEL);
	r->map.left = kvcalloc(chunks, sizeof(u32), GFP_KERNEL);
	r->map.init = kvcalloc(BITS_TO_LONGS(chunks), sizeof(long), GFP_KERNEL);
	if (!r->ctl || !r->map.bits || !r->map.left || !r->map.init) {
		kudp_rel_rx_free(r);
		return -ENOMEM;
	}
	get_random_bytes(r->offer, sizeof(r->offer));
	return 0;
}

/**
 * kudp_rel_rx_free() - free what kudp_rel_rx_init() allocated
 * @r: the receiver's state: zeroed, or set up by kudp_rel_rx_init(), and
 *	no receiving work item runs or will run
 *
 * Wipes the key.
 *
 * Context: process context.
 */
void kudp_rel_rx_free(struct kudp_rel_rx *r)
{
	kudp_key_wipe(&r->key);
	kvfree(r->map.init);
	kvfree(r->map.left);
	kvfree(r->map.bits);
	kfree(r->ctl);
}

/*
 * A new challenge to offer: the one before can start no message any more
 * (Documentation/protocol.rst, "No replay").
 */
static void kudp_rel_rx_new_offer(struct kudp_rel_rx *r)
{
	get_random_bytes(r->offer, sizeof(r->offer));
}

/**
 * kudp_rel_rx_classify() - what a datagram is to the receiver
 * @r: the receiver's state
 * @h: the datagram's header, parsed (kudp_wire_parse())
 * @dg: the receive it is in: its source, its skb
 * @off: where the datagram starts in it
 * @len: its length
 * @nonce: with a key, the challenge the datagram verified with
 *	(%KUDP_NONCE_LEN bytes): the one a new message takes
 *
 * With a key, only an authentic datagram of version 2 goes further: its
 * tag is checked first, against the current message's challenge if it is
 * of the current message, else against the one offered; a HELLO goes no
 * further (kudp_rel_rx_challenge()). Without a key, only version 1.
 *
 * A message belongs to its origin, the source of its first datagram:
 * the same message's datagrams from anywhere else are foreign. While a
 * message is being received, a new one from another address waits
 * (busy) until it completes or is discarded; one from the origin's
 * address (its sender, started again) replaces it. Stale: from the address
 * of the last message that completed, and not later than it; or from the
 * address of the one in progress, and not later than it. So a message
 * that never completed is never the reference for longer than the hold,
 * and a forger elsewhere cannot make a sender's later messages stale.
 *
 * Context: the receiving work item.
 * Return: an &enum kudp_rel_verdict.
 */
enum kudp_rel_verdict kudp_rel_rx_classify(const struct kudp_rel_rx *r, const struct kudp_hdr *h,
					   const struct kudp_dgram *dg, size_t off, size_t len,
					   u8 *nonce)
{
	const struct sockaddr_in *from = &dg->from;
	bool busy = r->active && !r->complete, ours = r->active && h->id == r->id;

	if (h->type != KUDP_T_DATA && h->type != KUDP_T_CLOSE && h->type != KUDP_T_HELLO)
		return KUDP_REL_BAD;
	if (!h->tag != !r->key.set)
		return KUDP_REL_VERSION;
	if (r->key.set) {
		memcpy(nonce, h->type == KUDP_T_HELLO ? kudp_nonce_none :
			      ours ? r->nonce : r->offer, KUDP_NONCE_LEN);
		if (!kudp_key_verify_skb(&r->key, nonce, dg->skb, off, len, h))
			return KUDP_REL_FORGED;
		if (h->type == KUDP_T_HELLO)
			return KUDP_REL_HELLO;
	}
	if (ours) {
		if (from->sin_addr.s_addr != r->origin.sin_addr.s_addr ||
		    from->sin_port != r->origin.sin_port)
			return KUDP_REL_FOREIGN;
		if (h->segment != r->segment || h->total != r->total)
			return KUDP_REL_BAD;
		return h->type == KUDP_T_DATA ? KUDP_REL_DATA : KUDP_REL_CLOSE;
	}
	if ((r->done_id && from->sin_addr.s_addr == r->done_addr &&
	     kudp_wire_not_after(h->id, r->done_id)) ||
	    (busy && from->sin_addr.s_addr == r->origin.sin_addr.s_addr &&
	     kudp_wire_not_after(h->id, r->id)))
		return KUDP_REL_STALE;
	if (h->total > r->size)
		return KUDP_REL_TOO_BIG;
	if (busy && from->sin_addr.s_addr != r->origin.sin_addr.s_addr)
		return KUDP_REL_BUSY;
	return KUDP_REL_NEW;
}

/**
 * kudp_rel_rx_begin() - start receiving the message a datagram belongs to
 * @r: the receiver's state
 * @h: the header of a DATA or CLOSE that kudp_rel_rx_classify() called new
 * @from: where it came from: the message's origin, where its answers go
 * @local: the address it was sent to: where its answers come from
 * @nonce: with a key, the challenge it verified with: the message's now
 *
 * Forgets the previous message: its CRC-32 is reset (its workers waited for),
 * the map's chunk bitmap cleared (the map follows chunk by chunk). With a
 * key, a new challenge is offered.
 *
 * Context: the receiving work item; sleeps.
 */
void kudp_rel_rx_begin(struct kudp_rel_rx *r, const struct kudp_hdr *h,
		       const struct sockaddr_in *from, __be32 local, const u8 *nonce)
{
	if (r->key.set) {
		memcpy(r->nonce, nonce, sizeof(r->nonce));
		kudp_rel_rx_new_offer(r);
	}
	r->origin = *from;
	r->local = local;
	r->got = 0;
	r->sent = 0;
	r->id = h->id;
	r->segment = h->segment;
	r->total = h->total;
	kudp_map_reset(&r->map, r->total, r->segment);
	r->closed = false;
	r->fresh = false;
	r->complete = false;
	r->active = true;
	kudp_crc_reset(r->crcs, (u64)r->map.chunk_segs * r->segment, r->total);
	kudp_dbg("message %#llx from %pI4:%u: %llu bytes in %llu segments of %u\n",
		 r->id, &from->sin_addr, ntohs(from->sin_port), r->total, r->map.nsegs,
		 r->segment);
}

/**
 * kudp_rel_rx_received() - count a datagram of the message from its origin
 * @r: the receiver's state
 * @len: its length
 *
 * What the origin sent for the message is what the receiver may answer
 * it with (anti-amplification: see kudp_rel_rx_send()).
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_received(struct kudp_rel_rx *r, size_t len)
{
	r->got += len + KUDP_HEADERS;
}

/**
 * kudp_rel_rx_slot() - where a DATA's payload goes
 * @r: the receiver's state
 * @h: a DATA of the current message (kudp_rel_rx_classify())
 *
 * Context: the receiving work item.
 * Return: the place of its payload in the buffer, or NULL if its segment
 * already arrived (a duplicate: the bytes of a segment never change once
 * it arrived).
 */
void *kudp_rel_rx_slot(struct kudp_rel_rx *r, const struct kudp_hdr *h)
{
	return kudp_map_has(&r->map, div_u64(h->offset, r->segment)) ? NULL : r->buf + h->offset;
}

/**
 * kudp_rel_rx_placed() - count a DATA whose payload is in its place
 * @r: the receiver's state
 * @h: the DATA (its slot came from kudp_rel_rx_slot())
 * @len: the datagram's length
 *
 * Its segment is marked as arrived; a chunk made whole is handed to the
 * CRC-32's workers.
 *
 * Context: the receiving work item.
 * Return: the payload bytes stored.
 */
size_t kudp_rel_rx_placed(struct kudp_rel_rx *r, const struct kudp_hdr *h, size_t len)
{
	u64 seg = div_u64(h->offset, r->segment);

	r->fresh = true;
	if (kudp_map_set(&r->map, seg))
		kudp_crc_ready(r->crcs, div_u64(seg, r->map.chunk_segs));
	return len - h->len;
}

/**
 * kudp_rel_rx_close() - note the CLOSE of the current message
 * @r: the receiver's state
 * @h: its CLOSE
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_close(struct kudp_rel_rx *r, const struct kudp_hdr *h)
{
	r->crc = h->crc;
	r->closed = true;
}

/**
 * kudp_rel_rx_closes() - whether a CLOSE is the one the message had
 * @r: the receiver's state: its CLOSE came
 * @h: a CLOSE of the current message
 *
 * Context: the receiving work item.
 * Return: true if it announces the same CRC-32.
 */
bool kudp_rel_rx_closes(const struct kudp_rel_rx *r, const struct kudp_hdr *h)
{
	return r->closed && h->crc == r->crc;
}

/**
 * kudp_rel_rx_whole() - whether every segment of the message is there
 * @r: the receiver's state
 *
 * Context: the receiving work item.
 * Return: true when it is.
 */
bool kudp_rel_rx_whole(const struct kudp_rel_rx *r)
{
	return r->active && r->map.have == r->map.nsegs;
}

/**
 * kudp_rel_rx_complete() - the message is complete
 * @r: the receiver's state: whole, its CRC-32 right
 *
 * It stays the current message (its CLOSE is ACKed again, its DATA are
 * duplicates), and is the reference for stale ids from its address from
 * now on. A new challenge is offered.
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_complete(struct kudp_rel_rx *r)
{
	r->complete = true;
	r->done_id = r->id;
	r->done_addr = r->origin.sin_addr.s_addr;
	kudp_rel_rx_new_offer(r);
}

/**
 * kudp_rel_rx_forget() - the message is gone (discarded, or replaced)
 * @r: the receiver's state
 *
 * Its next datagram starts it anew. A new challenge is offered.
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_forget(struct kudp_rel_rx *r)
{
	r->active = false;
	kudp_rel_rx_new_offer(r);
}

/**
 * kudp_rel_rx_rekey() - take a new key, or none
 * @r: the receiver's state
 * @key: the key (copied)
 *
 * From the next datagram on. The message in progress, if any, was tagged
 * with the old key: its datagrams no longer verify, and it is discarded
 * after the hold. A new challenge is offered.
 *
 * Context: a work item on the receiving work item's workqueue.
 */
void kudp_rel_rx_rekey(struct kudp_rel_rx *r, const struct kudp_key *key)
{
	r->key = *key;
	kudp_rel_rx_new_offer(r);
}

/*
 * Send @len bytes of @buf (with room for a tag after them) about the
 * current message to its origin, tagged in version 2, from
 * the address its first datagram was sent to, if the budget allows: the
 * bytes answered to the origin never exceed the bytes it sent for the
 * message (QUIC's anti-amplification rule, RFC 9000 section 8, at 1x), so
 * that a forged source address never makes this host send its victim
 * more than the forger sent. Return 1 if the budget withheld it, else 0
 * or the send's error.
 */
static int kudp_rel_rx_send(struct kudp_rel_rx *r, struct socket *sock, void *buf, size_t len)
{
	u64 wire;
	int ret;

	/* Version 2: @buf has room for the tag. */
	if (r->key.set)
		len = kudp_key_seal(&r->key, r->nonce, buf, len);
	wire = len + KUDP_HEADERS;
	if (r->sent + wire > r->got) {
		kudp_dbg_rl("message %#llx: %zu-byte answer withheld: %llu sent, %llu got\n",
			    r->id, len, r->sent, r->got);
		return 1;
	}
	ret = kudp_sock_answer(sock, &r->origin, r->local, buf, len);
	if (!ret)
		r->sent += wire;
	return ret;
}

/**
 * kudp_rel_rx_nack() - tell the origin what is missing
 * @r: the receiver's state: a message not whole
 * @sock: the receiver's socket
 *
 * Up to %KUDP_NACK_BATCH NACKs of %KUDP_NACK_RANGES ranges each, the first
 * missing segments first; all but the last say more follow. Only one
 * unless DATA arrived since the last answer (a round trip: the resends
 * the last NACKs asked for), and none beyond the origin's budget
 * (kudp_rel_rx_send()): a CLOSE sent again, or forged, never brings back
 * more bytes than it had.
 *
 * Context: the receiving work item.
 * Return: 0 or the first send's error.
 */
int kudp_rel_rx_nack(struct kudp_rel_rx *r, struct socket *sock)
{
	unsigned int batch, most = r->fresh ? KUDP_NACK_BATCH : 1;
	unsigned int ranges = r->key.set ? KUDP_NACK_RANGES_KEYED : KUDP_NACK_RANGES;
	size_t len, tag = r->key.set ? KUDP_TAG_LEN : 0;
	u64 seg = 0;
	int ret = 0;

	r->fresh = false;
	for (batch = 0; batch < most && ret == 0; batch++) {
		/* Not even a one-range NACK fits the budget: no search either. */
		if (r->got < r->sent + KUDP_NACK_MIN + tag + KUDP_HEADERS) {
			ret = 1;
			break;
		}
		len = kudp_map_nack(&r->map, &seg, r->ctl, r->segment, r->id, ranges,
				    batch + 1 >= most);
		if (!len)
			break;
		ret = kudp_rel_rx_send(r, sock, r->ctl, len);
	}
	kudp_dbg_rl("message %#llx: %llu of %llu segments missing, %u NACKs\n",
		    r->id, r->map.nsegs - r->map.have, r->map.nsegs, batch);
	return ret > 0 ? 0 : ret;
}

/**
 * kudp_rel_rx_answer() - ACK or REFUSE the current message
 * @r: the receiver's state
 * @sock: the receiver's socket
 * @err: 0 for an ACK (whole, its CRC-32 right), or a positive errno to
 *	refuse it with (EBADMSG)
 *
 * To the message's origin, within its budget (kudp_rel_rx_nack()).
 *
 * Context: the receiving work item.
 * Return: 0 or the send's error.
 */
int kudp_rel_rx_answer(struct kudp_rel_rx *r, struct socket *sock, int err)
{
	u8 buf[sizeof(struct kudp_close_hdr) + KUDP_TAG_LEN];
	size_t len;
	int ret;

	if (err)
		len = kudp_wire_put_refuse(buf, r->segment, r->id, err);
	else
		len = kudp_wire_put_close(buf, KUDP_T_ACK, r->segment, r->id, r->total, r->crc);
	ret = kudp_rel_rx_send(r, sock, buf, len);
	return ret > 0 ? 0 : ret;
}

/**
 * kudp_rel_rx_refuse_big() - REFUSE a message too large for the buffer
 * @r: the receiver's state
 * @sock: the receiver's socket
 * @h: a DATA or CLOSE of it, that kudp_rel_rx_classify() called too big
 * @dg: the receive it came in: its source, and the address it was sent to
 * @nonce: with a key, the challenge it verified with: the REFUSE's
 *
 * No state is kept of such a message: the REFUSE (48 bytes on the wire)
 * answers its first DATA, then each of its CLOSEs (60 bytes each), to
 * where it came from, so it is never more than what came.
 *
 * Context: the receiving work item.
 * Return: 0 or the send's error.
 */
int kudp_rel_rx_refuse_big(struct kudp_rel_rx *r, struct socket *sock, const struct kudp_hdr *h,
			   const struct kudp_dgram *dg, const u8 *nonce)
{
	u8 refuse[sizeof(struct kudp_refuse_hdr) + KUDP_TAG_LEN];
	size_t len;

	if (h->id == r->refused_id && h->type == KUDP_T_DATA)
		return 0;
	r->refused_id = h->id;
	pr_warn_ratelimited("message %#llx from %pI4:%u: %llu bytes do not fit the %llu-byte buffer: refused\n",
			    h->id, &dg->from.sin_addr, ntohs(dg->from.sin_port), h->total, r->size);
	len = kudp_wire_put_refuse(refuse, h->segment, h->id, EFBIG);
	if (r->key.set)
		len = kudp_key_seal(&r->key, nonce, refuse, len);
	return kudp_sock_answer(sock, &dg->from, dg->to, refuse, len);
}

/**
 * kudp_rel_rx_challenge() - answer a HELLO with the challenge
 * @r: the receiver's state
 * @sock: the receiver's socket
 * @h: the HELLO (kudp_rel_rx_classify(): authentic)
 * @dg: the receive it came in: its source, and the address it was sent to
 *
 * The current message's challenge if the HELLO is of it, from its origin
 * (its sender asks again: the challenge stays), else the one offered. No
 * state is kept: the CHALLENGE is as large as the HELLO, and goes to
 * where it came from.
 *
 * Context: the receiving work item.
 * Return: 0 or the send's error.
 */
int kudp_rel_rx_challenge(struct kudp_rel_rx *r, struct socket *sock, const struct kudp_hdr *h,
			  const struct kudp_dgram *dg)
{
	u8 buf[sizeof(struct kudp_challenge_hdr) + KUDP_TAG_LEN];
	bool ours = r->active && h->id == r->id &&
		       dg->from.sin_addr.s_addr == r->origin.sin_addr.s_addr &&
		       dg->from.sin_port == r->origin.sin_port;
	size_t len;

	len = kudp_wire_put_challenge(buf, h->segment, h->id, ours ? r->nonce : r->offer);
	len = kudp_key_seal(&r->key, kudp_nonce_none, buf, len);
	kudp_dbg_rl("HELLO of message %#llx from %pI4:%u: %s challenge\n", h->id,
		    &dg->from.sin_addr, ntohs(dg->from.sin_port), ours ? "its" : "a new");
	return kudp_sock_answer(sock, &dg->from, dg->to, buf, len);
}
