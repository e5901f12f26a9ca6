// SPDX-License-Identifier: GPL-2.0
/*
 * receive_udp: collect the UDP datagrams sent to port 8808 into one message.
 *
 * Every datagram's payload is appended to the buffer. The message is
 * complete when the buffer is full or when no datagram has come for 5
 * seconds; "data" and /dev/receive_udp then show it. The next datagram after
 * an idle completion discards it and starts a new message. After a
 * full-buffer completion, datagrams of the same burst (less than 5 s apart)
 * are counted as overflow and dropped; a 5 s pause ends the burst.
 *
 * With mode=reliable (Documentation/protocol.rst, kudp_proto.c), each
 * datagram says where its payload goes, the sender resends what is
 * missing, and the message is complete as soon as it is whole and its
 * CRC-32 is the one announced; an incomplete one is kept "hold" seconds
 * (60) after its last datagram, then discarded.
 *
 * Contexts:
 *   receive_udp_data_ready()   softirq: only queues drain_work
 *   receive_udp_filter()       softirq, with peer set: drops datagrams from
 *                              outside peer before the socket's queue
 *   receive_udp_idle_expired() hard IRQ: only queues complete_work
 *   drain_work, complete_work, process context, on an ordered (so never
 *   control_work               concurrent), unbound, high-priority workqueue;
 *                              they send the netlink events
 *   crc_work                   process context, on the system's unbound
 *                              workqueue: beside the drain, on another CPU
 *   parameter callbacks        process context, kernel_param_lock held
 *   file operations, sysfs     process context
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/bitops.h>
#include <linux/crc32.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "kudp_core.h"
#include "kudp_proto.h"

#define RX_IDLE_TIMEOUT_MS	5000
/*
 * Datagrams one pass of drain_work takes off the socket before it queues
 * itself again, behind whatever else was queued meanwhile: a flood cannot
 * hold the workqueue, and a discard, a reset, the completion or exit's
 * cancel waits for one pass at most.
 */
#define RX_DRAIN_BUDGET		64
/*
 * The message's CRC-32 is computed behind the drain, RX_CRC_CHUNK bytes at
 * a time: crc_work is queued once that much is waiting, and a reset,
 * discard or exit waits for one chunk at most.
 */
#define RX_CRC_CHUNK		SZ_1M
/* rcvbuf's limit: the kernel doubles the value into an int. */
#define RX_RCVBUF_MAX		SZ_1G
/* rcvbuf when not given: 128 MiB, or a sixteenth of the RAM if less. */
#define RX_RCVBUF_DEFAULT	SZ_128M
#define RX_RCVBUF_RAM_SHARE	16

/* Load-time settings, read by init (and mode by the work items). */
static u64 buffer_size = KUDP_DEFAULT_BUFSIZE;
static enum kudp_mode mode;
static u64 rcvbuf;	/* 0: not given (its set refuses 0); init picks it */
/*
 * gro: whether the stack may coalesce a run of datagrams into one receive
 * (UDP GRO). Written by its parameter callback, which sets the socket
 * option too, under kernel_param_lock; init sets the socket's before the
 * module is ready.
 */
static bool gro = true;
/*
 * hold: seconds an incomplete message of the reliable mode is kept after
 * its last datagram. Written by its parameter callback; read with
 * READ_ONCE() when the drain arms the idle timer.
 */
static unsigned int hold = KUDP_HOLD_DEFAULT_S;

/*
 * peer: who may write into the message, an IPv4 prefix; 0.0.0.0/0 (anyone)
 * by default. Written by its parameter callback, read by the drain and by
 * receive_udp_filter() (softirq): all under peer_lock, bottom halves off,
 * so that no reader sees an address with another prefix's mask.
 */
static DEFINE_SPINLOCK(peer_lock);
static __be32 peer_addr;	/* the prefix's address, host bits 0 */
static __be32 peer_mask;	/* its mask: 0 for anyone */

/**
 * struct kudp_rx - the receiver
 * @buf: the message buffer, @size bytes, allocated in init
 * @size: capacity of @buf
 * @mode: the protocol, the "mode" parameter at load
 * @sock: the socket bound to 0.0.0.0:8808
 * @wq: ordered workqueue: its work items never run at once, and run in the
 *	order they were queued
 * @drain_work: takes the queued datagrams off @sock, RX_DRAIN_BUDGET a
 *	pass
 * @complete_work: completes the message when @idle_timer has expired
 * @crc_work: brings @cur's CRC-32 up to the bytes stored, while the drain
 *	stores more
 * @control_work: carries out @control (a reset or a discard)
 * @idle_timer: armed (re-armed) for 5 s at each datagram; "queued" means a
 *	datagram came less than 5 s ago. Armed only by @drain_work.
 * @saved_data_ready: @sock's own callback, put back at exit
 * @read_wq: readers waiting for a completed message
 * @dev: /dev/receive_udp and its statistics
 * @control: KUDP_IOC_RESET or KUDP_IOC_DISCARD for @control_work; written
 *	by the ioctl under @control_lock
 * @control_lock: one reset or discard at a time
 * @stopping: set first thing by exit: the drain stops at its next datagram
 *	and does not queue itself again. Written once, read with READ_ONCE()
 * @crc_end: bytes of @cur stored in @buf: written by the work items on @wq
 *	with smp_store_release() once the bytes are there, read by @crc_work
 *	with smp_load_acquire()
 * @crc_lock: protects @crc_done, @crc_limit and @cur.crc (a mutex: a
 *	chunk takes a millisecond or more). Taken by @crc_work, by the work
 *	item that completes the message (receive_udp_finish()), and inside
 *	@lock by a new message's reset of @cur
 * @crc_done: bytes of @cur that @cur.crc covers; read without @crc_lock
 *	(READ_ONCE) to decide whether to queue @crc_work
 * @crc_limit: where @crc_work stops: %SIZE_MAX, or, while the message
 *	completes, the half that receive_udp_finish() leaves to it
 * @lock: protects the fields below it, and @buf's contents while @state
 *	is %KUDP_STATE_COMPLETE. Process context only. The work items are the
 *	only writers; they may read the fields without it. @state is also
 *	read without it (READ_ONCE) to wait and poll.
 * @state: %KUDP_STATE_EMPTY, %KUDP_STATE_RECEIVING or %KUDP_STATE_COMPLETE
 * @reason: why the last message completed
 * @cur: the current message: bytes (its length), datagrams, CRC-32 (under
 *	@crc_lock, see above)
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
 *	(kudp_proto.h); the work items on @wq own it
 */
