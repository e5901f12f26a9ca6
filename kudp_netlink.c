// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink: the statistics on request, and events as they happen.
 *
 * Each module registers a family named after itself ("send_udp",
 * "receive_udp"; see include/uapi/kudp.h for its commands and attributes):
 *
 *   KUDP_CMD_GET_STATS  the same figures as sysfs and KUDP_IOC_GET_STATS
 *                       (the CRC-32 only for CAP_NET_ADMIN)
 *   KUDP_CMD_RESET      as KUDP_IOC_RESET, CAP_NET_ADMIN only
 *   KUDP_CMD_DISCARD    as KUDP_IOC_DISCARD, CAP_NET_ADMIN only
 *
 * and multicasts KUDP_CMD_COMPLETE, KUDP_CMD_DISCARDED and KUDP_CMD_SENT
 * events on its "events" group, which only CAP_NET_ADMIN may join.
 *
 * Requests run in the sender's process context. The family is parallel_ops:
 * genetlink does not hold its global genl_mutex around our requests, so
 * that a reset or discard that waits for the receive work holds up no
 * other family (nlctrl, WireGuard's, ...). The modules' own locks
 * serialize what the requests touch; genl_unregister_family() still waits
 * for the requests in progress (each runs under genetlink's cb_lock, read
 * side, which unregistration takes for writing). Events are sent from the
 * modules' work items, never from softirq or timer context: they allocate
 * with GFP_KERNEL.
 *
 * This object is linked into both modules; each has its own family.
 */
#include <linux/capability.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <net/genetlink.h>

#include "kudp_core.h"

#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/*
 * Requests take no attributes: every attribute is refused, with a message
 * for the sender (an attribute beyond KUDP_A_MAX is refused too).
 */
static const struct nla_policy kudp_genl_policy[KUDP_A_MAX + 1] = {
	[KUDP_A_PAD ... KUDP_A_MAX] = {
		.type = NLA_REJECT,
		.reject_message = "kudp requests take no attributes",
	},
};

static int kudp_genl_get_stats(struct sk_buff *skb, struct genl_info *info);
static int kudp_genl_reset(struct sk_buff *skb, struct genl_info *info);
static int kudp_genl_discard(struct sk_buff *skb, struct genl_info *info);

static const struct genl_ops kudp_genl_ops[] = {
	{
		.cmd = KUDP_CMD_GET_STATS,
		.doit = kudp_genl_get_stats,
		.policy = kudp_genl_policy,
		.maxattr = KUDP_A_MAX,
	},
	{
		.cmd = KUDP_CMD_RESET,
		.doit = kudp_genl_reset,
		.policy = kudp_genl_policy,
		.maxattr = KUDP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = KUDP_CMD_DISCARD,
		.doit = kudp_genl_discard,
		.policy = kudp_genl_policy,
		.maxattr = KUDP_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
};

/*
 * Events carry the message's CRC-32: only CAP_NET_ADMIN may listen. A
 * kernel without that group flag lets anyone listen: its events leave the
 * CRC-32 out.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define KUDP_EVENTS_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#else
#define KUDP_EVENTS_FLAGS	0
#endif
#define KUDP_EVENTS_PRIVATE	(KUDP_EVENTS_FLAGS != 0)

static const struct genl_multicast_group kudp_genl_mcgrps[] = {
	{ .name = KUDP_GENL_MCGRP_EVENTS, .flags = KUDP_EVENTS_FLAGS },
};

/* .name is set from the device's name before registration. */
static struct genl_family kudp_genl_family = {
	.version = KUDP_GENL_VERSION,
	.maxattr = KUDP_A_MAX,
	.policy = kudp_genl_policy,
	.module = THIS_MODULE,
	.parallel_ops = true,
	.ops = kudp_genl_ops,
	.n_ops = ARRAY_SIZE(kudp_genl_ops),
	.mcgrps = kudp_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kudp_genl_mcgrps),
};

/*
 * kudp_genl_lock protects kudp_genl_live: events are sent only while the
 * family is registered, and kudp_genl_unregister() waits for an event being
 * sent. Taken by the work items (with the module's own lock held) and by
 * register/unregister; never with genl_mutex held.
 */
static DEFINE_MUTEX(kudp_genl_lock);
static bool kudp_genl_live;
/*
 * The module's device: its callbacks answer the requests. Set before
 * registration, constant while the family is registered.
 */
static struct kudp_dev *kudp_genl_dev;

static int kudp_genl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	unsigned long hidden = kudp_genl_dev->hidden;
	struct kudp_stats st = { };
	struct sk_buff *msg;
	void *hdr;

	kudp_enter("portid=%u", info->snd_portid);
	kudp_genl_dev->snapshot(kudp_genl_dev, &st);
	if (!netlink_capable(skb, CAP_NET_ADMIN))
		hidden |= KUDP_STAT_CRC32;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return kudp_ret(-ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &kudp_genl_family, 0, KUDP_CMD_GET_STATS);
	if (!hdr || kudp_stats_put(msg, &st, hidden)) {
		nlmsg_free(msg);
		return kudp_ret(-EMSGSIZE);
	}
	genlmsg_end(msg, hdr);
	/* Consumes msg, even when it fails. */
	return kudp_ret(genlmsg_reply(msg, info));
}

