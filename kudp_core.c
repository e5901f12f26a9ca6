// SPDX-License-Identifier: GPL-2.0
/*
 * Socket, buffer, parameter and debug helpers shared by send_udp and
 * receive_udp.
 *
 * This object is linked into both modules.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <net/dst.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/udp.h>

#include "kudp_core.h"

/*
 * KBUILD_MODNAME is not the name of either module in this file, so the log
 * prefix comes from THIS_MODULE, which resolves to the module this copy is
 * linked into. Defined after the includes: inline functions in headers
 * expand pr_fmt too.
 */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/* Read locklessly on every path; written only through sysfs. */
int kudp_debug;
module_param_named(debug, kudp_debug, int, 0644);
MODULE_PARM_DESC(debug,
		 "Log each function entry, error return, socket call and timer event (0 = off, default; anything else = on)");

/*
 * Protected by kernel_param_lock(THIS_MODULE), which the kernel already
 * holds around every parameter get/set callback (at insmod too): a callback
 * that sees KUDP_READY can use the socket and the buffer until it returns.
 */
static enum kudp_phase kudp_cur_phase = KUDP_LOADING;

/**
 * kudp_phase() - where the module is in its life
 *
 * The kernel creates the parameter files after it has parsed insmod's
 * command line and before it calls init: a callback through them in that
 * window is not insmod's, and sees %KUDP_STARTING (a write to send_udp's
 * "data" then would otherwise be taken for insmod's data= and sent by
 * init).
 *
 * Context: process context, with kernel_param_lock(THIS_MODULE) held (as it
 * is in every parameter callback).
 * Return: the current &enum kudp_phase.
 */
enum kudp_phase kudp_phase(void)
{
	if (kudp_cur_phase == KUDP_LOADING && THIS_MODULE->mkobj.kobj.state_in_sysfs)
		return KUDP_STARTING;
	return kudp_cur_phase;
}

/**
 * kudp_set_phase() - move the module to the next phase of its life
 * @phase: %KUDP_STARTING at the start of init, %KUDP_READY at its end,
 *	%KUDP_STOPPING at the start of exit
 *
 * Once this has returned with %KUDP_STOPPING, no parameter callback is
 * using the module's socket or buffer, and none will.
 *
 * Context: process context; takes kernel_param_lock(THIS_MODULE).
 */
void kudp_set_phase(enum kudp_phase phase)
{
	kudp_enter("phase=%d", phase);
	kernel_param_lock(THIS_MODULE);
	kudp_cur_phase = phase;
	kernel_param_unlock(THIS_MODULE);
}

/**
 * kudp_param_check_ready() - refuse a parameter access outside %KUDP_READY
 * @kp: the parameter being read or written
 *
 * Context: a parameter callback (kernel_param_lock(THIS_MODULE) held).
 * Return: 0 if the module is ready, else -ENODEV (and a log line).
 */
int kudp_param_check_ready(const struct kernel_param *kp)
{
	if (likely(kudp_cur_phase == KUDP_READY))
		return 0;
	pr_warn_ratelimited("%s: the module is %s; try again later\n", kp->name,
			    kudp_cur_phase == KUDP_STOPPING ? "unloading" : "still loading");
	return -ENODEV;
}

/*
 * A number of bytes, with an optional K, M or G suffix ("64M"), into @res;
 * 0 only if @zero_ok. A bad value is logged and changes nothing.
 */
static int kudp_param_parse_bytes(const char *val, const struct kernel_param *kp,
				  bool zero_ok, u64 *res)
{
	char *end;
	u64 n = memparse(val, &end);

	kudp_enter("%s=%s", kp->name, val);
	if (end == val || (*end && strcmp(end, "\n")) || (!n && !zero_ok)) {
		pr_err("%s: '%s' is not a number of bytes%s (suffixes K, M, G allowed)\n",
		       kp->name, val, zero_ok ? "" : " above 0");
		return kudp_ret(-EINVAL);
	}
	*res = n;
	return 0;
}

/* A size in bytes ("64M"); not zero. */
static int kudp_param_set_size(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_bytes(val, kp, false, kp->arg);
}

/* A rate in bytes per second ("10M"); 0 for no limit. */
static int kudp_param_set_rate(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_bytes(val, kp, true, kp->arg);
}

static int kudp_param_get_u64(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", *(u64 *)kp->arg);
}

/* A u64 size in bytes: module_param_cb(name, &kudp_param_ops_size, &var, perm). */
const struct kernel_param_ops kudp_param_ops_size = {
	.set = kudp_param_set_size,
	.get = kudp_param_get_u64,
};

/* A u64 rate in bytes per second, 0 for unlimited; the same text as a size. */
const struct kernel_param_ops kudp_param_ops_rate = {
	.set = kudp_param_set_rate,
	.get = kudp_param_get_u64,
};

