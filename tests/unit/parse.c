// SPDX-License-Identifier: GPL-2.0
/*
 * kudp_parse.c: what the parameters' text means, each as a parameter's set
 * operation gets it (one trailing newline from echo allowed), and what is
 * left alone when it means nothing.
 */
#include <string.h>

#include <linux/errno.h>
#include <linux/in.h>
#include <linux/kernel.h>

#include "kudp_parse.h"
#include "unit.h"

#define UNTOUCHED	0xa5a5a5a5U

/* a.b.c.d in network order. */
static __be32 ip(u8 a, u8 b, u8 c, u8 d)
{
	return htonl((u32)a << 24 | (u32)b << 16 | (u32)c << 8 | d);
}

/* kudp_parse_bytes() of @val: its return, and the number or 0x5a5a... if unset. */
static int bytes(const char *val, bool zero_ok, u64 *res)
{
	*res = 0x5a5a5a5a5a5a5a5aULL;
	return kudp_parse_bytes(val, zero_ok, res);
}

TEST(parse_bytes_plain_numbers)
{
	u64 n;

	CHECK_EQ(bytes("4096", false, &n), 0);
	CHECK_EQ(n, 4096);
	CHECK_EQ(bytes("1", false, &n), 0);
	CHECK_EQ(n, 1);
	CHECK_EQ(bytes("18446744073709551615", false, &n), 0);
	CHECK_EQ(n, ~0ULL);
	/* Decimal only: a leading 0 is no octal (memparse() read 8), 0x no hex. */
	CHECK_EQ(bytes("010", false, &n), 0);
	CHECK_EQ(n, 10);
	CHECK_EQ(bytes("0x1000", false, &n), -EINVAL);
	CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
}

TEST(parse_bytes_rejects_what_does_not_fit_64_bits)
{
	static const char *const big[] = {
		"18446744073709551616", "99999999999999999999", "123456789012345678901",
		"17179869184G", "17179869185G", "16777216T", "18014398509481984K",
	};
	unsigned int i;
	u64 n;

	/* memparse() wrapped these around to small numbers ("17179869185G": 1 GiB). */
	for (i = 0; i < ARRAY_SIZE(big); i++) {
		unit_case(big[i]);
		CHECK_EQ(bytes(big[i], true, &n), -EINVAL);
		CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
	}
	CHECK_EQ(bytes("17179869183G", true, &n), 0);
	CHECK_EQ(n, 17179869183ULL << 30);
	CHECK_EQ(bytes("18014398509481983K", true, &n), 0);
	CHECK_EQ(n, 18014398509481983ULL << 10);
}

TEST(parse_bytes_suffixes)
{
	u64 n;

	CHECK_EQ(bytes("1K", false, &n), 0);
	CHECK_EQ(n, 1024);
	CHECK_EQ(bytes("1k", false, &n), 0);
	CHECK_EQ(n, 1024);
	CHECK_EQ(bytes("64M", false, &n), 0);
	CHECK_EQ(n, 64ULL << 20);
	CHECK_EQ(bytes("64m", false, &n), 0);
	CHECK_EQ(n, 64ULL << 20);
	CHECK_EQ(bytes("4G", false, &n), 0);
	CHECK_EQ(n, 4ULL << 30);
	CHECK_EQ(bytes("3g", false, &n), 0);
	CHECK_EQ(n, 3ULL << 30);
	/* K, M and G only: memparse()'s T, P and E are no suffixes here. */
	CHECK_EQ(bytes("2T", false, &n), -EINVAL);
	CHECK_EQ(bytes("1P", false, &n), -EINVAL);
	CHECK_EQ(bytes("1E", false, &n), -EINVAL);
	CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
}

TEST(parse_bytes_trailing_newline)
{
	u64 n;

	CHECK_EQ(bytes("64M\n", false, &n), 0);
	CHECK_EQ(n, 64ULL << 20);
	CHECK_EQ(bytes("100\n", false, &n), 0);
	CHECK_EQ(n, 100);
	CHECK_EQ(bytes("64M\n\n", false, &n), -EINVAL);
	CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
	CHECK_EQ(bytes("100\nx", false, &n), -EINVAL);
}

