// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_wire.c, the receiver's map of what arrived: its sizes, its lazy set
 * up a CRC chunk at a time, the search for segments, the NACKs built from
 * it and the CRC-32 joined from its chunks.
 */
#include <string.h>

#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/overflow.h>
#include <linux/unaligned.h>

#include "kudp_wire.h"
#include "unit.h"

#define ID	0x1234567800000009ULL

/*
 * A map whose arrays are sized as kudp_wire.h says for a buffer of @size
 * bytes (the caller's part), full of 0xa5 (unit_alloc()), then reset for
 * a message of @total bytes in segments of @segment.
 */
static struct kudp_map *map_new(u64 size, u64 total, u32 segment)
{
	struct kudp_map *m = unit_alloc(sizeof(*m));
	size_t chunks = kudp_map_max_chunks(size);

	m->bits = unit_alloc(BITS_TO_LONGS(DIV_ROUND_UP_ULL(size, KUDP_SEGMENT_MIN)) *
			     sizeof(long));
	m->left = unit_alloc(chunks * sizeof(u32));
	m->init = unit_alloc(BITS_TO_LONGS(chunks) * sizeof(long));
	kudp_map_reset(m, total, segment);
	return m;
}

/* A DATA of segment @seg arrives: -1 a duplicate, 1 it made its chunk whole, else 0. */
static int arrive(struct kudp_map *m, u64 seg)
{
	if (kudp_map_has(m, seg))
		return -1;
	return kudp_map_set(m, seg);
}

TEST(map_reset_one_byte_message)
{
	struct kudp_map *m = map_new(4096, 1, KUDP_SEGMENT_MIN);

	CHECK_EQ(m->nsegs, 1);
	CHECK_EQ(m->have, 0);
	CHECK_EQ(m->chunk_segs, KUDP_CRC_CHUNK / KUDP_SEGMENT_MIN);
	CHECK_EQ(m->nchunks, 1);
}

TEST(map_reset_segment_minus_one_bytes)
{
	struct kudp_map *m = map_new(1 << 20, 1439, 1440);

	CHECK_EQ(m->nsegs, 1);
	CHECK_EQ(m->chunk_segs, KUDP_CRC_CHUNK / 1440);
	CHECK_EQ(m->nchunks, 1);
}

TEST(map_reset_exact_multiple_of_segment)
{
	struct kudp_map *m = map_new(1 << 20, 10 * 1440, 1440);

	CHECK_EQ(m->nsegs, 10);
	CHECK_EQ(m->nchunks, 1);
	kudp_map_reset(m, 10 * 1440 + 1, 1440);
	CHECK_EQ(m->nsegs, 11);
	kudp_map_reset(m, 10 * 1440 - 1, 1440);
	CHECK_EQ(m->nsegs, 10);
}

TEST(map_reset_several_chunks)
{
	u32 segs = KUDP_CRC_CHUNK / 1440;
	struct kudp_map *m = map_new(8 << 20, 3ULL * segs * 1440 + 5, 1440);

	CHECK_EQ(m->chunk_segs, segs);
	CHECK_EQ(m->nsegs, 3ULL * segs + 1);
	CHECK_EQ(m->nchunks, 4);
	/* An exact number of chunks: no empty one after them. */
	kudp_map_reset(m, 3ULL * segs * 1440, 1440);
	CHECK_EQ(m->nsegs, 3ULL * segs);
	CHECK_EQ(m->nchunks, 3);
}

TEST(map_reset_smallest_segment_largest_buffer)
{
	u64 size = 4ULL << 30;
	struct kudp_map *m = map_new(size, size, KUDP_SEGMENT_MIN);

	CHECK_EQ(m->nsegs, size / KUDP_SEGMENT_MIN);
	CHECK_EQ(m->chunk_segs, KUDP_CRC_CHUNK / KUDP_SEGMENT_MIN);
	CHECK_EQ(m->nchunks, size / KUDP_CRC_CHUNK);
	CHECK(m->nchunks <= kudp_map_max_chunks(size));
}

