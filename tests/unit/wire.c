// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_wire.c, the datagrams: kudp_wire_parse() on every type and every
 * rejection, the builders, NACK ranges, the ids' order and the CLOSE
 * timer (Documentation/protocol.rst).
 */
#include <string.h>

#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/unaligned.h>

#include "kudp_wire.h"
#include "unit.h"

#define ID	0x1234567800000009ULL	/* instance 0x12345678, count 9 */
#define SEG	1440U			/* Ethernet's segment */

/*
 * Parse a copy of @len bytes in a block of exactly that size: under
 * AddressSanitizer a read past the datagram's end is an error.
 */
static int parse(const void *dgram, size_t len, struct kudp_hdr *h)
{
	void *copy = unit_alloc(len);

	memcpy(copy, dgram, len);
	return kudp_wire_parse(copy, len, h);
}

/* A DATA datagram at @buf: its header, then @payload bytes. */
static size_t put_data(u8 *buf, u32 segment, u64 id, u64 offset, u64 total, size_t payload)
{
	struct kudp_data_hdr *d = (struct kudp_data_hdr *)buf;

	kudp_wire_common(&d->c, KUDP_T_DATA, segment, id);
	put_unaligned_be64(offset, &d->offset);
	put_unaligned_be64(total, &d->total);
	memset(buf + sizeof(*d), 0x5a, payload);
	return sizeof(*d) + payload;
}

/*
 * A NACK at @buf whose header says @ranges, followed by @present ranges
 * (range i: first 2 * i, count 1).
 */
static size_t put_nack(u8 *buf, u32 segment, u64 id, unsigned int ranges, u16 flags,
		       u32 missing, unsigned int present)
{
	struct kudp_nack_hdr *n = (struct kudp_nack_hdr *)buf;
	unsigned int i;

	kudp_wire_common(&n->c, KUDP_T_NACK, segment, id);
	put_unaligned_be16(ranges, &n->ranges);
	put_unaligned_be16(flags, &n->flags);
	put_unaligned_be32(missing, &n->missing);
	for (i = 0; i < present; i++) {
		put_unaligned_be32(2 * i, &n->range[i].first);
		put_unaligned_be32(1, &n->range[i].count);
	}
	return sizeof(*n) + present * sizeof(n->range[0]);
}

static u8 dgram[65536];

TEST(wire_parse_data_full_segment)
{
	struct kudp_hdr h;
	size_t len = put_data(dgram, SEG, ID, SEG, 3 * SEG, SEG);

	memset(&h, 0xa5, sizeof(h));
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.type, KUDP_T_DATA);
	CHECK_EQ(h.segment, SEG);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.len, sizeof(struct kudp_data_hdr));
	CHECK_EQ(h.offset, SEG);
	CHECK_EQ(h.total, 3 * SEG);
	/* The other types' fields are 0. */
	CHECK_EQ(h.crc, 0);
	CHECK_EQ(h.ranges, 0);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.missing, 0);
	CHECK_EQ(h.err, 0);
}

TEST(wire_parse_data_last_short_segment)
{
	struct kudp_hdr h;
	size_t len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG + 100, 100);

	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.offset, 2 * SEG);
	CHECK_EQ(h.total, 2 * SEG + 100);
	CHECK_EQ(len - h.len, 100);
	/* A one-byte message: one DATA of one byte. */
	len = put_data(dgram, KUDP_SEGMENT_MIN, ID, 0, 1, 1);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.total, 1);
	/* The last segment may also be a whole one. */
	len = put_data(dgram, SEG, ID, 2 * SEG, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
}

TEST(wire_parse_data_segment_limits_accepted)
{
	struct kudp_hdr h;
	size_t len = put_data(dgram, KUDP_SEGMENT_MAX, ID, KUDP_SEGMENT_MAX,
			      2 * (u64)KUDP_SEGMENT_MAX, KUDP_SEGMENT_MAX);

	/* The largest UDP payload: 65507 bytes. */
	CHECK_EQ(len, 65507);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.segment, KUDP_SEGMENT_MAX);
	len = put_data(dgram, KUDP_SEGMENT_MIN, ID, 0, 5000, KUDP_SEGMENT_MIN);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.segment, KUDP_SEGMENT_MIN);
}