/**
 * kudp_param_parse_switch() - read a switch parameter's value
 * @val: what was written: "0" or "1", a trailing newline accepted
 * @kp: the parameter
 * @on: where the value goes
 *
 * Stricter than the kernel's bool parameters, which take "1abc" for "1".
 *
 * Context: a parameter callback.
 * Return: 0, or -EINVAL (and a log line) for anything else.
 */
int kudp_param_parse_switch(const char *val, const struct kernel_param *kp, bool *on)
{
	if ((val[0] != '0' && val[0] != '1') || (val[1] && strcmp(val + 1, "\n"))) {
		pr_err("%s: '%s' is not 0 (off) or 1 (on)\n", kp->name, val);
		return kudp_ret(-EINVAL);
	}
	*on = val[0] == '1';
	return 0;
}

static int kudp_param_set_switch(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_switch(val, kp, kp->arg);
}

/**
 * kudp_param_get_switch() - show a switch parameter: "0" or "1"
 * @buf: the page to write
 * @kp: the parameter; @kp->arg points to its bool
 *
 * Context: a parameter callback.
 * Return: bytes written.
 */
int kudp_param_get_switch(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", *(bool *)kp->arg);
}

/* A bool shown and set as 0 or 1: module_param_cb(name, &kudp_param_ops_switch, &var, perm). */
const struct kernel_param_ops kudp_param_ops_switch = {
	.set = kudp_param_set_switch,
	.get = kudp_param_get_switch,
};

static const char * const kudp_mode_names[] = {
	[KUDP_MODE_RAW] = "raw",
	[KUDP_MODE_RELIABLE] = "reliable",
};

/* mode: "raw" or "reliable", a trailing newline accepted. */
static int kudp_param_set_mode(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(kudp_mode_names, val);

	if (i < 0) {
		pr_err("%s: '%s' is not raw or reliable\n", kp->name, val);
		return kudp_ret(-EINVAL);
	}
	*(enum kudp_mode *)kp->arg = i;
	return 0;
}

static int kudp_param_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kudp_mode_names[*(enum kudp_mode *)kp->arg]);
}

/* An &enum kudp_mode shown and set by name. */
const struct kernel_param_ops kudp_param_ops_mode = {
	.set = kudp_param_set_mode,
	.get = kudp_param_get_mode,
};

/* hold: whole seconds, 1 to KUDP_HOLD_MAX_S, a trailing newline accepted. */
static int kudp_param_set_hold(const char *val, const struct kernel_param *kp)
{
	unsigned int s;

	if (kstrtouint(val, 10, &s) || !s || s > KUDP_HOLD_MAX_S) {
		pr_err("%s: '%s' is not a number of seconds from 1 to %u\n", kp->name, val,
		       KUDP_HOLD_MAX_S);
		return kudp_ret(-EINVAL);
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, s);
	return 0;
}

/* An unsigned int of seconds, 1 to KUDP_HOLD_MAX_S; read with READ_ONCE(). */
const struct kernel_param_ops kudp_param_ops_hold = {
	.set = kudp_param_set_hold,
	.get = param_get_uint,
};

/**
 * kudp_param_set_readonly() - the set operation of a read-only parameter
 * @val: the value given (ignored)
 * @kp: the parameter
 *
 * Every parameter needs a set operation: insmod calls it without looking
 * (sysfs refuses writes to a read-only file by itself).
 *
 * Context: a parameter callback.
 * Return: -EPERM, always.
 */
int kudp_param_set_readonly(const char *val, const struct kernel_param *kp)
{
	pr_err("%s is read-only\n", kp->name);
	return -EPERM;
}

/**
 * kudp_buf_alloc() - allocate a module's message buffer
 * @size: bytes wanted
 * @param: the parameter that asked for @size, named in the error message
 *
 * Refuses a size the machine cannot provide with one log line, before
 * vmalloc() could print an allocation-failure stack dump or wake the OOM
 * killer: a size beyond the kernel's vmalloc area (the address space that
 * maps the buffer: some hundred MiB on a 32-bit kernel, set by vmalloc= on
 * its command line), then a size beyond the memory available. Every size
 * allowed fits in a size_t.
 *
 * Context: process context (module init); may sleep for a long time: every
 * page is allocated now (and zeroed, with init_on_alloc, Debian's default).
 * Return: the buffer (free it with vfree()), or NULL if there is not enough
 * memory or address space.
 */
