/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kudp's reliable mode on the wire (Documentation/protocol.rst): the
 * header every datagram carries, and the checks a received one must pass.
 * Shared by send_udp and receive_udp; the raw mode uses none of it.
 */
#ifndef _KUDP_PROTO_H
#define _KUDP_PROTO_H

#include <linux/types.h>

#define KUDP_PROTO_MAGIC	0x4b554450	/* "KUDP" */
#define KUDP_PROTO_VERSION	1
/* Payload bytes per DATA datagram: at least this, so that the map of what
 * arrived (one bit per segment) stays within buffer_size / 4096.
 */
#define KUDP_SEGMENT_MIN	512U
/* The largest UDP payload less the DATA header. */
#define KUDP_SEGMENT_MAX	(65507U - sizeof(struct kudp_data_hdr))
#define KUDP_CLOSE_TRIES	8

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

/**
 * struct kudp_nack_hdr - NACK: what is missing
 * @c: the common header
 * @ranges: how many &struct kudp_nack_range follow
 * @zero: 0
 * @range: the runs of missing segments
 */
struct kudp_nack_hdr {
	struct kudp_common_hdr c;
	__be32 ranges;
	__be32 zero;
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

#endif /* _KUDP_PROTO_H */