TEST(wire_parse_data_near_u64_max_total)
{
	struct kudp_hdr h;
	u64 total = ~0ULL, offset = total / SEG * SEG;
	size_t len = put_data(dgram, SEG, ID, offset, total, total - offset);

	/* The last segment of the largest message: no overflow in offset + segment. */
	CHECK(total - offset < SEG && total - offset > 0);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.offset, offset);
	CHECK_EQ(h.total, total);
	/* The one before it is a whole segment. */
	len = put_data(dgram, SEG, ID, offset - SEG, total, SEG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	len = put_data(dgram, SEG, ID, offset - SEG, total, SEG - 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_close)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 123456789, 0xcbf43926);

	memset(&h, 0xa5, sizeof(h));
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
	CHECK_EQ(h.type, KUDP_T_CLOSE);
	CHECK_EQ(h.segment, SEG);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.len, sizeof(struct kudp_close_hdr));
	CHECK_EQ(h.total, 123456789);
	CHECK_EQ(h.crc, 0xcbf43926);
	CHECK_EQ(h.offset, 0);
	CHECK_EQ(h.ranges, 0);
	CHECK_EQ(h.flags, 0);
	CHECK_EQ(h.missing, 0);
	CHECK_EQ(h.err, 0);
	/* A message of 0 bytes is one CLOSE. */
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 0, 0);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
	CHECK_EQ(h.total, 0);
}

TEST(wire_parse_ack)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_close(dgram, KUDP_T_ACK, KUDP_SEGMENT_MIN, ID, ~0ULL, ~0U);

	CHECK_EQ(parse(dgram, len, &h), KUDP_T_ACK);
	CHECK_EQ(h.type, KUDP_T_ACK);
	CHECK_EQ(h.segment, KUDP_SEGMENT_MIN);
	CHECK_EQ(h.total, ~0ULL);
	CHECK_EQ(h.crc, ~0U);
	CHECK_EQ(h.len, sizeof(struct kudp_close_hdr));
}

TEST(wire_parse_nack)
{
	struct kudp_hdr h;
	size_t len = put_nack(dgram, SEG, ID, 3, KUDP_NACK_MORE, 1000, 3);

	memset(&h, 0xa5, sizeof(h));
	CHECK_EQ(len, sizeof(struct kudp_nack_hdr) + 3 * sizeof(struct kudp_nack_range));
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_NACK);
	CHECK_EQ(h.type, KUDP_T_NACK);
	CHECK_EQ(h.segment, SEG);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.len, sizeof(struct kudp_nack_hdr));
	CHECK_EQ(h.ranges, 3);
	CHECK_EQ(h.flags, KUDP_NACK_MORE);
	CHECK_EQ(h.missing, 1000);
	CHECK_EQ(h.offset, 0);
	CHECK_EQ(h.total, 0);
	CHECK_EQ(h.crc, 0);
	CHECK_EQ(h.err, 0);
	/* Reserved flag bits are ignored when received: passed on as they are. */
	len = put_nack(dgram, SEG, ID, 1, 0xfffe, 1, 1);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_NACK);
	CHECK_EQ(h.flags, 0xfffe);
}

TEST(wire_parse_nack_of_nack_ranges_fills_control_max)
{
	struct kudp_hdr h;
	size_t len = put_nack(dgram, SEG, ID, KUDP_NACK_RANGES, 0, 5000, KUDP_NACK_RANGES);

	/* Documentation/protocol.rst: 24 + 181 * 8 = 1472, a 1500-byte MTU's UDP payload. */
	CHECK_EQ(KUDP_CONTROL_MAX, 1472);
	CHECK_EQ(len, KUDP_CONTROL_MAX);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_NACK);
	CHECK_EQ(h.ranges, KUDP_NACK_RANGES);
}

