// SPDX-License-Identifier: GPL-2.0
/*
 * send_udp: send a buffer to <ip>:<port> (8808) as UDP datagrams, from the
 * kernel.
 *
 * Writing the "data" parameter, or writing /dev/send_udp and closing it,
 * stores the bytes in the send buffer and queues a work item that sends
 * them, one datagram per route MTU, to the address in the "ip" parameter
 * (or, for /dev/send_udp, where its writer's KUDP_IOC_SEND_OVERRIDE says).
 * The write (or close) returns as soon as the send is queued; the send runs
 * on this module's workqueue. With mode=reliable, the send goes on until
 * the receiver confirms the whole message (kudp_rel_tx.c).
 *
 *   echo hello > /sys/module/send_udp/parameters/data
 *   cat picture.jpg > /dev/send_udp
 */
#define pr_fmt(fmt) "send_udp: " fmt

#include <linux/fs.h>
#include <linux/inet.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "kudp_core.h"
#include "kudp_crc32.h"
#include "kudp_rel.h"

/*
 * Load-time and run-time settings. Written by parameter callbacks and read
 * by them and by init, all under kernel_param_lock(THIS_MODULE); the send
 * work gets a copy (struct kudp_tx) and never reads these.
 */
static u64 buffer_size = KUDP_DEFAULT_BUFSIZE;
static __be32 dest_addr = htonl(INADDR_LOOPBACK);
static u16 port = KUDP_PORT;
static unsigned int payload;
static unsigned int ttl = 1;
static unsigned int receivers = 1;
static bool gso = true;
static bool zerocopy;
static u64 rate;
static enum kudp_mode mode;
static unsigned int hold = KUDP_HOLD_DEFAULT_S;
static struct kudp_key key;
/* Data given on the insmod command line, kept until init sends it. */
static char *insmod_data;

/**
 * struct kudp_tx - the sender
 * @buf: the send buffer, @size bytes, allocated in init; replaced only by
 *	@send_work during SENDING, under @lock (send_udp_lend())
 * @size: capacity of @buf
 * @sock: the UDP socket, created in init and released in exit; the send
 *	work connects it to @dest before each send
 * @wq: runs @send_work, on one CPU (see send_udp_init())
 * @send_work: sends @len bytes of @buf to @dest
 * @idle_wq: where a blocking open of /dev/send_udp waits for %KUDP_STATE_IDLE
 * @dev: /dev/send_udp and its statistics
 * @lock: protects the fields below it; process context only (parameter
 *	callbacks, file operations, @send_work)
 * @state: %KUDP_STATE_IDLE, then %KUDP_STATE_FILLING while a writer (the
 *	"data" parameter, or an open /dev/send_udp) fills @buf, then
 *	%KUDP_STATE_SENDING until @send_work is done. Whoever moved it out of
 *	IDLE owns @buf, @len, @dest and @payload until it moves on; the send
 *	work only reads them.
 * @len: bytes of the current (or last) message in @buf
 * @fill_crc: running CRC-32 of the bytes written into @buf since it was
 *	claimed, computed as they are written (by the writer, in its own
 *	context: the send work only moves bytes)
 * @fill_error: 0 while the message being filled can be sent; else why it
 *	will not be: a write that failed (its errno) or a discard
 *	(-ECANCELED). The writer's further writes fail with it, and its
 *	release sends nothing
 * @dest: destination of the current send
 * @port: its UDP port
 * @payload: the "payload" parameter when the send started
 * @ttl: the "ttl" parameter then
 * @receivers: the "receivers" parameter then
 * @gso: the "gso" parameter then
 * @zerocopy: the "zerocopy" parameter then
 * @rate: the "rate" parameter then
 * @mode: the "mode" parameter then
 * @hold: the "hold" parameter then
 * @key: the "key" parameter then; wiped when the send ends
 * @over: the writer's own settings for its message (KUDP_IOC_SEND_OVERRIDE),
 *	which replace the parameters they name when send_udp_queue() copies
 *	them: cleared by send_udp_claim(), written by the writer's ioctl
 *	while FILLING, read by send_udp_queue(), all under @lock
 * @cur: progress of the current send; reset under @lock when the send is
 *	queued, then written by @send_work with WRITE_ONCE() without @lock,
 *	read by the statistics with READ_ONCE(). Its CRC-32 is the message's
 *	(@fill_crc) from the start: @cur.bytes says how much of it went
 * @seq: sends finished since load
 * @messages: sends finished since load or reset
 * @errors: sends that failed since load or reset
 * @last_error: result of the last finished send: 0 or a negative errno
 * @last: what the last finished send moved
 * @last_group: the receivers of the last finished send, if it went to a
 *	group in mode=reliable (else none)
 * @rejected_base: @rel.rejected at the last reset
 * @zc: zero-copy calls, notified and copied; written by @send_work only
 *	(see struct kudp_zc)
 * @zc_calls_base: @zc.calls at the last reset
 * @zc_copied_base: @zc.copied at the last reset
 * @rel: mode=reliable: the message ids, the round trip; written by
 *	@send_work only (see struct kudp_rel_sender)
 * @group: mode=reliable to a group: the receivers of the send going on;
 *	@send_work's only
 */
