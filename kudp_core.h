/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What send_udp and receive_udp share.
 *
 * kudp_core.o is linked into both modules, so each module carries its own
 * copy of everything declared here: its own debug flag, its own "ready"
 * gate, its own log prefix (THIS_MODULE resolves to the module the copy is
 * linked into).
 */
#ifndef _KUDP_CORE_H
#define _KUDP_CORE_H

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/lockdep.h>
#include <linux/in.h>
#include <linux/moduleparam.h>
#include <linux/net.h>
#include <linux/printk.h>
#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "uapi/kudp.h"
#include "kudp_key.h"
#include "kudp_parse.h"

#define KUDP_VERSION		"0.2.0"
/* Largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
#define KUDP_MAX_PAYLOAD	65507U
/* IPv4 header (no options) plus UDP header, subtracted from a route's MTU. */
#define KUDP_HEADERS		28U
/* At most this much is copied from or to user space with a lock held. */
#define KUDP_IO_CHUNK		SZ_1M
/* Default buffer size of both modules: 4 GiB. */
#define KUDP_DEFAULT_BUFSIZE	(4ULL << 30)

/*
 * Debug output. Both macros cost one test of a global when debug is off.
 * kudp_dbg() is for events that happen a bounded number of times per
 * message; kudp_dbg_rl() is rate-limited (10 lines per 5 s per call site)
 * and is the one to use on any per-datagram path.
 */
extern int kudp_debug;