TEST(wire_parse_refuse)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_refuse(dgram, SEG, ID, EFBIG);

	memset(&h, 0xa5, sizeof(h));
	CHECK_EQ(len, sizeof(struct kudp_refuse_hdr));
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_REFUSE);
	CHECK_EQ(h.type, KUDP_T_REFUSE);
	CHECK_EQ(h.segment, SEG);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.len, sizeof(struct kudp_refuse_hdr));
	CHECK_EQ(h.err, EFBIG);
	CHECK_EQ(h.total, 0);
	CHECK_EQ(h.crc, 0);
	CHECK_EQ(h.ranges, 0);
}

TEST(wire_parse_rejects_short_datagrams)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 10, 0);

	CHECK_EQ(parse(dgram, 0, &h), -EBADMSG);
	CHECK_EQ(parse(dgram, 1, &h), -EBADMSG);
	/* Shorter than the common header. */
	CHECK_EQ(parse(dgram, sizeof(struct kudp_common_hdr) - 1, &h), -EBADMSG);
	/* The common header alone: no type is that short. */
	CHECK_EQ(parse(dgram, sizeof(struct kudp_common_hdr), &h), -EBADMSG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
}

TEST(wire_parse_rejects_bad_magic)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 10, 0);
	unsigned int i;

	for (i = 0; i < 4; i++) {
		dgram[i] ^= 0x01;
		CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
		dgram[i] ^= 0x01;
	}
	/* The magic byte-swapped. */
	put_unaligned_be32(0x5044554b, dgram);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_bad_version)
{
	struct kudp_hdr h;
	size_t len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 10, 0);

	dgram[4] = 0;
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	dgram[4] = KUDP_PROTO_KEYED + 1;
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* Version 2 without room for its tag. */
	dgram[4] = KUDP_PROTO_KEYED;
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	dgram[4] = 0xff;
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	dgram[4] = KUDP_PROTO_VERSION;
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
}

TEST(wire_parse_rejects_unknown_type)
{
	static const u8 types[] = { 0, KUDP_T_REFUSE + 1, 0x80, 0xff };
	struct kudp_hdr h;
	unsigned int i;

	/* Long enough for any type's header. */
	memset(dgram, 0, 64);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		kudp_wire_common((struct kudp_common_hdr *)dgram, types[i], SEG, ID);
		CHECK_EQ(parse(dgram, 64, &h), -EBADMSG);
	}
}

TEST(wire_parse_rejects_truncated_header_of_each_type)
{
	struct kudp_hdr h;
	size_t len;

	len = put_data(dgram, SEG, ID, 0, 1, 1);
	CHECK_EQ(parse(dgram, sizeof(struct kudp_data_hdr) - 1, &h), -EBADMSG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, SEG, ID, 1, 0);
	CHECK_EQ(parse(dgram, len - 1, &h), -EBADMSG);
	len = kudp_wire_put_close(dgram, KUDP_T_ACK, SEG, ID, 1, 0);
	CHECK_EQ(parse(dgram, len - 1, &h), -EBADMSG);
	len = put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	CHECK_EQ(parse(dgram, sizeof(struct kudp_nack_hdr) - 1, &h), -EBADMSG);
	len = kudp_wire_put_refuse(dgram, SEG, ID, EBADMSG);
	CHECK_EQ(parse(dgram, len - 1, &h), -EBADMSG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_REFUSE);
}

