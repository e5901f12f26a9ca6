/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kudp's reliable mode on the wire (Documentation/protocol.rst): the
 * header every datagram carries, and the checks a received one must pass.
 * Shared by send_udp and receive_udp; the raw mode uses none of it.
 */
#ifndef _KUDP_PROTO_H
#define _KUDP_PROTO_H

#include <linux/in.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "kudp_core.h"

#define KUDP_PROTO_MAGIC	0x4b554450	/* "KUDP" */
#define KUDP_PROTO_VERSION	1
/* Payload bytes per DATA datagram: at least this, so that the map of what
 * arrived (one bit per segment) stays within buffer_size / 4096.
 */
#define KUDP_SEGMENT_MIN	512U
/* The largest UDP payload less the DATA header. */
#define KUDP_SEGMENT_MAX	(65507U - sizeof(struct kudp_data_hdr))
/* Ranges per NACK: a NACK fits a 1472-byte datagram (a 1500-byte MTU). */
#define KUDP_NACK_RANGES	181
/* NACKs that answer one CLOSE, at most. */
#define KUDP_NACK_BATCH		16
/* The largest control datagram: a full NACK. */
#define KUDP_CONTROL_MAX	(sizeof(struct kudp_nack_hdr) + \
				 KUDP_NACK_RANGES * sizeof(struct kudp_nack_range))

enum kudp_proto_type {
	KUDP_T_DATA = 1,
	KUDP_T_CLOSE = 2,
	KUDP_T_NACK = 3,
	KUDP_T_ACK = 4,
	KUDP_T_REFUSE = 5,
};

/**
 * struct kudp_common_hdr - the first 16 bytes of every datagram
 * @magic: %KUDP_PROTO_MAGIC
 * @version: %KUDP_PROTO_VERSION
 * @type: &enum kudp_proto_type
 * @segment: payload bytes per DATA datagram of the message
 * @id: the message: a random instance (upper 32 bits) and a count
 */
struct kudp_common_hdr {
	__be32 magic;
	u8 version;
	u8 type;
	__be16 segment;
	__be64 id;
} __packed;

/**
 * struct kudp_data_hdr - a DATA datagram's header; the payload follows
 * @c: the common header
 * @offset: where the payload goes in the message, a multiple of segment
 * @total: the message's length
 */
struct kudp_data_hdr {
	struct kudp_common_hdr c;
	__be64 offset;
	__be64 total;
} __packed;

/**
 * struct kudp_close_hdr - CLOSE (sender) and ACK (receiver)
 * @c: the common header
 * @total: the message's length
 * @crc: its CRC-32 (zlib's)
 * @zero: 0
 */
struct kudp_close_hdr {
	struct kudp_common_hdr c;
	__be64 total;
	__be32 crc;
	__be32 zero;
} __packed;

/**
 * struct kudp_nack_range - a run of missing segments
 * @first: the first one's number (offset / segment)
 * @count: how many
 */
struct kudp_nack_range {
	__be32 first;
	__be32 count;
} __packed;

/* NACK flags: further NACKs answer the same CLOSE. */
#define KUDP_NACK_MORE		0x0001

/**
 * struct kudp_nack_hdr - NACK: what is missing
 * @c: the common header
 * @ranges: how many &struct kudp_nack_range follow, at most
 *	%KUDP_NACK_RANGES
 * @flags: %KUDP_NACK_MORE, or 0 in the last NACK that answers a CLOSE
 * @missing: segments missing in all, when the CLOSE came
 * @range: the runs of missing segments
 */
struct kudp_nack_hdr {
	struct kudp_common_hdr c;
	__be16 ranges;
	__be16 flags;
	__be32 missing;
	struct kudp_nack_range range[];
} __packed;

/**
 * struct kudp_refuse_hdr - REFUSE: the message cannot be taken
 * @c: the common header
 * @err: a positive errno: EFBIG, EBADMSG
 */
