// SPDX-License-Identifier: GPL-2.0
/*
 * A message's CRC-32, a chunk at a time (see kudp_crc.h), for both of
 * receive_udp's engines. The raw engine's chunks become whole in order,
 * as its bytes are appended (kudp_crc_upto()); the reliable engine's in
 * any order, as the segments of each arrive (kudp_crc_ready()). Either
 * way the CRC-32 keeps up with the receive on the other CPUs, a chunk on
 * each (kudp_crc32(), joined by kudp_map_crc()), and the completion waits
 * for at most the chunks still to do, which it shares with the workers.
 * One CPU is left to the datagrams: on two vCPUs, a second worker cost
 * loopback 12 % of its goodput (523 against 594 MB/s, make bench).
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "kudp_core.h"
#include "kudp_crc.h"
#include "kudp_crc32.h"
#include "kudp_wire.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/* Chunk @c's CRC-32: from ~0 for the first, 0 for the others. */
static void kudp_crc_chunk(struct kudp_crc *k, size_t c)
{
	u64 off = c * k->chunk, total = READ_ONCE(k->total);
	u64 len = total ? min(k->chunk, total - off) : k->chunk;

	k->crc[c] = kudp_crc32(c ? 0 : ~0U, k->buf + off, len);
	/* Orders the CRC before the bit for kudp_crc_finish(). */
	smp_mb__before_atomic();
	set_bit(c, k->done);
}

/*
 * One chunk a pass, then behind the other work: see struct kudp_crc_worker.
 * A worker that finds its chunk claimed by another looks for the next.
 */
static void kudp_crc_work(struct work_struct *work)
{
	struct kudp_crc *k = container_of(work, struct kudp_crc_worker, work)->k;
	size_t c;

	for (c = find_first_bit(k->ready, k->max_chunks); c < k->max_chunks;
	     c = find_next_bit(k->ready, k->max_chunks, c + 1)) {
		if (test_and_clear_bit(c, k->ready)) {
			kudp_crc_chunk(k, c);
			break;
		}
	}
	if (!READ_ONCE(k->stopping) && find_first_bit(k->ready, k->max_chunks) < k->max_chunks)
		queue_work(system_unbound_wq, work);
}

/* Wait for every worker, which may be computing a chunk. */
static void kudp_crc_cancel(struct kudp_crc *k)
{
	unsigned int i;

	for (i = 0; i < k->nworkers; i++)
		cancel_work_sync(&k->workers[i].work);
}

/**
 * kudp_crc_init() - set up the CRC-32 of the messages of a buffer
 * @k: the machine, zeroed
 * @buf: the buffer
 * @size: its capacity
 *
 * Room for the chunks of the largest message, with the smallest chunk
 * (kudp_map_max_chunks()).
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int kudp_crc_init(struct kudp_crc *k, void *buf, u64 size)
{
	unsigned int i, n = clamp(num_online_cpus() - 1, 1U, KUDP_CRC_MAX_WORKERS);

	k->buf = buf;
	k->max_chunks = kudp_map_max_chunks(size);
	k->crc = kvcalloc(k->max_chunks, sizeof(u32), GFP_KERNEL);
	k->ready = kvcalloc(BITS_TO_LONGS(k->max_chunks), sizeof(long), GFP_KERNEL);
	k->done = kvcalloc(BITS_TO_LONGS(k->max_chunks), sizeof(long), GFP_KERNEL);
	k->workers = kcalloc(n, sizeof(*k->workers), GFP_KERNEL);
	if (!k->crc || !k->ready || !k->done || !k->workers) {
		kudp_crc_free(k);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		INIT_WORK(&k->workers[i].work, kudp_crc_work);
		k->workers[i].k = k;
	}
	k->nworkers = n;
	return 0;
}

/**
 * kudp_crc_reset() - start the CRC-32 of a new message
 * @k: the machine
 * @chunk: bytes per chunk, %KUDP_CRC_CHUNK / 2 at least
 * @total: the message's length, or 0 if it is not known yet
 *
 * Forgets the previous message's chunks, waiting for those the workers
 * may be computing.
 *
 * Context: the owner's work item; sleeps.
 */