TEST(map_reset_largest_segment)
{
	u64 size = 64ULL << 20;
	struct kudp_map *m = map_new(size, size, KUDP_SEGMENT_MAX);

	CHECK_EQ(m->chunk_segs, KUDP_CRC_CHUNK / KUDP_SEGMENT_MAX);
	CHECK_EQ(m->nsegs, DIV_ROUND_UP_ULL(size, KUDP_SEGMENT_MAX));
	CHECK_EQ(m->nchunks, DIV_ROUND_UP_ULL(m->nsegs, m->chunk_segs));
	/* A chunk is at least half of KUDP_CRC_CHUNK (kudp_map_max_chunks()). */
	CHECK((u64)m->chunk_segs * KUDP_SEGMENT_MAX >= KUDP_CRC_CHUNK / 2);
	CHECK(m->nchunks <= kudp_map_max_chunks(size));
}

TEST(map_max_chunks_bounds_every_segment_size)
{
	static const u32 segments[] = { KUDP_SEGMENT_MIN, 513, 1000, 1440, 8192, 32769,
					KUDP_SEGMENT_MAX - 1, KUDP_SEGMENT_MAX };
	static const u64 totals[] = { 1, 511, 512, 1 << 20, (1 << 20) + 1, 3 << 19,
				      100000007, 4ULL << 30 };
	struct kudp_map m;
	unsigned int i, j;

	/* Only the sizes: reset touches the chunk bitmap alone (room for twice too many). */
	m.init = unit_alloc(2 * BITS_TO_LONGS(kudp_map_max_chunks(4ULL << 30)) * sizeof(long));
	for (i = 0; i < ARRAY_SIZE(segments); i++) {
		for (j = 0; j < ARRAY_SIZE(totals); j++) {
			kudp_map_reset(&m, totals[j], segments[i]);
			CHECK(m.nchunks <= kudp_map_max_chunks(totals[j]));
			/* Bits for the smallest segment hold every segment. */
			CHECK(m.nsegs <= DIV_ROUND_UP_ULL(totals[j], KUDP_SEGMENT_MIN));
			CHECK_EQ(m.nsegs, DIV_ROUND_UP_ULL(totals[j], segments[i]));
		}
	}
}

TEST(map_reset_sets_up_no_chunk)
{
	struct kudp_map *m = map_new(8 << 20, 8 << 20, KUDP_SEGMENT_MIN);
	unsigned long garbage;

	memset(&garbage, 0xa5, sizeof(garbage));
	CHECK_EQ(m->nchunks, 8);
	CHECK_EQ(find_next_bit(m->init, m->nchunks, 0), m->nchunks);
	/* The segments' bits are left as they were: a new message costs a word. */
	CHECK_EQ(m->bits[0], garbage);
	CHECK_EQ(m->bits[BITS_TO_LONGS(m->nsegs) - 1], garbage);
}

TEST(map_chunk_not_set_up_reads_as_missing)
{
	struct kudp_map *m = map_new(4 << 20, 4 << 20, KUDP_SEGMENT_MIN);

	/* Bits of 0xa5 in the array: nothing arrived all the same. */
	CHECK_EQ(kudp_map_next(m, 0, false), 0);
	CHECK_EQ(kudp_map_next(m, 1234, false), 1234);
	CHECK_EQ(kudp_map_next(m, 0, true), m->nsegs);
	CHECK_EQ(kudp_map_next(m, m->nsegs - 1, true), m->nsegs);
}

TEST(map_has_sets_up_its_chunk_only)
{
	struct kudp_map *m = map_new(4 << 20, 4 << 20, KUDP_SEGMENT_MIN);
	u64 seg = 2 * (u64)m->chunk_segs + 5;

	CHECK(!kudp_map_has(m, seg));
	CHECK(test_bit(2, m->init));
	CHECK(!test_bit(0, m->init));
	CHECK(!test_bit(1, m->init));
	CHECK(!test_bit(3, m->init));
	CHECK_EQ(m->left[2], m->chunk_segs);
	CHECK_EQ(m->have, 0);
	/* Its bits are clear now, the others' as they were. */
	CHECK_EQ(find_next_bit(m->bits, 3 * (u64)m->chunk_segs, 2 * (u64)m->chunk_segs),
		 3 * (u64)m->chunk_segs);
	CHECK_EQ(kudp_map_next(m, 0, true), m->nsegs);
	/* Asked again, it sets up nothing twice. */
	m->left[2] = 7;
	CHECK(!kudp_map_has(m, seg + 1));
	CHECK_EQ(m->left[2], 7);
}

