// SPDX-License-Identifier: GPL-2.0
/*
 * The sending side's socket work, send_udp's alone: connecting to the
 * destination, the datagram size of the route, the send loop (UDP GSO,
 * pacing, waiting for the datagrams to leave), and the receive of the
 * reliable mode's answers.
 */
#include <linux/bvec.h>
#include <linux/errqueue.h>
#include <linux/hrtimer.h>
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/sock.h>
#include <net/udp.h>

#include "kudp_core.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/**
 * kudp_sock_disconnect() - forget a UDP socket's peer, source address and port
 * @sock: a socket from kudp_sock_create()
 *
 * As __udp_disconnect(): the next send picks a source anew, and a socket
 * that is not connected takes datagrams from any source.
 *
 * Context: process context.
 */
void kudp_sock_disconnect(struct socket *sock)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };

	kernel_connect(sock, &unspec, sizeof(unspec), 0);
}

/**
 * kudp_sock_connect() - connect a UDP socket to @addr:@port, anew
 * @sock: a socket from kudp_sock_create()
 * @addr: the destination, network byte order
 * @port: the destination's UDP port, host byte order
 *
 * Connecting picks the route (and so the MTU and the source address) and
 * makes the socket report ICMP errors such as port unreachable
 * (ECONNREFUSED). The socket is disconnected first: a UDP socket connected
 * again keeps the source address of its first connect, which is wrong (or
 * gone) once @addr, the route or this host's own address changed. Any
 * error left over from an earlier transfer is cleared. A send then waits
 * for room in the socket's send buffer for at most %KUDP_LEAVE_TIMEOUT_MS:
 * datagrams that a device holds forever (its link went down) must not hold
 * the send.
 *
 * Context: process context.
 * Return: 0, or a negative errno from kernel_connect() (for example
 * -ENETUNREACH without a route, -EACCES for a broadcast address).
 */
int kudp_sock_connect(struct socket *sock, __be32 addr, u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
		.sin_port = htons(port),
	};
	int ret;

	kudp_enter("sock=%p, addr=%pI4, port=%u", sock, &addr, port);
	kudp_sock_disconnect(sock);
	sock_error(sock->sk);
	ret = kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret == -ENETUNREACH && ipv4_is_multicast(addr)) {
		pr_err("cannot connect to group %pI4:%u: no route to it (a default route, or ip route add 224.0.0.0/4 dev IFACE)\n",
		       &addr, port);
		return kudp_ret(ret);
	}
	if (ret < 0) {
		pr_err("cannot connect to %pI4:%u: error %d\n", &addr, port, ret);
		return kudp_ret(ret);
	}
	sock_set_sndtimeo(sock->sk, KUDP_LEAVE_TIMEOUT_MS / MSEC_PER_SEC);
	return 0;
}

/**
 * kudp_sock_set_mc_ttl() - the time to live of datagrams sent to a group
 * @sock: a socket from kudp_sock_create()
 * @ttl: 1 to 255; 1 keeps them on the subnet
 *
 * As IP_MULTICAST_TTL: datagrams to one host keep the default TTL.
 *
 * Context: process context.
 * Return: 0, or a negative errno from setsockopt.
 */
int kudp_sock_set_mc_ttl(struct socket *sock, unsigned int ttl)
{
	int val = ttl;

	kudp_enter("sock=%p, ttl=%u", sock, ttl);
	return kudp_ret(sock->ops->setsockopt(sock, SOL_IP, IP_MULTICAST_TTL,
					      KERNEL_SOCKPTR(&val), sizeof(val)));
}

/**
 * kudp_sock_payload() - choose the payload size of each datagram
 * @sock: a connected socket
 * @fixed: bytes per datagram the user asked for, or 0 for automatic
 *
 * Automatic: set Don't Fragment and use the MTU of the socket's route, so
 * that no datagram is fragmented: 65507 bytes on loopback, 1472 on a
 * 1500-byte Ethernet. A fixed size lets IP fragment what the route cannot
 * carry whole.
 *
 * Context: process context.
 * Return: payload bytes per datagram, 1 to %KUDP_MAX_PAYLOAD.
 */
