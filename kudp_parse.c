// SPDX-License-Identifier: GPL-2.0
/*
 * What the parameters' text means (see kudp_parse.h). Every function takes
 * the text as the kernel hands it to a parameter's set operation: a NUL-
 * terminated string, one trailing newline accepted (echo's). Linked into
 * both modules, and compiled in user space by the unit tier (tests/unit).
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "kudp_parse.h"

/* The length of @val without its trailing newline; -1 if more follows it. */
static ssize_t kudp_parse_len(const char *val)
{
	size_t len = strcspn(val, "\n");

	return val[len] && val[len + 1] ? -1 : len;
}

/**
 * kudp_parse_bytes() - a number of bytes, with an optional K, M or G suffix
 * @val: the text: decimal digits, then K, M or G (either case) for 2^10,
 *	2^20 or 2^30 ("64M")
 * @zero_ok: whether 0 is allowed
 * @res: the number, when it is one
 *
 * Decimal only, unlike memparse(), which reads "010" as 8, and which wraps
 * a number past 2^64 around to a small one.
 *
 * Context: any.
 * Return: 0, or -EINVAL (@res unchanged): not such a number, 0 when not
 * allowed, or more than 2^64 - 1.
 */
int kudp_parse_bytes(const char *val, bool zero_ok, u64 *res)
{
	static const char units[] = "kmg";
	size_t digits = strspn(val, "0123456789");
	const char *rest = val + digits, *unit;
	unsigned int shift = 0;
	char num[21];
	u64 n;

	if (!digits || digits >= sizeof(num))
		return -EINVAL;
	memcpy(num, val, digits);
	num[digits] = '\0';
	if (kstrtou64(num, 10, &n))
		return -EINVAL;
	if (*rest && *rest != '\n') {
		unit = strchr(units, tolower(*rest));
		if (!unit)
			return -EINVAL;
		shift = 10 * (unit - units + 1);
		rest++;
	}
	if ((*rest && strcmp(rest, "\n")) || n > U64_MAX >> shift || (!n && !zero_ok))
		return -EINVAL;
	*res = n << shift;
	return 0;
}

/**
 * kudp_parse_switch() - a switch: "0" or "1"
 * @val: the text
 * @on: the value, when it is one
 *
 * Stricter than the kernel's bool parameters, which take "1abc" for "1".
 *
 * Context: any.
 * Return: 0, or -EINVAL (@on unchanged).
 */
int kudp_parse_switch(const char *val, bool *on)
{
	if ((val[0] != '0' && val[0] != '1') || (val[1] && strcmp(val + 1, "\n")))
		return -EINVAL;
	*on = val[0] == '1';
	return 0;
}

static const char * const kudp_mode_names[] = {
	[KUDP_MODE_RAW] = "raw",
	[KUDP_MODE_RELIABLE] = "reliable",
};

/**
 * kudp_parse_mode() - a mode by its name: "raw" or "reliable"
 * @val: the text
 *
 * Context: any.
 * Return: the &enum kudp_mode, or -EINVAL.
 */
int kudp_parse_mode(const char *val)
{
	return sysfs_match_string(kudp_mode_names, val);
}

/**
 * kudp_mode_name() - a mode's name
 * @mode: the mode
 *
 * Context: any.
 * Return: "raw" or "reliable".
 */
const char *kudp_mode_name(enum kudp_mode mode)
{
	return kudp_mode_names[mode];
}

/**
 * kudp_parse_seconds() - whole seconds, 1 to %KUDP_SECONDS_MAX
 * @val: the text
 * @s: the seconds, when they are some
 *
 * Context: any.
 * Return: 0, or -EINVAL (@s unchanged).
 */
int kudp_parse_seconds(const char *val, unsigned int *s)
{
	unsigned int n;

	if (kstrtouint(val, 10, &n) || !n || n > KUDP_SECONDS_MAX)
		return -EINVAL;
	*s = n;
	return 0;
}

/* The first @len bytes of @val as a dotted quad, all of them. */
static bool kudp_parse_quad(const char *val, size_t len, __be32 *addr)
{
	const char *end;

	return len && in4_pton(val, len, (u8 *)addr, -1, &end) && end == val + len;
}

/**
 * kudp_parse_dest() - where a send goes: one host, or a multicast group
 * @val: the text: "a.b.c.d"
 * @addr: the address, when it is one
 *
 * Context: any.
 * Return: 0; -EINVAL if @val is not a dotted quad; -EADDRNOTAVAIL if it
 * is the broadcast or the "this host" (0.0.0.0) address, which name no
 * one host and no group (@addr unchanged on errors).
 */
int kudp_parse_dest(const char *val, __be32 *addr)
{
	ssize_t len = kudp_parse_len(val);
	__be32 a;

	if (len < 0 || !kudp_parse_quad(val, len, &a))
		return -EINVAL;
	if (kudp_check_dest(a))
		return -EADDRNOTAVAIL;
	*addr = a;
	return 0;
}

/**
 * kudp_check_dest() - whether an IPv4 address names one host or a group
 * @addr: the address, network byte order
 *
 * What kudp_parse_dest() checks once the text is an address: the ip
 * parameter and a send's own destination (KUDP_IOC_SEND_OVERRIDE) are
 * held to the same rule. A multicast address (224.0.0.0/4) is a group.
 *
 * Context: any.
 * Return: 0; -EADDRNOTAVAIL for the broadcast or the "this host"
 * (0.0.0.0) address.
 */
