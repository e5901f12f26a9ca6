// SPDX-License-Identifier: GPL-2.0
/*
 * The parameter operations both modules use: sizes, rates, switches, the
 * mode, seconds (hold, idle), the port and read-only parameters. What the
 * text means is kudp_parse.c's; these log what is wrong and store what is
 * right.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "kudp_core.h"

/* The module this copy is linked into names the log lines (kudp_core.c). */
#undef pr_fmt
#define pr_fmt(fmt) "%s: " fmt, THIS_MODULE->name

/*
 * A number of bytes, with an optional K, M or G suffix ("64M"), into @res;
 * 0 only if @zero_ok. A bad value is logged and changes nothing.
 */
static int kudp_param_parse_bytes(const char *val, const struct kernel_param *kp,
				  bool zero_ok, u64 *res)
{
	kudp_enter("%s=%s", kp->name, val);
	if (kudp_parse_bytes(val, zero_ok, res)) {
		pr_err("%s: '%s' is not a number of bytes%s (suffixes K, M, G allowed)\n",
		       kp->name, val, zero_ok ? "" : " above 0");
		return kudp_ret(-EINVAL);
	}
	return 0;
}

/* A size in bytes ("64M"); not zero. */
static int kudp_param_set_size(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_bytes(val, kp, false, kp->arg);
}

/* A rate in bytes per second ("10M"); 0 for no limit. */
static int kudp_param_set_rate(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_bytes(val, kp, true, kp->arg);
}

static int kudp_param_get_u64(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", *(u64 *)kp->arg);
}

/* A u64 size in bytes: module_param_cb(name, &kudp_param_ops_size, &var, perm). */
const struct kernel_param_ops kudp_param_ops_size = {
	.set = kudp_param_set_size,
	.get = kudp_param_get_u64,
};

/* A u64 rate in bytes per second, 0 for unlimited; the same text as a size. */
const struct kernel_param_ops kudp_param_ops_rate = {
	.set = kudp_param_set_rate,
	.get = kudp_param_get_u64,
};

/**
 * kudp_param_parse_switch() - read a switch parameter's value
 * @val: what was written: "0" or "1", a trailing newline accepted
 * @kp: the parameter
 * @on: where the value goes
 *
 * Stricter than the kernel's bool parameters, which take "1abc" for "1".
 *
 * Context: a parameter callback.
 * Return: 0, or -EINVAL (and a log line) for anything else.
 */
int kudp_param_parse_switch(const char *val, const struct kernel_param *kp, bool *on)
{
	if (kudp_parse_switch(val, on)) {
		pr_err("%s: '%s' is not 0 (off) or 1 (on)\n", kp->name, val);
		return kudp_ret(-EINVAL);
	}
	return 0;
}

static int kudp_param_set_switch(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_switch(val, kp, kp->arg);
}

/**
 * kudp_param_get_switch() - show a switch parameter: "0" or "1"
 * @buf: the page to write
 * @kp: the parameter; @kp->arg points to its bool
 *
 * Context: a parameter callback.
 * Return: bytes written.
 */
int kudp_param_get_switch(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", *(bool *)kp->arg);
}

/* A bool shown and set as 0 or 1: module_param_cb(name, &kudp_param_ops_switch, &var, perm). */
const struct kernel_param_ops kudp_param_ops_switch = {
	.set = kudp_param_set_switch,
	.get = kudp_param_get_switch,
};

/* mode: "raw" or "reliable", a trailing newline accepted. */
static int kudp_param_set_mode(const char *val, const struct kernel_param *kp)
{
	int i = kudp_parse_mode(val);

	if (i < 0) {
		pr_err("%s: '%s' is not raw or reliable\n", kp->name, val);
		return kudp_ret(-EINVAL);
	}
	*(enum kudp_mode *)kp->arg = i;
	return 0;
}

static int kudp_param_get_mode(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kudp_mode_name(*(enum kudp_mode *)kp->arg));
}