size_t kudp_sock_payload(struct socket *sock, unsigned int fixed)
{
	struct dst_entry *dst;
	size_t mtu = 576;	/* what every IPv4 host must accept */

	kudp_enter("sock=%p, fixed=%u", sock, fixed);
	if (fixed) {
		ip_sock_set_mtu_discover(sock->sk, IP_PMTUDISC_DONT);
		return min(fixed, KUDP_MAX_PAYLOAD);
	}
	ip_sock_set_mtu_discover(sock->sk, IP_PMTUDISC_DO);
	dst = sk_dst_get(sock->sk);
	if (dst) {
		mtu = dst_mtu(dst);
		dst_release(dst);
	}
	kudp_dbg("%s: route MTU %zu\n", __func__, mtu);
	return min_t(size_t, mtu - KUDP_HEADERS, KUDP_MAX_PAYLOAD);
}

/*
 * Send what @msg's iterator holds as one call: one datagram, or, if
 * @seg_size is not 0, datagrams of @seg_size bytes cut by UDP GSO (the
 * last may be shorter).
 */
static int kudp_sendmsg(struct socket *sock, struct msghdr *msg, u16 seg_size,
			const struct sockaddr_in *to)
{
	union {
		char buf[CMSG_SPACE(sizeof(u16))];
		struct cmsghdr align;
	} control;

	if (seg_size)
		kudp_msg_cmsg(msg, &control, sizeof(control.buf), SOL_UDP, UDP_SEGMENT,
			      &seg_size, sizeof(seg_size));
	if (to) {
		msg->msg_name = (void *)to;
		msg->msg_namelen = sizeof(*to);
	}
	return sock_sendmsg(sock, msg);
}

/**
 * kudp_sock_zerocopy() - let a socket send from the sender's own pages
 * @sock: a socket from kudp_sock_create()
 *
 * SO_ZEROCOPY: a call with MSG_ZEROCOPY (&kudp_send_opts.zc) then hands
 * the stack the pages of the buffer rather than a copy of them, where the
 * route's device takes pages (scatter-gather and checksum offload; else
 * the stack copies them itself), and the stack says on the socket's error
 * queue when it is done with them. Calls without MSG_ZEROCOPY copy as
 * before.
 *
 * Context: process context.
 */
void kudp_sock_zerocopy(struct socket *sock)
{
	lock_sock(sock->sk);
	sock_set_flag(sock->sk, SOCK_ZEROCOPY);
	release_sock(sock->sk);
}

/* The pages that hold the bytes of one call at most: 64 KiB, at any offset. */
#define KUDP_ZC_PAGES	(DIV_ROUND_UP(KUDP_MAX_PAYLOAD, PAGE_SIZE) + 1)

/*
 * Fill @bv with the pages of the @len bytes at @data (vmalloc()ed, @len at
 * most KUDP_MAX_PAYLOAD); return how many.
 */
static unsigned int kudp_zc_pages(const void *data, size_t len, struct bio_vec *bv)
{
	unsigned int n = 0;

	while (len) {
		size_t off = offset_in_page(data);
		size_t piece = min_t(size_t, len, PAGE_SIZE - off);

		bv[n++] = (struct bio_vec){ .bv_page = vmalloc_to_page(data),
					    .bv_len = piece, .bv_offset = off };
		data += piece;
		len -= piece;
	}
	return n;
}

/*
 * Take the zero-copy notifications off @sk's error queue, without waiting.
 * Each says that the stack is done with the pages of a range of calls
 * (&struct sock_extended_err: @ee_info the first, @ee_data the last), and
 * whether it copied them after all. Nothing else uses a sending socket's
 * error queue (no IP_RECVERR, no timestamps). Return whether any came.
 */
static bool kudp_zc_reap(struct sock *sk, struct kudp_zc *zc)
{
	struct sk_buff *skb;
	bool any = false;

	while ((skb = sock_dequeue_err_skb(sk))) {
		struct sock_extended_err *ee = &SKB_EXT_ERR(skb)->ee;
		u32 n = ee->ee_data - ee->ee_info + 1;

		if (ee->ee_origin == SO_EE_ORIGIN_ZEROCOPY) {
			zc->notified += n;
			WRITE_ONCE(zc->calls, zc->calls + n);
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				WRITE_ONCE(zc->copied, zc->copied + n);
			any = true;
		}
		consume_skb(skb);
	}
	return any;
}

/* Whether a zero-copy call on @sk is not notified yet. */
static bool kudp_zc_pending(struct sock *sk, const struct kudp_zc *zc)
{
	return (u32)atomic_read(&sk->sk_zckey) != zc->notified;
}

/* Whether @sk has a notification queued, or was shut down. */
static bool kudp_zc_woken(struct sock *sk)
{
	return !skb_queue_empty_lockless(&sk->sk_error_queue) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN);
}