void kudp_crc_reset(struct kudp_crc *k, u64 chunk, u64 total)
{
	kudp_crc_cancel(k);
	bitmap_zero(k->ready, k->max_chunks);
	bitmap_zero(k->done, k->max_chunks);
	k->chunk = chunk;
	WRITE_ONCE(k->total, total);
	k->fed = 0;
}

/**
 * kudp_crc_ready() - a chunk of the message is whole
 * @k: the machine
 * @c: the chunk: its bytes are in the buffer and do not change any more
 *
 * A worker computes it (the chunks take turns between them), unless the
 * completion gets to it first.
 *
 * Context: the owner's work item.
 */
void kudp_crc_ready(struct kudp_crc *k, size_t c)
{
	/* Orders the bytes before the bit for the workers. */
	smp_mb__before_atomic();
	set_bit(c, k->ready);
	if (!READ_ONCE(k->stopping))
		queue_work(system_unbound_wq, &k->workers[c % k->nworkers].work);
}

/**
 * kudp_crc_upto() - the message's first bytes are in the buffer
 * @k: the machine, reset with a total of 0
 * @bytes: how many
 * @last: they are the whole message: its length is @bytes, and its last
 *	chunk, whole or not, is ready too
 *
 * Hands over every chunk that @bytes made whole: the raw engine's way,
 * whose message grows at its end.
 *
 * Context: the owner's work item.
 */
void kudp_crc_upto(struct kudp_crc *k, u64 bytes, bool last)
{
	size_t end;

	if (last) {
		WRITE_ONCE(k->total, bytes);
		end = DIV_ROUND_UP_ULL(bytes, k->chunk);
	} else {
		end = div64_u64(bytes, k->chunk);
	}
	for (; k->fed < end; k->fed++)
		kudp_crc_ready(k, k->fed);
}

/**
 * kudp_crc_finish() - the CRC-32 of a whole message
 * @k: the machine: every chunk of the message is ready or done, and its
 *	total is known
 * @state: the result, as crc32_le() from ~0 leaves it (zlib's value is
 *	its complement)
 *
 * Computes the chunks no worker has claimed, waits for those the workers
 * may be computing, and joins them in order.
 *
 * Context: the owner's work item; sleeps.
 * Return: false if the machine is stopping (@state not set).
 */
bool kudp_crc_finish(struct kudp_crc *k, u32 *state)
{
	size_t c, n = DIV_ROUND_UP_ULL(k->total, k->chunk);

	for (c = 0; c < n; c++) {
		if (READ_ONCE(k->stopping))
			return false;
		if (test_and_clear_bit(c, k->ready)) {
			kudp_crc_chunk(k, c);
			cond_resched();
		}
	}
	/* The chunks the workers claimed last are done after this. */
	kudp_crc_cancel(k);
	if (WARN_ON_ONCE(find_first_zero_bit(k->done, n) < n))
		return false;
	*state = n ? kudp_map_crc(k->crc, n, k->chunk, k->total) : ~0U;
	return true;
}

/**
 * kudp_crc_stop() - stop computing (exit begins)
 * @k: the machine
 *
 * The workers do not queue themselves again, and a completion that is
 * computing gives up at its next chunk.
 *
 * Context: any.
 */
void kudp_crc_stop(struct kudp_crc *k)
{
	WRITE_ONCE(k->stopping, true);
}

/**
 * kudp_crc_free() - free what kudp_crc_init() allocated
 * @k: the machine: zeroed, or set up; kudp_crc_stop() first if the owner
 *	ran, and no work item of the owner runs or will run
 *
 * Waits for the workers.
 *
 * Context: process context.
 */
void kudp_crc_free(struct kudp_crc *k)
{
	kudp_crc_cancel(k);
	kfree(k->workers);
	kvfree(k->done);
	kvfree(k->ready);
	kvfree(k->crc);
}
