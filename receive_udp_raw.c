// SPDX-License-Identifier: GPL-2.0
/*
 * receive_udp's raw engine: the specification's protocol. Every datagram's
 * payload is appended to the buffer; the message is complete when the
 * buffer is full or when no datagram has come for the idle time (the
 * "idle" parameter: 5 s, the specification's, unless set). After a
 * full-buffer completion, datagrams of the same burst (less than the idle
 * time apart) are counted as overflow and dropped; a pause of the idle
 * time ends the burst.
 *
 * Runs on the receiver's ordered workqueue (receive_udp.h).
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/mutex.h>
#include <linux/skbuff.h>

#include "receive_udp.h"

/* What a raw receiver says of a reliable sender's datagrams. */
#define RX_NOT_RAW	"a reliable-mode datagram (this receiver is in mode=raw)"

/*
 * Complete the message for @reason, once its CRC-32 covers every byte:
 * the chunks the CRC-32's workers have not done are shared between them
 * and this work item (kudp_crc_finish()). Nothing is completed when exit has
 * begun.
 */
static void receive_udp_raw_finish(struct kudp_rx *rx, enum kudp_reason reason)
{
	u32 crc;

	kudp_crc_upto(&rx->crc, rx->cur.bytes, true);
	if (!kudp_crc_finish(&rx->crc, &crc))
		return;
	mutex_lock(&rx->lock);
	rx->cur.crc = crc;
	receive_udp_complete(rx, reason);
	mutex_unlock(&rx->lock);
}

/*
 * File one receive (with GRO, a run of datagrams from one source) where
 * the message's state says. @burst: the idle timer was queued when the
 * drain came to it (less than the idle time since the last datagram).
 */
static void receive_udp_raw_take(struct kudp_rx *rx, const struct kudp_dgram *dg, bool burst)
{
	u8 head[sizeof(struct kudp_common_hdr)];
	size_t stored, room;
	const void *h;

	h = skb_header_pointer(dg->skb, 0, min(dg->len, sizeof(head)), head);
	if (kudp_wire_is_reliable(h, min(dg->len, sizeof(head)))) {
		receive_udp_reject(rx, &dg->from, kudp_dgram_count(dg, dg->len), RX_NOT_RAW);
		return;
	}

	if (rx->state == KUDP_STATE_COMPLETE && rx->reason == KUDP_REASON_FULL && burst) {
		/* The burst that filled the buffer goes on. */
		receive_udp_arm_timer(rx);
		mutex_lock(&rx->lock);
		rx->overflow += dg->len;
		mutex_unlock(&rx->lock);
		return;
	}
	if (rx->state != KUDP_STATE_RECEIVING) {
		receive_udp_start(rx);
		/* Its length is known when it completes. */
		kudp_crc_reset(&rx->crc, KUDP_CRC_CHUNK, 0);
	}
	receive_udp_arm_timer(rx);

	room = rx->size - rx->cur.bytes;
	stored = min(dg->len, room);
	if (skb_copy_bits(dg->skb, 0, rx->buf + rx->cur.bytes, stored))
		return;
	mutex_lock(&rx->lock);
	kudp_xfer_add(&rx->cur, stored, kudp_dgram_count(dg, stored));
	rx->overflow += dg->len - stored;
	mutex_unlock(&rx->lock);
	kudp_crc_upto(&rx->crc, rx->cur.bytes, false);
	if (rx->cur.bytes == rx->size)
		receive_udp_raw_finish(rx, KUDP_REASON_FULL);
}

/* The idle time without a datagram: the message is complete. */
static void receive_udp_raw_idle(struct kudp_rx *rx)
{
	receive_udp_raw_finish(rx, KUDP_REASON_IDLE);
}

static unsigned int receive_udp_raw_idle_ms(const struct kudp_rx *rx)
{
	return READ_ONCE(rx->idle) * MSEC_PER_SEC;
}

const struct kudp_rx_engine receive_udp_raw = {
	.name = "raw",
	.take = receive_udp_raw_take,
	.idle = receive_udp_raw_idle,
	.idle_ms = receive_udp_raw_idle_ms,
};
