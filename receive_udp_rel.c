// SPDX-License-Identifier: GPL-2.0
/*
 * receive_udp's reliable engine (mode=reliable, Documentation/protocol.rst):
 * each datagram says where its payload goes, the sender resends what is
 * missing, and the message is complete as soon as it is whole and its
 * CRC-32 is the one announced; an incomplete one is kept "hold" seconds
 * (60) after its last datagram, then discarded. The protocol's state is
 * kudp_rel_rx.c's (struct kudp_rel_rx, rx->rel); this file ties it to the
 * receiver's message.
 *
 * Runs on the receiver's ordered workqueue (receive_udp.h), which owns
 * rx->rel.
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>

#include "receive_udp.h"

static unsigned int receive_udp_rel_idle_ms(const struct kudp_rx *rx)
{
	return READ_ONCE(rx->hold) * MSEC_PER_SEC;
}

/*
 * The message stayed incomplete for hold seconds after its last datagram:
 * discard it.
 */
static void receive_udp_rel_incomplete(struct kudp_rx *rx)
{
	unsigned int s = receive_udp_rel_idle_ms(rx) / MSEC_PER_SEC;

	pr_warn_ratelimited("message %#llx incomplete %u s after its last datagram (%llu of %llu bytes): discarded\n",
			    rx->rel.id, s, rx->cur.bytes, rx->rel.total);
	mutex_lock(&rx->lock);
	receive_udp_set_empty(rx, KUDP_CAUSE_INCOMPLETE);
	mutex_unlock(&rx->lock);
}

/* An answer could not be sent: count it (@ret < 0). */
static void receive_udp_answered(struct kudp_rx *rx, int ret)
{
	if (ret >= 0)
		return;
	kudp_dbg_rl("an answer could not be sent: error %d\n", ret);
	receive_udp_error(rx, ret);
}

/*
 * The message is whole and its CLOSE came: complete it and
 * ACK it if its CRC-32 is the one announced, else discard it and REFUSE
 * it.
 */
static void receive_udp_rel_finish(struct kudp_rx *rx)
{
	bool right;
	u32 crc;

	if (!kudp_crc_finish(&rx->crc, &crc))
		return;
	mutex_lock(&rx->lock);
	right = ~crc == rx->rel.crc;
	if (right) {
		rx->cur.crc = crc;
		kudp_rel_rx_complete(&rx->rel);
		receive_udp_complete(rx, KUDP_REASON_WHOLE);
	} else {
		pr_warn_ratelimited("message %#llx: its CRC-32 is %08x, the sender announced %08x: discarded\n",
				    rx->rel.id, ~crc, rx->rel.crc);
		receive_udp_set_empty(rx, KUDP_CAUSE_CRC);
	}
	mutex_unlock(&rx->lock);
	receive_udp_answered(rx, kudp_rel_rx_answer(&rx->rel, rx->sock, right ? 0 : EBADMSG));
}

/*
 * File the datagram of @len bytes at @off in @dg (Documentation/protocol.rst,
 * "The receiver").
 */