struct kudp_tx {
	void *buf;
	u64 size;
	struct socket *sock;
	struct workqueue_struct *wq;
	struct work_struct send_work;
	wait_queue_head_t idle_wq;
	struct kudp_dev dev;

	/* Protects what follows, from the send work and everything else. */
	struct mutex lock;
	enum kudp_state state;
	size_t len;
	u32 fill_crc;
	int fill_error;
	__be32 dest;
	u16 port;
	unsigned int payload;
	unsigned int ttl;
	unsigned int receivers;
	bool gso;
	bool zerocopy;
	u64 rate;
	enum kudp_mode mode;
	unsigned int hold;
	struct kudp_key key;
	struct kudp_send_override over;
	struct kudp_xfer cur;
	u64 seq;
	u64 messages;
	u64 errors;
	int last_error;
	struct kudp_xfer last;
	struct kudp_rel_group last_group;
	u64 rejected_base;
	u64 zc_calls_base;
	u64 zc_copied_base;

	struct kudp_rel_sender rel;
	struct kudp_rel_group group;
	struct kudp_zc zc;
};

static void send_udp_snapshot(struct kudp_dev *kd, struct kudp_stats *st);
static void send_udp_reset(struct kudp_dev *kd);
static int send_udp_discard(struct kudp_dev *kd);
static const struct file_operations send_udp_fops;

static struct kudp_tx sender = {
	.dev = {
		.name = "send_udp",
		.fops = &send_udp_fops,
		.snapshot = send_udp_snapshot,
		.reset = send_udp_reset,
		.discard = send_udp_discard,
		.hidden = KUDP_STAT_REASON | KUDP_STAT_OVERFLOW | KUDP_STAT_DROPS,
	},
	.lock = __MUTEX_INITIALIZER(sender.lock),
	.idle_wq = __WAIT_QUEUE_HEAD_INITIALIZER(sender.idle_wq),
	.state = KUDP_STATE_IDLE,
};

/*
 * The stack still holds pages of the buffer after the send (datagrams
 * queued for a device whose link is down): the next message must not be
 * written over them. The datagrams keep those pages: a copy of the
 * message in a new buffer takes the old one's place, whose vfree() drops
 * only the buffer's own reference to each page (each lives until the last
 * datagram that holds it is freed). Without memory for the new buffer,
 * wait for the stack instead, the send still SENDING, until the module
 * unloads.
 */
static void send_udp_lend(struct kudp_tx *tx)
{
	void *buf = kudp_buf_alloc(tx->size, "buffer_size");
	void *old;

	if (!buf) {
		pr_warn("the stack still holds datagrams of the last message (link down?): no memory for a new buffer, so the next message waits until it lets them go\n");
		kudp_zc_wait(tx->sock, &tx->zc, MAX_SCHEDULE_TIMEOUT);
		return;
	}
	memcpy(buf, tx->buf, tx->len);
	mutex_lock(&tx->lock);
	old = tx->buf;
	tx->buf = buf;
	mutex_unlock(&tx->lock);
	vfree(old);
	pr_warn("the stack still holds datagrams of the last message (link down?): they keep their pages, and a new buffer takes the old one's place\n");
}