struct kudp_rx {
	void *buf;
	u64 size;
	enum kudp_mode mode;
	struct socket *sock;
	struct workqueue_struct *wq;
	struct work_struct drain_work;
	struct work_struct complete_work;
	struct work_struct control_work;
	struct work_struct crc_work;
	struct hrtimer idle_timer;
	void (*saved_data_ready)(struct sock *sk);
	wait_queue_head_t read_wq;
	struct kudp_dev dev;
	unsigned int control;
	/* Serializes resets and discards (process context, ioctl). */
	struct mutex control_lock;
	bool stopping;
	size_t crc_end;
	/* Protects crc_done, crc_limit and cur.crc (see above). */
	struct mutex crc_lock;
	size_t crc_done;
	size_t crc_limit;

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

static void receive_udp_snapshot(struct kudp_stats *st);
static void receive_udp_reset(void);
static int receive_udp_discard(void);
static const struct file_operations receive_udp_fops;

static struct kudp_rx rx = {
	.dev = {
		.name = "receive_udp",
		.fops = &receive_udp_fops,
		.snapshot = receive_udp_snapshot,
		.reset = receive_udp_reset,
		.discard = receive_udp_discard,
	},
	.read_wq = __WAIT_QUEUE_HEAD_INITIALIZER(rx.read_wq),
	.control_lock = __MUTEX_INITIALIZER(rx.control_lock),
	.crc_lock = __MUTEX_INITIALIZER(rx.crc_lock),
	.crc_limit = SIZE_MAX,
	.lock = __MUTEX_INITIALIZER(rx.lock),
	.state = KUDP_STATE_EMPTY,
};

static unsigned long receive_udp_in_errors(void)
{
	return snmp_fold_field(sock_net(rx.sock->sk)->mib.udp_statistics,
			       UDP_MIB_INERRORS);
}

/* Called with rx.lock held, from the work items. */
static void receive_udp_complete(enum kudp_reason reason)
{
	kudp_enter("reason=%s, len=%llu", kudp_reason_name(reason), rx.cur.bytes);
	rx.reason = reason;
	rx.last = rx.cur;
	rx.messages++;
	rx.seq++;
	WRITE_ONCE(rx.state, KUDP_STATE_COMPLETE);
	kudp_dbg("message %llu completed (%s): %llu bytes in %llu datagrams, CRC-32 %08x\n",
		 rx.seq, reason == KUDP_REASON_FULL ? "buffer full" :
			 reason == KUDP_REASON_IDLE ? "5 s idle" : "whole, CRC-32 right",
		 rx.cur.bytes, rx.cur.datagrams, kudp_xfer_crc32(&rx.cur));
	wake_up_interruptible_all(&rx.read_wq);
	kudp_genl_notify(&(struct kudp_event){
		.cmd = KUDP_CMD_COMPLETE,
		.seq = rx.seq,
		.xfer = &rx.last,
		.reason = reason,
	});
}

/*
 * Throw the message away, complete or not, for @cause (&enum kudp_cause).
 * Called with rx.lock held, from the work items.
 */
static void receive_udp_set_empty(enum kudp_cause cause)
{
	if (rx.state != KUDP_STATE_EMPTY) {
		/* A message that never completed has no sequence number. */
		u64 seq = rx.state == KUDP_STATE_COMPLETE ? rx.seq : 0;

		kudp_dbg("message %llu (%llu bytes) discarded\n", seq, rx.cur.bytes);
		kudp_genl_notify(&(struct kudp_event){
			.cmd = KUDP_CMD_DISCARDED,
			.seq = seq,
			.xfer = &rx.cur,
			.cause = cause,
		});
	}
	mutex_lock(&rx.crc_lock);
	kudp_xfer_start(&rx.cur);
	WRITE_ONCE(rx.crc_done, 0);
	/* Pairs with smp_load_acquire() in receive_udp_crc_step(). */
	smp_store_release(&rx.crc_end, 0);
	mutex_unlock(&rx.crc_lock);
	/* mode=reliable: its next datagram starts it anew. */
	rx.rel.active = false;
	WRITE_ONCE(rx.state, KUDP_STATE_EMPTY);
}

/*
 * Bring @cur's CRC-32 up to the bytes stored (or to crc_limit), by at most
 * RX_CRC_CHUNK bytes. Return whether bytes are left. Called with
 * rx.crc_lock held.
 */
static bool receive_udp_crc_step(void)
{
	/* Pairs with receive_udp_crc_feed(): the bytes counted are there. */
	size_t end = min(smp_load_acquire(&rx.crc_end), rx.crc_limit);
	size_t len = min_t(size_t, end - rx.crc_done, RX_CRC_CHUNK);

	if (!len)
		return false;
	WRITE_ONCE(rx.cur.crc, crc32_le(rx.cur.crc, rx.buf + rx.crc_done, len));
	WRITE_ONCE(rx.crc_done, rx.crc_done + len);
	return rx.crc_done < end;
}

static void receive_udp_crc_work(struct work_struct *work)
{
	bool more;

	mutex_lock(&rx.crc_lock);
	more = receive_udp_crc_step();
	mutex_unlock(&rx.crc_lock);
	if (more && !READ_ONCE(rx.stopping))
		queue_work(system_unbound_wq, &rx.crc_work);
}

/*
 * The drain stored bytes of the message: hand them to crc_work once a
 * chunk is waiting. From the work items on rx.wq.
 */
static void receive_udp_crc_feed(void)
{
	size_t end = rx.cur.bytes;

	/* Pairs with smp_load_acquire() in receive_udp_crc_step(). */
	smp_store_release(&rx.crc_end, end);
	if (end - READ_ONCE(rx.crc_done) >= RX_CRC_CHUNK)
		queue_work(system_unbound_wq, &rx.crc_work);
}

/*
 * Complete the message for @reason, once its CRC-32 covers every byte.
 * What crc_work has not done yet is split in two: crc_work goes on with
 * the first half, on another CPU, while this work item computes the second
 * from a zero seed, then joins them (crc32_le_combine()). Nothing is
 * completed when exit has begun. From the work items on rx.wq (so the
 * message's bytes do not change meanwhile), without rx.lock.
 */
static void receive_udp_finish(enum kudp_reason reason)
{
	size_t end = rx.cur.bytes, mid, off, len;
	bool stopped;
	u32 tail = 0;

	mutex_lock(&rx.crc_lock);
	mid = rx.crc_done + (end - rx.crc_done) / 2;
	rx.crc_limit = mid;
	mutex_unlock(&rx.crc_lock);
	queue_work(system_unbound_wq, &rx.crc_work);

	for (off = mid; off < end && !READ_ONCE(rx.stopping); off += len) {
		len = min_t(size_t, end - off, RX_CRC_CHUNK);
		tail = crc32_le(tail, rx.buf + off, len);
		cond_resched();
	}

	mutex_lock(&rx.crc_lock);
	/* The part of the first half that crc_work has not reached. */
	while (receive_udp_crc_step() && !READ_ONCE(rx.stopping))
		cond_resched();
	stopped = READ_ONCE(rx.stopping);
	if (!stopped) {
		WRITE_ONCE(rx.cur.crc, crc32_le_combine(rx.cur.crc, tail, end - mid));
		WRITE_ONCE(rx.crc_done, end);
	}
	rx.crc_limit = SIZE_MAX;
	mutex_unlock(&rx.crc_lock);
	if (stopped)
		return;

	mutex_lock(&rx.lock);
	receive_udp_complete(reason);
	mutex_unlock(&rx.lock);
}

/*
 * How long the message may go without a datagram: the specification's 5 s
 * in raw mode; hold seconds in the reliable mode, where an incomplete
 * message waits for its sender to come back.
 */
static unsigned int receive_udp_idle_ms(void)
{
	return rx.mode == KUDP_MODE_RELIABLE ? READ_ONCE(hold) * MSEC_PER_SEC :
					      RX_IDLE_TIMEOUT_MS;
}

static void receive_udp_arm_timer(void)
{
	bool rearm = hrtimer_is_queued(&rx.idle_timer);
	unsigned int ms = receive_udp_idle_ms();

	hrtimer_start(&rx.idle_timer, ms_to_ktime(ms), HRTIMER_MODE_REL);
	kudp_dbg_rl("idle timer %s (%u ms)\n", rearm ? "re-armed" : "armed", ms);
}

/* Whether @addr may write into the message (peer). Any context. */
static bool receive_udp_peer_ok(__be32 addr)
{
	bool ok;

	spin_lock_bh(&peer_lock);
	ok = !((addr ^ peer_addr) & peer_mask);
	spin_unlock_bh(&peer_lock);
	return ok;
}

/*
 * Count @datagrams from @from, already off the socket, as rejected, for
 * the reason @why.
 */
static void receive_udp_reject(const struct sockaddr_in *from,
			       unsigned int datagrams, const char *why)
{
	pr_warn_ratelimited("datagram from %pI4:%u dropped: %s\n",
			    &from->sin_addr, ntohs(from->sin_port), why);
	mutex_lock(&rx.lock);
	rx.rejected += datagrams;
	mutex_unlock(&rx.lock);
}

/*
 * With peer set: UDP's encapsulation hook, called for each datagram (or
 * GRO run) before it is queued to the socket, in softirq. Returns 1 to
 * queue it; drops one from outside peer and returns 0, so that a flood
 * from others cannot fill the queue that the peer's datagrams need.
 */
static int receive_udp_filter(struct sock *sk, struct sk_buff *skb)
{
	__be32 saddr = ip_hdr(skb)->saddr;

	if (receive_udp_peer_ok(saddr))
		return 1;
	atomic_long_inc(&rx.filtered);
	pr_warn_ratelimited("datagram from %pI4:%u dropped: not from peer\n",
			    &saddr, ntohs(udp_hdr(skb)->source));
	kfree_skb(skb);
	return 0;
}

/*
 * Filter before the queue while peer is set (not anyone). The stack
 * segments a GRO run before such a hook: the cost of GRO comes back, only
 * then. Called with kernel_param_lock held (peer's set) or by init.
 */
static void receive_udp_set_filter(bool on)
{
	struct sock *sk = rx.sock->sk;

	kudp_enter("on=%d", on);
	if (on) {
		WRITE_ONCE(udp_sk(sk)->encap_type, 1);
		udp_tunnel_encap_enable(sk);
	}
	WRITE_ONCE(udp_sk(sk)->encap_rcv, on ? receive_udp_filter : NULL);
}

/* What a raw receiver says of a reliable sender's datagrams. */
#define RX_NOT_RAW	"a reliable-mode datagram (this receiver is in mode=raw)"

/*
 * File one receive (with GRO, a run of datagrams from one source) where
 * the message's state says: a receive from outside peer touches neither
 * the message nor the idle timer. @burst: the idle timer was queued when
 * the drain came to it (less than 5 s since the last datagram).
 */
static void receive_udp_raw_take(const struct kudp_dgram *dg, bool burst)
{
	u8 head[sizeof(struct kudp_common_hdr)];
	size_t stored, room;
	const void *h;

	if (!receive_udp_peer_ok(dg->from.sin_addr.s_addr)) {
		receive_udp_reject(&dg->from, kudp_dgram_count(dg, dg->len), "not from peer");
		return;
	}
	h = skb_header_pointer(dg->skb, 0, min(dg->len, sizeof(head)), head);
	if (kudp_proto_is_reliable(h, min(dg->len, sizeof(head)))) {
		receive_udp_reject(&dg->from, kudp_dgram_count(dg, dg->len), RX_NOT_RAW);
		return;
	}

	if (rx.state == KUDP_STATE_COMPLETE && rx.reason == KUDP_REASON_FULL && burst) {
		/* The burst that filled the buffer goes on. */
		receive_udp_arm_timer();
		mutex_lock(&rx.lock);
		rx.overflow += dg->len;
		mutex_unlock(&rx.lock);
		return;
	}
	if (rx.state != KUDP_STATE_RECEIVING) {
		/* A new message: the previous one, if any, is discarded. */
		mutex_lock(&rx.lock);
		receive_udp_set_empty(KUDP_CAUSE_REPLACED);
		WRITE_ONCE(rx.state, KUDP_STATE_RECEIVING);
		mutex_unlock(&rx.lock);
	}
	receive_udp_arm_timer();

	room = rx.size - rx.cur.bytes;
	stored = min(dg->len, room);
	if (skb_copy_bits(dg->skb, 0, rx.buf + rx.cur.bytes, stored))
		return;
	mutex_lock(&rx.lock);
	kudp_xfer_add(&rx.cur, stored, kudp_dgram_count(dg, stored));
	rx.overflow += dg->len - stored;
	mutex_unlock(&rx.lock);
	receive_udp_crc_feed();
	if (rx.cur.bytes == rx.size)
		receive_udp_finish(KUDP_REASON_FULL);
}

/*
 * mode=reliable: the message stayed incomplete for hold seconds after its
 * last datagram. Called from the work items.
 */
static void receive_udp_rel_incomplete(void)
{
	unsigned int s = receive_udp_idle_ms() / MSEC_PER_SEC;

	pr_warn_ratelimited("message %#llx incomplete %u s after its last datagram (%llu of %llu bytes): discarded\n",
			    rx.rel.id, s, rx.cur.bytes, rx.rel.total);
	mutex_lock(&rx.lock);
	receive_udp_set_empty(KUDP_CAUSE_INCOMPLETE);
	mutex_unlock(&rx.lock);
}

/* An answer of the reliable mode could not be sent: count it (@ret < 0). */
static void receive_udp_answered(int ret)
{
	if (ret >= 0)
		return;
	kudp_dbg_rl("an answer could not be sent: error %d\n", ret);
	mutex_lock(&rx.lock);
	rx.errors++;
	rx.last_error = ret;
	mutex_unlock(&rx.lock);
}

/*
 * mode=reliable: the message is whole and its CLOSE came: complete it and
 * ACK it if its CRC-32 is the one announced, else discard it and REFUSE
 * it.
 */
static void receive_udp_rel_finish(void)
{
	bool right;
	u32 crc;

	if (!kudp_rel_rx_crc(&rx.rel, &crc))
		return;
	mutex_lock(&rx.lock);
	right = ~crc == rx.rel.crc;
	if (right) {
		mutex_lock(&rx.crc_lock);
		WRITE_ONCE(rx.cur.crc, crc);
		mutex_unlock(&rx.crc_lock);
		kudp_rel_rx_complete(&rx.rel);
		receive_udp_complete(KUDP_REASON_WHOLE);
	} else {
		pr_warn_ratelimited("message %#llx: its CRC-32 is %08x, the sender announced %08x: discarded\n",
				    rx.rel.id, ~crc, rx.rel.crc);
		receive_udp_set_empty(KUDP_CAUSE_CRC);
	}
	mutex_unlock(&rx.lock);
	receive_udp_answered(kudp_rel_rx_answer(&rx.rel, rx.sock, right ? 0 : EBADMSG));
}

/*
 * mode=reliable: file the datagram of @len bytes at @off in @dg
 * (Documentation/protocol.rst, "The receiver").
 */
static void receive_udp_rel_take(const struct kudp_dgram *dg, size_t off, size_t len)
{
	union {
		struct kudp_data_hdr data;
		struct kudp_close_hdr close;
	} buf;
	const struct kudp_common_hdr *c;
	size_t stored;
	void *slot;

	c = skb_header_pointer(dg->skb, off, min(len, sizeof(buf)), &buf);
	switch (kudp_rel_rx_classify(&rx.rel, c, len, &dg->from)) {
	case KUDP_REL_BAD:
		receive_udp_reject(&dg->from, 1, "malformed, or not a reliable-mode DATA or CLOSE");
		return;
	case KUDP_REL_FOREIGN:
		receive_udp_reject(&dg->from, 1, "of the message, not from its sender");
		return;
	case KUDP_REL_STALE:
		receive_udp_reject(&dg->from, 1, "of an earlier message");
		return;
	case KUDP_REL_TOO_BIG:
		receive_udp_reject(&dg->from, 1, "of a message larger than the buffer");
		receive_udp_answered(kudp_rel_rx_refuse_big(&rx.rel, rx.sock, c, dg));
		return;
	case KUDP_REL_BUSY:
		receive_udp_reject(&dg->from, 1, "a new message, another sender's in progress");
		return;
	case KUDP_REL_NEW:
		/* The previous message, if any, is discarded. */
		mutex_lock(&rx.lock);
		receive_udp_set_empty(KUDP_CAUSE_REPLACED);
		WRITE_ONCE(rx.state, KUDP_STATE_RECEIVING);
		mutex_unlock(&rx.lock);
		kudp_rel_rx_begin(&rx.rel, c, &dg->from, dg->to);
		break;
	default:
		break;
	}
	kudp_rel_rx_received(&rx.rel, len);

	if (rx.state == KUDP_STATE_COMPLETE) {
		/* Late or resent: the ACK went missing if it is the CLOSE. */
		if (c->type != KUDP_T_CLOSE)
			return;
		if (kudp_rel_rx_closes(&rx.rel, c))
			receive_udp_answered(kudp_rel_rx_answer(&rx.rel, rx.sock, 0));
		else
			receive_udp_reject(&dg->from, 1, "a CLOSE with another CRC-32");
		return;
	}
	receive_udp_arm_timer();
	if (c->type == KUDP_T_DATA) {
		slot = kudp_rel_rx_slot(&rx.rel, c);
		if (!slot || skb_copy_bits(dg->skb, off + sizeof(buf.data), slot,
					   len - sizeof(buf.data)))
			return;
		stored = kudp_rel_rx_placed(&rx.rel, c, len);
		mutex_lock(&rx.lock);
		kudp_xfer_add(&rx.cur, stored, 1);
		mutex_unlock(&rx.lock);
	} else {
		kudp_rel_rx_close(&rx.rel, c);
		if (!kudp_rel_rx_whole(&rx.rel))
			receive_udp_answered(kudp_rel_rx_nack(&rx.rel, rx.sock));
	}
	if (rx.rel.closed && kudp_rel_rx_whole(&rx.rel))
		receive_udp_rel_finish();
}

/*
 * Take one receive off the socket and file it: the raw mode's way, or
 * each of its datagrams the reliable mode's way. Return 0, or -EAGAIN once
 * the socket is empty, or another negative errno.
 */
static int receive_udp_one(void)
{
	/* Not queued: the idle time has passed since the last datagram. */
	bool burst = hrtimer_is_queued(&rx.idle_timer);
	struct kudp_dgram dg;
	size_t off, piece;
	int ret;

	if (rx.state == KUDP_STATE_RECEIVING && !burst) {
		/* complete_work is queued behind us and will find nothing to do. */
		if (rx.mode == KUDP_MODE_RELIABLE)
			receive_udp_rel_incomplete();
		else
			receive_udp_finish(KUDP_REASON_IDLE);
	}

	ret = kudp_recv_skb(rx.sock, &dg);
	if (ret)
		return ret == -EBADMSG ? 0 : ret;
	if (rx.mode == KUDP_MODE_RAW) {
		receive_udp_raw_take(&dg, burst);
	} else if (!receive_udp_peer_ok(dg.from.sin_addr.s_addr)) {
		receive_udp_reject(&dg.from, kudp_dgram_count(&dg, dg.len), "not from peer");
	} else {
		/* Each datagram of a GRO run on its own; an empty one is malformed. */
		off = 0;
		do {
			piece = dg.seg_size ? min_t(size_t, dg.len - off, dg.seg_size) :
					      dg.len - off;
			receive_udp_rel_take(&dg, off, piece);
			off += piece;
		} while (off < dg.len);
	}
	kudp_dgram_free(rx.sock, &dg);
	return 0;
}

static void receive_udp_drain(struct work_struct *work)
{
	unsigned int budget = RX_DRAIN_BUDGET;
	int ret;

	kudp_dbg_rl("draining the socket\n");
	do {
		if (READ_ONCE(rx.stopping))
			return;
		ret = receive_udp_one();
	} while (ret >= 0 && --budget);

	if (ret >= 0) {
		/* The budget is spent and the socket may hold more. */
		kudp_dbg_rl("drain: %d datagrams taken, going behind the queue\n",
			    RX_DRAIN_BUDGET);
		queue_work(rx.wq, &rx.drain_work);
		return;
	}
	if (ret != -EAGAIN) {
		pr_err_ratelimited("receive failed with error %d\n", ret);
		mutex_lock(&rx.lock);
		rx.errors++;
		rx.last_error = ret;
		mutex_unlock(&rx.lock);
	}
}

static void receive_udp_complete_work(struct work_struct *work)
{
	kudp_enter("");
	/* A datagram drained since the expiry re-armed the timer. */
	if (rx.state != KUDP_STATE_RECEIVING || hrtimer_is_queued(&rx.idle_timer))
		return;
	if (rx.mode == KUDP_MODE_RELIABLE)
		receive_udp_rel_incomplete();
	else
		receive_udp_finish(KUDP_REASON_IDLE);
}

/* Resets and discards change what only the work items may write. */
static void receive_udp_control_work(struct work_struct *work)
{
	kudp_enter("control=%#x", rx.control);
	mutex_lock(&rx.lock);
	if (rx.control == KUDP_IOC_DISCARD) {
		receive_udp_set_empty(KUDP_CAUSE_REQUEST);
	} else {
		rx.messages = 0;
		rx.overflow = 0;
		rx.errors = 0;
		rx.last_error = 0;
		rx.rejected = 0;
		atomic_long_set(&rx.filtered, 0);
		rx.drops_base = atomic_read(&rx.sock->sk->sk_drops);
		rx.udp_errors_base = receive_udp_in_errors();
	}
	mutex_unlock(&rx.lock);
}

static void receive_udp_control(unsigned int cmd)
{
	mutex_lock(&rx.control_lock);
	rx.control = cmd;
	queue_work(rx.wq, &rx.control_work);
	flush_work(&rx.control_work);
	mutex_unlock(&rx.control_lock);
}

static void receive_udp_reset(void)
{
	receive_udp_control(KUDP_IOC_RESET);
}

static int receive_udp_discard(void)
{
	receive_udp_control(KUDP_IOC_DISCARD);
	return 0;
}

static enum hrtimer_restart receive_udp_idle_expired(struct hrtimer *timer)
{
	kudp_dbg("idle timer expired\n");
	queue_work(rx.wq, &rx.complete_work);
	return HRTIMER_NORESTART;
}

static void receive_udp_data_ready(struct sock *sk)
{
	read_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data)
		queue_work(rx.wq, &rx.drain_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void receive_udp_set_callback(bool install)
{
	struct sock *sk = rx.sock->sk;

	kudp_enter("install=%d", install);
	write_lock_bh(&sk->sk_callback_lock);
	if (install) {
		rx.saved_data_ready = sk->sk_data_ready;
		sk->sk_user_data = &rx;
		/* UDP reads it without the lock (READ_ONCE()). */
		WRITE_ONCE(sk->sk_data_ready, receive_udp_data_ready);
	} else {
		sk->sk_user_data = NULL;
		WRITE_ONCE(sk->sk_data_ready, rx.saved_data_ready);
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

static void receive_udp_snapshot(struct kudp_stats *st)
{
	mutex_lock(&rx.lock);
	st->state = rx.state;
	st->reason = rx.seq ? rx.reason : KUDP_REASON_NONE;
	st->seq = rx.seq;
	st->cur_bytes = rx.cur.bytes;
	st->cur_datagrams = rx.cur.datagrams;
	st->last_bytes = rx.last.bytes;
	st->last_datagrams = rx.last.datagrams;
	st->crc32 = kudp_xfer_crc32(&rx.last);
	st->messages = rx.messages;
	st->overflow_bytes = rx.overflow;
	/* Modulo 2^32, as the socket counts: right across its wrap. */
	st->drops = (u32)atomic_read(&rx.sock->sk->sk_drops) - rx.drops_base;
	st->udp_errors = receive_udp_in_errors() - rx.udp_errors_base;
	st->errors = rx.errors;
	st->last_error = rx.last_error;
	st->capacity = rx.size;
	st->rejected = rx.rejected + atomic_long_read(&rx.filtered);
	mutex_unlock(&rx.lock);
}

/* ------------------------------------------------------------------------
 * /dev/receive_udp: read the last completed message, from any offset.
 *
 * A read at offset 0 (re)binds the open file to the completed message,
 * waiting for one if there is none; reads further on must find the same
 * message, or fail with ESTALE: a reader never gets a mix of two messages.
 * A reader at the end of its message gets EOF, even if the message has
 * been discarded since. poll() reports a message this reader has not read
 * to its end: after EOF, seek to 0 and poll for the next one.
 */

/**
 * struct receive_udp_reader - an open /dev/receive_udp
 * @seq: the message this file reads, 0 before its first read
 * @len: that message's length
 * @done: the last message this file read to its end, 0 if none
 *
 * All under rx.lock: threads may share the file.
 */
struct receive_udp_reader {
	u64 seq;
	u64 len;
	u64 done;
};

static int receive_udp_open(struct inode *inode, struct file *file)
{
	struct receive_udp_reader *rd;

	kudp_enter("f_flags=%#x", file->f_flags);
	rd = kzalloc(sizeof(*rd), GFP_KERNEL);
	if (!rd)
		return kudp_ret(-ENOMEM);
	file->private_data = rd;
	return 0;
}

static int receive_udp_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

/*
 * Wait until the message the reader may read at @pos is complete, and
 * return 0 with rx.lock held. Without it: 1 at the end of the reader's
 * message when that message is gone (EOF), or a negative errno.
 */
static int receive_udp_lock_message(struct file *file, loff_t pos)
{
	struct receive_udp_reader *rd = file->private_data;
	bool rebind;
	int ret;

	for (;;) {
		mutex_lock(&rx.lock);
		rebind = pos == 0 || rd->seq == 0;
		if (rx.state == KUDP_STATE_COMPLETE && (rebind || rx.seq == rd->seq)) {
			rd->seq = rx.seq;
			rd->len = rx.cur.bytes;
			return 0;
		}
		if (!rebind && pos >= rd->len) {
			rd->done = rd->seq;
			mutex_unlock(&rx.lock);
			return 1;
		}
		mutex_unlock(&rx.lock);
		if (!rebind) {
			kudp_dbg("reader of message %llu: it was discarded\n", rd->seq);
			return kudp_ret(-ESTALE);
		}
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(rx.read_wq,
					       READ_ONCE(rx.state) == KUDP_STATE_COMPLETE);
		if (ret)
			return kudp_ret(ret);
	}
}

static ssize_t receive_udp_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct receive_udp_reader *rd = file->private_data;
	loff_t pos = *ppos;
	size_t n;
	int ret;

	kudp_dbg_rl("%s(count=%zu, pos=%lld)\n", __func__, count, pos);
	if (pos < 0)
		return -EINVAL;
	/* Nothing to copy: never wait for a message. */
	if (!count)
		return 0;
	ret = receive_udp_lock_message(file, pos);
	if (ret)
		return ret > 0 ? 0 : ret;
	/* At most KUDP_IO_CHUNK under the lock: the drain waits for it. */
	n = 0;
	if (pos < rx.cur.bytes)
		n = min3((u64)count, rx.cur.bytes - pos, (u64)KUDP_IO_CHUNK);
	if (n && copy_to_user(ubuf, rx.buf + pos, n)) {
		mutex_unlock(&rx.lock);
		return kudp_ret(-EFAULT);
	}
	if (pos + n >= rx.cur.bytes)
		rd->done = rd->seq;
	mutex_unlock(&rx.lock);
	*ppos = pos + n;
	return n;
}

static __poll_t receive_udp_poll(struct file *file, poll_table *wait)
{
	struct receive_udp_reader *rd = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &rx.read_wq, wait);
	mutex_lock(&rx.lock);
	/* A complete message that this reader has not read to its end. */
	if (rx.state == KUDP_STATE_COMPLETE && rx.seq != rd->done)
		mask = EPOLLIN | EPOLLRDNORM;
	mutex_unlock(&rx.lock);
	return mask;
}

static loff_t receive_udp_llseek(struct file *file, loff_t offset, int whence)
{
	u64 size = 0;

	mutex_lock(&rx.lock);
	if (rx.state == KUDP_STATE_COMPLETE)
		size = rx.cur.bytes;
	mutex_unlock(&rx.lock);
	return fixed_size_llseek(file, offset, whence, size);
}

static long receive_udp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct receive_udp_reader *rd = file->private_data;
	u64 seq;

	if (cmd == KUDP_IOC_GET_SEQ) {
		mutex_lock(&rx.lock);
		seq = rd->seq;
		mutex_unlock(&rx.lock);
		return put_user(seq, (u64 __user *)arg);
	}
	return kudp_dev_ioctl(&rx.dev, cmd, arg);
}

static const struct file_operations receive_udp_fops = {
	.owner = THIS_MODULE,
	.open = receive_udp_open,
	.read = receive_udp_read,
	.poll = receive_udp_poll,
	.llseek = receive_udp_llseek,
	.release = receive_udp_release,
	.unlocked_ioctl = receive_udp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* ------------------------------------------------------------------------
 * Parameters
 */

/* data: the last completed message (at most PAGE_SIZE - 1 bytes of it). */
static int data_get(char *buf, const struct kernel_param *kp)
{
	size_t len = 0;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&rx.lock);
	if (rx.state == KUDP_STATE_COMPLETE) {
		len = min_t(u64, rx.cur.bytes, PAGE_SIZE - 1);
		memcpy(buf, rx.buf, len);
	}
	mutex_unlock(&rx.lock);
	return len;
}

static const struct kernel_param_ops data_ops = {
	.set = kudp_param_set_readonly,
	.get = data_get,
};

module_param_cb(data, &data_ops, NULL, 0400);
MODULE_PARM_DESC(data,
		 "Read only (root): the last completed message, at most PAGE_SIZE - 1 bytes of it; empty while none is complete");

module_param_cb(buffer_size, &kudp_param_ops_size, &buffer_size, 0444);
MODULE_PARM_DESC(buffer_size,
		 "Message buffer size in bytes, K/M/G suffixes allowed (load time only; default 4G)");

module_param_cb(mode, &kudp_param_ops_mode, &mode, 0444);
MODULE_PARM_DESC(mode,
		 "raw (default): the specification's bare datagrams, complete when the buffer is full or after 5 s without data; reliable: Documentation/protocol.rst, complete as soon as whole (load time only; the sender must use the same)");

module_param_cb(rcvbuf, &kudp_param_ops_size, &rcvbuf, 0444);
MODULE_PARM_DESC(rcvbuf,
		 "Socket receive buffer in bytes, K/M/G suffixes allowed, at most 1G (load time only; default 128M, or a sixteenth of the RAM if less; the kernel doubles it)");

/*
 * peer: an IPv4 address ("192.0.2.1", that host) or prefix
 * ("192.0.2.0/24"), a trailing newline accepted. A bad value changes
 * nothing.
 */
static int peer_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strcspn(val, "\n"), alen = strcspn(val, "/\n");
	unsigned int bits = 32;
	const char *end;
	char prefix[3];
	__be32 addr, mask;

