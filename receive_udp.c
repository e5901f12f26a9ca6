// SPDX-License-Identifier: GPL-2.0
/*
 * receive_udp: collect the UDP datagrams sent to port 8808 into one message.
 *
 * Every datagram's payload is appended to the buffer. The message is
 * complete when the buffer is full or when no datagram has come for 5
 * seconds; "data" then shows it. The next datagram after an idle completion
 * discards it and starts a new message. After a full-buffer completion,
 * datagrams of the same burst (less than 5 s apart) are counted as overflow
 * and dropped; a 5 s pause ends the burst.
 *
 * Contexts:
 *   receive_udp_data_ready()   softirq: only queues drain_work
 *   receive_udp_idle_expired() hard IRQ: only queues complete_work
 *   drain_work, complete_work  process context, on an ordered (so never
 *                              concurrent), unbound, high-priority workqueue
 *   parameter callbacks        process context, kernel_param_lock held
 */
#define pr_fmt(fmt) "receive_udp: " fmt

#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "kudp_core.h"

#define RX_IDLE_TIMEOUT_MS	5000

/* Load-time settings, read by init. */
static u64 buffer_size = KUDP_DEFAULT_BUFSIZE;
static u64 rcvbuf = 32ULL << 20;

enum rx_state {
	RX_EMPTY,	/* no message: none yet */
	RX_RECEIVING,	/* datagrams are being appended */
	RX_COMPLETE,	/* the message is complete; "data" shows it */
};

enum rx_reason {
	RX_IDLE,	/* no datagram for 5 s */
	RX_FULL,	/* the buffer is full */
};

/**
 * struct kudp_rx - the receiver
 * @buf: the message buffer, @size bytes, allocated in init
 * @size: capacity of @buf
 * @sock: the socket bound to 0.0.0.0:8808
 * @wq: ordered workqueue: @drain_work and @complete_work never run at once,
 *	and run in the order they were queued
 * @drain_work: takes every queued datagram off @sock
 * @complete_work: completes the message when @idle_timer has expired
 * @idle_timer: armed (re-armed) for 5 s at each datagram; "queued" means a
 *	datagram came less than 5 s ago. Armed only by @drain_work.
 * @saved_data_ready: @sock's own callback, put back at exit
 * @lock: protects the fields below it, and @buf's contents while
 *	@state is %RX_COMPLETE. Process context only. The work items are the
 *	only writers; they may read the fields without it.
 * @state: where the message is in its life
 * @reason: why the last message completed
 * @len: bytes in the current message
 * @overflow: bytes that did not fit, since load
 */
struct kudp_rx {
	void *buf;
	u64 size;
	struct socket *sock;
	struct workqueue_struct *wq;
	struct work_struct drain_work;
	struct work_struct complete_work;
	struct hrtimer idle_timer;
	void (*saved_data_ready)(struct sock *sk);

	/* Protects what follows, from the work items and parameter callbacks. */
	struct mutex lock;
	enum rx_state state;
	enum rx_reason reason;
	u64 len;
	u64 overflow;
};

static struct kudp_rx rx = {
	.lock = __MUTEX_INITIALIZER(rx.lock),
};

/* Called with rx.lock held, from the work items. */
static void receive_udp_complete(enum rx_reason reason)
{
	kudp_enter("reason=%s, len=%llu", reason == RX_FULL ? "full" : "idle", rx.len);
	rx.state = RX_COMPLETE;
	rx.reason = reason;
	kudp_dbg("message completed (%s): %llu bytes\n",
		 reason == RX_FULL ? "buffer full" : "5 s idle", rx.len);
}

static void receive_udp_arm_timer(void)
{
	bool rearm = hrtimer_is_queued(&rx.idle_timer);

	hrtimer_start(&rx.idle_timer, ms_to_ktime(RX_IDLE_TIMEOUT_MS),
		      HRTIMER_MODE_REL);
	kudp_dbg_rl("idle timer %s (%d ms)\n", rearm ? "re-armed" : "armed",
		    RX_IDLE_TIMEOUT_MS);
}

