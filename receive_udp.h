/* SPDX-License-Identifier: GPL-2.0 */
/*
 * receive_udp's receiver, as its two receive engines see it.
 *
 * receive_udp.c owns the receiver: the socket, the work items, the idle
 * timer, the device, the parameters, and the message helpers below
 * (completion, discard, the idle rule, the CRC-32 pipeline, events). Each
 * mode is one engine, chosen once at load, that files a receive into the
 * message: receive_udp_raw.c (the specification's bytes in order) and
 * receive_udp_rel.c (Documentation/protocol.rst). The drain calls the
 * engine at one place, receive_udp_one(); nothing else asks for the mode.
 */
#ifndef _RECEIVE_UDP_H
#define _RECEIVE_UDP_H

#include <linux/hrtimer.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "kudp_core.h"
#include "kudp_crc.h"
#include "kudp_rel.h"

/*
 * The specification's idle time: a raw message completes 5 s after its
 * last datagram (the "idle" parameter changes it).
 */
#define RX_IDLE_DEFAULT_S	5

struct kudp_rx;

/**
 * struct kudp_rx_engine - how one mode files what arrives
 * @name: the mode's name, for the log
 * @init: set up what the engine keeps beside the buffer (optional).
 *	Process context, from module init, before the socket exists
 * @free: undo @init (optional): no work item runs any more
 * @take: file one receive (a GRO run of one source's datagrams, or one
 *	datagram) from a source that peer allows. @burst: the idle timer was
 *	still queued when the drain came to it. From the drain, on the
 *	receiver's ordered workqueue
 * @idle: the message went the idle time without a datagram while
 *	receiving. From the work items on the ordered workqueue
 * @idle_ms: how long a message may go without a datagram
 * @forget: the message was thrown away (optional): what the engine keeps
 *	of it goes too. With rx->lock held, from the work items
 */
struct kudp_rx_engine {
	const char *name;
	int (*init)(struct kudp_rx *rx);
	void (*free)(struct kudp_rx *rx);
	void (*take)(struct kudp_rx *rx, const struct kudp_dgram *dg, bool burst);
	void (*idle)(struct kudp_rx *rx);
	unsigned int (*idle_ms)(const struct kudp_rx *rx);
	void (*forget)(struct kudp_rx *rx);
};

extern const struct kudp_rx_engine receive_udp_raw;
extern const struct kudp_rx_engine receive_udp_rel;

