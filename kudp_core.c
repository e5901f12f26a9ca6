// SPDX-License-Identifier: GPL-2.0
/*
 * The core both modules link: the debug switch, the phase gate of a
 * module's life, the buffer, the socket's creation, control messages, and
 * the per-message counters. The other shared objects hold one concern
 * each: kudp_param.c (parameter operations), kudp_dev.c (the device and
 * its statistics), kudp_netlink.c (the netlink family), kudp_wire.c (the
 * reliable mode's wire format), kudp_parse.c (the parameters' text);
 * kudp_send.c is send_udp's alone, kudp_recv.c receive_udp's.
 */
#include <linux/crc32.h>
#include <linux/in.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/socket.h>
#include <linux/vmalloc.h>
#include <net/sock.h>

#include "kudp_core.h"

/*
 * KBUILD_MODNAME is not the name of either module in the objects both
 * modules link (Kbuild names such an object after both), so their log
 * prefix comes from THIS_MODULE, which resolves to the module this copy
 * is linked into. Defined after the includes: inline functions in headers
 * expand pr_fmt too. Every shared object does the same.
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
	kudp_assert_param_lock();
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
	kudp_assert_param_lock();
	if (likely(kudp_cur_phase == KUDP_READY))
		return 0;
	pr_warn_ratelimited("%s: the module is %s; try again later\n", kp->name,
			    kudp_cur_phase == KUDP_STOPPING ? "unloading" : "still loading");
	return -ENODEV;
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
 * kudp_msg_cmsg() - give a message one control message
 * @msg: the message
 * @control: where the control message goes: a CMSG_SPACE(@len) buffer,
 *	aligned for a struct cmsghdr
 * @room: its bytes
 * @level: the control message's level (SOL_UDP, SOL_IP)
 * @type: its type (UDP_SEGMENT, IP_PKTINFO)
 * @data: its data
 * @len: bytes at @data
 *
 * The sender's UDP_SEGMENT and the receiver's IP_PKTINFO.
 *
 * Context: any.
 */
void kudp_msg_cmsg(struct msghdr *msg, void *control, size_t room, int level, int type,
		   const void *data, size_t len)
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