TEST(wire_parse_rejects_segment_below_min)
{
	struct kudp_hdr h;
	size_t len;

	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, KUDP_SEGMENT_MIN - 1, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, 0, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, KUDP_SEGMENT_MIN - 1, ID, 0, 1, 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = kudp_wire_put_refuse(dgram, KUDP_SEGMENT_MIN - 1, ID, EFBIG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, KUDP_SEGMENT_MIN, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
}

TEST(wire_parse_rejects_segment_above_max)
{
	struct kudp_hdr h;
	size_t len;

	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, KUDP_SEGMENT_MAX + 1, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, 0xffff, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_nack(dgram, KUDP_SEGMENT_MAX + 1, ID, 1, 0, 1, 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, KUDP_SEGMENT_MAX, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CLOSE);
}

TEST(wire_parse_rejects_data_offset_not_multiple_of_segment)
{
	struct kudp_hdr h;
	size_t len;

	len = put_data(dgram, SEG, ID, 1, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, SEG - 1, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, SEG + 1, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* A multiple of another segment size (1024 = 2 * 512), not of this one. */
	len = put_data(dgram, 1000, ID, 1024, 3000, 1000);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_data_offset_at_or_beyond_total)
{
	struct kudp_hdr h;
	size_t len;

	len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, 3 * SEG, 2 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* A DATA of a 0-byte message (which has none). */
	len = put_data(dgram, SEG, ID, 0, 0, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, ~0ULL / SEG * SEG, 0, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_data_payload_too_long)
{
	struct kudp_hdr h;
	size_t len;

	len = put_data(dgram, SEG, ID, 0, 3 * SEG, SEG + 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* The last segment: its own length, not a whole segment's. */
	len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG + 100, 101);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG + 100, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_data_payload_too_short)
{
	struct kudp_hdr h;
	size_t len;

	len = put_data(dgram, SEG, ID, 0, 3 * SEG, SEG - 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, 0, 3 * SEG, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_data(dgram, SEG, ID, 2 * SEG, 2 * SEG + 100, 99);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_nack_over_nack_ranges)
{
	struct kudp_hdr h;
	size_t len = put_nack(dgram, SEG, ID, KUDP_NACK_RANGES + 1, 0, 1, KUDP_NACK_RANGES + 1);

	/* Every range is there, but there are too many. */
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_nack(dgram, SEG, ID, 0xffff, 0, 1, KUDP_NACK_RANGES + 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejects_nack_truncated_ranges)
{
	struct kudp_hdr h;
	size_t len = put_nack(dgram, SEG, ID, 3, 0, 3, 2);

	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* One range, one byte short of it. */
	len = put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	CHECK_EQ(parse(dgram, len - 1, &h), -EBADMSG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_NACK);
	/* Bytes after the ranges it names are not read. */
	len = put_nack(dgram, SEG, ID, 1, 0, 1, 2);
	CHECK_EQ(parse(dgram, len + 3, &h), KUDP_T_NACK);
	CHECK_EQ(h.ranges, 1);
}

TEST(wire_parse_rejects_nack_without_ranges)
{
	struct kudp_hdr h;
	size_t len = put_nack(dgram, SEG, ID, 0, 0, 0, 0);

	/* protocol.rst: "ranges: How many ranges follow: from 1 to 181". */
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = put_nack(dgram, SEG, ID, 0, 0, 0, 1);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_rejection_leaves_header_untouched)
{
	struct kudp_hdr h, before;
	size_t len;

	memset(&h, 0xa5, sizeof(h));
	memcpy(&before, &h, sizeof(h));
	len = put_data(dgram, SEG, ID, 1, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	CHECK(!memcmp(&h, &before, sizeof(h)));
	len = put_nack(dgram, SEG, ID, 3, 0, 3, 2);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	CHECK(!memcmp(&h, &before, sizeof(h)));
	len = kudp_wire_put_close(dgram, KUDP_T_CLOSE, KUDP_SEGMENT_MIN - 1, ID, 1, 0);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	CHECK(!memcmp(&h, &before, sizeof(h)));
	CHECK_EQ(parse(dgram, 3, &h), -EBADMSG);
	CHECK(!memcmp(&h, &before, sizeof(h)));
}

TEST(wire_is_reliable_checks_magic_and_version_only)
{
	struct kudp_common_hdr c;

	kudp_wire_common(&c, KUDP_T_DATA, SEG, ID);
	CHECK(kudp_wire_is_reliable(&c, sizeof(c)));
	CHECK(!kudp_wire_is_reliable(&c, sizeof(c) - 1));
	CHECK(!kudp_wire_is_reliable(&c, 0));
	/* The type and the segment are not its business. */
	kudp_wire_common(&c, 0x77, 1, ID);
	CHECK(kudp_wire_is_reliable(&c, sizeof(c)));
	c.version = KUDP_PROTO_KEYED;
	CHECK(kudp_wire_is_reliable(&c, sizeof(c)));
	c.version = KUDP_PROTO_KEYED + 1;
	CHECK(!kudp_wire_is_reliable(&c, sizeof(c)));
	kudp_wire_common(&c, KUDP_T_DATA, SEG, ID);
	((u8 *)&c)[3] ^= 0x80;
	CHECK(!kudp_wire_is_reliable(&c, sizeof(c)));
	/* A raw message that starts with "KUDP\1" is taken for one (documented). */
	CHECK(kudp_wire_is_reliable("KUDP\1 raw payload", 17));
	CHECK(kudp_wire_is_reliable("KUDP\2 raw payload", 17));
	CHECK(!kudp_wire_is_reliable("KUDP\3 raw payload", 17));
}

TEST(wire_common_header_bytes_on_the_wire)
{
	/* protocol.rst: magic "KUDP", version 1, type, segment, id; big-endian. */
	static const u8 want[16] = {
		'K', 'U', 'D', 'P', 1, KUDP_T_CLOSE, 0x05, 0xa0,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x09,
	};
	u8 buf[16];

	memset(buf, 0xa5, sizeof(buf));
	kudp_wire_common((struct kudp_common_hdr *)buf, KUDP_T_CLOSE, SEG, ID);
	CHECK(!memcmp(buf, want, sizeof(want)));
}

TEST(wire_put_close_bytes_and_round_trip)
{
	static const u8 want[32] = {
		'K', 'U', 'D', 'P', 1, KUDP_T_ACK, 0x02, 0x00,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x09,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,	/* total */
		0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 0,		/* crc, zero */
	};
	struct kudp_hdr h;
	size_t len;

	/* Over a buffer of 0xff: the reserved word is written 0. */
	memset(dgram, 0xff, 64);
	len = kudp_wire_put_close(dgram, KUDP_T_ACK, KUDP_SEGMENT_MIN, ID, 0x0102030405060708ULL,
				  0xcafebabe);
	CHECK_EQ(len, sizeof(want));
	CHECK(!memcmp(dgram, want, sizeof(want)));
	CHECK_EQ(dgram[len], 0xff);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_ACK);
	CHECK_EQ(h.segment, KUDP_SEGMENT_MIN);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.total, 0x0102030405060708ULL);
	CHECK_EQ(h.crc, 0xcafebabe);
}

TEST(wire_put_refuse_bytes_and_round_trip)
{
	static const u8 want[20] = {
		'K', 'U', 'D', 'P', 1, KUDP_T_REFUSE, 0x05, 0xa0,
		0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x09,
		0, 0, 0, EBADMSG,
	};
	struct kudp_hdr h;
	size_t len;

	memset(dgram, 0xff, 64);
	len = kudp_wire_put_refuse(dgram, SEG, ID, EBADMSG);
	CHECK_EQ(len, sizeof(want));
	CHECK(!memcmp(dgram, want, sizeof(want)));
	CHECK_EQ(dgram[len], 0xff);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_REFUSE);
	CHECK_EQ(h.err, EBADMSG);
	CHECK_EQ(h.id, ID);
}

TEST(wire_nack_range_valid)
{
	u64 first = 7, count = 7;
	size_t len = put_nack(dgram, SEG, ID, 3, 0, 3, 3);

	CHECK_EQ(parse(dgram, len, &(struct kudp_hdr){ }), KUDP_T_NACK);
	/* Range 2 is 4+1 (put_nack()). */
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 2, 100, &first, &count), 0);
	CHECK_EQ(first, 4);
	CHECK_EQ(count, 1);
	/* A range that ends at the last segment. */
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 2, 5, &first, &count), 0);
	/* The whole message. */
	put_unaligned_be32(0, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(100, dgram + sizeof(struct kudp_nack_hdr) + 4);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 100, &first, &count), 0);
	CHECK_EQ(first, 0);
	CHECK_EQ(count, 100);
}