static void send_udp_work(struct work_struct *work)
{
	struct kudp_tx *tx = container_of(work, struct kudp_tx, send_work);
	bool no_gso = false;
	struct sockaddr_in group = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = tx->dest,
		.sin_port = htons(tx->port),
	};
	bool to_group = ipv4_is_multicast(tx->dest) && tx->mode == KUDP_MODE_RELIABLE;
	struct kudp_send_opts opts = {
		.gso = tx->gso,
		.no_gso = &no_gso,
		.rate = tx->rate,
		.zc = tx->zerocopy ? &tx->zc : NULL,
	};
	int ret;

	kudp_enter("dest=%pI4:%u, len=%zu", &tx->dest, tx->port, tx->len);
	if (tx->key.set && tx->mode != KUDP_MODE_RELIABLE) {
		pr_err("key: a key authenticates mode=reliable only; nothing sent (set mode=reliable, or clear key)\n");
		ret = -EINVAL;
	} else if (to_group && tx->key.set) {
		pr_err("key: a key authenticates a transfer to one receiver in this version; nothing sent to group %pI4 (clear key)\n",
		       &tx->dest);
		ret = -EOPNOTSUPP;
	} else {
		ret = kudp_sock_set_mc_ttl(tx->sock, tx->ttl) ?:
		      kudp_sock_connect(tx->sock, tx->dest, tx->port);
	}
	if (!ret) {
		opts.payload = kudp_sock_payload(tx->sock, tx->payload);
		if (to_group) {
			/*
			 * The receivers answer from their own addresses, which
			 * a socket connected to the group would not take: the
			 * connect above chose the route and the payload.
			 */
			kudp_sock_disconnect(tx->sock);
			opts.to = &group;
			tx->group.want = tx->receivers;
		}
		if (tx->mode == KUDP_MODE_RELIABLE)
			ret = kudp_rel_send(&tx->rel, tx->sock, tx->buf, tx->len,
					    kudp_xfer_crc32(&tx->cur), &opts, &tx->cur, tx->hold,
					    &tx->key, to_group ? &tx->group : NULL);
		else
			ret = kudp_send(tx->sock, tx->buf, tx->len, &opts, &tx->cur);
	}
	kudp_key_wipe(&tx->key);
	if (opts.zc && kudp_zc_wait(tx->sock, opts.zc, 0) == -ETIMEDOUT)
		send_udp_lend(tx);

	if (!ret)
		kudp_dbg("sent %llu bytes in %llu datagrams to %pI4:%u%s\n",
			 tx->cur.bytes, tx->cur.datagrams, &tx->dest, tx->port,
			 tx->mode == KUDP_MODE_RELIABLE ? ", confirmed" : "");
	else if (ret == -ECONNREFUSED)
		pr_warn("%pI4:%u: port unreachable (nothing listens there): send stopped after %llu of %zu bytes\n",
			&tx->dest, tx->port, tx->cur.bytes, tx->len);
	else if (ret == -EHOSTUNREACH)
		pr_err("%pI4: no host answers ARP for it: the %llu bytes sent were dropped\n",
		       &tx->dest, tx->cur.bytes);
	else if (ret == -ETIMEDOUT && to_group)
		pr_err("%pI4: fewer than %u receivers confirmed the message (last_receivers names them)\n",
		       &tx->dest, tx->receivers);
	else if (ret == -ETIMEDOUT && tx->mode == KUDP_MODE_RELIABLE)
		pr_err("%pI4: the receiver did not confirm the message (%zu bytes, %llu datagrams sent): no answer, or no progress, for %u s (hold)\n",
		       &tx->dest, tx->len, tx->cur.datagrams, tx->hold);
	else if (ret == -ETIMEDOUT)
		pr_err("%pI4: datagrams stayed queued in this machine for %u s (link down?): %llu bytes sent\n",
		       &tx->dest, KUDP_LEAVE_TIMEOUT_MS / 1000, tx->cur.bytes);
	else if (ret == -EPIPE)
		pr_warn("send aborted after %llu of %zu bytes: the module is going away\n",
			tx->cur.bytes, tx->len);
	else
		pr_err("send to %pI4:%u failed with error %d after %llu of %zu bytes\n",
		       &tx->dest, tx->port, ret, tx->cur.bytes, tx->len);

	mutex_lock(&tx->lock);
	tx->last = tx->cur;
	tx->last_group = to_group ? tx->group : (struct kudp_rel_group){ };
	tx->last_error = ret;
	if (ret)
		tx->errors++;
	tx->messages++;
	tx->seq++;
	WRITE_ONCE(tx->state, KUDP_STATE_IDLE);
	kudp_genl_notify(&(struct kudp_event){
		.cmd = KUDP_CMD_SENT,
		.seq = tx->seq,
		.xfer = &tx->last,
		.result = ret,
	});
	mutex_unlock(&tx->lock);
	wake_up_interruptible_all(&tx->idle_wq);
}

/*
 * Take the buffer for a new message: IDLE -> FILLING. Return -EBUSY if a
 * message is being written or sent, or wait for the sender to be idle if
 * @wait (interruptibly: -ERESTARTSYS on a signal).
 */
static int send_udp_claim(struct kudp_tx *tx, bool wait)
{
	int ret;

	kudp_enter("wait=%d", wait);
	for (;;) {
		mutex_lock(&tx->lock);
		if (tx->state == KUDP_STATE_IDLE) {
			WRITE_ONCE(tx->state, KUDP_STATE_FILLING);
			tx->len = 0;
			tx->fill_crc = ~0U;
			tx->fill_error = 0;
			tx->over = (struct kudp_send_override){ };
			mutex_unlock(&tx->lock);
			return 0;
		}
		mutex_unlock(&tx->lock);
		if (!wait)
			return kudp_ret(-EBUSY);
		ret = wait_event_interruptible(tx->idle_wq,
					       READ_ONCE(tx->state) == KUDP_STATE_IDLE);
		if (ret)
			return kudp_ret(ret);
	}
}

/*
 * The message in the buffer is complete: FILLING -> SENDING, and queue the
 * send. Takes the destination and the other settings now (the parameters,
 * but what the writer's KUDP_IOC_SEND_OVERRIDE named), so that it is called
 * with kernel_param_lock(THIS_MODULE) held, and tx->lock.
 */
static void send_udp_queue(struct kudp_tx *tx)
{
	const struct kudp_send_override *o = &tx->over;

	kudp_assert_param_lock();
	lockdep_assert_held(&tx->lock);
	kudp_enter("len=%zu, overrides=%#x", tx->len, o->flags);
	kudp_xfer_start(&tx->cur);
	tx->cur.crc = tx->fill_crc;
	tx->dest = o->flags & KUDP_OVERRIDE_ADDR ? o->addr : dest_addr;
	tx->port = o->flags & KUDP_OVERRIDE_PORT ? o->port : port;
	tx->payload = payload;
	tx->ttl = ttl;
	tx->receivers = receivers;
	tx->gso = gso;
	tx->zerocopy = zerocopy;
	tx->rate = o->flags & KUDP_OVERRIDE_RATE ? o->rate : rate;
	tx->mode = o->flags & KUDP_OVERRIDE_MODE ? o->mode : mode;
	tx->hold = hold;
	tx->key = key;
	WRITE_ONCE(tx->state, KUDP_STATE_SENDING);
	queue_work(tx->wq, &tx->send_work);
}