struct kudp_refuse_hdr {
	struct kudp_common_hdr c;
	__be32 err;
} __packed;

static_assert(sizeof(struct kudp_common_hdr) == 16);
static_assert(sizeof(struct kudp_data_hdr) == 32);
static_assert(sizeof(struct kudp_close_hdr) == 32);
static_assert(sizeof(struct kudp_nack_hdr) == 24);
static_assert(sizeof(struct kudp_refuse_hdr) == 20);

int kudp_proto_check(const void *buf, size_t len);
bool kudp_proto_is_reliable(const void *buf, size_t len);

/**
 * struct kudp_rel_sender - what a reliable sender keeps between messages
 * @instance: the upper half of its message ids, random, drawn at load
 * @count: messages it started since load: the lower half
 * @srtt_us: smoothed round trip from CLOSE to its answer, 0 before the
 *	first is measured
 * @rejected: control datagrams dropped: malformed, or not for the message
 *	being sent. Written by the send work only, with WRITE_ONCE()
 * @resent: DATA datagrams of the last send that were sent again
 *
 * Only the send work touches it (it runs one send at a time), but
 * @rejected, which the statistics read with READ_ONCE().
 */
struct kudp_rel_sender {
	u32 instance;
	u32 count;
	u32 srtt_us;
	u64 rejected;
	u64 resent;
};

int kudp_rel_send(struct kudp_rel_sender *s, struct socket *sock,
		  const void *buf, size_t len, u32 crc,
		  const struct kudp_send_opts *opts, struct kudp_xfer *xfer,
		  unsigned int hold_s);

/**
 * struct kudp_rel_rx - the receiving side of the reliable mode
 * @buf: the receiver's buffer (receive_udp's), @size bytes
 * @size: its capacity
 * @ctl: a NACK being built, %KUDP_CONTROL_MAX bytes
 * @map: one bit per segment of the message: it arrived. Valid in the
 *	chunks of @chunk_init only (the others: nothing arrived)
 * @chunk_left: per CRC chunk of @chunk_init, its segments still missing
 * @chunk_crc: per CRC chunk, the CRC-32 of its bytes (crc32_le(), from ~0
 *	for the first chunk, from 0 for the others)
 * @chunk_init: chunks whose part of @map and whose @chunk_left are set up
 *	for the message (when its first DATA arrived)
 * @chunk_ready: chunks whole whose CRC-32 nobody has computed; set by the
 *	receive, claimed with test_and_clear_bit() by @crc_work or by
 *	kudp_rel_rx_crc()
 * @chunk_done: chunks whose @chunk_crc is computed
 * @max_chunks: entries of the chunk arrays
 * @crc_work: computes the CRC-32 of chunks as they become whole, on the
 *	system's unbound workqueue, one chunk a pass: the message's CRC-32
 *	keeps up with a message that arrives in any order
 * @stopping: set by kudp_rel_rx_stop(): @crc_work does not queue itself
 *	again
 * @active: a message is being received (or is complete) under @id
 * @complete: it is complete (kudp_rel_rx_complete())
 * @id: the current message's id, or the last one's
 * @done_id: the id of the last message that completed, 0 if none: the
 *	reference for stale ids from @done_addr
 * @done_addr: the address that message came from
 * @origin: where the message's first datagram came from: only its
 *	datagrams count, and its answers go there
 * @local: the address that datagram was sent to: its answers come from it
 * @got: bytes on the wire (payload and IP and UDP headers) that @origin
 *	sent for the message
 * @sent: bytes on the wire answered to @origin: never more than @got
 * @segment: its payload bytes per DATA
 * @total: its length
 * @nsegs: its segments
 * @have: segments arrived
 * @chunk_segs: segments per CRC chunk
 * @nchunks: its CRC chunks
 * @closed: its CLOSE arrived, with @crc
 * @crc: the CRC-32 the CLOSE announced
 * @fresh: DATA arrived since the last NACKs
 * @refused_id: the last message refused as too large (one REFUSE at its
 *	first DATA, then at each CLOSE)
 *
 * All but the chunk bitmaps and @stopping belong to the receiving work
 * item (receive_udp's ordered workqueue: one at a time).
 */
