// SPDX-License-Identifier: GPL-2.0
/*
 * receive_udp: collect the UDP datagrams sent to port 8808 (the "port"
 * parameter) into one message.
 *
 * This file is the receiver: its socket, work items and idle timer, the
 * message's buffer and what happens to a message (it starts, completes,
 * is discarded; its CRC-32; the netlink events), the statistics and the
 * parameters. /dev/receive_udp's file operations are receive_udp_dev.c's.
 * How a datagram is filed into the message is the engine's, chosen once at
 * load by "mode" (receive_udp.h):
 * receive_udp_raw.c, the specification's (appended; complete when the
 * buffer is full or after 5 s without data), and receive_udp_rel.c,
 * Documentation/protocol.rst's (placed by offset, lost ones resent;
 * complete when whole and its CRC-32 right). "data" and /dev/receive_udp
 * show a complete message.
 *
 * Contexts:
 *   receive_udp_data_ready()   softirq: only queues drain_work
 *   receive_udp_filter()       softirq, with peer set: drops datagrams from
 *                              outside peer before the socket's queue
 *   receive_udp_idle_expired() hard IRQ: only queues complete_work
 *   drain_work, complete_work, process context, on an ordered (so never
 *   control_work               concurrent), unbound, high-priority workqueue;
 *                              they send the netlink events
 *   rx->crc's work item        process context, on the system's unbound
 *                              workqueue: the CRC-32 of whole chunks,
 *                              beside the drain, on another CPU (kudp_crc.c)
 *   parameter callbacks        process context, kernel_param_lock held
 *   file operations, sysfs     process context (receive_udp_dev.c)
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/ip.h>
#include <net/sock.h>
#include <net/udp.h>
#include <net/udp_tunnel.h>

#include "kudp_crc32.h"
#include "receive_udp.h"

/*
 * Datagrams one pass of drain_work takes off the socket before it queues
 * itself again, behind whatever else was queued meanwhile: a flood cannot
 * hold the workqueue, and a discard, a reset, the completion or exit's
 * cancel waits for one pass at most.
 */
#define RX_DRAIN_BUDGET		64
/* rcvbuf's limit: the kernel doubles the value into an int. */
#define RX_RCVBUF_MAX		SZ_1G
/* rcvbuf when not given: 128 MiB, or a sixteenth of the RAM if less. */
#define RX_RCVBUF_DEFAULT	SZ_128M
#define RX_RCVBUF_RAM_SHARE	16

/* Load-time settings, read by init. */
static u64 buffer_size = KUDP_DEFAULT_BUFSIZE;
static enum kudp_mode mode;
static u64 rcvbuf;	/* 0: not given (its set refuses 0); init picks it */
static u16 port = KUDP_PORT;
/* dev: the interface the socket is bound to; "" for all of them. */
static char bind_dev[IFNAMSIZ];
/* group: the multicast group the socket joins; 0 for none. */
static __be32 group;
/*
 * gro: whether the stack may coalesce a run of datagrams into one receive
 * (UDP GRO). Written by its parameter callback, which sets the socket
 * option too, under kernel_param_lock; init sets the socket's before the
 * module is ready.
 */
static bool gro = true;
/*
 * peer: who may write into the message, an IPv4 prefix; 0.0.0.0/0 (anyone)
 * by default. Written by its parameter callback, read by the drain and by
 * receive_udp_filter() (softirq): all under peer_lock, bottom halves off,
 * so that no reader sees an address with another prefix's mask.
 */
static DEFINE_SPINLOCK(peer_lock);
static __be32 peer_addr;	/* the prefix's address, host bits 0 */
static __be32 peer_mask;	/* its mask: 0 for anyone */
/*
 * key: given at load, kept here for init, which hands it to the reliable
 * engine and wipes it (under kernel_param_lock); at run time its callback
 * hands it to the engine through control_work, and keeps nothing.
 */
static struct kudp_key key;

/* control_work's command that is no ioctl's: take rx->control_key. */
#define RX_CONTROL_KEY		0

