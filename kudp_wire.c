// SPDX-License-Identifier: GPL-2.0
/*
 * The reliable mode on the wire, and the pure arithmetic of both its sides
 * (see kudp_wire.h). Linked into both modules, and compiled in user space
 * by the unit tier (tests/unit).
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/overflow.h>
#include <linux/string.h>
#include <linux/time64.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_wire.h"

/**
 * kudp_wire_hdr_len() - a type's header, as in version 1
 * @type: &enum kudp_proto_type
 *
 * In version 2 the tag follows it.
 *
 * Context: any.
 * Return: its length, or 0 for an unknown type.
 */
size_t kudp_wire_hdr_len(unsigned int type)
{
	switch (type) {
	case KUDP_T_DATA:
		return sizeof(struct kudp_data_hdr);
	case KUDP_T_CLOSE:
	case KUDP_T_ACK:
		return sizeof(struct kudp_close_hdr);
	case KUDP_T_NACK:
		return sizeof(struct kudp_nack_hdr);
	case KUDP_T_REFUSE:
		return sizeof(struct kudp_refuse_hdr);
	case KUDP_T_HELLO:
		return sizeof(struct kudp_hello_hdr);
	case KUDP_T_CHALLENGE:
		return sizeof(struct kudp_challenge_hdr);
	default:
		return 0;
	}
}

/**
 * kudp_wire_parse() - check a reliable-mode datagram and parse its header
 * @buf: the datagram (its UDP payload), or at least its whole header
 * @len: the datagram's length
 * @h: the parsed header, when it is well-formed
 *
 * Checks what the datagram says about itself: the magic, the version, a
 * known type with its whole header (in version 2, and its tag: HELLO and
 * CHALLENGE are of version 2 only), the segment size, and for DATA that
 * the payload lies inside the message at a segment boundary with the
 * segment's length (or the last one's); for NACK that its ranges are
 * there. Whether the tag verifies (kudp_key.c), and whether it belongs to
 * the message in progress, are the caller's questions. Every later look at
 * the header reads @h.
 *
 * Context: any.
 * Return: the datagram's type (&enum kudp_proto_type), or -EBADMSG (@h is
 * then not set).
 */
int kudp_wire_parse(const void *buf, size_t len, struct kudp_hdr *h)
{
	const struct kudp_common_hdr *c = buf;
	const struct kudp_data_hdr *d = buf;
	const struct kudp_close_hdr *cl = buf;
	const struct kudp_nack_hdr *n = buf;
	const struct kudp_refuse_hdr *r = buf;
	const struct kudp_hello_hdr *he = buf;
	const struct kudp_challenge_hdr *ch = buf;
	bool keyed;
	struct kudp_hdr p = { };
	u32 rem;

	if (!kudp_wire_is_reliable(buf, len))
		return -EBADMSG;
	keyed = c->version == KUDP_PROTO_KEYED;
	p.type = c->type;
	p.len = kudp_wire_hdr_len(p.type);
	if (!p.len)
		return -EBADMSG;
	if (keyed) {
		p.tag = p.len;
		p.len += KUDP_TAG_LEN;
	} else if (p.type == KUDP_T_HELLO || p.type == KUDP_T_CHALLENGE) {
		return -EBADMSG;
	}
	p.segment = get_unaligned_be16(&c->segment);
	p.id = get_unaligned_be64(&c->id);
	if (len < p.len || p.segment < KUDP_SEGMENT_MIN || p.segment > KUDP_SEGMENT_MAX)
		return -EBADMSG;

	switch (p.type) {
	case KUDP_T_DATA:
		p.offset = get_unaligned_be64(&d->offset);
		p.total = get_unaligned_be64(&d->total);
		div_u64_rem(p.offset, p.segment, &rem);
		if (p.offset >= p.total || rem ||
		    len - p.len != min_t(u64, p.segment, p.total - p.offset))
			return -EBADMSG;
		break;
	case KUDP_T_CLOSE:
	case KUDP_T_ACK:
		p.total = get_unaligned_be64(&cl->total);
		p.crc = get_unaligned_be32(&cl->crc);
		break;
	case KUDP_T_NACK:
		p.ranges = get_unaligned_be16(&n->ranges);
		p.flags = get_unaligned_be16(&n->flags);
		p.missing = get_unaligned_be32(&n->missing);
		if (!p.ranges || p.ranges > (keyed ? KUDP_NACK_RANGES_KEYED : KUDP_NACK_RANGES) ||
		    (len - p.len) / sizeof(n->range[0]) < p.ranges)
			return -EBADMSG;
		break;
	case KUDP_T_REFUSE:
		p.err = get_unaligned_be32(&r->err);
		break;
	case KUDP_T_HELLO:
		p.total = get_unaligned_be64(&he->total);
		break;
	case KUDP_T_CHALLENGE:
		memcpy(p.nonce, ch->nonce, sizeof(p.nonce));
		break;
	}
	*h = p;
	return p.type;
}