static void receive_udp_rel_take_one(struct kudp_rx *rx, const struct kudp_dgram *dg,
				     size_t off, size_t len)
{
	/* The largest header a receiver takes, its tag included. */
	u8 buf[sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN];
	enum kudp_rel_verdict verdict = KUDP_REL_BAD;
	u8 nonce[KUDP_NONCE_LEN];
	struct kudp_hdr h;
	size_t stored;
	void *slot;

	/* The header once: every later look reads h. */
	if (kudp_wire_parse(skb_header_pointer(dg->skb, off, min(len, sizeof(buf)), buf),
			    len, &h) > 0)
		verdict = kudp_rel_rx_classify(&rx->rel, &h, dg, off, len, nonce);
	switch (verdict) {
	case KUDP_REL_BAD:
		receive_udp_reject(rx, &dg->from, 1,
				   "malformed, or not a reliable-mode DATA, CLOSE or HELLO");
		return;
	case KUDP_REL_VERSION:
		receive_udp_reject(rx, &dg->from, 1, rx->rel.key.set ?
				   "of version 1, and a key is set" :
				   "of version 2 (authenticated), and no key is set");
		return;
	case KUDP_REL_FORGED:
		receive_udp_reject(rx, &dg->from, 1,
				   "does not authenticate (another key, or a replay)");
		return;
	case KUDP_REL_HELLO:
		receive_udp_answered(rx, kudp_rel_rx_challenge(&rx->rel, rx->sock, &h, dg));
		return;
	case KUDP_REL_FOREIGN:
		receive_udp_reject(rx, &dg->from, 1, "of the message, not from its sender");
		return;
	case KUDP_REL_STALE:
		receive_udp_reject(rx, &dg->from, 1, "of an earlier message");
		return;
	case KUDP_REL_TOO_BIG:
		receive_udp_reject(rx, &dg->from, 1, "of a message larger than the buffer");
		receive_udp_answered(rx, kudp_rel_rx_refuse_big(&rx->rel, rx->sock, &h, dg, nonce));
		return;
	case KUDP_REL_BUSY:
		receive_udp_reject(rx, &dg->from, 1, "a new message, another sender's in progress");
		return;
	case KUDP_REL_NEW:
		receive_udp_start(rx);
		kudp_rel_rx_begin(&rx->rel, &h, &dg->from, dg->to, nonce);
		break;
	default:
		break;
	}
	kudp_rel_rx_received(&rx->rel, len);

	if (rx->state == KUDP_STATE_COMPLETE) {
		/* Late or resent: the ACK went missing if it is the CLOSE. */
		if (h.type != KUDP_T_CLOSE)
			return;
		if (kudp_rel_rx_closes(&rx->rel, &h))
			receive_udp_answered(rx, kudp_rel_rx_answer(&rx->rel, rx->sock, 0));
		else
			receive_udp_reject(rx, &dg->from, 1, "a CLOSE with another CRC-32");
		return;
	}
	receive_udp_arm_timer(rx);
	if (h.type == KUDP_T_DATA) {
		slot = kudp_rel_rx_slot(&rx->rel, &h);
		if (!slot || skb_copy_bits(dg->skb, off + h.len, slot, len - h.len))
			return;
		stored = kudp_rel_rx_placed(&rx->rel, &h, len);
		mutex_lock(&rx->lock);
		kudp_xfer_add(&rx->cur, stored, 1);
		mutex_unlock(&rx->lock);
	} else {
		kudp_rel_rx_close(&rx->rel, &h);
		if (!kudp_rel_rx_whole(&rx->rel))
			receive_udp_answered(rx, kudp_rel_rx_nack(&rx->rel, rx->sock));
	}
	if (rx->rel.closed && kudp_rel_rx_whole(&rx->rel))
		receive_udp_rel_finish(rx);
}

/* Each datagram of a GRO run on its own; an empty one is malformed. */
static void receive_udp_rel_take(struct kudp_rx *rx, const struct kudp_dgram *dg, bool burst)
{
	size_t off = 0, piece;

	do {
		piece = dg->seg_size ? min_t(size_t, dg->len - off, dg->seg_size) : dg->len - off;
		receive_udp_rel_take_one(rx, dg, off, piece);
		off += piece;
	} while (off < dg->len);
}

static int receive_udp_rel_init(struct kudp_rx *rx)
{
	int ret = kudp_rel_rx_init(&rx->rel, rx->buf, rx->size, &rx->crc);

	if (ret)
		pr_err("mode=reliable: no memory for the map of what arrived\n");
	return ret;
}

/* The message is gone: its next datagram starts it anew. */
static void receive_udp_rel_forget(struct kudp_rx *rx)
{
	kudp_rel_rx_forget(&rx->rel);
}

static void receive_udp_rel_free(struct kudp_rx *rx)
{
	kudp_rel_rx_free(&rx->rel);
}

const struct kudp_rx_engine receive_udp_rel = {
	.name = "reliable",
	.init = receive_udp_rel_init,
	.free = receive_udp_rel_free,
	.take = receive_udp_rel_take,
	.idle = receive_udp_rel_incomplete,
	.idle_ms = receive_udp_rel_idle_ms,
	.forget = receive_udp_rel_forget,
};
