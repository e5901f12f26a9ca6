/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The user-space interface of send_udp and receive_udp: the ioctls of
 * /dev/send_udp and /dev/receive_udp and the statistics they report (the
 * same figures as the files in /sys/class/{send,receive}_udp/{send,receive}_udp/).
 */
#ifndef _UAPI_KUDP_H
#define _UAPI_KUDP_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* The UDP port both modules use. */
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
};

#define KUDP_STATS_VERSION	1

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
};

#define KUDP_IOC_MAGIC		0xB9

/* Both devices. RESET and DISCARD need CAP_NET_ADMIN. */
#define KUDP_IOC_GET_STATS	_IOWR(KUDP_IOC_MAGIC, 1, struct kudp_stats)
/* Zero the counters (messages, errors, overflow, drops); not seq. */
#define KUDP_IOC_RESET		_IO(KUDP_IOC_MAGIC, 2)
/* Throw the buffer's message away (send_udp: EBUSY while sending). */
#define KUDP_IOC_DISCARD	_IO(KUDP_IOC_MAGIC, 3)
/* /dev/receive_udp: the sequence number of the message this open file
 * read (0 before its first read).
 */
#define KUDP_IOC_GET_SEQ	_IOR(KUDP_IOC_MAGIC, 4, __u64)

#endif /* _UAPI_KUDP_H */
