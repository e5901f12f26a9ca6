// SPDX-License-Identifier: GPL-2.0
/*
 * The reliable mode's sender (Documentation/protocol.rst, "The sender"):
 * kudp_rel_send(), from send_udp's send work. Linked into send_udp only.
 * What goes on the wire, and the arithmetic, is kudp_wire.c's.
 */
#include <linux/bitmap.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_rel.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/* Send @len bytes of @buf as one datagram, to @to, or where @sock is connected. */
static int kudp_rel_send_one(struct socket *sock, void *buf, size_t len,
			     const struct sockaddr_in *to)
{
	struct kvec vec = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_name = (void *)to, .msg_namelen = to ? sizeof(*to) : 0 };
	int ret = kernel_sendmsg(sock, &msg, &vec, 1, len);

	return ret < 0 ? ret : 0;
}

/* While sending DATA, look for a REFUSE after about this many bytes. */
#define KUDP_REFUSE_CHECK	SZ_4M

/**
 * struct kudp_rel_tx - one reliable send (kudp_rel_send())
 * @s: the sender's state kept between messages
 * @sock: its socket, connected to the receiver; to a group, not connected
 *	(every datagram goes to @opts.to, and the receivers answer from their
 *	own addresses)
 * @buf: the message
 * @len: its length
 * @crc: its CRC-32
 * @id: its id
 * @opts: how DATA goes: its header, the segment as the payload, and the
 *	pacing schedule that the resends follow too (@next_ns)
 * @xfer: the message's progress: each byte once, and every DATA datagram
 * @ctl: a control datagram received, %KUDP_CONTROL_MAX bytes
 * @hdr: its header, parsed
 * @hold_ns: how long the send goes on without progress
 * @next_ns: with a rate, when the next bytes may go
 * @key: the shared key; with one (version 2), every datagram is tagged
 * @nonce: version 2: the receiver's challenge for the message (its
 *	CHALLENGE): DATA and CLOSE are tagged with it, and so are the answers
 * @g: to a group: its receivers; NULL: to one receiver
 * @nsegs: the message's segments
 * @resent: to a group: the segments resent in this round, one bit each:
 *	NACKs of several receivers for the same segment cost one resend
 * @from: to a group: the source of the control datagram in @ctl
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
	struct kudp_hdr hdr;
	u64 hold_ns;
	u64 next_ns;
	const struct kudp_key *key;
	u8 nonce[KUDP_NONCE_LEN];
	struct kudp_rel_group *g;
	u64 nsegs;
	unsigned long *resent;
	struct sockaddr_in from;
};

/* kudp_send()'s header callback: a DATA header for the bytes at @payload. */
static void kudp_rel_data_hdr(void *hdr, const void *payload, size_t len, void *ctx)
{
	struct kudp_rel_tx *t = ctx;
	struct kudp_data_hdr *d = hdr;

	kudp_wire_common(&d->c, KUDP_T_DATA, t->opts.payload, t->id);
	put_unaligned_be64(payload - t->buf, &d->offset);
	put_unaligned_be64(t->len, &d->total);
	if (t->key->set) {
		d->c.version = KUDP_PROTO_KEYED;
		kudp_key_sign(t->key, t->nonce, d, sizeof(*d), payload, len);
	}
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

/*
 * Send the control datagram of @len bytes at @buf (room for a tag after
 * it), tagged with @nonce in version 2.
 */
static int kudp_rel_send_control(struct kudp_rel_tx *t, void *buf, size_t len, const u8 *nonce)
{
	if (t->key->set)
		len = kudp_key_seal(t->key, nonce, buf, len);
	return kudp_rel_transient(t, kudp_rel_send_one(t->sock, buf, len, t->opts.to));
}

static int kudp_rel_send_close(struct kudp_rel_tx *t)
{
	u8 buf[sizeof(struct kudp_close_hdr) + KUDP_TAG_LEN];
	size_t len = kudp_wire_put_close(buf, KUDP_T_CLOSE, t->opts.payload, t->id, t->len,
					 t->crc);

	kudp_dbg_rl("CLOSE of message %#llx (%zu bytes, CRC-32 %08x)\n",
		    t->id, t->len, t->crc);
	return kudp_rel_send_control(t, buf, len, t->nonce);
}

/* Version 2: ask the receiver for its challenge. */
static int kudp_rel_send_hello(struct kudp_rel_tx *t)
{
	u8 buf[sizeof(struct kudp_hello_hdr) + KUDP_TAG_LEN];
	size_t len = kudp_wire_put_hello(buf, t->opts.payload, t->id, t->len);

	kudp_dbg_rl("HELLO of message %#llx\n", t->id);
	return kudp_rel_send_control(t, buf, len, kudp_nonce_none);
}

/* Whether the socket has something for kudp_rel_recv(), or is done for. */
static bool kudp_rel_readable(struct sock *sk)
{
	return !skb_queue_empty_lockless(&sk->sk_receive_queue) ||
	       READ_ONCE(sk->sk_err) || (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN);
}

/*
 * Parse and check the control datagram of @len bytes in t->ctl (its header
 * into t->hdr): a type the sender takes, of the version the key says
 * (authentic, in version 2), of this message. Return its type, or 0 if it
 * is dropped (logged).
 */
static int kudp_rel_control(struct kudp_rel_tx *t, size_t len)
{
	int type = len <= KUDP_CONTROL_MAX ? kudp_wire_parse(t->ctl, len, &t->hdr) : -EBADMSG;
	const u8 *nonce = type == KUDP_T_CHALLENGE ? kudp_nonce_none : t->nonce;

	if (type != KUDP_T_NACK && type != KUDP_T_ACK && type != KUDP_T_REFUSE &&
	    type != KUDP_T_CHALLENGE) {
		pr_warn_ratelimited("malformed control datagram (%zu bytes) from the receiver dropped\n",
				    len);
		return 0;
	}
	if (!t->hdr.tag != !t->key->set) {
		pr_warn_ratelimited("control datagram of version %u dropped: %s\n",
				    t->hdr.tag ? KUDP_PROTO_KEYED : KUDP_PROTO_VERSION,
				    t->key->set ? "a key is set" : "no key is set");
		return 0;
	}
	if (t->hdr.tag && !kudp_key_verify(t->key, nonce, t->ctl, len, &t->hdr)) {
		pr_warn_ratelimited("control datagram that does not authenticate (%zu bytes) dropped\n",
				    len);
		return 0;
	}
	if (t->hdr.id != t->id) {
		kudp_dbg_rl("control datagram for message %#llx dropped: sending %#llx\n",
			    t->hdr.id, t->id);
		return 0;
	}
	return type;
}

/*
 * Take the next control datagram of this message into t->ctl (its header
 * parsed into t->hdr), waiting
 * until @deadline_ns at most (0: not at all). Control datagrams that are
 * malformed, not authentic (version 2) or of another message are dropped
 * and counted; the socket's errors that kudp_rel_transient() forgives are
 * too. Return its type,
 * -EAGAIN when the deadline passed, or a negative errno: the socket's error
 * (an ICMP port unreachable: -ECONNREFUSED), -EPIPE when it was shut down
 * (the module is unloading).
 */
static int kudp_rel_recv(struct kudp_rel_tx *t, u64 deadline_ns)
{
	struct sock *sk = t->sock->sk;
	int ret, type;
	u64 now;

	for (;;) {
		if (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN)
			return -EPIPE;
		ret = kudp_recv(t->sock, t->ctl, KUDP_CONTROL_MAX, t->g ? &t->from : NULL);
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
		type = kudp_rel_control(t, ret);
		if (type)
			return type;
		WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
		/* A flood of them does not hold off the deadline. */
		if (ktime_get_ns() >= deadline_ns)
			return -EAGAIN;
	}
}

/*
 * Send again @count segments from segment @first, @budget bytes at most
 * (what is left of this round's: the message's length). Return 0, 1 when
 * the budget is spent (nothing sent), or a negative errno.
 */
static int kudp_rel_resend_run(struct kudp_rel_tx *t, u64 first, u64 count, u64 *budget)
{
	u32 seg = t->opts.payload;
	u64 off = first * seg, len = min(count * seg, t->len - off);	/* off < len */
	struct kudp_send_opts opts = t->opts;
	struct kudp_xfer again;
	int ret;

	if (len > *budget) {
		kudp_dbg_rl("NACKs asked for more than the message: the rest waits\n");
		return 1;
	}
	*budget -= len;
	/* The next CLOSE follows at once; its answer says what arrived. */
	opts.nowait = true;
	/* Each byte counts once in the message's figures; datagrams all. */
	kudp_xfer_start(&again);
	ret = kudp_send(t->sock, t->buf + off, len, &opts, &again);
	WRITE_ONCE(t->xfer->datagrams, t->xfer->datagrams + again.datagrams);
	t->s->resent += again.datagrams;
	return kudp_rel_transient(t, ret);
}

/*
 * Send again the segments a NACK in t->ctl names, @budget bytes at most.
 * To a group, only those this round has not resent yet (t->resent): one
 * resend serves every receiver that missed it.
 */
static int kudp_rel_resend(struct kudp_rel_tx *t, u64 *budget)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < t->hdr.ranges && !ret; i++) {
		u64 first, count, end, a, b;

		if (kudp_wire_nack_range(t->ctl + t->hdr.len, i, t->nsegs, &first, &count)) {
			pr_warn_ratelimited("NACK of message %#llx names segments %llu+%llu of %llu: ignored\n",
					    t->id, first, count, t->nsegs);
			WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
			return 0;
		}
		if (!t->resent) {
			ret = kudp_rel_resend_run(t, first, count, budget);
			continue;
		}
		/* The runs of the range that this round has not resent. */
		end = first + count;
		for (a = find_next_zero_bit(t->resent, end, first); a < end && !ret;
		     a = find_next_zero_bit(t->resent, end, b)) {
			b = find_next_bit(t->resent, end, a);
			bitmap_set(t->resent, a, b - a);
			ret = kudp_rel_resend_run(t, a, b - a, budget);
		}
	}
	return ret > 0 ? 0 : ret;
}