TEST(parse_bytes_rejects_junk_after_the_number)
{
	static const char *const junk[] = {
		"64MB", "64 ", "64x", "1.5M", "64M x", "64\t", "4KK", "0x", "12a",
	};
	unsigned int i;
	u64 n;

	for (i = 0; i < ARRAY_SIZE(junk); i++) {
		unit_case(junk[i]);
		CHECK_EQ(bytes(junk[i], true, &n), -EINVAL);
		CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
	}
}

TEST(parse_bytes_rejects_what_is_no_number)
{
	static const char *const none[] = { "", "\n", "M", "K\n", "-1", "+64", " 64", "x64" };
	unsigned int i;
	u64 n;

	/* No sign, no space, no suffix without digits. */
	for (i = 0; i < ARRAY_SIZE(none); i++) {
		unit_case(none[i]);
		CHECK_EQ(bytes(none[i], true, &n), -EINVAL);
		CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
	}
}

TEST(parse_bytes_zero_only_when_allowed)
{
	u64 n;

	CHECK_EQ(bytes("0", true, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(bytes("0\n", true, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(bytes("0K", true, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(bytes("0", false, &n), -EINVAL);
	CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
	CHECK_EQ(bytes("0G\n", false, &n), -EINVAL);
	CHECK_EQ(bytes("0x0", false, &n), -EINVAL);
	CHECK_EQ(n, 0x5a5a5a5a5a5a5a5aULL);
}

TEST(parse_switch)
{
	static const char *const bad[] = { "1abc", "2", "", "01", "10", "1\n\n", "\n", " 1",
					   "on", "true", "-1", "0x1" };
	unsigned int i;
	bool on;

	on = false;
	CHECK_EQ(kudp_parse_switch("1", &on), 0);
	CHECK(on);
	CHECK_EQ(kudp_parse_switch("0", &on), 0);
	CHECK(!on);
	CHECK_EQ(kudp_parse_switch("1\n", &on), 0);
	CHECK(on);
	CHECK_EQ(kudp_parse_switch("0\n", &on), 0);
	CHECK(!on);
	/* Stricter than the kernel's bool: "1abc" is not "1". */
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		on = true;
		CHECK_EQ(kudp_parse_switch(bad[i], &on), -EINVAL);
		CHECK(on);
		on = false;
		CHECK_EQ(kudp_parse_switch(bad[i], &on), -EINVAL);
		CHECK(!on);
	}
}

TEST(parse_mode)
{
	CHECK_EQ(kudp_parse_mode("raw"), KUDP_MODE_RAW);
	CHECK_EQ(kudp_parse_mode("raw\n"), KUDP_MODE_RAW);
	CHECK_EQ(kudp_parse_mode("reliable"), KUDP_MODE_RELIABLE);
	CHECK_EQ(kudp_parse_mode("reliable\n"), KUDP_MODE_RELIABLE);
	/* Case matters; nothing before or after; one newline. */
	CHECK_EQ(kudp_parse_mode("Raw"), -EINVAL);
	CHECK_EQ(kudp_parse_mode("RELIABLE"), -EINVAL);
	CHECK_EQ(kudp_parse_mode("reliablex"), -EINVAL);
	CHECK_EQ(kudp_parse_mode("reliabl"), -EINVAL);
	CHECK_EQ(kudp_parse_mode(" raw"), -EINVAL);
	CHECK_EQ(kudp_parse_mode("raw "), -EINVAL);
	CHECK_EQ(kudp_parse_mode("raw\n\n"), -EINVAL);
	CHECK_EQ(kudp_parse_mode(""), -EINVAL);
	CHECK_EQ(kudp_parse_mode("\n"), -EINVAL);
	CHECK_EQ(kudp_parse_mode("0"), -EINVAL);
}

TEST(parse_mode_name_round_trips)
{
	CHECK_STR(kudp_mode_name(KUDP_MODE_RAW), "raw");
	CHECK_STR(kudp_mode_name(KUDP_MODE_RELIABLE), "reliable");
	CHECK_EQ(kudp_parse_mode(kudp_mode_name(KUDP_MODE_RAW)), KUDP_MODE_RAW);
	CHECK_EQ(kudp_parse_mode(kudp_mode_name(KUDP_MODE_RELIABLE)), KUDP_MODE_RELIABLE);
}

TEST(parse_hold_range)
{
	unsigned int s = UNTOUCHED;

	CHECK_EQ(kudp_parse_seconds("1", &s), 0);
	CHECK_EQ(s, 1);
	CHECK_EQ(kudp_parse_seconds("3600", &s), 0);
	CHECK_EQ(s, KUDP_SECONDS_MAX);
	CHECK_EQ(kudp_parse_seconds("60\n", &s), 0);
	CHECK_EQ(s, KUDP_HOLD_DEFAULT_S);
	/* kstrtouint() in base 10: a leading zero is no octal, a '+' is allowed. */
	CHECK_EQ(kudp_parse_seconds("010", &s), 0);
	CHECK_EQ(s, 10);
	CHECK_EQ(kudp_parse_seconds("+7", &s), 0);
	CHECK_EQ(s, 7);
}

TEST(parse_hold_rejects)
{
	static const char *const bad[] = {
		"3601", "0", "0\n", "-1", "abc", "99999999999", "4294967296", "4294967297",
		"", "\n", "60\n\n", " 60", "60 ", "60s", "0x10", "1e3",
	};
	unsigned int i, s;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		s = UNTOUCHED;
		CHECK_EQ(kudp_parse_seconds(bad[i], &s), -EINVAL);
		CHECK_EQ(s, UNTOUCHED);
	}
}

TEST(parse_dest_valid)
{
	__be32 a = UNTOUCHED;

	CHECK_EQ(kudp_parse_dest("192.168.1.2", &a), 0);
	CHECK_EQ(a, ip(192, 168, 1, 2));
	/* In network order: the first octet first in memory. */
	CHECK_EQ(((u8 *)&a)[0], 192);
	CHECK_EQ(((u8 *)&a)[3], 2);
	CHECK_EQ(kudp_parse_dest("127.0.0.1\n", &a), 0);
	CHECK_EQ(a, ip(127, 0, 0, 1));
	CHECK_EQ(kudp_parse_dest("223.255.255.255", &a), 0);
	CHECK_EQ(a, ip(223, 255, 255, 255));
	CHECK_EQ(kudp_parse_dest("255.255.255.254", &a), 0);
	CHECK_EQ(a, ip(255, 255, 255, 254));
	/* in4_pton(): decimal octets, leading zeros allowed. */
	CHECK_EQ(kudp_parse_dest("010.001.0.09", &a), 0);
	CHECK_EQ(a, ip(10, 1, 0, 9));
}

TEST(parse_dest_rejects_what_is_no_address)
{
	static const char *const bad[] = {
		"10.0.0.1\n\n", "10.0.0.1x", "10.0.0.1 ", " 10.0.0.1", "10.0.0.1a",
		"10.0.0.1:80", "10.0.0.1/32", "10.0.0.256", "10.0.0", "10.0.0.", "10..0.1",
		".10.0.0.1", "10.0.0.1.5", "1000.0.0.1", "", "\n", "localhost", "10.0.0.1\nx",
		"0x0a.0.0.1", "-1.0.0.1",
	};
	unsigned int i;
	__be32 a;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		a = UNTOUCHED;
		CHECK_EQ(kudp_parse_dest(bad[i], &a), -EINVAL);
		CHECK_EQ(a, UNTOUCHED);
	}
}

TEST(parse_dest_takes_groups)
{
	__be32 a = UNTOUCHED;

	CHECK_EQ(kudp_parse_dest("239.1.2.3", &a), 0);
	CHECK_EQ(a, ip(239, 1, 2, 3));
	CHECK_EQ(kudp_parse_dest("224.0.0.1\n", &a), 0);
	CHECK_EQ(a, ip(224, 0, 0, 1));
	CHECK_EQ(kudp_parse_dest("239.255.255.255", &a), 0);
	CHECK_EQ(a, ip(239, 255, 255, 255));
}

TEST(parse_dest_rejects_addresses_of_no_host_or_group)
{
	static const char *const none[] = {
		"255.255.255.255", "255.255.255.255\n", "0.0.0.0", "0.0.0.0\n",
	};
	unsigned int i;
	__be32 a;

	for (i = 0; i < ARRAY_SIZE(none); i++) {
		unit_case(none[i]);
		a = UNTOUCHED;
		CHECK_EQ(kudp_parse_dest(none[i], &a), -EADDRNOTAVAIL);
		CHECK_EQ(a, UNTOUCHED);
	}
}

TEST(parse_group)
{
	static const char *const bad[] = {
		"239.1.2.3x", "239.1.2", " 239.1.2.3", "239.1.2.3\n\n", "group", "\n\n",
	};
	static const char *const hosts[] = {
		"192.0.2.1", "223.255.255.255", "240.0.0.1", "255.255.255.255",
	};
	unsigned int i;
	__be32 g = UNTOUCHED;

	CHECK_EQ(kudp_parse_group("239.1.2.3\n", &g), 0);
	CHECK_EQ(g, ip(239, 1, 2, 3));
	CHECK_EQ(kudp_parse_group("224.0.0.0", &g), 0);
	CHECK_EQ(g, ip(224, 0, 0, 0));
	/* None: empty, or 0.0.0.0 (what reading the parameter shows). */
	CHECK_EQ(kudp_parse_group("", &g), 0);
	CHECK_EQ(g, 0);
	g = UNTOUCHED;
	CHECK_EQ(kudp_parse_group("\n", &g), 0);
	CHECK_EQ(g, 0);
	g = UNTOUCHED;
	CHECK_EQ(kudp_parse_group("0.0.0.0", &g), 0);
	CHECK_EQ(g, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		g = UNTOUCHED;
		CHECK_EQ(kudp_parse_group(bad[i], &g), -EINVAL);
		CHECK_EQ(g, UNTOUCHED);
	}
	for (i = 0; i < ARRAY_SIZE(hosts); i++) {
		unit_case(hosts[i]);
		g = UNTOUCHED;
		CHECK_EQ(kudp_parse_group(hosts[i], &g), -EADDRNOTAVAIL);
		CHECK_EQ(g, UNTOUCHED);
	}
}

TEST(parse_dest_zeronet_is_0_0_0_0_alone)
{
	__be32 a = UNTOUCHED;

	/*
	 * ipv4_is_zeronet() is 0.0.0.0 alone in the 6.1 and 6.12 kernels: the
	 * rest of 0/8 is taken (as a route may make it a unicast address).
	 */
	CHECK_EQ(kudp_parse_dest("0.1.2.3", &a), 0);
	CHECK_EQ(a, ip(0, 1, 2, 3));
	CHECK_EQ(kudp_parse_dest("0.0.0.1", &a), 0);
	CHECK_EQ(a, ip(0, 0, 0, 1));
}

/* kudp_parse_prefix() of @val, with @addr and @mask set to UNTOUCHED first. */
static int prefix(const char *val, __be32 *addr, __be32 *mask)
{
	*addr = UNTOUCHED;
	*mask = UNTOUCHED;
	return kudp_parse_prefix(val, addr, mask);
}

TEST(parse_prefix_address_alone_is_all_ones)
{
	__be32 a, m;

	CHECK_EQ(prefix("10.1.2.3", &a, &m), 0);
	CHECK_EQ(a, ip(10, 1, 2, 3));
	CHECK_EQ(m, ip(255, 255, 255, 255));
	CHECK_EQ(prefix("10.1.2.3\n", &a, &m), 0);
	CHECK_EQ(a, ip(10, 1, 2, 3));
	CHECK_EQ(m, ip(255, 255, 255, 255));
	/* A prefix may be of any address: multicast, broadcast, 0.0.0.0. */
	CHECK_EQ(prefix("255.255.255.255", &a, &m), 0);
	CHECK_EQ(prefix("0.0.0.0", &a, &m), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(m, ip(255, 255, 255, 255));
}

TEST(parse_prefix_lengths)
{
	__be32 a, m;

	CHECK_EQ(prefix("10.1.2.0/24", &a, &m), 0);
	CHECK_EQ(a, ip(10, 1, 2, 0));
	CHECK_EQ(m, ip(255, 255, 255, 0));
	CHECK_EQ(prefix("10.1.2.0/24\n", &a, &m), 0);
	CHECK_EQ(m, ip(255, 255, 255, 0));
	CHECK_EQ(prefix("0.0.0.0/0", &a, &m), 0);
	CHECK_EQ(a, 0);
	CHECK_EQ(m, 0);
	CHECK_EQ(prefix("10.1.2.3/32", &a, &m), 0);
	CHECK_EQ(a, ip(10, 1, 2, 3));
	CHECK_EQ(m, ip(255, 255, 255, 255));
	CHECK_EQ(prefix("128.0.0.0/1", &a, &m), 0);
	CHECK_EQ(m, ip(128, 0, 0, 0));
	CHECK_EQ(prefix("10.1.2.2/31", &a, &m), 0);
	CHECK_EQ(m, ip(255, 255, 255, 254));
	CHECK_EQ(prefix("172.16.0.0/12\n", &a, &m), 0);
	CHECK_EQ(m, ip(255, 240, 0, 0));
	/* Two digits, a leading zero among them. */
	CHECK_EQ(prefix("10.0.0.0/08", &a, &m), 0);
	CHECK_EQ(m, ip(255, 0, 0, 0));
}

TEST(parse_prefix_rejects_bad_lengths)
{
	static const char *const bad[] = {
		"10.1.2.0/33", "10.1.2.0/99", "10.1.2.0/", "10.1.2.0/\n", "10.1.2.0/123",
		"10.1.2.0/008", "10.1.2.0/-1", "10.1.2.0/+8", "10.1.2.0/ 8", "10.1.2.0/8 ",
		"10.1.2.0/2a", "10.1.2.0/x", "10.1.2.0//8", "10.1.2.0/8/", "10.1.2.0/24\n\n",
		"10.1.2.0/\n24",
	};
	unsigned int i;
	__be32 a, m;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		CHECK_EQ(prefix(bad[i], &a, &m), -EINVAL);
		CHECK_EQ(a, UNTOUCHED);
		CHECK_EQ(m, UNTOUCHED);
	}
}

TEST(parse_prefix_rejects_bad_addresses)
{
	static const char *const bad[] = {
		"/24", "", "\n", "10.1.2/24", "10.1.2.256/24", "10.1.2.0x/24", "10.1.2.0 /24",
		"10.1.2.3.4/32", "10.1.2.3\n/32",
	};
	unsigned int i;
	__be32 a, m;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		CHECK_EQ(prefix(bad[i], &a, &m), -EINVAL);
		CHECK_EQ(a, UNTOUCHED);
		CHECK_EQ(m, UNTOUCHED);
	}
}

TEST(parse_prefix_bits_outside_the_prefix_are_erange)
{
	__be32 a, m;

	/* -ERANGE, with both set: the message says what was meant. */
	CHECK_EQ(prefix("10.1.2.3/24", &a, &m), -ERANGE);
	CHECK_EQ(a, ip(10, 1, 2, 3));
	CHECK_EQ(m, ip(255, 255, 255, 0));
	CHECK_EQ(prefix("10.1.2.3/24\n", &a, &m), -ERANGE);
	CHECK_EQ(a, ip(10, 1, 2, 3));
	CHECK_EQ(prefix("0.0.0.1/0", &a, &m), -ERANGE);
	CHECK_EQ(a, ip(0, 0, 0, 1));
	CHECK_EQ(m, 0);
	CHECK_EQ(prefix("10.1.2.1/31", &a, &m), -ERANGE);
	CHECK_EQ(m, ip(255, 255, 255, 254));
	CHECK_EQ(prefix("128.0.0.1/1", &a, &m), -ERANGE);
	CHECK_EQ(m, ip(128, 0, 0, 0));
}

TEST(check_dest)
{
	CHECK_EQ(kudp_check_dest(ip(192, 0, 2, 2)), 0);
	CHECK_EQ(kudp_check_dest(ip(127, 0, 0, 1)), 0);
	CHECK_EQ(kudp_check_dest(ip(0, 0, 0, 1)), 0);
	CHECK_EQ(kudp_check_dest(ip(224, 0, 0, 1)), 0);
	CHECK_EQ(kudp_check_dest(ip(239, 255, 255, 255)), 0);
	CHECK_EQ(kudp_check_dest(ip(255, 255, 255, 255)), -EADDRNOTAVAIL);
	CHECK_EQ(kudp_check_dest(0), -EADDRNOTAVAIL);
}

/* kudp_parse_port() of @val: its return, and the port or 0xa5a5 if unset. */
static int port(const char *val, u16 *p)
{
	*p = 0xa5a5;
	return kudp_parse_port(val, p);
}

TEST(parse_port_valid)
{
	u16 p;

	CHECK_EQ(port("8808", &p), 0);
	CHECK_EQ(p, 8808);
	CHECK_EQ(port("1", &p), 0);
	CHECK_EQ(p, 1);
	CHECK_EQ(port("65535\n", &p), 0);
	CHECK_EQ(p, 65535);
	/* Decimal: a leading 0 is no octal. */
	CHECK_EQ(port("09909", &p), 0);
	CHECK_EQ(p, 9909);
}

TEST(parse_port_rejects)
{
	static const char *const bad[] = {
		"0", "00000", "65536", "99999", "100000", "008808", "", "\n", "8808\n\n",
		"+8808", "-1", " 8808", "8808 ", "0x2268", "88o8", "8808x", "8808\nx", "1e3",
	};
	unsigned int i;
	u16 p;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		CHECK_EQ(port(bad[i], &p), -EINVAL);
		CHECK_EQ(p, 0xa5a5);
	}
}

/* kudp_parse_ifname() of @val into a 16-byte name, "untouched" before. */
static int ifname(const char *val, char *name)
{
	strcpy(name, "untouched");
	return kudp_parse_ifname(val, name, 16);
}

TEST(parse_ifname_valid)
{
	char name[16];

	CHECK_EQ(ifname("lo", name), 0);
	CHECK_STR(name, "lo");
	CHECK_EQ(ifname("enp0s10\n", name), 0);
	CHECK_STR(name, "enp0s10");
	/* 15 characters: the longest IFNAMSIZ allows. */
	CHECK_EQ(ifname("abcdefghijklmno", name), 0);
	CHECK_STR(name, "abcdefghijklmno");
	CHECK_EQ(ifname("br-lan.10", name), 0);
	CHECK_STR(name, "br-lan.10");
	CHECK_EQ(ifname("...", name), 0);
	CHECK_STR(name, "...");
	/* Empty: no interface, all of them. */
	CHECK_EQ(ifname("", name), 0);
	CHECK_STR(name, "");
	CHECK_EQ(ifname("\n", name), 0);
	CHECK_STR(name, "");
}

TEST(parse_ifname_rejects)
{
	static const char *const bad[] = {
		"abcdefghijklmnop", "abcdefghijklmnopq\n", ".", "..", ".\n", "a/b", "eth0:1",
		"eth 0", "eth0 ", " eth0", "eth\t0", "lo\n\n", "lo\nx",
	};
	unsigned int i;
	char name[16];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		CHECK_EQ(ifname(bad[i], name), -EINVAL);
		CHECK_STR(name, "untouched");
	}
}