/*
 * Wait for zero-copy notifications on @sk, at most @timeout jiffies: until
 * every call is notified, or (unless @all) until one more is. Return 0,
 * -ETIMEDOUT, or -EPIPE if the socket was shut down.
 */
static int kudp_zc_settle(struct sock *sk, struct kudp_zc *zc, bool all, long timeout)
{
	for (;;) {
		bool any = kudp_zc_reap(sk, zc);

		if (!kudp_zc_pending(sk, zc) || (any && !all))
			return 0;
		if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
			return -EPIPE;
		if (timeout <= 0)
			return -ETIMEDOUT;
		/* sk_error_report() wakes the socket's sleepers. */
		timeout = wait_event_interruptible_timeout(*sk_sleep(sk), kudp_zc_woken(sk),
							   timeout);
	}
}

/**
 * kudp_zc_wait() - wait until the stack is done with every zero-copy call
 * @sock: the socket the calls went through
 * @zc: their count
 * @timeout: jiffies to wait at most: 0 only looks, %MAX_SCHEDULE_TIMEOUT
 *	waits until the socket is shut down
 *
 * A datagram that the stack still holds (queued for a device whose link
 * is down, waiting for an ARP answer) holds its pages: the buffer they
 * belong to must not change until the stack is done with it.
 *
 * Context: process context (the send work); sleeps.
 * Return: 0 once every call is notified; -ETIMEDOUT if some are not after
 * @timeout; -EPIPE if the socket was shut down (the module is unloading).
 */
int kudp_zc_wait(struct socket *sock, struct kudp_zc *zc, long timeout)
{
	return kudp_zc_settle(sock->sk, zc, true, timeout);
}

/*
 * The pieces of one call's @n datagrams, @len payload bytes from @data:
 * without a header, the payload whole; with @opts->hdr_len, each
 * datagram's header (in @hdrs, filled by @opts->hdr) before its payload.
 * Return how many pieces @vec holds.
 */
static size_t kudp_frame(const struct kudp_send_opts *opts, const void *data,
			 size_t len, unsigned int n, void *hdrs, struct kvec *vec)
{
	size_t hl = opts->hdr_len, off = 0, i;

	if (!hl) {
		vec[0] = (struct kvec){ .iov_base = (void *)data, .iov_len = len };
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t piece = min(len - off, opts->payload);

		opts->hdr(hdrs + i * hl, data + off, piece, opts->ctx);
		vec[2 * i] = (struct kvec){ .iov_base = hdrs + i * hl, .iov_len = hl };
		vec[2 * i + 1] = (struct kvec){ .iov_base = (void *)data + off,
						.iov_len = piece };
		off += piece;
	}
	return 2 * n;
}

/*
 * Pacing: sleep until *@next_ns, when the next @bytes may go at @rate
 * bytes per second (kudp_send() moves *@next_ns past each call's bytes).
 * A sender that woke late makes up for it, but never with more than
 * 64 KiB at once, this call's bytes included: the schedule moves on, and
 * the rate comes out a little lower rather than in a burst that a
 * receiver cannot take.
 *
 * The sleep is on a high-resolution timer, and a shutdown (the module
 * unloading) ends it. Interruptible, as in kudp_wait_sent(): the socket
 * wakes only interruptible sleepers, and a work item never has a signal
 * pending.
 */
static int kudp_pace(struct socket *sock, u64 *next_ns, size_t bytes, u64 rate)
{
	/* At most 65507 times 10^9: no overflow. */
	u64 debt_max = div64_u64((u64)(KUDP_MAX_PAYLOAD - bytes) * NSEC_PER_SEC, rate);
	u64 now = ktime_get_ns();
	struct sock *sk = sock->sk;

	if (*next_ns + debt_max < now)
		*next_ns = now - debt_max;
	if (*next_ns > now)
		wait_event_interruptible_hrtimeout(*sk_sleep(sk),
						   READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN,
						   ns_to_ktime(*next_ns - now));
	return READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN ? -EPIPE : 0;
}

/* Whether the next hop of @sk's route could not be resolved (no ARP answer). */
static bool kudp_sock_neigh_failed(struct sock *sk)
{
	struct dst_entry *dst = sk_dst_get(sk);
	__be32 daddr = inet_sk(sk)->inet_daddr;
	struct neighbour *n;
	bool failed = false;

	if (!dst)
		return false;
	n = dst_neigh_lookup(dst, &daddr);
	if (n) {
		failed = READ_ONCE(n->nud_state) & NUD_FAILED;
		neigh_release(n);
	}
	dst_release(dst);
	return failed;
}