/* An &enum kudp_mode shown and set by name. */
const struct kernel_param_ops kudp_param_ops_mode = {
	.set = kudp_param_set_mode,
	.get = kudp_param_get_mode,
};

/* Whole seconds, 1 to KUDP_SECONDS_MAX, a trailing newline accepted. */
static int kudp_param_set_seconds(const char *val, const struct kernel_param *kp)
{
	unsigned int s;

	if (kudp_parse_seconds(val, &s)) {
		pr_err("%s: '%s' is not a number of seconds from 1 to %u\n", kp->name, val,
		       KUDP_SECONDS_MAX);
		return kudp_ret(-EINVAL);
	}
	WRITE_ONCE(*(unsigned int *)kp->arg, s);
	return 0;
}

/* An unsigned int of seconds, 1 to KUDP_SECONDS_MAX; read with READ_ONCE(). */
const struct kernel_param_ops kudp_param_ops_seconds = {
	.set = kudp_param_set_seconds,
	.get = param_get_uint,
};

/* A UDP port, 1 to 65535, a trailing newline accepted. */
static int kudp_param_set_port(const char *val, const struct kernel_param *kp)
{
	u16 port;

	kudp_enter("%s=%s", kp->name, val);
	if (kudp_parse_port(val, &port)) {
		pr_err("%s: '%.*s' is not a UDP port (a number from 1 to 65535)\n", kp->name,
		       (int)strcspn(val, "\n"), val);
		return kudp_ret(-EINVAL);
	}
	*(u16 *)kp->arg = port;
	return 0;
}

static int kudp_param_get_port(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%u\n", *(u16 *)kp->arg);
}

/* A u16 UDP port: module_param_cb(port, &kudp_param_ops_port, &var, perm). */
const struct kernel_param_ops kudp_param_ops_port = {
	.set = kudp_param_set_port,
	.get = kudp_param_get_port,
};

/**
 * kudp_param_parse_key() - the "key" parameter's text
 * @val: 64 hex digits, or nothing to clear the key; never logged
 * @kp: the parameter
 * @key: the key it gives, or none
 *
 * Context: a parameter callback.
 * Return: 0, or -EINVAL (logged, without the text; @key unchanged).
 */
int kudp_param_parse_key(const char *val, const struct kernel_param *kp, struct kudp_key *key)
{
	struct kudp_key k = { };
	int ret = kudp_parse_key(val, k.bytes);

	if (ret < 0) {
		kudp_key_wipe(&k);
		pr_err("%s: not a key: it takes %u hex digits (%u bytes), or nothing to clear it\n",
		       kp->name, 2 * KUDP_KEY_LEN, KUDP_KEY_LEN);
		return -EINVAL;
	}
	k.set = ret;
	if (k.set)
		kudp_key_derive(&k);
	*key = k;
	kudp_key_wipe(&k);
	kudp_dbg("%s: %s\n", kp->name, key->set ? "set" : "cleared");
	return 0;
}

static int kudp_param_set_key(const char *val, const struct kernel_param *kp)
{
	return kudp_param_parse_key(val, kp, kp->arg);
}

/*
 * A &struct kudp_key, write-only: mode 0200, and no get. sysfs refuses to
 * open the file for reading (EACCES, root too: kernfs_fop_open()); without
 * a get there would be nothing to show anyway (param_attr_show(): EPERM).
 */
const struct kernel_param_ops kudp_param_ops_key = {
	.set = kudp_param_set_key,
};

/**
 * kudp_param_set_readonly() - the set operation of a read-only parameter
 * @val: the value given (ignored)
 * @kp: the parameter
 *
 * Every parameter needs a set operation: insmod calls it without looking
 * (sysfs refuses writes to a read-only file by itself).
 *
 * Context: a parameter callback.
 * Return: -EPERM, always.
 */
int kudp_param_set_readonly(const char *val, const struct kernel_param *kp)
{
	pr_err("%s is read-only\n", kp->name);
	return -EPERM;
}
