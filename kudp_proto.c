// SPDX-License-Identifier: GPL-2.0
/*
 * kudp's reliable mode on the wire: the checks every received datagram
 * passes before anything acts on it (Documentation/protocol.rst, "What a
 * forged or malformed datagram can do"). Linked into both modules.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#ifdef KUDP_HAVE_LINUX_UNALIGNED
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

#include "kudp_proto.h"

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
	u32 seg;
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
		if (off >= total || off % seg ||
		    len - hdr != min_t(u64, seg, total - off))
			return -EBADMSG;
		break;
	case KUDP_T_NACK:
		if ((len - hdr) / sizeof(n->range[0]) < get_unaligned_be32(&n->ranges))
			return -EBADMSG;
		break;
	}
	return c->type;
}