	kudp_enter("val=%s", val);
	if ((val[len] && val[len + 1]) || !alen ||
	    !in4_pton(val, alen, (u8 *)&addr, -1, &end) || end != val + alen)
		goto bad;
	if (alen < len) {
		/* The prefix length: 1 or 2 digits after the slash. */
		if (len - alen - 1 < 1 || len - alen - 1 > 2)
			goto bad;
		strscpy(prefix, val + alen + 1, len - alen);
		if (kstrtouint(prefix, 10, &bits) || bits > 32)
			goto bad;
	}
	mask = bits ? htonl(~0U << (32 - bits)) : 0;
	if (addr & ~mask) {
		pr_err("peer: %pI4/%u has bits outside its /%u prefix: did you mean %pI4/%u?\n",
		       &addr, bits, bits, &(__be32){ addr & mask }, bits);
		return kudp_ret(-EINVAL);
	}
	spin_lock_bh(&peer_lock);
	peer_addr = addr;
	peer_mask = mask;
	spin_unlock_bh(&peer_lock);
	/* At insmod, init sets the filter up with the socket. */
	if (kudp_phase() == KUDP_READY)
		receive_udp_set_filter(mask != 0);
	return 0;
bad:
	pr_err("peer: '%.*s' is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/n)\n",
	       (int)len, val);
	return kudp_ret(-EINVAL);
}