/*
 * Send @len bytes of @data: the "data" parameter's write, and init's send
 * of insmod's data=. Called with kernel_param_lock(THIS_MODULE) held.
 */
static int send_udp_start(struct kudp_tx *tx, const char *data, size_t len)
{
	int ret;

	kudp_assert_param_lock();
	kudp_enter("len=%zu", len);
	if (len > tx->size) {
		pr_err("data: %zu bytes do not fit in the %llu-byte buffer (buffer_size)\n",
		       len, tx->size);
		return kudp_ret(-EFBIG);
	}
	ret = send_udp_claim(tx, false);
	if (ret) {
		pr_warn("data: a message is being written or sent; write again when parameters/state reads idle\n");
		return ret;
	}
	mutex_lock(&tx->lock);
	memcpy(tx->buf, data, len);
	tx->len = len;
	tx->fill_crc = kudp_crc32(~0U, data, len);
	send_udp_queue(tx);
	mutex_unlock(&tx->lock);
	return 0;
}

/* data: write a message to send it; read the start of the current one. */
static int data_set(const char *val, const struct kernel_param *kp)
{
	size_t len = strnlen(val, PAGE_SIZE);

	kudp_enter("len=%zu", len);
	if (len >= PAGE_SIZE) {
		pr_err("data: a parameter write carries at most %lu bytes; send larger or binary data through /dev/send_udp\n",
		       PAGE_SIZE - 1);
		return kudp_ret(-EFBIG);
	}

	if (kudp_phase() == KUDP_LOADING) {
		/* insmod send_udp.ko data=...: init sends it. */
		char *copy = kstrndup(val, len, GFP_KERNEL);

		if (!copy)
			return kudp_ret(-ENOMEM);
		kfree(insmod_data);
		insmod_data = copy;
		return 0;
	}
	if (kudp_param_check_ready(kp))
		return kudp_ret(-ENODEV);
	return send_udp_start(&sender, val, len);
}

static int data_get(char *buf, const struct kernel_param *kp)
{
	struct kudp_tx *tx = &sender;
	size_t len;

	if (kudp_param_check_ready(kp))
		return -ENODEV;
	mutex_lock(&tx->lock);
	len = min_t(size_t, tx->len, PAGE_SIZE - 1);
	memcpy(buf, tx->buf, len);
	mutex_unlock(&tx->lock);
	return len;
}

/* After a failed load, and at unload: insmod's data= may still be here. */
static void data_free(void *arg)
{
	kfree(insmod_data);
	insmod_data = NULL;
}

static const struct kernel_param_ops data_ops = {
	.set = data_set,
	.get = data_get,
	.free = data_free,
};

module_param_cb(data, &data_ops, NULL, 0600);
MODULE_PARM_DESC(data,
		 "Write: the bytes to send (fewer than PAGE_SIZE, up to the first NUL); the send starts at once. Read: the start of the current message");

/* ip: an IPv4 dotted quad; a trailing newline is accepted. */
static int ip_set(const char *val, const struct kernel_param *kp)
{
	int len = strcspn(val, "\n"), ret;
	__be32 addr;

	kudp_enter("val=%s", val);
	ret = kudp_parse_dest(val, &addr);
	if (ret == -EADDRNOTAVAIL) {
		pr_err("ip: %.*s is the broadcast or the 'this host' address; give one host's address, or a multicast group's\n",
		       len, val);
		return kudp_ret(-EINVAL);
	}
	if (ret) {
		pr_err("ip: '%.*s' is not an IPv4 address (a.b.c.d)\n", len, val);
		return kudp_ret(-EINVAL);
	}
	dest_addr = addr;
	return 0;
}

static int ip_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%pI4\n", &dest_addr);
}

static const struct kernel_param_ops ip_ops = {
	.set = ip_set,
	.get = ip_get,
};

module_param_cb(ip, &ip_ops, NULL, 0644);
MODULE_PARM_DESC(ip,
		 "Destination IPv4 address, dotted quad: one host, or a multicast group (224.0.0.0/4); not broadcast (default 127.0.0.1); used by the next send");

static int payload_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;

	kudp_enter("val=%s", val);
	if (kstrtouint(val, 0, &n) || n > KUDP_MAX_PAYLOAD) {
		pr_err("payload: '%s' is not a number from 0 (automatic) to %u\n",
		       val, KUDP_MAX_PAYLOAD);
		return kudp_ret(-EINVAL);
	}
	payload = n;
	return 0;
}

static const struct kernel_param_ops payload_ops = {
	.set = payload_set,
	.get = param_get_uint,
};

module_param_cb(port, &kudp_param_ops_port, &port, 0644);
MODULE_PARM_DESC(port,
		 "Destination UDP port, 1-65535 (default 8808, the specification's); the receiver's port parameter must name it; used by the next send");

