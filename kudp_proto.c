// SPDX-License-Identifier: GPL-2.0
/*
 * kudp's reliable mode (Documentation/protocol.rst), linked into both
 * modules: the checks every received datagram passes before anything acts
 * on it, the sender's side (kudp_rel_send(), from send_udp's send work),
 * and the receiver's (struct kudp_rel_rx, from receive_udp's work items).
 * The raw mode uses none of it.
 */
#include <linux/bitmap.h>
#include <linux/crc32.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_proto.h"

/* The log prefix: the module this copy is linked into (as in kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/* Each type's header length; 0 for an unknown type. */
static size_t kudp_proto_hdr_len(unsigned int type)
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
	default:
		return 0;
	}
}

/**
 * kudp_proto_check() - whether a datagram is a well-formed reliable-mode one
 * @buf: the datagram (its UDP payload)
 * @len: its length
 *
 * Checks what the datagram says about itself: the magic, the version, a
 * known type with its whole header, the segment size, and for DATA that
 * the payload lies inside the message at a segment boundary with the
 * segment's length (or the last one's); for NACK that its ranges are
 * there. Whether it belongs to the message in progress is the caller's
 * question.
 *
 * Context: any.
 * Return: the datagram's type (&enum kudp_proto_type), or -EBADMSG.
 */
int kudp_proto_check(const void *buf, size_t len)
{
	const struct kudp_common_hdr *c = buf;
	const struct kudp_data_hdr *d = buf;
	const struct kudp_nack_hdr *n = buf;
	size_t hdr;
	u32 seg, rem;
	u64 off, total;

	if (len < sizeof(*c) || get_unaligned_be32(&c->magic) != KUDP_PROTO_MAGIC ||
	    c->version != KUDP_PROTO_VERSION)
		return -EBADMSG;
	hdr = kudp_proto_hdr_len(c->type);
	seg = get_unaligned_be16(&c->segment);
	if (!hdr || len < hdr || seg < KUDP_SEGMENT_MIN || seg > KUDP_SEGMENT_MAX)
		return -EBADMSG;

	switch (c->type) {
	case KUDP_T_DATA:
		off = get_unaligned_be64(&d->offset);
		total = get_unaligned_be64(&d->total);
		div_u64_rem(off, seg, &rem);
		if (off >= total || rem ||
		    len - hdr != min_t(u64, seg, total - off))
			return -EBADMSG;
		break;
	case KUDP_T_NACK:
		if (get_unaligned_be16(&n->ranges) > KUDP_NACK_RANGES ||
		    (len - hdr) / sizeof(n->range[0]) < get_unaligned_be16(&n->ranges))
			return -EBADMSG;
		break;
	}
	return c->type;
}

/**
 * kudp_proto_is_reliable() - whether a datagram claims to be a reliable-mode one
 * @buf: the start of the datagram
 * @len: bytes at @buf
 *
 * What a raw receiver checks to refuse a reliable sender's datagrams: the
 * magic and the version (a raw message that starts with those 5 bytes is
 * refused too).
 *
 * Context: any.
 * Return: true if it starts like one.
 */
bool kudp_proto_is_reliable(const void *buf, size_t len)
{
	const struct kudp_common_hdr *c = buf;

	return len >= sizeof(*c) && get_unaligned_be32(&c->magic) == KUDP_PROTO_MAGIC &&
	       c->version == KUDP_PROTO_VERSION;
}

/* The message length a DATA or a CLOSE carries. */
static u64 kudp_proto_total(const void *dgram)
{
	const struct kudp_data_hdr *d = dgram;
	const struct kudp_close_hdr *h = dgram;

	return get_unaligned_be64(d->c.type == KUDP_T_DATA ? &d->total : &h->total);
}

static void kudp_proto_common(struct kudp_common_hdr *c, unsigned int type,
			      u32 segment, u64 id)
{
	put_unaligned_be32(KUDP_PROTO_MAGIC, &c->magic);
	c->version = KUDP_PROTO_VERSION;
	c->type = type;
	put_unaligned_be16(segment, &c->segment);
	put_unaligned_be64(id, &c->id);
}

/* Send @len bytes of @buf as one datagram, where @sock is connected. */
static int kudp_proto_send(struct socket *sock, void *buf, size_t len)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { };
	int ret = kernel_sendmsg(sock, &msg, &vec, 1, len);

	return ret < 0 ? ret : 0;
}

/* ------------------------------------------------------------------------
 * The sender
 */

/*
 * The CLOSE timer: 4 round trips, from 10 ms to 2 s; 200 ms before any.
 * It doubles after each expiry: a cable out for a minute costs some 30
 * CLOSEs, and a receiver back on line hears the next within 2 s.
 */
#define KUDP_RTO_INIT_US	200000U
#define KUDP_RTO_MIN_US		10000U
#define KUDP_RTO_MAX_US		2000000U
/* While sending DATA, look for a REFUSE after about this many bytes. */
#define KUDP_REFUSE_CHECK	SZ_4M

/**
 * struct kudp_rel_tx - one reliable send (kudp_rel_send())
 * @s: the sender's state kept between messages
 * @sock: its socket, connected to the receiver
 * @buf: the message
 * @len: its length
 * @crc: its CRC-32
 * @id: its id
 * @opts: how DATA goes: its header, the segment as the payload, and the
 *	pacing schedule that the resends follow too (@next_ns)
 * @xfer: the message's progress: each byte once, and every DATA datagram
 * @ctl: a control datagram received, %KUDP_CONTROL_MAX bytes
 * @hold_ns: how long the send goes on without progress
 * @next_ns: with a rate, when the next bytes may go
 */