int kudp_check_dest(__be32 addr)
{
	if (ipv4_is_lbcast(addr) || ipv4_is_zeronet(addr))
		return -EADDRNOTAVAIL;
	return 0;
}

/**
 * kudp_parse_group() - a multicast group to join, or none
 * @val: the text: "a.b.c.d" in 224.0.0.0/4, or "" (or "0.0.0.0") for none
 * @group: the group, or 0 for none
 *
 * Context: any.
 * Return: 0; -EINVAL if @val is not a dotted quad; -EADDRNOTAVAIL if it is
 * an address but not a multicast one (@group unchanged on errors).
 */
int kudp_parse_group(const char *val, __be32 *group)
{
	ssize_t len = kudp_parse_len(val);
	__be32 a = 0;

	if (len < 0 || (len && !kudp_parse_quad(val, len, &a)))
		return -EINVAL;
	if (a && !ipv4_is_multicast(a))
		return -EADDRNOTAVAIL;
	*group = a;
	return 0;
}

/**
 * kudp_parse_port() - a UDP port: decimal, 1 to 65535
 * @val: the text: 1 to 5 decimal digits (no sign, no 0x)
 * @port: the port, host byte order, when it is one
 *
 * Context: any.
 * Return: 0, or -EINVAL (@port unchanged).
 */
int kudp_parse_port(const char *val, u16 *port)
{
	ssize_t len = kudp_parse_len(val);
	unsigned int n;
	char num[6];

	if (len < 1 || len >= sizeof(num) || strspn(val, "0123456789") != len)
		return -EINVAL;
	memcpy(num, val, len);
	num[len] = '\0';
	if (kstrtouint(num, 10, &n) || !n || n > 65535)
		return -EINVAL;
	*port = n;
	return 0;
}

/**
 * kudp_parse_ifname() - a network interface's name, or none
 * @val: the text: empty (any interface), or a name as the kernel allows
 *	one (dev_valid_name()): at most @size - 1 characters, not "." or
 *	"..", no '/', ':' or white space
 * @name: where the name goes, NUL-terminated ("" for none)
 * @size: room at @name: IFNAMSIZ
 *
 * Whether an interface of that name exists is for the caller to ask.
 *
 * Context: any.
 * Return: 0, or -EINVAL (@name unchanged).
 */
int kudp_parse_ifname(const char *val, char *name, size_t size)
{
	ssize_t len = kudp_parse_len(val);
	ssize_t i;

	if (len < 0 || len >= size)
		return -EINVAL;
	if ((len == 1 && val[0] == '.') || (len == 2 && !strncmp(val, "..", 2)))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (val[i] == '/' || val[i] == ':' || isspace((unsigned char)val[i]))
			return -EINVAL;
	}
	memcpy(name, val, len);
	name[len] = '\0';
	return 0;
}

/**
 * kudp_parse_prefix() - an IPv4 address or prefix: "a.b.c.d" or "a.b.c.d/n"
 * @val: the text; n is 0 to 32, one or two digits
 * @addr: the address, when it is one
 * @mask: the prefix's mask (all ones for an address alone)
 *
 * Context: any.
 * Return: 0; -EINVAL if @val is neither; -ERANGE if the address has bits
 * outside the prefix (@addr and @mask are set then, for the message that
 * says what was meant); on -EINVAL neither is changed.
 */
int kudp_parse_prefix(const char *val, __be32 *addr, __be32 *mask)
{
	ssize_t len = kudp_parse_len(val);
	size_t alen = strcspn(val, "/\n");
	unsigned int bits = 32;
	char prefix[3];
	__be32 a, m;

	if (len < 0 || !kudp_parse_quad(val, alen, &a))
		return -EINVAL;
	if (alen < len) {
		/* The prefix length: 1 or 2 digits after the slash (no '+'). */
		if (len - alen - 1 < 1 || len - alen - 1 > 2)
			return -EINVAL;
		strscpy(prefix, val + alen + 1, len - alen);
		if (prefix[0] == '+' || kstrtouint(prefix, 10, &bits) || bits > 32)
			return -EINVAL;
	}
	m = bits ? htonl(~0U << (32 - bits)) : 0;
	*addr = a;
	*mask = m;
	return a & ~m ? -ERANGE : 0;
}

/**
 * kudp_parse_key() - a shared key: 64 hex digits, or none
 * @val: the text: empty (no key), or %KUDP_KEY_LEN bytes in hex (either
 *	case), one trailing newline allowed
 * @key: where the key goes, %KUDP_KEY_LEN bytes
 *
 * The caller must never log @val: it is the key.
 *
 * Context: any.
 * Return: 1 for a key, 0 for none (@key unchanged), or -EINVAL (@key may
 * hold part of it: the caller wipes it).
 */
int kudp_parse_key(const char *val, u8 *key)
{
	ssize_t len = kudp_parse_len(val);

	if (!len)
		return 0;
	if (len != 2 * KUDP_KEY_LEN || hex2bin(key, val, KUDP_KEY_LEN))
		return -EINVAL;
	return 1;
}