/* Whether the hold passed since @progress_ns, with two CLOSEs sent at least. */
static bool kudp_rel_held_out(const struct kudp_rel_tx *t, u64 progress_ns,
			      unsigned int closes)
{
	return closes >= 2 && ktime_get_ns() - progress_ns >= t->hold_ns;
}

/* The errno the REFUSE in t->hdr carries, negated. */
static int kudp_rel_refusal(const struct kudp_rel_tx *t)
{
	u32 err = t->hdr.err;

	pr_warn("%pI4: the receiver refused message %#llx with error %u\n",
		t->g ? &t->from.sin_addr.s_addr : &inet_sk(t->sock->sk)->inet_daddr, t->id, err);
	return err == EFBIG || err == EBADMSG ? -err : -EPROTO;
}

/*
 * To a group: the receiver whose answer is in t->ctl (from t->from),
 * followed from its first answer on. NULL if KUDP_RECEIVERS_MAX are
 * followed already: its answer is dropped (counted, logged).
 */
static struct kudp_rel_peer *kudp_rel_peer(struct kudp_rel_tx *t)
{
	struct kudp_rel_group *g = t->g;
	struct kudp_rel_peer *p;

	for (p = g->peer; p < g->peer + g->n; p++)
		if (p->addr.sin_addr.s_addr == t->from.sin_addr.s_addr &&
		    p->addr.sin_port == t->from.sin_port)
			return p;
	if (g->n == KUDP_RECEIVERS_MAX) {
		pr_warn_ratelimited("%pI4:%u: an answer from a receiver beyond the %u followed: dropped\n",
				    &t->from.sin_addr, ntohs(t->from.sin_port), KUDP_RECEIVERS_MAX);
		WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
		return NULL;
	}
	p = &g->peer[g->n++];
	*p = (struct kudp_rel_peer){
		.addr = t->from,
		.result = KUDP_PEER_ACTIVE,
		.missing = t->nsegs + 1,	/* its first NACK is progress */
		.progress_ns = ktime_get_ns(),
		.first = true,
	};
	kudp_dbg("message %#llx: receiver %pI4:%u answered\n", t->id, &t->from.sin_addr,
		 ntohs(t->from.sin_port));
	return p;
}