module_param_cb(payload, &payload_ops, &payload, 0644);
MODULE_PARM_DESC(payload,
		 "Bytes per datagram: 0 = the route's MTU less 28, never fragmented (default); 1-65507 = fixed, IP may fragment");

/* An unsigned int parameter of decimal digits, from @min to @max. */
static int send_udp_set_uint(const char *val, const struct kernel_param *kp,
			     unsigned int min, unsigned int max)
{
	unsigned int n;

	kudp_enter("%s=%s", kp->name, val);
	if (kstrtouint(val, 10, &n) || n < min || n > max) {
		pr_err("%s: '%.*s' is not a number from %u to %u\n", kp->name,
		       (int)strcspn(val, "\n"), val, min, max);
		return kudp_ret(-EINVAL);
	}
	*(unsigned int *)kp->arg = n;
	return 0;
}

/* ttl: how many routers a datagram to a group may cross; 1 stays on the subnet. */
static int ttl_set(const char *val, const struct kernel_param *kp)
{
	return send_udp_set_uint(val, kp, 1, 255);
}

static const struct kernel_param_ops ttl_ops = {
	.set = ttl_set,
	.get = param_get_uint,
};

module_param_cb(ttl, &ttl_ops, &ttl, 0644);
MODULE_PARM_DESC(ttl,
		 "Time to live of datagrams sent to a multicast group, 1-255 (default 1: this subnet only; each router on the way takes 1); used by the next send");

/* receivers: how many receivers of a group must confirm a reliable send. */
static int receivers_set(const char *val, const struct kernel_param *kp)
{
	return send_udp_set_uint(val, kp, 0, KUDP_RECEIVERS_MAX);
}

static const struct kernel_param_ops receivers_ops = {
	.set = receivers_set,
	.get = param_get_uint,
};

module_param_cb(receivers, &receivers_ops, &receivers, 0644);
MODULE_PARM_DESC(receivers,
		 "mode=reliable to a group: how many receivers must confirm a message, 0-16 (default 1; 0: wait for none); used by the next send");

/*
 * last_receivers: the receivers of the last reliable send to a group, one
 * line each: address, then "confirmed", "failed ERRNO" or "unconfirmed"
 * (the send ended before it confirmed, for another reason); then how many
 * of those asked for never answered.
 */
static int last_receivers_get(char *buf, const struct kernel_param *kp)
{
	struct kudp_tx *tx = &sender;
	const struct kudp_rel_group *g = &tx->last_group;
	unsigned int i;
	int len = 0;

	mutex_lock(&tx->lock);
	for (i = 0; i < g->n; i++) {
		const struct kudp_rel_peer *p = &g->peer[i];

		if (!p->result)
			len += sysfs_emit_at(buf, len, "%pI4 confirmed\n", &p->addr.sin_addr);
		else if (p->result == KUDP_PEER_ACTIVE)	/* the send ended first */
			len += sysfs_emit_at(buf, len, "%pI4 unconfirmed\n", &p->addr.sin_addr);
		else
			len += sysfs_emit_at(buf, len, "%pI4 failed %d\n", &p->addr.sin_addr,
					     p->result);
	}
	if (g->want > g->n)
		len += sysfs_emit_at(buf, len, "%u never answered\n", g->want - g->n);
	mutex_unlock(&tx->lock);
	return len;
}

static const struct kernel_param_ops last_receivers_ops = {
	.set = kudp_param_set_readonly,
	.get = last_receivers_get,
};

module_param_cb(last_receivers, &last_receivers_ops, NULL, 0444);
MODULE_PARM_DESC(last_receivers,
		 "The receivers of the last mode=reliable send to a group, a line each: address, then confirmed, failed and the errno, or unconfirmed (the send ended first); then how many asked for (receivers) never answered");

module_param_cb(gso, &kudp_param_ops_switch, &gso, 0644);
MODULE_PARM_DESC(gso,
		 "1 (default): hand the stack up to 64 KiB per call, cut into datagrams by UDP GSO (the same datagrams on the wire, far fewer trips through the stack); 0: one datagram per call; used by the next send");

module_param_cb(zerocopy, &kudp_param_ops_switch, &zerocopy, 0644);
MODULE_PARM_DESC(zerocopy,
		 "1: mode=raw sends the buffer's own pages (MSG_ZEROCOPY), no copy where the route's device takes pages (scatter-gather and checksum offload), and waits for the stack to let them go; the zerocopy_calls and zerocopy_copied statistics say how it went; 0 (default): the stack copies every byte; used by the next send");

module_param_cb(rate, &kudp_param_ops_rate, &rate, 0644);
MODULE_PARM_DESC(rate,
		 "Pace sends to this many bytes per second, K/M/G suffixes allowed, in bursts of at most 64 KiB (default 0: as fast as the socket takes them); used by the next send");

module_param_cb(mode, &kudp_param_ops_mode, &mode, 0644);
MODULE_PARM_DESC(mode,
		 "raw (default): the specification's bare datagrams; reliable: Documentation/protocol.rst, each datagram with a header, what is lost sent again, the send ends when the receiver confirms it (it must be in the same mode); used by the next send");

