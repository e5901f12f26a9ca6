/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A message's CRC-32, a chunk at a time (kudp_crc.c): both of
 * receive_udp's engines hand it the chunks of the buffer as they become
 * whole, in any order; work items on the other CPUs compute them behind
 * the receive, and the completion computes what is left and joins them.
 */
#ifndef _KUDP_CRC_H
#define _KUDP_CRC_H

#include <linux/types.h>
#include <linux/workqueue.h>

/* At most this many work items compute a message's chunks at once. */
#define KUDP_CRC_MAX_WORKERS	16

struct kudp_crc;

/**
 * struct kudp_crc_worker - one of the work items of a &struct kudp_crc
 * @work: computes @k's ready chunks, one a pass, then goes behind the
 *	other work of the system's unbound workqueue
 * @k: the machine it works for
 */
struct kudp_crc_worker {
	struct work_struct work;
	struct kudp_crc *k;
};

/**
 * struct kudp_crc - the CRC-32 of the message in a buffer, by chunks
 * @buf: the buffer
 * @max_chunks: entries of @crc, bits of @ready and @done
 * @crc: per chunk, crc32_le() of its bytes: from ~0 for the first, from 0
 *	for the others (kudp_map_crc() joins them)
 * @ready: chunks whole whose CRC-32 nobody has computed: set by the owner
 *	(kudp_crc_ready()), claimed with test_and_clear_bit() by a worker or
 *	by kudp_crc_finish()
 * @done: chunks whose @crc is computed
 * @workers: one per CPU online at load but one, and one at least (at
 *	most %KUDP_CRC_MAX_WORKERS), on system_unbound_wq at normal
 *	priority: a CPU stays for the datagrams (the drain, the receive
 *	softirq; over loopback the sender too)
 * @nworkers: how many
 * @stopping: set by kudp_crc_stop(): the workers do not queue themselves
 *	again, and kudp_crc_finish() gives up at its next chunk
 * @chunk: bytes per chunk of the message (its last may be shorter)
 * @total: the message's length, or 0 while it is not known (the raw
 *	engine learns it when the message completes): written by the owner
 *	before the chunk it makes the last one is ready
 * @fed: chunks kudp_crc_upto() handed over
 *
 * The owner is receive_udp: module init and exit call kudp_crc_init(),
 * kudp_crc_stop() and kudp_crc_free(); its ordered workqueue's work items,
 * one at a time, call the others.
 */
struct kudp_crc {
	void *buf;
	size_t max_chunks;
	u32 *crc;
	unsigned long *ready;
	unsigned long *done;
	struct kudp_crc_worker *workers;
	unsigned int nworkers;
	bool stopping;

	u64 chunk;
	u64 total;
	size_t fed;
};

int kudp_crc_init(struct kudp_crc *k, void *buf, u64 size);
void kudp_crc_reset(struct kudp_crc *k, u64 chunk, u64 total);
void kudp_crc_ready(struct kudp_crc *k, size_t c);
void kudp_crc_upto(struct kudp_crc *k, u64 bytes, bool last);
bool kudp_crc_finish(struct kudp_crc *k, u32 *state);
void kudp_crc_stop(struct kudp_crc *k);
void kudp_crc_free(struct kudp_crc *k);

#endif /* _KUDP_CRC_H */