/**
 * kudp_wire_is_reliable() - whether a datagram claims to be a reliable-mode one
 * @buf: the start of the datagram
 * @len: bytes at @buf
 *
 * What a raw receiver checks to refuse a reliable sender's datagrams: the
 * magic and the version, 1 or 2 (a raw message that starts with those 5
 * bytes is refused too).
 *
 * Context: any.
 * Return: true if it starts like one.
 */
bool kudp_wire_is_reliable(const void *buf, size_t len)
{
	const struct kudp_common_hdr *c = buf;

	return len >= sizeof(*c) && get_unaligned_be32(&c->magic) == KUDP_PROTO_MAGIC &&
	       (c->version == KUDP_PROTO_VERSION || c->version == KUDP_PROTO_KEYED);
}

/**
 * kudp_wire_common() - fill in the header every datagram starts with
 * @c: the header
 * @type: &enum kudp_proto_type
 * @segment: payload bytes per DATA of the message
 * @id: the message
 *
 * Context: any.
 */
void kudp_wire_common(struct kudp_common_hdr *c, unsigned int type, u32 segment, u64 id)
{
	put_unaligned_be32(KUDP_PROTO_MAGIC, &c->magic);
	c->version = KUDP_PROTO_VERSION;
	c->type = type;
	put_unaligned_be16(segment, &c->segment);
	put_unaligned_be64(id, &c->id);
}

/**
 * kudp_wire_put_close() - build a CLOSE or an ACK
 * @buf: room for a &struct kudp_close_hdr
 * @type: %KUDP_T_CLOSE or %KUDP_T_ACK
 * @segment: payload bytes per DATA of the message
 * @id: the message
 * @total: its length
 * @crc: its CRC-32
 *
 * Context: any.
 * Return: the datagram's length.
 */
size_t kudp_wire_put_close(void *buf, unsigned int type, u32 segment, u64 id, u64 total,
			   u32 crc)
{
	struct kudp_close_hdr *h = buf;

	memset(h, 0, sizeof(*h));
	kudp_wire_common(&h->c, type, segment, id);
	put_unaligned_be64(total, &h->total);
	put_unaligned_be32(crc, &h->crc);
	return sizeof(*h);
}

/**
 * kudp_wire_put_refuse() - build a REFUSE
 * @buf: room for a &struct kudp_refuse_hdr
 * @segment: payload bytes per DATA of the message
 * @id: the message
 * @err: why, a positive errno (EFBIG, EBADMSG)
 *
 * Context: any.
 * Return: the datagram's length.
 */
size_t kudp_wire_put_refuse(void *buf, u32 segment, u64 id, u32 err)
{
	struct kudp_refuse_hdr *h = buf;

	kudp_wire_common(&h->c, KUDP_T_REFUSE, segment, id);
	put_unaligned_be32(err, &h->err);
	return sizeof(*h);
}

/**
 * kudp_wire_put_hello() - build a HELLO (version 1: kudp_key_seal() makes it 2)
 * @buf: room for a &struct kudp_hello_hdr
 * @segment: payload bytes per DATA of the message
 * @id: the message
 * @total: its length
 *
 * Context: any.
 * Return: the datagram's length.
 */
size_t kudp_wire_put_hello(void *buf, u32 segment, u64 id, u64 total)
{
	struct kudp_hello_hdr *h = buf;

	memset(h, 0, sizeof(*h));
	kudp_wire_common(&h->c, KUDP_T_HELLO, segment, id);
	put_unaligned_be64(total, &h->total);
	return sizeof(*h);
}

/**
 * kudp_wire_put_challenge() - build a CHALLENGE (kudp_key_seal() makes it
 *	version 2)
 * @buf: room for a &struct kudp_challenge_hdr
 * @segment: the HELLO's segment
 * @id: the HELLO's message
 * @nonce: the challenge, %KUDP_NONCE_LEN bytes
 *
 * Context: any.
 * Return: the datagram's length.
 */
size_t kudp_wire_put_challenge(void *buf, u32 segment, u64 id, const u8 *nonce)
{
	struct kudp_challenge_hdr *h = buf;

	kudp_wire_common(&h->c, KUDP_T_CHALLENGE, segment, id);
	memcpy(h->nonce, nonce, sizeof(h->nonce));
	return sizeof(*h);
}

/**
 * kudp_wire_nack_range() - one range of a NACK, checked against the message
 * @ranges: the ranges of a NACK that kudp_wire_parse() accepted: the
 *	datagram from its &kudp_hdr.len on
 * @i: the range, below its &kudp_hdr.ranges
 * @nsegs: the message's segments
 * @first: its first segment
 * @count: its segments
 *
 * Context: any.
 * Return: 0, or -EBADMSG if the range is empty or not inside the message
 * (@first and @count are set anyway, for the log).
 */