TEST(wire_nack_range_rejects_empty_count)
{
	u64 first = 7, count = 7;

	put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	put_unaligned_be32(3, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(0, dgram + sizeof(struct kudp_nack_hdr) + 4);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 100, &first, &count), -EBADMSG);
	/* Set anyway, for the log. */
	CHECK_EQ(first, 3);
	CHECK_EQ(count, 0);
}

TEST(wire_nack_range_rejects_first_beyond_message)
{
	u64 first = 7, count = 7;

	put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	put_unaligned_be32(100, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(1, dgram + sizeof(struct kudp_nack_hdr) + 4);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 100, &first, &count), -EBADMSG);
	CHECK_EQ(first, 100);
	CHECK_EQ(count, 1);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 50, &first, &count), -EBADMSG);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 101, &first, &count), 0);
	/* A message of no segments has no range. */
	put_unaligned_be32(0, dgram + sizeof(struct kudp_nack_hdr));
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 0, &first, &count), -EBADMSG);
}

TEST(wire_nack_range_rejects_count_past_message)
{
	u64 first = 7, count = 7;

	put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	put_unaligned_be32(90, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(11, dgram + sizeof(struct kudp_nack_hdr) + 4);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 100, &first, &count), -EBADMSG);
	CHECK_EQ(first, 90);
	CHECK_EQ(count, 11);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 101, &first, &count), 0);
}