TEST(map_has_last_chunk_counts_its_own_segments)
{
	u32 segs = KUDP_CRC_CHUNK / 1440;
	struct kudp_map *m = map_new(8 << 20, (2ULL * segs + 10) * 1440 - 3, 1440);

	CHECK_EQ(m->nchunks, 3);
	CHECK(!kudp_map_has(m, m->nsegs - 1));
	CHECK_EQ(m->left[2], 10);
	CHECK(!kudp_map_has(m, 0));
	CHECK_EQ(m->left[0], segs);
}

TEST(map_set_true_exactly_when_chunk_whole)
{
	u32 segs = KUDP_CRC_CHUNK / 1440;
	struct kudp_map *m = map_new(8 << 20, (2ULL * segs + 3) * 1440, 1440);
	u64 s;

	/* Chunk 1, backwards, to its first segment. */
	for (s = 2ULL * segs - 1; s > segs; s--)
		CHECK_EQ(arrive(m, s), 0);
	CHECK_EQ(arrive(m, segs), 1);
	CHECK_EQ(m->have, segs);
	/* The short last chunk, of 3. */
	CHECK_EQ(arrive(m, 2ULL * segs + 2), 0);
	CHECK_EQ(arrive(m, 2ULL * segs + 2), -1);
	CHECK_EQ(arrive(m, 2ULL * segs), 0);
	CHECK_EQ(arrive(m, 2ULL * segs + 1), 1);
	CHECK_EQ(m->have, segs + 3);
	/* A one-segment message: its one DATA makes it whole. */
	kudp_map_reset(m, 1, 1440);
	CHECK_EQ(arrive(m, 0), 1);
	CHECK_EQ(m->have, 1);
}

TEST(map_has_true_after_set_and_counts_have)
{
	struct kudp_map *m = map_new(1 << 20, 100 * 1440, 1440);

	CHECK(!kudp_map_has(m, 42));
	kudp_map_set(m, 42);
	CHECK(kudp_map_has(m, 42));
	CHECK(!kudp_map_has(m, 41));
	CHECK(!kudp_map_has(m, 43));
	CHECK_EQ(m->have, 1);
	CHECK_EQ(m->left[0], 99);
}

TEST(map_reset_forgets_the_previous_message)
{
	struct kudp_map *m = map_new(4 << 20, 4 << 20, KUDP_SEGMENT_MIN);
	u64 s;

	for (s = 0; s < m->nsegs; s += 3)
		arrive(m, s);
	kudp_map_reset(m, 3 << 20, 1440);
	CHECK_EQ(m->have, 0);
	CHECK_EQ(kudp_map_next(m, 0, true), m->nsegs);
	for (s = 0; s < m->nsegs; s += 97)
		CHECK(!kudp_map_has(m, s));
	CHECK_EQ(kudp_map_next(m, 0, true), m->nsegs);
}

TEST(map_next_across_chunks_not_set_up)
{
	struct kudp_map *m = map_new(8 << 20, 8 << 20, KUDP_SEGMENT_MIN);
	u64 cs = m->chunk_segs, s;

	/* One segment in chunk 3; chunks 0 to 2 not set up. */
	CHECK_EQ(arrive(m, 3 * cs + 7), 0);
	CHECK_EQ(kudp_map_next(m, 0, true), 3 * cs + 7);
	CHECK_EQ(kudp_map_next(m, 3 * cs + 7, true), 3 * cs + 7);
	CHECK_EQ(kudp_map_next(m, 3 * cs + 8, true), m->nsegs);
	CHECK_EQ(kudp_map_next(m, 3 * cs + 7, false), 3 * cs + 8);
	CHECK_EQ(kudp_map_next(m, 3 * cs, false), 3 * cs);
	/* Chunk 0 whole: the first missing is chunk 1's first, not set up. */
	for (s = 0; s < cs; s++)
		arrive(m, s);
	CHECK_EQ(kudp_map_next(m, 0, false), cs);
	CHECK_EQ(kudp_map_next(m, 0, true), 0);
	CHECK_EQ(kudp_map_next(m, cs - 1, true), cs - 1);
	CHECK_EQ(kudp_map_next(m, cs, true), 3 * cs + 7);
}