void *kudp_buf_alloc(u64 size, const char *param)
{
	u64 avail = (u64)si_mem_available() << PAGE_SHIFT;
	u64 area = min_t(u64, VMALLOC_TOTAL, SIZE_MAX);
	void *buf;

	kudp_enter("size=%llu, param=%s", size, param);
	if (size > area) {
		pr_err("%s=%llu: more than this kernel can map: its vmalloc area is %llu bytes (%llu MiB) in all; load with a smaller %s, or boot with a larger vmalloc= on the kernel command line\n",
		       param, size, area, area >> 20, param);
		return NULL;
	}
	if (size > avail) {
		pr_err("%s=%llu: only %llu bytes of memory are available; load with a smaller %s (for example %s=64M)\n",
		       param, size, avail, param, param);
		return NULL;
	}
	/* A board short of memory gets NULL, not the OOM killer. */
	buf = __vmalloc(size, GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL);
	if (!buf)
		pr_err("%s=%llu: vmalloc failed: no free range that large in the %llu MiB vmalloc area, or no memory; load with a smaller %s%s\n",
		       param, size, area >> 20, param,
		       BITS_PER_LONG == 32 ? ", or boot with a larger vmalloc=" : "");
	return buf;
}

/**
 * kudp_sock_create() - create a kernel IPv4 UDP socket
 * @res: where to store the socket
 *
 * Context: process context.
 * Return: 0, or a negative errno from sock_create_kern().
 */
int kudp_sock_create(struct socket **res)
{
	int ret;

	kudp_enter("");
	ret = sock_create_kern(&init_net, AF_INET, SOCK_DGRAM, IPPROTO_UDP, res);
	if (ret < 0)
		pr_err("cannot create a UDP socket: error %d\n", ret);
	return kudp_ret(ret);
}

/**
 * kudp_sock_bind_any() - bind a socket to 0.0.0.0:8808
 * @sock: a socket from kudp_sock_create()
 *
 * Context: process context.
 * Return: 0, or a negative errno from kernel_bind() (-EADDRINUSE if another
 * socket has the port).
 */
int kudp_sock_bind_any(struct socket *sock)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(KUDP_PORT),
	};
	int ret;

	kudp_enter("sock=%p", sock);
	ret = kernel_bind(sock, (struct sockaddr *)&sin, sizeof(sin));
	if (ret < 0)
		pr_err("cannot bind to 0.0.0.0:%u: error %d%s\n", KUDP_PORT, ret,
		       ret == -EADDRINUSE ? " (another socket has the port)" : "");
	return kudp_ret(ret);
}

/**
 * kudp_sock_connect() - connect a UDP socket to @addr:8808, anew
 * @sock: a socket from kudp_sock_create()
 * @addr: the destination, network byte order
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
int kudp_sock_connect(struct socket *sock, __be32 addr)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = addr,
		.sin_port = htons(KUDP_PORT),
	};
	int ret;

	kudp_enter("sock=%p, addr=%pI4", sock, &addr);
	/* Forgets the source address and port (__udp_disconnect()). */
	kernel_connect(sock, &unspec, sizeof(unspec), 0);
	sock_error(sock->sk);
	ret = kernel_connect(sock, (struct sockaddr *)&sin, sizeof(sin), 0);
	if (ret < 0) {
		pr_err("cannot connect to %pI4:%u: error %d\n", &addr, KUDP_PORT, ret);
		return kudp_ret(ret);
	}
	sock_set_sndtimeo(sock->sk, KUDP_LEAVE_TIMEOUT_MS / MSEC_PER_SEC);
	return 0;
}

/*
 * Give @msg one control message: @len bytes of @data as (@level, @type),
 * in @control, @room bytes (a CMSG_SPACE(@len) buffer, aligned for a
 * struct cmsghdr).
 */
static void kudp_msg_cmsg(struct msghdr *msg, void *control, size_t room, int level,
			  int type, const void *data, size_t len)
{
	struct cmsghdr *cmsg;

	msg->msg_control = control;
	msg->msg_controllen = room;
	cmsg = CMSG_FIRSTHDR(msg);
	cmsg->cmsg_level = level;
	cmsg->cmsg_type = type;
	cmsg->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cmsg), data, len);
}

/**
 * kudp_sock_answer() - send one datagram without waiting, from a given address
 * @sock: an unconnected socket
 * @to: the destination
 * @local: the source address: the one the datagram answered was sent to,
 *	so that a host with several addresses answers from the one it was
 *	asked on; 0 to let the route choose
 * @buf: the payload
 * @len: its length
 *
 * Never waits for room in the send buffer: an answer that does not fit
 * now is dropped (the peer asks again), so a full queue never holds the
 * caller.
 *
 * Context: process context.
 * Return: 0, or a negative errno (-EAGAIN: no room).
 */
int kudp_sock_answer(struct socket *sock, const struct sockaddr_in *to, __be32 local,
		     const void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control = { };
	struct kvec vec = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)to,
		.msg_namelen = sizeof(*to),
		.msg_flags = MSG_DONTWAIT,
	};
	struct in_pktinfo info = { .ipi_spec_dst.s_addr = local };
	int ret;

	if (local)
		kudp_msg_cmsg(&msg, &control, sizeof(control.buf), SOL_IP, IP_PKTINFO,
			      &info, sizeof(info));
	ret = kernel_sendmsg(sock, &msg, &vec, 1, len);
	return ret < 0 ? ret : 0;
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