module_param_cb(hold, &kudp_param_ops_seconds, &hold, 0644);
MODULE_PARM_DESC(hold,
		 "mode=reliable: seconds the send goes on without progress (no answer, or nothing more repaired) before it fails with -ETIMEDOUT, 1-3600 (default 60, as the receiver's hold); used by the next send");

module_param_cb(key, &kudp_param_ops_key, &key, 0200);
MODULE_PARM_DESC(key,
		 "mode=reliable: a key shared with the receiver, 64 hex digits (32 bytes): every datagram authenticated (Documentation/protocol.rst, version 2); empty: none (default); write-only; used by the next send");

module_param_cb(buffer_size, &kudp_param_ops_size, &buffer_size, 0444);
MODULE_PARM_DESC(buffer_size,
		 "Send buffer size in bytes, K/M/G suffixes allowed (load time only; default 4G)");

/* The statistics files of the same names, as parameters too. */
module_param_cb(state, &kudp_param_ops_stat, "state", 0444);
MODULE_PARM_DESC(state,
		 "Read only: idle, filling (a writer has /dev/send_udp open) or sending");

module_param_cb(last_error, &kudp_param_ops_stat, "last_error", 0444);
MODULE_PARM_DESC(last_error,
		 "Read only: result of the last finished send, 0 or a negative errno (-111 ECONNREFUSED: nothing listens at ip:port)");

/* ------------------------------------------------------------------------
 * /dev/send_udp: open for writing starts a message, write appends to it,
 * the last close sends it. Open read-only for the ioctls.
 *
 * Only a whole message is sent: if a write failed, if a discard cancelled
 * the message, or if the writer is dying from a signal (Ctrl-C, SIGKILL,
 * the OOM killer), the last close sends nothing and the sender goes back
 * to idle.
 */

/* The sender whose device @file is. */
static struct kudp_tx *send_udp_of(struct file *file)
{
	return container_of(file_inode(file)->i_cdev, struct kudp_tx, dev.cdev);
}

static int send_udp_open(struct inode *inode, struct file *file)
{
	struct kudp_tx *tx = send_udp_of(file);
	int ret;

	kudp_enter("f_flags=%#x", file->f_flags);
	file->private_data = NULL;
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	/* The VFS would refuse it after ->open, and call ->release. */
	if (file->f_flags & O_DIRECT)
		return kudp_ret(-EINVAL);
	ret = send_udp_claim(tx, !(file->f_flags & O_NONBLOCK));
	if (ret)
		return ret;
	file->private_data = tx;	/* this file is the writer */
	return 0;
}

static ssize_t send_udp_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct kudp_tx *tx = send_udp_of(file);
	size_t n;
	int ret = 0;

	kudp_dbg_rl("%s(count=%zu)\n", __func__, count);
	mutex_lock(&tx->lock);
	if (tx->fill_error) {
		ret = tx->fill_error;
		goto out;
	}
	if (count && tx->len == tx->size) {
		pr_warn_ratelimited("/dev/send_udp: the %llu-byte buffer is full (buffer_size): the message will not be sent\n",
				    tx->size);
		ret = -EFBIG;
		goto fail;
	}
	/* At most KUDP_IO_CHUNK under the lock: statistics wait for it. */
	n = min3((u64)count, tx->size - tx->len, (u64)KUDP_IO_CHUNK);
	if (copy_from_user(tx->buf + tx->len, ubuf, n)) {
		ret = -EFAULT;
		goto fail;
	}
	tx->fill_crc = kudp_crc32(tx->fill_crc, tx->buf + tx->len, n);
	tx->len += n;
	mutex_unlock(&tx->lock);
	return n;

fail:
	tx->fill_error = ret;
out:
	mutex_unlock(&tx->lock);
	return kudp_ret(ret);
}

/* Each close(2) of the writer: report a cancelled message. */
static int send_udp_flush(struct file *file, fl_owner_t id)
{
	struct kudp_tx *tx = send_udp_of(file);
	int ret = 0;

	if (file->private_data != tx)
		return 0;
	mutex_lock(&tx->lock);
	if (tx->fill_error == -ECANCELED)
		ret = -ECANCELED;
	mutex_unlock(&tx->lock);
	return ret;
}

/*
 * The writer's last close: send the message, or drop it if it cannot be
 * whole (see above) and go back to idle.
 */
static int send_udp_release(struct inode *inode, struct file *file)
{
	struct kudp_tx *tx = send_udp_of(file);
	bool killed = current->flags & PF_SIGNALED;
	int err;

	kudp_enter("writer=%d", file->private_data == tx);
	if (file->private_data != tx)
		return 0;

	/* send_udp_queue() reads the ip and payload parameters. */
	kernel_param_lock(THIS_MODULE);
	mutex_lock(&tx->lock);
	err = tx->fill_error;
	if (!err && !killed) {
		send_udp_queue(tx);
		goto out;
	}
	if (killed)
		pr_warn("/dev/send_udp: message of %zu bytes not sent: the writer was killed by a signal\n",
			tx->len);
	else
		pr_warn("/dev/send_udp: message of %zu bytes not sent: %s (error %d)\n",
			tx->len, err == -ECANCELED ? "it was discarded" : "a write failed", err);
	tx->len = 0;
	WRITE_ONCE(tx->state, KUDP_STATE_IDLE);
	wake_up_interruptible_all(&tx->idle_wq);
out:
	mutex_unlock(&tx->lock);
	kernel_param_unlock(THIS_MODULE);
	return 0;
}