TEST(map_next_at_or_past_the_end)
{
	struct kudp_map *m = map_new(1 << 20, 10 * 1440, 1440);
	u64 s;

	CHECK_EQ(kudp_map_next(m, m->nsegs, false), m->nsegs);
	CHECK_EQ(kudp_map_next(m, m->nsegs, true), m->nsegs);
	CHECK_EQ(kudp_map_next(m, m->nsegs + 5, false), m->nsegs);
	for (s = 0; s < m->nsegs; s++)
		arrive(m, s);
	CHECK_EQ(kudp_map_next(m, 0, false), m->nsegs);
	CHECK_EQ(kudp_map_next(m, 0, true), 0);
}

TEST(map_every_order_completes_each_chunk_once)
{
	struct kudp_map *m = map_new(6 << 20, (5 << 20) + 777, 1440);
	u64 n = m->nsegs, i, *order = unit_alloc(n * sizeof(*order));
	unsigned int whole = 0, dup = 0;

	/* A shuffled order, then each segment again (duplicates). */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n - 1; i > 0; i--) {
		u64 j = unit_rand() % (i + 1), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++) {
		int r = arrive(m, order[i]);

		CHECK(r >= 0);
		whole += r;
		if (i + 1 < n)
			CHECK(kudp_map_next(m, 0, false) < n);
	}
	for (i = 0; i < n; i++)
		dup += arrive(m, order[i]) == -1;
	CHECK_EQ(whole, m->nchunks);
	CHECK_EQ(dup, n);
	CHECK_EQ(m->have, n);
	CHECK_EQ(kudp_map_next(m, 0, false), n);
}

/*
 * Check the NACK at @nack of @len bytes: its length, and that it parses,
 * with @nranges ranges, @nflags, the map's missing count, the test's
 * seg_size and ID, and ranges inside the message: range _i starts at
 * @first and has @count segments (expressions of _i).
 */
#define CHECK_NACK(m, nack, len, nranges, nflags, first, count)			\
	do {									\
		struct kudp_hdr _h;						\
		u64 _f, _c, _i;							\
										\
		CHECK_EQ(len, struct_size((struct kudp_nack_hdr *)(nack), range, (nranges))); \
		CHECK_EQ(kudp_wire_parse(nack, len, &_h), KUDP_T_NACK);	\
		CHECK_EQ(_h.ranges, nranges);					\
		CHECK_EQ(_h.flags, nflags);					\
		CHECK_EQ(_h.missing, (m)->nsegs - (m)->have);			\
		CHECK_EQ(_h.segment, seg_size);					\
		CHECK_EQ(_h.id, ID);						\
		for (_i = 0; _i < (nranges); _i++) {				\
			CHECK_EQ(kudp_wire_nack_range(nack + sizeof(struct kudp_nack_hdr), _i, (m)->nsegs, &_f, &_c), 0); \
			CHECK_EQ(_f, (first));					\
			CHECK_EQ(_c, (count));					\
		}								\
	} while (0)

TEST(map_nack_nothing_missing)
{
	u32 seg_size = 1440;
	struct kudp_map *m = map_new(1 << 20, 10 * seg_size, seg_size);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 s, from = 0;

	for (s = 0; s < m->nsegs; s++)
		arrive(m, s);
	CHECK_EQ(kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false), 0);
	CHECK_EQ(from, m->nsegs);
	/* Nothing written. */
	CHECK_EQ(nack[0], 0xa5);
}

TEST(map_nack_one_gap)
{
	u32 seg_size = 1440;
	struct kudp_map *m = map_new(1 << 20, 10 * seg_size - 100, seg_size);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 s, from = 0;
	size_t len;

	for (s = 0; s < m->nsegs; s++)
		if (s < 4 || s > 6)
			arrive(m, s);
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK_NACK(m, nack, len, 1, 0, 4, 3);
	CHECK_EQ(m->nsegs - m->have, 3);
	/* Moved past it: nothing more to say. */
	CHECK_EQ(from, m->nsegs);
	CHECK_EQ(kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false), 0);
	/* Asked from inside the gap, the NACK starts there. */
	from = 5;
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK_NACK(m, nack, len, 1, 0, 5, 2);
}