int kudp_wire_nack_range(const void *ranges, unsigned int i, u64 nsegs, u64 *first, u64 *count)
{
	const struct kudp_nack_range *range = ranges;

	*first = get_unaligned_be32(&range[i].first);
	*count = get_unaligned_be32(&range[i].count);
	return !*count || *first >= nsegs || *count > nsegs - *first ? -EBADMSG : 0;
}

/**
 * kudp_wire_not_after() - whether a message id is not later than another
 * @id: the id
 * @ref: the reference
 *
 * Ids of one sender share their upper half (its instance) and count up in
 * the lower one; ids of two instances have no order.
 *
 * Context: any.
 * Return: true if @id is of @ref's instance and not later.
 */
bool kudp_wire_not_after(u64 id, u64 ref)
{
	return id >> 32 == ref >> 32 && (u32)id <= (u32)ref;
}

/**
 * kudp_wire_srtt() - fold a round trip into the smoothed one
 * @srtt_us: the smoothed round trip, 0 before the first
 * @sample_ns: the round trip measured
 *
 * 7/8 old, 1/8 new (RFC 6298's alpha); the first sample is taken whole.
 * Samples are capped at %KUDP_RTO_MAX_US.
 *
 * Context: any.
 * Return: the new smoothed round trip, in microseconds.
 */
u32 kudp_wire_srtt(u32 srtt_us, u64 sample_ns)
{
	u32 us = min_t(u64, div_u64(sample_ns, NSEC_PER_USEC), KUDP_RTO_MAX_US);

	return srtt_us ? srtt_us - srtt_us / 8 + us / 8 : us;
}

/**
 * kudp_wire_rto() - how long a CLOSE waits for its answer
 * @srtt_us: the smoothed round trip, 0 before the first
 *
 * Context: any.
 * Return: 4 round trips within %KUDP_RTO_MIN_US and %KUDP_RTO_MAX_US, or
 * %KUDP_RTO_INIT_US before any round trip was measured.
 */
u32 kudp_wire_rto(u32 srtt_us)
{
	if (!srtt_us)
		return KUDP_RTO_INIT_US;
	return clamp(4 * srtt_us, KUDP_RTO_MIN_US, KUDP_RTO_MAX_US);
}

/**
 * kudp_wire_rto_backoff() - the CLOSE timer after it expired
 * @rto_us: the timer that expired
 *
 * Context: any.
 * Return: twice @rto_us, at most %KUDP_RTO_MAX_US.
 */
u32 kudp_wire_rto_backoff(u32 rto_us)
{
	return min(rto_us * 2, KUDP_RTO_MAX_US);
}

/**
 * kudp_map_max_chunks() - the CRC chunks of the largest message a buffer holds
 * @size: the buffer's capacity
 *
 * A chunk is at least half of %KUDP_CRC_CHUNK: segments are below 64 KiB.
 * The map's bits are one per segment of the smallest size:
 * BITS_TO_LONGS(DIV_ROUND_UP_ULL(@size, %KUDP_SEGMENT_MIN)) longs.
 *
 * Context: any.
 * Return: entries for &kudp_map.left and bits for &kudp_map.init.
 */
size_t kudp_map_max_chunks(u64 size)
{
	return DIV_ROUND_UP_ULL(size, KUDP_CRC_CHUNK / 2) + 1;
}

/**
 * kudp_map_reset() - start the map of a new message: nothing arrived
 * @m: the map, its arrays allocated for a buffer of at least @total bytes
 * @total: the message's length, above 0
 * @segment: its payload bytes per DATA, %KUDP_SEGMENT_MIN at least
 *
 * Clears the chunk bitmap only; the segments' bits follow chunk by chunk.
 *
 * Context: any.
 */
void kudp_map_reset(struct kudp_map *m, u64 total, u32 segment)
{
	m->nsegs = DIV_ROUND_UP_ULL(total, segment);
	m->have = 0;
	m->chunk_segs = max(KUDP_CRC_CHUNK / segment, 1U);
	m->nchunks = DIV_ROUND_UP_ULL(m->nsegs, m->chunk_segs);
	bitmap_zero(m->init, m->nchunks);
}

/* The segments of chunk @c: the first, and the end. */
static u64 kudp_map_chunk_first(const struct kudp_map *m, size_t c)
{
	return (u64)c * m->chunk_segs;
}

static u64 kudp_map_chunk_end(const struct kudp_map *m, size_t c)
{
	return min_t(u64, kudp_map_chunk_first(m, c) + m->chunk_segs, m->nsegs);
}