#define KEY_HEX	"000102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F"

TEST(parse_key)
{
	u8 key[KUDP_KEY_LEN];
	unsigned int i;

	CHECK_EQ(kudp_parse_key(KEY_HEX, key), 1);
	for (i = 0; i < KUDP_KEY_LEN; i++)
		CHECK_EQ(key[i], i);
	CHECK_EQ(kudp_parse_key(KEY_HEX "\n", key), 1);
	/* Empty: no key, and the old one untouched. */
	memset(key, 0xa5, sizeof(key));
	CHECK_EQ(kudp_parse_key("", key), 0);
	CHECK_EQ(kudp_parse_key("\n", key), 0);
	CHECK_EQ(key[0], 0xa5);
}

TEST(parse_key_rejects)
{
	static const char *const bad[] = {
		/* 63 and 65 digits; a non-digit; white space; two newlines. */
		KEY_HEX + 1, KEY_HEX "0", KEY_HEX " ",
		"g00102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F",
		" 00102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F",
		KEY_HEX "\n\n", "0x" KEY_HEX, "x", "\n\n",
		"0g0102030405060708090a0b0c0d0e0f101112131415161718191A1B1C1D1E1F",
	};
	u8 key[KUDP_KEY_LEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		unit_case(bad[i]);
		CHECK_EQ(kudp_parse_key(bad[i], key), -EINVAL);
	}
}
