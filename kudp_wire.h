/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The reliable mode on the wire (Documentation/protocol.rst), and the pure
 * arithmetic of both its sides: the headers, parsed once into a typed
 * struct kudp_hdr; the ids' order; the round-trip timer; the map of the
 * segments that arrived and the NACKs built from it.
 *
 * Nothing here sleeps, locks, allocates or touches a socket: the caller
 * owns every object it passes. That is what lets the unit tier
 * (tests/unit, make unit) compile kudp_wire.c in user space, against a
 * shim of the few kernel headers it includes.
 */
#ifndef _KUDP_WIRE_H
#define _KUDP_WIRE_H

#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>

#define KUDP_PROTO_MAGIC	0x4b554450	/* "KUDP" */
#define KUDP_PROTO_VERSION	1
/* Version 2: version 1 with a tag after each type's header (a shared key). */
#define KUDP_PROTO_KEYED	2
/* The tag's bytes, and the nonce's it is computed with. */
#define KUDP_TAG_LEN		16
#define KUDP_NONCE_LEN		16
/* Payload bytes per DATA datagram: at least this, so that the map of what
 * arrived (one bit per segment) stays within buffer_size / 4096.
 */
#define KUDP_SEGMENT_MIN	512U
/* The largest UDP payload less the DATA header. */
#define KUDP_SEGMENT_MAX	(65507U - sizeof(struct kudp_data_hdr))
/*
 * Ranges per NACK: a NACK fits a 1472-byte datagram (a 1500-byte MTU),
 * its tag included in version 2.
 */
#define KUDP_NACK_RANGES	181
#define KUDP_NACK_RANGES_KEYED	179
/* NACKs that answer one CLOSE, at most. */
#define KUDP_NACK_BATCH		16
/* The smallest NACK: one range. */
#define KUDP_NACK_MIN		(sizeof(struct kudp_nack_hdr) + sizeof(struct kudp_nack_range))
/* The largest control datagram: a full NACK (with its tag: as large). */
#define KUDP_CONTROL_MAX	(sizeof(struct kudp_nack_hdr) + \
				 KUDP_NACK_RANGES * sizeof(struct kudp_nack_range))