/**
 * kudp_xfer_start() - start counting a new message
 * @xfer: the counters
 *
 * Context: any.
 */
void kudp_xfer_start(struct kudp_xfer *xfer)
{
	WRITE_ONCE(xfer->bytes, 0);
	WRITE_ONCE(xfer->datagrams, 0);
	WRITE_ONCE(xfer->crc, ~0U);
	xfer->first_ns = 0;
	xfer->last_ns = 0;
}

/**
 * kudp_xfer_add() - count datagrams of a message
 * @xfer: the counters
 * @len: the payload bytes that belong to the message, now in its buffer or
 *	sent from it
 * @datagrams: how many datagrams carried them on the wire: more than one
 *	for a UDP GSO send or a UDP GRO receive
 *
 * Context: any; one writer at a time.
 */
void kudp_xfer_add(struct kudp_xfer *xfer, size_t len, unsigned int datagrams)
{
	xfer->last_ns = ktime_get_ns();
	if (!xfer->datagrams)
		xfer->first_ns = xfer->last_ns;
	WRITE_ONCE(xfer->bytes, xfer->bytes + len);
	WRITE_ONCE(xfer->datagrams, xfer->datagrams + datagrams);
}

/**
 * kudp_xfer_crc32() - the CRC-32 of the bytes counted so far
 * @xfer: the counters
 *
 * Context: any.
 * Return: the CRC-32 that zlib's crc32() (and Python's zlib.crc32())
 * computes over the same bytes.
 */
u32 kudp_xfer_crc32(const struct kudp_xfer *xfer)
{
	return ~READ_ONCE(xfer->crc);
}

/**
 * kudp_xfer_duration_ns() - how long the message took
 * @xfer: the counters
 *
 * Context: any.
 * Return: nanoseconds from its first datagram to its last; 0 for none or
 * one.
 */
u64 kudp_xfer_duration_ns(const struct kudp_xfer *xfer)
{
	return xfer->last_ns - xfer->first_ns;
}

/*
 * Send the @nvec pieces of @vec, @len bytes in all, as one call: one
 * datagram, or, if @seg_size is not 0, datagrams of @seg_size bytes cut by
 * UDP GSO (the last may be shorter).
 */