#define kudp_dbg(fmt, ...)						\
	do {								\
		if (unlikely(READ_ONCE(kudp_debug)))			\
			pr_info(fmt, ##__VA_ARGS__);			\
	} while (0)

#define kudp_dbg_rl(fmt, ...)						\
	do {								\
		if (unlikely(READ_ONCE(kudp_debug)))			\
			pr_info_ratelimited(fmt, ##__VA_ARGS__);	\
	} while (0)

/* "entered <function>(<its parameters>)" */
#define kudp_enter(fmt, ...)	kudp_dbg("%s(" fmt ")\n", __func__, ##__VA_ARGS__)

/* Log a negative return value on the way out, then return it. */
#define kudp_ret(err)							\
	({								\
		typeof(err) __err = (err);				\
		if (__err < 0)						\
			kudp_dbg("%s: returns %d\n", __func__, (int)__err); \
		__err;							\
	})

/*
 * hrtimer_setup() appeared in 6.13 and replaced hrtimer_init(), which went
 * away in 6.15. Kbuild defines KUDP_HAVE_HRTIMER_SETUP when the kernel's
 * headers declare it.
 */
static inline void kudp_hrtimer_setup(struct hrtimer *timer,
				      enum hrtimer_restart (*fn)(struct hrtimer *),
				      clockid_t clock, enum hrtimer_mode mode)
{
#ifdef KUDP_HAVE_HRTIMER_SETUP
	hrtimer_setup(timer, fn, clock, mode);
#else
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
#endif
}

/**
 * enum kudp_phase - where a module is in its life, as parameter callbacks
 * see it
 * @KUDP_LOADING: insmod is parsing the command line; init has not run yet.
 *	A set callback may only store its value.
 * @KUDP_STARTING: the parameter files exist, and init has not finished.
 * @KUDP_READY: init has finished; the socket and buffer exist.
 * @KUDP_STOPPING: exit has started (the parameter files still exist).
 */
enum kudp_phase {
	KUDP_LOADING,
	KUDP_STARTING,
	KUDP_READY,
	KUDP_STOPPING,
};

/*
 * Every parameter callback runs with kernel_param_lock(THIS_MODULE) held,
 * insmod's and sysfs's: functions that count on it say so with this.
 */
#define kudp_assert_param_lock()	lockdep_assert_held(&THIS_MODULE->param_lock)

enum kudp_phase kudp_phase(void);
void kudp_set_phase(enum kudp_phase phase);
int kudp_param_check_ready(const struct kernel_param *kp);

/* Parameter operations and helpers (kudp_param.c). */
extern const struct kernel_param_ops kudp_param_ops_size;
extern const struct kernel_param_ops kudp_param_ops_stat;
extern const struct kernel_param_ops kudp_param_ops_rate;
extern const struct kernel_param_ops kudp_param_ops_switch;
extern const struct kernel_param_ops kudp_param_ops_mode;
extern const struct kernel_param_ops kudp_param_ops_seconds;
extern const struct kernel_param_ops kudp_param_ops_port;
extern const struct kernel_param_ops kudp_param_ops_key;
int kudp_param_parse_switch(const char *val, const struct kernel_param *kp, bool *on);
int kudp_param_parse_key(const char *val, const struct kernel_param *kp, struct kudp_key *key);
int kudp_param_get_switch(char *buf, const struct kernel_param *kp);
int kudp_param_set_readonly(const char *val, const struct kernel_param *kp);

void *kudp_buf_alloc(u64 size, const char *param);

int kudp_sock_create(struct socket **res);
int kudp_sock_bind(struct socket *sock, u16 port, const char *ifname);
int kudp_sock_join(struct socket *sock, __be32 group, const char *ifname);
int kudp_sock_connect(struct socket *sock, __be32 addr, u16 port);
void kudp_sock_disconnect(struct socket *sock);
void kudp_msg_cmsg(struct msghdr *msg, void *control, size_t room, int level, int type,
		   const void *data, size_t len);
int kudp_sock_answer(struct socket *sock, const struct sockaddr_in *to, __be32 local,
		     const void *buf, size_t len);
size_t kudp_sock_payload(struct socket *sock, unsigned int fixed);
int kudp_sock_set_mc_ttl(struct socket *sock, unsigned int ttl);

/**
 * struct kudp_xfer - what one message moved so far
 * @bytes: payload bytes sent or stored
 * @datagrams: datagrams sent or received
 * @crc: running CRC-32 state (crc32_le() from ~0); kudp_xfer_crc32() gives
 *	the value. kudp_xfer_add() leaves it alone: each side computes it off
 *	the datagram path (send_udp while the buffer is filled, receive_udp
 *	on another CPU while the socket is drained)
 * @first_ns: when the first datagram was sent or stored (ktime_get_ns())
 * @last_ns: when the last one was
 *
 * Written with WRITE_ONCE() so that statistics may read a transfer's
 * progress without stopping it.
 */
struct kudp_xfer {
	u64 bytes;
	u64 datagrams;
	u32 crc;
	u64 first_ns;
	u64 last_ns;
};

void kudp_xfer_start(struct kudp_xfer *xfer);
void kudp_xfer_add(struct kudp_xfer *xfer, size_t len, unsigned int datagrams);
u32 kudp_xfer_crc32(const struct kudp_xfer *xfer);
u64 kudp_xfer_duration_ns(const struct kudp_xfer *xfer);

/**
 * struct kudp_zc - a sending socket's zero-copy calls (MSG_ZEROCOPY)
 * @notified: the socket's zero-copy calls that the stack has said it is
 *	done with (their pages referenced no more), since the socket was
 *	made. The socket numbers these calls from 0 (sk_zckey) and says each
 *	once; a call that failed before it was numbered is not counted
 * @calls: zero-copy calls notified since the module was loaded
 * @copied: of those, the calls in notifications that say the stack
 *	copied the bytes after all (a device without scatter-gather and
 *	checksum offload, a delivery to a socket of this machine). The
 *	kernel says it of a range of calls at once
 *
 * Written by the send work alone (kudp_send(), kudp_zc_wait()); the
 * statistics read @calls and @copied with READ_ONCE().
 */
struct kudp_zc {
	u32 notified;
	u64 calls;
	u64 copied;
};

/**
 * struct kudp_send_opts - how kudp_send() sends a message
 * @payload: bytes per datagram (the last one may be shorter), at least 1,
 *	header not included
 * @gso: hand the stack up to 64 KiB per call, cut by UDP GSO
 * @no_gso: where the route's refusal of UDP GSO is remembered, for the
 *	calls that follow with these options (one message's, on the route
 *	its connect chose: they go one datagram per call without trying
 *	again); NULL: for this call alone
 * @rate: bytes per second on the wire, 0 for as fast as the socket takes
 *	them
 * @next_ns: with @rate, when the next bytes may go, kept across calls (the
 *	reliable mode's resends follow the schedule of its first pass); NULL
 *	for a schedule of this call's own, from now
 * @hdr_len: bytes of a header before each datagram's payload; 0 for none
 *	(the raw mode)
 * @hdr: fills the @hdr_len-byte header @hdr of the datagram that carries
 *	the @len bytes at @payload; process context
 * @ctx: @hdr's last argument
 * @nowait: return after the last call, without waiting for the datagrams
 *	to leave the machine (the reliable mode: its CLOSE tells more)
 * @to: where every datagram goes, on a socket that is not connected (the
 *	reliable mode to a group); NULL: the connected peer
 * @zc: send the payload from the buffer's own pages (MSG_ZEROCOPY on a
 *	socket kudp_sock_zerocopy() prepared), counting the calls here;
 *	NULL: copy it. The buffer must come from vmalloc(); only without a
 *	header (@hdr_len 0)
 */
struct kudp_send_opts {
	size_t payload;
	bool gso;
	bool *no_gso;
	u64 rate;
	u64 *next_ns;
	bool nowait;
	const struct sockaddr_in *to;
	size_t hdr_len;
	void (*hdr)(void *hdr, const void *payload, size_t len, void *ctx);
	void *ctx;
	struct kudp_zc *zc;
};

/**
 * struct kudp_dgram - a receive taken off a socket by kudp_recv_skb()
 * @skb: it; its data is the UDP payload, whose checksum is verified
 * @len: payload bytes
 * @from: the source address and port
 * @to: the local address it was sent to: answers go from there (0 if it
 *	was not a unicast address of this host's)
 * @seg_size: 0 for one datagram; else UDP GRO coalesced datagrams of this
 *	many bytes (the last may be shorter)
 */
struct kudp_dgram {
	struct sk_buff *skb;
	size_t len;
	struct sockaddr_in from;
	__be32 to;
	unsigned int seg_size;
};

/* How long kudp_send() waits for its datagrams to leave the machine. */
#define KUDP_LEAVE_TIMEOUT_MS	10000

int kudp_send(struct socket *sock, const void *buf, size_t len,
	      const struct kudp_send_opts *opts, struct kudp_xfer *xfer);
void kudp_sock_zerocopy(struct socket *sock);
int kudp_zc_wait(struct socket *sock, struct kudp_zc *zc, long timeout);
int kudp_sock_set_gro(struct socket *sock, bool on);
int kudp_recv(struct socket *sock, void *buf, size_t room, struct sockaddr_in *from);
int kudp_recv_skb(struct socket *sock, struct kudp_dgram *dg);
void kudp_dgram_free(struct socket *sock, struct kudp_dgram *dg);
unsigned int kudp_dgram_count(const struct kudp_dgram *dg, size_t len);

/**
 * struct kudp_dev - a module's character device and its statistics
 * @name: the device's name: /dev/<name>, /sys/class/<name>/<name>/
 * @fops: its file operations (.owner = THIS_MODULE)
 * @snapshot: fills a &struct kudp_stats with the module's figures (all
 *	but @size and @version); process context, may sleep
 * @reset: zeroes the counters (KUDP_IOC_RESET)
 * @discard: throws the buffer's message away (KUDP_IOC_DISCARD)
 * @hidden: KUDP_STAT_* bits of the statistics files this module does not
 *	have
 * @devt: its device number
 * @cdev: the character device
 * @class: its class (one per module: two modules cannot share one)
 * @device: the device, parent of the statistics files
 *
 * A plain character device rather than a misc device: misc_open() calls
 * ->open() with the global misc_mtx held, and /dev/send_udp's open may wait
 * for a send to finish.
 *
 * The core gives both devices the same statistics files, one value each,
 * the same GET_STATS, RESET and DISCARD ioctls, and the same generic
 * netlink family (kudp_netlink.c), all filled by @snapshot: sysfs, ioctl
 * and netlink cannot disagree.
 */
struct kudp_dev {
	const char *name;
	const struct file_operations *fops;
	void (*snapshot)(struct kudp_dev *kd, struct kudp_stats *st);
	void (*reset)(struct kudp_dev *kd);
	int (*discard)(struct kudp_dev *kd);
	unsigned long hidden;
	dev_t devt;
	struct cdev cdev;
	struct class *class;
	struct device *device;
};

/* Bits for &kudp_dev.hidden, and for kudp_stats_put(). */
#define KUDP_STAT_REASON	BIT(0)
#define KUDP_STAT_OVERFLOW	BIT(1)
#define KUDP_STAT_DROPS		BIT(2)
/* The CRC-32: only for CAP_NET_ADMIN (root, for its file). */
#define KUDP_STAT_CRC32		BIT(3)
/* Datagrams refused by receive_udp's peer parameter. */
#define KUDP_STAT_REJECTED	BIT(4)
/* send_udp's zero-copy calls. */
#define KUDP_STAT_ZEROCOPY	BIT(5)

int kudp_dev_register(struct kudp_dev *kd);
void kudp_dev_unregister(struct kudp_dev *kd);
long kudp_dev_ioctl(struct kudp_dev *kd, unsigned int cmd, unsigned long arg);
const char *kudp_state_name(u32 state);
const char *kudp_reason_name(u32 reason);
int kudp_stats_put(struct sk_buff *msg, const struct kudp_stats *st,
		   unsigned long hidden);

/**
 * struct kudp_event - what a generic netlink event announces
 * @cmd: %KUDP_CMD_COMPLETE, %KUDP_CMD_DISCARDED or %KUDP_CMD_SENT
 * @seq: the message's (or send's) sequence number
 * @xfer: its bytes, datagrams, CRC-32 and duration
 * @reason: &enum kudp_reason (%KUDP_CMD_COMPLETE)
 * @cause: &enum kudp_cause (%KUDP_CMD_DISCARDED)
 * @result: 0 or a negative errno (%KUDP_CMD_SENT)
 */
struct kudp_event {
	enum kudp_cmd cmd;
	u64 seq;
	const struct kudp_xfer *xfer;
	u32 reason;
	u32 cause;
	int result;
};

/*
 * Generic netlink (kudp_netlink.c): the modules register their family in
 * init just before their device, and unregister it in exit just after.
 */
int kudp_genl_register(struct kudp_dev *kd);
void kudp_genl_unregister(void);
void kudp_genl_notify(const struct kudp_event *ev);

#endif /* _KUDP_CORE_H */