struct kudp_rel_tx {
	struct kudp_rel_sender *s;
	struct socket *sock;
	const void *buf;
	size_t len;
	u32 crc;
	u64 id;
	struct kudp_send_opts opts;
	struct kudp_xfer *xfer;
	void *ctl;
	u64 hold_ns;
	u64 next_ns;
};

/* kudp_send()'s header callback: a DATA header for the bytes at @payload. */
static void kudp_rel_data_hdr(void *hdr, const void *payload, size_t len, void *ctx)
{
	struct kudp_rel_tx *t = ctx;
	struct kudp_data_hdr *d = hdr;

	kudp_proto_common(&d->c, KUDP_T_DATA, t->opts.payload, t->id);
	put_unaligned_be64(payload - t->buf, &d->offset);
	put_unaligned_be64(t->len, &d->total);
}

/*
 * Errors that say the receiver cannot be reached now: no answer to ARP
 * (its cable is out), no route, a link down. In the reliable mode these
 * are losses like any other, which the CLOSEs repair once it is back,
 * within the hold. Return 0 for them, else @err.
 */
static int kudp_rel_transient(const struct kudp_rel_tx *t, int err)
{
	switch (err) {
	case -EHOSTUNREACH:
	case -ENETUNREACH:
	case -EHOSTDOWN:
	case -ENETDOWN:
		kudp_dbg_rl("message %#llx: %pI4 unreachable (error %d): a loss\n",
			    t->id, &inet_sk(t->sock->sk)->inet_daddr, err);
		return 0;
	default:
		return err;
	}
}

static int kudp_rel_send_close(struct kudp_rel_tx *t)
{
	struct kudp_close_hdr h = { };

	kudp_proto_common(&h.c, KUDP_T_CLOSE, t->opts.payload, t->id);
	put_unaligned_be64(t->len, &h.total);
	put_unaligned_be32(t->crc, &h.crc);
	kudp_dbg_rl("CLOSE of message %#llx (%zu bytes, CRC-32 %08x)\n",
		    t->id, t->len, t->crc);
	return kudp_rel_transient(t, kudp_proto_send(t->sock, &h, sizeof(h)));
}