TEST(map_nack_whole_message_across_chunks_not_set_up)
{
	u32 seg_size = KUDP_SEGMENT_MIN;
	struct kudp_map *m = map_new(4 << 20, (3 << 20) + 1, seg_size);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 from = 0;
	size_t len;

	/* A CLOSE before any DATA: every segment missing, one range. */
	CHECK_EQ(m->nchunks, 4);
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK_NACK(m, nack, len, 1, 0, 0, m->nsegs);
	CHECK_EQ(from, m->nsegs);
}

/*
 * A map of 7 * @gaps segments: segments 7k to 7k+2 arrived, 7k+3 to 7k+6
 * missing; with the smallest segment, the gap at 2044 crosses into the
 * second chunk.
 */
static struct kudp_map *map_gaps(unsigned int gaps)
{
	struct kudp_map *m = map_new(4 << 20, 7ULL * gaps * KUDP_SEGMENT_MIN, KUDP_SEGMENT_MIN);
	u64 s;

	for (s = 0; s < m->nsegs; s++)
		if (s % 7 < 3)
			arrive(m, s);
	return m;
}

TEST(map_nack_many_gaps_continue_from_seg)
{
	unsigned int gaps = 2 * KUDP_NACK_RANGES + 7;
	u32 seg_size = KUDP_SEGMENT_MIN;
	struct kudp_map *m = map_gaps(gaps);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 from = 0, base;
	size_t len;

	CHECK_EQ(m->nchunks, 2);
	CHECK_EQ(m->nsegs - m->have, 4ULL * gaps);
	/* 181 ranges, MORE; then 181, MORE; then the last 7, no MORE. */
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK_EQ(len, KUDP_CONTROL_MAX);
	base = 0;
	CHECK_NACK(m, nack, len, KUDP_NACK_RANGES, KUDP_NACK_MORE, 7 * (base + _i) + 3, 4);
	CHECK_EQ(from, 7ULL * KUDP_NACK_RANGES + 3);
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	base = KUDP_NACK_RANGES;
	CHECK_NACK(m, nack, len, KUDP_NACK_RANGES, KUDP_NACK_MORE, 7 * (base + _i) + 3, 4);
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	base = 2 * KUDP_NACK_RANGES;
	CHECK_NACK(m, nack, len, 7, 0, 7 * (base + _i) + 3, 4);
	CHECK_EQ(from, m->nsegs);
	CHECK_EQ(kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false), 0);
}

TEST(map_nack_gap_across_chunks_is_one_range)
{
	u32 seg_size = KUDP_SEGMENT_MIN;
	struct kudp_map *m = map_gaps(300);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 gap = m->chunk_segs / 7 * 7 + 3, from = gap - 6, f, c;
	size_t len;

	/* Chunk 0 ends inside the gap from 7k + 3 to 7k + 6 (2047 to 2050). */
	CHECK(gap < m->chunk_segs && gap + 4 > m->chunk_segs && m->nchunks > 1);
	/* Asked from inside the gap before it: the rest of that one first. */
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK(len > 0);
	CHECK_EQ(kudp_wire_nack_range(nack + sizeof(struct kudp_nack_hdr), 0, m->nsegs, &f, &c), 0);
	CHECK_EQ(f, gap - 6);
	CHECK_EQ(c, 3);
	CHECK_EQ(kudp_wire_nack_range(nack + sizeof(struct kudp_nack_hdr), 1, m->nsegs, &f, &c), 0);
	CHECK_EQ(f, gap);
	CHECK_EQ(c, 4);
}

TEST(map_nack_last_never_says_more)
{
	u32 seg_size = KUDP_SEGMENT_MIN;
	struct kudp_map *m = map_gaps(KUDP_NACK_RANGES + 1);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 from = 0;
	size_t len;

	/* The batch's last NACK: full, more missing beyond, no MORE all the same. */
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, true);
	CHECK_NACK(m, nack, len, KUDP_NACK_RANGES, 0, 7 * _i + 3, 4);
	/* *seg still says where the next would start. */
	CHECK_EQ(from, 7ULL * KUDP_NACK_RANGES + 3);
}

