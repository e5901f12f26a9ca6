/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The user-space interface of send_udp and receive_udp: the ioctls of
 * /dev/send_udp and /dev/receive_udp and the statistics they report (the
 * same figures as the files in /sys/class/{send,receive}_udp/{send,receive}_udp/),
 * and the generic netlink families that report the same figures and
 * announce events.
 */
#ifndef _UAPI_KUDP_H
#define _UAPI_KUDP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The UDP port both modules use unless their "port" parameter says otherwise. */
#define KUDP_PORT		8808

/* enum kudp_state: struct kudp_stats.state */
enum kudp_state {
	KUDP_STATE_IDLE,	/* send_udp: no message being written or sent */
	KUDP_STATE_FILLING,	/* send_udp: a writer has /dev/send_udp open */
	KUDP_STATE_SENDING,	/* send_udp: a send is queued or running */
	KUDP_STATE_EMPTY,	/* receive_udp: no message */
	KUDP_STATE_RECEIVING,	/* receive_udp: datagrams are being collected */
	KUDP_STATE_COMPLETE,	/* receive_udp: a completed message is readable */
};

/* enum kudp_reason: why receive_udp's last message completed */
enum kudp_reason {
	KUDP_REASON_NONE,	/* no message has completed */
	KUDP_REASON_IDLE,	/* no datagram for 5 seconds */
	KUDP_REASON_FULL,	/* the buffer is full */
	KUDP_REASON_WHOLE,	/* mode=reliable: every byte there, CRC-32 right */
};

#define KUDP_STATS_VERSION	3

/**
 * struct kudp_stats - what KUDP_IOC_GET_STATS returns
 * @size: in: the size of the caller's structure; out: the bytes filled
 *	(the smaller of the caller's and the kernel's size)
 * @version: out: %KUDP_STATS_VERSION
 * @state: &enum kudp_state
 * @reason: &enum kudp_reason of the last completed message (receive_udp)
 * @seq: sequence number of the last completed message (receive_udp) or of
 *	the last finished send (send_udp); 0 before the first; never reset
 * @cur_bytes: bytes of the current message so far (written or sent by
 *	send_udp, received by receive_udp): the progress of a transfer
 * @cur_datagrams: datagrams of the current message so far
 * @last_bytes: bytes of the last completed message or finished send
 * @last_datagrams: datagrams of the last completed message or finished send
 * @messages: messages completed (sends finished) since load or reset
 * @overflow_bytes: payload bytes dropped because the buffer was full
 *	(receive_udp)
 * @drops: datagrams the socket dropped (receive_udp: receive buffer full)
 * @udp_errors: growth of the system's UDP InErrors counter (which
 *	includes receive-buffer drops) since load or reset (receive_udp)
 * @errors: failed sends (send_udp) or receive errors (receive_udp)
 * @last_error: negative errno of the last error, or 0
 * @crc32: CRC-32 of the last message, as zlib's crc32() computes it
 * @capacity: size of the module's buffer in bytes
 * @rejected: datagrams dropped because their source is not the receiver's
 *	peer parameter (receive_udp; version 2)
 * @zerocopy_calls: send_udp's calls with MSG_ZEROCOPY (zerocopy=1) that
 *	the stack has said it is done with, since load or reset (version 3)
 * @zerocopy_copied: of those, the calls whose bytes the stack copied after
 *	all (the route's device takes no pages, or the destination is this
 *	machine) (version 3)
 */
struct kudp_stats {
	__u32 size;
	__u32 version;
	__u32 state;
	__u32 reason;
	__u64 seq;
	__u64 cur_bytes;
	__u64 cur_datagrams;
	__u64 last_bytes;
	__u64 last_datagrams;
	__u64 messages;
	__u64 overflow_bytes;
	__u64 drops;
	__u64 udp_errors;
	__u64 errors;
	__s32 last_error;
	__u32 crc32;
	__u64 capacity;
	__u64 rejected;
	__u64 zerocopy_calls;
	__u64 zerocopy_copied;
};