TEST(wire_nack_range_u32_max_values_do_not_wrap)
{
	u64 first = 7, count = 7;

	put_nack(dgram, SEG, ID, 1, 0, 1, 1);
	put_unaligned_be32(0xffffffff, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(0xffffffff, dgram + sizeof(struct kudp_nack_hdr) + 4);
	/* first + count is 0x1fffffffe: in 64 bits, no wrap to a small number. */
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 0x1fffffffeULL, &first, &count), 0);
	CHECK_EQ(first, 0xffffffffULL);
	CHECK_EQ(count, 0xffffffffULL);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 0x1fffffffdULL, &first, &count), -EBADMSG);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 0xffffffffULL, &first, &count), -EBADMSG);
	/* Near u32 max, beyond a message of u32 max segments. */
	put_unaligned_be32(0xfffffff0, dgram + sizeof(struct kudp_nack_hdr));
	put_unaligned_be32(0x20, dgram + sizeof(struct kudp_nack_hdr) + 4);
	CHECK_EQ(kudp_wire_nack_range(dgram + sizeof(struct kudp_nack_hdr), 0, 0xffffffffULL, &first, &count), -EBADMSG);
}

TEST(wire_not_after_same_instance)
{
	u64 inst = 0xdeadbeefULL << 32;

	CHECK(kudp_wire_not_after(inst | 4, inst | 5));
	CHECK(kudp_wire_not_after(inst | 5, inst | 5));
	CHECK(!kudp_wire_not_after(inst | 6, inst | 5));
	CHECK(kudp_wire_not_after(inst | 0, inst | 0xffffffff));
}

TEST(wire_not_after_other_instance_is_never)
{
	u64 a = 0xdeadbeefULL << 32, b = 0xdeadbeeeULL << 32;

	CHECK(!kudp_wire_not_after(b | 1, a | 5));
	CHECK(!kudp_wire_not_after(a | 1, b | 5));
	CHECK(!kudp_wire_not_after(b | 5, a | 5));
	CHECK(!kudp_wire_not_after(0, 1ULL << 32));
}

TEST(wire_not_after_lower_half_does_not_wrap)
{
	u64 inst = 0xdeadbeefULL << 32;

	/* A plain comparison of the counts, no serial-number arithmetic. */
	CHECK(!kudp_wire_not_after(inst | 0xffffffff, inst | 0));
	CHECK(kudp_wire_not_after(inst | 0, inst | 0xffffffff));
	/* The count never carries into the instance. */
	CHECK(!kudp_wire_not_after(inst | 0xffffffff, inst + (1ULL << 32)));
	CHECK(!kudp_wire_not_after(inst + (1ULL << 32), inst | 0xffffffff));
}

