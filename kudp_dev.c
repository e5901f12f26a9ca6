// SPDX-License-Identifier: GPL-2.0
/*
 * The character device both modules register, with its statistics: one
 * table (KUDP_STAT_ATTR) feeds the sysfs files, the statistics
 * parameters, the ioctl and netlink (kudp_stats_put()).
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/netlink.h>

#include "kudp_core.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

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

	kd->snapshot(kd, &st);
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
KUDP_STAT_ATTR(zerocopy_calls, 0444, KUDP_KIND_U64, KUDP_STAT_ZEROCOPY, KUDP_A_ZEROCOPY_CALLS);
KUDP_STAT_ATTR(zerocopy_copied, 0444, KUDP_KIND_U64, KUDP_STAT_ZEROCOPY, KUDP_A_ZEROCOPY_COPIED);

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
	&kudp_stat_zerocopy_calls.attr.attr,
	&kudp_stat_zerocopy_copied.attr.attr,
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
 * kudp_dev_register() - create /dev/<name> and its statistics files
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
	/*
	 * Last, and nothing after it can fail: from here on the device can be
	 * opened, and an open file holds the module, which a failed init
	 * would free regardless.
	 */
	cdev_init(&kd->cdev, kd->fops);
	kd->cdev.owner = kd->fops->owner;
	ret = cdev_add(&kd->cdev, kd->devt, 1);
	if (ret)
		goto err_destroy_device;
	return 0;

err_destroy_device:
	device_destroy(kd->class, kd->devt);
err_destroy_class:
	class_destroy(kd->class);
err_unregister_region:
	unregister_chrdev_region(kd->devt, 1);
err:
	pr_err("cannot create /dev/%s: error %d\n", kd->name, ret);
	return kudp_ret(ret);
}

/**
 * kudp_dev_unregister() - remove /dev/<name> and its statistics files
 * @kd: the device
 *
 * Waits for statistics reads in progress. No file of the device is open:
 * an open file holds a reference to the module.
 *
 * Context: process context (module exit), first thing.
 */
void kudp_dev_unregister(struct kudp_dev *kd)
{
	kudp_enter("name=%s", kd->name);
	cdev_del(&kd->cdev);
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
	kd->snapshot(kd, &st);
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
			return kudp_ret(kd->discard(kd));
		kd->reset(kd);
		return 0;
	}
	return -ENOTTY;
}