/*
 * Take one datagram off the socket and file it where the message's state
 * says. Return its length, or -EAGAIN once the socket is empty.
 */
static int receive_udp_one(void)
{
	/* Not queued: 5 s have passed since the last datagram (or none came). */
	bool burst = hrtimer_is_queued(&rx.idle_timer);
	size_t room;
	int ret;

	if (rx.state == RX_RECEIVING && !burst) {
		/* complete_work is queued behind us and will find nothing to do. */
		mutex_lock(&rx.lock);
		receive_udp_complete(RX_IDLE);
		mutex_unlock(&rx.lock);
	}

	if (rx.state != RX_RECEIVING) {
		ret = kudp_recv(rx.sock, NULL, 0, MSG_PEEK);
		if (ret < 0)
			return ret;

		if (rx.state == RX_COMPLETE && rx.reason == RX_FULL && burst) {
			/* The burst that filled the buffer goes on. */
			ret = kudp_recv(rx.sock, NULL, 0, 0);
			if (ret < 0)
				return ret;
			receive_udp_arm_timer();
			mutex_lock(&rx.lock);
			rx.overflow += ret;
			mutex_unlock(&rx.lock);
			return ret;
		}

		mutex_lock(&rx.lock);
		if (rx.state == RX_COMPLETE)
			kudp_dbg("new data: previous message (%llu bytes) discarded\n",
				 rx.len);
		rx.state = RX_RECEIVING;
		rx.len = 0;
		mutex_unlock(&rx.lock);
	}

	room = min_t(u64, rx.size - rx.len, KUDP_MAX_PAYLOAD);
	ret = kudp_recv(rx.sock, rx.buf + rx.len, room, 0);
	if (ret < 0)
		return ret;
	receive_udp_arm_timer();

	mutex_lock(&rx.lock);
	rx.len += min_t(size_t, ret, room);
	if (ret > room)
		rx.overflow += ret - room;
	if (rx.len == rx.size)
		receive_udp_complete(RX_FULL);
	mutex_unlock(&rx.lock);
	return ret;
}

static void receive_udp_drain(struct work_struct *work)
{
	int ret;

	kudp_dbg_rl("draining the socket\n");
	do {
		ret = receive_udp_one();
		cond_resched();
	} while (ret >= 0);

	if (ret != -EAGAIN)
		pr_err_ratelimited("receive failed with error %d\n", ret);
}

static void receive_udp_complete_work(struct work_struct *work)
{
	kudp_enter("");
	mutex_lock(&rx.lock);
	/* A datagram drained since the expiry re-armed the timer. */
	if (rx.state == RX_RECEIVING && !hrtimer_is_queued(&rx.idle_timer))
		receive_udp_complete(RX_IDLE);
	mutex_unlock(&rx.lock);
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
		sk->sk_data_ready = receive_udp_data_ready;
	} else {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = rx.saved_data_ready;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

/* data: the last completed message (at most PAGE_SIZE - 1 bytes of it). */
static int data_get(char *buf, const struct kernel_param *kp)
{
	size_t len = 0;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&rx.lock);
	if (rx.state == RX_COMPLETE) {
		len = min_t(u64, rx.len, PAGE_SIZE - 1);
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

module_param_cb(rcvbuf, &kudp_param_ops_size, &rcvbuf, 0444);
MODULE_PARM_DESC(rcvbuf,
		 "Socket receive buffer in bytes, K/M/G suffixes allowed, at most 1G (load time only; default 32M; the kernel doubles it)");

static int state_get(char *buf, const struct kernel_param *kp)
{
	static const char * const names[] = {
		[RX_EMPTY] = "empty",
		[RX_RECEIVING] = "receiving",
		[RX_COMPLETE] = "complete",
	};
	int ret;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&rx.lock);
	if (rx.state == RX_COMPLETE)
		ret = sysfs_emit(buf, "complete (%s)\n",
				 rx.reason == RX_FULL ? "full" : "idle");
	else
		ret = sysfs_emit(buf, "%s\n", names[rx.state]);
	mutex_unlock(&rx.lock);
	return ret;
}

static const struct kernel_param_ops state_ops = {
	.set = kudp_param_set_readonly,
	.get = state_get,
};

module_param_cb(state, &state_ops, NULL, 0444);
MODULE_PARM_DESC(state,
		 "Read only: empty, receiving, 'complete (idle)' or 'complete (full)'");

static int overflow_get(char *buf, const struct kernel_param *kp)
{
	u64 overflow;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&rx.lock);
	overflow = rx.overflow;
	mutex_unlock(&rx.lock);
	return sysfs_emit(buf, "%llu\n", overflow);
}