/* Whether the socket has something for kudp_rel_recv(), or is done for. */
static bool kudp_rel_readable(struct sock *sk)
{
	return !skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	       READ_ONCE(sk->sk_err) || (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/*
 * Take the next control datagram of this message into t->ctl, waiting
 * until @deadline_ns at most (0: not at all). Control datagrams that are
 * malformed or of another message are dropped and counted; the socket's
 * errors that kudp_rel_transient() forgives are too. Return its type,
 * -EAGAIN when the deadline passed, or a negative errno: the socket's error
 * (an ICMP port unreachable: -ECONNREFUSED), -EPIPE when it was shut down
 * (the module is unloading).
 */
static int kudp_rel_recv(struct kudp_rel_tx *t, u64 deadline_ns)
{
	const struct kudp_common_hdr *c = t->ctl;
	struct sock *sk = t->sock->sk;
	int ret, type;
	u64 now;

	for (;;) {
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			return -EPIPE;
		ret = kudp_recv(t->sock, t->ctl, KUDP_CONTROL_MAX);
		if (ret == -EAGAIN) {
			now = ktime_get_ns();
			if (now >= deadline_ns)
				return -EAGAIN;
			/* Interruptible: the socket's wakeups are. */
			wait_event_interruptible_hrtimeout(*sk_sleep(sk), kudp_rel_readable(sk),
							   ns_to_ktime(deadline_ns - now));
			continue;
		}
		if (ret < 0) {
			if (kudp_rel_transient(t, ret))
				return ret;
			/* ICMP errors are sent by the network: they hold off no deadline. */
			if (ktime_get_ns() >= deadline_ns)
				return -EAGAIN;
			continue;
		}
		type = ret <= KUDP_CONTROL_MAX ? kudp_proto_check(t->ctl, ret) : -EBADMSG;
		if (type == KUDP_T_NACK || type == KUDP_T_ACK || type == KUDP_T_REFUSE) {
			if (get_unaligned_be64(&c->id) == t->id)
				return type;
			kudp_dbg_rl("control datagram for message %#llx dropped: sending %#llx\n",
				    get_unaligned_be64(&c->id), t->id);
		} else {
			pr_warn_ratelimited("malformed control datagram (%d bytes) from the receiver dropped\n",
					    ret);
		}
		WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
		/* A flood of them does not hold off the deadline. */
		if (ktime_get_ns() >= deadline_ns)
			return -EAGAIN;
	}
}

/*
 * Send again the segments a NACK in t->ctl names, @budget bytes at most
 * (what is left of this round's: the message's length).
 */
static int kudp_rel_resend(struct kudp_rel_tx *t, u64 *budget)
{
	const struct kudp_nack_hdr *n = t->ctl;
	unsigned int i, ranges = get_unaligned_be16(&n->ranges);
	u32 seg = t->opts.payload;
	u64 nsegs = DIV_ROUND_UP_ULL(t->len, seg);
	struct kudp_send_opts opts = t->opts;
	struct kudp_xfer again;
	int ret;

	/* The next CLOSE follows at once; its answer says what arrived. */
	opts.nowait = true;
	for (i = 0; i < ranges; i++) {
		u64 first = get_unaligned_be32(&n->range[i].first);
		u64 count = get_unaligned_be32(&n->range[i].count);
		u64 off, len;

		if (!count || first >= nsegs || count > nsegs - first) {
			pr_warn_ratelimited("NACK of message %#llx names segments %llu+%llu of %llu: ignored\n",
					    t->id, first, count, nsegs);
			WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
			return 0;
		}
		off = first * seg;	/* below len: no overflow */
		len = min(count * seg, t->len - off);
		if (len > *budget) {
			kudp_dbg_rl("NACKs asked for more than the message: the rest waits\n");
			return 0;
		}
		*budget -= len;
		/* Each byte counts once in the message's figures; datagrams all. */
		kudp_xfer_start(&again);
		ret = kudp_send(t->sock, t->buf + off, len, &opts, &again);
		WRITE_ONCE(t->xfer->datagrams, t->xfer->datagrams + again.datagrams);
		t->s->resent += again.datagrams;
		if (ret)
			return kudp_rel_transient(t, ret);
	}
	return 0;
}

/* A round trip measured: fold it into the smoothed one (7/8 old, 1/8 new). */
static void kudp_rel_rtt(struct kudp_rel_sender *s, u64 sent_ns)
{
	u32 us = min_t(u64, div_u64(ktime_get_ns() - sent_ns, NSEC_PER_USEC), KUDP_RTO_MAX_US);

	s->srtt_us = s->srtt_us ? s->srtt_us - s->srtt_us / 8 + us / 8 : us;
}

/* Whether the hold passed since @progress_ns, with two CLOSEs sent at least. */
static bool kudp_rel_held_out(const struct kudp_rel_tx *t, u64 progress_ns,
			      unsigned int closes)
{
	return closes >= 2 && ktime_get_ns() - progress_ns >= t->hold_ns;
}

/* The errno a REFUSE in t->ctl carries, negated. */
static int kudp_rel_refusal(const struct kudp_rel_tx *t)
{
	const struct kudp_refuse_hdr *r = t->ctl;
	u32 err = get_unaligned_be32(&r->err);

	pr_warn("%pI4: the receiver refused message %#llx with error %u\n",
		&inet_sk(t->sock->sk)->inet_daddr, t->id, err);
	return err == EFBIG || err == EBADMSG ? -err : -EPROTO;
}

/*
 * While DATA goes: whether the receiver refused the message. Looks at what
 * is queued, without waiting, and at most a NACK batch of it; nothing but
 * a REFUSE is expected before CLOSE. Return 0, a REFUSE's errno, or the
 * socket's.
 */
static int kudp_rel_refused(struct kudp_rel_tx *t)
{
	unsigned int budget = KUDP_NACK_BATCH;
	int type;

	do {
		type = kudp_rel_recv(t, 0);
		if (type == KUDP_T_REFUSE)
			return kudp_rel_refusal(t);
	} while (type > 0 && --budget);
	return type == -EAGAIN || type > 0 ? 0 : type;
}

/*
 * CLOSING: send CLOSE until the receiver answers for this message; resend
 * what its NACKs name; end on its ACK or REFUSE. Gives up once the hold
 * passed without progress (no answer to a CLOSE, or rounds - a CLOSE and
 * the NACKs that answer it - whose first NACK does not say fewer segments
 * missing than the round before), after two CLOSEs at least: the loop is
 * bounded by this side's clock, not by what the receiver sends.
 */
static int kudp_rel_closing(struct kudp_rel_tx *t)
{
	const struct kudp_nack_hdr *nack = t->ctl;
	struct kudp_rel_sender *s = t->s;
	u32 rto = s->srtt_us ? clamp(4 * s->srtt_us, KUDP_RTO_MIN_US, KUDP_RTO_MAX_US) :
			       KUDP_RTO_INIT_US;
	bool open = false, first = false, again = false;
	/* More than the message has is no progress either. */
	u64 missing, last_missing = DIV_ROUND_UP_ULL(t->len, t->opts.payload) + 1;
	u64 sent_ns = 0, budget = 0, progress_ns = ktime_get_ns();
	unsigned int closes = 0;
	int ret, type;

	for (;;) {
		if (!open) {
			/* A round: CLOSE, with its timer and its resend budget. */
			ret = kudp_rel_send_close(t);
			if (ret)
				return ret;
			sent_ns = ktime_get_ns();
			budget = t->len;
			open = true;
			first = true;
			closes++;
		}
		type = kudp_rel_recv(t, sent_ns + (u64)rto * NSEC_PER_USEC);
		if (type == -EAGAIN) {
			if (kudp_rel_held_out(t, progress_ns, closes))
				return -ETIMEDOUT;
			kudp_dbg_rl("no answer to CLOSE in %u us: CLOSE %u\n", rto, closes + 1);
			rto = min(rto * 2, KUDP_RTO_MAX_US);
			open = false;
			again = true;
			continue;
		}
		if (type < 0)
			return type;
		/* Karn: the answer to a CLOSE sent again says nothing of the round trip. */
		if (first && !again)
			kudp_rel_rtt(s, sent_ns);

		if (type == KUDP_T_REFUSE)
			return kudp_rel_refusal(t);
		if (type == KUDP_T_ACK) {
			const struct kudp_close_hdr *a = t->ctl;

			if (get_unaligned_be64(&a->total) == t->len &&
			    get_unaligned_be32(&a->crc) == t->crc)
				return 0;
			pr_warn_ratelimited("ACK of message %#llx with another length or CRC-32: dropped\n",
					    t->id);
			WRITE_ONCE(s->rejected, s->rejected + 1);
			continue;
		}

		/* A NACK. The round's first says whether the receiver gets there. */
		missing = get_unaligned_be32(&nack->missing);
		if (first) {
			if (missing < last_missing)
				progress_ns = ktime_get_ns();
			else if (kudp_rel_held_out(t, progress_ns, closes))
				return -ETIMEDOUT;
			last_missing = missing;
			first = false;
			again = false;
			kudp_dbg_rl("message %#llx: %llu segments missing\n", t->id, missing);
		}
		ret = kudp_rel_resend(t, &budget);
		if (ret)
			return ret;
		if (!(get_unaligned_be16(&nack->flags) & KUDP_NACK_MORE))
			open = false;
	}
}

/**
 * kudp_rel_send() - send a message in the reliable mode
 * @s: the sender's state kept between messages
 * @sock: a socket connected to the receiver's port
 * @buf: the message
 * @len: its length, at most the receiver's buffer
 * @crc: its CRC-32 (zlib's)
 * @opts: as for kudp_send(); @opts->payload is the route's datagram
 *	payload, which the DATA header shares
 * @xfer: the message's progress (kudp_xfer_start() first): each byte once,
 *	every DATA datagram, resent ones included
 * @hold_s: seconds without progress before the send is given up
 *
 * Sends every DATA once, then CLOSE, and resends what the receiver says is
 * missing until it confirms the whole message (Documentation/protocol.rst,
 * "The sender"), all at @opts->rate. Looks for a REFUSE every few MiB
 * while sending DATA.
 *
 * Context: process context; sleeps.
 * Return: 0 once the receiver confirmed the message (length and CRC-32),
 * or a negative errno: -ETIMEDOUT (no answer, or no progress, for
 * @hold_s), -EFBIG or -EBADMSG (the receiver refused it: too large, or
 * its CRC-32 did not match), -EPROTO (a refusal with another errno),
 * -EINVAL (datagrams of @opts->payload bytes cannot carry the smallest
 * segment), -ENOMEM, or what kudp_send() returns.
 */
int kudp_rel_send(struct kudp_rel_sender *s, struct socket *sock,
		  const void *buf, size_t len, u32 crc,
		  const struct kudp_send_opts *opts, struct kudp_xfer *xfer,
		  unsigned int hold_s)
{
	struct kudp_rel_tx t = {
		.s = s,
		.sock = sock,
		.buf = buf,
		.len = len,
		.crc = crc,
		.opts = *opts,
		.xfer = xfer,
		.hold_ns = (u64)hold_s * NSEC_PER_SEC,
		.next_ns = ktime_get_ns(),
	};
	size_t off = 0, step;
	int ret;

	if (opts->payload < sizeof(struct kudp_data_hdr) + KUDP_SEGMENT_MIN) {
		pr_err("datagrams of %zu bytes (payload, or the route's MTU less %u) cannot carry the reliable mode's smallest, %zu: a %zu-byte header and %u bytes; not sent\n",
		       opts->payload, KUDP_HEADERS, sizeof(struct kudp_data_hdr) + KUDP_SEGMENT_MIN,
		       sizeof(struct kudp_data_hdr), KUDP_SEGMENT_MIN);
		return kudp_ret(-EINVAL);
	}
	t.opts.payload = min_t(size_t, opts->payload - sizeof(struct kudp_data_hdr),
			       KUDP_SEGMENT_MAX);
	t.opts.next_ns = &t.next_ns;
	t.opts.hdr_len = sizeof(struct kudp_data_hdr);
	t.opts.hdr = kudp_rel_data_hdr;
	t.opts.ctx = &t;
	t.id = (u64)s->instance << 32 | ++s->count;
	s->resent = 0;
	kudp_enter("id=%#llx, len=%zu, segment=%zu", t.id, len, t.opts.payload);
	t.ctl = kmalloc(KUDP_CONTROL_MAX, GFP_KERNEL);
	if (!t.ctl)
		return kudp_ret(-ENOMEM);

	/* Answers to earlier messages still queued are dropped here. */
	ret = kudp_rel_refused(&t);
	/* Every DATA once, a few MiB at a time, a REFUSE looked for between. */
	step = rounddown(KUDP_REFUSE_CHECK, t.opts.payload);
	while (!ret && off < len) {
		size_t n = min(len - off, step);

		/* Waits for the datagrams to leave after the last step only. */
		t.opts.nowait = off + n < len;
		ret = kudp_rel_transient(&t, kudp_send(sock, buf + off, n, &t.opts, xfer));
		off += n;
		if (!ret)
			ret = kudp_rel_refused(&t);
	}
	if (!ret)
		ret = kudp_rel_closing(&t);
	kfree(t.ctl);
	return kudp_ret(ret);
}

/* ------------------------------------------------------------------------
 * The receiver
 */

/*
 * The message's CRC-32 is computed a chunk at a time, as each chunk
 * becomes whole, in whatever order: about this many bytes (a whole number
 * of segments), joined in order at the end (crc32_le_combine()).
 */
#define KUDP_CRC_CHUNK		SZ_1M

static u64 kudp_rel_chunk_bytes(const struct kudp_rel_rx *r)
{
	return (u64)r->chunk_segs * r->segment;
}

/* The CRC-32 of chunk @c: from ~0 for the first, 0 for the others. */
static void kudp_rel_chunk_crc(struct kudp_rel_rx *r, size_t c)
{
	u64 off = c * kudp_rel_chunk_bytes(r);
	u64 len = min(kudp_rel_chunk_bytes(r), r->total - off);

	r->chunk_crc[c] = crc32_le(c ? 0 : ~0U, r->buf + off, len);
	/* Orders the CRC before the bit for kudp_rel_rx_crc(). */
	smp_mb__before_atomic();
	set_bit(c, r->chunk_done);
}

/* One whole chunk a pass, then behind the other work: see struct kudp_rel_rx. */
static void kudp_rel_crc_work(struct work_struct *work)
{
	struct kudp_rel_rx *r = container_of(work, struct kudp_rel_rx, crc_work);
	size_t c = find_first_bit(r->chunk_ready, r->nchunks);

	if (c >= r->nchunks || !test_and_clear_bit(c, r->chunk_ready))
		return;
	kudp_rel_chunk_crc(r, c);
	if (!READ_ONCE(r->stopping) && find_first_bit(r->chunk_ready, r->nchunks) < r->nchunks)
		queue_work(system_unbound_wq, &r->crc_work);
}

/*
 * The map of what arrived is set up lazily, a CRC chunk at a time, when
 * the first DATA of the chunk arrives: a new message costs a few words
 * (the chunk bitmaps), not a clear of up to 1 MiB that any datagram of a
 * new id could ask for. A chunk not set up yet has every segment missing.
 */

/* The segments of chunk @c: the first, and the end. */
static u64 kudp_rel_chunk_first(const struct kudp_rel_rx *r, size_t c)
{
	return (u64)c * r->chunk_segs;
}

static u64 kudp_rel_chunk_end(const struct kudp_rel_rx *r, size_t c)
{
	return min_t(u64, kudp_rel_chunk_first(r, c) + r->chunk_segs, r->nsegs);
}

/* Set up chunk @c's part of the map, if it is not yet. */
static void kudp_rel_chunk_start(struct kudp_rel_rx *r, size_t c)
{
	u64 first = kudp_rel_chunk_first(r, c), end = kudp_rel_chunk_end(r, c);

	if (test_bit(c, r->chunk_init))
		return;
	bitmap_clear(r->map, first, end - first);
	r->chunk_left[c] = end - first;
	__set_bit(c, r->chunk_init);
}

/* The first segment from @seg on that has (@have) or has not arrived. */
static u64 kudp_rel_next(const struct kudp_rel_rx *r, u64 seg, bool have)
{
	while (seg < r->nsegs) {
		size_t c = div_u64(seg, r->chunk_segs);
		u64 end = kudp_rel_chunk_end(r, c), found;

		if (!test_bit(c, r->chunk_init)) {
			if (!have)
				return seg;
			seg = end;
			continue;
		}
		found = have ? find_next_bit(r->map, end, seg) :
			       find_next_zero_bit(r->map, end, seg);
		if (found < end)
			return found;
		seg = end;
	}
	return r->nsegs;
}

/**
 * kudp_rel_rx_init() - set up the reliable mode's receiving side
 * @r: the receiver's state, zeroed
 * @buf: the receiver's buffer
 * @size: its capacity
 *
 * Allocates the map of what arrived, one bit per segment of the smallest
 * size: @size / 4096 bytes (1 MiB for 4 GiB), and the per-chunk CRC-32s.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int kudp_rel_rx_init(struct kudp_rel_rx *r, void *buf, u64 size)
{
	u64 bits = DIV_ROUND_UP_ULL(size, KUDP_SEGMENT_MIN);

	INIT_WORK(&r->crc_work, kudp_rel_crc_work);
	/* A chunk is at least half of KUDP_CRC_CHUNK: segments are below 64 KiB. */
	r->max_chunks = DIV_ROUND_UP_ULL(size, KUDP_CRC_CHUNK / 2) + 1;
	r->buf = buf;
	r->size = size;
	r->ctl = kmalloc(KUDP_CONTROL_MAX, GFP_KERNEL);
	r->map = kvcalloc(BITS_TO_LONGS(bits), sizeof(long), GFP_KERNEL);
	r->chunk_left = kvcalloc(r->max_chunks, sizeof(u32), GFP_KERNEL);
	r->chunk_crc = kvcalloc(r->max_chunks, sizeof(u32), GFP_KERNEL);
	r->chunk_init = kvcalloc(BITS_TO_LONGS(r->max_chunks), sizeof(long), GFP_KERNEL);
	r->chunk_ready = kvcalloc(BITS_TO_LONGS(r->max_chunks), sizeof(long), GFP_KERNEL);
	r->chunk_done = kvcalloc(BITS_TO_LONGS(r->max_chunks), sizeof(long), GFP_KERNEL);
	if (!r->ctl || !r->map || !r->chunk_left || !r->chunk_crc || !r->chunk_init ||
	    !r->chunk_ready || !r->chunk_done) {
		kudp_rel_rx_free(r);
		return -ENOMEM;
	}
	return 0;
}

/**
 * kudp_rel_rx_stop() - stop computing CRC-32s (exit begins)
 * @r: the receiver's state
 *
 * The CRC-32 work does not queue itself again, and a completion that is
 * computing the message's CRC-32 gives up at its next chunk.
 *
 * Context: any.
 */
void kudp_rel_rx_stop(struct kudp_rel_rx *r)
{
	WRITE_ONCE(r->stopping, true);
}

/**
 * kudp_rel_rx_free() - free what kudp_rel_rx_init() allocated
 * @r: the receiver's state: zeroed, or set up by kudp_rel_rx_init(), and
 *	no receiving work item runs or will run (kudp_rel_rx_stop() first
 *	if one ran)
 *
 * Waits for the CRC-32 work.
 *
 * Context: process context.
 */
void kudp_rel_rx_free(struct kudp_rel_rx *r)
{
	if (r->crc_work.func)
		cancel_work_sync(&r->crc_work);
	kvfree(r->chunk_done);
	kvfree(r->chunk_ready);
	kvfree(r->chunk_init);
	kvfree(r->chunk_crc);
	kvfree(r->chunk_left);
	kvfree(r->map);
	kfree(r->ctl);
}

/* Whether @id is of the same sender instance as @ref, and not later. */
static bool kudp_rel_not_after(u64 id, u64 ref)
{
	return id >> 32 == ref >> 32 && (u32)id <= (u32)ref;
}

/**
 * kudp_rel_rx_classify() - what a datagram is to the receiver
 * @r: the receiver's state
 * @hdr: the datagram's first bytes: its whole header, or all of it if
 *	shorter
 * @len: the datagram's length
 * @from: where it came from
 *
 * A message belongs to its origin, the source of its first datagram:
 * the same message's datagrams from anywhere else are foreign. While a
 * message is being received, a new one from another address waits
 * (busy) until it completes or is discarded; one from the origin's
 * address (its sender, started again) replaces it. Stale: from the address
 * of the last message that completed, and not later than it; or from the
 * address of the one in progress, and not later than it. So a message
 * that never completed is never the reference for longer than the hold,
 * and a forger elsewhere cannot make a sender's later messages stale.
 *
 * Context: the receiving work item.
 * Return: an &enum kudp_rel_verdict.
 */
enum kudp_rel_verdict kudp_rel_rx_classify(const struct kudp_rel_rx *r, const void *hdr,
					   size_t len, const struct sockaddr_in *from)
{
	const struct kudp_common_hdr *c = hdr;
	int type = kudp_proto_check(hdr, len);
	bool busy = r->active && !r->complete;
	u64 id, total;

	if (type != KUDP_T_DATA && type != KUDP_T_CLOSE)
		return KUDP_REL_BAD;
	id = get_unaligned_be64(&c->id);
	total = kudp_proto_total(hdr);
	if (r->active && id == r->id) {
		if (from->sin_addr.s_addr != r->origin.sin_addr.s_addr ||
		    from->sin_port != r->origin.sin_port)
			return KUDP_REL_FOREIGN;
		if (get_unaligned_be16(&c->segment) != r->segment || total != r->total)
			return KUDP_REL_BAD;
		return type == KUDP_T_DATA ? KUDP_REL_DATA : KUDP_REL_CLOSE;
	}
	if ((r->done_id && from->sin_addr.s_addr == r->done_addr &&
	     kudp_rel_not_after(id, r->done_id)) ||
	    (busy && from->sin_addr.s_addr == r->origin.sin_addr.s_addr &&
	     kudp_rel_not_after(id, r->id)))
		return KUDP_REL_STALE;
	if (total > r->size)
		return KUDP_REL_TOO_BIG;
	if (busy && from->sin_addr.s_addr != r->origin.sin_addr.s_addr)
		return KUDP_REL_BUSY;
	return KUDP_REL_NEW;
}

/**
 * kudp_rel_rx_begin() - start receiving the message a datagram belongs to
 * @r: the receiver's state
 * @hdr: the header of a DATA or CLOSE that kudp_rel_rx_classify() called
 *	new
 * @from: where it came from: the message's origin, where its answers go
 * @local: the address it was sent to: where its answers come from
 *
 * Forgets the previous message: its CRC-32 work is cancelled, the chunk
 * bitmaps cleared (the map follows chunk by chunk).
 *
 * Context: the receiving work item; sleeps.
 */
void kudp_rel_rx_begin(struct kudp_rel_rx *r, const void *hdr,
		       const struct sockaddr_in *from, __be32 local)
{
	const struct kudp_common_hdr *h = hdr;

	cancel_work_sync(&r->crc_work);
	r->origin = *from;
	r->local = local;
	r->got = 0;
	r->sent = 0;
	r->id = get_unaligned_be64(&h->id);
	r->segment = get_unaligned_be16(&h->segment);
	r->total = kudp_proto_total(hdr);
	r->nsegs = DIV_ROUND_UP_ULL(r->total, r->segment);
	r->have = 0;
	r->chunk_segs = max(KUDP_CRC_CHUNK / r->segment, 1U);
	r->nchunks = DIV_ROUND_UP_ULL(r->nsegs, r->chunk_segs);
	r->closed = false;
	r->fresh = false;
	r->complete = false;
	r->active = true;
	bitmap_zero(r->chunk_init, r->nchunks);
	bitmap_zero(r->chunk_ready, r->nchunks);
	bitmap_zero(r->chunk_done, r->nchunks);
	kudp_dbg("message %#llx from %pI4:%u: %llu bytes in %llu segments of %u\n",
		 r->id, &from->sin_addr, ntohs(from->sin_port), r->total, r->nsegs,
		 r->segment);
}

/**
 * kudp_rel_rx_received() - count a datagram of the message from its origin
 * @r: the receiver's state
 * @len: its length
 *
 * What the origin sent for the message is what the receiver may answer
 * it with (anti-amplification: see kudp_rel_rx_send()).
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_received(struct kudp_rel_rx *r, size_t len)
{
	r->got += len + KUDP_HEADERS;
}

/**
 * kudp_rel_rx_slot() - where a DATA's payload goes
 * @r: the receiver's state
 * @hdr: a DATA of the current message (kudp_rel_rx_classify()), its header
 *
 * Context: the receiving work item.
 * Return: the place of its payload in the buffer, or NULL if its segment
 * already arrived (a duplicate: the bytes of a segment never change once
 * it arrived).
 */
void *kudp_rel_rx_slot(struct kudp_rel_rx *r, const void *hdr)
{
	const struct kudp_data_hdr *d = hdr;
	u64 off = get_unaligned_be64(&d->offset);
	u64 seg = div_u64(off, r->segment);

	kudp_rel_chunk_start(r, div_u64(seg, r->chunk_segs));
	return test_bit(seg, r->map) ? NULL : r->buf + off;
}

/**
 * kudp_rel_rx_placed() - count a DATA whose payload is in its place
 * @r: the receiver's state
 * @hdr: the DATA's header (its slot came from kudp_rel_rx_slot())
 * @len: the datagram's length
 *
 * Its segment is marked as arrived; a chunk made whole is handed to the
 * CRC-32 work.
 *
 * Context: the receiving work item.
 * Return: the payload bytes stored.
 */
size_t kudp_rel_rx_placed(struct kudp_rel_rx *r, const void *hdr, size_t len)
{
	const struct kudp_data_hdr *d = hdr;
	u64 seg = div_u64(get_unaligned_be64(&d->offset), r->segment);
	size_t c = div_u64(seg, r->chunk_segs);

	__set_bit(seg, r->map);
	r->have++;
	r->fresh = true;
	if (!--r->chunk_left[c]) {
		set_bit(c, r->chunk_ready);
		if (!READ_ONCE(r->stopping))
			queue_work(system_unbound_wq, &r->crc_work);
	}
	return len - sizeof(*d);
}

/**
 * kudp_rel_rx_close() - note the CLOSE of the current message
 * @r: the receiver's state
 * @hdr: its CLOSE
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_close(struct kudp_rel_rx *r, const void *hdr)
{
	const struct kudp_close_hdr *h = hdr;

	r->crc = get_unaligned_be32(&h->crc);
	r->closed = true;
}

/**
 * kudp_rel_rx_closes() - whether a CLOSE is the one the message had
 * @r: the receiver's state: its CLOSE came
 * @hdr: a CLOSE of the current message (its length already checked)
 *
 * Context: the receiving work item.
 * Return: true if it announces the same CRC-32.
 */
bool kudp_rel_rx_closes(const struct kudp_rel_rx *r, const void *hdr)
{
	const struct kudp_close_hdr *h = hdr;

	return r->closed && get_unaligned_be32(&h->crc) == r->crc;
}

/**
 * kudp_rel_rx_whole() - whether every segment of the message is there
 * @r: the receiver's state
 *
 * Context: the receiving work item.
 * Return: true when it is.
 */
bool kudp_rel_rx_whole(const struct kudp_rel_rx *r)
{
	return r->active && r->have == r->nsegs;
}

/**
 * kudp_rel_rx_complete() - the message is complete
 * @r: the receiver's state: whole, its CRC-32 right
 *
 * It stays the current message (its CLOSE is ACKed again, its DATA are
 * duplicates), and is the reference for stale ids from its address from
 * now on.
 *
 * Context: the receiving work item.
 */
void kudp_rel_rx_complete(struct kudp_rel_rx *r)
{
	r->complete = true;
	r->done_id = r->id;
	r->done_addr = r->origin.sin_addr.s_addr;
}

/**
 * kudp_rel_rx_crc() - the CRC-32 of a whole message
 * @r: the receiver's state; kudp_rel_rx_whole()
 * @state: the result, as crc32_le() from ~0 leaves it (zlib's value is
 *	its complement)
 *
 * Computes the chunks the CRC-32 work has not claimed, waits for the one
 * it may be computing, and joins them in order.
 *
 * Context: the receiving work item; sleeps.
 * Return: false if the receiver is stopping (@state not set).
 */
bool kudp_rel_rx_crc(struct kudp_rel_rx *r, u32 *state)
{
	u64 chunk = kudp_rel_chunk_bytes(r), off;
	size_t c;
	u32 crc = ~0U;

	for (c = 0; c < r->nchunks; c++) {
		if (READ_ONCE(r->stopping))
			return false;
		if (test_and_clear_bit(c, r->chunk_ready)) {
			kudp_rel_chunk_crc(r, c);
			cond_resched();
		}
	}
	/* The chunk crc_work claimed last is done after this. */
	cancel_work_sync(&r->crc_work);
	for (c = 0, off = 0; c < r->nchunks; c++, off += chunk) {
		u64 len = min(chunk, r->total - off);

		if (WARN_ON_ONCE(!test_bit(c, r->chunk_done)))
			return false;
		crc = c ? crc32_le_combine(crc, r->chunk_crc[c], len) : r->chunk_crc[0];
	}
	*state = crc;
	return true;
}

/*
 * Send @len bytes of @buf about the current message to its origin, from
 * the address its first datagram was sent to, if the budget allows: the
 * bytes answered to the origin never exceed the bytes it sent for the
 * message (QUIC's anti-amplification rule, RFC 9000 section 8, at 1x), so
 * that a forged source address never makes this host send its victim
 * more than the forger sent. Return 1 if the budget withheld it, else 0
 * or the send's error.
 */
static int kudp_rel_rx_send(struct kudp_rel_rx *r, struct socket *sock,
			    const void *buf, size_t len)
{
	u64 wire = len + KUDP_HEADERS;
	int ret;

	if (r->sent + wire > r->got) {
		kudp_dbg_rl("message %#llx: %zu-byte answer withheld: %llu sent, %llu got\n",
			    r->id, len, r->sent, r->got);
		return 1;
	}
	ret = kudp_sock_answer(sock, &r->origin, r->local, buf, len);
	if (!ret)
		r->sent += wire;
	return ret;
}

/**
 * kudp_rel_rx_nack() - tell the origin what is missing
 * @r: the receiver's state: a message not whole
 * @sock: the receiver's socket
 *
 * Up to %KUDP_NACK_BATCH NACKs of %KUDP_NACK_RANGES ranges each, the first
 * missing segments first; all but the last say more follow. Only one
 * unless DATA arrived since the last answer (a round trip: the resends
 * the last NACKs asked for), and none beyond the origin's budget
 * (kudp_rel_rx_send()): a CLOSE sent again, or forged, never brings back
 * more bytes than it had.
 *
 * Context: the receiving work item.
 * Return: 0 or the first send's error.
 */
int kudp_rel_rx_nack(struct kudp_rel_rx *r, struct socket *sock)
{
	unsigned int batch, k, most = r->fresh ? KUDP_NACK_BATCH : 1;
	struct kudp_nack_hdr *n = r->ctl;
	u64 seg = 0, end;
	int ret = 0;

	r->fresh = false;
	for (batch = 0; batch < most && ret == 0; batch++) {
		/* Not even a one-range NACK fits the budget: no search either. */
		if (r->sent + struct_size(n, range, 1) + KUDP_HEADERS > r->got) {
			ret = 1;
			break;
		}
		for (k = 0; k < KUDP_NACK_RANGES; k++) {
			seg = kudp_rel_next(r, seg, false);
			if (seg >= r->nsegs)
				break;
			end = kudp_rel_next(r, seg, true);
			put_unaligned_be32(seg, &n->range[k].first);
			put_unaligned_be32(end - seg, &n->range[k].count);
			seg = end;
		}
		if (!k)
			break;
		kudp_proto_common(&n->c, KUDP_T_NACK, r->segment, r->id);
		put_unaligned_be16(k, &n->ranges);
		put_unaligned_be32(r->nsegs - r->have, &n->missing);
		/* More to come, unless the map is done or the batch is. */
		seg = kudp_rel_next(r, seg, false);
		put_unaligned_be16(seg < r->nsegs && batch + 1 < most ?
				   KUDP_NACK_MORE : 0, &n->flags);
		ret = kudp_rel_rx_send(r, sock, n, struct_size(n, range, k));
	}
	kudp_dbg_rl("message %#llx: %llu of %llu segments missing, %u NACKs\n",
		    r->id, r->nsegs - r->have, r->nsegs, batch);
	return ret > 0 ? 0 : ret;
}

/**
 * kudp_rel_rx_answer() - ACK or REFUSE the current message
 * @r: the receiver's state
 * @sock: the receiver's socket
 * @err: 0 for an ACK (whole, its CRC-32 right), or a positive errno to
 *	refuse it with (EBADMSG)
 *
 * To the message's origin, within its budget (kudp_rel_rx_nack()).
 *
 * Context: the receiving work item.
 * Return: 0 or the send's error.
 */
int kudp_rel_rx_answer(struct kudp_rel_rx *r, struct socket *sock, int err)
{
	union {
		struct kudp_close_hdr ack;
		struct kudp_refuse_hdr refuse;
	} h = { };
	int ret;

	kudp_proto_common(&h.ack.c, err ? KUDP_T_REFUSE : KUDP_T_ACK, r->segment, r->id);
	if (err) {
		put_unaligned_be32(err, &h.refuse.err);
		ret = kudp_rel_rx_send(r, sock, &h, sizeof(h.refuse));
	} else {
		put_unaligned_be64(r->total, &h.ack.total);
		put_unaligned_be32(r->crc, &h.ack.crc);
		ret = kudp_rel_rx_send(r, sock, &h, sizeof(h.ack));
	}
	return ret > 0 ? 0 : ret;
}

/**
 * kudp_rel_rx_refuse_big() - REFUSE a message too large for the buffer
 * @r: the receiver's state
 * @sock: the receiver's socket
 * @hdr: a DATA or CLOSE of it, that kudp_rel_rx_classify() called too big
 * @dg: the receive it came in: its source, and the address it was sent to
 *
 * No state is kept of such a message: the REFUSE (48 bytes on the wire)
 * answers its first DATA, then each of its CLOSEs (60 bytes each), to
 * where it came from, so it is never more than what came.
 *
 * Context: the receiving work item.
 * Return: 0 or the send's error.
 */
int kudp_rel_rx_refuse_big(struct kudp_rel_rx *r, struct socket *sock, const void *hdr,
			   const struct kudp_dgram *dg)
{
	const struct kudp_common_hdr *c = hdr;
	u64 id = get_unaligned_be64(&c->id);
	struct kudp_refuse_hdr h = { };

	if (id == r->refused_id && c->type == KUDP_T_DATA)
		return 0;
	r->refused_id = id;
	pr_warn_ratelimited("message %#llx from %pI4:%u: %llu bytes do not fit the %llu-byte buffer: refused\n",
			    id, &dg->from.sin_addr, ntohs(dg->from.sin_port),
			    kudp_proto_total(hdr), r->size);
	kudp_proto_common(&h.c, KUDP_T_REFUSE, get_unaligned_be16(&c->segment), id);
	put_unaligned_be32(EFBIG, &h.err);
	return kudp_sock_answer(sock, &dg->from, dg->to, &h, sizeof(h));
}