TEST(wire_srtt_first_sample_taken_whole)
{
	CHECK_EQ(kudp_wire_srtt(0, 1234567), 1234);
	CHECK_EQ(kudp_wire_srtt(0, 1000), 1);
	/* A sample below 1 us leaves it "none measured". */
	CHECK_EQ(kudp_wire_srtt(0, 999), 0);
}

TEST(wire_srtt_smooths_seven_eighths_old)
{
	/* 8000 - 8000/8 + 16000/8 */
	CHECK_EQ(kudp_wire_srtt(8000, 16000000), 9000);
	CHECK_EQ(kudp_wire_srtt(8000, 0), 7000);
	CHECK_EQ(kudp_wire_srtt(8000, 8000000), 8000);
	/* Never back to 0 (which would mean none measured). */
	CHECK_EQ(kudp_wire_srtt(1, 0), 1);
	CHECK_EQ(kudp_wire_srtt(7, 0), 7);
}

TEST(wire_srtt_sample_capped_at_rto_max)
{
	CHECK_EQ(kudp_wire_srtt(0, 10ULL * 1000 * 1000 * 1000), KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_srtt(0, ~0ULL), KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_srtt(0, (u64)KUDP_RTO_MAX_US * 1000 + 999), KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_srtt(8000, ~0ULL), 8000 - 1000 + KUDP_RTO_MAX_US / 8);
}

TEST(wire_rto_initial_before_any_sample)
{
	CHECK_EQ(kudp_wire_rto(0), KUDP_RTO_INIT_US);
}

TEST(wire_rto_four_round_trips)
{
	CHECK_EQ(kudp_wire_rto(100000), 400000);
	CHECK_EQ(kudp_wire_rto(KUDP_RTO_MIN_US / 4), KUDP_RTO_MIN_US);
	CHECK_EQ(kudp_wire_rto(KUDP_RTO_MAX_US / 4), KUDP_RTO_MAX_US);
}

TEST(wire_rto_clamped_to_min)
{
	CHECK_EQ(kudp_wire_rto(1), KUDP_RTO_MIN_US);
	CHECK_EQ(kudp_wire_rto(KUDP_RTO_MIN_US / 4 - 1), KUDP_RTO_MIN_US);
}

TEST(wire_rto_clamped_to_max)
{
	CHECK_EQ(kudp_wire_rto(KUDP_RTO_MAX_US / 4 + 1), KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_rto(KUDP_RTO_MAX_US), KUDP_RTO_MAX_US);
	/* Whatever kudp_wire_srtt() returns, at most KUDP_RTO_MAX_US. */
	CHECK_EQ(kudp_wire_rto(kudp_wire_srtt(0, ~0ULL)), KUDP_RTO_MAX_US);
}

TEST(wire_rto_backoff_doubles)
{
	CHECK_EQ(kudp_wire_rto_backoff(KUDP_RTO_INIT_US), 2 * KUDP_RTO_INIT_US);
	CHECK_EQ(kudp_wire_rto_backoff(KUDP_RTO_MIN_US), 2 * KUDP_RTO_MIN_US);
	CHECK_EQ(kudp_wire_rto_backoff(KUDP_RTO_MAX_US / 2), KUDP_RTO_MAX_US);
}

TEST(wire_rto_backoff_capped_at_max)
{
	u32 rto = KUDP_RTO_MIN_US;
	unsigned int i;

	CHECK_EQ(kudp_wire_rto_backoff(KUDP_RTO_MAX_US / 2 + 1), KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_rto_backoff(KUDP_RTO_MAX_US), KUDP_RTO_MAX_US);
	/* From the smallest, 8 expiries reach the cap and stay there. */
	for (i = 0; i < 8; i++)
		rto = kudp_wire_rto_backoff(rto);
	CHECK_EQ(rto, KUDP_RTO_MAX_US);
	CHECK_EQ(kudp_wire_rto_backoff(rto), KUDP_RTO_MAX_US);
}