/**
 * kudp_map_has() - whether a segment arrived
 * @m: the map
 * @seg: the segment, below &kudp_map.nsegs
 *
 * Sets up the segment's chunk if it is not yet, so that kudp_map_set()
 * may follow.
 *
 * Context: any.
 * Return: true if it arrived.
 */
bool kudp_map_has(struct kudp_map *m, u64 seg)
{
	size_t c = div_u64(seg, m->chunk_segs);
	u64 first = kudp_map_chunk_first(m, c), end = kudp_map_chunk_end(m, c);

	if (!test_bit(c, m->init)) {
		bitmap_clear(m->bits, first, end - first);
		m->left[c] = end - first;
		__set_bit(c, m->init);
	}
	return test_bit(seg, m->bits);
}

/**
 * kudp_map_set() - mark a segment as arrived
 * @m: the map
 * @seg: the segment: kudp_map_has() said it had not arrived
 *
 * Context: any.
 * Return: true if it made its chunk whole.
 */
bool kudp_map_set(struct kudp_map *m, u64 seg)
{
	__set_bit(seg, m->bits);
	m->have++;
	return !--m->left[div_u64(seg, m->chunk_segs)];
}

/**
 * kudp_map_next() - the first segment from one on that arrived, or did not
 * @m: the map
 * @seg: where to start
 * @have: look for one that arrived (true) or one missing (false)
 *
 * Context: any.
 * Return: the segment, or &kudp_map.nsegs if there is none.
 */
u64 kudp_map_next(const struct kudp_map *m, u64 seg, bool have)
{
	while (seg < m->nsegs) {
		size_t c = div_u64(seg, m->chunk_segs);
		u64 end = kudp_map_chunk_end(m, c), found;

		if (!test_bit(c, m->init)) {
			if (!have)
				return seg;
			seg = end;
			continue;
		}
		found = have ? find_next_bit(m->bits, end, seg) :
			       find_next_zero_bit(m->bits, end, seg);
		if (found < end)
			return found;
		seg = end;
	}
	return m->nsegs;
}

/**
 * kudp_map_nack() - build a NACK of the missing segments from one on
 * @m: the map
 * @seg: where to start; moved past the last segment the NACK names
 * @nack: room for %KUDP_CONTROL_MAX bytes
 * @segment: the message's payload bytes per DATA
 * @id: the message
 * @most: ranges at most: %KUDP_NACK_RANGES, or %KUDP_NACK_RANGES_KEYED for
 *	a NACK that kudp_key_seal() will tag
 * @last: no NACK follows this one for the same CLOSE (its flags say
 *	%KUDP_NACK_MORE only if segments beyond it are missing and not @last)
 *
 * Up to @most runs of missing segments, in order from @seg.
 *
 * Context: any.
 * Return: the NACK's length, or 0 if no segment from @seg on is missing.
 */
size_t kudp_map_nack(const struct kudp_map *m, u64 *seg, void *nack, u32 segment, u64 id,
		     unsigned int most, bool last)
{
	struct kudp_nack_hdr *n = nack;
	unsigned int k;
	u64 end;

	for (k = 0; k < most; k++) {
		*seg = kudp_map_next(m, *seg, false);
		if (*seg >= m->nsegs)
			break;
		end = kudp_map_next(m, *seg, true);
		put_unaligned_be32(*seg, &n->range[k].first);
		put_unaligned_be32(end - *seg, &n->range[k].count);
		*seg = end;
	}
	if (!k)
		return 0;
	kudp_wire_common(&n->c, KUDP_T_NACK, segment, id);
	put_unaligned_be16(k, &n->ranges);
	put_unaligned_be32(m->nsegs - m->have, &n->missing);
	*seg = kudp_map_next(m, *seg, false);
	put_unaligned_be16(*seg < m->nsegs && !last ? KUDP_NACK_MORE : 0, &n->flags);
	return struct_size(n, range, k);
}

/**
 * kudp_map_crc() - join the CRC-32s of a message's chunks
 * @chunk_crc: per chunk, crc32_le() of its bytes, from ~0 for the first
 *	and from 0 for the others
 * @nchunks: the chunks, at least 1
 * @chunk_bytes: bytes per chunk (the last may be shorter)
 * @total: the message's length
 *
 * Context: any.
 * Return: the message's crc32_le() from ~0 (zlib's CRC-32 is its
 * complement).
 */
u32 kudp_map_crc(const u32 *chunk_crc, size_t nchunks, u64 chunk_bytes, u64 total)
{
	u32 crc = chunk_crc[0];
	u64 off = chunk_bytes;
	size_t c;

	for (c = 1; c < nchunks; c++, off += chunk_bytes)
		crc = crc32_le_combine(crc, chunk_crc[c], min(chunk_bytes, total - off));
	return crc;
}
