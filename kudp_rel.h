/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kudp's reliable mode (Documentation/protocol.rst): the sender's side
 * and the receiver's. The wire format is kudp_wire.h's. Shared by send_udp
 * and receive_udp; the raw mode uses none of it.
 */
#ifndef _KUDP_REL_H
#define _KUDP_REL_H

#include <linux/in.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "kudp_core.h"
#include "kudp_crc.h"
#include "kudp_wire.h"

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

/* The most receivers a message sent to a group follows (send_udp's receivers). */
#define KUDP_RECEIVERS_MAX	16

/* &kudp_rel_peer.result while the receiver's copy is being repaired. */
#define KUDP_PEER_ACTIVE	1

/**
 * struct kudp_rel_peer - one receiver of a message sent to a group
 * @addr: where its answers come from: its address and port
 * @result: %KUDP_PEER_ACTIVE while the sender repairs its copy; 0 once it
 *	confirmed the message (length and CRC-32); a negative errno once it
 *	failed: -ETIMEDOUT (no progress for the hold), or its REFUSE's
 *	(-EFBIG, -EBADMSG, -EPROTO)
 * @missing: the segments its last round's first NACK said were missing
 * @progress_ns: when it last made progress, or first answered
 * @first: no NACK of it in this round yet
 * @answered: it answered this round whole: a NACK without MORE
 */
struct kudp_rel_peer {
	struct sockaddr_in addr;
	int result;
	u64 missing;
	u64 progress_ns;
	bool first;
	bool answered;
};

/**
 * struct kudp_rel_group - the receivers of a message sent to a group
 * @want: how many must confirm it (send_udp's receivers); 0: the sender
 *	waits for none
 * @n: the receivers that answered, in @peer in the order they first did
 * @peer: them
 *
 * Written by the send work during the send (kudp_rel_send()).
 */
struct kudp_rel_group {
	unsigned int want;
	unsigned int n;
	struct kudp_rel_peer peer[KUDP_RECEIVERS_MAX];
};

int kudp_rel_send(struct kudp_rel_sender *s, struct socket *sock,
		  const void *buf, size_t len, u32 crc,
		  const struct kudp_send_opts *opts, struct kudp_xfer *xfer,
		  unsigned int hold_s, const struct kudp_key *key,
		  struct kudp_rel_group *group);

/**
 * struct kudp_rel_rx - the receiving side of the reliable mode
 * @buf: the receiver's buffer (receive_udp's), @size bytes
 * @size: its capacity
 * @ctl: a NACK being built, %KUDP_CONTROL_MAX bytes
 * @map: which segments of the message arrived
 * @crcs: the receiver's CRC-32 machine (kudp_crc.h): each chunk of @map
 *	goes to it when it becomes whole, so the message's CRC-32 keeps up
 *	with a message that arrives in any order
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
 * @closed: its CLOSE arrived, with @crc
 * @crc: the CRC-32 the CLOSE announced
 * @fresh: DATA arrived since the last NACKs
 * @refused_id: the last message refused as too large (one REFUSE at its
 *	first DATA, then at each CLOSE)
 * @key: the shared key, or none: with one, only version 2 is taken, and
 *	only what authenticates (Documentation/protocol.rst). Replaced by
 *	kudp_rel_rx_rekey() only, from a work item on the same workqueue
 * @nonce: version 2: the current message's challenge: its datagrams and
 *	its answers are tagged with it
 * @offer: version 2: the challenge a HELLO of a new message gets, and
 *	that a new message's first datagram must be tagged with; drawn again
 *	whenever a message starts, completes or is discarded, and when the
 *	key changes, so that no captured datagram verifies again
 *
 * All of it belongs to the receiving work item (receive_udp's ordered
 * workqueue: one at a time).
 */
struct kudp_rel_rx {
	void *buf;
	u64 size;
	void *ctl;
	struct kudp_map map;
	struct kudp_crc *crcs;

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
	bool closed;
	u32 crc;
	bool fresh;
	u64 refused_id;
	struct kudp_key key;
	u8 nonce[KUDP_NONCE_LEN];
	u8 offer[KUDP_NONCE_LEN];
};

/**
 * enum kudp_rel_verdict - what a datagram is to the receiver
 * @KUDP_REL_BAD: malformed, or not a type a receiver takes
 * @KUDP_REL_VERSION: of version 1 with a key set, or of version 2 without
 * @KUDP_REL_FORGED: version 2: its tag does not verify
 * @KUDP_REL_HELLO: version 2: a HELLO: kudp_rel_rx_challenge() answers it
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
	KUDP_REL_VERSION,
	KUDP_REL_FORGED,
	KUDP_REL_HELLO,
	KUDP_REL_FOREIGN,
	KUDP_REL_STALE,
	KUDP_REL_TOO_BIG,
	KUDP_REL_BUSY,
	KUDP_REL_NEW,
	KUDP_REL_DATA,
	KUDP_REL_CLOSE,
};

int kudp_rel_rx_init(struct kudp_rel_rx *r, void *buf, u64 size, struct kudp_crc *crcs);
void kudp_rel_rx_free(struct kudp_rel_rx *r);
enum kudp_rel_verdict kudp_rel_rx_classify(const struct kudp_rel_rx *r, const struct kudp_hdr *h,
					   const struct kudp_dgram *dg, size_t off, size_t len,
					   u8 *nonce);
void kudp_rel_rx_begin(struct kudp_rel_rx *r, const struct kudp_hdr *h,
		       const struct sockaddr_in *from, __be32 local, const u8 *nonce);
void kudp_rel_rx_forget(struct kudp_rel_rx *r);
void kudp_rel_rx_rekey(struct kudp_rel_rx *r, const struct kudp_key *key);
void kudp_rel_rx_received(struct kudp_rel_rx *r, size_t len);
void *kudp_rel_rx_slot(struct kudp_rel_rx *r, const struct kudp_hdr *h);
size_t kudp_rel_rx_placed(struct kudp_rel_rx *r, const struct kudp_hdr *h, size_t len);
void kudp_rel_rx_close(struct kudp_rel_rx *r, const struct kudp_hdr *h);
bool kudp_rel_rx_closes(const struct kudp_rel_rx *r, const struct kudp_hdr *h);
bool kudp_rel_rx_whole(const struct kudp_rel_rx *r);
void kudp_rel_rx_complete(struct kudp_rel_rx *r);
int kudp_rel_rx_nack(struct kudp_rel_rx *r, struct socket *sock);
int kudp_rel_rx_answer(struct kudp_rel_rx *r, struct socket *sock, int err);
int kudp_rel_rx_refuse_big(struct kudp_rel_rx *r, struct socket *sock, const struct kudp_hdr *h,
			   const struct kudp_dgram *dg, const u8 *nonce);
int kudp_rel_rx_challenge(struct kudp_rel_rx *r, struct socket *sock, const struct kudp_hdr *h,
			  const struct kudp_dgram *dg);

#endif /* _KUDP_REL_H */