#define KUDP_IOC_MAGIC		0xB9

/*
 * Both devices. RESET and DISCARD need CAP_NET_ADMIN. GET_STATS is
 * recognised whatever size its command number encodes: the size field of
 * struct kudp_stats versions it, so that a program built with an older or
 * a newer header gets the fields both know.
 */
#define KUDP_IOC_GET_STATS	_IOWR(KUDP_IOC_MAGIC, 1, struct kudp_stats)
/* Zero the counters (messages, errors, overflow_bytes, drops); not seq. */
#define KUDP_IOC_RESET		_IO(KUDP_IOC_MAGIC, 2)
/*
 * Throw the buffer's message away (send_udp: EBUSY while sending; a message
 * being written is cancelled, its writer gets ECANCELED). The writer of
 * /dev/send_udp may discard its own message without CAP_NET_ADMIN.
 */
#define KUDP_IOC_DISCARD	_IO(KUDP_IOC_MAGIC, 3)
/* /dev/receive_udp: the sequence number of the message this open file
 * read (0 before its first read).
 */
#define KUDP_IOC_GET_SEQ	_IOR(KUDP_IOC_MAGIC, 4, __u64)

/*
 * /dev/send_udp, the writer's own file (the one open for writing): where
 * and how this message goes, instead of what send_udp's parameters say.
 * The fields that @flags names replace the parameters of the same names
 * for this send alone; the others are the parameters' when the send is
 * queued (at the writer's last close). Each call replaces the previous
 * one's settings (flags 0: none). Values are checked as the parameters
 * check theirs: EINVAL for an address that ip refuses, port 0, an unknown
 * mode or flag, or pad not 0; EBADF on a file that is not the writer.
 * No privilege beyond the open file is needed: the writer could send UDP
 * anywhere with a socket of its own.
 */
#define KUDP_OVERRIDE_ADDR	(1U << 0)	/* @addr replaces ip */
#define KUDP_OVERRIDE_PORT	(1U << 1)	/* @port replaces port */
#define KUDP_OVERRIDE_RATE	(1U << 2)	/* @rate replaces rate */
#define KUDP_OVERRIDE_MODE	(1U << 3)	/* @mode replaces mode */

/* struct kudp_send_override.mode: the mode parameter's values */
#define KUDP_OVERRIDE_MODE_RAW		0
#define KUDP_OVERRIDE_MODE_RELIABLE	1

/**
 * struct kudp_send_override - KUDP_IOC_SEND_OVERRIDE's argument
 * @flags: KUDP_OVERRIDE_* bits: the fields below that apply
 * @addr: the destination, an IPv4 address in network byte order; one
 *	host's (not multicast, broadcast or 0.0.0.0)
 * @rate: bytes per second on the wire; 0 for as fast as possible
 * @port: the destination's UDP port, 1 to 65535, host byte order
 * @pad: 0
 * @mode: %KUDP_OVERRIDE_MODE_RAW or %KUDP_OVERRIDE_MODE_RELIABLE
 */
struct kudp_send_override {
	__u32 flags;
	__be32 addr;
	__u64 rate;
	__u16 port;
	__u16 pad;
	__u32 mode;
};

#define KUDP_IOC_SEND_OVERRIDE	_IOW(KUDP_IOC_MAGIC, 5, struct kudp_send_override)