static int peer_get(char *buf, const struct kernel_param *kp)
{
	__be32 addr, mask;

	spin_lock_bh(&peer_lock);
	addr = peer_addr;
	mask = peer_mask;
	spin_unlock_bh(&peer_lock);
	return sysfs_emit(buf, "%pI4/%d\n", &addr, hweight32((__force u32)mask));
}

static const struct kernel_param_ops peer_ops = {
	.set = peer_set,
	.get = peer_get,
};

module_param_cb(peer, &peer_ops, NULL, 0644);
MODULE_PARM_DESC(peer,
		 "Who may write into the message: an IPv4 address or prefix (192.0.2.1, 192.0.2.0/24); others' datagrams are dropped and counted in rejected (default 0.0.0.0/0: anyone; writable at run time)");

/* gro: 0 or 1; at run time, the socket follows at once. */
static int gro_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret;

	ret = kudp_param_parse_switch(val, kp, &on);
	if (!ret && kudp_phase() != KUDP_LOADING) {
		ret = kudp_param_check_ready(kp);
		if (!ret)
			ret = kudp_sock_set_gro(rx.sock, on);
	}
	if (!ret)
		gro = on;
	return ret;
}

static const struct kernel_param_ops gro_ops = {
	.set = gro_set,
	.get = kudp_param_get_switch,
};