/*
 * While DATA goes: whether the receiver refused the message. Looks at what
 * is queued, without waiting, and at most a NACK batch of it; nothing but
 * a REFUSE is expected before CLOSE. To a group, a REFUSE ends that
 * receiver's part only. Return 0, a REFUSE's errno, or the socket's.
 */
static int kudp_rel_refused(struct kudp_rel_tx *t)
{
	unsigned int budget = KUDP_NACK_BATCH;
	struct kudp_rel_peer *p;
	int type;

	do {
		type = kudp_rel_recv(t, 0);
		if (type == KUDP_T_REFUSE && !t->g)
			return kudp_rel_refusal(t);
		if (type == KUDP_T_REFUSE) {
			p = kudp_rel_peer(t);
			if (p && p->result == KUDP_PEER_ACTIVE)
				p->result = kudp_rel_refusal(t);
		}
	} while (type > 0 && --budget);
	return type == -EAGAIN || type > 0 ? 0 : type;
}

/*
 * Version 2, before the first DATA: HELLO until the receiver's CHALLENGE
 * for this message comes, on the CLOSE's timer, and within the hold (two
 * HELLOs at least). Its challenge tags the message's datagrams.
 */
static int kudp_rel_hello(struct kudp_rel_tx *t)
{
	u32 rto = kudp_wire_rto(t->s->srtt_us);
	u64 start_ns = ktime_get_ns(), sent_ns, deadline_ns;
	unsigned int hellos = 0;
	int ret, type;

	for (;;) {
		ret = kudp_rel_send_hello(t);
		if (ret)
			return ret;
		sent_ns = ktime_get_ns();
		deadline_ns = sent_ns + (u64)rto * NSEC_PER_USEC;
		hellos++;
		/* Nothing but the CHALLENGE is expected; the rest waits for no one. */
		do {
			type = kudp_rel_recv(t, deadline_ns);
		} while (type > 0 && type != KUDP_T_CHALLENGE && ktime_get_ns() < deadline_ns);
		if (type == KUDP_T_CHALLENGE) {
			if (hellos == 1)
				t->s->srtt_us = kudp_wire_srtt(t->s->srtt_us,
							       ktime_get_ns() - sent_ns);
			memcpy(t->nonce, t->hdr.nonce, sizeof(t->nonce));
			return 0;
		}
		if (type < 0 && type != -EAGAIN)
			return type;
		if (kudp_rel_held_out(t, start_ns, hellos))
			return -ETIMEDOUT;
		kudp_dbg_rl("no CHALLENGE in %u us: HELLO %u\n", rto, hellos + 1);
		rto = kudp_wire_rto_backoff(rto);
	}
}