static int kudp_sendmsg(struct socket *sock, struct kvec *vec, size_t nvec,
			size_t len, u16 seg_size)
{
	union {
		char buf[CMSG_SPACE(sizeof(u16))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { };

	if (seg_size)
		kudp_msg_cmsg(&msg, &control, sizeof(control.buf), SOL_UDP, UDP_SEGMENT,
			      &seg_size, sizeof(seg_size));
	return kernel_sendmsg(sock, &msg, vec, nvec, len);
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
 * With @opts->gso, each call hands the stack up to 64 KiB, which UDP GSO
 * cuts into datagrams of @opts->payload bytes (each after its header, if
 * @opts->hdr_len): the same datagrams on the wire, for one trip through
 * the stack. Where the route cannot (6.1 needs checksum offload on the
 * device; a payload above the route's MTU cannot be segmented), the call
 * fails whole and the rest of the send goes one datagram per call.
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
	struct kvec one, *vec = &one;
	unsigned int segs = 1;
	void *hdrs = NULL;
	int ret;

	kudp_enter("sock=%p, len=%zu, payload=%zu, header=%zu, gso=%d, rate=%llu",
		   sock, len, payload, hl, opts->gso, opts->rate);
	if (opts->gso)
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
		size_t nvec = kudp_frame(opts, buf + off, chunk, n, hdrs, vec);

		if (opts->rate) {
			ret = kudp_pace(sock, next_ns, wire, opts->rate);
			if (ret)
				goto out;
		}
		ret = kudp_sendmsg(sock, vec, nvec, wire, n > 1 ? hl + payload : 0);
		kudp_dbg_rl("kernel_sendmsg(%zu bytes at offset %zu) = %d%s\n",
			    wire, off, ret, n > 1 ? ", cut by UDP GSO" : "");
		if ((ret == -EIO || ret == -EMSGSIZE) && n > 1) {
			kudp_dbg("UDP GSO refused (%d): one datagram per call\n", ret);
			segs = 1;
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
	kfree(hdrs);
	return kudp_ret(ret);
}

/**
 * kudp_sock_set_gro() - turn UDP GRO on or off on a socket
 * @sock: the socket
 * @on: whether the stack may hand it a run of datagrams of one flow as one
 *
 * Context: process context.
 * Return: 0, or a negative errno from setsockopt.
 */
int kudp_sock_set_gro(struct socket *sock, bool on)
{
	int val = on;

	kudp_enter("sock=%p, on=%d", sock, on);
	return kudp_ret(sock->ops->setsockopt(sock, SOL_UDP, UDP_GRO,
					      KERNEL_SOCKPTR(&val), sizeof(val)));
}

/**
 * kudp_recv() - take one datagram off a connected socket without waiting
 * @sock: the socket
 * @buf: where the payload goes
 * @room: bytes available at @buf; a longer payload is cut, and the rest is
 *	discarded
 *
 * Context: process context.
 * Return: the full payload length, which may exceed @room; -EAGAIN when no
 * datagram is queued; another negative errno on error (the socket's: an
 * ICMP port unreachable gives -ECONNREFUSED).
 */
int kudp_recv(struct socket *sock, void *buf, size_t room)
{
	struct kvec vec = { .iov_base = buf, .iov_len = room };
	struct msghdr msg = { };

	return kernel_recvmsg(sock, &msg, &vec, 1, room, MSG_DONTWAIT | MSG_TRUNC);
}

/**
 * kudp_recv_skb() - take the next receive off a socket, once
 * @sock: a UDP socket
 * @dg: where it goes: kudp_dgram_free() it once done
 *
 * Takes the socket buffer itself rather than a copy (udp_recvmsg()'s own
 * steps): the caller reads its header with skb_header_pointer() and copies
 * its payload with skb_copy_bits() straight to where it belongs, and the
 * facts a copy would lose come with it: the run of datagrams that UDP GRO
 * coalesced (whatever the socket's GRO setting is now), and the local
 * address it was sent to. A datagram whose checksum is wrong is dropped
 * and counted as udp_recvmsg() does (InCsumErrors, InErrors).
 *
 * Context: process context.
 * Return: 0; -EAGAIN when nothing is queued; -EBADMSG for a datagram
 * dropped for its checksum (the next one may be good); another negative
 * errno on error.
 */
int kudp_recv_skb(struct socket *sock, struct kudp_dgram *dg)
{
	struct sock *sk = sock->sk;
	struct sk_buff *skb;
	int err = 0;

	skb = skb_recv_udp(sk, MSG_DONTWAIT, &err);
	if (!skb)
		return err;
	if (!udp_skb_csum_unnecessary(skb) && __udp_lib_checksum_complete(skb)) {
		UDP_INC_STATS(sock_net(sk), UDP_MIB_CSUMERRORS, 0);
		UDP_INC_STATS(sock_net(sk), UDP_MIB_INERRORS, 0);
		kfree_skb(skb);
		kudp_dbg_rl("a datagram with a wrong UDP checksum dropped\n");
		return -EBADMSG;
	}
	UDP_INC_STATS(sock_net(sk), UDP_MIB_INDATAGRAMS, 0);
	dg->skb = skb;
	dg->len = skb->len;
	dg->from = (struct sockaddr_in){
		.sin_family = AF_INET,
		.sin_port = udp_hdr(skb)->source,
		.sin_addr.s_addr = ip_hdr(skb)->saddr,
	};
	/* The cast and multicast flags say whether daddr is ours alone. */
	dg->to = skb->pkt_type == PACKET_HOST ? ip_hdr(skb)->daddr : 0;
	dg->seg_size = skb_is_gso(skb) ? skb_shinfo(skb)->gso_size : 0;
	kudp_dbg_rl("skb_recv_udp() = %zu bytes from %pI4:%u to %pI4%s\n", dg->len,
		    &dg->from.sin_addr, ntohs(dg->from.sin_port), &dg->to,
		    dg->seg_size ? ", a GRO run" : "");
	return 0;
}

/**
 * kudp_dgram_free() - give back what kudp_recv_skb() took
 * @sock: its socket
 * @dg: the receive
 *
 * Context: process context.
 */
void kudp_dgram_free(struct socket *sock, struct kudp_dgram *dg)
{
	skb_consume_udp(sock->sk, dg->skb, dg->len);
	dg->skb = NULL;
}

/**
 * kudp_dgram_count() - how many datagrams brought the first bytes of a receive
 * @dg: what kudp_recv_skb() filled in
 * @len: bytes counted from the start of its payload
 *
 * Context: any.
 * Return: 1 without GRO; else the segments @len bytes span (1 for 0).
 */
unsigned int kudp_dgram_count(const struct kudp_dgram *dg, size_t len)
{
	if (!dg->seg_size || len <= dg->seg_size)
		return 1;
	return DIV_ROUND_UP(len, dg->seg_size);
}

/* ------------------------------------------------------------------------
 * The character device's statistics files and ioctls, shared by both
 * modules. Every figure comes from the module's snapshot callback, so the
 * files and KUDP_IOC_GET_STATS always agree.
 */

static const char * const kudp_state_names[] = {
	[KUDP_STATE_IDLE] = "idle",
	[KUDP_STATE_FILLING] = "filling",
	[KUDP_STATE_SENDING] = "sending",
	[KUDP_STATE_EMPTY] = "empty",
	[KUDP_STATE_RECEIVING] = "receiving",
	[KUDP_STATE_COMPLETE] = "complete",
};

static const char * const kudp_reason_names[] = {
	[KUDP_REASON_NONE] = "none",
	[KUDP_REASON_IDLE] = "idle",
	[KUDP_REASON_FULL] = "full",
	[KUDP_REASON_WHOLE] = "whole",
};

/**
 * kudp_state_name() - the name of an &enum kudp_state
 * @state: the value
 *
 * Context: any.
 * Return: the name shown in sysfs, or "?".
 */
const char *kudp_state_name(u32 state)
{
	return state < ARRAY_SIZE(kudp_state_names) ? kudp_state_names[state] : "?";
}

/**
 * kudp_reason_name() - the name of an &enum kudp_reason
 * @reason: the value
 *
 * Context: any.
 * Return: the name shown in sysfs, or "?".
 */
const char *kudp_reason_name(u32 reason)
{
	return reason < ARRAY_SIZE(kudp_reason_names) ? kudp_reason_names[reason] : "?";
}

enum kudp_stat_kind {
	KUDP_KIND_U64,
	KUDP_KIND_S32,
	KUDP_KIND_HEX32,
	KUDP_KIND_STATE,
	KUDP_KIND_REASON,
};

/*
 * One statistic: its sysfs file, its field of struct kudp_stats and its
 * netlink attribute. sysfs, the ioctl and netlink all read this one table.
 */
struct kudp_stat_attr {
	struct device_attribute attr;
	size_t offset;
	enum kudp_stat_kind kind;
	unsigned long bit;	/* KUDP_STAT_* that hides it, or 0 */
	int nla;		/* KUDP_A_* */
};

static struct kudp_dev *kudp_dev_of(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* One statistic of @kd, as its file shows it. */
static int kudp_stat_format(struct kudp_dev *kd, const struct kudp_stat_attr *sa,
			    char *buf)
{
	struct kudp_stats st = { };
	void *field = (void *)&st + sa->offset;

	kd->snapshot(&st);
	switch (sa->kind) {
	case KUDP_KIND_S32:
		return sysfs_emit(buf, "%d\n", *(s32 *)field);
	case KUDP_KIND_HEX32:
		return sysfs_emit(buf, "%08x\n", *(u32 *)field);
	case KUDP_KIND_STATE:
		return sysfs_emit(buf, "%s\n", kudp_state_name(*(u32 *)field));
	case KUDP_KIND_REASON:
		return sysfs_emit(buf, "%s\n", kudp_reason_name(*(u32 *)field));
	default:
		return sysfs_emit(buf, "%llu\n", *(u64 *)field);
	}
}

static ssize_t kudp_stat_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return kudp_stat_format(kudp_dev_of(dev),
				container_of(attr, struct kudp_stat_attr, attr), buf);
}

#define KUDP_STAT_ATTR(_name, _mode, _kind, _bit, _nla)			\
	static struct kudp_stat_attr kudp_stat_##_name = {			\
		.attr = __ATTR(_name, _mode, kudp_stat_show, NULL),		\
		.offset = offsetof(struct kudp_stats, _name),			\
		.kind = _kind,							\
		.bit = _bit,							\
		.nla = _nla,							\
	}

/*
 * Counts and sizes are public. The CRC-32 is derived from the message's
 * content (it gives a 4-byte message away, and short ones by brute force):
 * root reads its file; netlink and the ioctl leave it out (KUDP_STAT_CRC32)
 * for a caller without CAP_NET_ADMIN.
 */
KUDP_STAT_ATTR(state, 0444, KUDP_KIND_STATE, 0, KUDP_A_STATE);
KUDP_STAT_ATTR(reason, 0444, KUDP_KIND_REASON, KUDP_STAT_REASON, KUDP_A_REASON);
KUDP_STAT_ATTR(seq, 0444, KUDP_KIND_U64, 0, KUDP_A_SEQ);
KUDP_STAT_ATTR(cur_bytes, 0444, KUDP_KIND_U64, 0, KUDP_A_CUR_BYTES);
KUDP_STAT_ATTR(cur_datagrams, 0444, KUDP_KIND_U64, 0, KUDP_A_CUR_DATAGRAMS);
KUDP_STAT_ATTR(last_bytes, 0444, KUDP_KIND_U64, 0, KUDP_A_LAST_BYTES);
KUDP_STAT_ATTR(last_datagrams, 0444, KUDP_KIND_U64, 0, KUDP_A_LAST_DATAGRAMS);
KUDP_STAT_ATTR(messages, 0444, KUDP_KIND_U64, 0, KUDP_A_MESSAGES);
KUDP_STAT_ATTR(overflow_bytes, 0444, KUDP_KIND_U64, KUDP_STAT_OVERFLOW, KUDP_A_OVERFLOW_BYTES);
KUDP_STAT_ATTR(drops, 0444, KUDP_KIND_U64, KUDP_STAT_DROPS, KUDP_A_DROPS);
KUDP_STAT_ATTR(udp_errors, 0444, KUDP_KIND_U64, KUDP_STAT_DROPS, KUDP_A_UDP_ERRORS);
KUDP_STAT_ATTR(errors, 0444, KUDP_KIND_U64, 0, KUDP_A_ERRORS);
KUDP_STAT_ATTR(last_error, 0444, KUDP_KIND_S32, 0, KUDP_A_LAST_ERROR);
KUDP_STAT_ATTR(crc32, 0400, KUDP_KIND_HEX32, KUDP_STAT_CRC32, KUDP_A_CRC32);
KUDP_STAT_ATTR(capacity, 0444, KUDP_KIND_U64, 0, KUDP_A_CAPACITY);
KUDP_STAT_ATTR(rejected, 0444, KUDP_KIND_U64, KUDP_STAT_REJECTED, KUDP_A_REJECTED);

static struct attribute *kudp_stat_attrs[] = {
	&kudp_stat_state.attr.attr,
	&kudp_stat_reason.attr.attr,
	&kudp_stat_seq.attr.attr,
	&kudp_stat_cur_bytes.attr.attr,
	&kudp_stat_cur_datagrams.attr.attr,
	&kudp_stat_last_bytes.attr.attr,
	&kudp_stat_last_datagrams.attr.attr,
	&kudp_stat_messages.attr.attr,
	&kudp_stat_overflow_bytes.attr.attr,
	&kudp_stat_drops.attr.attr,
	&kudp_stat_udp_errors.attr.attr,
	&kudp_stat_errors.attr.attr,
	&kudp_stat_last_error.attr.attr,
	&kudp_stat_crc32.attr.attr,
	&kudp_stat_capacity.attr.attr,
	&kudp_stat_rejected.attr.attr,
	NULL
};

static umode_t kudp_stat_visible(struct kobject *kobj, struct attribute *a, int n)
{
	struct kudp_stat_attr *sa = container_of(a, struct kudp_stat_attr, attr.attr);

	return sa->bit & kudp_dev_of(kobj_to_dev(kobj))->hidden ? 0 : a->mode;
}

/**
 * kudp_stats_put() - add statistics to a netlink message
 * @msg: the message
 * @st: the figures
 * @hidden: KUDP_STAT_* bits of the figures to leave out
 *
 * One attribute per statistics file, with the same value.
 *
 * Context: any.
 * Return: 0, or -EMSGSIZE if @msg has no room.
 */
int kudp_stats_put(struct sk_buff *msg, const struct kudp_stats *st,
		   unsigned long hidden)
{
	struct attribute **a;

	for (a = kudp_stat_attrs; *a; a++) {
		struct kudp_stat_attr *sa = container_of(*a, struct kudp_stat_attr,
							 attr.attr);
		const void *field = (const void *)st + sa->offset;
		int ret;

		if (sa->bit & hidden)
			continue;
		if (sa->kind == KUDP_KIND_U64)
			ret = nla_put_u64_64bit(msg, sa->nla, *(u64 *)field, KUDP_A_PAD);
		else
			ret = nla_put_u32(msg, sa->nla, *(u32 *)field);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The module's device, for the statistics parameters: set by
 * kudp_dev_register() before the module is READY.
 */
static struct kudp_dev *kudp_param_dev;

static int kudp_param_get_stat(char *buf, const struct kernel_param *kp)
{
	struct attribute **a;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	for (a = kudp_stat_attrs; *a; a++) {
		if (!strcmp((*a)->name, kp->arg))
			return kudp_stat_format(kudp_param_dev,
						container_of(*a, struct kudp_stat_attr, attr.attr),
						buf);
	}
	return -EINVAL;
}

/*
 * A read-only parameter that shows a statistic, the same text as its file:
 * module_param_cb(name, &kudp_param_ops_stat, "<file name>", 0444).
 */
const struct kernel_param_ops kudp_param_ops_stat = {
	.set = kudp_param_set_readonly,
	.get = kudp_param_get_stat,
};

static const struct attribute_group kudp_stat_group = {
	.attrs = kudp_stat_attrs,
	.is_visible = kudp_stat_visible,
};

static const struct attribute_group *kudp_stat_groups[] = {
	&kudp_stat_group,
	NULL
};

/*
 * class_create() lost its owner argument in 6.4; Kbuild defines
 * KUDP_CLASS_CREATE_NAME_ONLY when the headers have the new form.
 */
static struct class *kudp_class_create(const char *name)
{
#ifdef KUDP_CLASS_CREATE_NAME_ONLY
	return class_create(name);
#else
	return class_create(THIS_MODULE, name);
#endif
}

/**
 * kudp_dev_register() - create /dev/<name>, its statistics files and its
 *	generic netlink family
 * @kd: the device; its name, fops and callbacks set
 *
 * Root only: devtmpfs and udev give a device without rules mode 0600.
 *
 * Context: process context (module init), after everything the device's
 * operations and callbacks use exists: the device is live on return.
 * Return: 0, or a negative errno.
 */
int kudp_dev_register(struct kudp_dev *kd)
{
	int ret;

	kudp_enter("name=%s", kd->name);
	kudp_param_dev = kd;
	ret = alloc_chrdev_region(&kd->devt, 0, 1, kd->name);
	if (ret)
		goto err;
	kd->class = kudp_class_create(kd->name);
	if (IS_ERR(kd->class)) {
		ret = PTR_ERR(kd->class);
		goto err_unregister_region;
	}
	kd->device = device_create_with_groups(kd->class, NULL, kd->devt, kd,
					       kudp_stat_groups, "%s", kd->name);
	if (IS_ERR(kd->device)) {
		ret = PTR_ERR(kd->device);
		goto err_destroy_class;
	}
	ret = kudp_genl_register(kd);
	if (ret)
		goto err_destroy_device;
	/*
	 * Last, and nothing after it can fail: from here on the device can be
	 * opened, and an open file holds the module, which a failed init
	 * would free regardless.
	 */
	cdev_init(&kd->cdev, kd->fops);
	kd->cdev.owner = kd->fops->owner;
	ret = cdev_add(&kd->cdev, kd->devt, 1);
	if (ret)
		goto err_unregister_genl;
	return 0;

err_unregister_genl:
	kudp_genl_unregister();
err_destroy_device:
	device_destroy(kd->class, kd->devt);
err_destroy_class:
	class_destroy(kd->class);
err_unregister_region:
	unregister_chrdev_region(kd->devt, 1);
err:
	pr_err("cannot create /dev/%s or its netlink family: error %d\n", kd->name, ret);
	return kudp_ret(ret);
}

/**
 * kudp_dev_unregister() - remove the netlink family, /dev/<name> and its
 *	statistics files
 * @kd: the device
 *
 * Waits for netlink requests and statistics reads in progress. No file of the device is open:
 * an open file holds a reference to the module.
 *
 * Context: process context (module exit), first thing.
 */
void kudp_dev_unregister(struct kudp_dev *kd)
{
	kudp_enter("name=%s", kd->name);
	cdev_del(&kd->cdev);
	/* Waits for the netlink requests in progress. */
	kudp_genl_unregister();
	device_destroy(kd->class, kd->devt);
	class_destroy(kd->class);
	unregister_chrdev_region(kd->devt, 1);
}

static int kudp_dev_get_stats(struct kudp_dev *kd, struct kudp_stats __user *ust)
{
	struct kudp_stats st = { };
	u32 size;

	if (get_user(size, &ust->size))
		return -EFAULT;
	if (size < offsetofend(struct kudp_stats, version)) {
		pr_err_ratelimited("KUDP_IOC_GET_STATS: size %u is too small\n", size);
		return -EINVAL;
	}
	kd->snapshot(&st);
	/* Opened by root, perhaps, but the caller now lacks the privilege. */
	if (!capable(CAP_NET_ADMIN))
		st.crc32 = 0;
	st.size = min_t(u32, size, sizeof(st));
	st.version = KUDP_STATS_VERSION;
	if (copy_to_user(ust, &st, st.size))
		return -EFAULT;
	return 0;
}

/**
 * kudp_dev_ioctl() - the ioctls both devices have
 * @kd: the device
 * @cmd: KUDP_IOC_GET_STATS, KUDP_IOC_RESET or KUDP_IOC_DISCARD
 * @arg: the user's argument
 *
 * RESET and DISCARD need CAP_NET_ADMIN in the calling task now, whoever
 * opened the file.
 *
 * Context: process context.
 * Return: 0, or -EPERM, -EFAULT, -EINVAL, -ENOTTY (another command), or
 * the discard callback's error.
 */
long kudp_dev_ioctl(struct kudp_dev *kd, unsigned int cmd, unsigned long arg)
{
	kudp_enter("cmd=%#x", cmd);
	/*
	 * GET_STATS whatever size its command number encodes: the structure's
	 * size field versions it, so that a caller built with an older or a
	 * newer header gets what both know.
	 */
	if (_IOC_TYPE(cmd) == _IOC_TYPE(KUDP_IOC_GET_STATS) &&
	    _IOC_NR(cmd) == _IOC_NR(KUDP_IOC_GET_STATS) &&
	    _IOC_DIR(cmd) == _IOC_DIR(KUDP_IOC_GET_STATS))
		return kudp_ret(kudp_dev_get_stats(kd, (void __user *)arg));

	switch (cmd) {
	case KUDP_IOC_RESET:
	case KUDP_IOC_DISCARD:
		if (!capable(CAP_NET_ADMIN)) {
			pr_warn_ratelimited("%s: %s needs CAP_NET_ADMIN\n", kd->name,
					    cmd == KUDP_IOC_RESET ? "reset" : "discard");
			return kudp_ret(-EPERM);
		}
		if (cmd == KUDP_IOC_DISCARD)
			return kudp_ret(kd->discard());
		kd->reset();
		return 0;
	}
	return -ENOTTY;
}