module_param_cb(gro, &gro_ops, &gro, 0644);
MODULE_PARM_DESC(gro,
		 "1 (default): let the stack hand over a run of datagrams from one sender as one receive (UDP GRO; every datagram still counts); 0: one datagram per receive; takes effect at once");

module_param_cb(hold, &kudp_param_ops_hold, &hold, 0644);
MODULE_PARM_DESC(hold,
		 "mode=reliable: seconds an incomplete message is kept after its last datagram, waiting for its sender (a cable out, a switch rebooting), 1-3600 (default 60; raw mode keeps the specification's 5 s); used from the next datagram on");

static int state_get(char *buf, const struct kernel_param *kp)
{
	struct kudp_stats st = { };

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	receive_udp_snapshot(&st);
	if (st.state == KUDP_STATE_COMPLETE)
		return sysfs_emit(buf, "complete (%s)\n", kudp_reason_name(st.reason));
	return sysfs_emit(buf, "%s\n", kudp_state_name(st.state));
}

static const struct kernel_param_ops state_ops = {
	.set = kudp_param_set_readonly,
	.get = state_get,
};

module_param_cb(state, &state_ops, NULL, 0444);
MODULE_PARM_DESC(state,
		 "Read only: empty, receiving, 'complete (idle)' or 'complete (full)'");