/* Whether @sk's datagrams have all left, or it has an error, or is shut down. */
static bool kudp_sock_sent(struct sock *sk)
{
	return !sk_wmem_alloc_get(sk) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN);
}

/*
 * After the last datagram: wait until every datagram has left the machine
 * (the socket's write memory is free again: the driver has sent them, or
 * the stack has dropped them), for at most KUDP_LEAVE_TIMEOUT_MS. A
 * datagram waiting for an ARP answer that never comes is dropped some
 * 3 s later, silently: the neighbour's state tells. The wait is
 * interruptible because the socket's wakeups (sock_wfree(), shutdown)
 * are; a work item never has a signal pending.
 */
static int kudp_wait_sent(struct socket *sock)
{
	struct sock *sk = sock->sk;
	long left;

	left = wait_event_interruptible_timeout(*sk_sleep(sk), kudp_sock_sent(sk),
						msecs_to_jiffies(KUDP_LEAVE_TIMEOUT_MS));
	if (READ_ONCE(sk->sk_err))
		return sock_error(sk);
	if (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN)
		return -EPIPE;
	if (!left)
		return -ETIMEDOUT;
	return kudp_sock_neigh_failed(sk) ? -EHOSTUNREACH : 0;
}

/**
 * kudp_send() - send a buffer as consecutive datagrams
 * @sock: a connected socket
 * @buf: the data
 * @len: bytes in @buf; 0 sends one empty datagram
 * @opts: datagram size, UDP GSO, rate, and a header for each datagram
 * @xfer: progress, updated after each call (kudp_xfer_start() first)
 *
 * With @opts->zc, the payload goes from @buf's own pages: once every
 * datagram has left, or after an error, this waits for the stack to say
 * it is done with them too, for at most %KUDP_LEAVE_TIMEOUT_MS (not after
 * a wait that timed out already: kudp_zc_wait() tells the caller whether
 * they are still held).
 *
 * With @opts->gso, each call hands the stack up to 64 KiB, which UDP GSO
 * cuts into datagrams of @opts->payload bytes (each after its header, if
 * @opts->hdr_len): the same datagrams on the wire, for one trip through
 * the stack. Where the route cannot (6.1 needs checksum offload on the
 * device; a payload above the route's MTU cannot be segmented), the call
 * fails whole and the rest of the send goes one datagram per call, and so
 * do the later calls with @opts->no_gso.
 *
 * Stops at the first error: the call that failed sent nothing. Once all is
 * sent, waits for the datagrams to leave the machine (unless
 * @opts->nowait): an error the socket has recorded since (an ICMP port
 * unreachable) or an unanswered ARP is returned too. Yields between calls;
 * sleeps between them to keep to @opts->rate (headers included).
 *
 * Context: process context; sleeps.
 * Return: 0 once every byte is sent, or a negative errno:
 * -ECONNREFUSED when nothing listens at the destination, -EHOSTUNREACH
 * when no host answers ARP for it, -ETIMEDOUT when datagrams stayed in the
 * machine for %KUDP_LEAVE_TIMEOUT_MS (after the last one, or before the
 * next found room in the send buffer: a link that went down), -EPIPE
 * when the socket was shut down (the module is unloading), -ENOMEM.
 */