/**
 * struct kudp_rx - the receiver
 * @buf: the message buffer, @size bytes, allocated in init
 * @size: capacity of @buf
 * @engine: the protocol's receive engine, chosen by the "mode" parameter
 *	at load: &receive_udp_raw or &receive_udp_rel
 * @hold: mode=reliable: seconds an incomplete message is kept after its
 *	last datagram. Written by its parameter callback; read with
 *	READ_ONCE() when the drain arms the idle timer
 * @idle: mode=raw: seconds without a datagram that complete a message
 *	(RX_IDLE_DEFAULT_S, the specification's 5, unless set). Written and
 *	read as @hold
 * @sock: the socket bound to 0.0.0.0:port (8808 by default), on the
 *	interface dev if given; both are load-time parameters, read by init
 * @wq: ordered workqueue: its work items never run at once, and run in the
 *	order they were queued
 * @drain_work: takes the queued datagrams off @sock, RX_DRAIN_BUDGET a
 *	pass
 * @complete_work: completes the message when @idle_timer has expired
 * @control_work: carries out @control (a reset, a discard, a new key)
 * @idle_timer: armed (re-armed) for the engine's idle time at each
 *	datagram; "queued" means a datagram came less than that time ago.
 *	Armed only by @drain_work.
 * @saved_data_ready: @sock's own callback, put back at exit
 * @read_wq: readers waiting for a completed message
 * @dev: /dev/receive_udp and its statistics
 * @control: KUDP_IOC_RESET, KUDP_IOC_DISCARD or RX_CONTROL_KEY for
 *	@control_work; written by the ioctl, or the key's parameter callback,
 *	under @control_lock
 * @control_key: RX_CONTROL_KEY's key, for @control_work, which wipes it;
 *	written under @control_lock
 * @control_lock: one reset, discard or new key at a time
 * @stopping: set first thing by exit: the drain stops at its next datagram
 *	and does not queue itself again. Written once, read with READ_ONCE()
 * @crc: the message's CRC-32, a chunk at a time, behind the receive
 *	(kudp_crc.h): both engines hand it the chunks that become whole;
 *	the work items on @wq own it, exit stops it
 * @lock: protects the fields below it, and @buf's contents while @state
 *	is %KUDP_STATE_COMPLETE. Process context only. The work items are the
 *	only writers; they may read the fields without it. @state is also
 *	read without it (READ_ONCE) to wait and poll.
 * @state: %KUDP_STATE_EMPTY, %KUDP_STATE_RECEIVING or %KUDP_STATE_COMPLETE
 * @reason: why the last message completed
 * @cur: the current message: bytes (its length), datagrams; its CRC-32
 *	once it completes (from @crc)
 * @seq: sequence number of the last completed message, from 1
 * @last: the last completed message's figures, kept after it is discarded
 * @messages: messages completed since load or reset
 * @overflow: bytes that did not fit, since load or reset
 * @errors: receive errors since load or reset
 * @last_error: the last receive error, or 0
 * @rejected: datagrams dropped by the drain (from outside peer,
 *	malformed, not of the message), since load or reset
 * @filtered: datagrams from outside peer dropped before the socket's
 *	queue (receive_udp_filter(), softirq), since load or reset; atomic,
 *	and outside @lock: shown as part of rejected
 * @drops_base: the socket's drop count (sk_drops, 32 bits) at load or reset
 * @udp_errors_base: the system's UDP InErrors at load or reset
 * @rel: mode=reliable: where each segment goes and what arrived
 *	(kudp_rel.h); the work items on @wq own it
 */
struct kudp_rx {
	void *buf;
	u64 size;
	const struct kudp_rx_engine *engine;
	unsigned int hold;
	unsigned int idle;
	struct socket *sock;
	struct workqueue_struct *wq;
	struct work_struct drain_work;
	struct work_struct complete_work;
	struct work_struct control_work;
	struct hrtimer idle_timer;
	void (*saved_data_ready)(struct sock *sk);
	wait_queue_head_t read_wq;
	struct kudp_dev dev;
	unsigned int control;
	struct kudp_key control_key;
	/* Serializes resets and discards (process context, ioctl). */
	struct mutex control_lock;
	bool stopping;
	struct kudp_crc crc;

	/* Protects what follows, from the work items and everything else. */
	struct mutex lock;
	enum kudp_state state;
	enum kudp_reason reason;
	struct kudp_xfer cur;
	u64 seq;
	struct kudp_xfer last;
	u64 messages;
	u64 overflow;
	u64 errors;
	int last_error;
	u64 rejected;
	atomic_long_t filtered;
	u32 drops_base;
	unsigned long udp_errors_base;

	struct kudp_rel_rx rel;
};

/* /dev/receive_udp (receive_udp_dev.c). */
extern const struct file_operations receive_udp_fops;

/* The message helpers (receive_udp.c), for the engines. */
void receive_udp_start(struct kudp_rx *rx);
void receive_udp_complete(struct kudp_rx *rx, enum kudp_reason reason);
void receive_udp_set_empty(struct kudp_rx *rx, enum kudp_cause cause);
void receive_udp_arm_timer(struct kudp_rx *rx);
void receive_udp_reject(struct kudp_rx *rx, const struct sockaddr_in *from,
			unsigned int datagrams, const char *why);
void receive_udp_error(struct kudp_rx *rx, int err);

#endif /* _RECEIVE_UDP_H */