/* The statistics files overflow_bytes and drops, as parameters too. */
module_param_cb(overflow, &kudp_param_ops_stat, "overflow_bytes", 0444);
MODULE_PARM_DESC(overflow,
		 "Read only: payload bytes dropped because the buffer was full, since load or reset");

module_param_cb(drops, &kudp_param_ops_stat, "drops", 0444);
MODULE_PARM_DESC(drops,
		 "Read only: datagrams the socket dropped (receive buffer full), since load or reset");

/* ------------------------------------------------------------------------
 * Load and unload
 */

static int __init receive_udp_init(void)
{
	int ret;

	kudp_enter("buffer_size=%llu, rcvbuf=%llu", buffer_size, rcvbuf);
	kudp_set_phase(KUDP_STARTING);

	if (rcvbuf > RX_RCVBUF_MAX) {
		pr_err("rcvbuf=%llu: at most 1G (%u bytes)\n", rcvbuf, RX_RCVBUF_MAX);
		return kudp_ret(-EINVAL);
	}
	/* Under the lock: a reader of the parameter sees all of the u64. */
	kernel_param_lock(THIS_MODULE);
	if (!rcvbuf)
		rcvbuf = min_t(u64, RX_RCVBUF_DEFAULT,
			       ((u64)totalram_pages() << PAGE_SHIFT) / RX_RCVBUF_RAM_SHARE);
	kernel_param_unlock(THIS_MODULE);

	rx.buf = kudp_buf_alloc(buffer_size, "buffer_size");
	if (!rx.buf)
		return kudp_ret(-ENOMEM);
	rx.size = buffer_size;
	rx.mode = mode;
	if (rx.mode == KUDP_MODE_RELIABLE) {
		ret = kudp_rel_rx_init(&rx.rel, rx.buf, rx.size);
		if (ret) {
			pr_err("mode=reliable: no memory for the map of what arrived\n");
			goto err_free_buf;
		}
	}

	rx.wq = alloc_ordered_workqueue("receive_udp", WQ_HIGHPRI);
	if (!rx.wq) {
		pr_err("cannot create the workqueue: out of memory\n");
		ret = -ENOMEM;
		goto err_free_rel;
	}
	INIT_WORK(&rx.drain_work, receive_udp_drain);
	INIT_WORK(&rx.complete_work, receive_udp_complete_work);
	INIT_WORK(&rx.control_work, receive_udp_control_work);
	INIT_WORK(&rx.crc_work, receive_udp_crc_work);
	kudp_hrtimer_setup(&rx.idle_timer, receive_udp_idle_expired,
			   CLOCK_MONOTONIC, HRTIMER_MODE_REL);

	ret = kudp_sock_create(&rx.sock);
	if (ret)
		goto err_destroy_wq;
	/* Fits an int; the kernel doubles at most INT_MAX / 2. */
	sock_set_rcvbuf(rx.sock->sk, rcvbuf);
	/* gro is not written again until the module is ready. */
	ret = kudp_sock_set_gro(rx.sock, gro);
	if (ret)
		goto err_release_sock;
	ret = kudp_sock_bind_any(rx.sock);
	if (ret)
		goto err_release_sock;
	kudp_xfer_start(&rx.cur);
	kudp_xfer_start(&rx.last);
	rx.udp_errors_base = receive_udp_in_errors();

	receive_udp_set_callback(true);
	/* Datagrams that came between bind and now raised no callback. */
	queue_work(rx.wq, &rx.drain_work);

	ret = kudp_dev_register(&rx.dev);
	if (ret)
		goto err_restore_callback;

	kudp_set_phase(KUDP_READY);
	/* peer's set keeps the filter from now on; it stored what came before. */
	kernel_param_lock(THIS_MODULE);
	receive_udp_set_filter(peer_mask != 0);
	kernel_param_unlock(THIS_MODULE);
	pr_info("ready: %llu-byte buffer, listening on 0.0.0.0:%u, mode=%s\n",
		rx.size, KUDP_PORT, rx.mode == KUDP_MODE_RELIABLE ? "reliable" : "raw");
	return 0;

err_restore_callback:
	WRITE_ONCE(rx.stopping, true);
	kudp_rel_rx_stop(&rx.rel);
	receive_udp_set_callback(false);
	cancel_work_sync(&rx.drain_work);
	hrtimer_cancel(&rx.idle_timer);
	cancel_work_sync(&rx.complete_work);
	cancel_work_sync(&rx.crc_work);
err_release_sock:
	sock_release(rx.sock);
err_destroy_wq:
	destroy_workqueue(rx.wq);
err_free_rel:
	kudp_rel_rx_free(&rx.rel);
err_free_buf:
	vfree(rx.buf);
	return kudp_ret(ret);
}