/*
 * KUDP_IOC_SEND_OVERRIDE: the writer's own settings for its message, checked
 * as the parameters check theirs. A bad value changes nothing.
 */
static int send_udp_override(struct kudp_tx *tx, struct file *file,
			     const struct kudp_send_override __user *uarg)
{
	const u32 known = KUDP_OVERRIDE_ADDR | KUDP_OVERRIDE_PORT | KUDP_OVERRIDE_RATE |
			  KUDP_OVERRIDE_MODE;
	struct kudp_send_override o;

	BUILD_BUG_ON(KUDP_OVERRIDE_MODE_RAW != KUDP_MODE_RAW);
	BUILD_BUG_ON(KUDP_OVERRIDE_MODE_RELIABLE != KUDP_MODE_RELIABLE);
	if (file->private_data != tx)
		return kudp_ret(-EBADF);	/* not the writer's file */
	if (copy_from_user(&o, uarg, sizeof(o)))
		return kudp_ret(-EFAULT);
	kudp_enter("flags=%#x, addr=%pI4, port=%u, rate=%llu, mode=%u", o.flags, &o.addr,
		   o.port, o.rate, o.mode);
	if ((o.flags & ~known) || o.pad) {
		pr_warn_ratelimited("KUDP_IOC_SEND_OVERRIDE: unknown flags %#x or pad %#x not 0\n",
				    o.flags & ~known, o.pad);
		return kudp_ret(-EINVAL);
	}
	if ((o.flags & KUDP_OVERRIDE_ADDR) && kudp_check_dest(o.addr)) {
		pr_warn_ratelimited("KUDP_IOC_SEND_OVERRIDE: %pI4 is the broadcast or the 'this host' address; give one host's address, or a multicast group's\n",
				    &o.addr);
		return kudp_ret(-EINVAL);
	}
	if ((o.flags & KUDP_OVERRIDE_PORT) && !o.port) {
		pr_warn_ratelimited("KUDP_IOC_SEND_OVERRIDE: port 0 is no UDP port (1 to 65535)\n");
		return kudp_ret(-EINVAL);
	}
	if ((o.flags & KUDP_OVERRIDE_MODE) && o.mode > KUDP_OVERRIDE_MODE_RELIABLE) {
		pr_warn_ratelimited("KUDP_IOC_SEND_OVERRIDE: mode %u is not raw (0) or reliable (1)\n",
				    o.mode);
		return kudp_ret(-EINVAL);
	}
	mutex_lock(&tx->lock);
	tx->over = o;
	mutex_unlock(&tx->lock);
	return 0;
}

static long send_udp_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kudp_tx *tx = send_udp_of(file);

	if (cmd == KUDP_IOC_SEND_OVERRIDE)
		return send_udp_override(tx, file, (void __user *)arg);

	/* The writer may always give up its own message: no privilege. */
	if (cmd == KUDP_IOC_DISCARD && file->private_data == tx)
		return send_udp_discard(&tx->dev);
	return kudp_dev_ioctl(&tx->dev, cmd, arg);
}