TEST(map_nack_exactly_nack_ranges_gaps_no_more)
{
	u32 seg_size = KUDP_SEGMENT_MIN;
	struct kudp_map *m = map_gaps(KUDP_NACK_RANGES);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 from = 0;
	size_t len;

	/* Full, but nothing beyond it is missing: no MORE. */
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	CHECK_NACK(m, nack, len, KUDP_NACK_RANGES, 0, 7 * _i + 3, 4);
	CHECK_EQ(from, m->nsegs);
}

TEST(map_nack_missing_counts_the_whole_message)
{
	u32 seg_size = 1440;
	struct kudp_map *m = map_new(4 << 20, 3 << 20, seg_size);
	u8 *nack = unit_alloc(KUDP_CONTROL_MAX);
	u64 from, s;
	size_t len;

	/* Segments 0 to 9 and 20 to 29 arrived; asked from 25 on. */
	for (s = 0; s < 30; s++)
		if (s < 10 || s >= 20)
			arrive(m, s);
	from = 25;
	len = kudp_map_nack(m, &from, nack, seg_size, ID, KUDP_NACK_RANGES, false);
	/* One range, 30 to the end; missing counts the gap before 25 too. */
	CHECK_NACK(m, nack, len, 1, 0, 30, m->nsegs - 30);
	CHECK_EQ(get_unaligned_be32(&((struct kudp_nack_hdr *)nack)->missing), m->nsegs - 20);
}

/* The message's crc32_le() from ~0, as kudp_rel_rx.c computes it: chunk by chunk, joined. */
static u32 crc_by_chunks(const u8 *buf, u64 total, u32 segment, u32 *chunk_crc)
{
	struct kudp_map *m = map_new(total, total, segment);
	u64 chunk_bytes = (u64)m->chunk_segs * segment, off;
	size_t c;

	for (c = 0, off = 0; c < m->nchunks; c++, off += chunk_bytes)
		chunk_crc[c] = crc32_le(c ? 0 : ~0U, buf + off, min(chunk_bytes, total - off));
	return kudp_map_crc(chunk_crc, m->nchunks, chunk_bytes, total);
}

/* The bytes of a CRC chunk of 1440-byte segments (1048320). */
#define CHUNK_1440	((u64)(KUDP_CRC_CHUNK / 1440) * 1440)

TEST(map_crc_joins_chunks_into_the_message_crc)
{
	static const u64 totals[] = { 3 * CHUNK_1440 + 1000, 2 * CHUNK_1440 + 1, 5 << 19 };
	u64 size = 4 << 20, i;
	u8 *buf = unit_alloc(size);
	u32 *chunk_crc = unit_alloc(kudp_map_max_chunks(size) * sizeof(u32));

	for (i = 0; i < size; i++)
		buf[i] = unit_rand() >> 32;
	for (i = 0; i < ARRAY_SIZE(totals); i++) {
		/* Chunks that divide none of these. */
		CHECK(totals[i] % CHUNK_1440);
		CHECK_EQ(crc_by_chunks(buf, totals[i], 1440, chunk_crc),
			 crc32_le(~0U, buf, totals[i]));
	}
	/* And with the smallest and largest segments. */
	CHECK_EQ(crc_by_chunks(buf, totals[0], KUDP_SEGMENT_MIN, chunk_crc),
		 crc32_le(~0U, buf, totals[0]));
	CHECK_EQ(crc_by_chunks(buf, totals[0], KUDP_SEGMENT_MAX, chunk_crc),
		 crc32_le(~0U, buf, totals[0]));
}

TEST(map_crc_single_chunk_is_its_crc)
{
	u32 crc = 0x12345678;

	CHECK_EQ(kudp_map_crc(&crc, 1, CHUNK_1440, 1000), 0x12345678);
	CHECK_EQ(kudp_map_crc(&crc, 1, CHUNK_1440, CHUNK_1440), 0x12345678);
}

TEST(map_crc_is_zlib_crc_complemented)
{
	static const char check[] = "123456789";
	u32 chunk_crc[2];
	u64 total = 9;

	/* Two "chunks" of 5 and 4 bytes: zlib's CRC-32 check value, complemented. */
	chunk_crc[0] = crc32_le(~0U, (const u8 *)check, 5);
	chunk_crc[1] = crc32_le(0, (const u8 *)check + 5, 4);
	CHECK_EQ(kudp_map_crc(chunk_crc, 2, 5, total) ^ ~0U, 0xcbf43926);
}