static void __exit receive_udp_exit(void)
{
	kudp_enter("");
	/* First: a drain in a flood stops at its next datagram. */
	WRITE_ONCE(rx.stopping, true);
	kudp_rel_rx_stop(&rx.rel);
	kudp_set_phase(KUDP_STOPPING);
	kudp_dev_unregister(&rx.dev);
	receive_udp_set_callback(false);
	/* No softirq is in the filter once it is gone and a grace period passed. */
	receive_udp_set_filter(false);
	synchronize_net();
	kernel_sock_shutdown(rx.sock, SHUT_RDWR);
	/*
	 * The drain arms the timer, queues crc_work and itself again; the
	 * timer queues complete_work. cancel_work_sync() also stops a work
	 * item that queues itself.
	 */
	cancel_work_sync(&rx.drain_work);
	hrtimer_cancel(&rx.idle_timer);
	cancel_work_sync(&rx.complete_work);
	cancel_work_sync(&rx.crc_work);
	sock_release(rx.sock);
	destroy_workqueue(rx.wq);
	kudp_rel_rx_free(&rx.rel);
	vfree(rx.buf);
	pr_info("unloaded\n");
}

module_init(receive_udp_init);
module_exit(receive_udp_exit);

MODULE_DESCRIPTION("Receive UDP datagrams on port 8808 into a buffer of up to 4 GiB, from kernel mode");
MODULE_AUTHOR("The kudp authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUDP_VERSION);