struct kudp_rel_rx {
	void *buf;
	u64 size;
	void *ctl;
	unsigned long *map;
	u32 *chunk_left;
	u32 *chunk_crc;
	unsigned long *chunk_init;
	unsigned long *chunk_ready;
	unsigned long *chunk_done;
	size_t max_chunks;
	struct work_struct crc_work;
	bool stopping;

	bool active;
	bool complete;
	u64 id;
	u64 done_id;
	__be32 done_addr;
	struct sockaddr_in origin;
	__be32 local;
	u64 got;
	u64 sent;
	u32 segment;
	u64 total;
	u64 nsegs;
	u64 have;
	u32 chunk_segs;
	size_t nchunks;
	bool closed;
	u32 crc;
	bool fresh;
	u64 refused_id;
};

/**
 * enum kudp_rel_verdict - what a datagram is to the receiver
 * @KUDP_REL_BAD: malformed, or not a type a receiver takes
 * @KUDP_REL_FOREIGN: of the current message, from another source than its
 *	origin
 * @KUDP_REL_STALE: of an older message of the current sender
 * @KUDP_REL_TOO_BIG: of a new message that does not fit the buffer
 * @KUDP_REL_BUSY: of a new message from another address than the origin
 *	of the message in progress: it waits until that one ends
 * @KUDP_REL_NEW: the first of a new message: kudp_rel_rx_begin() it
 * @KUDP_REL_DATA: DATA of the current message, from its origin
 * @KUDP_REL_CLOSE: CLOSE of the current message, from its origin
 */
enum kudp_rel_verdict {
	KUDP_REL_BAD,
	KUDP_REL_FOREIGN,
	KUDP_REL_STALE,
	KUDP_REL_TOO_BIG,
	KUDP_REL_BUSY,
	KUDP_REL_NEW,
	KUDP_REL_DATA,
	KUDP_REL_CLOSE,
};

int kudp_rel_rx_init(struct kudp_rel_rx *r, void *buf, u64 size);
void kudp_rel_rx_stop(struct kudp_rel_rx *r);
void kudp_rel_rx_free(struct kudp_rel_rx *r);
enum kudp_rel_verdict kudp_rel_rx_classify(const struct kudp_rel_rx *r, const void *hdr,
					   size_t len, const struct sockaddr_in *from);
void kudp_rel_rx_begin(struct kudp_rel_rx *r, const void *hdr,
		       const struct sockaddr_in *from, __be32 local);
void kudp_rel_rx_received(struct kudp_rel_rx *r, size_t len);
void *kudp_rel_rx_slot(struct kudp_rel_rx *r, const void *hdr);
size_t kudp_rel_rx_placed(struct kudp_rel_rx *r, const void *hdr, size_t len);
void kudp_rel_rx_close(struct kudp_rel_rx *r, const void *hdr);
bool kudp_rel_rx_closes(const struct kudp_rel_rx *r, const void *hdr);
bool kudp_rel_rx_whole(const struct kudp_rel_rx *r);
void kudp_rel_rx_complete(struct kudp_rel_rx *r);
bool kudp_rel_rx_crc(struct kudp_rel_rx *r, u32 *state);
int kudp_rel_rx_nack(struct kudp_rel_rx *r, struct socket *sock);
int kudp_rel_rx_answer(struct kudp_rel_rx *r, struct socket *sock, int err);
int kudp_rel_rx_refuse_big(struct kudp_rel_rx *r, struct socket *sock, const void *hdr,
			   const struct kudp_dgram *dg);

#endif /* _KUDP_PROTO_H */