/*
 * Version 2 (a shared key): the datagram of version 1 with KUDP_TAG_LEN
 * bytes after its type's header. kudp_wire_parse() checks the layout; the
 * tag itself is kudp_key.c's.
 */
static size_t keyed(u8 *buf, size_t len, size_t hdr_len)
{
	memmove(buf + hdr_len + KUDP_TAG_LEN, buf + hdr_len, len - hdr_len);
	memset(buf + hdr_len, 0xee, KUDP_TAG_LEN);
	buf[4] = KUDP_PROTO_KEYED;
	return len + KUDP_TAG_LEN;
}

TEST(wire_parse_keyed_data)
{
	struct kudp_hdr h;
	size_t len = keyed(dgram, put_data(dgram, SEG, ID, SEG, 3 * SEG, SEG),
			   sizeof(struct kudp_data_hdr));

	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.tag, sizeof(struct kudp_data_hdr));
	CHECK_EQ(h.len, sizeof(struct kudp_data_hdr) + KUDP_TAG_LEN);
	CHECK_EQ(len - h.len, SEG);
	CHECK_EQ(h.offset, SEG);
	/* Version 1 has no tag. */
	len = put_data(dgram, SEG, ID, SEG, 3 * SEG, SEG);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_DATA);
	CHECK_EQ(h.tag, 0);
	/* A version 2 DATA whose payload is short by the tag. */
	len = keyed(dgram, put_data(dgram, SEG, ID, SEG, 3 * SEG, SEG - KUDP_TAG_LEN),
		    sizeof(struct kudp_data_hdr));
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_parse_keyed_nack_ranges_after_the_tag)
{
	struct kudp_hdr h;
	u64 first, count;
	size_t len = keyed(dgram, put_nack(dgram, SEG, ID, KUDP_NACK_RANGES_KEYED, 0, 9,
					   KUDP_NACK_RANGES_KEYED),
			   sizeof(struct kudp_nack_hdr));

	/* Documentation/protocol.rst: 24 + 16 + 179 * 8 = 1472. */
	CHECK_EQ(len, KUDP_CONTROL_MAX);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_NACK);
	CHECK_EQ(h.len, sizeof(struct kudp_nack_hdr) + KUDP_TAG_LEN);
	CHECK_EQ(kudp_wire_nack_range(dgram + h.len, 3, 1000, &first, &count), 0);
	CHECK_EQ(first, 6);
	CHECK_EQ(count, 1);
	/* 180 ranges: one more than a keyed NACK holds. */
	len = keyed(dgram, put_nack(dgram, SEG, ID, KUDP_NACK_RANGES_KEYED + 1, 0, 9,
				    KUDP_NACK_RANGES_KEYED + 1),
		    sizeof(struct kudp_nack_hdr));
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
}

TEST(wire_hello_and_challenge_are_keyed_only)
{
	static const u8 nonce[KUDP_NONCE_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
						  15, 16 };
	struct kudp_hdr h;
	size_t len;

	len = kudp_wire_put_hello(dgram, SEG, ID, 12345);
	CHECK_EQ(len, 32);
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	len = keyed(dgram, len, len);
	CHECK_EQ(len, 48);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_HELLO);
	CHECK_EQ(h.total, 12345);
	CHECK_EQ(h.id, ID);
	CHECK_EQ(h.segment, SEG);

	len = kudp_wire_put_challenge(dgram, SEG, ID, nonce);
	CHECK_EQ(len, 32);
	CHECK(!memcmp(dgram + 16, nonce, sizeof(nonce)));
	CHECK_EQ(parse(dgram, len, &h), -EBADMSG);
	/* As large as the HELLO it answers. */
	len = keyed(dgram, len, len);
	CHECK_EQ(len, 48);
	CHECK_EQ(parse(dgram, len, &h), KUDP_T_CHALLENGE);
	CHECK(!memcmp(h.nonce, nonce, sizeof(nonce)));
	/* Short by a byte of the tag. */
	CHECK_EQ(parse(dgram, len - 1, &h), -EBADMSG);
}