static void receive_udp_snapshot(struct kudp_dev *kd, struct kudp_stats *st);
static void receive_udp_reset(struct kudp_dev *kd);
static int receive_udp_discard(struct kudp_dev *kd);

static struct kudp_rx receiver = {
	.dev = {
		.name = "receive_udp",
		.fops = &receive_udp_fops,	/* receive_udp_dev.c */
		.snapshot = receive_udp_snapshot,
		.reset = receive_udp_reset,
		.discard = receive_udp_discard,
		.hidden = KUDP_STAT_ZEROCOPY,
	},
	.read_wq = __WAIT_QUEUE_HEAD_INITIALIZER(receiver.read_wq),
	.control_lock = __MUTEX_INITIALIZER(receiver.control_lock),
	.lock = __MUTEX_INITIALIZER(receiver.lock),
	.state = KUDP_STATE_EMPTY,
	.hold = KUDP_HOLD_DEFAULT_S,
	.idle = RX_IDLE_DEFAULT_S,
};

static unsigned long receive_udp_in_errors(struct kudp_rx *rx)
{
	return snmp_fold_field(sock_net(rx->sock->sk)->mib.udp_statistics,
			       UDP_MIB_INERRORS);
}

/*
 * A new message begins: the previous one, if any, is discarded. From the
 * work items.
 */
void receive_udp_start(struct kudp_rx *rx)
{
	mutex_lock(&rx->lock);
	receive_udp_set_empty(rx, KUDP_CAUSE_REPLACED);
	WRITE_ONCE(rx->state, KUDP_STATE_RECEIVING);
	mutex_unlock(&rx->lock);
}

/* Complete the message for @reason. From the work items, with rx->lock held. */
void receive_udp_complete(struct kudp_rx *rx, enum kudp_reason reason)
{
	lockdep_assert_held(&rx->lock);
	kudp_enter("reason=%s, len=%llu", kudp_reason_name(reason), rx->cur.bytes);
	rx->reason = reason;
	rx->last = rx->cur;
	rx->messages++;
	rx->seq++;
	WRITE_ONCE(rx->state, KUDP_STATE_COMPLETE);
	kudp_dbg("message %llu completed (%s): %llu bytes in %llu datagrams, CRC-32 %08x\n",
		 rx->seq, reason == KUDP_REASON_FULL ? "buffer full" :
			 reason == KUDP_REASON_IDLE ? "idle" : "whole, CRC-32 right",
		 rx->cur.bytes, rx->cur.datagrams, kudp_xfer_crc32(&rx->cur));
	wake_up_interruptible_all(&rx->read_wq);
	kudp_genl_notify(&(struct kudp_event){
		.cmd = KUDP_CMD_COMPLETE,
		.seq = rx->seq,
		.xfer = &rx->last,
		.reason = reason,
	});
}

/*
 * Throw the message away, complete or not, for @cause (&enum kudp_cause).
 * From the work items, with rx->lock held.
 */
void receive_udp_set_empty(struct kudp_rx *rx, enum kudp_cause cause)
{
	lockdep_assert_held(&rx->lock);
	if (rx->state != KUDP_STATE_EMPTY) {
		/* A message that never completed has no sequence number. */
		u64 seq = rx->state == KUDP_STATE_COMPLETE ? rx->seq : 0;

		kudp_dbg("message %llu (%llu bytes) discarded\n", seq, rx->cur.bytes);
		kudp_genl_notify(&(struct kudp_event){
			.cmd = KUDP_CMD_DISCARDED,
			.seq = seq,
			.xfer = &rx->cur,
			.cause = cause,
		});
	}
	kudp_xfer_start(&rx->cur);
	if (rx->engine->forget)
		rx->engine->forget(rx);
	WRITE_ONCE(rx->state, KUDP_STATE_EMPTY);
}

/*
 * (Re)start the idle time: the engine's, idle in raw mode (5 s, the
 * specification's, by default), hold in the reliable mode. From the drain.
 */