/*
 * CLOSING: send CLOSE until the receiver answers for this message; resend
 * what its NACKs name; end on its ACK or REFUSE. Gives up once the hold
 * passed without progress (no answer to a CLOSE, or rounds - a CLOSE and
 * the NACKs that answer it - whose first NACK does not say fewer segments
 * missing than the round before), after two CLOSEs at least: the loop is
 * bounded by this side's clock, not by what the receiver sends. In version
 * 2, a HELLO goes before each CLOSE sent again: a CHALLENGE with another
 * challenge says the receiver does not have the message, which starts
 * again under it.
 */
static int kudp_rel_closing(struct kudp_rel_tx *t)
{
	struct kudp_rel_sender *s = t->s;
	u32 rto = kudp_wire_rto(s->srtt_us);
	bool open = false, first = false, again = false;
	/* More than the message has is no progress either. */
	u64 missing, last_missing = t->nsegs + 1;
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
			rto = kudp_wire_rto_backoff(rto);
			open = false;
			again = true;
			if (t->key->set) {
				ret = kudp_rel_send_hello(t);
				if (ret)
					return ret;
			}
			continue;
		}
		if (type < 0)
			return type;
		/* Karn: the answer to a CLOSE sent again says nothing of the round trip. */
		if (first && !again)
			s->srtt_us = kudp_wire_srtt(s->srtt_us, ktime_get_ns() - sent_ns);

		if (type == KUDP_T_REFUSE)
			return kudp_rel_refusal(t);
		if (type == KUDP_T_CHALLENGE) {
			if (!memcmp(t->hdr.nonce, t->nonce, sizeof(t->nonce)))
				continue;
			kudp_dbg_rl("message %#llx: a new challenge: the receiver starts over\n",
				    t->id);
			memcpy(t->nonce, t->hdr.nonce, sizeof(t->nonce));
			/* Its first NACK will be progress; the hold's clock runs on. */
			last_missing = t->nsegs + 1;
			open = false;
			continue;
		}
		if (type == KUDP_T_ACK) {
			if (t->hdr.total == t->len && t->hdr.crc == t->crc)
				return 0;
			pr_warn_ratelimited("ACK of message %#llx with another length or CRC-32: dropped\n",
					    t->id);
			WRITE_ONCE(s->rejected, s->rejected + 1);
			continue;
		}

		/* A NACK. The round's first says whether the receiver gets there. */
		missing = t->hdr.missing;
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
		if (!(t->hdr.flags & KUDP_NACK_MORE))
			open = false;
	}
}