static int kudp_genl_reset(struct sk_buff *skb, struct genl_info *info)
{
	kudp_enter("portid=%u", info->snd_portid);
	kudp_genl_dev->reset(kudp_genl_dev);
	return 0;
}

static int kudp_genl_discard(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	kudp_enter("portid=%u", info->snd_portid);
	ret = kudp_genl_dev->discard(kudp_genl_dev);
	if (ret == -EBUSY)
		GENL_SET_ERR_MSG(info, "a send is in progress");
	return kudp_ret(ret);
}

/**
 * kudp_genl_register() - register the module's generic netlink family
 * @kd: the module's device, whose name the family takes and whose
 *	callbacks answer requests
 *
 * Context: process context (module init), once everything the callbacks
 * use exists: requests may come as soon as it returns.
 * Return: 0, or a negative errno (logged).
 */
int kudp_genl_register(struct kudp_dev *kd)
{
	int ret;

	kudp_enter("name=%s", kd->name);
	kudp_genl_dev = kd;
	strscpy(kudp_genl_family.name, kd->name, sizeof(kudp_genl_family.name));
	ret = genl_register_family(&kudp_genl_family);
	if (ret) {
		pr_err("cannot register generic netlink family %s: error %d\n",
		       kd->name, ret);
		return kudp_ret(ret);
	}
	mutex_lock(&kudp_genl_lock);
	kudp_genl_live = true;
	mutex_unlock(&kudp_genl_lock);
	return 0;
}

/**
 * kudp_genl_unregister() - unregister the module's generic netlink family
 *
 * Waits for an event being sent and for requests in progress; no event is
 * sent after it starts.
 *
 * Context: process context (module exit), before anything a request or
 * an event reads is freed.
 */
void kudp_genl_unregister(void)
{
	kudp_enter("");
	mutex_lock(&kudp_genl_lock);
	kudp_genl_live = false;
	mutex_unlock(&kudp_genl_lock);
	genl_unregister_family(&kudp_genl_family);
}

static int kudp_genl_put_event(struct sk_buff *msg, const struct kudp_event *ev)
{
	const struct kudp_xfer *xfer = ev->xfer;

	if (nla_put_u64_64bit(msg, KUDP_A_SEQ, ev->seq, KUDP_A_PAD) ||
	    nla_put_u64_64bit(msg, KUDP_A_BYTES, xfer->bytes, KUDP_A_PAD) ||
	    nla_put_u64_64bit(msg, KUDP_A_DATAGRAMS, xfer->datagrams, KUDP_A_PAD))
		return -EMSGSIZE;

	switch (ev->cmd) {
	case KUDP_CMD_COMPLETE:
		if (nla_put_u32(msg, KUDP_A_REASON, ev->reason))
			return -EMSGSIZE;
		break;
	case KUDP_CMD_DISCARDED:
		return nla_put_u32(msg, KUDP_A_CAUSE, ev->cause);
	case KUDP_CMD_SENT:
		if (nla_put_s32(msg, KUDP_A_RESULT, ev->result))
			return -EMSGSIZE;
		break;
	default:
		return -EINVAL;
	}
	if ((KUDP_EVENTS_PRIVATE &&
	     nla_put_u32(msg, KUDP_A_CRC32, kudp_xfer_crc32(xfer))) ||
	    nla_put_u64_64bit(msg, KUDP_A_DURATION_NS, kudp_xfer_duration_ns(xfer),
			      KUDP_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/**
 * kudp_genl_notify() - multicast an event to the "events" group
 * @ev: the event
 *
 * Nothing is allocated when nobody listens. An event that cannot be
 * allocated is lost, with a (rate-limited) log line; a listener whose
 * socket is full misses it (and gets ENOBUFS on its socket).
 *
 * Context: process context (the modules' work items); sleeps.
 */
void kudp_genl_notify(const struct kudp_event *ev)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	mutex_lock(&kudp_genl_lock);
	if (!kudp_genl_live ||
	    !genl_has_listeners(&kudp_genl_family, &init_net, 0))
		goto out;

	ret = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		goto err;
	hdr = genlmsg_put(msg, 0, 0, &kudp_genl_family, 0, ev->cmd);
	ret = hdr ? kudp_genl_put_event(msg, ev) : -EMSGSIZE;
	if (ret) {
		nlmsg_free(msg);
		goto err;
	}
	genlmsg_end(msg, hdr);
	/* Consumes msg, even when it fails. ESRCH: the listeners left. */
	ret = genlmsg_multicast(&kudp_genl_family, msg, 0, 0, GFP_KERNEL);
	if (ret && ret != -ESRCH)
		kudp_dbg_rl("event %u of message %llu: a listener missed it (error %d)\n",
			    ev->cmd, ev->seq, ret);
	goto out;
err:
	pr_warn_ratelimited("event %u of message %llu lost: error %d\n",
			    ev->cmd, ev->seq, ret);
out:
	mutex_unlock(&kudp_genl_lock);
}