void receive_udp_arm_timer(struct kudp_rx *rx)
{
	bool rearm = hrtimer_is_queued(&rx->idle_timer);
	unsigned int ms = rx->engine->idle_ms(rx);

	hrtimer_start(&rx->idle_timer, ms_to_ktime(ms), HRTIMER_MODE_REL);
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
void receive_udp_reject(struct kudp_rx *rx, const struct sockaddr_in *from,
			unsigned int datagrams, const char *why)
{
	pr_warn_ratelimited("datagram from %pI4:%u dropped: %s\n",
			    &from->sin_addr, ntohs(from->sin_port), why);
	mutex_lock(&rx->lock);
	rx->rejected += datagrams;
	mutex_unlock(&rx->lock);
}

/*
 * With peer set: UDP's encapsulation hook, called for each datagram (or
 * GRO run) before it is queued to the socket, in softirq. Returns 1 to
 * queue it; drops one from outside peer and returns 0, so that a flood
 * from others cannot fill the queue that the peer's datagrams need.
 */
static int receive_udp_filter(struct sock *sk, struct sk_buff *skb)
{
	struct kudp_rx *rx = &receiver;
	__be32 saddr = ip_hdr(skb)->saddr;

	if (receive_udp_peer_ok(saddr))
		return 1;
	atomic_long_inc(&rx->filtered);
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
static void receive_udp_set_filter(struct kudp_rx *rx, bool on)
{
	struct sock *sk = rx->sock->sk;

	kudp_enter("on=%d", on);
	if (on) {
		WRITE_ONCE(udp_sk(sk)->encap_type, 1);
		udp_tunnel_encap_enable(sk);
	}
	WRITE_ONCE(udp_sk(sk)->encap_rcv, on ? receive_udp_filter : NULL);
}

/*
 * Take one receive off the socket and hand it to the engine, unless it is
 * from outside peer (then it touches neither the message nor the idle
 * timer). Return 0, or -EAGAIN once the socket is empty, or another
 * negative errno.
 */
static int receive_udp_one(struct kudp_rx *rx)
{
	/* Not queued: the idle time has passed since the last datagram. */
	bool burst = hrtimer_is_queued(&rx->idle_timer);
	struct kudp_dgram dg;
	int ret;

	if (rx->state == KUDP_STATE_RECEIVING && !burst) {
		/* complete_work is queued behind us and will find nothing to do. */
		rx->engine->idle(rx);
	}

	ret = kudp_recv_skb(rx->sock, &dg);
	if (ret)
		return ret == -EBADMSG ? 0 : ret;
	if (receive_udp_peer_ok(dg.from.sin_addr.s_addr))
		rx->engine->take(rx, &dg, burst);
	else
		receive_udp_reject(rx, &dg.from, kudp_dgram_count(&dg, dg.len), "not from peer");
	kudp_dgram_free(rx->sock, &dg);
	return 0;
}

/* Count a receive error, or an answer that could not be sent: @err < 0. */
void receive_udp_error(struct kudp_rx *rx, int err)
{
	mutex_lock(&rx->lock);
	rx->errors++;
	rx->last_error = err;
	mutex_unlock(&rx->lock);
}

static void receive_udp_drain(struct work_struct *work)
{
	struct kudp_rx *rx = container_of(work, struct kudp_rx, drain_work);
	unsigned int budget = RX_DRAIN_BUDGET;
	int ret;

	kudp_dbg_rl("draining the socket\n");
	do {
		if (READ_ONCE(rx->stopping))
			return;
		ret = receive_udp_one(rx);
	} while (ret >= 0 && --budget);

	if (ret >= 0) {
		/* The budget is spent and the socket may hold more. */
		kudp_dbg_rl("drain: %d datagrams taken, going behind the queue\n",
			    RX_DRAIN_BUDGET);
		queue_work(rx->wq, &rx->drain_work);
		return;
	}
	if (ret != -EAGAIN) {
		pr_err_ratelimited("receive failed with error %d\n", ret);
		receive_udp_error(rx, ret);
	}
}

static void receive_udp_complete_work(struct work_struct *work)
{
	struct kudp_rx *rx = container_of(work, struct kudp_rx, complete_work);

	kudp_enter("");
	/* A datagram drained since the expiry re-armed the timer. */
	if (rx->state != KUDP_STATE_RECEIVING || hrtimer_is_queued(&rx->idle_timer))
		return;
	rx->engine->idle(rx);
}

/* Resets, discards and a new key change what only the work items may write. */
static void receive_udp_control_work(struct work_struct *work)
{
	struct kudp_rx *rx = container_of(work, struct kudp_rx, control_work);

	kudp_enter("control=%#x", rx->control);
	if (rx->control == RX_CONTROL_KEY) {
		kudp_rel_rx_rekey(&rx->rel, &rx->control_key);
		kudp_key_wipe(&rx->control_key);
		return;
	}
	mutex_lock(&rx->lock);
	if (rx->control == KUDP_IOC_DISCARD) {
		receive_udp_set_empty(rx, KUDP_CAUSE_REQUEST);
	} else {
		rx->messages = 0;
		rx->overflow = 0;
		rx->errors = 0;
		rx->last_error = 0;
		rx->rejected = 0;
		atomic_long_set(&rx->filtered, 0);
		rx->drops_base = atomic_read(&rx->sock->sk->sk_drops);
		rx->udp_errors_base = receive_udp_in_errors(rx);
	}
	mutex_unlock(&rx->lock);
}

/* Carry out @cmd on the workqueue, and wait for it; @k: RX_CONTROL_KEY's key. */
static void receive_udp_control(struct kudp_rx *rx, unsigned int cmd, const struct kudp_key *k)
{
	mutex_lock(&rx->control_lock);
	rx->control = cmd;
	if (k)
		rx->control_key = *k;
	queue_work(rx->wq, &rx->control_work);
	flush_work(&rx->control_work);
	mutex_unlock(&rx->control_lock);
}

static void receive_udp_reset(struct kudp_dev *kd)
{
	receive_udp_control(container_of(kd, struct kudp_rx, dev), KUDP_IOC_RESET, NULL);
}

static int receive_udp_discard(struct kudp_dev *kd)
{
	receive_udp_control(container_of(kd, struct kudp_rx, dev), KUDP_IOC_DISCARD, NULL);
	return 0;
}

static enum hrtimer_restart receive_udp_idle_expired(struct hrtimer *timer)
{
	struct kudp_rx *rx = container_of(timer, struct kudp_rx, idle_timer);

	kudp_dbg("idle timer expired\n");
	queue_work(rx->wq, &rx->complete_work);
	return HRTIMER_NORESTART;
}

static void receive_udp_data_ready(struct sock *sk)
{
	struct kudp_rx *rx;

	read_lock_bh(&sk->sk_callback_lock);
	rx = sk->sk_user_data;
	if (rx)
		queue_work(rx->wq, &rx->drain_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void receive_udp_set_callback(struct kudp_rx *rx, bool install)
{
	struct sock *sk = rx->sock->sk;

	kudp_enter("install=%d", install);
	write_lock_bh(&sk->sk_callback_lock);
	if (install) {
		rx->saved_data_ready = sk->sk_data_ready;
		sk->sk_user_data = rx;
		/* UDP reads it without the lock (READ_ONCE()). */
		WRITE_ONCE(sk->sk_data_ready, receive_udp_data_ready);
	} else {
		sk->sk_user_data = NULL;
		WRITE_ONCE(sk->sk_data_ready, rx->saved_data_ready);
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

static void receive_udp_snapshot(struct kudp_dev *kd, struct kudp_stats *st)
{
	struct kudp_rx *rx = container_of(kd, struct kudp_rx, dev);

	mutex_lock(&rx->lock);
	st->state = rx->state;
	st->reason = rx->seq ? rx->reason : KUDP_REASON_NONE;
	st->seq = rx->seq;
	st->cur_bytes = rx->cur.bytes;
	st->cur_datagrams = rx->cur.datagrams;
	st->last_bytes = rx->last.bytes;
	st->last_datagrams = rx->last.datagrams;
	st->crc32 = kudp_xfer_crc32(&rx->last);
	st->messages = rx->messages;
	st->overflow_bytes = rx->overflow;
	/* Modulo 2^32, as the socket counts: right across its wrap. */
	st->drops = (u32)atomic_read(&rx->sock->sk->sk_drops) - rx->drops_base;
	st->udp_errors = receive_udp_in_errors(rx) - rx->udp_errors_base;
	st->errors = rx->errors;
	st->last_error = rx->last_error;
	st->capacity = rx->size;
	st->rejected = rx->rejected + atomic_long_read(&rx->filtered);
	mutex_unlock(&rx->lock);
}

/* ------------------------------------------------------------------------
 * Parameters
 */

/* data: the last completed message (at most PAGE_SIZE - 1 bytes of it). */
static int data_get(char *buf, const struct kernel_param *kp)
{
	struct kudp_rx *rx = &receiver;
	size_t len = 0;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&rx->lock);
	if (rx->state == KUDP_STATE_COMPLETE) {
		len = min_t(u64, rx->cur.bytes, PAGE_SIZE - 1);
		memcpy(buf, rx->buf, len);
	}
	mutex_unlock(&rx->lock);
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
 * port and dev: load time only. The socket is bound once, in init: a bound
 * UDP socket cannot move to another port, and a new socket would lose
 * what the old one holds (a message's datagrams in its queue, the peer
 * filter, the callbacks), so both are read-only once loaded.
 */
module_param_cb(port, &kudp_param_ops_port, &port, 0444);
MODULE_PARM_DESC(port,
		 "UDP port to listen on, 1-65535 (load time only; default 8808, the specification's); the sender's port parameter must name it");

/* dev: an interface's name, or empty; whether it exists, init asks. */
static int dev_set(const char *val, const struct kernel_param *kp)
{
	kudp_enter("val=%s", val);
	if (kudp_parse_ifname(val, bind_dev, sizeof(bind_dev))) {
		pr_err("dev: '%.*s' is not a network interface's name (at most %d characters, no '/', ':' or spaces)\n",
		       (int)strcspn(val, "\n"), val, IFNAMSIZ - 1);
		return kudp_ret(-EINVAL);
	}
	return 0;
}

static int dev_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", bind_dev);
}

static const struct kernel_param_ops dev_ops = {
	.set = dev_set,
	.get = dev_get,
};

module_param_cb(dev, &dev_ops, NULL, 0444);
MODULE_PARM_DESC(dev,
		 "Take datagrams from this network interface only, by name (enp1s0; lo for this machine's own): the socket is bound to it as with SO_BINDTODEVICE; no such interface fails the load with ENODEV (load time only; default empty: every interface)");

/* group: a multicast address, or empty for none; joined by init. */
static int group_set(const char *val, const struct kernel_param *kp)
{
	int len = strcspn(val, "\n"), ret;

	kudp_enter("val=%s", val);
	ret = kudp_parse_group(val, &group);
	if (ret == -EADDRNOTAVAIL)
		pr_err("group: %.*s is not a multicast address (224.0.0.0 to 239.255.255.255)\n",
		       len, val);
	else if (ret)
		pr_err("group: '%.*s' is not an IPv4 address (a.b.c.d), nor empty\n", len, val);
	return ret ? kudp_ret(-EINVAL) : 0;
}

static int group_get(char *buf, const struct kernel_param *kp)
{
	return group ? sysfs_emit(buf, "%pI4\n", &group) : sysfs_emit(buf, "\n");
}

static const struct kernel_param_ops group_ops = {
	.set = group_set,
	.get = group_get,
};

module_param_cb(group, &group_ops, NULL, 0444);
MODULE_PARM_DESC(group,
		 "A multicast group to join (239.1.2.3), on dev or the interface of the route to it (the default route's); its datagrams to port come in beside those sent to this host (load time only; default empty: none)");

/*
 * peer: an IPv4 address ("192.0.2.1", that host) or prefix
 * ("192.0.2.0/24"), a trailing newline accepted. A bad value changes
 * nothing.
 */
static int peer_set(const char *val, const struct kernel_param *kp)
{
	int len = strcspn(val, "\n"), ret;
	__be32 addr, mask;

	kudp_enter("val=%s", val);
	ret = kudp_parse_prefix(val, &addr, &mask);
	if (ret == -ERANGE) {
		pr_err("peer: %.*s has bits outside its prefix: did you mean %pI4/%u?\n",
		       len, val, &(__be32){ addr & mask }, hweight32((__force u32)mask));
		return kudp_ret(-EINVAL);
	}
	if (ret) {
		pr_err("peer: '%.*s' is not an IPv4 address or prefix (a.b.c.d or a.b.c.d/n)\n",
		       len, val);
		return kudp_ret(-EINVAL);
	}
	spin_lock_bh(&peer_lock);
	peer_addr = addr;
	peer_mask = mask;
	spin_unlock_bh(&peer_lock);
	/* At insmod, init sets the filter up with the socket. */
	if (kudp_phase() == KUDP_READY)
		receive_udp_set_filter(&receiver, mask != 0);
	return 0;
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
		 "Who may write into the message: an IPv4 address or prefix (192.0.2.1, 192.0.2.0/24); others' datagrams are dropped and counted in the rejected statistic (/sys/class/receive_udp/receive_udp/rejected; default 0.0.0.0/0: anyone; writable at run time)");

/* gro: 0 or 1; at run time, the socket follows at once. */
static int gro_set(const char *val, const struct kernel_param *kp)
{
	struct kudp_rx *rx = &receiver;
	bool on;
	int ret;

	ret = kudp_param_parse_switch(val, kp, &on);
	if (!ret && kudp_phase() != KUDP_LOADING) {
		ret = kudp_param_check_ready(kp);
		if (!ret)
			ret = kudp_sock_set_gro(rx->sock, on);
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

/*
 * key: 64 hex digits, or nothing to clear it (kudp_param_parse_key()). At
 * run time, mode=reliable only; the engine takes it from its next datagram.
 */
static int key_set(const char *val, const struct kernel_param *kp)
{
	struct kudp_key k;
	int ret = kudp_param_parse_key(val, kp, &k);

	if (ret)
		return ret;
	if (kudp_phase() == KUDP_LOADING) {
		/* init checks it against mode, given in any order. */
		key = k;
	} else if (mode != KUDP_MODE_RELIABLE) {
		if (k.set) {
			pr_err("key: a key authenticates mode=reliable only, and this receiver is mode=raw\n");
			ret = -EINVAL;
		}
	} else if (group && k.set) {
		pr_err("key: a key authenticates a transfer to one receiver in this version, and this receiver joined group %pI4\n",
		       &group);
		ret = -EINVAL;
	} else {
		ret = kudp_param_check_ready(kp);
		if (!ret)
			receive_udp_control(&receiver, RX_CONTROL_KEY, &k);
	}
	kudp_key_wipe(&k);
	return ret;
}

static const struct kernel_param_ops key_ops = {
	.set = key_set,
};

module_param_cb(key, &key_ops, NULL, 0200);
MODULE_PARM_DESC(key,
		 "mode=reliable: a key shared with the sender, 64 hex digits (32 bytes): only datagrams that authenticate are taken, and none replayed (Documentation/protocol.rst, version 2); empty: none (default); write-only; takes effect at once");

module_param_cb(idle, &kudp_param_ops_seconds, &receiver.idle, 0644);
MODULE_PARM_DESC(idle,
		 "mode=raw: seconds without a datagram that complete a message, and that end the burst after a full buffer, 1-3600 (default 5, the specification's); used from the next datagram on");

module_param_cb(hold, &kudp_param_ops_seconds, &receiver.hold, 0644);
MODULE_PARM_DESC(hold,
		 "mode=reliable: seconds an incomplete message is kept after its last datagram, waiting for its sender (a cable out, a switch rebooting), 1-3600 (default 60; raw mode's is idle); used from the next datagram on");

static int state_get(char *buf, const struct kernel_param *kp)
{
	struct kudp_stats st = { };

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	receive_udp_snapshot(&receiver.dev, &st);
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
		 "Read only: empty, receiving, 'complete (idle)', 'complete (full)' or, in mode=reliable, 'complete (whole)'");

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

static void receive_udp_engine_free(struct kudp_rx *rx)
{
	if (rx->engine->free)
		rx->engine->free(rx);
}

static int __init receive_udp_init(void)
{
	struct kudp_rx *rx = &receiver;
	int ret;

	kudp_enter("buffer_size=%llu, rcvbuf=%llu", buffer_size, rcvbuf);
	kudp_set_phase(KUDP_STARTING);

	/* The engine's from now on (kudp_rel_rx_free() wipes it). */
	kernel_param_lock(THIS_MODULE);
	rx->rel.key = key;
	kudp_key_wipe(&key);
	kernel_param_unlock(THIS_MODULE);
	if (rx->rel.key.set && mode != KUDP_MODE_RELIABLE) {
		pr_err("key: a key authenticates mode=reliable only; give mode=reliable too\n");
		ret = -EINVAL;
		goto err_wipe_key;
	}
	if (group && rx->rel.key.set) {
		pr_err("group: a key authenticates a transfer to one receiver in this version; clear key to join a group\n");
		ret = -EINVAL;
		goto err_wipe_key;
	}
	if (rcvbuf > RX_RCVBUF_MAX) {
		pr_err("rcvbuf=%llu: at most 1G (%u bytes)\n", rcvbuf, RX_RCVBUF_MAX);
		ret = -EINVAL;
		goto err_wipe_key;
	}
	/* Under the lock: a reader of the parameter sees all of the u64. */
	kernel_param_lock(THIS_MODULE);
	if (!rcvbuf)
		rcvbuf = min_t(u64, RX_RCVBUF_DEFAULT,
			       ((u64)totalram_pages() << PAGE_SHIFT) / RX_RCVBUF_RAM_SHARE);
	kernel_param_unlock(THIS_MODULE);

	ret = kudp_crc32_init();
	if (ret)
		goto err_wipe_key;
	rx->buf = kudp_buf_alloc(buffer_size, "buffer_size");
	if (!rx->buf) {
		ret = -ENOMEM;
		goto err_crc32;
	}
	rx->size = buffer_size;
	ret = kudp_crc_init(&rx->crc, rx->buf, rx->size);
	if (ret) {
		pr_err("no memory for the CRC-32s of the buffer's chunks\n");
		goto err_free_buf;
	}
	rx->engine = mode == KUDP_MODE_RELIABLE ? &receive_udp_rel : &receive_udp_raw;
	if (rx->engine->init) {
		ret = rx->engine->init(rx);
		if (ret)
			goto err_free_crc;
	}

	rx->wq = alloc_ordered_workqueue("receive_udp", WQ_HIGHPRI);
	if (!rx->wq) {
		pr_err("cannot create the workqueue: out of memory\n");
		ret = -ENOMEM;
		goto err_free_engine;
	}
	INIT_WORK(&rx->drain_work, receive_udp_drain);
	INIT_WORK(&rx->complete_work, receive_udp_complete_work);
	INIT_WORK(&rx->control_work, receive_udp_control_work);
	kudp_hrtimer_setup(&rx->idle_timer, receive_udp_idle_expired,
			   CLOCK_MONOTONIC, HRTIMER_MODE_REL);

	ret = kudp_sock_create(&rx->sock);
	if (ret)
		goto err_destroy_wq;
	/* Fits an int; the kernel doubles at most INT_MAX / 2. */
	sock_set_rcvbuf(rx->sock->sk, rcvbuf);
	/* gro is not written again until the module is ready. */
	ret = kudp_sock_set_gro(rx->sock, gro);
	if (ret)
		goto err_release_sock;
	ret = kudp_sock_bind(rx->sock, port, bind_dev);
	if (ret)
		goto err_release_sock;
	if (group) {
		ret = kudp_sock_join(rx->sock, group, bind_dev);
		if (ret)
			goto err_release_sock;
	}
	kudp_xfer_start(&rx->cur);
	kudp_xfer_start(&rx->last);
	rx->udp_errors_base = receive_udp_in_errors(rx);

	receive_udp_set_callback(rx, true);
	/* Datagrams that came between bind and now raised no callback. */
	queue_work(rx->wq, &rx->drain_work);

	ret = kudp_genl_register(&rx->dev);
	if (ret)
		goto err_restore_callback;
	/* Last: once the device exists, a file may be open; init cannot fail. */
	ret = kudp_dev_register(&rx->dev);
	if (ret)
		goto err_unregister_genl;

	kudp_set_phase(KUDP_READY);
	/* peer's set keeps the filter from now on; it stored what came before. */
	kernel_param_lock(THIS_MODULE);
	receive_udp_set_filter(rx, peer_mask != 0);
	kernel_param_unlock(THIS_MODULE);
	pr_info("ready: %llu-byte buffer, listening on 0.0.0.0:%u%s%s, mode=%s\n",
		rx->size, port, *bind_dev ? " on " : "", bind_dev, rx->engine->name);
	if (group)
		pr_info("member of group %pI4: its datagrams to port %u come in too\n",
			&group, port);
	return 0;

err_unregister_genl:
	kudp_genl_unregister();
err_restore_callback:
	WRITE_ONCE(rx->stopping, true);
	kudp_crc_stop(&rx->crc);
	receive_udp_set_callback(rx, false);
	cancel_work_sync(&rx->drain_work);
	hrtimer_cancel(&rx->idle_timer);
	cancel_work_sync(&rx->complete_work);
err_release_sock:
	sock_release(rx->sock);
err_destroy_wq:
	destroy_workqueue(rx->wq);
err_free_engine:
	receive_udp_engine_free(rx);
err_free_crc:
	kudp_crc_free(&rx->crc);
err_free_buf:
	vfree(rx->buf);
err_crc32:
	kudp_crc32_exit();
err_wipe_key:
	kudp_key_wipe(&rx->rel.key);
	return kudp_ret(ret);
}

static void __exit receive_udp_exit(void)
{
	struct kudp_rx *rx = &receiver;

	kudp_enter("");
	/* First: a drain in a flood stops at its next datagram. */
	WRITE_ONCE(rx->stopping, true);
	kudp_crc_stop(&rx->crc);
	kudp_set_phase(KUDP_STOPPING);
	kudp_dev_unregister(&rx->dev);
	/* Waits for the netlink requests in progress. */
	kudp_genl_unregister();
	receive_udp_set_callback(rx, false);
	/* No softirq is in the filter once it is gone and a grace period passed. */
	receive_udp_set_filter(rx, false);
	synchronize_net();
	kernel_sock_shutdown(rx->sock, SHUT_RDWR);
	/*
	 * The drain arms the timer, hands chunks to the CRC-32's workers and
	 * queues itself again; the timer queues complete_work.
	 * cancel_work_sync() also stops a work item that queues itself.
	 */
	cancel_work_sync(&rx->drain_work);
	hrtimer_cancel(&rx->idle_timer);
	cancel_work_sync(&rx->complete_work);
	sock_release(rx->sock);
	destroy_workqueue(rx->wq);
	receive_udp_engine_free(rx);
	/* Waits for the CRC-32's workers, which no longer queue themselves. */
	kudp_crc_free(&rx->crc);
	vfree(rx->buf);
	kudp_crc32_exit();
	pr_info("unloaded\n");
}

module_init(receive_udp_init);
module_exit(receive_udp_exit);

MODULE_DESCRIPTION("Receive UDP datagrams on port 8808 (or another) into a buffer of up to 4 GiB, from kernel mode");
MODULE_AUTHOR("The kudp authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUDP_VERSION);