static const struct file_operations send_udp_fops = {
	.owner = THIS_MODULE,
	.open = send_udp_open,
	.write = send_udp_write,
	.flush = send_udp_flush,
	.release = send_udp_release,
	.unlocked_ioctl = send_udp_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static void send_udp_snapshot(struct kudp_dev *kd, struct kudp_stats *st)
{
	struct kudp_tx *tx = container_of(kd, struct kudp_tx, dev);

	mutex_lock(&tx->lock);
	st->state = tx->state;
	st->seq = tx->seq;
	if (tx->state == KUDP_STATE_SENDING) {
		st->cur_bytes = READ_ONCE(tx->cur.bytes);
		st->cur_datagrams = READ_ONCE(tx->cur.datagrams);
	} else if (tx->state == KUDP_STATE_FILLING) {
		st->cur_bytes = tx->len;
	}
	st->last_bytes = tx->last.bytes;
	st->last_datagrams = tx->last.datagrams;
	st->crc32 = kudp_xfer_crc32(&tx->last);
	st->messages = tx->messages;
	st->errors = tx->errors;
	st->last_error = tx->last_error;
	st->capacity = tx->size;
	st->rejected = READ_ONCE(tx->rel.rejected) - tx->rejected_base;
	st->zerocopy_calls = READ_ONCE(tx->zc.calls) - tx->zc_calls_base;
	st->zerocopy_copied = READ_ONCE(tx->zc.copied) - tx->zc_copied_base;
	mutex_unlock(&tx->lock);
}

static void send_udp_reset(struct kudp_dev *kd)
{
	struct kudp_tx *tx = container_of(kd, struct kudp_tx, dev);

	kudp_enter("");
	mutex_lock(&tx->lock);
	tx->messages = 0;
	tx->errors = 0;
	tx->last_error = 0;
	tx->rejected_base = READ_ONCE(tx->rel.rejected);
	tx->zc_calls_base = READ_ONCE(tx->zc.calls);
	tx->zc_copied_base = READ_ONCE(tx->zc.copied);
	mutex_unlock(&tx->lock);
}

static int send_udp_discard(struct kudp_dev *kd)
{
	struct kudp_tx *tx = container_of(kd, struct kudp_tx, dev);
	int ret = 0;

	kudp_enter("");
	mutex_lock(&tx->lock);
	if (tx->state == KUDP_STATE_SENDING) {
		ret = -EBUSY;
	} else {
		/* A writer filling the buffer learns it at its next write. */
		if (tx->state == KUDP_STATE_FILLING) {
			pr_info("/dev/send_udp: the message being written (%zu bytes so far) was discarded\n",
				tx->len);
			tx->fill_error = -ECANCELED;
		}
		tx->len = 0;
	}
	mutex_unlock(&tx->lock);
	return kudp_ret(ret);
}

/* The parameter files outlive exit: a write of key may come meanwhile. */
static void send_udp_wipe_key(void)
{
	kernel_param_lock(THIS_MODULE);
	kudp_key_wipe(&key);
	kernel_param_unlock(THIS_MODULE);
}

static int __init send_udp_init(void)
{
	struct kudp_tx *tx = &sender;
	int ret;

	kudp_enter("buffer_size=%llu", buffer_size);
	kudp_set_phase(KUDP_STARTING);

	ret = kudp_crc32_init();
	if (ret)
		return kudp_ret(ret);
	tx->buf = kudp_buf_alloc(buffer_size, "buffer_size");
	if (!tx->buf) {
		ret = -ENOMEM;
		goto err_crc32;
	}
	tx->size = buffer_size;

	/*
	 * Bound, not WQ_UNBOUND: a send stays on the CPU it started on. Over
	 * loopback each datagram is queued to the sending CPU's backlog, so
	 * a send that migrated between CPUs could deliver datagrams out of
	 * order. WQ_CPU_INTENSIVE: a send over loopback never sleeps, and
	 * must not keep the other work items of its CPU's pool waiting
	 * (6.5+ would mark it so after 10 ms; 6.1 would not).
	 */
	tx->wq = alloc_workqueue("send_udp", WQ_CPU_INTENSIVE, 1);
	if (!tx->wq) {
		pr_err("cannot create the workqueue: out of memory\n");
		ret = -ENOMEM;
		goto err_free_buf;
	}
	INIT_WORK(&tx->send_work, send_udp_work);

	ret = kudp_sock_create(&tx->sock);
	if (ret)
		goto err_destroy_wq;
	kudp_sock_zerocopy(tx->sock);
	kudp_xfer_start(&tx->last);
	/* mode=reliable: message ids of this load never meet an earlier load's. */
	tx->rel.instance = get_random_u32();

	/* insmod send_udp.ko data=...: nothing else can be writing yet. */
	kernel_param_lock(THIS_MODULE);
	if (insmod_data)
		ret = send_udp_start(tx, insmod_data, strlen(insmod_data));
	kfree(insmod_data);
	insmod_data = NULL;
	kernel_param_unlock(THIS_MODULE);
	if (ret)
		goto err_release_sock;

	ret = kudp_genl_register(&tx->dev);
	if (ret)
		goto err_stop_send;
	/* Last: once the device exists, a file may be open; init cannot fail. */
	ret = kudp_dev_register(&tx->dev);
	if (ret)
		goto err_unregister_genl;

	kudp_set_phase(KUDP_READY);
	pr_info("ready: %llu-byte buffer, sending to %pI4:%u\n",
		tx->size, &dest_addr, port);
	return 0;

err_unregister_genl:
	kudp_genl_unregister();
err_stop_send:
	kernel_sock_shutdown(tx->sock, SHUT_RDWR);
	cancel_work_sync(&tx->send_work);
err_release_sock:
	sock_release(tx->sock);
err_destroy_wq:
	destroy_workqueue(tx->wq);
err_free_buf:
	vfree(tx->buf);
err_crc32:
	kudp_crc32_exit();
	send_udp_wipe_key();
	return kudp_ret(ret);
}

static void __exit send_udp_exit(void)
{
	struct kudp_tx *tx = &sender;

	kudp_enter("");
	kudp_set_phase(KUDP_STOPPING);
	kudp_dev_unregister(&tx->dev);
	/* Waits for the netlink requests in progress. */
	kudp_genl_unregister();
	/* Make a send in progress fail at its next datagram (EPIPE). */
	kernel_sock_shutdown(tx->sock, SHUT_RDWR);
	cancel_work_sync(&tx->send_work);
	sock_release(tx->sock);
	destroy_workqueue(tx->wq);
	vfree(tx->buf);
	kudp_crc32_exit();
	send_udp_wipe_key();
	pr_info("unloaded\n");
}

module_init(send_udp_init);
module_exit(send_udp_exit);

MODULE_DESCRIPTION("Send a buffer of up to 4 GiB to <ip>:8808 (or another port) over UDP, from kernel mode");
MODULE_AUTHOR("The kudp authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(KUDP_VERSION);