enum kudp_proto_type {
	KUDP_T_DATA = 1,
	KUDP_T_CLOSE = 2,
	KUDP_T_NACK = 3,
	KUDP_T_ACK = 4,
	KUDP_T_REFUSE = 5,
	KUDP_T_HELLO = 6,
	KUDP_T_CHALLENGE = 7,
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

/**
 * struct kudp_hello_hdr - HELLO (version 2): the sender asks for a challenge
 * @c: the common header
 * @total: the message's length
 * @zero: 0
 */
struct kudp_hello_hdr {
	struct kudp_common_hdr c;
	__be64 total;
	__be64 zero;
} __packed;

/**
 * struct kudp_challenge_hdr - CHALLENGE (version 2): the receiver's answer
 * @c: the common header, the HELLO's id
 * @nonce: the challenge: the message's datagrams are tagged with it
 */
struct kudp_challenge_hdr {
	struct kudp_common_hdr c;
	u8 nonce[KUDP_NONCE_LEN];
} __packed;

static_assert(sizeof(struct kudp_common_hdr) == 16);
static_assert(sizeof(struct kudp_data_hdr) == 32);
static_assert(sizeof(struct kudp_close_hdr) == 32);
static_assert(sizeof(struct kudp_nack_hdr) == 24);
static_assert(sizeof(struct kudp_refuse_hdr) == 20);
static_assert(sizeof(struct kudp_hello_hdr) == sizeof(struct kudp_challenge_hdr));
static_assert(sizeof(struct kudp_nack_hdr) + KUDP_TAG_LEN +
	      KUDP_NACK_RANGES_KEYED * sizeof(struct kudp_nack_range) <= KUDP_CONTROL_MAX);

/**
 * struct kudp_hdr - a reliable-mode header, parsed (kudp_wire_parse())
 * @type: &enum kudp_proto_type
 * @segment: payload bytes per DATA datagram of the message
 * @id: the message
 * @len: the header's length, its tag included: a DATA's payload, or a
 *	NACK's ranges, follow it
 * @tag: version 2: where the tag is (the type's header's length); 0 in
 *	version 1
 * @offset: DATA: where its payload goes
 * @total: DATA, CLOSE, ACK, HELLO: the message's length
 * @crc: CLOSE, ACK: the message's CRC-32
 * @ranges: NACK: how many ranges follow (all of them are there)
 * @flags: NACK: %KUDP_NACK_MORE or 0
 * @missing: NACK: segments missing in all
 * @err: REFUSE: its positive errno
 * @nonce: CHALLENGE: the challenge
 *
 * Only the fields of @type are set; the others are 0.
 */
struct kudp_hdr {
	u8 type;
	u32 segment;
	u64 id;
	size_t len;
	size_t tag;
	u64 offset;
	u64 total;
	u32 crc;
	u16 ranges;
	u16 flags;
	u32 missing;
	u32 err;
	u8 nonce[KUDP_NONCE_LEN];
};

size_t kudp_wire_hdr_len(unsigned int type);
int kudp_wire_parse(const void *buf, size_t len, struct kudp_hdr *h);
bool kudp_wire_is_reliable(const void *buf, size_t len);
void kudp_wire_common(struct kudp_common_hdr *c, unsigned int type, u32 segment, u64 id);
size_t kudp_wire_put_close(void *buf, unsigned int type, u32 segment, u64 id, u64 total,
			   u32 crc);
size_t kudp_wire_put_refuse(void *buf, u32 segment, u64 id, u32 err);
size_t kudp_wire_put_hello(void *buf, u32 segment, u64 id, u64 total);
size_t kudp_wire_put_challenge(void *buf, u32 segment, u64 id, const u8 *nonce);
int kudp_wire_nack_range(const void *ranges, unsigned int i, u64 nsegs, u64 *first, u64 *count);
bool kudp_wire_not_after(u64 id, u64 ref);

/*
 * The CLOSE timer: 4 round trips, from 10 ms to 2 s; 200 ms before any.
 * It doubles after each expiry: a cable out for a minute costs some 30
 * CLOSEs, and a receiver back on line hears the next within 2 s.
 */
#define KUDP_RTO_INIT_US	200000U
#define KUDP_RTO_MIN_US		10000U
#define KUDP_RTO_MAX_US		2000000U

u32 kudp_wire_srtt(u32 srtt_us, u64 sample_ns);
u32 kudp_wire_rto(u32 srtt_us);
u32 kudp_wire_rto_backoff(u32 rto_us);

/*
 * The message's CRC-32 is computed a chunk at a time, as each chunk
 * becomes whole, in whatever order: about this many bytes (a whole number
 * of segments), joined in order at the end (kudp_map_crc()).
 */
#define KUDP_CRC_CHUNK		SZ_1M

/**
 * struct kudp_map - which segments of a message arrived
 * @bits: one bit per segment: it arrived. Valid in the chunks of @init
 *	only (in the others nothing arrived)
 * @left: per CRC chunk of @init, its segments still missing
 * @init: chunks whose part of @bits and whose @left are set up: the map
 *	is set up lazily, a CRC chunk at a time, when the chunk's first
 *	segment arrives, so a new message costs a few words, not a clear
 *	of up to 1 MiB that any datagram of a new id could ask for
 * @nsegs: the message's segments
 * @have: segments arrived
 * @chunk_segs: segments per CRC chunk
 * @nchunks: the message's CRC chunks
 *
 * The arrays are the caller's (kudp_map_max_chunks() says how large), and so
 * is the locking: kudp_rel_rx keeps one, owned by the receiving work.
 */
struct kudp_map {
	unsigned long *bits;
	u32 *left;
	unsigned long *init;
	u64 nsegs;
	u64 have;
	u32 chunk_segs;
	size_t nchunks;
};

size_t kudp_map_max_chunks(u64 size);
void kudp_map_reset(struct kudp_map *m, u64 total, u32 segment);
bool kudp_map_has(struct kudp_map *m, u64 seg);
bool kudp_map_set(struct kudp_map *m, u64 seg);
u64 kudp_map_next(const struct kudp_map *m, u64 seg, bool have);
size_t kudp_map_nack(const struct kudp_map *m, u64 *seg, void *nack, u32 segment, u64 id,
		     unsigned int most, bool last);
u32 kudp_map_crc(const u32 *chunk_crc, size_t nchunks, u64 chunk_bytes, u64 total);

#endif /* _KUDP_WIRE_H */