/*
 * Generic netlink. Each module registers a family named after itself
 * ("send_udp", "receive_udp"), version KUDP_GENL_VERSION, with one
 * multicast group, KUDP_GENL_MCGRP_EVENTS.
 *
 * Requests (no attributes: a request carrying any is refused with EINVAL):
 *   KUDP_CMD_GET_STATS  reply: the statistics attributes, the same figures
 *                       as struct kudp_stats; anyone may ask
 *   KUDP_CMD_RESET      as KUDP_IOC_RESET; needs CAP_NET_ADMIN
 *   KUDP_CMD_DISCARD    as KUDP_IOC_DISCARD; needs CAP_NET_ADMIN
 *
 * Events, on the "events" group:
 *   KUDP_CMD_COMPLETE   receive_udp completed a message: SEQ, BYTES,
 *                       DATAGRAMS, CRC32, REASON, DURATION_NS
 *   KUDP_CMD_DISCARDED  receive_udp threw a message away: SEQ (0 for a
 *                       message that never completed), BYTES, DATAGRAMS,
 *                       CAUSE
 *   KUDP_CMD_SENT       send_udp finished a send: SEQ, BYTES (sent),
 *                       DATAGRAMS, CRC32 (of the bytes sent), RESULT,
 *                       DURATION_NS
 */
#define KUDP_GENL_VERSION	1
#define KUDP_GENL_MCGRP_EVENTS	"events"

enum kudp_cmd {
	KUDP_CMD_UNSPEC,
	KUDP_CMD_GET_STATS,	/* request, and its reply */
	KUDP_CMD_RESET,
	KUDP_CMD_DISCARD,
	KUDP_CMD_COMPLETE,	/* event */
	KUDP_CMD_DISCARDED,	/* event */
	KUDP_CMD_SENT,		/* event */

	__KUDP_CMD_MAX,
	KUDP_CMD_MAX = __KUDP_CMD_MAX - 1
};

/* enum kudp_cause: KUDP_A_CAUSE of a KUDP_CMD_DISCARDED event */
enum kudp_cause {
	KUDP_CAUSE_REQUEST = 1,	/* KUDP_IOC_DISCARD or KUDP_CMD_DISCARD */
	KUDP_CAUSE_REPLACED,	/* a datagram started a new message */
	KUDP_CAUSE_INCOMPLETE,	/* mode=reliable: 5 s without data, not whole */
	KUDP_CAUSE_CRC,		/* mode=reliable: the CRC-32 announced differs */
};

enum kudp_attr {
	KUDP_A_UNSPEC,
	KUDP_A_PAD,
	/* The statistics: see struct kudp_stats for each field. */
	KUDP_A_STATE,		/* u32 */
	KUDP_A_REASON,		/* u32, enum kudp_reason */
	KUDP_A_SEQ,		/* u64 */
	KUDP_A_CUR_BYTES,	/* u64 */
	KUDP_A_CUR_DATAGRAMS,	/* u64 */
	KUDP_A_LAST_BYTES,	/* u64 */
	KUDP_A_LAST_DATAGRAMS,	/* u64 */
	KUDP_A_MESSAGES,	/* u64 */
	KUDP_A_OVERFLOW_BYTES,	/* u64, receive_udp */
	KUDP_A_DROPS,		/* u64, receive_udp */
	KUDP_A_UDP_ERRORS,	/* u64, receive_udp */
	KUDP_A_ERRORS,		/* u64 */
	KUDP_A_LAST_ERROR,	/* s32 */
	KUDP_A_CRC32,		/* u32 */
	KUDP_A_CAPACITY,	/* u64 */
	/* Events only. */
	KUDP_A_BYTES,		/* u64: the message's (or send's) bytes */
	KUDP_A_DATAGRAMS,	/* u64 */
	KUDP_A_DURATION_NS,	/* u64: first to last datagram */
	KUDP_A_RESULT,		/* s32: 0, or the send's negative errno */
	KUDP_A_CAUSE,		/* u32, enum kudp_cause */
	KUDP_A_REJECTED,	/* u64 */
	KUDP_A_ZEROCOPY_CALLS,	/* u64, send_udp */
	KUDP_A_ZEROCOPY_COPIED,	/* u64, send_udp */

	__KUDP_A_MAX,
	KUDP_A_MAX = __KUDP_A_MAX - 1
};

#endif /* _UAPI_KUDP_H */