int kudp_send(struct socket *sock, const void *buf, size_t len,
	      const struct kudp_send_opts *opts, struct kudp_xfer *xfer)
{
	size_t payload = opts->payload, hl = opts->hdr_len, off = 0;
	u64 own_ns = ktime_get_ns(), *next_ns = opts->next_ns ?: &own_ns;
	struct kudp_zc *zc = hl ? NULL : opts->zc;
	struct kvec one, *vec = &one;
	struct bio_vec *bv = NULL;
	unsigned int segs = 1;
	void *hdrs = NULL;
	int ret;

	kudp_enter("sock=%p, len=%zu, payload=%zu, header=%zu, gso=%d, rate=%llu",
		   sock, len, payload, hl, opts->gso, opts->rate);
	if (zc && WARN_ON_ONCE(!is_vmalloc_addr(buf)))
		zc = NULL;
	if (zc) {
		/* The pages of one call, off the stack (KASAN's frames are large). */
		bv = kmalloc_array(KUDP_ZC_PAGES, sizeof(*bv), GFP_KERNEL);
		if (!bv)
			return kudp_ret(-ENOMEM);
	}
	if (opts->gso && !(opts->no_gso && *opts->no_gso))
		segs = min_t(size_t, UDP_MAX_SEGMENTS, KUDP_MAX_PAYLOAD / (hl + payload));
	if (hl) {
		/* Each datagram's header, and the two pieces of each. */
		hdrs = kmalloc_array(segs, hl + 2 * sizeof(*vec), GFP_KERNEL);
		if (!hdrs)
			return kudp_ret(-ENOMEM);
		vec = hdrs + segs * hl;
	}
	do {
		size_t chunk = min(len - off, payload * segs);
		unsigned int n = chunk > payload ? DIV_ROUND_UP(chunk, payload) : 1;
		size_t wire = chunk + n * hl;
		struct msghdr msg = { };

		if (zc) {
			iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv,
				      kudp_zc_pages(buf + off, chunk, bv), chunk);
			msg.msg_flags = MSG_ZEROCOPY;
		} else {
			iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, vec,
				      kudp_frame(opts, buf + off, chunk, n, hdrs, vec), wire);
		}
		if (opts->rate) {
			ret = kudp_pace(sock, next_ns, wire, opts->rate);
			if (ret)
				goto out;
		}
		ret = kudp_sendmsg(sock, &msg, n > 1 ? hl + payload : 0, opts->to);
		kudp_dbg_rl("sock_sendmsg(%zu bytes at offset %zu%s) = %d%s\n",
			    wire, off, zc ? ", zero-copy" : "", ret,
			    n > 1 ? ", cut by UDP GSO" : "");
		/*
		 * Each zero-copy call in flight holds its notification, in
		 * the socket's option memory (net.core.optmem_max): when
		 * there is no room for one more, wait until one comes back.
		 */
		if (ret == -ENOBUFS && zc && kudp_zc_pending(sock->sk, zc)) {
			ret = kudp_zc_settle(sock->sk, zc, false,
					     msecs_to_jiffies(KUDP_LEAVE_TIMEOUT_MS));
			if (ret)
				goto out;
			continue;
		}
		if ((ret == -EIO || ret == -EMSGSIZE) && n > 1) {
			kudp_dbg("UDP GSO refused (%d): one datagram per call\n", ret);
			segs = 1;
			if (opts->no_gso)
				*opts->no_gso = true;
			continue;
		}
		/* No room in the send buffer for KUDP_LEAVE_TIMEOUT_MS. */
		if (ret == -EAGAIN)
			ret = -ETIMEDOUT;
		if (ret < 0)
			goto out;
		/* UDP sends a datagram whole or not at all. */
		if (WARN_ON_ONCE(ret != wire)) {
			ret = -EIO;
			goto out;
		}
		kudp_xfer_add(xfer, chunk, n);
		off += chunk;
		if (opts->rate)
			*next_ns += div64_u64((u64)wire * NSEC_PER_SEC, opts->rate);
		cond_resched();
	} while (off < len);

	ret = opts->nowait ? 0 : kudp_wait_sent(sock);
out:
	/*
	 * The calls sent hold the buffer's pages until they are notified,
	 * after an error too (an ICMP port unreachable), but not after a
	 * wait that timed out already, or a shutdown.
	 */
	if (zc && ret != -ETIMEDOUT && ret != -EPIPE) {
		int zret = kudp_zc_wait(sock, zc, msecs_to_jiffies(KUDP_LEAVE_TIMEOUT_MS));

		if (!ret)
			ret = zret;
	}
	kfree(bv);
	kfree(hdrs);
	return kudp_ret(ret);
}

/**
 * kudp_recv() - take one datagram off a socket without waiting
 * @sock: the socket
 * @buf: where the payload goes
 * @room: bytes available at @buf; a longer payload is cut, and the rest is
 *	discarded
 * @from: where its source address and port go; NULL on a connected
 *	socket (its peer is the only source)
 *
 * Context: process context.
 * Return: the full payload length, which may exceed @room; -EAGAIN when no
 * datagram is queued; another negative errno on error (the socket's: an
 * ICMP port unreachable gives -ECONNREFUSED).
 */
int kudp_recv(struct socket *sock, void *buf, size_t room, struct sockaddr_in *from)
{
	struct kvec vec = { .iov_base = buf, .iov_len = room };
	struct msghdr msg = { .msg_name = from, .msg_namelen = from ? sizeof(*from) : 0 };

	return kernel_recvmsg(sock, &msg, &vec, 1, room, MSG_DONTWAIT | MSG_TRUNC);
}