/*
 * To a group: how many receivers are being repaired (*@active), and how
 * many of them have not answered this round whole (the return).
 */
static unsigned int kudp_rel_group_waiting(const struct kudp_rel_group *g, unsigned int *active)
{
	const struct kudp_rel_peer *p;
	unsigned int waiting = 0;

	*active = 0;
	for (p = g->peer; p < g->peer + g->n; p++) {
		if (p->result != KUDP_PEER_ACTIVE)
			continue;
		(*active)++;
		waiting += !p->answered;
	}
	return waiting;
}

/*
 * To a group, before each round: fail the receivers without progress for
 * the hold (after two CLOSEs at least), and say whether the send is over.
 * It is once no receiver is being repaired and t->g->want confirmed; or,
 * fewer having confirmed, once the hold passed since @waited_ns (the last
 * time a receiver first answered or made progress) without the others
 * answering. Return 0 (enough confirmed), 1 (go on), or -ETIMEDOUT.
 */
static int kudp_rel_group_settle(struct kudp_rel_tx *t, unsigned int closes, u64 waited_ns)
{
	struct kudp_rel_group *g = t->g;
	unsigned int active = 0, confirmed = 0;
	struct kudp_rel_peer *p;

	for (p = g->peer; p < g->peer + g->n; p++) {
		if (p->result == KUDP_PEER_ACTIVE && kudp_rel_held_out(t, p->progress_ns, closes)) {
			pr_warn("%pI4: the receiver made no progress with message %#llx for the hold: given up, the others go on\n",
				&p->addr.sin_addr, t->id);
			p->result = -ETIMEDOUT;
		}
		active += p->result == KUDP_PEER_ACTIVE;
		confirmed += !p->result;
	}
	if (active)
		return 1;
	if (confirmed >= g->want)
		return 0;
	/* The receivers that failed were the last who could confirm it. */
	if (g->n >= g->want) {
		for (p = g->peer; !p->result; p++)
			;
		pr_err("message %#llx: %u of the %u receivers asked for confirmed it\n",
		       t->id, confirmed, g->want);
		return p->result;
	}
	if (!kudp_rel_held_out(t, waited_ns, closes))
		return 1;
	pr_err("message %#llx: %u of the %u receivers asked for confirmed it, %u failed, %u never answered\n",
	       t->id, confirmed, g->want, g->n - confirmed, g->want - min(g->n, g->want));
	return -ETIMEDOUT;
}