static const struct kernel_param_ops overflow_ops = {
	.set = kudp_param_set_readonly,
	.get = overflow_get,
};

module_param_cb(overflow, &overflow_ops, NULL, 0444);
MODULE_PARM_DESC(overflow,
		 "Read only: payload bytes dropped because the buffer was full, since load");

static int drops_get(char *buf, const struct kernel_param *kp)
{
	if (kudp_param_check_ready(kp))
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", atomic_read(&rx.sock->sk->sk_drops));
}

static const struct kernel_param_ops drops_ops = {
	.set = kudp_param_set_readonly,
	.get = drops_get,
};

module_param_cb(drops, &drops_ops, NULL, 0444);
MODULE_PARM_DESC(drops,
		 "Read only: datagrams the socket dropped (receive buffer full), since load");

static int __init receive_udp_init(void)
{
	int ret;

	kudp_enter("buffer_size=%llu, rcvbuf=%llu", buffer_size, rcvbuf);
	kudp_set_phase(KUDP_STARTING);

	if (rcvbuf > INT_MAX / 2) {
		pr_err("rcvbuf=%llu: at most %d bytes\n", rcvbuf, INT_MAX / 2);
		return kudp_ret(-EINVAL);
	}

	rx.buf = kudp_buf_alloc(buffer_size, "buffer_size");
	if (!rx.buf)
		return kudp_ret(-ENOMEM);
	rx.size = buffer_size;

	rx.wq = alloc_ordered_workqueue("receive_udp", WQ_HIGHPRI);
	if (!rx.wq) {
		ret = -ENOMEM;
		goto err_free_buf;
	}
	INIT_WORK(&rx.drain_work, receive_udp_drain);
	INIT_WORK(&rx.complete_work, receive_udp_complete_work);
	kudp_hrtimer_setup(&rx.idle_timer, receive_udp_idle_expired,
			   CLOCK_MONOTONIC, HRTIMER_MODE_REL);

	ret = kudp_sock_create(&rx.sock);
	if (ret)
		goto err_destroy_wq;
	sock_set_rcvbuf(rx.sock->sk, rcvbuf);
	ret = kudp_sock_bind_any(rx.sock);
	if (ret)
		goto err_release_sock;

	receive_udp_set_callback(true);
	/* Datagrams that came between bind and now raised no callback. */
	queue_work(rx.wq, &rx.drain_work);

	kudp_set_phase(KUDP_READY);
	pr_info("ready: %llu-byte buffer, listening on 0.0.0.0:%u\n",
		rx.size, KUDP_PORT);
	return 0;

err_release_sock:
	sock_release(rx.sock);
err_destroy_wq:
	destroy_workqueue(rx.wq);
err_free_buf:
	vfree(rx.buf);
	return kudp_ret(ret);
}

static void __exit receive_udp_exit(void)
{
	kudp_enter("");
	kudp_set_phase(KUDP_STOPPING);
	receive_udp_set_callback(false);
	/* The drain arms the timer; the timer queues complete_work. */
	cancel_work_sync(&rx.drain_work);
	hrtimer_cancel(&rx.idle_timer);
	cancel_work_sync(&rx.complete_work);
	sock_release(rx.sock);
	destroy_workqueue(rx.wq);
	vfree(rx.buf);
	pr_info("unloaded\n");
}

module_init(receive_udp_init);
module_exit(receive_udp_exit);

MODULE_DESCRIPTION("Receive UDP datagrams on port 8808 into a buffer of up to 4 GiB, from kernel mode");
MODULE_AUTHOR("The kudp authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUDP_VERSION);