/*
 * CLOSING, to a group: kudp_rel_closing() for every receiver that
 * answers, each followed on its own (struct kudp_rel_peer): its NACKs
 * resend what this round has not resent yet, to the group; its ACK
 * confirms it; its REFUSE, or the hold without its progress, fails it,
 * and the others go on. A round ends when every receiver being repaired
 * answered it whole, or when its timer expires. Bounded by this side's
 * clock, as kudp_rel_closing().
 */
static int kudp_rel_closing_group(struct kudp_rel_tx *t)
{
	struct kudp_rel_group *g = t->g;
	u32 rto = kudp_wire_rto(t->s->srtt_us);
	u64 sent_ns = 0, budget = 0, waited_ns = ktime_get_ns(), now;
	bool open = false, first = false, again = false;
	unsigned int closes = 0, active;
	struct kudp_rel_peer *p;
	int ret, type;

	for (;;) {
		if (!open) {
			ret = closes ? kudp_rel_group_settle(t, closes, waited_ns) : 1;
			if (ret <= 0)
				return ret;
			ret = kudp_rel_send_close(t);
			if (ret)
				return ret;
			sent_ns = ktime_get_ns();
			budget = t->len;
			bitmap_zero(t->resent, t->nsegs);
			for (p = g->peer; p < g->peer + g->n; p++) {
				p->first = true;
				p->answered = false;
			}
			open = true;
			first = true;
			closes++;
			/* receivers=0: one CLOSE, and nobody waited for. */
			if (!g->want)
				return 0;
		}
		type = kudp_rel_recv(t, sent_ns + (u64)rto * NSEC_PER_USEC);
		if (type == -EAGAIN) {
			kudp_dbg_rl("not every receiver answered CLOSE in %u us: CLOSE %u\n",
				    rto, closes + 1);
			rto = kudp_wire_rto_backoff(rto);
			open = false;
			again = true;
			continue;
		}
		if (type < 0)
			return type;
		p = kudp_rel_peer(t);
		/* A receiver done with the message: a late or repeated answer. */
		if (!p || p->result != KUDP_PEER_ACTIVE)
			continue;
		now = ktime_get_ns();
		if (first && !again)
			t->s->srtt_us = kudp_wire_srtt(t->s->srtt_us, now - sent_ns);
		first = false;
		if (type == KUDP_T_REFUSE) {
			p->result = kudp_rel_refusal(t);
		} else if (type == KUDP_T_ACK) {
			if (t->hdr.total != t->len || t->hdr.crc != t->crc) {
				pr_warn_ratelimited("ACK of message %#llx with another length or CRC-32 from %pI4: dropped\n",
						    t->id, &p->addr.sin_addr);
				WRITE_ONCE(t->s->rejected, t->s->rejected + 1);
				continue;
			}
			p->result = 0;
			kudp_dbg("message %#llx: %pI4:%u confirmed it\n", t->id, &p->addr.sin_addr,
				 ntohs(p->addr.sin_port));
		} else {
			if (p->first) {
				if (t->hdr.missing < p->missing) {
					p->progress_ns = now;
					waited_ns = now;
				}
				p->missing = t->hdr.missing;
				p->first = false;
			}
			ret = kudp_rel_resend(t, &budget);
			if (ret)
				return ret;
			p->answered = !(t->hdr.flags & KUDP_NACK_MORE);
		}
		if (kudp_rel_group_waiting(g, &active))
			continue;
		if (active) {
			/* Every receiver being repaired answered: the next round at once. */
			open = false;
			again = false;
			continue;
		}
		/* None left to repair: the timer's CLOSEs wait for the others. */
		ret = kudp_rel_group_settle(t, closes, waited_ns);
		if (ret <= 0)
			return ret;
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
 * @hold_s: seconds without progress before the send is given up (to a
 *	group: before a receiver is)
 * @key: the shared key, or none (version 1)
 * @group: to a group (@sock not connected, @opts->to the group): its
 *	receivers (@group->want set; the rest is filled in); NULL: to the
 *	receiver @sock is connected to
 *
 * With a key, first asks the receiver for its challenge (HELLO). Sends
 * every DATA once, then CLOSE, and resends what the receiver says is
 * missing until it confirms the whole message (Documentation/protocol.rst,
 * "The sender"), all at @opts->rate. Looks for a REFUSE every few MiB
 * while sending DATA.
 *
 * Context: process context; sleeps.
 * Return: 0 once the receiver confirmed the message (length and CRC-32)
 * (to a group: @group->want receivers did, and none is being repaired),
 * or a negative errno (to a group: the error of a receiver that failed,
 * or -ETIMEDOUT: fewer answered): -ETIMEDOUT (no answer, or no progress, for
 * @hold_s), -EFBIG or -EBADMSG (the receiver refused it: too large, or
 * its CRC-32 did not match), -EPROTO (a refusal with another errno),
 * -EINVAL (datagrams of @opts->payload bytes cannot carry the smallest
 * segment), -ENOMEM, or what kudp_send() returns.
 */
int kudp_rel_send(struct kudp_rel_sender *s, struct socket *sock,
		  const void *buf, size_t len, u32 crc,
		  const struct kudp_send_opts *opts, struct kudp_xfer *xfer,
		  unsigned int hold_s, const struct kudp_key *key,
		  struct kudp_rel_group *group)
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
		.key = key,
		.g = group,
	};
	/* DATA's header, and its tag in version 2. */
	size_t hdr_len = sizeof(struct kudp_data_hdr) + (key->set ? KUDP_TAG_LEN : 0);
	size_t off = 0, step;
	int ret;

	if (opts->payload < hdr_len + KUDP_SEGMENT_MIN) {
		pr_err("datagrams of %zu bytes (payload, or the route's MTU less %u) cannot carry the reliable mode's smallest, %zu: a %zu-byte header and %u bytes; not sent\n",
		       opts->payload, KUDP_HEADERS, hdr_len + KUDP_SEGMENT_MIN, hdr_len,
		       KUDP_SEGMENT_MIN);
		return kudp_ret(-EINVAL);
	}
	t.opts.payload = min_t(size_t, opts->payload - hdr_len, KUDP_SEGMENT_MAX);
	t.opts.next_ns = &t.next_ns;
	t.opts.hdr_len = hdr_len;
	t.opts.hdr = kudp_rel_data_hdr;
	t.opts.ctx = &t;
	t.id = (u64)s->instance << 32 | ++s->count;
	t.nsegs = DIV_ROUND_UP_ULL(len, t.opts.payload);
	s->resent = 0;
	kudp_enter("id=%#llx, len=%zu, segment=%zu, group=%d", t.id, len, t.opts.payload, !!group);
	t.ctl = kmalloc(KUDP_CONTROL_MAX, GFP_KERNEL);
	if (!t.ctl)
		return kudp_ret(-ENOMEM);
	if (group) {
		group->n = 0;
		/* At most 1 MiB (4 GiB in segments of 512 bytes). */
		t.resent = kvmalloc_array(BITS_TO_LONGS(t.nsegs), sizeof(long), GFP_KERNEL);
		if (!t.resent) {
			kfree(t.ctl);
			return kudp_ret(-ENOMEM);
		}
	}

	/* Answers to earlier messages still queued are dropped here. */
	ret = key->set ? kudp_rel_hello(&t) : kudp_rel_refused(&t);
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
		ret = group ? kudp_rel_closing_group(&t) : kudp_rel_closing(&t);
	kvfree(t.resent);
	kfree(t.ctl);
	return kudp_ret(ret);
}
